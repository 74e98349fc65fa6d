// `kubetwin capacity SCENARIO --slo TEXT`: the highest load a scenario's system carries within an
// SLO, and what saturates first, as text or JSON.
#include <ostream>
#include <string>

#include "cli_common.hpp"
#include "kubetwin/report/run_report.hpp"
#include "kubetwin/scenario/capacity.hpp"
#include "kubetwin/scenario/scenario_file.hpp"
#include "progress.hpp"
#include "run_flags.hpp"
#include "verb_functions.hpp"

namespace kubetwin::cli {

namespace {

constexpr const char* kCapacityUsage =
    "usage: kubetwin capacity SCENARIO --slo \"p99<300ms,errors<0.1%\" [--route \"POST /orders\"] "
    "[--output text|json] [--threads N] [--replications N] [--quiet]";

}  // namespace

// Exit 0 when some probe met the SLO (the answer is printed), 1 when none did (the system misses
// the SLO even at the lowest load tried), 2 on bad input.
int verb_capacity(const Invocation& inv) {
  try {
    ParsedArgs args = parse_args(inv.args, {{"slo", 0, true},
                                            {"route", 0, true},
                                            {"output", 'o', true},
                                            {"threads", 0, true},
                                            {"replications", 0, true},
                                            {"quiet", 'q', false},
                                            {"help", 'h', false}});
    if (args.has("help")) {
      inv.out << kCapacityUsage << "\n";
      return kExitOk;
    }
    report::RunFormat format = report::RunFormat::kText;
    if (auto o = args.value("output"); o && !report::parse_run_format(*o, format))
      throw UsageError("unknown output format \"" + *o + "\" (text or json)");
    if (args.positional.size() != 1)
      throw UsageError(args.positional.empty() ? "capacity needs a SCENARIO file"
                                               : "capacity takes one SCENARIO file");
    if (!args.value("slo"))
      throw UsageError("capacity needs --slo, e.g. --slo \"p99<300ms,errors<0.1%\"");
    scenario::CapacityOptions options;
    options.run.threads = threads_flag(args);
    if (args.has("replications"))
      options.run.replications = positive_flag(args, "replications", scenario::kMaxReplications);

    scenario::CapacitySlo slo = scenario::parse_capacity_slo(*args.value("slo"));
    if (auto route = args.value("route")) slo.route = *route;
    const scenario::ScenarioSpec spec = scenario::load_scenario_file(args.positional.front());
    // Progress on stderr (a terminal only): the search's probes are not known ahead, so no ETA.
    Progress progress(inv.err, progress_wanted(inv.err, args.has("quiet")), "capacity " + spec.name,
                      "replications", 0, 0, progress_delay());
    options.run.observer = &progress;
    const scenario::CapacityResult result = scenario::find_capacity(spec, slo, options);
    progress.finish();
    inv.out << (format == report::RunFormat::kJson ? report::render_capacity_json(result)
                                                   : report::render_capacity_text(result));
    bool any_passed = false;
    for (const scenario::CapacityProbe& p : result.probes) any_passed = any_passed || p.passed;
    return any_passed ? kExitOk : kExitCheckFailed;
  } catch (const UsageError& e) {
    inv.err << "error: " << e.what() << "\n  hint: " << kCapacityUsage << "\n";
    return kExitBadInput;
  }
}

}  // namespace kubetwin::cli
