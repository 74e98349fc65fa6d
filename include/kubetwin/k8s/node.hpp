// Node: a YAML/JSON value tree that remembers where every value came from.
//
// Manifests are loaded once into Nodes (yaml-cpp is used only by the loader), then kustomize
// transforms them and the topology layer reads them. Mappings keep their key order. A scalar
// keeps its text and whether it was quoted, so "1" (string) and 1 (number) stay distinct, as
// they are for the API server and for kustomize's JSON round trip.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kubetwin/k8s/diagnostic.hpp"

namespace kubetwin::k8s {

class Node {
 public:
  enum class Kind { kNull, kScalar, kSequence, kMapping };
  // How a scalar reads under YAML 1.1/JSON rules: a quoted scalar is always a string.
  enum class ScalarType { kString, kInt, kFloat, kBool, kNull };

  Node() = default;  // null
  static Node scalar(std::string text, bool quoted = true, SourceLocation where = {});
  static Node sequence(SourceLocation where = {});
  static Node mapping(SourceLocation where = {});

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::kNull; }
  bool is_scalar() const { return kind_ == Kind::kScalar; }
  bool is_sequence() const { return kind_ == Kind::kSequence; }
  bool is_mapping() const { return kind_ == Kind::kMapping; }
  const SourceLocation& location() const { return where_; }
  void set_location(SourceLocation where) { where_ = std::move(where); }

  // Scalars.
  const std::string& text() const { return text_; }
  bool quoted() const { return quoted_; }
  ScalarType scalar_type() const;
  std::optional<int64_t> as_int() const;  // plain integer scalars (and quoted digits: no)
  std::optional<bool> as_bool() const;

  // Sequences.
  const std::vector<Node>& items() const { return items_; }
  std::vector<Node>& items() { return items_; }
  void push_back(Node n) { items_.push_back(std::move(n)); }

  // Mappings, in key order of the source.
  const std::vector<std::pair<std::string, Node>>& fields() const { return fields_; }
  std::vector<std::pair<std::string, Node>>& fields() { return fields_; }
  const Node* get(std::string_view key) const;
  Node* get(std::string_view key);
  // Sets key (appending when new) and returns the stored node.
  Node& set(std::string_view key, Node value);
  bool erase(std::string_view key);
  // Follows a path of mapping keys; nullptr when any step is missing or not a mapping.
  const Node* at(std::initializer_list<std::string_view> path) const;
  // The text of a scalar at key, or fallback when missing or not a scalar.
  std::string str(std::string_view key, std::string_view fallback = "") const;

  bool operator==(const Node& other) const;  // structural, ignores locations

 private:
  Kind kind_ = Kind::kNull;
  bool quoted_ = false;
  std::string text_;
  std::vector<Node> items_;
  std::vector<std::pair<std::string, Node>> fields_;
  SourceLocation where_;
};

}  // namespace kubetwin::k8s
