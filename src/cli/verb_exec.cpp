// `kubetwin exec [-n NS] POD|TYPE/NAME -- nslookup NAME | nc -zv HOST PORT`: BusyBox in a pod.
#include <ostream>

#include "cli_common.hpp"
#include "kubetwin/report/kubectl_exec.hpp"
#include "kubetwin/report/kubectl_kinds.hpp"
#include "verb_functions.hpp"

namespace kubetwin::cli {

int verb_exec(const Invocation& inv) {
  return guarded(inv, [&] {
    ParsedArgs args = parse_args(inv.args, {{"namespace", 'n', true},
                                            {"stdin", 'i', false},
                                            {"tty", 't', false},
                                            {"container", 'c', true}});
    if (args.positional.size() != 1) {
      throw UsageError("exec needs exactly one POD (or TYPE/NAME) before --");
    }
    if (!args.has_rest || args.rest.empty()) {
      throw UsageError("you must specify at least one command for the container (after --)");
    }
    std::string ns = args.value("namespace").value_or("default");
    Twin twin = load_twin(state_path(args));
    const topology::Model& model = twin.model;
    // POD, or TYPE/NAME as kubectl exec accepts (the workload's first pod).
    std::string target = args.positional[0];
    std::optional<topology::Index> pod;
    if (size_t slash = target.find('/'); slash != std::string::npos) {
      const report::ResourceType* type = report::find_resource_type(target.substr(0, slash));
      std::string name = target.substr(slash + 1);
      if (!type)
        throw UsageError("the server doesn't have a resource type \"" + target.substr(0, slash) +
                         "\"");
      if (std::string(type->kind) == "Pod") {
        pod = model.find_pod(ns, name);
      } else {
        auto w = model.find_workload(ns, name);
        if (!w || model.workloads[*w].meta.kind != type->kind) {
          inv.err << "Error from server (NotFound): " << type->qualified_plural() << " \"" << name
                  << "\" not found\n";
          return static_cast<int>(kExitCheckFailed);
        }
        if (!model.workloads[*w].pods.empty()) pod = model.workloads[*w].pods.front();
      }
      target = name;
    } else {
      pod = model.find_pod(ns, target);
    }
    if (!pod) {
      inv.err << "Error from server (NotFound): pods \"" << target << "\" not found\n";
      return static_cast<int>(kExitCheckFailed);
    }
    if (model.pods[*pod].phase != topology::PodPhase::kRunning) {
      inv.err << "error: unable to upgrade connection: container not found (\""
              << model.pods[*pod].meta.name << "\" is "
              << "Pending)\n";
      return static_cast<int>(kExitCheckFailed);
    }
    topology::Dns dns(model);
    topology::Reachability reach(model);
    const std::vector<std::string>& cmd = args.rest;
    report::CommandOutput r;
    if (cmd[0] == "nslookup" && cmd.size() == 2) {
      r = report::busybox_nslookup(model, dns, reach, *pod, cmd[1]);
    } else if (cmd[0] == "nc") {
      std::vector<std::string> operands;
      for (size_t i = 1; i < cmd.size(); ++i) {
        if (cmd[i].empty() || cmd[i][0] != '-') operands.push_back(cmd[i]);
      }
      int port = 0;
      if (operands.size() != 2 || (port = std::atoi(operands[1].c_str())) <= 0) {
        throw UsageError("the twin runs `nc -zv HOST PORT`");
      }
      r = report::busybox_nc(model, dns, reach, *pod, operands[0], port);
    } else {
      throw UsageError("the twin's pods run `nslookup NAME` and `nc -zv HOST PORT` only");
    }
    inv.out << r.out;
    inv.err << r.err;
    if (r.exit_code != 0) inv.err << "command terminated with exit code " << r.exit_code << "\n";
    return r.exit_code;
  });
}

}  // namespace kubetwin::cli
