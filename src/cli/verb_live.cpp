// The live twin's verbs: advance, cordon, uncordon, drain, fault, load, rollout, logs, top; and
// `delete pod` as an act (verb_delete.cpp calls delete_pod_act).
#include <cctype>
#include <filesystem>
#include <iterator>
#include <ostream>

#include "cli_common.hpp"
#include "kubetwin/k8s/diagnostic.hpp"
#include "kubetwin/k8s/loader.hpp"
#include "kubetwin/report/kubectl_live.hpp"
#include "kubetwin/scenario/live.hpp"
#include "verb_functions.hpp"

namespace kubetwin::cli {

namespace {

namespace fs = std::filesystem;

k8s::SourceLocation arg_location(const std::string& what) {
  return k8s::SourceLocation{std::make_shared<const std::string>(what), 0, 0};
}

std::string twin_clock(int64_t ms) {
  return sim::format_duration(sim::millis(ms));
}

// Whether the state holds anything to run; throws the usage error every act gives otherwise.
void require_applied(const Twin& twin) {
  if (twin.state.resources.empty()) {
    throw k8s::InputError(arg_location("state"), "the twin's state is empty: nothing runs yet",
                          "apply something first: `kubetwin apply models/amazon-store` or "
                          "`kubetwin apply -k DIR`");
  }
}

void require_node(const Twin& twin, const std::string& node) {
  std::string names;
  for (const topology::ClusterNode& n : twin.model.nodes) {
    if (n.meta.name == node) return;
    names += (names.empty() ? "" : ", ") + n.meta.name;
  }
  throw k8s::InputError(arg_location("node"), "node \"" + node + "\" not found",
                        "the cluster's nodes are: " + names + " (`kubetwin get nodes`)");
}

// The YAML of a fault or load act: -f FILE (or -), else the positional text.
std::pair<std::string, std::string> act_yaml(const Invocation& inv, const ParsedArgs& args,
                                             size_t first, const std::string& what) {
  if (auto f = args.value("filename")) {
    if (*f == "-") return {std::string(std::istreambuf_iterator<char>(inv.in), {}), "STDIN"};
    std::error_code ec;
    if (!fs::is_regular_file(*f, ec)) throw UsageError("the path \"" + *f + "\" does not exist");
    return {k8s::read_file(*f), *f};
  }
  std::string text;
  for (size_t i = first; i < args.positional.size(); ++i)
    text += (text.empty() ? "" : " ") + args.positional[i];
  if (text.empty()) {
    throw UsageError(what == "fault"
                         ? "fault needs a fault entry: -f FILE or inline YAML, e.g. kubetwin fault "
                           "'{kafkaChaos: {action: broker-kill, selector: {pods: "
                           "{amazon-api-prod: [kafka-1]}}}}' --for 2m"
                         : "load set needs a load entry: -f FILE or inline YAML, e.g. kubetwin "
                           "load set '{name: shoppers, target: {gateway: kong-prod, host: "
                           "api.amazon-store.com}, rate: 20/s}'");
  }
  return {text, "<argument>"};
}

}  // namespace

int verb_advance(const Invocation& inv) {
  return guarded(inv, [&] {
    // "-1m" would read as flags: a negative time is refused as what it is.
    for (const std::string& a : inv.args) {
      if (a.size() > 1 && a[0] == '-' && std::isdigit(static_cast<unsigned char>(a[1])))
        scenario::parse_live_duration(a, "duration");
    }
    ParsedArgs args = parse_args(inv.args, {{"seed", 0, true}});
    if (args.positional.size() != 1)
      throw UsageError("advance needs one DURATION, e.g. advance 1m");
    const sim::Time d = scenario::parse_live_duration(args.positional[0], "duration");
    std::string seed;
    if (auto s = args.value("seed")) {
      if (s->empty() || s->find_first_not_of("0123456789") != std::string::npos)
        throw k8s::InputError(arg_location("--seed"), "invalid seed \"" + *s + "\"",
                              "a seed is a non-negative integer, e.g. --seed 42");
      seed = *s;
    }
    const fs::path path = state_path(args);
    {
      Twin twin = load_twin(path, LiveMode::kIfAdvanced);
      require_applied(twin);
    }
    topology::StateStore store = topology::StateStore::open(path);
    const topology::ActRecord act =
        store.record_act("advance", {std::to_string(d / sim::millis(1)), seed});
    Twin twin = load_twin(path, LiveMode::kAlways);
    inv.out << "advanced " << sim::format_duration(d) << ": the twin's clock reads "
            << twin_clock(twin.live->now_ms) << " ("
            << report::twin_timestamp_rfc3339(twin.live->now_ms / 1000) << "), running since "
            << twin_clock(twin.live->start_ms) << "\n";
    (void)act;
    return static_cast<int>(kExitOk);
  });
}

int delete_pod_act(const Invocation& inv, const ParsedArgs& args, const std::string& name,
                   const std::string& ns) {
  const fs::path path = state_path(args);
  Twin twin = load_twin(path, LiveMode::kAlways);
  const scenario::LivePod* pod = twin.live ? twin.live->find_pod(ns, name) : nullptr;
  if (!pod || !twin.live->simulates(ns)) {
    inv.err << "Error from server (NotFound): pods \"" << name << "\" not found\n"
            << "  hint: `kubetwin get pods -n " << ns
            << "` lists the pods the twin runs now; acts name pods as it shows them\n";
    return static_cast<int>(kExitBadInput);
  }
  int64_t grace_ms = 30'000;  // the pod spec's terminationGracePeriodSeconds default
  if (auto g = args.value("grace-period")) {
    std::optional<sim::Time> t = sim::parse_duration(
        *g + (g->find_first_not_of("0123456789-") == std::string::npos ? "s" : ""));
    if (!t || *t < 0)
      throw k8s::InputError(arg_location("--grace-period"), "invalid grace period \"" + *g + "\"",
                            "seconds, e.g. --grace-period 0 (kill at once) or 30");
    grace_ms = *t / sim::millis(1);
  }
  topology::StateStore store = topology::StateStore::open(path);
  store.record_act("delete-pod", {ns, name, pod->world_name, std::to_string(grace_ms)});
  inv.out << "pod \"" << name << "\" deleted\n";
  return static_cast<int>(kExitOk);
}

int verb_cordon_like(const Invocation& inv, const std::string& verb) {
  return guarded(inv, [&] {
    ParsedArgs args = parse_args(
        inv.args,
        {{"ignore-daemonsets", 0, false}, {"delete-emptydir-data", 0, false}, {"force", 0, false}});
    if (args.positional.size() != 1) throw UsageError(verb + " needs one NODE");
    const std::string node = args.positional[0];
    const fs::path path = state_path(args);
    Twin twin = load_twin(path, LiveMode::kAlways);
    require_applied(twin);
    require_node(twin, node);
    bool cordoned = false;
    for (const runtime::NodeStatus& n : twin.live->nodes) {
      if (n.name == node) cordoned = n.cordoned;
    }
    // An act not yet taken (journaled at now) counts too: cordon twice says so.
    for (const topology::ActRecord& a : twin.state.acts) {
      if (a.at_ms < twin.live->now_ms || a.args.empty() || a.args[0] != node) continue;
      if (a.verb == "cordon" || a.verb == "drain") cordoned = true;
      if (a.verb == "uncordon") cordoned = false;
    }
    topology::StateStore store = topology::StateStore::open(path);
    if (verb == "uncordon") {
      if (!cordoned) {
        inv.out << "node/" << node << " already uncordoned\n";
        return static_cast<int>(kExitOk);
      }
      store.record_act("uncordon", {node});
      inv.out << "node/" << node << " uncordoned\n";
      return static_cast<int>(kExitOk);
    }
    if (verb == "cordon") {
      if (cordoned) {
        inv.out << "node/" << node << " already cordoned\n";
        return static_cast<int>(kExitOk);
      }
      store.record_act("cordon", {node});
      inv.out << "node/" << node << " cordoned\n";
      return static_cast<int>(kExitOk);
    }
    store.record_act("drain", {node});
    inv.out << "node/" << node << (cordoned ? " already cordoned\n" : " cordoned\n");
    for (const scenario::LivePod& p : twin.live->pods) {
      if (p.node == node && p.phase != "Pending")
        inv.out << "evicting pod " << p.namespace_name << "/" << p.name << "\n";
    }
    inv.out << "node/" << node
            << " drained (the evictions happen at the next `kubetwin advance`, through the "
               "Eviction API and PodDisruptionBudgets)\n";
    return static_cast<int>(kExitOk);
  });
}

int verb_cordon(const Invocation& inv) {
  return verb_cordon_like(inv, "cordon");
}
int verb_uncordon(const Invocation& inv) {
  return verb_cordon_like(inv, "uncordon");
}
int verb_drain(const Invocation& inv) {
  return verb_cordon_like(inv, "drain");
}

int verb_fault(const Invocation& inv) {
  return guarded(inv, [&] {
    ParsedArgs args = parse_args(inv.args, {{"filename", 'f', true}, {"for", 0, true}});
    auto [yaml, where] = act_yaml(inv, args, 0, "fault");
    const fs::path path = state_path(args);
    Twin twin = load_twin(path, LiveMode::kAlways);
    require_applied(twin);
    const std::string for_d = args.value("for").value_or("");
    std::vector<runtime::FaultPlan> plans =
        scenario::live_fault_plans(yaml, where, for_d, twin.model);
    topology::StateStore store = topology::StateStore::open(path);
    const topology::ActRecord act = store.record_act("fault", {yaml, where, for_d});
    for (const runtime::FaultPlan& p : plans) {
      inv.out << "fault \"" << p.name << "\" (" << runtime::fault_action_name(p.action)
              << ") starts at " << twin_clock(act.at_ms + p.at / sim::millis(1));
      if (p.duration) inv.out << ", lifted after " << sim::format_duration(*p.duration);
      inv.out << "\n";
    }
    return static_cast<int>(kExitOk);
  });
}

int verb_load(const Invocation& inv) {
  return guarded(inv, [&] {
    ParsedArgs args = parse_args(inv.args, {{"filename", 'f', true}});
    if (args.positional.empty() || (args.positional[0] != "set" && args.positional[0] != "clear")) {
      throw UsageError("load needs set (-f FILE | YAML) or clear [NAME]");
    }
    const fs::path path = state_path(args);
    Twin twin = load_twin(path, LiveMode::kIfAdvanced);
    require_applied(twin);
    topology::StateStore store = topology::StateStore::open(path);
    if (args.positional[0] == "clear") {
      const std::string name = args.positional.size() > 1 ? args.positional[1] : "";
      store.record_act("load-clear", {name});
      inv.out << (name.empty() ? std::string("every load") : "load \"" + name + "\"")
              << " stops at the next advance\n";
      return static_cast<int>(kExitOk);
    }
    auto [yaml, where] = act_yaml(inv, args, 1, "load");
    scenario::check_live_load(yaml, where);
    const topology::ActRecord act = store.record_act("load-set", {yaml, where});
    // Bind it now, so a target that does not exist is refused before any advance.
    try {
      Twin check = load_twin(path, LiveMode::kAlways);
      topology::State probe = check.state;
      topology::ActRecord adv{act.seq + 1, act.at_ms, "advance", {"1", ""}};
      probe.acts.push_back(adv);
      replay_running_twin(probe, check.model);
    } catch (const k8s::InputError&) {
      // Take the act back out: the state keeps only acts that run.
      topology::StateStore undo = topology::StateStore::open(path);
      undo.drop_act(act.seq);
      throw;
    }
    inv.out << "load set at " << twin_clock(act.at_ms) << "; it runs from the next advance\n";
    return static_cast<int>(kExitOk);
  });
}

int verb_rollout(const Invocation& inv) {
  return guarded(inv, [&] {
    ParsedArgs args = parse_args(inv.args, {{"namespace", 'n', true}});
    if (args.positional.size() != 2 ||
        (args.positional[0] != "restart" && args.positional[0] != "status")) {
      throw UsageError(
          "rollout needs restart|status KIND/NAME, e.g. rollout restart "
          "deployment/orders-api -n amazon-api-prod");
    }
    const std::string ns = args.value("namespace").value_or("default");
    const std::string target = args.positional[1];
    const size_t slash = target.find('/');
    if (slash == std::string::npos) throw UsageError("rollout takes KIND/NAME, e.g. deployment/x");
    std::string kind = target.substr(0, slash);
    const std::string name = target.substr(slash + 1);
    if (kind == "deployment" || kind == "deploy" || kind == "deployments" ||
        kind == "deployment.apps")
      kind = "Deployment";
    else if (kind == "statefulset" || kind == "sts" || kind == "statefulsets" ||
             kind == "statefulset.apps")
      kind = "StatefulSet";
    else
      throw UsageError("rollout takes a deployment or a statefulset, not \"" + kind + "\"");
    const fs::path path = state_path(args);
    Twin twin = load_twin(path, LiveMode::kAlways);
    require_applied(twin);
    const topology::Workload* w = nullptr;
    for (const topology::Workload& x : twin.model.workloads) {
      if (x.meta.kind == kind && x.meta.namespace_name == ns && x.meta.name == name) w = &x;
    }
    const std::string shown = (kind == "Deployment" ? "deployment.apps/" : "statefulset.apps/");
    if (!w) {
      inv.err << "Error from server (NotFound): "
              << (kind == "Deployment" ? "deployments.apps" : "statefulsets.apps") << " \"" << name
              << "\" not found\n  hint: `kubetwin get "
              << (kind == "Deployment" ? "deployments" : "statefulsets") << " -n " << ns
              << "` lists them\n";
      return static_cast<int>(kExitBadInput);
    }
    if (args.positional[0] == "restart") {
      topology::StateStore store = topology::StateStore::open(path);
      store.record_act("rollout-restart", {kind, ns, name});
      inv.out << shown << name << " restarted\n";
      return static_cast<int>(kExitOk);
    }
    int ready = 0;
    int total = 0;
    for (const scenario::LivePod& p : twin.live->pods) {
      if (p.namespace_name != ns || p.workload != name || p.workload_kind != kind) continue;
      ++total;
      ready += p.ready ? 1 : 0;
    }
    int want = w->replicas;  // as applied, or as the last `scale` taken set it
    for (const topology::ActRecord& a : twin.state.acts) {
      if (a.verb == "scale" && a.args.size() >= 4 && a.args[1] == ns && a.args[2] == name &&
          a.at_ms >= twin.live->start_ms && a.at_ms < twin.live->now_ms)
        want = std::stoi(a.args[3]);
    }
    const std::string lk = kind == "Deployment" ? "deployment" : "statefulset";
    if (ready >= want && total == want) {
      inv.out << lk << " \"" << name << "\" successfully rolled out\n";
    } else {
      inv.out << "Waiting for " << lk << " \"" << name << "\" rollout to finish: " << ready
              << " of " << want << " updated replicas are available...\n";
    }
    return static_cast<int>(kExitOk);
  });
}

int verb_scale(const Invocation& inv) {
  return guarded(inv, [&] {
    ParsedArgs args = parse_args(inv.args, {{"namespace", 'n', true}, {"replicas", 0, true}});
    if (args.positional.size() != 1 || args.positional[0].find('/') == std::string::npos)
      throw UsageError("scale needs deployment/NAME or statefulset/NAME --replicas N [-n NS]");
    const std::string ns = args.value("namespace").value_or("default");
    const std::string target = args.positional[0];
    const std::string kind = target.substr(0, target.find('/'));
    const std::string name = target.substr(target.find('/') + 1);
    std::string kind_name;
    if (kind == "deployment" || kind == "deploy" || kind == "deployments" ||
        kind == "deployment.apps") {
      kind_name = "Deployment";
    } else if (kind == "statefulset" || kind == "sts" || kind == "statefulsets" ||
               kind == "statefulset.apps") {
      kind_name = "StatefulSet";
    } else {
      throw k8s::InputError(
          arg_location("scale"),
          "the live twin scales Deployments and StatefulSets, not \"" + kind + "\"",
          "scale deployment/NAME or statefulset/NAME, e.g. kubetwin scale "
          "statefulset/kafka --replicas 4 -n amazon-api-prod");
    }
    const std::string replicas = args.value("replicas").value_or("");
    if (replicas.empty() || replicas.size() > 4 ||
        replicas.find_first_not_of("0123456789") != std::string::npos) {
      throw k8s::InputError(arg_location("--replicas"), "invalid --replicas \"" + replicas + "\"",
                            "a count of pods from 0 to 9999, e.g. --replicas 5");
    }
    const fs::path path = state_path(args);
    Twin twin = load_twin(path, LiveMode::kIfAdvanced);
    require_applied(twin);
    bool found = false;
    for (const topology::Workload& w : twin.model.workloads) {
      found = found || (w.meta.kind == kind_name && w.meta.namespace_name == ns &&
                        w.meta.name == name && !w.pods.empty());
    }
    const std::string plural = kind_name == "Deployment" ? "deployments" : "statefulsets";
    if (!found) {
      inv.err << "Error from server (NotFound): " << plural << ".apps \"" << name
              << "\" not found\n  hint: `kubetwin get " << plural << " -n " << ns
              << "` lists them\n";
      return static_cast<int>(kExitBadInput);
    }
    topology::StateStore store = topology::StateStore::open(path);
    store.record_act("scale", {kind_name, ns, name, std::to_string(std::stoi(replicas))});
    inv.out << (kind_name == "Deployment" ? "deployment" : "statefulset") << ".apps/" << name
            << " scaled\n";
    return static_cast<int>(kExitOk);
  });
}

int verb_logs(const Invocation& inv) {
  return guarded(inv, [&] {
    ParsedArgs args = parse_args(inv.args, {{"namespace", 'n', true},
                                            {"container", 'c', true},
                                            {"since", 0, true},
                                            {"tail", 0, true}});
    if (args.positional.size() != 1) throw UsageError("logs needs one POD");
    report::LogsRequest req;
    req.pod = args.positional[0];
    if (req.pod.rfind("pod/", 0) == 0) req.pod = req.pod.substr(4);
    req.namespace_name = args.value("namespace").value_or("default");
    req.container = args.value("container");
    if (auto s = args.value("since"))
      req.since_ms = scenario::parse_live_duration(*s, "--since") / sim::millis(1);
    if (auto t = args.value("tail")) {
      if (t->empty() || t->find_first_not_of("0123456789") != std::string::npos)
        throw k8s::InputError(arg_location("--tail"), "invalid --tail \"" + *t + "\"",
                              "the number of lines to show, e.g. --tail 20");
      req.tail = std::stoll(*t);
    }
    Twin twin = load_twin(state_path(args), LiveMode::kAlways);
    report::TwinView view{twin.state, twin.model, twin.live.get()};
    report::CommandOutput r = report::render_logs(view, req);
    inv.out << r.out;
    inv.err << r.err;
    return r.exit_code;
  });
}

int verb_top(const Invocation& inv) {
  return guarded(inv, [&] {
    ParsedArgs args =
        parse_args(inv.args, {{"namespace", 'n', true}, {"all-namespaces", 'A', false}});
    if (args.positional.size() != 1 ||
        (args.positional[0] != "pods" && args.positional[0] != "pod" &&
         args.positional[0] != "po" && args.positional[0] != "nodes" &&
         args.positional[0] != "node" && args.positional[0] != "no")) {
      throw UsageError("top needs pods or nodes");
    }
    const bool nodes = args.positional[0].rfind("no", 0) == 0;
    Twin twin = load_twin(state_path(args), LiveMode::kAlways);
    report::TwinView view{twin.state, twin.model, twin.live.get()};
    report::CommandOutput r =
        report::render_top(view, nodes ? "nodes" : "pods",
                           args.value("namespace").value_or("default"), args.has("all-namespaces"));
    inv.out << r.out;
    inv.err << r.err;
    return r.exit_code;
  });
}

}  // namespace kubetwin::cli
