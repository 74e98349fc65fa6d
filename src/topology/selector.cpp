// Label selectors: matching and kubectl's textual form.
#include "kubetwin/topology/selector.hpp"

#include <algorithm>
#include <cctype>

namespace kubetwin::topology {

namespace {

std::string trim(const std::string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

// A label value as the API server validates it: empty, or at most 63 of [A-Za-z0-9-_.] starting
// and ending with an alphanumeric.
bool valid_label_value(const std::string& v) {
  if (v.empty()) return true;
  if (v.size() > 63) return false;
  auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  if (!alnum(v.front()) || !alnum(v.back())) return false;
  return std::all_of(v.begin(), v.end(),
                     [&](char c) { return alnum(c) || c == '-' || c == '_' || c == '.'; });
}

// A label key: an optional DNS subdomain prefix (lower case, at most 253) and '/', then a name
// that is a non-empty label value.
bool valid_label_key(const std::string& k) {
  const std::size_t slash = k.find('/');
  std::string name = k;
  if (slash != std::string::npos) {
    const std::string prefix = k.substr(0, slash);
    name = k.substr(slash + 1);
    if (prefix.empty() || prefix.size() > 253) return false;
    for (char c : prefix)
      if (!(std::islower(static_cast<unsigned char>(c)) ||
            std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '.'))
        return false;
    if (!std::isalnum(static_cast<unsigned char>(prefix.front())) ||
        !std::isalnum(static_cast<unsigned char>(prefix.back())))
      return false;
  }
  return !name.empty() && valid_label_value(name);
}

bool contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

}  // namespace

bool LabelSelector::matches(const Labels& labels) const {
  for (const auto& [k, v] : match_labels) {
    auto it = labels.find(k);
    if (it == labels.end() || it->second != v) return false;
  }
  for (const LabelRequirement& r : match_expressions) {
    auto it = labels.find(r.key);
    switch (r.op) {
      case LabelRequirement::Operator::kIn:
        if (it == labels.end() || !contains(r.values, it->second)) return false;
        break;
      case LabelRequirement::Operator::kNotIn:
        if (it != labels.end() && contains(r.values, it->second)) return false;
        break;
      case LabelRequirement::Operator::kExists:
        if (it == labels.end()) return false;
        break;
      case LabelRequirement::Operator::kDoesNotExist:
        if (it != labels.end()) return false;
        break;
    }
  }
  return true;
}

std::string LabelSelector::str() const {
  std::string out;
  auto add = [&out](const std::string& part) {
    if (!out.empty()) out += ",";
    out += part;
  };
  for (const auto& [k, v] : match_labels) add(k + "=" + v);
  for (const LabelRequirement& r : match_expressions) {
    std::string values;
    for (const std::string& v : r.values) values += (values.empty() ? "" : ",") + v;
    switch (r.op) {
      case LabelRequirement::Operator::kIn:
        add(r.key + " in (" + values + ")");
        break;
      case LabelRequirement::Operator::kNotIn:
        // `k!=` (a NotIn of the empty value) as it was typed; "k notin ()" means the same
        // (found by tests/fuzz selector).
        if (r.values.size() == 1 && r.values[0].empty())
          add(r.key + "!=");
        else
          add(r.key + " notin (" + values + ")");
        break;
      case LabelRequirement::Operator::kExists:
        add(r.key);
        break;
      case LabelRequirement::Operator::kDoesNotExist:
        add("!" + r.key);
        break;
    }
  }
  return out;
}

bool parse_label_selector(const std::string& text, LabelSelector& out) {
  LabelSelector result;
  // Split on commas outside parentheses.
  std::vector<std::string> parts;
  std::string cur;
  int depth = 0;
  for (char c : text) {
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';  // all whitespace to the lexer
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (depth < 0) return false;
    if (c == ',' && depth == 0) {
      parts.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (depth != 0) return false;
  parts.push_back(cur);
  for (std::string part : parts) {
    part = trim(part);
    if (part.empty()) {
      if (parts.size() == 1) break;
      return false;
    }
    auto set_op = [&](std::size_t pos, std::size_t len, LabelRequirement::Operator op) {
      std::string key = trim(part.substr(0, pos));
      std::string list = trim(part.substr(pos + len));
      if (key.empty() || list.size() < 2 || list.front() != '(' || list.back() != ')') return false;
      LabelRequirement r{key, op, {}};
      // apimachinery's parseValues reads the values as a set: "()" and "(,)" are the set of the
      // empty value, duplicates count once, and String() lists them sorted. Found by
      // tests/fuzz selector: "nv in (,<newline>)" was kept as two empty values, rendered as
      // "nv in ()", which the twin then refused.
      std::string inner = list.substr(1, list.size() - 2), v;
      for (char c : inner + ",") {
        if (c == ',') {
          r.values.push_back(trim(v));
          v.clear();
        } else {
          v += c;
        }
      }
      std::sort(r.values.begin(), r.values.end());
      r.values.erase(std::unique(r.values.begin(), r.values.end()), r.values.end());
      result.match_expressions.push_back(std::move(r));
      return true;
    };
    // The lexer ends a word at whitespace or at '(': "x in(a)" is "x in (a)".
    auto find_word = [&part](const std::string& word) {
      for (std::size_t at = part.find(" " + word); at != std::string::npos;
           at = part.find(" " + word, at + 1)) {
        const std::size_t after = at + 1 + word.size();
        if (after < part.size() && (part[after] == ' ' || part[after] == '(')) return at;
      }
      return std::string::npos;
    };
    if (auto p = find_word("notin"); p != std::string::npos) {
      if (!set_op(p, 6, LabelRequirement::Operator::kNotIn)) return false;
    } else if (auto q = find_word("in"); q != std::string::npos) {
      if (!set_op(q, 3, LabelRequirement::Operator::kIn)) return false;
    } else if (auto ne = part.find("!="); ne != std::string::npos) {
      result.match_expressions.push_back({trim(part.substr(0, ne)),
                                          LabelRequirement::Operator::kNotIn,
                                          {trim(part.substr(ne + 2))}});
    } else if (auto eq = part.find('='); eq != std::string::npos) {
      std::size_t vpos = eq + 1;
      if (vpos < part.size() && part[vpos] == '=') ++vpos;
      std::string key = trim(part.substr(0, eq));
      if (key.empty()) return false;
      result.match_labels[key] = trim(part.substr(vpos));
    } else if (part[0] == '!') {
      result.match_expressions.push_back(
          {trim(part.substr(1)), LabelRequirement::Operator::kDoesNotExist, {}});
    } else {
      result.match_expressions.push_back({part, LabelRequirement::Operator::kExists, {}});
    }
  }
  // kubectl (apimachinery labels.Parse) refuses keys and values the API server would not store;
  // so does the twin (found by tests/fuzz selector: "b===" was
  // read as b = "=", which renders back as a different selector).
  for (const auto& [k, v] : result.match_labels)
    if (!valid_label_key(k) || !valid_label_value(v)) return false;
  for (const LabelRequirement& r : result.match_expressions) {
    if (!valid_label_key(r.key)) return false;
    for (const std::string& v : r.values)
      if (!valid_label_value(v)) return false;
    if ((r.op == LabelRequirement::Operator::kIn || r.op == LabelRequirement::Operator::kNotIn) &&
        r.values.empty())
      return false;
  }
  out = std::move(result);
  return true;
}

}  // namespace kubetwin::topology
