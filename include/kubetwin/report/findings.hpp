// Rendering of static-audit findings (topology/audit.hpp) for people, scripts and code scanners.
//
// Three formats, each a pure function of the findings (same findings -> same bytes):
//  - text: a summary first (counts by severity, then one line per rule that fired), then one
//    block per finding: `path:line:col: severity[ID] message` and `  hint: ...`;
//  - JSON: {"target", "summary": {"errors", "warnings", "infos"}, "findings": [{"id", "rule",
//    "severity", "kind", "namespace", "name", "environment", "file", "line", "column",
//    "message", "hint"}]}; field names are stable (documented in docs/check.md);
//  - SARIF 2.1.0: one run, tool.driver.rules = the whole rule catalogue, one result per finding
//    with ruleId, ruleIndex, level (error/warning/note), message and a physicalLocation
//    (artifactLocation.uri, region.startLine/startColumn when known).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "kubetwin/topology/audit.hpp"

namespace kubetwin::report {

enum class FindingsFormat { kText, kJson, kSarif };
// "text", "json", "sarif"; false for anything else (out untouched).
bool parse_findings_format(std::string_view text, FindingsFormat& out);

// `target` names what was checked ("models/amazon-store", "-k k8s/overlays/dev", "state
// .kubetwin/state.db"); it appears in the text header and the JSON.
std::string render_findings_text(const std::vector<topology::Finding>& findings,
                                 const std::string& target);
std::string render_findings_json(const std::vector<topology::Finding>& findings,
                                 const std::string& target);
std::string render_findings_sarif(const std::vector<topology::Finding>& findings,
                                  const std::string& target);
std::string render_findings(const std::vector<topology::Finding>& findings,
                            const std::string& target, FindingsFormat format);

// Paths under the working directory made relative to it, as the user typed them (the findings'
// locations, and any mention in their message or hint). Locations sharing a path still share it.
void relativise_paths(std::vector<topology::Finding>& findings);

// JSON string literal for `text` (quotes included), escaping as RFC 8259 requires.
std::string json_quote(std::string_view text);

}  // namespace kubetwin::report
