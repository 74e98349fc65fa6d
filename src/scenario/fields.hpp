// Reading YAML mappings field by field: unknown keys refused with "did you mean", required keys
// named.
//
// Private to the scenario layer. Every error is a k8s::InputError at the offending node with the
// field's dotted path ("spec.load[0].rate") in the sentence and a hint.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "kubetwin/k8s/diagnostic.hpp"
#include "kubetwin/k8s/node.hpp"

namespace kubetwin::scenario::internal {

// The closest candidate to `word` by edit distance when it is close enough to be a typo
// (distance <= max(1, |word| / 3)); "" when none is.
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);
// "did you mean `x`?" or "expected one of: a, b, c".
std::string did_you_mean_hint(std::string_view word, const std::vector<std::string>& candidates);

// Throws "<field> must be <what>, found <describe_node>".
[[noreturn]] void wrong_type(const k8s::Node& node, std::string_view field, std::string_view what,
                             std::string hint = "");

// A mapping whose keys must all be known. The constructor throws when `node` is not a mapping or
// has a key not in `known`.
class FieldReader {
 public:
  FieldReader(const k8s::Node& node, std::string path,
              std::initializer_list<std::string_view> known);
  FieldReader(const k8s::Node& node, std::string path, const std::vector<std::string>& known);

  const k8s::Node& node() const { return node_; }
  const std::string& path() const { return path_; }
  // "path.key" (or "key" at the top).
  std::string field(std::string_view key) const;
  bool has(std::string_view key) const { return get(key) != nullptr; }
  // The value, nullptr when absent or null (`key:` with nothing after it counts as absent).
  const k8s::Node* get(std::string_view key) const;
  // The value; throws "missing <field>" at the mapping when absent.
  const k8s::Node& require(std::string_view key, std::string_view hint = "") const;

 private:
  const k8s::Node& node_;
  std::string path_;
};

// Checks `apiVersion: kubetwin.io/v1alpha1` and `kind: <kind>` of a kubetwin document.
void check_header(const FieldReader& top, std::string_view kind);
// The one document of a kubetwin file (empty or multi-document files are errors).
k8s::Node single_document(std::string_view text, const std::string& path, std::string_view kind);

// "path[i]": the field path of a list element, for error messages.
std::string indexed(const std::string& path, std::size_t i);
// The items of a sequence node; a wrong_type error (with the hint) when it is not a sequence.
const std::vector<k8s::Node>& sequence(const k8s::Node& node, const std::string& field,
                                       std::string_view hint);

}  // namespace kubetwin::scenario::internal
