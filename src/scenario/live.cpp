// The live twin: the state's journal of acts replayed on a World built from its manifests.
#include "kubetwin/scenario/live.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include "kubetwin/k8s/diagnostic.hpp"
#include "kubetwin/k8s/loader.hpp"
#include "kubetwin/runtime/world.hpp"
#include "kubetwin/scenario/behaviour_file.hpp"
#include "kubetwin/scenario/fault_timeline.hpp"
#include "kubetwin/scenario/load_profile.hpp"
#include "kubetwin/scenario/scenario_file.hpp"
#include "kubetwin/sim/random.hpp"
#include "kubetwin/topology/twin_index.hpp"

namespace kubetwin::scenario {

namespace {

namespace fs = std::filesystem;
using runtime::World;

k8s::SourceLocation arg_location(const std::string& what) {
  return k8s::SourceLocation{std::make_shared<const std::string>(what), 0, 0};
}

// A load set by `load set`, from its act to the next `load clear` of its name (or now): open
// loop, its profile's times counted from the act.
class LiveLoad {
 public:
  LiveLoad(World& world, LoadSpec spec, sim::Time from, sim::Time to, uint64_t seed)
      : world_(world),
        spec_(std::move(spec)),
        from_(from),
        generator_(spec_.arrivals, spec_.profile, 0, std::max<sim::Time>(0, to - from)),
        rng_(seed, "live-load/" + spec_.name) {
    std::string error;
    runtime::EntryId entry = 0;
    const bool ok =
        spec_.target.kind == LoadTarget::Kind::kGateway
            ? world.gateway_entry(spec_.target.gateway, spec_.target.host, &entry, &error)
            : world.service_entry(spec_.target.namespace_name, spec_.target.service,
                                  spec_.target.port, &entry, &error);
    if (!ok) {
      throw k8s::InputError(spec_.target.where, "load \"" + spec_.name + "\": " + error,
                            "name a gateway by the IngressClass it serves (`kubetwin get "
                            "ingressclass`), or a Service of the applied state");
    }
    std::vector<std::string> lines;
    for (const MixEntry& m : spec_.mix.entries()) lines.push_back(m.request);
    if (lines.empty()) lines.emplace_back(runtime::kGenericRequest);
    for (const std::string& line : lines) {
      runtime::RouteId r = 0;
      if (!world.route(entry, line, &r, &error))
        throw k8s::InputError(spec_.where, error, "write requests as \"METHOD /path\"");
      routes_.push_back(r);
    }
    delay_ = world.arrival_delay(routes_.front());
  }

  void start() { schedule_next(); }

 private:
  void schedule_next() {
    if (auto t = generator_.next(rng_)) {
      world_.engine().schedule_at<&LiveLoad::arrive>(from_ + *t + delay_, this);
    }
  }
  void arrive() {
    const size_t pick = routes_.size() == 1 ? 0 : spec_.mix.pick(rng_);
    world_.arrive(routes_[pick], world_.engine().now() - delay_);
    schedule_next();
  }

  World& world_;
  LoadSpec spec_;
  sim::Time from_;
  ArrivalGenerator generator_;
  sim::Rng rng_;
  std::vector<runtime::RouteId> routes_;
  sim::Time delay_ = 0;
};

k8s::Node parse_entry(const std::string& yaml, const std::string& path, const std::string& what) {
  std::vector<k8s::Node> docs = k8s::parse_yaml_documents(yaml, path);
  if (docs.empty() || !docs.front().is_mapping()) {
    throw k8s::InputError(docs.empty() ? arg_location(path) : docs.front().location(),
                          "the " + what + " is not a YAML mapping",
                          what == "fault"
                              ? "write one entry of a scenario's faults:, e.g. "
                                "'{kafkaChaos: {action: broker-kill, selector: {namespaces: "
                                "[amazon-api-prod], pods: {amazon-api-prod: [kafka-1]}}}}'"
                              : "write one entry of a scenario's load:, e.g. '{name: shoppers, "
                                "target: {gateway: kong-prod, host: api.amazon-store.com}, "
                                "rate: 20/s}'");
  }
  return docs.front();
}

// kubectl's generated-name alphabet (k8s.io/apimachinery/pkg/util/rand: no vowels, no 0/1/3).
constexpr std::string_view kNameAlphabet = "bcdfghjklmnpqrstvwxz2456789";

std::string generated_suffix(const std::string& seed_text, size_t length) {
  uint64_t h = sim::stable_hash(seed_text);
  std::string out;
  for (size_t i = 0; i < length; ++i) {
    out += kNameAlphabet[h % kNameAlphabet.size()];
    h = h / kNameAlphabet.size() ^ (h * 0x9E3779B97F4A7C15ULL);
  }
  return out;
}

// The ReplicaSet's name a Deployment's pods carry: the model pod's name without its suffix.
std::string replica_set_prefix(const topology::Model& model, const std::string& ns,
                               const std::string& model_pod) {
  if (auto p = model.find_pod(ns, model_pod)) {
    const topology::Pod& pod = model.pods[*p];
    auto it = pod.meta.labels.find("pod-template-hash");
    if (pod.workload && it != pod.meta.labels.end())
      return model.workloads[*pod.workload].meta.name + "-" + it->second;
  }
  size_t dash = model_pod.rfind('-');
  return dash == std::string::npos ? model_pod : model_pod.substr(0, dash);
}

// Who writes an event of `reason` (kubectl's FROM column).
std::string event_source(const std::string& reason) {
  if (reason == "Scheduled" || reason == "FailedScheduling") return "default-scheduler";
  if (reason == "NodeNotReady" || reason == "NodeReady") return "node-controller";
  if (reason == "TaintManagerEviction") return "taint-eviction-controller";
  if (reason == "FailedAttachVolume") return "attachdetach-controller";
  if (reason == "EvictionRefused" || reason == "FailedEviction") return "kubectl-drain";
  if (reason == "NodeNotSchedulable" || reason == "NodeSchedulable") return "kubelet";
  if (reason == "VolumeLost") return "kubetwin";
  return "kubelet";
}

const topology::Container* main_container(const topology::Model& model, const std::string& ns,
                                          const std::string& model_pod) {
  auto p = model.find_pod(ns, model_pod);
  if (!p) return nullptr;
  for (const topology::Container& c : model.pods[*p].containers) {
    if (!c.init && !c.injected) return &c;
  }
  return nullptr;
}

// The kubelet's three events for a container it starts (image present: IfNotPresent).
void container_started(std::vector<LiveEvent>& out, const LiveEvent& base,
                       const topology::Container* c) {
  const std::string name = c ? c->name : "main";
  LiveEvent e = base;
  e.source = "kubelet";
  e.type = "Normal";
  e.reason = "Pulled";
  e.message = "Container image \"" + (c ? c->image : std::string("unknown")) +
              "\" already present on machine";
  out.push_back(e);
  e.reason = "Created";
  e.message = "Created container: " + name;
  out.push_back(e);
  e.reason = "Started";
  e.message = "Started container " + name;
  out.push_back(e);
}

// Twin time (seconds) the pod's workload, or the bare pod, was applied.
int64_t pod_created_s(const topology::State& state, const topology::Model& model,
                      const topology::Pod& pod) {
  const topology::ObjectMeta& m = pod.workload ? model.workloads[*pod.workload].meta : pod.meta;
  for (const topology::StoredResource& s : state.resources) {
    if (s.key.kind == m.kind && s.key.namespace_name == m.namespace_name && s.key.name == m.name)
      return s.created_at_seconds;
  }
  return 0;
}

int64_t to_ms(sim::Time t) {
  return t / sim::millis(1);
}

// What the World writes while it starts (its brokers' and servers' start-up lines, at time 0)
// happened when each pod started after its apply: those lines are dated back to then.
class StartupDatingSink : public runtime::LogSink {
 public:
  explicit StartupDatingSink(runtime::LogBook& book) : book_(book) {}
  void write(sim::Time at, const std::string& pod, const std::string& container, char style,
             std::string text) override {
    if (starting_) {
      auto it = started_.find(pod);
      if (it != started_.end()) at += it->second;
    }
    book_.write(at, pod, container, style, std::move(text));
  }
  std::map<std::string, sim::Time> started_;  // "ns/pod" -> its start, before the World's
  bool starting_ = true;

 private:
  runtime::LogBook& book_;
};

// The controllers' events, as kube-controller-manager records them: a Deployment scaling its
// ReplicaSet (at its apply, at each scale act or HPA decision), a ReplicaSet or StatefulSet
// creating each pod (and a StatefulSet each claim), an HPA's rescale.
void controller_events(LiveTwin& twin, const topology::State& state, const topology::Model& model,
                       const std::vector<runtime::PodStatus>& statuses,
                       const std::map<std::string, std::string>& shown,
                       const std::vector<runtime::ScaleRecord>& scales) {
  auto add = [&](int64_t at_ms, const std::string& ns, const std::string& kind,
                 const std::string& name, const std::string& reason, const std::string& message,
                 const std::string& source) {
    twin.events.push_back(LiveEvent{at_ms, ns, kind, name, "Normal", reason, message, source});
  };
  auto rs_of = [&](const topology::Workload& w) {
    return w.pods.empty() ? std::string()
                          : replica_set_prefix(model, w.meta.namespace_name,
                                               model.pods[w.pods.front()].meta.name);
  };
  for (const topology::Workload& w : model.workloads) {
    if (w.meta.kind != "Deployment" || w.pods.empty() || !twin.simulates(w.meta.namespace_name))
      continue;
    add(pod_created_s(state, model, model.pods[w.pods.front()]) * 1000, w.meta.namespace_name,
        "Deployment", w.meta.name, "ScalingReplicaSet",
        "Scaled up replica set " + rs_of(w) + " from 0 to " + std::to_string(w.pods.size()),
        "deployment-controller");
  }
  for (const runtime::PodStatus& s : statuses) {
    if (s.workload.empty() || !twin.simulates(s.namespace_name)) continue;
    const bool initial = s.created == 0 && s.name == s.model_pod;
    auto mp = model.find_pod(s.namespace_name, s.model_pod);
    if (initial && !mp) continue;
    const int64_t at_ms = initial ? pod_created_s(state, model, model.pods[*mp]) * 1000
                                  : twin.start_ms + to_ms(s.created);
    auto it = shown.find(s.namespace_name + "/" + s.name);
    const std::string name =
        it == shown.end() ? s.name : it->second.substr(s.namespace_name.size() + 1);
    if (s.workload_kind == "Deployment") {
      // The ReplicaSet is the pod's name without its 5-character suffix.
      add(at_ms, s.namespace_name, "ReplicaSet", name.substr(0, name.rfind('-')),
          "SuccessfulCreate", "Created pod: " + name, "replicaset-controller");
    } else if (s.workload_kind == "StatefulSet") {
      const std::string in = " in StatefulSet " + s.workload;
      for (const topology::PersistentVolumeClaim& c : model.pvcs) {
        const std::string suffix = "-" + s.name;
        if (!initial || !c.template_workload || c.meta.namespace_name != s.namespace_name ||
            model.workloads[*c.template_workload].meta.name != s.workload ||
            c.meta.name.size() <= suffix.size() ||
            c.meta.name.compare(c.meta.name.size() - suffix.size(), suffix.size(), suffix) != 0)
          continue;
        add(at_ms, s.namespace_name, "StatefulSet", s.workload, "SuccessfulCreate",
            "create Claim " + c.meta.name + " Pod " + name + in + " success",
            "statefulset-controller");
      }
      add(at_ms, s.namespace_name, "StatefulSet", s.workload, "SuccessfulCreate",
          "create Pod " + name + in + " successful", "statefulset-controller");
    } else if (s.workload_kind == "DaemonSet") {
      add(at_ms, s.namespace_name, "DaemonSet", s.workload, "SuccessfulCreate",
          "Created pod: " + name, "daemonset-controller");
    }
  }
  for (const runtime::ScaleRecord& r : scales) {
    if (!twin.simulates(r.namespace_name)) continue;
    const int64_t at_ms = twin.start_ms + to_ms(r.at);
    const topology::Workload* w = nullptr;
    for (const topology::Workload& x : model.workloads) {
      if (x.meta.kind == r.workload_kind && x.meta.namespace_name == r.namespace_name &&
          x.meta.name == r.workload)
        w = &x;
    }
    if (!w) continue;
    if (r.autoscaler && w->hpa) {
      add(at_ms, r.namespace_name, "HorizontalPodAutoscaler", model.hpas[*w->hpa].meta.name,
          "SuccessfulRescale",
          "New size: " + std::to_string(r.to) + "; reason: " +
              (r.to > r.from ? "cpu resource utilization (percentage of request) above target"
                             : "All metrics below target"),
          "horizontal-pod-autoscaler");
    }
    if (r.workload_kind == "Deployment") {
      add(at_ms, r.namespace_name, "Deployment", r.workload, "ScalingReplicaSet",
          std::string(r.to > r.from ? "Scaled up" : "Scaled down") + " replica set " + rs_of(*w) +
              " from " + std::to_string(r.from) + " to " + std::to_string(r.to),
          "deployment-controller");
    }
  }
}

struct Environments {
  std::string index;
  std::vector<runtime::WorldEnvironment> list;
};

Environments world_environments(const topology::State& state, const topology::Model& model) {
  Environments out;
  std::set<std::string> present;
  for (const topology::Namespace& n : model.namespaces) present.insert(n.meta.name);
  out.index = find_model_index(state);
  if (!out.index.empty()) {
    topology::TwinIndex index = topology::load_twin_index(out.index);
    runtime::BehaviourSpec behaviour = index.behaviour.empty()
                                           ? runtime::generic_behaviour()
                                           : load_behaviour_file(index.behaviour);
    for (const topology::TwinEnvironment& env : index.environments) {
      std::vector<std::string> ns;
      for (const std::string& n : env.namespaces) {
        if (present.count(n)) ns.push_back(n);
      }
      if (ns.empty()) continue;
      out.list.push_back(
          runtime::WorldEnvironment{env.name, std::move(ns), behaviour.for_environment(env.name)});
    }
  }
  if (out.list.empty()) {
    std::vector<std::string> all(present.begin(), present.end());
    out.list.push_back(runtime::WorldEnvironment{"", all, runtime::generic_behaviour()});
  }
  return out;
}

}  // namespace

const LivePod* LiveTwin::find_pod(const std::string& ns, const std::string& name) const {
  for (const LivePod& p : pods) {
    if (p.namespace_name == ns && p.name == name) return &p;
  }
  return nullptr;
}

bool LiveTwin::simulates(const std::string& ns) const {
  return std::find(namespaces.begin(), namespaces.end(), ns) != namespaces.end();
}

std::string find_model_index(const topology::State& state) {
  for (const topology::ApplyRecord& a : state.applies) {
    if (a.source.empty() || a.source == "-") continue;
    std::error_code ec;
    fs::path p = fs::absolute(a.source, ec);
    if (ec || !fs::exists(p, ec)) continue;
    fs::path dir = fs::is_directory(p, ec) ? p : p.parent_path();
    for (; !dir.empty(); dir = dir.parent_path()) {
      fs::path candidate = dir / "twin.yaml";
      if (fs::is_regular_file(candidate, ec) && topology::is_twin_index(candidate.string()))
        return candidate.lexically_normal().string();
      if (dir == dir.root_path()) break;
    }
  }
  return "";
}

bool has_live_twin(const topology::State& state) {
  const int64_t start = state.live_start_ms();
  return std::any_of(state.acts.begin(), state.acts.end(), [&](const topology::ActRecord& a) {
    return a.verb == "advance" && a.at_ms >= start;
  });
}

namespace {

// The state with the `apply` acts taken at or after `from_ms` undone (newest first, so that the
// earliest act's body is the one left).
topology::State undo_applies_since(const topology::State& state, int64_t from_ms) {
  topology::State base = state;
  for (auto it = state.acts.rbegin(); it != state.acts.rend(); ++it) {
    const topology::ActRecord& a = *it;
    if (a.verb != "apply" || a.at_ms < from_ms || a.args.size() < 5) continue;
    const topology::ResourceKey key{a.args[0], a.args[1], a.args[2], a.args[3]};
    auto r = std::find_if(base.resources.begin(), base.resources.end(),
                          [&](const topology::StoredResource& x) { return x.key == key; });
    if (a.args[4].empty()) {
      if (r != base.resources.end()) base.resources.erase(r);
    } else if (r != base.resources.end()) {
      r->resource.body = topology::decode_node(a.args[4]);
    } else {
      topology::StoredResource restored;
      restored.key = key;
      restored.resource.body = topology::decode_node(a.args[4]);
      base.resources.push_back(std::move(restored));
    }
  }
  return base;
}

}  // namespace

topology::State state_at(const topology::State& full, int64_t at_ms) {
  const int64_t now_ms = full.now_ms();
  if (at_ms > now_ms) {
    throw k8s::InputError(
        arg_location("--at"),
        "--at " + sim::format_duration(sim::millis(at_ms)) + " is after the twin's now (" +
            sim::format_duration(sim::millis(now_ms)) + "): a past moment has not happened yet",
        "serve a moment up to " + sim::format_duration(sim::millis(now_ms)) +
            ", or `kubetwin advance` the twin first");
  }
  // What an apply changed in place after `at` was not there yet.
  topology::State state = undo_applies_since(full, at_ms);
  const int64_t at_s = at_ms / 1000;
  std::erase_if(state.resources,
                [&](const topology::StoredResource& r) { return r.created_at_seconds >= at_s; });
  std::erase_if(state.applies,
                [&](const topology::ApplyRecord& a) { return a.at_seconds >= at_s; });
  std::erase_if(state.acts, [&](const topology::ActRecord& a) { return a.at_ms >= at_ms; });
  for (topology::ActRecord& a : state.acts) {
    // The advance running at `at` stops there.
    if (a.verb == "advance" && !a.args.empty() && a.at_ms + std::stoll(a.args[0]) > at_ms)
      a.args[0] = std::to_string(at_ms - a.at_ms);
  }
  return state;
}

bool applies_in_place(const std::string& kind, const std::string& group) {
  return group.empty() && (kind == "ConfigMap" || kind == "Secret" || kind == "ServiceAccount");
}

topology::State live_base_state(const topology::State& state) {
  return undo_applies_since(state, state.live_start_ms());
}

sim::Time parse_live_duration(const std::string& text, const std::string& what) {
  std::string_view t = text;
  const bool negative = !t.empty() && t.front() == '-';
  std::optional<sim::Time> d = negative ? std::nullopt : sim::parse_duration(t);
  if (!d || *d <= 0) {
    throw k8s::InputError(arg_location(what),
                          negative ? what + " \"" + text +
                                         "\" is negative: the twin's time only "
                                         "moves forward"
                                   : "invalid " + what + " \"" + text + "\"",
                          "write a positive duration such as 30s, 1m, 1h30m or 500ms");
  }
  return *d;
}

std::vector<runtime::FaultPlan> live_fault_plans(const std::string& yaml, const std::string& path,
                                                 const std::string& for_duration,
                                                 const topology::Model& model) {
  k8s::Node entry = parse_entry(yaml, path, "fault");
  if (!entry.get("at") && !entry.get("chaosMesh"))
    entry.set("at", k8s::Node::scalar("0s", false, entry.location()));
  if (!for_duration.empty()) {
    const sim::Time d = parse_live_duration(for_duration, "--for");
    entry.set("duration", k8s::Node::scalar(sim::format_duration(d), false, entry.location()));
  }
  const std::string base = path.empty() || path == "-" || path == "<argument>"
                               ? fs::current_path().string()
                               : fs::absolute(path).parent_path().string();
  ScenarioSpec spec;
  spec.name = "live";
  spec.path = path;
  spec.duration = sim::hours(24 * 365);
  spec.faults.push_back(parse_fault_entry(entry, "fault", base));
  return build_fault_timeline(spec, model, nullptr);
}

void check_live_load(const std::string& yaml, const std::string& path) {
  LoadSpec l = parse_load_entry(parse_entry(yaml, path, "load"), "load");
  if (l.closed) {
    throw k8s::InputError(l.where, "load \"" + l.name + "\" is a closed loop",
                          "the live twin takes open-loop loads (rate: or profile:); a closed "
                          "loop's users need `kubetwin run`");
  }
}

std::unique_ptr<LiveTwin> replay_live(const topology::State& state, const topology::Model& model,
                                      int64_t until_ms, const topology::Model* shown_model) {
  auto twin = std::make_unique<LiveTwin>();
  twin->start_ms = state.live_start_ms();
  twin->now_ms = until_ms < 0 ? state.now_ms() : until_ms;
  const sim::Time end = sim::millis(std::max<int64_t>(0, twin->now_ms - twin->start_ms));

  std::vector<const topology::ActRecord*> acts;
  for (const topology::ActRecord& a : state.acts) {
    // An act taken at the twin's now is pending: it happens at the next advance.
    if (a.at_ms < twin->start_ms || a.at_ms >= twin->now_ms) continue;
    acts.push_back(&a);
  }
  for (const topology::ActRecord* a : acts) {
    if (a->verb == "advance" && a->args.size() > 1 && !a->args[1].empty()) {
      twin->seed = std::stoull(a->args[1]);
      break;
    }
  }

  Environments envs = world_environments(state, model);
  twin->model_index = envs.index;
  for (const runtime::WorldEnvironment& e : envs.list) {
    twin->namespaces.insert(twin->namespaces.end(), e.namespaces.begin(), e.namespaces.end());
  }
  runtime::WorldOptions options;
  options.seed = twin->seed;
  World world(model, envs.list, options);
  StartupDatingSink sink(twin->logs);
  world.set_log_sink(&sink);

  // The acts as the runtime's faults, and the loads.
  std::vector<runtime::FaultPlan> plans;
  std::map<std::string, size_t> cordoned;  // node -> its cordon or drain plan
  struct LoadAct {
    LoadSpec spec;
    sim::Time from;
    sim::Time to;
  };
  std::vector<LoadAct> loads;
  std::map<std::string, size_t> open_loads;  // by name
  for (const topology::ActRecord* a : acts) {
    const sim::Time at = sim::millis(a->at_ms - twin->start_ms);
    const std::vector<std::string>& args = a->args;
    runtime::FaultPlan plan;
    plan.at = at;
    plan.name = a->verb + "#" + std::to_string(a->seq);
    if (a->verb == "delete-pod" && args.size() >= 4) {
      plan.action = runtime::FaultAction::kPodKill;
      plan.target.mode = runtime::SelectMode::kAll;
      plan.target.selector.namespaces = {args[0]};
      plan.target.selector.pods[args[0]] = {args[2]};
      plan.grace_period = sim::millis(std::stoll(args[3]));
      plan.name = "delete pod/" + args[1];
      plans.push_back(plan);
    } else if ((a->verb == "cordon" || a->verb == "drain") && !args.empty()) {
      if (cordoned.count(args[0])) continue;  // already cordoned: kubectl says so, nothing more
      plan.action = a->verb == "cordon" ? runtime::FaultAction::kNodeCordon
                                        : runtime::FaultAction::kNodeDrain;
      plan.nodes = {args[0]};
      plan.target.mode = runtime::SelectMode::kAll;
      plan.name = a->verb + " node/" + args[0];
      cordoned[args[0]] = plans.size();
      plans.push_back(plan);
    } else if (a->verb == "uncordon" && !args.empty()) {
      auto it = cordoned.find(args[0]);
      if (it == cordoned.end()) continue;
      runtime::FaultPlan& c = plans[it->second];
      c.duration = std::max<sim::Time>(1, at - c.at);
      cordoned.erase(it);
    } else if (a->verb == "fault" && args.size() >= 3) {
      for (runtime::FaultPlan p : live_fault_plans(args[0], args[1], args[2], model)) {
        p.at += at;
        plans.push_back(std::move(p));
      }
    } else if (((a->verb == "rollout-restart" || a->verb == "rollout-apply") && args.size() >= 3) ||
               (a->verb == "scale" && args.size() >= 4)) {
      // Acts on a workload (args: kind, namespace, name[, replicas]): one of its pods selects it.
      auto w = std::find_if(model.workloads.begin(), model.workloads.end(), [&](const auto& x) {
        return x.meta.kind == args[0] && x.meta.namespace_name == args[1] && x.meta.name == args[2];
      });
      if (w == model.workloads.end() || w->pods.empty()) continue;
      const bool scale = a->verb == "scale";
      plan.action = scale ? runtime::FaultAction::kScale : runtime::FaultAction::kRollout;
      plan.target.mode = runtime::SelectMode::kOne;
      plan.target.selector.namespaces = {args[1]};
      plan.target.selector.labels = w->template_labels;
      if (scale) plan.replicas = std::stoi(args[3]);
      plan.name = (scale ? "scale " : "rollout restart ") + args[0] + "/" + args[2];
      plans.push_back(plan);
    } else if (a->verb == "load-set" && args.size() >= 2) {
      LoadSpec l = parse_load_entry(parse_entry(args[0], args[1], "load"), "load");
      if (auto it = open_loads.find(l.name); it != open_loads.end()) loads[it->second].to = at;
      open_loads[l.name] = loads.size();
      loads.push_back(LoadAct{std::move(l), at, end});
    } else if (a->verb == "load-clear") {
      for (auto it = open_loads.begin(); it != open_loads.end();) {
        if (args.empty() || args[0].empty() || args[0] == it->first) {
          loads[it->second].to = at;
          it = open_loads.erase(it);
        } else {
          ++it;
        }
      }
    }
  }
  std::stable_sort(plans.begin(), plans.end(),
                   [](const auto& x, const auto& y) { return x.at < y.at; });
  std::vector<std::unique_ptr<LiveLoad>> clients;
  for (LoadAct& l : loads) {
    if (l.to <= l.from) continue;
    clients.push_back(std::make_unique<LiveLoad>(world, l.spec, l.from, l.to, twin->seed));
  }
  world.schedule_faults(plans);
  for (const runtime::PodStatus& s : world.pod_statuses()) {
    if (auto mp = model.find_pod(s.namespace_name, s.name)) {
      sink.started_[s.namespace_name + "/" + s.name] =
          sim::seconds(pod_created_s(state, model, model.pods[*mp])) + options.pod_start_delay +
          (model.pods[*mp].vault ? options.vault_agent_init_delay : 0) -
          sim::millis(twin->start_ms);
    }
  }
  world.start();
  sink.starting_ = false;
  for (auto& c : clients) c->start();
  world.set_horizon(end);

  // Run to now, reading every pod's CPU kTopWindow before the end for `top`.
  const sim::Time window_start = std::max<sim::Time>(0, end - kTopWindow);
  world.engine().run_until(window_start);
  std::vector<double> cpu_before;
  for (const runtime::PodStatus& p : world.pod_statuses()) cpu_before.push_back(p.cpu_seconds);
  world.engine().run_until(end);
  twin->events_processed = world.engine().events_processed();
  twin->fingerprint = world.engine().fingerprint();
  const double window_s = sim::to_seconds(end - window_start);

  // A pod template applied while the twin ran (`rollout-apply`): the pods created from then on
  // are the new ReplicaSet's, with the applied template (the shown model's pod).
  struct NewTemplate {
    sim::Time from;
    std::string model_pod;
  };
  std::map<std::string, NewTemplate> new_templates;  // "ns/deployment"
  for (const topology::ActRecord* a : acts) {
    if (a->verb != "rollout-apply" || a->args.size() < 3 || !shown_model) continue;
    for (const topology::Workload& w : shown_model->workloads) {
      if (w.meta.kind == a->args[0] && w.meta.namespace_name == a->args[1] &&
          w.meta.name == a->args[2] && !w.pods.empty())
        new_templates[a->args[1] + "/" + a->args[2]] = NewTemplate{
            sim::millis(a->at_ms - twin->start_ms), shown_model->pods[w.pods.front()].meta.name};
    }
  }
  // Pods, with the names Kubernetes would have given the replacements.
  std::map<std::string, std::string> shown;  // "ns/world" -> "ns/shown"
  std::vector<runtime::PodStatus> statuses = world.pod_statuses();
  for (runtime::PodStatus& s : statuses) {
    auto it = new_templates.find(s.namespace_name + "/" + s.workload);
    if (it != new_templates.end() && s.replacement && s.created >= it->second.from &&
        s.workload_kind == "Deployment")
      s.model_pod = it->second.model_pod;
  }
  for (size_t i = 0; i < statuses.size(); ++i) {
    const runtime::PodStatus& s = statuses[i];
    LivePod p;
    p.namespace_name = s.namespace_name;
    p.world_name = s.name;
    p.name = s.name;
    if (s.name != s.model_pod && s.workload_kind == "Deployment") {
      const topology::Model& names =
          shown_model && !model.find_pod(s.namespace_name, s.model_pod) ? *shown_model : model;
      p.name = replica_set_prefix(names, s.namespace_name, s.model_pod) + "-" +
               generated_suffix(s.namespace_name + "/" + s.name, 5);
    }
    shown[s.namespace_name + "/" + s.name] = s.namespace_name + "/" + p.name;
    if (s.phase == "Gone") continue;
    p.model_pod = s.model_pod;
    p.workload = s.workload;
    p.workload_kind = s.workload_kind;
    p.node = s.node;
    p.phase = s.phase == "Running"               ? "Ready"
              : s.phase == "Running (not ready)" ? "Starting"
              : s.phase == "Running (paused)"    ? "Paused"
              : s.phase == "CrashLoopBackOff"    ? "BackOff"
                                                 : s.phase;
    p.ready = s.ready;
    p.running = s.running;
    p.restarts = s.restarts;
    p.replacement = s.replacement;
    p.created_ms = twin->start_ms + to_ms(s.created);
    p.started_ms = twin->start_ms + to_ms(s.started);
    p.last_termination_ms =
        s.last_termination < 0 ? -1 : twin->start_ms + to_ms(s.last_termination);
    // A pod created inside the window (a replacement) is measured from its creation: it was
    // not in the first reading, and what it used is all inside the window.
    const bool read_before = i < cpu_before.size();
    const double pod_window_s =
        read_before ? window_s : sim::to_seconds(end - std::max(window_start, s.created));
    p.cpu_cores =
        pod_window_s > 0 ? (s.cpu_seconds - (read_before ? cpu_before[i] : 0.0)) / pod_window_s : 0;
    p.memory_bytes = s.memory_bytes;
    twin->pods.push_back(std::move(p));
  }
  twin->nodes = world.node_statuses();

  // Events: the creation of what ran from the start (at its apply), then the stream.
  for (const runtime::PodStatus& s : statuses) {
    if (s.name != s.model_pod || s.created > 0) continue;
    auto mp = model.find_pod(s.namespace_name, s.name);
    if (!mp || !twin->simulates(s.namespace_name)) continue;
    LiveEvent e;
    e.at_ms = pod_created_s(state, model, model.pods[*mp]) * 1000;
    e.namespace_name = s.namespace_name;
    e.kind = "Pod";
    e.name = s.name;
    e.type = "Normal";
    e.reason = "Scheduled";
    e.source = "default-scheduler";
    e.message = "Successfully assigned " + s.namespace_name + "/" + s.name + " to " + s.node;
    twin->events.push_back(e);
    e.at_ms += to_ms(options.pod_start_delay +
                     (model.pods[*mp].vault ? options.vault_agent_init_delay : 0));
    container_started(twin->events, e, main_container(model, s.namespace_name, s.model_pod));
  }
  auto rename = [&](std::string text) {
    for (const auto& [from, to] : shown) {
      if (from == to) continue;
      for (size_t pos = text.find(from); pos != std::string::npos;
           pos = text.find(from, pos + to.size())) {
        const size_t after = pos + from.size();
        if (after < text.size() &&
            (std::isalnum(static_cast<unsigned char>(text[after])) || text[after] == '-'))
          continue;
        text.replace(pos, from.size(), to);
      }
    }
    return text;
  };
  std::map<std::string, std::string> model_pod_of;  // "ns/shown" -> model pod
  for (const runtime::PodStatus& s : statuses)
    model_pod_of[shown[s.namespace_name + "/" + s.name]] = s.model_pod;
  for (const runtime::KubeEvent& k : world.kube_events()) {
    LiveEvent e;
    e.at_ms = twin->start_ms + static_cast<int64_t>(std::llround(k.at_s * 1000.0));
    std::string object = rename(k.object);
    const size_t slash = object.find('/');
    if (object.rfind("node/", 0) == 0) {
      e.kind = "Node";
      e.name = object.substr(5);
    } else {
      e.kind = "Pod";
      e.namespace_name = object.substr(0, slash);
      e.name = object.substr(slash + 1);
    }
    e.type = k.type;
    e.reason = k.reason;
    e.message = rename(k.message);
    e.source = event_source(k.reason);
    const topology::Container* c =
        e.kind == "Pod" ? main_container(model, e.namespace_name, model_pod_of[object]) : nullptr;
    if (!c && shown_model && e.kind == "Pod")
      c = main_container(*shown_model, e.namespace_name, model_pod_of[object]);
    if (k.reason == "Started" && k.message == "Started container") {
      container_started(twin->events, e, c);
      continue;
    }
    if (k.reason == "Killing" && k.message.rfind("Stopping container (", 0) == 0)
      e.message = "Stopping container " + (c ? c->name : std::string("main"));
    twin->events.push_back(std::move(e));
  }
  controller_events(*twin, state, model, statuses, shown, world.scale_records());
  std::stable_sort(twin->events.begin(), twin->events.end(),
                   [](const LiveEvent& x, const LiveEvent& y) { return x.at_ms < y.at_ms; });
  twin->notes = world.figures().notes;
  return twin;
}

}  // namespace kubetwin::scenario
