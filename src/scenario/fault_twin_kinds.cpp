// The twin's own fault kinds, for what Chaos Mesh has no word for: nodes, Kafka brokers,
// PostgreSQL, Vault, CoreDNS, volumes and mid-run changes.
#include <algorithm>
#include <set>

#include "kubetwin/k8s/emitter.hpp"
#include "kubetwin/scenario/values.hpp"
#include "scenario/fault_parse.hpp"

namespace kubetwin::scenario::internal {

namespace {

using k8s::InputError;
using k8s::Node;
using runtime::FaultAction;
using topology::Index;

bool looks_like(const topology::Pod& pod, const std::string& word) {
  for (const topology::Container& c : pod.containers)
    if (!c.init && !c.injected && c.image.find(word) != std::string::npos) return true;
  auto it = pod.meta.labels.find("app");
  return it != pod.meta.labels.end() && it->second.find(word) != std::string::npos;
}

// Every selected pod must be what the fault acts on (a Kafka broker, a PostgreSQL server).
void require_all(FaultContext& ctx, const Node& selector, const std::string& field,
                 const std::vector<Index>& pods, runtime::DatastoreBehaviour::Kind kind,
                 const std::string& word, const std::string& what) {
  const topology::Model& model = ctx.model();
  auto is = [&](const topology::Pod& p) {
    const runtime::DatastoreBehaviour* ds = ctx.spec().behaviour.datastore_for(p.meta.labels);
    return (ds && ds->kind == kind) || looks_like(p, word);
  };
  std::vector<std::string> wrong, right_examples;
  for (Index i : pods)
    if (!is(model.pods[i])) wrong.push_back(model.pods[i].meta.qualified());
  for (const topology::Pod& p : model.pods)
    if (is(p)) {
      auto app = p.meta.labels.find("app");
      std::string ex =
          "{namespaces: [" + p.meta.namespace_name + "]" +
          (app == p.meta.labels.end() ? std::string()
                                      : ", labelSelectors: {app: " + app->second + "}") +
          "}";
      if (std::find(right_examples.begin(), right_examples.end(), ex) == right_examples.end())
        right_examples.push_back(ex);
    }
  if (wrong.empty()) return;
  std::string list;
  for (std::size_t i = 0; i < wrong.size() && i < 6; ++i) list += (i ? ", " : "") + wrong[i];
  if (wrong.size() > 6) list += ", ...";
  std::string hint = right_examples.empty() ? "the scenario's environments run no " + what
                                            : "the " + what + " pods: ";
  for (std::size_t i = 0; i < right_examples.size() && i < 4; ++i)
    hint += (i ? " or " : "") + right_examples[i];
  throw InputError(selector.location(), field + " selects pods that are not " + what + ": " + list,
                   hint);
}

std::vector<PlanDraft> node_chaos(FaultContext& ctx, const Node& body, const std::string& field,
                                  const BodyOrigin& origin, const std::string& name) {
  FieldReader r =
      read_fields(body, field, {"action", "nodes", "selector", "mode", "value", "duration"});
  std::string action_text;
  FaultAction action = parse_action(r,
                                    {{"node-down", FaultAction::kNodeDown},
                                     {"node-drain", FaultAction::kNodeDrain},
                                     {"cordon", FaultAction::kNodeCordon}},
                                    {}, std::nullopt, &action_text);
  PlanDraft d = draft(body, name, action, body_duration(r));
  const Node* nodes = r.get("nodes");
  if (nodes && r.has("selector"))
    throw InputError(r.get("selector")->location(),
                     field + " names nodes twice: `nodes` and `selector`",
                     "keep one: nodes: [general-0], or a selector (the nodes of its pods)");
  if (nodes) {
    for (const char* k : {"mode", "value"})
      if (const Node* v = r.get(k))
        throw InputError(v->location(), r.field(k) + " applies to a selector, not to `nodes`",
                         "remove it: every named node is acted on");
    std::vector<std::string> known;
    for (const topology::ClusterNode& n : ctx.model().nodes) known.push_back(n.meta.name);
    const std::string f = r.field("nodes");
    const auto& items = sequence(*nodes, f, "e.g. nodes: [general-0]");
    if (items.empty())
      throw InputError(nodes->location(), f + " is empty", "name at least one node");
    for (std::size_t i = 0; i < items.size(); ++i) {
      std::string n = parse_string(items[i], indexed(f, i));
      if (!ctx.model().find_node(n))
        throw InputError(items[i].location(),
                         indexed(f, i) + ": the cluster has no node \"" + n + "\"",
                         did_you_mean_hint(n, known));
      d.plan.nodes.push_back(n);
    }
    d.plan.target.mode = runtime::SelectMode::kAll;
  } else {
    if (!r.has("selector"))
      throw InputError(body.location(), field + " names no node",
                       "add nodes: [general-0], or a selector whose pods' nodes are acted on");
    d.plan.target = parse_selection(ctx, r, origin, nullptr);
  }
  return {std::move(d)};
}

std::vector<PlanDraft> datastore_chaos(FaultContext& ctx, const Node& body,
                                       const std::string& field, const BodyOrigin& origin,
                                       const std::string& name, bool kafka) {
  FieldReader r = read_fields(body, field, {"action", "selector", "mode", "value", "duration"});
  std::string action_text;
  FaultAction action = kafka ? parse_action(r,
                                            {{"broker-kill", FaultAction::kKafkaBrokerKill},
                                             {"disk-failure", FaultAction::kKafkaDiskFailure}},
                                            {}, std::nullopt, &action_text)
                             : parse_action(r, {{"kill", FaultAction::kPostgresKill}}, {},
                                            std::nullopt, &action_text);
  std::vector<Index> pods;
  PlanDraft d = draft(body, name, action, body_duration(r));
  d.plan.target = parse_selection(ctx, r, origin, &pods);
  require_all(ctx, *r.get("selector"), r.field("selector"), pods,
              kafka ? runtime::DatastoreBehaviour::Kind::kKafka
                    : runtime::DatastoreBehaviour::Kind::kPostgresql,
              kafka ? "kafka" : "postgres", kafka ? "Kafka brokers" : "PostgreSQL servers");
  return {std::move(d)};
}

std::vector<PlanDraft> vault_chaos(FaultContext& ctx, const Node& body, const std::string& field,
                                   const std::string& name) {
  FieldReader r = read_fields(body, field, {"action", "duration"});
  std::string action_text;
  FaultAction action =
      parse_action(r, {{"seal", FaultAction::kVaultSeal}}, {}, std::nullopt, &action_text);
  bool any = false;
  for (const topology::Pod& p : ctx.model().pods) any = any || p.vault.has_value();
  if (!any)
    throw InputError(r.get("action")->location(),
                     field + ": no pod of the scenario uses Vault (none has the annotation " +
                         std::string(topology::kVaultInjectAnnotation) + ": \"true\")",
                     "sealing Vault would change nothing; run an environment whose pods use the "
                     "Vault agent (amazon-store's prod)");
  PlanDraft d = draft(body, name, action, body_duration(r));
  d.plan.target.mode = runtime::SelectMode::kAll;
  return {std::move(d)};
}

std::vector<PlanDraft> coredns_chaos(FaultContext& ctx, const Node& body, const std::string& field,
                                     const std::string& name) {
  FieldReader r = read_fields(body, field, {"action", "duration"});
  std::string action_text;
  FaultAction action =
      parse_action(r, {{"down", FaultAction::kCoreDnsDown}}, {}, std::nullopt, &action_text);
  PlanDraft d = draft(body, name, action, body_duration(r));
  d.plan.target.mode = runtime::SelectMode::kAll;
  d.plan.target.selector.namespaces = {"kube-system"};
  d.plan.target.selector.labels = {{"k8s-app", "kube-dns"}};
  bool any = false;
  for (const topology::Pod& p : ctx.model().pods) {
    auto it = p.meta.labels.find("k8s-app");
    any = any || (p.meta.namespace_name == "kube-system" && it != p.meta.labels.end() &&
                  it->second == "kube-dns");
  }
  if (!any)
    throw InputError(r.get("action")->location(),
                     field + ": the model has no CoreDNS pod (kube-system, k8s-app=kube-dns)",
                     "the twin adds CoreDNS to every cluster it builds; is this model built "
                     "without it?");
  return {std::move(d)};
}

std::vector<PlanDraft> volume_chaos(FaultContext& ctx, const Node& body, const std::string& field,
                                    const BodyOrigin& origin, const std::string& name) {
  FieldReader r = read_fields(
      body, field, {"action", "selector", "mode", "value", "duration", "volumePath", "percent"});
  std::string action_text;
  FaultAction action =
      parse_action(r, {{"fill", FaultAction::kVolumeFill}, {"loss", FaultAction::kVolumeLoss}}, {},
                   std::nullopt, &action_text);
  std::vector<Index> pods;
  PlanDraft d = draft(body, name, action, body_duration(r));
  d.plan.target = parse_selection(ctx, r, origin, &pods);
  d.extra.volume_path = parse_volume_path(r, ctx.model(), pods, false);
  const Node* p = r.get("percent");
  if (action == FaultAction::kVolumeFill) {
    d.plan.fill_percent =
        percent_of(r.require("percent", "how full, e.g. percent: 95"), r.field("percent"));
  } else if (p) {
    throw InputError(p->location(), r.field("percent") + " applies to action fill only",
                     "remove it: loss loses the whole volume");
  }
  return {std::move(d)};
}

// "ConfigMap/amazon-api-dev/app-config": the kinds a mid-run change may patch.
std::vector<PlanDraft> change_chaos(FaultContext& ctx, const Node& body, const std::string& field,
                                    const BodyOrigin& origin, const std::string& name) {
  FieldReader r = read_fields(body, field, {"action", "selector", "resource", "patch", "duration"});
  std::string action_text;
  FaultAction action = parse_action(
      r, {{"rollout", FaultAction::kRollout}, {"config-change", FaultAction::kConfigChange}}, {},
      std::nullopt, &action_text);
  PlanDraft d = draft(body, name, action, body_duration(r));
  const topology::Model& model = ctx.model();
  if (action == FaultAction::kRollout) {
    for (const char* k : {"resource", "patch"})
      if (const Node* v = r.get(k))
        throw InputError(v->location(), r.field(k) + " applies to action config-change only",
                         "a rollout restarts the workload of the selected pods: remove it");
    std::vector<Index> pods;
    d.plan.target = parse_selection(ctx, r, origin, &pods, false);
    for (Index i : pods) {
      const topology::Pod& p = model.pods[i];
      bool ok =
          p.workload && (model.workloads[*p.workload].kind == topology::WorkloadKind::kDeployment ||
                         model.workloads[*p.workload].kind == topology::WorkloadKind::kStatefulSet);
      if (!ok)
        throw InputError(r.get("selector")->location(),
                         r.field("selector") + " selects " + p.meta.qualified() +
                             ", which no Deployment or StatefulSet owns",
                         "a rollout restarts a Deployment's or StatefulSet's pods; narrow the "
                         "selector, e.g. labelSelectors: {app: orders-api}");
    }
    return {std::move(d)};
  }
  if (const Node* s = r.get("selector"))
    throw InputError(s->location(), r.field("selector") + " applies to action rollout only",
                     "config-change names its resource; follow it with a rollout for pods to "
                     "pick the change up");
  const Node& res = r.require(
      "resource", "e.g. resource: ConfigMap/amazon-api-dev/app-config (kind/namespace/name)");
  std::string text = parse_string(res, r.field("resource"));
  std::size_t a = text.find('/'), b = a == std::string::npos ? a : text.find('/', a + 1);
  if (b == std::string::npos || text.find('/', b + 1) != std::string::npos)
    throw InputError(res.location(),
                     r.field("resource") + ": \"" + text + "\" is not kind/namespace/name",
                     "e.g. resource: ConfigMap/amazon-api-dev/app-config");
  const std::string kind = text.substr(0, a), ns = text.substr(a + 1, b - a - 1),
                    rname = text.substr(b + 1);
  static const std::vector<std::string> kKinds = {"ConfigMap", "Secret", "Deployment",
                                                  "StatefulSet"};
  std::vector<std::string> names;
  bool found = false;
  if (kind == "ConfigMap") {
    found = model.find_config_map(ns, rname) != nullptr;
    for (const auto& c : model.config_maps)
      if (c.meta.namespace_name == ns) names.push_back(c.meta.name);
  } else if (kind == "Secret") {
    found = model.find_secret(ns, rname) != nullptr;
    for (const auto& s : model.secrets)
      if (s.meta.namespace_name == ns) names.push_back(s.meta.name);
  } else if (kind == "Deployment" || kind == "StatefulSet") {
    auto wk = kind == "Deployment" ? topology::WorkloadKind::kDeployment
                                   : topology::WorkloadKind::kStatefulSet;
    found = model.find_workload(wk, ns, rname).has_value();
    for (const auto& w : model.workloads)
      if (w.meta.namespace_name == ns && w.kind == wk) names.push_back(w.meta.name);
  } else {
    throw InputError(res.location(),
                     r.field("resource") +
                         ": the twin changes ConfigMaps, Secrets, Deployments "
                         "and StatefulSets mid-run, not \"" +
                         kind + "\"",
                     did_you_mean_hint(kind, kKinds));
  }
  if (!found)
    throw InputError(
        res.location(),
        r.field("resource") + ": the scenario has no " + kind + " " + ns + "/" + rname,
        names.empty() ? "no " + kind + " in namespace " + ns : did_you_mean_hint(rname, names));
  const Node& patch = r.require("patch",
                                "e.g. patch: {data: {DB_HOST: "
                                "postgres.amazon-api-prod.svc.cluster.local}}");
  std::vector<std::string> top;
  if (kind == "ConfigMap")
    top = {"data", "binaryData", "metadata"};
  else if (kind == "Secret")
    top = {"data", "stringData", "type", "metadata"};
  else
    top = {"spec", "metadata"};
  FieldReader pr(patch, r.field("patch"), top);
  if (patch.fields().empty())
    throw InputError(patch.location(), r.field("patch") + " is empty", "give what changes");
  d.plan.resource = text;
  d.plan.patch = k8s::emit_document(patch);
  return {std::move(d)};
}

}  // namespace

std::optional<std::vector<PlanDraft>> twin_kind_body(FaultContext& ctx, std::string_view kind,
                                                     const Node& body, const std::string& field,
                                                     const BodyOrigin& origin,
                                                     const std::string& name) {
  if (kind == "nodeChaos") return node_chaos(ctx, body, field, origin, name);
  if (kind == "kafkaChaos") return datastore_chaos(ctx, body, field, origin, name, true);
  if (kind == "postgresChaos") return datastore_chaos(ctx, body, field, origin, name, false);
  if (kind == "vaultChaos") return vault_chaos(ctx, body, field, name);
  if (kind == "coreDnsChaos") return coredns_chaos(ctx, body, field, name);
  if (kind == "volumeChaos") return volume_chaos(ctx, body, field, origin, name);
  if (kind == "changeChaos") return change_chaos(ctx, body, field, origin, name);
  return std::nullopt;
}

}  // namespace kubetwin::scenario::internal
