// `kubetwin explain`: a guided tour of a modelled system for a new engineer, built only from what
// the twin itself knows (the index, the topology Model, the dependency graph, DNS, the static
// audit's findings and the behaviour file), never from hand-written prose about a system.
//
// The tour has six sections, always in this order: the cluster; the environments and what runs
// where; how a request flows from an entry point through the gateway to the services, the
// database and Kafka (and who consumes what it produces); what is highly available and what is
// not; what isolates the environments and what does not; where the secrets come from. Each is a
// list of blocks (paragraphs, bullet lists, tables) rendered as plain text for a terminal or as
// Markdown for a wiki.
//
// Promises: pure and deterministic (same model files -> byte-identical output); file paths are
// shown relative to the index's directory so the text does not depend on the working directory.
// Loading throws k8s::InputError (path:line:col, a hint) for a path that is not a model index or
// a bad file it names; the CLI maps that to exit code 2.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kubetwin/runtime/behaviour_spec.hpp"
#include "kubetwin/topology/audit.hpp"
#include "kubetwin/topology/model.hpp"
#include "kubetwin/topology/twin_index.hpp"

namespace kubetwin::report {

// Everything the tour is built from.
struct ExplainInput {
  topology::TwinIndex index;
  topology::AuditContext context;  // environments with their namespaces and HA flag
  topology::Model model;
  std::optional<runtime::BehaviourSpec> behaviour;  // none when the index names no file
  std::vector<topology::Finding> findings;          // the audit of `model` under `context`
};

// Loads a model index (a twin.yaml or its directory): renders every environment, builds the
// model on the index's cluster profile (the built-in single node when it names none), reads the
// behaviour file and runs the audit.
ExplainInput load_explain_input(const std::string& model_path);

// One block of a section. Text may hold `backticks` around names: Markdown keeps them, plain text
// drops them. A bullet item starting with one or more '\t' is nested that many levels.
struct ExplainBlock {
  enum class Kind { kParagraph, kBullets, kTable };
  Kind kind = Kind::kParagraph;
  std::string text;                            // kParagraph
  std::vector<std::string> items;              // kBullets
  std::vector<std::string> header;             // kTable
  std::vector<std::vector<std::string>> rows;  // kTable, each row as wide as the header
};

struct ExplainSection {
  std::string id;     // stable: "cluster", "environments", "flow", "availability", "isolation",
                      // "secrets"
  std::string title;  // what a person reads
  std::vector<ExplainBlock> blocks;
};

struct Explanation {
  std::string title;
  std::string summary;  // the index's description
  std::vector<ExplainSection> sections;

  const ExplainSection* find(std::string_view id) const;  // nullptr when absent
};

Explanation explain(const ExplainInput& input);

enum class ExplainFormat { kText, kMarkdown };
// "text" or "markdown" (also "md"); false for anything else (out untouched).
bool parse_explain_format(std::string_view text, ExplainFormat& out);

// Plain text wraps paragraphs at 100 columns and aligns tables; Markdown uses headings, lists
// and pipe tables.
std::string render_explanation(const Explanation& explanation, ExplainFormat format);

}  // namespace kubetwin::report
