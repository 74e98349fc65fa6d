// `kubetwin dns NAME -n NS [--pod POD]`: the resolver's walk, each query and CoreDNS's answer.
#include <ostream>

#include "cli_common.hpp"
#include "kubetwin/report/kubectl_exec.hpp"
#include "verb_functions.hpp"

namespace kubetwin::cli {

int verb_dns(const Invocation& inv) {
  return guarded(inv, [&] {
    ParsedArgs args = parse_args(inv.args, {{"namespace", 'n', true}, {"pod", 0, true}});
    if (args.positional.size() != 1) throw UsageError("dns needs exactly one NAME");
    std::string ns = args.value("namespace").value_or("default");
    Twin twin = load_twin(state_path(args));
    std::string pod = args.value("pod").value_or("");
    if (!pod.empty()) {
      auto p = twin.model.find_pod(ns, pod);
      if (!p) {
        inv.err << "Error from server (NotFound): pods \"" << pod << "\" not found\n";
        return static_cast<int>(kExitCheckFailed);
      }
    }
    topology::Dns dns(twin.model);
    report::CommandOutput r = report::dns_walk(dns, args.positional[0], ns, pod);
    inv.out << r.out;
    inv.err << r.err;
    return r.exit_code;
  });
}

}  // namespace kubetwin::cli
