// `kubetwin capacity SCENARIO --slo TEXT`: the highest load a scenario's system carries within an
// SLO, and what saturates first, as text or JSON; the search and its probes kept in the results
// database (--db, --no-db), as `kubetwin run` keeps runs.
#include <chrono>
#include <optional>
#include <ostream>
#include <string>

#include "cli_common.hpp"
#include "kubetwin/report/results_db.hpp"
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
    "[--output text|json] [--threads N] [--replications N] [--full-probes] [--db FILE | --no-db] "
    "[--quiet]";

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
                                            {"full-probes", 0, false},
                                            {"db", 0, true},
                                            {"no-db", 0, false},
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

    options.full_probes = args.has("full-probes");
    if (args.has("db") && args.has("no-db"))
      throw UsageError("--db and --no-db exclude each other");

    scenario::CapacitySlo slo = scenario::parse_capacity_slo(*args.value("slo"));
    if (auto route = args.value("route")) slo.route = *route;
    const scenario::ScenarioSpec spec = scenario::load_scenario_file(args.positional.front());
    // Opened (and made) before the search: a path that cannot hold it must not cost the probes.
    std::optional<report::ResultsDb> db;
    if (!args.has("no-db"))
      db = report::ResultsDb::open(report::resolve_results_path(args.value("db")),
                                   report::ResultsDb::Mode::kCreate);
    const std::string started_at = utc_now();
    const auto started = std::chrono::steady_clock::now();
    // Progress on stderr (a terminal only): the search's probes are not known ahead, so no ETA.
    Progress progress(inv.err, progress_wanted(inv.err, args.has("quiet")), "capacity " + spec.name,
                      "replications", 0, 0, progress_delay());
    options.run.observer = &progress;
    const scenario::CapacityResult result = scenario::find_capacity(spec, slo, options);
    progress.finish();
    const std::chrono::duration<double> wall = std::chrono::steady_clock::now() - started;
    bool db_failed = false;
    if (db) {
      try {
        db->write_capacity(spec, result,
                           report::RunContext{command_line("capacity", inv), started_at},
                           wall.count());
      } catch (const std::exception& e) {
        inv.err << "error: " << db->path().string() << ": cannot write the search: " << e.what()
                << "\n  hint: the answer follows; --no-db searches without the database\n";
        db_failed = true;
      }
    }
    inv.out << (format == report::RunFormat::kJson ? report::render_capacity_json(result)
                                                   : report::render_capacity_text(result));
    if (db_failed) return kExitInternal;
    bool any_passed = false;
    for (const scenario::CapacityProbe& p : result.probes) any_passed = any_passed || p.passed;
    return any_passed ? kExitOk : kExitCheckFailed;
  } catch (const UsageError& e) {
    inv.err << "error: " << e.what() << "\n  hint: " << kCapacityUsage << "\n";
    return kExitBadInput;
  }
}

}  // namespace kubetwin::cli
