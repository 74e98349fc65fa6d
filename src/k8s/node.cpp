// Node: the location-carrying YAML value tree (scalar typing follows go-yaml v3, as kustomize
// reads).
#include "kubetwin/k8s/node.hpp"

#include <algorithm>
#include <charconv>

namespace kubetwin::k8s {

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// YAML 1.2 core float (with go-yaml's tolerance):
// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
bool looks_float(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  size_t digits = 0;
  while (i < s.size() && is_digit(s[i])) ++i, ++digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    size_t frac = 0;
    while (i < s.size() && is_digit(s[i])) ++i, ++frac;
    if (digits == 0 && frac == 0) return false;
  } else if (digits == 0) {
    return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    size_t exp = 0;
    while (i < s.size() && is_digit(s[i])) ++i, ++exp;
    if (exp == 0) return false;
  }
  return i == s.size();
}

}  // namespace

namespace internal {

// Parses an integer the way Go's strconv.ParseInt(s, 0, 64) does after removing '_'.
std::optional<int64_t> parse_go_int(std::string_view in) {
  std::string s;
  s.reserve(in.size());
  for (char c : in)
    if (c != '_') s.push_back(c);
  if (s.empty()) return std::nullopt;
  bool negative = false;
  size_t i = 0;
  if (s[0] == '+' || s[0] == '-') {
    negative = s[0] == '-';
    i = 1;
  }
  int base = 10;
  if (s.size() - i > 1 && s[i] == '0') {
    char p = s[i + 1];
    if (p == 'x' || p == 'X')
      base = 16, i += 2;
    else if (p == 'o' || p == 'O')
      base = 8, i += 2;
    else if (p == 'b' || p == 'B')
      base = 2, i += 2;
    else
      base = 8, i += 1;
  }
  if (i >= s.size()) return std::nullopt;
  uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(s.data() + i, s.data() + s.size(), value, base);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  if (negative) {
    if (value > uint64_t(INT64_MAX) + 1) return std::nullopt;
    return value == uint64_t(INT64_MAX) + 1 ? INT64_MIN : -int64_t(value);
  }
  if (value > uint64_t(INT64_MAX)) return std::nullopt;
  return int64_t(value);
}

bool plain_is_float(std::string_view s) {
  static constexpr std::string_view kSpecial[] = {".inf",  ".Inf",  ".INF",  "+.inf",
                                                  "+.Inf", "+.INF", "-.inf", "-.Inf",
                                                  "-.INF", ".nan",  ".NaN",  ".NAN"};
  if (std::find(std::begin(kSpecial), std::end(kSpecial), s) != std::end(kSpecial)) return true;
  std::string plain;
  for (char c : s)
    if (c != '_') plain.push_back(c);
  return looks_float(plain);
}

}  // namespace internal

Node Node::scalar(std::string text, bool quoted, SourceLocation where) {
  Node n;
  n.kind_ = Kind::kScalar;
  n.text_ = std::move(text);
  n.quoted_ = quoted;
  n.where_ = std::move(where);
  return n;
}

Node Node::sequence(SourceLocation where) {
  Node n;
  n.kind_ = Kind::kSequence;
  n.where_ = std::move(where);
  return n;
}

Node Node::mapping(SourceLocation where) {
  Node n;
  n.kind_ = Kind::kMapping;
  n.where_ = std::move(where);
  return n;
}

Node::ScalarType Node::scalar_type() const {
  if (kind_ == Kind::kNull) return ScalarType::kNull;
  if (kind_ != Kind::kScalar || quoted_) return ScalarType::kString;
  const std::string& s = text_;
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return ScalarType::kNull;
  if (s == "true" || s == "True" || s == "TRUE" || s == "false" || s == "False" || s == "FALSE")
    return ScalarType::kBool;
  char c = s[0];
  if (!(is_digit(c) || c == '-' || c == '+' || c == '.')) return ScalarType::kString;
  if (internal::parse_go_int(s)) return ScalarType::kInt;
  if (internal::plain_is_float(s)) return ScalarType::kFloat;
  return ScalarType::kString;
}

std::optional<int64_t> Node::as_int() const {
  if (scalar_type() != ScalarType::kInt) return std::nullopt;
  return internal::parse_go_int(text_);
}

std::optional<bool> Node::as_bool() const {
  if (scalar_type() != ScalarType::kBool) return std::nullopt;
  return text_[0] == 't' || text_[0] == 'T';
}

const Node* Node::get(std::string_view key) const {
  if (kind_ != Kind::kMapping) return nullptr;
  for (const auto& [k, v] : fields_)
    if (k == key) return &v;
  return nullptr;
}

Node* Node::get(std::string_view key) {
  if (kind_ != Kind::kMapping) return nullptr;
  for (auto& [k, v] : fields_)
    if (k == key) return &v;
  return nullptr;
}

Node& Node::set(std::string_view key, Node value) {
  if (kind_ != Kind::kMapping) {
    // Turning a null (or anything else) into a mapping keeps the location.
    kind_ = Kind::kMapping;
    text_.clear();
    items_.clear();
    fields_.clear();
  }
  for (auto& [k, v] : fields_) {
    if (k == key) {
      v = std::move(value);
      return v;
    }
  }
  fields_.emplace_back(std::string(key), std::move(value));
  return fields_.back().second;
}

bool Node::erase(std::string_view key) {
  if (kind_ != Kind::kMapping) return false;
  auto it =
      std::find_if(fields_.begin(), fields_.end(), [&](const auto& f) { return f.first == key; });
  if (it == fields_.end()) return false;
  fields_.erase(it);
  return true;
}

const Node* Node::at(std::initializer_list<std::string_view> path) const {
  const Node* n = this;
  for (std::string_view k : path) {
    n = n->get(k);
    if (!n) return nullptr;
  }
  return n;
}

std::string Node::str(std::string_view key, std::string_view fallback) const {
  const Node* n = get(key);
  if (!n || !n->is_scalar()) return std::string(fallback);
  return n->text_;
}

bool Node::operator==(const Node& other) const {
  if (kind_ != other.kind_) return false;
  switch (kind_) {
    case Kind::kNull:
      return true;
    case Kind::kScalar:
      return text_ == other.text_ && quoted_ == other.quoted_;
    case Kind::kSequence:
      return items_ == other.items_;
    case Kind::kMapping:
      return fields_ == other.fields_;
  }
  return false;
}

}  // namespace kubetwin::k8s
