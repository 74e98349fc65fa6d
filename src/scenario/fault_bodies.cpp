// The chaos bodies of Chaos Mesh's kinds, PodChaos, NetworkChaos, DNSChaos, StressChaos and IOChaos
// (chaos-facts 2-4), the helpers every kind shares, and the dispatch to the twin's own kinds
// (fault_twin_kinds.cpp).
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
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

// An action the twin refuses is reported before the fields that only it uses (IOChaos's
// `mistake:` block is not the mistake; `action: mistake` is).
void refuse_action(const Node& body, const std::string& field,
                   const std::vector<Refused>& refused) {
  const Node* a = body.is_mapping() ? body.get("action") : nullptr;
  if (!a || !a->is_scalar()) return;
  for (const Refused& x : refused)
    if (a->text() == x.key) not_simulated(*a, field + ".action " + a->text(), x.why, x.hint);
}

// A number, or a percentage with its `%` (the number without it).
std::optional<double> number_or_percent(std::string_view s) {
  if (!s.empty() && s.back() == '%') s.remove_suffix(1);
  double v = 0;
  if (s.empty()) return std::nullopt;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

// The names of `pods`' app containers (the Vault agent sidecar included).
std::vector<std::string> container_names(const topology::Model& model,
                                         const std::vector<Index>& pods) {
  std::set<std::string> names;
  for (Index i : pods)
    for (const topology::Container& c : model.pods[i].containers)
      if (!c.init) names.insert(c.name);
  return {names.begin(), names.end()};
}

// containerNames (or the older containerName): each must be a container of a selected pod.
std::vector<std::string> parse_containers(const FieldReader& r, const topology::Model& model,
                                          const std::vector<Index>& pods) {
  std::vector<std::string> out;
  const Node* list = r.get("containerNames");
  const Node* single = r.get("containerName");
  if (list && single)
    throw InputError(
        single->location(),
        r.field("containerName") + " and " + r.field("containerNames") + " both name containers",
        "keep containerNames (containerName is the older spelling)");
  std::vector<const Node*> items;
  std::string f = r.field(list ? "containerNames" : "containerName");
  if (list) {
    for (const Node& n : sequence(*list, f, "e.g. containerNames: [kafka]")) items.push_back(&n);
  } else if (single) {
    items.push_back(single);
  }
  const std::vector<std::string> known = container_names(model, pods);
  for (std::size_t i = 0; i < items.size(); ++i) {
    std::string field = list ? indexed(f, i) : f;
    std::string name = parse_string(*items[i], field);
    if (std::find(known.begin(), known.end(), name) == known.end())
      throw InputError(
          items[i]->location(), field + ": no selected pod has a container \"" + name + "\"",
          (closest_match(name, known).empty()
               ? std::string()
               : "did you mean `" + closest_match(name, known) + "`? ") +
              "the selected pods' containers: " + [&] {
                std::string s;
                for (const auto& k : known) s += (s.empty() ? "" : ", ") + k;
                return s;
              }());
    out.push_back(name);
  }
  return out;
}

// The mount paths of `pods` backed by a PersistentVolumeClaim, and every other mount.
void mounts_of(const topology::Model& model, Index pod, std::set<std::string>* persistent,
               std::set<std::string>* other) {
  const topology::Pod& p = model.pods[pod];
  for (const topology::Container& c : p.containers) {
    for (const topology::VolumeMount& m : c.volume_mounts) {
      bool pvc = false;
      for (const topology::PodVolume& v : p.volumes)
        pvc = pvc || (v.name == m.name && v.kind == "persistentVolumeClaim");
      (pvc ? persistent : other)->insert(m.mount_path);
    }
  }
}

std::string joined(const std::set<std::string>& items) {
  std::string s;
  for (const auto& i : items) s += (s.empty() ? "" : ", ") + i;
  return s.empty() ? "none" : s;
}

}  // namespace

// The body's `action`: one of `actions`, a refused one (not simulated), or `fallback` when absent.
FaultAction parse_action(const FieldReader& r, const std::vector<ActionName>& actions,
                         const std::vector<Refused>& refused, std::optional<FaultAction> fallback,
                         std::string* written, std::string_view extra_hint) {
  std::vector<std::string> names;
  for (const ActionName& a : actions) names.emplace_back(a.name);
  std::string list;
  for (std::size_t i = 0; i < names.size(); ++i)
    list += (i == 0 ? "" : i + 1 == names.size() ? " or " : ", ") + names[i];
  const Node* node = r.get("action");
  if (!node) {
    if (fallback) {
      *written = "";
      for (const ActionName& a : actions)
        if (a.action == *fallback) *written = a.name;
      return *fallback;
    }
    r.require("action", "add action: " + list);
  }
  *written = parse_string(*node, r.field("action"));
  for (const ActionName& a : actions)
    if (*written == a.name) return a.action;
  for (const Refused& x : refused)
    if (*written == x.key) not_simulated(*node, r.field("action") + " " + *written, x.why, x.hint);
  std::string hint = did_you_mean_hint(*written, names);
  if (!extra_hint.empty()) hint = std::string(extra_hint);
  throw InputError(node->location(),
                   r.field("action") + " must be " + list + ", found \"" + *written + "\"", hint);
}

std::optional<sim::Time> body_duration(const FieldReader& r) {
  const Node* d = r.get("duration");
  if (!d) return std::nullopt;
  sim::Time t = parse_duration(*d, r.field("duration"));
  if (t <= 0)
    throw InputError(d->location(), r.field("duration") + " must be above 0",
                     "leave `duration` out for a fault that is never lifted");
  return t;
}

PlanDraft draft(const Node& body, const std::string& name, FaultAction action,
                std::optional<sim::Time> duration) {
  PlanDraft d;
  d.plan.name = name;
  d.plan.action = action;
  d.plan.duration = duration;
  d.plan.where = body.location();
  return d;
}

// A Chaos Mesh percent ("25", 25, "25%"), in [min, 100].
double percent_of(const Node& node, const std::string& field, double min_exclusive) {
  if (!node.is_scalar()) wrong_type(node, field, "a percentage", "e.g. \"25\" (percent)");
  std::optional<double> v = number_or_percent(node.text());
  if (!v || *v <= min_exclusive || *v > 100)
    throw InputError(node.location(),
                     field + " must be a percentage above " +
                         std::to_string(static_cast<int>(min_exclusive)) +
                         " and at most 100, found \"" + node.text() + "\"",
                     "Chaos Mesh writes percents as strings, e.g. \"25\"");
  return *v;
}

// volumePath: the mount of a persistent volume on every selected pod. Absent and `required`
// false: every selected pod must have exactly one persistent volume.
std::string parse_volume_path(const FieldReader& r, const topology::Model& model,
                              const std::vector<Index>& pods, bool required) {
  std::set<std::string> persistent, other;
  for (Index i : pods) mounts_of(model, i, &persistent, &other);
  const Node* v = r.get("volumePath");
  if (!v) {
    if (required)
      r.require("volumePath", "the mount path of the volume, e.g. volumePath: " +
                                  (persistent.empty() ? std::string("/var/lib/postgresql/data")
                                                      : *persistent.begin()));
    for (Index i : pods) {
      std::set<std::string> p, o;
      mounts_of(model, i, &p, &o);
      if (p.size() != 1)
        throw InputError(
            r.node().location(),
            r.path() + ": the selected pod " + model.pods[i].meta.qualified() +
                (p.empty() ? " has no persistent volume"
                           : " has " + std::to_string(p.size()) + " persistent volumes"),
            p.empty() ? "select pods with a PersistentVolumeClaim (Kafka, PostgreSQL)"
                      : "name one with volumePath: " + joined(p));
    }
    return "";
  }
  std::string path = parse_string(*v, r.field("volumePath"));
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  for (Index i : pods) {
    std::set<std::string> p, o;
    mounts_of(model, i, &p, &o);
    if (p.count(path)) continue;
    if (o.count(path))
      not_simulated(*v, r.field("volumePath") + " " + path,
                    "the twin models I/O on persistent volumes only, and " +
                        model.pods[i].meta.qualified() + " mounts no PersistentVolumeClaim there",
                    "name a persistent volume's mount: " + joined(persistent));
    throw InputError(v->location(),
                     r.field("volumePath") + ": the selected pod " +
                         model.pods[i].meta.qualified() + " mounts no volume at " + path,
                     "the selected pods' persistent volumes are mounted at: " + joined(persistent));
  }
  return path;
}

namespace {

// ---- Chaos Mesh kinds ----

const Refused kRemoteCluster = {"remoteCluster", "the twin simulates one cluster", "remove it"};

std::vector<PlanDraft> pod_chaos(FaultContext& ctx, const Node& body, const std::string& field,
                                 const BodyOrigin& origin, const std::string& name) {
  FieldReader r = read_fields(body, field,
                              {"action", "mode", "value", "selector", "duration", "gracePeriod",
                               "containerNames", "containerName"},
                              {kRemoteCluster});
  std::string action_text;
  FaultAction action = parse_action(r,
                                    {{"pod-kill", FaultAction::kPodKill},
                                     {"pod-failure", FaultAction::kPodFailure},
                                     {"container-kill", FaultAction::kContainerKill}},
                                    {}, FaultAction::kPodKill, &action_text);
  std::vector<Index> pods;
  PlanDraft d = draft(body, name, action, body_duration(r));
  d.plan.target = parse_selection(ctx, r, origin, &pods);
  if (const Node* g = r.get("gracePeriod")) {
    if (action != FaultAction::kPodKill)
      throw InputError(g->location(), r.field("gracePeriod") + " applies to pod-kill only",
                       "remove it");
    d.plan.grace_period =
        sim::seconds(parse_integer(*g, r.field("gracePeriod"), 0, 365LL * 24 * 3600));
  }
  const bool names = r.has("containerNames") || r.has("containerName");
  if (action == FaultAction::kContainerKill) {
    if (!names)
      r.require("containerNames", [&] {
        std::vector<std::string> known = container_names(ctx.model(), pods);
        return "container-kill names its containers, e.g. containerNames: [" +
               (known.empty() ? std::string("app") : known.front()) + "]";
      }());
    d.plan.containers = parse_containers(r, ctx.model(), pods);
  } else if (names) {
    const Node* n = r.get("containerNames") ? r.get("containerNames") : r.get("containerName");
    throw InputError(n->location(),
                     r.field(r.get("containerNames") ? "containerNames" : "containerName") +
                         " applies to container-kill only",
                     action_text +
                         " acts on the whole pod: remove it, or use action: "
                         "container-kill");
  }
  return {std::move(d)};
}

// "1mbps" (tc: bytes per second), "10mbit" (bits per second) -> bytes per second.
double parse_bandwidth_rate(const Node& node, const std::string& field) {
  const char* hint =
      "write a rate as tc does: 1mbps (megabytes/s), 10mbit (megabits/s); units bit, kbit, mbit, "
      "gbit, tbit, bps, kbps, mbps, gbps, tbps";
  std::string t = parse_string(node, field);
  std::size_t i = 0;
  while (i < t.size() && (std::isdigit(static_cast<unsigned char>(t[i])) || t[i] == '.')) ++i;
  std::optional<double> v = number_or_percent(std::string_view(t).substr(0, i));
  std::string unit = t.substr(i);
  for (char& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static const std::pair<const char*, double> kUnits[] = {
      {"bit", 1.0 / 8}, {"kbit", 1e3 / 8}, {"mbit", 1e6 / 8}, {"gbit", 1e9 / 8}, {"tbit", 1e12 / 8},
      {"bps", 1},       {"kbps", 1e3},     {"mbps", 1e6},     {"gbps", 1e9},     {"tbps", 1e12}};
  for (const auto& [u, bytes] : kUnits) {
    if (unit != u || !v) continue;
    if (*v <= 0) throw InputError(node.location(), field + " must be above 0", hint);
    return *v * bytes;
  }
  throw InputError(node.location(), field + ": \"" + t + "\" is not a rate", hint);
}

std::vector<PlanDraft> network_chaos(FaultContext& ctx, const Node& body, const std::string& field,
                                     const BodyOrigin& origin, const std::string& name) {
  const char* kOnly = "the twin simulates partition, delay, loss and bandwidth";
  const std::vector<Refused> refused_actions = {{"duplicate", "packet duplication", kOnly},
                                                {"corrupt", "packet corruption", kOnly}};
  refuse_action(body, field, refused_actions);
  FieldReader r = read_fields(body, field,
                              {"action", "mode", "value", "selector", "duration", "direction",
                               "target", "delay", "loss", "bandwidth"},
                              {{"duplicate", "packet duplication", kOnly},
                               {"corrupt", "packet corruption", kOnly},
                               {"externalTargets", "traffic to hosts outside the cluster",
                                "remove it; target pods of the scenario with `target`"},
                               {"device", "the twin has no network interfaces", "remove it"},
                               {"targetDevice", "the twin has no network interfaces", "remove it"},
                               kRemoteCluster});
  std::string action_text;
  const Node* action_node = r.get("action");
  FaultAction action = parse_action(r,
                                    {{"partition", FaultAction::kNetworkPartition},
                                     {"delay", FaultAction::kNetworkDelay},
                                     {"loss", FaultAction::kNetworkLoss},
                                     {"bandwidth", FaultAction::kNetworkBandwidth},
                                     {"netem", FaultAction::kNetworkDelay}},
                                    refused_actions, std::nullopt, &action_text);
  std::vector<Index> pods;
  PlanDraft d = draft(body, name, action, body_duration(r));
  d.plan.target = parse_selection(ctx, r, origin, &pods);
  if (const Node* dir = r.get("direction")) {
    std::string t = parse_string(*dir, r.field("direction"));
    if (t == "to")
      d.plan.direction = runtime::Direction::kTo;
    else if (t == "from")
      d.plan.direction = runtime::Direction::kFrom;
    else if (t == "both")
      d.plan.direction = runtime::Direction::kBoth;
    else
      throw InputError(dir->location(),
                       r.field("direction") + " must be to, from or both, found \"" + t + "\"",
                       did_you_mean_hint(t, {"to", "from", "both"}));
  }
  if (const Node* t = r.get("target")) {
    FieldReader tr = read_fields(*t, r.field("target"), {"selector", "mode", "value"});
    d.plan.peer = parse_selection(ctx, tr, origin, nullptr);
  }

  // Which blocks the action takes.
  const bool is_netem = action_text == "netem";
  auto refuse_block = [&](const char* block) {
    if (const Node* b = r.get(block))
      throw InputError(b->location(), r.field(block) + " does not apply to action " + action_text,
                       std::string("it belongs to action ") + block +
                           (std::string(block) == "bandwidth" ? "" : " (or netem)") +
                           "; one NetworkChaos per effect, or netem for delay and loss together");
  };
  auto need_block = [&](const char* block, const char* example) -> const Node& {
    return r.require(block, std::string("action ") + action_text + " needs " + example);
  };
  std::vector<PlanDraft> out;
  auto add_delay = [&](const Node& n) {
    const std::string f = r.field("delay");
    FieldReader dr = read_fields(
        n, f, {"latency", "jitter", "correlation"},
        {{"reorder", "packet reordering", "remove it; the twin keeps packets in order"}});
    PlanDraft p = d;
    p.plan.action = FaultAction::kNetworkDelay;
    const Node& lat = dr.require("latency", "e.g. delay: {latency: \"100ms\", jitter: \"10ms\"}");
    p.plan.latency = parse_duration(lat, dr.field("latency"));
    if (p.plan.latency <= 0)
      throw InputError(lat.location(), dr.field("latency") + " must be above 0",
                       "e.g. latency: \"100ms\"");
    if (const Node* j = dr.get("jitter")) p.plan.jitter = parse_duration(*j, dr.field("jitter"));
    if (const Node* c = dr.get("correlation")) {
      double v = percent_of(*c, dr.field("correlation"), -1);
      if (v > 0)
        ctx.note(c->location(), dr.field("correlation") + " \"" + c->text() +
                                    "\" is accepted but not modelled: the twin draws each "
                                    "packet's jitter independently");
    }
    out.push_back(std::move(p));
  };
  auto add_loss = [&](const Node& n) {
    const std::string f = r.field("loss");
    FieldReader lr = read_fields(n, f, {"loss", "correlation"});
    PlanDraft p = d;
    p.plan.action = FaultAction::kNetworkLoss;
    p.plan.loss_percent =
        percent_of(lr.require("loss", "e.g. loss: {loss: \"25\"} (percent)"), lr.field("loss"));
    if (const Node* c = lr.get("correlation")) {
      double v = percent_of(*c, lr.field("correlation"), -1);
      if (v > 0)
        ctx.note(c->location(), lr.field("correlation") + " \"" + c->text() +
                                    "\" is accepted but not modelled: the twin loses each "
                                    "packet independently");
    }
    out.push_back(std::move(p));
  };

  if (is_netem) {
    refuse_block("bandwidth");
    const Node* dl = r.get("delay");
    const Node* ls = r.get("loss");
    if (!dl && !ls)
      throw InputError(action_node->location(), "action netem gives neither delay nor loss",
                       "add delay: {latency: \"100ms\"} and/or loss: {loss: \"25\"}");
    if (dl) add_delay(*dl);
    if (ls) add_loss(*ls);
    return out;
  }
  switch (action) {
    case FaultAction::kNetworkDelay:
      refuse_block("loss");
      refuse_block("bandwidth");
      add_delay(need_block("delay", "delay: {latency: \"100ms\", jitter: \"10ms\"}"));
      break;
    case FaultAction::kNetworkLoss:
      refuse_block("delay");
      refuse_block("bandwidth");
      add_loss(need_block("loss", "loss: {loss: \"25\"}"));
      break;
    case FaultAction::kNetworkBandwidth: {
      refuse_block("delay");
      refuse_block("loss");
      const Node& b = need_block("bandwidth",
                                 "bandwidth: {rate: 1mbps, limit: 20971520, "
                                 "buffer: 10000}");
      FieldReader br =
          read_fields(b, r.field("bandwidth"), {"rate", "limit", "buffer", "peakrate", "minburst"});
      d.plan.bandwidth_bytes_per_s =
          parse_bandwidth_rate(br.require("rate", "e.g. rate: 1mbps"), br.field("rate"));
      std::vector<std::string> queue;
      for (const char* k : {"limit", "buffer", "peakrate", "minburst"}) {
        if (const Node* v = br.get(k)) {
          parse_integer(*v, br.field(k), 1);
          queue.push_back(k);
        }
      }
      if (!queue.empty()) {
        std::string list;
        for (std::size_t i = 0; i < queue.size(); ++i) list += (i ? ", " : "") + queue[i];
        ctx.note(b.location(), r.field("bandwidth") + " " + list +
                                   " accepted; the twin models the rate alone, not tc's "
                                   "token-bucket queue");
      }
      out.push_back(std::move(d));
      break;
    }
    default:  // partition
      refuse_block("delay");
      refuse_block("loss");
      refuse_block("bandwidth");
      out.push_back(std::move(d));
      break;
  }
  return out;
}

std::vector<PlanDraft> dns_chaos(FaultContext& ctx, const Node& body, const std::string& field,
                                 const BodyOrigin& origin, const std::string& name) {
  FieldReader r =
      read_fields(body, field, {"action", "mode", "value", "selector", "duration", "patterns"},
                  {{"containerNames", "the twin resolves names per pod, for all its containers",
                    "remove it: the fault applies to every container of the selected pods"},
                   kRemoteCluster});
  std::string action_text;
  const char* coredns_hint =
      "CoreDNS down is the twin's own kind: coreDnsChaos: {action: down}; DNSChaos's actions are "
      "error and random";
  std::string extra;
  if (const Node* a = r.get("action");
      a && a->is_scalar() && (a->text() == "coredns-down" || a->text() == "down"))
    extra = coredns_hint;
  FaultAction action =
      parse_action(r, {{"error", FaultAction::kDnsError}, {"random", FaultAction::kDnsRandom}}, {},
                   std::nullopt, &action_text, extra);
  std::vector<Index> pods;
  PlanDraft d = draft(body, name, action, body_duration(r));
  d.plan.target = parse_selection(ctx, r, origin, &pods);
  if (const Node* p = r.get("patterns")) {
    const std::string f = r.field("patterns");
    const auto& items = sequence(*p, f, "e.g. patterns: [\"postgres.*\", \"*.svc.cluster.local\"]");
    for (std::size_t i = 0; i < items.size(); ++i) {
      std::string pat = parse_string(items[i], indexed(f, i));
      bool ok = !pat.empty();
      for (char c : pat)
        ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ||
                    c == '*' || c == '?' || c == '_');
      if (!ok)
        throw InputError(items[i].location(),
                         indexed(f, i) + ": \"" + pat + "\" is not a host name pattern",
                         "letters, digits, '.', '-', and the wildcards * and ?, e.g. "
                         "\"postgres.amazon-api-prod.*\"");
      d.plan.patterns.push_back(pat);
    }
  }
  return {std::move(d)};
}

// "256MB" (1000-based), "1GiB" (1024-based), "512Mi" (a quantity) -> bytes; "50%" -> -percent.
int64_t parse_memory_size(const Node& node, const std::string& field, double* percent) {
  const char* hint =
      "write a size such as 256MB, 1GiB or 512Mi, or a percent of the pod's memory "
      "limit such as 50%";
  std::string t = parse_string(node, field);
  *percent = 0;
  if (!t.empty() && t.back() == '%') {
    std::optional<double> v = number_or_percent(t);
    if (!v || *v <= 0 || *v > 100)
      throw InputError(node.location(), field + ": \"" + t + "\" is not a percent above 0", hint);
    *percent = *v;
    return 0;
  }
  std::size_t i = 0;
  while (i < t.size() && (std::isdigit(static_cast<unsigned char>(t[i])) || t[i] == '.')) ++i;
  std::optional<double> v = number_or_percent(std::string_view(t).substr(0, i));
  std::string unit = t.substr(i);
  for (char& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static const std::pair<const char*, double> kUnits[] = {
      {"b", 1},           {"kb", 1e3},           {"mb", 1e6},
      {"gb", 1e9},        {"tb", 1e12},          {"kib", 1024.0},
      {"mib", 1048576.0}, {"gib", 1073741824.0}, {"tib", 1099511627776.0}};
  if (v) {
    for (const auto& [u, bytes] : kUnits) {
      if (unit != u) continue;
      if (*v <= 0) throw InputError(node.location(), field + " must be above 0", hint);
      return static_cast<int64_t>(std::llround(*v * bytes));
    }
  }
  try {
    int64_t b = parse_size(node, field);
    if (b <= 0) throw InputError(node.location(), field + " must be above 0", hint);
    return b;
  } catch (const InputError&) {
    throw InputError(node.location(), field + ": \"" + t + "\" is not a size", hint);
  }
}

std::vector<PlanDraft> stress_chaos(FaultContext& ctx, const Node& body, const std::string& field,
                                    const BodyOrigin& origin, const std::string& name) {
  FieldReader r = read_fields(
      body, field, {"mode", "value", "selector", "duration", "stressors", "containerNames"},
      {{"stressngStressors", "raw stress-ng options",
        "write the load as stressors: {cpu: {workers, load}, memory: {workers, size}}"},
       kRemoteCluster});
  std::vector<Index> pods;
  PlanDraft d = draft(body, name, FaultAction::kCpuStress, body_duration(r));
  d.plan.target = parse_selection(ctx, r, origin, &pods);
  d.plan.containers = parse_containers(r, ctx.model(), pods);
  const Node& s = r.require("stressors", "e.g. stressors: {cpu: {workers: 2, load: 50}}");
  FieldReader sr = read_fields(s, r.field("stressors"), {"cpu", "memory"});
  if (!sr.has("cpu") && !sr.has("memory"))
    throw InputError(s.location(), r.field("stressors") + " names no stressor",
                     "add cpu: {workers: 2, load: 50} and/or memory: {workers: 1, size: 256MB}");
  const char* kOptions = "raw stress-ng options";
  std::vector<PlanDraft> out;
  if (const Node* c = sr.get("cpu")) {
    FieldReader cr = read_fields(*c, sr.field("cpu"), {"workers", "load"},
                                 {{"options", kOptions, "remove them; workers and load say it"}});
    int64_t workers = parse_integer(cr.require("workers", "e.g. cpu: {workers: 2, load: 50}"),
                                    cr.field("workers"), 1, 1024);
    int64_t load = 100;  // stress-ng's --cpu-load default: a worker spins a whole core
    if (const Node* l = cr.get("load")) load = parse_integer(*l, cr.field("load"), 1, 100);
    PlanDraft p = d;
    p.plan.action = FaultAction::kCpuStress;
    p.plan.cpu_cores = static_cast<double>(workers * load) / 100.0;
    out.push_back(std::move(p));
  }
  if (const Node* m = sr.get("memory")) {
    FieldReader mr =
        read_fields(*m, sr.field("memory"), {"workers", "size"},
                    {{"options", kOptions, "remove them; size says it"},
                     {"oomScoreAdj", "the OOM killer's choice of victim", "remove it"}});
    parse_integer(mr.require("workers", "e.g. memory: {workers: 1, size: 256MB}"),
                  mr.field("workers"), 1, 1024);
    const Node& size = mr.require("size", "e.g. size: 256MB");
    double percent = 0;
    PlanDraft p = d;
    p.plan.action = FaultAction::kMemoryStress;
    p.plan.memory_bytes = parse_memory_size(size, mr.field("size"), &percent);
    if (percent > 0) {
      // Of the named containers' memory limits, else of the pod's (every container's).
      std::set<int64_t> limits;
      for (Index i : pods) {
        const topology::Pod& pod = ctx.model().pods[i];
        int64_t limit = pod.limits.has_memory ? pod.limits.memory_bytes : 0;
        if (!d.plan.containers.empty()) {
          limit = 0;
          for (const topology::Container& c : pod.containers) {
            if (c.init || std::find(d.plan.containers.begin(), d.plan.containers.end(), c.name) ==
                              d.plan.containers.end())
              continue;
            if (!c.limits.has_memory) {
              limit = 0;
              break;
            }
            limit += c.limits.memory_bytes;
          }
        }
        limits.insert(limit);
      }
      if (limits.count(0) || limits.size() != 1)
        throw InputError(size.location(),
                         mr.field("size") + " " + size.text() +
                             (limits.count(0) ? ": a selected pod has no memory limit"
                                              : ": the selected pods' memory limits differ"),
                         "give the size in bytes, e.g. size: 256MB");
      p.plan.memory_bytes = static_cast<int64_t>(
          std::llround(percent / 100.0 * static_cast<double>(*limits.begin())));
      ctx.note(size.location(), mr.field("size") + " " + size.text() + " of the memory limit " +
                                    topology::format_bytes(*limits.begin()) + " = " +
                                    std::to_string(p.plan.memory_bytes) + " bytes");
    }
    out.push_back(std::move(p));
  }
  return out;
}

std::vector<PlanDraft> io_chaos(FaultContext& ctx, const Node& body, const std::string& field,
                                const BodyOrigin& origin, const std::string& name) {
  const char* kOnly = "the twin simulates IOChaos latency and fault";
  const std::vector<Refused> refused_actions = {{"attrOverride", "file attributes", kOnly},
                                                {"mistake", "corrupted data", kOnly}};
  refuse_action(body, field, refused_actions);
  FieldReader r = read_fields(body, field,
                              {"action", "mode", "value", "selector", "duration", "volumePath",
                               "path", "methods", "percent", "delay", "errno", "containerNames"},
                              {{"attr", "IOChaos attrOverride (file attributes)", kOnly},
                               {"mistake", "IOChaos mistake (corrupted data)", kOnly},
                               kRemoteCluster});
  std::string action_text;
  FaultAction action =
      parse_action(r, {{"latency", FaultAction::kIoLatency}, {"fault", FaultAction::kIoFault}},
                   refused_actions, std::nullopt, &action_text);
  std::vector<Index> pods;
  PlanDraft d = draft(body, name, action, body_duration(r));
  d.plan.target = parse_selection(ctx, r, origin, &pods);
  d.plan.containers = parse_containers(r, ctx.model(), pods);
  d.extra.volume_path = parse_volume_path(r, ctx.model(), pods, true);
  if (const Node* p = r.get("path")) {
    std::string glob = parse_string(*p, r.field("path"));
    const std::string& v = d.extra.volume_path;
    if (!(glob.empty() || glob == "*" || glob == "**" || glob == "**/*" || glob == v + "/**" ||
          glob == v + "/**/*" || glob == v + "/*" || glob == v))
      ctx.note(p->location(), r.field("path") + " \"" + glob +
                                  "\" accepted; the twin applies the fault to every file of the "
                                  "volume at " +
                                  v);
  }
  if (const Node* m = r.get("methods")) {
    static const std::vector<std::string> kMethods = {
        "lookup",   "forget", "getattr",  "setattr",  "readlink",  "mknod",       "mkdir",
        "unlink",   "rmdir",  "symlink",  "rename",   "link",      "open",        "read",
        "write",    "flush",  "release",  "fsync",    "opendir",   "readdir",     "releasedir",
        "fsyncdir", "statfs", "setxattr", "getxattr", "listxattr", "removexattr", "access",
        "create",   "getlk",  "setlk",    "bmap"};
    static const std::vector<std::string> kWrites = {"write", "fsync", "flush", "create"};
    const std::string f = r.field("methods");
    const auto& items = sequence(*m, f, "e.g. methods: [write, fsync]");
    std::vector<std::string> modelled, other;
    for (std::size_t i = 0; i < items.size(); ++i) {
      std::string name_i = parse_string(items[i], indexed(f, i));
      if (std::find(kMethods.begin(), kMethods.end(), name_i) == kMethods.end())
        throw InputError(items[i].location(),
                         indexed(f, i) + ": \"" + name_i + "\" is not an IOChaos method",
                         did_you_mean_hint(name_i, kMethods));
      (std::find(kWrites.begin(), kWrites.end(), name_i) != kWrites.end() ? modelled : other)
          .push_back(name_i);
    }
    if (!items.empty() && modelled.empty())
      not_simulated(*m, f,
                    "the twin models the data stores' writes to their volumes (write, "
                    "fsync, flush, create), not reads or metadata calls",
                    "add write and fsync, or remove `methods` (every call)");
    if (!other.empty()) {
      std::string list;
      for (const auto& o : other) list += (list.empty() ? "" : ", ") + o;
      ctx.note(m->location(), f + ": " + list +
                                  " accepted but not modelled; the fault applies "
                                  "to the volume's writes");
    }
  }
  if (const Node* p = r.get("percent"))
    d.plan.io_percent = static_cast<double>(parse_integer(*p, r.field("percent"), 1, 100));
  const Node* delay = r.get("delay");
  const Node* err = r.get("errno");
  if (action == FaultAction::kIoLatency) {
    if (err)
      throw InputError(err->location(), r.field("errno") + " applies to action fault only",
                       "remove it");
    const Node& dl = r.require("delay", "action latency needs delay, e.g. delay: \"100ms\"");
    d.plan.latency = parse_duration(dl, r.field("delay"));
    if (d.plan.latency <= 0)
      throw InputError(dl.location(), r.field("delay") + " must be above 0",
                       "e.g. delay: \"100ms\"");
  } else {
    if (delay)
      throw InputError(delay->location(), r.field("delay") + " applies to action latency only",
                       "remove it");
    d.plan.io_errno = static_cast<int>(parse_integer(
        r.require("errno", "action fault needs errno, e.g. errno: 5 (EIO) or 28 (ENOSPC)"),
        r.field("errno"), 1, 133));
  }
  return {std::move(d)};
}

}  // namespace

bool chaos_kind_not_simulated(std::string_view key, std::string* why, std::string* hint) {
  if (key == "timeChaos") {
    *why = "the twin's clocks never drift (TimeChaos)";
    *hint = "remove it; nothing in the twin reads a wall clock that could be skewed";
    return true;
  }
  if (key == "httpChaos") {
    *why = "HTTPChaos (rewriting, aborting or delaying HTTP requests in the pod)";
    *hint = "for a slow or failing service use networkChaos (delay, loss) or podChaos";
    return true;
  }
  static const std::string_view kOther[] = {
      "kernelChaos",         "jvmChaos", "awsChaos", "gcpChaos", "azureChaos", "blockChaos",
      "physicalmachineChaos"};
  for (std::string_view k : kOther) {
    if (key != k) continue;
    std::string kind(key);
    kind[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(kind[0])));
    *why = kind + " acts below or outside the Kubernetes objects the twin simulates";
    *hint = "the twin simulates PodChaos, NetworkChaos, DNSChaos, StressChaos and IOChaos";
    return true;
  }
  return false;
}

bool is_one_shot(FaultAction action) {
  return action == FaultAction::kPodKill || action == FaultAction::kContainerKill;
}

void require_duration(const std::vector<PlanDraft>& plans, const Node& body,
                      const std::string& field) {
  for (const PlanDraft& p : plans) {
    if (p.plan.action == FaultAction::kPodFailure && !p.plan.duration)
      throw InputError(body.location(), field + ": pod-failure needs a duration",
                       "how long the pod's containers stay paused, e.g. duration: 30s "
                       "(chaos-facts 2)");
  }
}

void place(std::vector<PlanDraft>& plans, sim::Time at, std::optional<sim::Time> limit) {
  for (PlanDraft& p : plans) {
    p.plan.at += at;
    if (limit && p.plan.at < *limit && (!p.plan.duration || p.plan.at + *p.plan.duration > *limit))
      p.plan.duration = *limit - p.plan.at;
  }
}

std::vector<PlanDraft> parse_chaos_body(FaultContext& ctx, std::string_view kind, const Node& body,
                                        const std::string& field, const BodyOrigin& origin,
                                        const std::string& name) {
  std::string why, hint;
  if (chaos_kind_not_simulated(kind, &why, &hint)) not_simulated(body, field, why, hint);
  if (kind == "podChaos") return pod_chaos(ctx, body, field, origin, name);
  if (kind == "networkChaos") return network_chaos(ctx, body, field, origin, name);
  if (kind == "dnsChaos") return dns_chaos(ctx, body, field, origin, name);
  if (kind == "stressChaos") return stress_chaos(ctx, body, field, origin, name);
  if (kind == "ioChaos") return io_chaos(ctx, body, field, origin, name);
  if (auto plans = twin_kind_body(ctx, kind, body, field, origin, name)) return std::move(*plans);
  throw InputError(body.location(), "unknown fault kind " + field,
                   did_you_mean_hint(kind, std::vector<std::string>(std::begin(kFaultKinds),
                                                                    std::end(kFaultKinds))));
}

}  // namespace kubetwin::scenario::internal
