// Chaos Mesh selectors and modes, checked against the model: each criterion narrows the pods,
// and the one that leaves none is reported at its line with what exists instead.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

#include "kubetwin/scenario/values.hpp"
#include "scenario/fault_parse.hpp"

namespace kubetwin::scenario::internal {

namespace {

using k8s::InputError;
using k8s::Node;
using topology::Index;

// Labels every pod of a workload carries that say nothing about what it is.
bool noisy_label(const std::string& key) {
  return key == "pod-template-hash" || key == "statefulset.kubernetes.io/pod-name" ||
         key == "apps.kubernetes.io/pod-index" || key == "controller-revision-hash";
}

std::string joined(const std::vector<std::string>& items, std::size_t max = 12) {
  std::string out;
  for (std::size_t i = 0; i < items.size() && i < max; ++i) out += (i ? ", " : "") + items[i];
  if (items.size() > max) out += ", ...";
  return out;
}

// "amazon-api-prod (11 pods), kong-prod (3 pods)": where the model's pods run.
std::string namespaces_with_pods(const topology::Model& model) {
  std::map<std::string, int> count;
  for (const topology::Pod& p : model.pods) ++count[p.meta.namespace_name];
  std::vector<std::string> out;
  for (const auto& [ns, n] : count)
    out.push_back(ns + " (" + std::to_string(n) + (n == 1 ? " pod)" : " pods)"));
  return joined(out, 20);
}

std::vector<std::string> namespace_names(const topology::Model& model) {
  std::set<std::string> names;
  for (const topology::Pod& p : model.pods) names.insert(p.meta.namespace_name);
  return {names.begin(), names.end()};
}

// "app: kafka-kraft, postgres; environment: production": the labels (or annotations) of `pods`.
std::string summary(const std::vector<std::map<std::string, std::string>>& maps) {
  std::map<std::string, std::set<std::string>> values;
  for (const auto& m : maps)
    for (const auto& [k, v] : m)
      if (!noisy_label(k)) values[k].insert(v);
  std::vector<std::string> parts;
  for (const auto& [k, vs] : values)
    parts.push_back(k + ": " + joined(std::vector<std::string>(vs.begin(), vs.end()), 8));
  std::string out;
  for (std::size_t i = 0; i < parts.size() && i < 8; ++i) out += (i ? "; " : "") + parts[i];
  return out.empty() ? "none" : out;
}

// The pods' labels or annotations (`which`), one map per pod.
using MetaMap = std::map<std::string, std::string> topology::ObjectMeta::*;
std::vector<std::map<std::string, std::string>> maps_of(const topology::Model& model,
                                                        const std::vector<Index>& pods,
                                                        MetaMap which) {
  std::vector<std::map<std::string, std::string>> out;
  for (Index i : pods) out.push_back(model.pods[i].meta.*which);
  return out;
}
std::vector<std::map<std::string, std::string>> labels_of(const topology::Model& model,
                                                          const std::vector<Index>& pods) {
  return maps_of(model, pods, &topology::ObjectMeta::labels);
}

// "in amazon-api-prod" / "in amazon-api-prod, kong-prod": where the candidates run.
std::string where_text(const topology::Model& model, const std::vector<Index>& pods) {
  std::set<std::string> ns;
  for (Index i : pods) ns.insert(model.pods[i].meta.namespace_name);
  return "in " + joined(std::vector<std::string>(ns.begin(), ns.end()), 6);
}

std::string pods_text(std::size_t n) {
  return n == 1 ? "the 1 pod" : "the " + std::to_string(n) + " pods";
}

template <typename Keep>
std::vector<Index> filtered(const std::vector<Index>& pods, Keep keep) {
  std::vector<Index> out;
  for (Index i : pods)
    if (keep(i)) out.push_back(i);
  return out;
}

std::map<std::string, std::pair<std::string, const Node*>> string_map(const Node& node,
                                                                      const std::string& field) {
  if (!node.is_mapping())
    wrong_type(node, field, "a mapping of strings",
               "e.g. " + field.substr(field.rfind('.') + 1) + ": {app: kafka-kraft}");
  std::map<std::string, std::pair<std::string, const Node*>> out;
  for (const auto& [k, v] : node.fields()) out[k] = {parse_string(v, field + "." + k), &v};
  return out;
}

std::vector<std::pair<std::string, const Node*>> string_items(const Node& node,
                                                              const std::string& field,
                                                              std::string_view hint) {
  std::vector<std::pair<std::string, const Node*>> out;
  const auto& items = sequence(node, field, hint);
  for (std::size_t i = 0; i < items.size(); ++i)
    out.emplace_back(parse_string(items[i], indexed(field, i)), &items[i]);
  return out;
}

// The hint for a label (or annotation) key=value no candidate carries.
std::string missing_pair_hint(const std::vector<std::map<std::string, std::string>>& maps,
                              const std::string& key, const std::string& value,
                              const std::string& what) {
  std::set<std::string> keys, values;
  for (const auto& m : maps) {
    for (const auto& [k, v] : m) {
      if (!noisy_label(k)) keys.insert(k);
      if (k == key) values.insert(v);
    }
  }
  if (!values.empty()) {
    std::vector<std::string> vs(values.begin(), values.end());
    std::string best = closest_match(value, vs);
    return (best.empty() ? "" : "did you mean `" + best + "`? ") + key +
           " values there: " + joined(vs, 10);
  }
  std::vector<std::string> ks(keys.begin(), keys.end());
  std::string best = closest_match(key, ks);
  return "no pod there has " + what + " `" + key + "`" +
         (best.empty() ? "" : "; did you mean `" + best + "`?") + " (" + what +
         "s there: " + (ks.empty() ? "none" : joined(ks, 10)) + ")";
}

std::optional<double> number_text(std::string_view s) {
  double v = 0;
  if (s.empty()) return std::nullopt;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

constexpr const char* kSelectorHint =
    "e.g. selector: {namespaces: [amazon-api-prod], labelSelectors: {app: kafka-kraft}}";
constexpr const char* kModeHint =
    "one (a pod at random), all, fixed (value: a count), fixed-percent or random-max-percent "
    "(value: 0-100)";

}  // namespace

[[noreturn]] void not_simulated(const Node& at, const std::string& field, std::string_view why,
                                std::string_view hint) {
  throw InputError(at.location(), field + " is not simulated: " + std::string(why),
                   std::string(hint));
}

FieldReader read_fields(const Node& node, const std::string& field,
                        const std::vector<std::string>& known,
                        const std::vector<Refused>& refused) {
  if (node.is_mapping()) {
    for (const auto& [key, value] : node.fields()) {
      for (const Refused& r : refused)
        if (key == r.key)
          not_simulated(value, field.empty() ? key : field + "." + key, r.why, r.hint);
    }
  }
  return FieldReader(node, field, known);
}

runtime::PodSelector parse_pod_selector(FaultContext& ctx, const Node& node,
                                        const std::string& field, const BodyOrigin& origin,
                                        std::vector<Index>* matched) {
  const topology::Model& model = ctx.model();
  FieldReader r = read_fields(
      node, field,
      {"namespaces", "labelSelectors", "expressionSelectors", "annotationSelectors",
       "fieldSelectors", "nodeSelectors", "nodes", "pods"},
      {{"podPhaseSelectors",
        "the twin selects among the pods that exist when the fault starts, whatever their phase",
        "remove it (a selector of Running pods selects the same pods once the run has started)"}});
  runtime::PodSelector sel;
  std::vector<Index> pods;
  for (Index i = 0; i < model.pods.size(); ++i) pods.push_back(i);
  const std::vector<std::string> known_ns = namespace_names(model);

  // Namespaces: written, or (Chaos Mesh) the experiment's own.
  if (const Node* n = r.get("namespaces")) {
    const std::string f = r.field("namespaces");
    for (const auto& [ns, item] : string_items(*n, f, "e.g. namespaces: [amazon-api-prod]")) {
      if (std::find(known_ns.begin(), known_ns.end(), ns) == known_ns.end())
        throw InputError(item->location(),
                         f + ": no pod of the scenario runs in namespace \"" + ns + "\"",
                         (closest_match(ns, known_ns).empty()
                              ? ""
                              : "did you mean `" + closest_match(ns, known_ns) + "`? ") +
                             "the scenario's pods run in: " + namespaces_with_pods(model));
      if (std::find(sel.namespaces.begin(), sel.namespaces.end(), ns) == sel.namespaces.end())
        sel.namespaces.push_back(ns);
    }
  } else if (origin.chaos_mesh && !r.has("pods")) {
    if (std::find(known_ns.begin(), known_ns.end(), origin.namespace_name) == known_ns.end())
      throw InputError(origin.namespace_where,
                       field +
                           " names no namespaces, so it selects in the experiment's namespace \"" +
                           origin.namespace_name + "\", where no pod of the scenario runs",
                       "add " + field +
                           ".namespaces, e.g. namespaces: [amazon-api-prod]; the scenario's pods "
                           "run in: " +
                           namespaces_with_pods(model));
    sel.namespaces.push_back(origin.namespace_name);
  }
  if (!sel.namespaces.empty())
    pods = filtered(pods, [&](Index i) {
      return std::find(sel.namespaces.begin(), sel.namespaces.end(),
                       model.pods[i].meta.namespace_name) != sel.namespaces.end();
    });

  if (const Node* n = r.get("pods")) {
    const std::string f = r.field("pods");
    if (!n->is_mapping())
      wrong_type(*n, f, "a mapping of namespaces to pod names",
                 "e.g. pods: {amazon-api-prod: [kafka-0, kafka-1]}");
    std::set<Index> named;
    for (const auto& [ns, names] : n->fields()) {
      if (std::find(known_ns.begin(), known_ns.end(), ns) == known_ns.end())
        throw InputError(names.location(),
                         f + ": no pod of the scenario runs in namespace \"" + ns + "\"",
                         did_you_mean_hint(ns, known_ns));
      std::vector<std::string> in_ns;
      for (const topology::Pod& p : model.pods)
        if (p.meta.namespace_name == ns) in_ns.push_back(p.meta.name);
      for (const auto& [name, item] :
           string_items(names, f + "." + ns, "e.g. pods: {amazon-api-prod: [kafka-0]}")) {
        std::optional<Index> p = model.find_pod(ns, name);
        if (!p)
          throw InputError(item->location(), f + "." + ns + ": no pod \"" + name + "\" in " + ns,
                           did_you_mean_hint(name, in_ns));
        named.insert(*p);
        sel.pods[ns].push_back(name);
      }
    }
    pods = filtered(pods, [&](Index i) { return named.count(i) > 0; });
    if (pods.empty())
      throw InputError(n->location(), f + ": none of the named pods is in " + field + ".namespaces",
                       "name pods of the selected namespaces, or drop `namespaces`");
  }

  // labelSelectors and annotationSelectors: each key=value narrows the candidates, and one that
  // leaves none is refused at its line with what the candidates have.
  auto narrow_by_pairs = [&](const char* key_name, MetaMap which, const char* word,
                             std::map<std::string, std::string>& into) {
    const Node* n = r.get(key_name);
    if (!n) return;
    const std::string f = r.field(key_name);
    for (const auto& [key, value] : string_map(*n, f)) {
      // Named copies: clang before 16 cannot capture structured bindings in a lambda.
      const std::string& k = key;
      const std::string& v = value.first;
      std::vector<Index> next = filtered(pods, [&](Index i) {
        const auto& m = model.pods[i].meta.*which;
        auto it = m.find(k);
        return it != m.end() && it->second == v;
      });
      if (next.empty())
        throw InputError(value.second->location(),
                         f + ": none of " + pods_text(pods.size()) + " " + where_text(model, pods) +
                             " has the " + word + " " + key + "=" + value.first,
                         missing_pair_hint(maps_of(model, pods, which), key, value.first, word));
      pods = std::move(next);
      into[key] = value.first;
    }
  };
  narrow_by_pairs("labelSelectors", &topology::ObjectMeta::labels, "label", sel.labels);

  if (const Node* n = r.get("expressionSelectors")) {
    const std::string f = r.field("expressionSelectors");
    const auto& items = sequence(*n, f,
                                 "e.g. expressionSelectors: [{key: app, operator: In, "
                                 "values: [orders-api, users-api]}]");
    for (std::size_t k = 0; k < items.size(); ++k) {
      FieldReader e(items[k], indexed(f, k), {"key", "operator", "values"});
      runtime::LabelExpression ex;
      ex.key = parse_string(e.require("key"), e.field("key"));
      const Node& op = e.require("operator", "In, NotIn, Exists or DoesNotExist");
      std::string op_text = parse_string(op, e.field("operator"));
      static const std::vector<std::string> kOps = {"In", "NotIn", "Exists", "DoesNotExist"};
      if (op_text == "In")
        ex.op = runtime::LabelExpression::Op::kIn;
      else if (op_text == "NotIn")
        ex.op = runtime::LabelExpression::Op::kNotIn;
      else if (op_text == "Exists")
        ex.op = runtime::LabelExpression::Op::kExists;
      else if (op_text == "DoesNotExist")
        ex.op = runtime::LabelExpression::Op::kDoesNotExist;
      else
        throw InputError(op.location(),
                         e.field("operator") +
                             " must be In, NotIn, Exists or DoesNotExist, found \"" + op_text +
                             "\"",
                         did_you_mean_hint(op_text, kOps));
      if (const Node* v = e.get("values"))
        for (const auto& [value, item] : string_items(*v, e.field("values"), "e.g. values: [a, b]"))
          ex.values.push_back(value);
      const bool set_op = ex.op == runtime::LabelExpression::Op::kIn ||
                          ex.op == runtime::LabelExpression::Op::kNotIn;
      if (set_op && ex.values.empty())
        throw InputError(items[k].location(), indexed(f, k) + ": " + op_text + " needs values",
                         "e.g. {key: app, operator: " + op_text + ", values: [orders-api]}");
      if (!set_op && !ex.values.empty())
        throw InputError(e.get("values")->location(),
                         e.field("values") + " must be empty with operator " + op_text,
                         "remove `values`");
      std::vector<Index> next = filtered(pods, [&](Index i) {
        const auto& labels = model.pods[i].meta.labels;
        auto it = labels.find(ex.key);
        bool has = it != labels.end();
        bool in =
            has && std::find(ex.values.begin(), ex.values.end(), it->second) != ex.values.end();
        switch (ex.op) {
          case runtime::LabelExpression::Op::kIn:
            return in;
          case runtime::LabelExpression::Op::kNotIn:
            return !in;
          case runtime::LabelExpression::Op::kExists:
            return has;
          case runtime::LabelExpression::Op::kDoesNotExist:
            break;
        }
        return !has;
      });
      if (next.empty())
        throw InputError(items[k].location(),
                         indexed(f, k) + ": none of " + pods_text(pods.size()) + " " +
                             where_text(model, pods) + " matches " + ex.key + " " + op_text +
                             (ex.values.empty() ? "" : " (" + joined(ex.values) + ")"),
                         "labels there: " + summary(labels_of(model, pods)));
      pods = std::move(next);
      sel.expressions.push_back(std::move(ex));
    }
  }

  narrow_by_pairs("annotationSelectors", &topology::ObjectMeta::annotations, "annotation",
                  sel.annotations);

  // fieldSelectors: the fields that map onto the model's pods.
  if (const Node* n = r.get("fieldSelectors")) {
    const std::string f = r.field("fieldSelectors");
    for (const auto& [key, value] : string_map(*n, f)) {
      const Node& at = *value.second;
      const std::string& v = value.first;
      std::vector<Index> next;
      if (key == "metadata.name") {
        if (!sel.pods.empty())
          throw InputError(at.location(),
                           f + ".metadata.name and " + field + ".pods both name pods",
                           "keep one of them");
        next = filtered(pods, [&](Index i) { return model.pods[i].meta.name == v; });
        for (Index i : next) {
          auto& names = sel.pods[model.pods[i].meta.namespace_name];
          if (std::find(names.begin(), names.end(), v) == names.end()) names.push_back(v);
        }
      } else if (key == "metadata.namespace") {
        next = filtered(pods, [&](Index i) { return model.pods[i].meta.namespace_name == v; });
        sel.namespaces = {v};
      } else if (key == "spec.nodeName") {
        next = filtered(pods, [&](Index i) { return model.node_name(model.pods[i]) == v; });
        sel.nodes = {v};
      } else if (key == "status.phase") {
        not_simulated(at, f + "." + key,
                      "the twin selects among the pods that exist when the fault starts, whatever "
                      "their phase",
                      "remove it");
      } else {
        not_simulated(at, f + "." + key,
                      "the twin matches the fields metadata.name, "
                      "metadata.namespace and spec.nodeName only",
                      "select by labels (labelSelectors) instead");
      }
      if (next.empty())
        throw InputError(
            at.location(),
            f + ": none of " + pods_text(pods.size()) + " " + where_text(model, pods) + " has " +
                key + "=" + v,
            "the pods there: " + [&] {
              std::vector<std::string> names;
              for (Index i : pods)
                names.push_back(model.pods[i].meta.name + " on " + model.node_name(model.pods[i]));
              return joined(names, 8);
            }());
      pods = std::move(next);
    }
  }

  std::vector<std::string> node_names;
  for (const topology::ClusterNode& cn : model.nodes) node_names.push_back(cn.meta.name);
  if (const Node* n = r.get("nodes")) {
    const std::string f = r.field("nodes");
    std::vector<std::string> nodes;
    for (const auto& [name, item] : string_items(*n, f, "e.g. nodes: [general-0]")) {
      if (!model.find_node(name))
        throw InputError(item->location(), f + ": the cluster has no node \"" + name + "\"",
                         did_you_mean_hint(name, node_names));
      nodes.push_back(name);
    }
    std::vector<Index> next = filtered(pods, [&](Index i) {
      return std::find(nodes.begin(), nodes.end(), model.node_name(model.pods[i])) != nodes.end();
    });
    if (next.empty())
      throw InputError(
          n->location(),
          f + ": none of " + pods_text(pods.size()) + " " + where_text(model, pods) + " runs on " +
              joined(nodes),
          "they run on: " + [&] {
            std::set<std::string> on;
            for (Index i : pods) on.insert(model.node_name(model.pods[i]));
            return joined(std::vector<std::string>(on.begin(), on.end()));
          }());
    pods = std::move(next);
    sel.nodes = nodes;
  }

  if (const Node* n = r.get("nodeSelectors")) {
    const std::string f = r.field("nodeSelectors");
    for (const auto& [key, value] : string_map(*n, f)) {
      const std::string& k = key;  // see narrow_by_pairs: clang < 16 and structured bindings
      const std::string& v = value.first;
      std::vector<Index> next = filtered(pods, [&](Index i) {
        std::optional<Index> node = model.pods[i].node;
        if (!node) return false;
        const auto& labels = model.nodes[*node].meta.labels;
        auto it = labels.find(k);
        return it != labels.end() && it->second == v;
      });
      if (next.empty()) {
        std::vector<std::map<std::string, std::string>> node_labels;
        for (const topology::ClusterNode& cn : model.nodes) node_labels.push_back(cn.meta.labels);
        throw InputError(value.second->location(),
                         f + ": none of " + pods_text(pods.size()) + " " + where_text(model, pods) +
                             " runs on a node labelled " + key + "=" + value.first,
                         missing_pair_hint(node_labels, key, value.first, "node label"));
      }
      pods = std::move(next);
      sel.node_labels[key] = value.first;
    }
  }

  if (pods.empty())  // only an empty model gets here
    throw InputError(node.location(), field + " matches no pod: the scenario runs none",
                     "check the scenario's environments");
  if (matched) *matched = std::move(pods);
  return sel;
}

runtime::Selection parse_selection(FaultContext& ctx, const FieldReader& r,
                                   const BodyOrigin& origin, std::vector<Index>* matched,
                                   bool with_mode) {
  runtime::Selection s;
  s.selector = parse_pod_selector(ctx, r.require("selector", kSelectorHint), r.field("selector"),
                                  origin, matched);
  if (!with_mode) {
    s.mode = runtime::SelectMode::kAll;
    return s;
  }
  const Node& mode = r.require("mode", std::string("how many of the selected pods: ") + kModeHint);
  const std::string m = parse_string(mode, r.field("mode"));
  static const std::vector<std::string> kModes = {"one", "all", "fixed", "fixed-percent",
                                                  "random-max-percent"};
  if (m == "one")
    s.mode = runtime::SelectMode::kOne;
  else if (m == "all")
    s.mode = runtime::SelectMode::kAll;
  else if (m == "fixed")
    s.mode = runtime::SelectMode::kFixed;
  else if (m == "fixed-percent")
    s.mode = runtime::SelectMode::kFixedPercent;
  else if (m == "random-max-percent")
    s.mode = runtime::SelectMode::kRandomMaxPercent;
  else
    throw InputError(mode.location(),
                     r.field("mode") +
                         " must be one, all, fixed, fixed-percent or "
                         "random-max-percent, found \"" +
                         m + "\"",
                     did_you_mean_hint(m, kModes));
  const Node* value = r.get("value");
  if (value && value->is_scalar() && value->text().empty()) value = nullptr;  // value: ""
  const bool counted = s.mode != runtime::SelectMode::kOne && s.mode != runtime::SelectMode::kAll;
  if (!counted) {
    if (value)
      throw InputError(value->location(), r.field("value") + " has no meaning with mode " + m,
                       "remove it, or use mode fixed (a count) or fixed-percent");
    return s;
  }
  if (!value)
    throw InputError(mode.location(), "mode " + m + " needs " + r.field("value"),
                     s.mode == runtime::SelectMode::kFixed
                         ? "add value: \"2\" (how many of the selected pods)"
                         : "add value: \"50\" (a percent of the selected pods, 0-100)");
  if (!value->is_scalar())
    wrong_type(*value, r.field("value"), "a number",
               "Chaos Mesh writes it as a string, e.g. value: \"50\"");
  std::optional<double> v = number_text(value->text());
  if (s.mode == runtime::SelectMode::kFixed) {
    if (!v || *v < 1 || *v != std::floor(*v))
      throw InputError(value->location(),
                       r.field("value") +
                           " must be a whole number of pods, at least 1, for mode "
                           "fixed; found \"" +
                           value->text() + "\"",
                       "e.g. value: \"2\"");
  } else if (!v || *v <= 0 || *v > 100) {
    throw InputError(value->location(),
                     r.field("value") + " must be a percentage above 0 and at most 100 for mode " +
                         m + "; found \"" + value->text() + "\"",
                     "value is a percent of the selected pods, e.g. value: \"50\"");
  }
  s.value = *v;
  return s;
}

}  // namespace kubetwin::scenario::internal
