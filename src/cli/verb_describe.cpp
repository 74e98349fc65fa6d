// `kubetwin describe KIND NAME [-n NS]`: kubectl describe for pods and services.
#include <ostream>

#include "cli_common.hpp"
#include "kubetwin/report/kubectl_describe.hpp"
#include "kubetwin/scenario/live.hpp"
#include "verb_functions.hpp"

namespace kubetwin::cli {

int verb_describe(const Invocation& inv) {
  return guarded(inv, [&] {
    ParsedArgs args = parse_args(inv.args, {{"namespace", 'n', true}});
    std::vector<std::string> pos = args.positional;
    if (pos.size() == 1 && pos[0].find('/') != std::string::npos) {
      size_t slash = pos[0].find('/');
      pos = {pos[0].substr(0, slash), pos[0].substr(slash + 1)};
    }
    if (pos.size() != 2) throw UsageError("describe needs KIND NAME (or KIND/NAME)");
    // Objects from the running twin once advanced; its events always (as `get events`).
    Twin twin = load_twin(state_path(args), LiveMode::kAlways);
    const bool advanced = scenario::has_live_twin(twin.state);
    report::TwinView view{twin.state, twin.model, advanced ? twin.live.get() : nullptr};
    view.events = twin.live.get();
    report::CommandOutput r =
        report::render_describe(view, pos[0], pos[1], args.value("namespace").value_or("default"));
    inv.out << r.out;
    inv.err << r.err;
    return r.exit_code;
  });
}

}  // namespace kubetwin::cli
