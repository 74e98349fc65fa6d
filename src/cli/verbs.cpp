// The verb table and the dispatcher shared by main and the tests.
#include "kubetwin/cli/verbs.hpp"

#include <exception>
#include <iostream>
#include <string>

#include "kubetwin/k8s/diagnostic.hpp"
#include "kubetwin/sim/engine.hpp"
#include "verb_functions.hpp"

namespace kubetwin::cli {

namespace {

// Keep in the order `kubetwin help` should show them.
constexpr Verb kVerbs[] = {
    {"demo", "run the main job on the shipped model", verb_demo},
    {"kustomize", "render a kustomization as kubectl kustomize does", verb_kustomize},
    {"check",
     "static audit: check [MODEL | -k DIR | -f PATH] [-o text|json|sarif] [--cluster PROFILE]",
     verb_check},
    {"apply", "apply -k DIR | -f FILE|DIR|- | MODEL onto the twin's state", verb_apply},
    {"get", "kubectl get over the twin's state: get KIND [NAME] [-n NS|-A] [-l SEL] [-o ...]",
     verb_get},
    {"describe", "kubectl describe over the twin's state: describe KIND NAME [-n NS]",
     verb_describe},
    {"delete", "delete KIND NAME [-n NS] | -f FILE|DIR|- | -k DIR from the twin's state",
     verb_delete},
    {"reset", "empty the twin's state", verb_reset},
    {"advance", "run the twin's time forward, taking the acts: advance DURATION [--seed N]",
     verb_advance},
    {"logs", "a pod's own log lines: logs POD [-n NS] [-c CONTAINER] [--since D] [--tail N]",
     verb_logs},
    {"top", "CPU and memory from the running twin: top pods|nodes [-n NS|-A]", verb_top},
    {"cordon", "mark a node unschedulable at the twin's now: cordon NODE", verb_cordon},
    {"uncordon", "mark a node schedulable again: uncordon NODE", verb_uncordon},
    {"drain", "cordon a node and evict its pods (PodDisruptionBudgets honoured): drain NODE",
     verb_drain},
    {"fault", "a scenario fault starting now: fault (-f FILE | YAML) [--for DURATION]", verb_fault},
    {"load", "a background load on the running twin: load set (-f FILE | YAML) | load clear [NAME]",
     verb_load},
    {"rollout", "rollout restart|status deployment/NAME|statefulset/NAME [-n NS]", verb_rollout},
    {"scale", "set a Deployment's replicas at the twin's now: scale deployment/NAME --replicas N",
     verb_scale},
    {"dns", "resolve NAME step by step from a pod's namespace: dns NAME -n NS [--pod POD]",
     verb_dns},
    {"exec", "run BusyBox nslookup or nc -zv in a pod: exec -n NS POD -- nslookup NAME", verb_exec},
    {"graph",
     "service dependency or reachability graph: graph [--view deps|reach] [--format dot|mermaid]",
     verb_graph},
    {"explain",
     "a guided tour of a model for a new engineer: explain MODEL [--output text|markdown]",
     verb_explain},
    {"run",
     "run scenarios: run SCENARIO... [--output text|json] [--junit FILE] [--replications N] "
     "[--threads N] [--timing] [--db FILE | --no-db] [--trace FILE]",
     verb_run},
    {"capacity",
     "highest load within an SLO and the first bottleneck: capacity SCENARIO --slo "
     "\"p99<300ms,errors<0.1%\" [--route R] [--output text|json]",
     verb_capacity},
    {"sweep",
     "a scenario over iteration variables: sweep SCENARIO --set PATH=VALUES... [--jobs N] "
     "[--shard i/N] [--run N] [--db FILE] [--emit-job N]",
     verb_sweep},
    {"merge", "combine a sweep's shard files: merge OUT.db SHARD.db...", verb_merge},
    {"runs", "list the runs a results database holds: runs [DB] [-o table|json]", verb_runs},
    {"report", "a stored run again: report [DB] [--run ID] (--html FILE | --output text|json)",
     verb_report},
    {"trace", "narrate one request hop by hop: trace SCENARIO --request N [--route R] [--seed S]",
     verb_trace},
    {"serve",
     "the state as a read-only Kubernetes API for kubectl and k9s: serve [--port N] "
     "[--kubeconfig FILE] [--at DURATION] [--for DURATION]",
     verb_serve},
};

int print_help(std::ostream& out) {
  out << "usage: kubetwin VERB [ARGS...]\n\nverbs:\n";
  for (const Verb& v : kVerbs) {
    std::string name = v.name;
    out << "  " << name << std::string(name.size() < 11 ? 11 - name.size() : 1, ' ') << v.synopsis
        << "\n";
  }
  return kExitOk;
}

}  // namespace

std::span<const Verb> all_verbs() {
  return kVerbs;
}

int run_main(std::span<const std::string> args, std::istream& in, std::ostream& out,
             std::ostream& err) {
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    if (args.empty()) {
      print_help(err);
      return kExitBadInput;
    }
    return print_help(out);
  }
  for (const Verb& v : kVerbs) {
    if (args[0] != v.name) continue;
    try {
      return v.run(Invocation{args.subspan(1), in, out, err});
    } catch (const k8s::InputError& e) {
      err << "error: " << e.diagnostic().format() << "\n";
      return kExitBadInput;
    } catch (const sim::NoProgress& e) {
      err << "error: the run made no progress: " << e.what()
          << "\n  hint: an event that re-arms itself at the same instant is a bug in the named "
             "component; report it with the scenario and seed\n";
      return kExitInternal;
    } catch (const std::exception& e) {
      err << "internal error: " << e.what() << "\n";
      return kExitInternal;
    }
  }
  err << "error: unknown verb \"" << args[0] << "\"\n  hint: run `kubetwin help` for the list\n";
  return kExitBadInput;
}

}  // namespace kubetwin::cli
