// Label selectors: the matchLabels/matchExpressions test shared by Services, workloads and
// policies.
//
// A LabelSelector is a value; matching is a pure function of the labels. An empty selector (no
// labels, no expressions) selects everything, as `podSelector: {}` does; a Service with no
// selector is represented by std::nullopt at its use site, not by an empty selector.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace kubetwin::topology {

using Labels = std::map<std::string, std::string>;

struct LabelRequirement {
  enum class Operator { kIn, kNotIn, kExists, kDoesNotExist };
  std::string key;
  Operator op = Operator::kIn;
  std::vector<std::string> values;
};

struct LabelSelector {
  Labels match_labels;
  std::vector<LabelRequirement> match_expressions;

  bool matches(const Labels& labels) const;
  bool selects_everything() const { return match_labels.empty() && match_expressions.empty(); }
  // kubectl's rendering: "app=kafka,tier in (a,b)"; "" for the empty selector.
  std::string str() const;
};

// Parses a kubectl `-l` selector string ("app=x,tier!=y,env in (a,b),!k,k"). Returns false on
// a syntax error (out untouched).
bool parse_label_selector(const std::string& text, LabelSelector& out);

}  // namespace kubetwin::topology
