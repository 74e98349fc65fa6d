// Reading YAML mappings field by field: unknown-key detection with edit distance, required keys.
#include "scenario/fields.hpp"

#include <algorithm>
#include <cctype>
#include <memory>

#include "kubetwin/k8s/loader.hpp"

namespace kubetwin::scenario::internal {

namespace {

// Optimal string alignment distance (Levenshtein plus adjacent transpositions, "kafak" -> "kafka"
// is 1), case-insensitive.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  auto lower = [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  };
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
          lower(a[i - 2]) == lower(b[j - 1]))
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

}  // namespace

std::string closest_match(std::string_view word, const std::vector<std::string>& candidates) {
  std::size_t limit = std::max<std::size_t>(1, word.size() / 3);
  std::string best;
  std::size_t best_distance = limit + 1;
  for (const std::string& c : candidates) {
    std::size_t d = edit_distance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

std::string did_you_mean_hint(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best = closest_match(word, candidates);
  if (!best.empty()) return "did you mean `" + best + "`?";
  std::string list;
  for (const std::string& c : candidates) list += (list.empty() ? "" : ", ") + c;
  return "expected one of: " + list;
}

void wrong_type(const k8s::Node& node, std::string_view field, std::string_view what,
                std::string hint) {
  if (hint.empty()) hint = "write " + std::string(what) + " here";  // every error has a hint
  throw k8s::InputError(
      node.location(),
      std::string(field) + " must be " + std::string(what) + ", found " + k8s::describe_node(node),
      std::move(hint));
}

FieldReader::FieldReader(const k8s::Node& node, std::string path,
                         std::initializer_list<std::string_view> known)
    : FieldReader(node, std::move(path), std::vector<std::string>(known.begin(), known.end())) {}

FieldReader::FieldReader(const k8s::Node& node, std::string path,
                         const std::vector<std::string>& known)
    : node_(node), path_(std::move(path)) {
  if (!node.is_mapping())
    wrong_type(node, path_.empty() ? "the document" : path_, "a mapping",
               "write its fields as `key: value` lines indented under it, or as {key: value}");
  for (const auto& [key, value] : node.fields()) {
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    throw k8s::InputError(value.location(), "unknown field " + field(key),
                          did_you_mean_hint(key, known));
  }
}

std::string FieldReader::field(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

const k8s::Node* FieldReader::get(std::string_view key) const {
  const k8s::Node* n = node_.get(key);
  if (!n || n->is_null() || (n->is_scalar() && n->scalar_type() == k8s::Node::ScalarType::kNull))
    return nullptr;
  return n;
}

const k8s::Node& FieldReader::require(std::string_view key, std::string_view hint) const {
  const k8s::Node* n = get(key);
  if (!n) {
    throw k8s::InputError(node_.location(), "missing " + field(key),
                          hint.empty() ? "add `" + std::string(key) + ":`" : std::string(hint));
  }
  return *n;
}

void check_header(const FieldReader& top, std::string_view kind) {
  const std::string example = "apiVersion: kubetwin.io/v1alpha1\nkind: " + std::string(kind);
  const k8s::Node& api = top.require("apiVersion", "start the file with\n" + example);
  if (!api.is_scalar() || api.text() != "kubetwin.io/v1alpha1")
    throw k8s::InputError(
        api.location(),
        "apiVersion must be kubetwin.io/v1alpha1, found " +
            (api.is_scalar() ? "\"" + api.text() + "\"" : k8s::describe_node(api)),
        "the only version of kubetwin's file formats so far");
  const k8s::Node& k = top.require("kind", "add `kind: " + std::string(kind) + "`");
  if (!k.is_scalar() || k.text() != kind)
    throw k8s::InputError(k.location(),
                          "kind must be " + std::string(kind) + ", found " +
                              (k.is_scalar() ? "\"" + k.text() + "\"" : k8s::describe_node(k)),
                          kind == "Scenario"
                              ? "a behaviour file goes in the twin.yaml's `behaviour:`, not here"
                              : "is this the file you meant?");
}

k8s::Node single_document(std::string_view text, const std::string& path, std::string_view kind) {
  std::vector<k8s::Node> docs = k8s::parse_yaml_documents(text, path);
  if (docs.empty())
    throw k8s::InputError(
        k8s::SourceLocation{std::make_shared<const std::string>(path), 1, 1},
        "empty file, expected a " + std::string(kind) + " document",
        "start with apiVersion: kubetwin.io/v1alpha1 and kind: " + std::string(kind));
  if (docs.size() > 1)
    throw k8s::InputError(
        docs[1].location(),
        "a " + std::string(kind) + " file holds one document, found " + std::to_string(docs.size()),
        "put each " + std::string(kind) + " in its own file");
  return std::move(docs.front());
}

std::string indexed(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

const std::vector<k8s::Node>& sequence(const k8s::Node& node, const std::string& field,
                                       std::string_view hint) {
  if (!node.is_sequence()) wrong_type(node, field, "a sequence", std::string(hint));
  return node.items();
}

}  // namespace kubetwin::scenario::internal
