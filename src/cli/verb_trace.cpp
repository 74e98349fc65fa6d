// `kubetwin trace SCENARIO --request N`: runs the scenario's first replication and narrates one
// request, hop by hop, in plain sentences with times (the teaching view of request traces).
#include <cctype>
#include <optional>
#include <ostream>
#include <string>

#include "cli_common.hpp"
#include "kubetwin/report/request_traces.hpp"
#include "kubetwin/runtime/trace.hpp"
#include "kubetwin/scenario/runner.hpp"
#include "kubetwin/scenario/scenario_file.hpp"
#include "verb_functions.hpp"

namespace kubetwin::cli {

namespace {

constexpr const char* kTraceUsage =
    "usage: kubetwin trace SCENARIO --request N [--route \"METHOD /path\"] [--seed S]";

// A whole number in [min, 10^15], or UsageError naming the flag.
uint64_t number_flag(const ParsedArgs& args, const std::string& name, uint64_t min) {
  const std::string v = args.value(name).value_or("");
  bool digits = !v.empty() && v.size() <= 15;
  for (char c : v) digits = digits && std::isdigit(static_cast<unsigned char>(c));
  const uint64_t n = digits ? std::stoull(v) : 0;
  if (!digits || n < min)
    throw UsageError("--" + name + " must be a whole number from " + std::to_string(min) +
                     " to 999999999999999, got \"" + v + "\"");
  return n;
}

}  // namespace

int verb_trace(const Invocation& inv) {
  ParsedArgs args;
  try {
    args = parse_args(
        inv.args,
        {{"request", 0, true}, {"route", 0, true}, {"seed", 0, true}, {"help", 'h', false}});
    if (args.has("help")) {
      inv.out << kTraceUsage << "\n";
      return kExitOk;
    }
    if (args.positional.size() != 1) throw UsageError("trace needs exactly one SCENARIO file");
    if (!args.has("request")) throw UsageError("trace needs --request N (which request to tell)");
    runtime::TraceOptions options;
    options.only_request = number_flag(args, "request", 1);
    options.only_route = args.value("route").value_or("");
    scenario::ScenarioSpec spec = scenario::load_scenario_file(args.positional[0]);
    if (args.has("seed")) spec.seed = number_flag(args, "seed", 0);
    auto prepared = scenario::prepare_scenario(spec);
    runtime::RequestTracer tracer(options);
    scenario::run_replication(*prepared, 0, 1.0, std::nullopt, nullptr, &tracer);
    const runtime::RequestTraces traces = tracer.finish(spec.duration);
    if (traces.traces.empty()) {
      const uint64_t sent =
          options.only_route.empty() ? traces.requests_sent : traces.route_requests;
      const std::string of = options.only_route.empty() ? "" : " " + options.only_route;
      inv.err << "error: " << args.positional[0] << ": no request" << of << " number "
              << options.only_request << ": the run (seed " << spec.seed << ") sent " << sent << of
              << " request" << (sent == 1 ? "" : "s") << "\n  hint: "
              << (sent == 0 ? std::string("name a route the scenario's loads send, as written "
                                          "in their mix (\"POST /orders\")")
                            : "pick --request from 1 to " + std::to_string(sent))
              << "\n";
      return kExitBadInput;
    }
    inv.out << report::narrate_request(traces, traces.traces.front());
    return kExitOk;
  } catch (const UsageError& e) {
    inv.err << "error: " << e.what() << "\n  hint: " << kTraceUsage << "\n";
    return kExitBadInput;
  }
}

}  // namespace kubetwin::cli
