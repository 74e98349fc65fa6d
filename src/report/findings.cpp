// Text, JSON and SARIF 2.1.0 renderings of static-audit findings.
#include "kubetwin/report/findings.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <sstream>

#include "kubetwin/k8s/json.hpp"

namespace kubetwin::report {

namespace {

using k8s::Severity;
using topology::Finding;

// SARIF 2.1.0 (OASIS standard): the version string and the schema code scanners look for.
constexpr const char* kSarifVersion = "2.1.0";
constexpr const char* kSarifSchema = "https://json.schemastore.org/sarif-2.1.0.json";
constexpr const char* kToolName = "kubetwin";
// Rule documentation lives in the repository (no public URL yet): rules point there in text.
constexpr const char* kRulesDocument = "docs/check.md";

const char* severity_word(Severity s) {
  switch (s) {
    case Severity::kError:
      return "error";
    case Severity::kWarning:
      return "warning";
    case Severity::kInfo:
      return "info";
  }
  return "error";
}

// SARIF levels: error, warning, note.
const char* sarif_level(Severity s) {
  return s == Severity::kInfo ? "note" : severity_word(s);
}

// docs/check.md anchors: "KT101" -> "kt101".
std::string lower_id(std::string_view id) {
  std::string s(id);
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string location_text(const k8s::SourceLocation& where) {
  return where.str();
}

// A SARIF artifact URI: relative paths stay relative (forward slashes, percent-encoded where
// needed); absolute ones become file:// URIs.
std::string sarif_uri(const std::string& path) {
  std::string out;
  if (!path.empty() && path.front() == '/') out = "file://";
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

}  // namespace

bool parse_findings_format(std::string_view text, FindingsFormat& out) {
  if (text == "text")
    out = FindingsFormat::kText;
  else if (text == "json")
    out = FindingsFormat::kJson;
  else if (text == "sarif")
    out = FindingsFormat::kSarif;
  else
    return false;
  return true;
}

std::string json_quote(std::string_view text) {
  return k8s::json_quote(text, k8s::JsonEscape::kPlain);
}

std::string render_findings_text(const std::vector<Finding>& findings, const std::string& target) {
  const topology::FindingCounts counts = topology::count_findings(findings);
  std::ostringstream out;
  out << "kubetwin check " << target << ": " << counts.errors << " error"
      << (counts.errors == 1 ? "" : "s") << ", " << counts.warnings << " warning"
      << (counts.warnings == 1 ? "" : "s") << ", " << counts.infos << " info\n";
  if (findings.empty()) {
    out << "no findings\n";
    return out.str();
  }
  // Per rule, in id order (findings are sorted by id already, but do not rely on it).
  std::map<std::string, std::pair<const Finding*, std::size_t>> by_rule;
  for (const Finding& f : findings) {
    auto& entry = by_rule[f.id];
    if (!entry.first) entry.first = &f;
    ++entry.second;
  }
  std::size_t rule_width = 4;
  for (const auto& [id, entry] : by_rule)
    rule_width = std::max(rule_width, entry.first->rule.size());
  out << "\n  ID     SEVERITY  COUNT  RULE\n";
  for (const auto& [id, entry] : by_rule) {
    std::string sev = severity_word(entry.first->severity);
    sev.resize(8, ' ');
    std::string count = std::to_string(entry.second);
    count.resize(5, ' ');
    std::string rid = id;
    rid.resize(5, ' ');
    out << "  " << rid << "  " << sev << "  " << count << "  " << entry.first->rule << "\n";
  }
  out << "\n";
  for (const Finding& f : findings) {
    out << location_text(f.where) << ": " << severity_word(f.severity) << "[" << f.id << "] "
        << f.message << "\n";
    if (!f.hint.empty()) out << "  hint: " << f.hint << "\n";
  }
  return out.str();
}

std::string render_findings_json(const std::vector<Finding>& findings, const std::string& target) {
  const topology::FindingCounts counts = topology::count_findings(findings);
  std::ostringstream out;
  out << "{\n  \"target\": " << json_quote(target)
      << ",\n  \"summary\": {\"errors\": " << counts.errors << ", \"warnings\": " << counts.warnings
      << ", \"infos\": " << counts.infos << "},\n  \"findings\": [";
  for (std::size_t i = 0; i < findings.size(); ++i) {
    const Finding& f = findings[i];
    out << (i ? ",\n" : "\n") << "    {\"id\": " << json_quote(f.id)
        << ", \"rule\": " << json_quote(f.rule)
        << ", \"severity\": " << json_quote(severity_word(f.severity))
        << ", \"kind\": " << json_quote(f.subject.kind)
        << ", \"namespace\": " << json_quote(f.subject.namespace_name)
        << ", \"name\": " << json_quote(f.subject.name)
        << ", \"environment\": " << json_quote(f.environment)
        << ", \"file\": " << json_quote(f.where.path ? f.where.file() : "")
        << ", \"line\": " << f.where.line << ", \"column\": " << f.where.column
        << ", \"message\": " << json_quote(f.message) << ", \"hint\": " << json_quote(f.hint)
        << "}";
  }
  out << (findings.empty() ? "]\n}\n" : "\n  ]\n}\n");
  return out.str();
}

std::string render_findings_sarif(const std::vector<Finding>& findings, const std::string& target) {
  const auto rules = topology::audit_rules();
  std::map<std::string, std::size_t> rule_index;
  for (std::size_t i = 0; i < rules.size(); ++i) rule_index[rules[i].id] = i;
  std::ostringstream out;
  out << "{\n  \"$schema\": " << json_quote(kSarifSchema)
      << ",\n  \"version\": " << json_quote(kSarifVersion)
      << ",\n  \"runs\": [\n    {\n      \"tool\": {\n"
      << "        \"driver\": {\n          \"name\": " << json_quote(kToolName)
      << ",\n          \"rules\": [";
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const topology::AuditRule& r = rules[i];
    out << (i ? "," : "") << "\n            {\"id\": " << json_quote(r.id)
        << ", \"name\": " << json_quote(r.name)
        << ", \"shortDescription\": {\"text\": " << json_quote(r.summary) << "}"
        << ", \"help\": {\"text\": "
        << json_quote(std::string("See ") + kRulesDocument + "#" + lower_id(r.id)) << "}"
        << ", \"defaultConfiguration\": {\"level\": " << json_quote(sarif_level(r.severity))
        << "}}";
  }
  out << "\n          ]\n        }\n      },\n      \"automationDetails\": {\"id\": "
      << json_quote("kubetwin-check/" + target) << "},\n      \"results\": [";
  for (std::size_t i = 0; i < findings.size(); ++i) {
    const Finding& f = findings[i];
    out << (i ? "," : "") << "\n        {\"ruleId\": " << json_quote(f.id);
    if (auto it = rule_index.find(f.id); it != rule_index.end())
      out << ", \"ruleIndex\": " << it->second;
    out << ", \"level\": " << json_quote(sarif_level(f.severity)) << ", \"message\": {\"text\": "
        << json_quote(f.message + (f.hint.empty() ? "" : ". Hint: " + f.hint)) << "}"
        << ", \"locations\": [{";
    if (f.where.path) {
      out << "\"physicalLocation\": {\"artifactLocation\": {\"uri\": "
          << json_quote(sarif_uri(f.where.file())) << "}";
      if (f.where.line > 0) {
        out << ", \"region\": {\"startLine\": " << f.where.line;
        if (f.where.column > 0) out << ", \"startColumn\": " << f.where.column;
        out << "}";
      }
      out << "}, ";
    }
    const std::string fqn =
        f.subject.kind + "/" +
        (f.subject.namespace_name.empty() ? "" : f.subject.namespace_name + "/") + f.subject.name;
    out << "\"logicalLocations\": [{\"fullyQualifiedName\": " << json_quote(fqn)
        << ", \"kind\": \"resource\"}]}]"
        << ", \"properties\": {\"environment\": " << json_quote(f.environment)
        << ", \"rule\": " << json_quote(f.rule) << "}}";
  }
  out << (findings.empty() ? "]\n" : "\n      ]\n") << "    }\n  ]\n}\n";
  return out.str();
}

std::string render_findings(const std::vector<Finding>& findings, const std::string& target,
                            FindingsFormat format) {
  switch (format) {
    case FindingsFormat::kText:
      return render_findings_text(findings, target);
    case FindingsFormat::kJson:
      return render_findings_json(findings, target);
    case FindingsFormat::kSarif:
      return render_findings_sarif(findings, target);
  }
  return render_findings_text(findings, target);
}

void relativise_paths(std::vector<topology::Finding>& findings) {
  std::error_code ec;
  const std::string cwd = std::filesystem::current_path(ec).string() + "/";
  if (ec) return;
  std::map<const std::string*, std::shared_ptr<const std::string>> done;
  for (topology::Finding& f : findings) {
    if (!f.where.path) continue;
    auto [it, fresh] = done.try_emplace(f.where.path.get());
    if (fresh) {
      it->second = f.where.path;
      if (f.where.path->starts_with(cwd))
        it->second = std::make_shared<const std::string>(f.where.path->substr(cwd.size()));
    }
    f.where.path = it->second;
    for (std::string* text : {&f.message, &f.hint})
      for (auto p = text->find(cwd); p != std::string::npos; p = text->find(cwd, p))
        text->erase(p, cwd.size());
  }
}

}  // namespace kubetwin::report
