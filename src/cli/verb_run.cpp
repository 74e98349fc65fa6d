// `kubetwin run SCENARIO...`: runs scenario files and prints one report each (text or JSON), with
// an optional JUnit XML file for CI, and keeps each run in the results database (--db, --no-db).
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "cli_common.hpp"
#include "kubetwin/report/request_traces.hpp"
#include "kubetwin/report/results_db.hpp"
#include "kubetwin/report/run_report.hpp"
#include "kubetwin/runtime/trace.hpp"
#include "kubetwin/scenario/runner.hpp"
#include "kubetwin/scenario/scenario_file.hpp"
#include "kubetwin/sim/time.hpp"
#include "progress.hpp"
#include "run_flags.hpp"
#include "verb_functions.hpp"

namespace kubetwin::cli {

namespace {

constexpr const char* kRunUsage =
    "usage: kubetwin run SCENARIO... [--output text|json] [--junit FILE] [--replications N] "
    "[--threads N] [--timing] [--max-wall DURATION] [--chaos FILE]... [--db FILE | --no-db] "
    "[--quiet] [--trace FILE [--trace-sample N]]";

}  // namespace

int verb_run(const Invocation& inv) {
  ParsedArgs args;
  try {
    args = parse_args(inv.args, {{"output", 'o', true},
                                 {"junit", 0, true},
                                 {"replications", 0, true},
                                 {"threads", 0, true},
                                 {"timing", 0, false},
                                 {"max-wall", 0, true},
                                 {"chaos", 0, true},
                                 {"db", 0, true},
                                 {"no-db", 0, false},
                                 {"quiet", 'q', false},
                                 {"trace", 0, true},
                                 {"trace-sample", 0, true},
                                 {"help", 'h', false}});
    if (args.has("help")) {
      inv.out << kRunUsage << "\n";
      return kExitOk;
    }
    report::RunFormat format = report::RunFormat::kText;
    if (auto o = args.value("output"); o && !report::parse_run_format(*o, format))
      throw UsageError("unknown output format \"" + *o + "\" (text or json)");
    if (args.positional.empty()) throw UsageError("run needs at least one SCENARIO file");
    scenario::RunOptions options;
    options.threads = threads_flag(args);
    if (args.has("replications"))
      options.replications = positive_flag(args, "replications", scenario::kMaxReplications);
    if (auto w = args.value("max-wall")) {
      std::optional<sim::Time> d = sim::parse_duration(*w);
      if (!d || *d <= 0)
        throw UsageError("--max-wall must be a positive duration such as 30s or 5m, got \"" + *w +
                         "\"");
      options.max_wall = std::chrono::nanoseconds(*d);
    }
    report::RunReportOptions report_options;
    report_options.timing = args.has("timing");
    if (args.has("db") && args.has("no-db"))
      throw UsageError("--db and --no-db exclude each other");
    // --trace FILE: the first replication's sampled requests as Chrome trace events.
    std::optional<std::string> trace_path = args.value("trace");
    runtime::TraceOptions trace_options;
    if (args.has("trace-sample")) {
      if (!trace_path) throw UsageError("--trace-sample needs --trace FILE");
      trace_options.sample_every =
          static_cast<uint64_t>(positive_flag(args, "trace-sample", 1'000'000'000));
    }
    if (trace_path && args.positional.size() != 1)
      throw UsageError("--trace writes one scenario's requests: give one SCENARIO");

    // Every file is read and validated before anything runs: a typo in the third scenario must
    // not cost the first two runs.
    std::vector<scenario::ScenarioSpec> specs;
    for (const std::string& path : args.positional)
      specs.push_back(scenario::load_scenario_file(path));
    // --chaos FILE...: Chaos Mesh experiments added to every scenario's faults, at 0.
    if (auto chaos = args.values.find("chaos"); chaos != args.values.end())
      for (scenario::ScenarioSpec& spec : specs)
        for (const std::string& file : chaos->second)
          spec.faults.push_back(scenario::chaos_mesh_fault(file));
    // Models and fault timelines too: a selector matching no pod in the third scenario must not
    // cost the first two runs either.
    std::vector<std::shared_ptr<const scenario::PreparedScenario>> prepared;
    for (const scenario::ScenarioSpec& spec : specs)
      prepared.push_back(scenario::prepare_scenario(spec));
    // The results database is opened (and made) before anything runs: a path that cannot hold
    // it must not cost a run.
    std::optional<report::ResultsDb> db;
    if (!args.has("no-db"))
      db = report::ResultsDb::open(report::resolve_results_path(args.value("db")),
                                   report::ResultsDb::Mode::kCreate);

    // Progress on stderr (a terminal only): replications and simulated time of every scenario.
    int total_replications = 0;
    sim::Time total_simulated = 0;
    for (const auto& p : prepared) {
      const int n = options.replications.value_or(p->spec.replications);
      total_replications += n;
      total_simulated += p->spec.duration * n;
    }
    Progress progress(inv.err, progress_wanted(inv.err, args.has("quiet")),
                      specs.size() == 1 ? "run " + specs.front().name : "run", "replications",
                      total_replications, total_simulated, progress_delay());
    options.observer = &progress;
    // The trace file must be writable before anything runs.
    std::optional<runtime::RequestTracer> tracer;
    if (trace_path) {
      const std::string tmp = *trace_path + ".tmp";
      std::ofstream probe(tmp);
      if (!probe) {
        inv.err << "error: " << *trace_path
                << ": cannot write the trace file there\n  hint: --trace FILE needs a path in "
                   "an existing, writable directory\n";
        return kExitBadInput;
      }
      probe.close();
      std::remove(tmp.c_str());
      tracer.emplace(trace_options);
      options.tracer = &*tracer;
    }

    std::vector<scenario::ScenarioResult> results;
    bool passed = true;
    bool incomplete = false;
    bool db_failed = false;
    const auto started = std::chrono::steady_clock::now();
    for (size_t i = 0; i < specs.size(); ++i) {
      // --max-wall bounds the whole command: later scenarios get what is left of it.
      scenario::RunOptions these = options;
      if (options.max_wall)
        these.max_wall = *options.max_wall - (std::chrono::steady_clock::now() - started);
      const std::string started_at = utc_now();
      scenario::ScenarioResult result = scenario::run_scenario(*prepared[i], these);
      progress.finish();
      incomplete = incomplete || result.incomplete;
      std::optional<runtime::RequestTraces> traces;
      if (tracer) {
        traces = tracer->finish(prepared[i]->spec.duration);
        // Written whole or not at all: a temporary renamed into place.
        const std::string tmp = *trace_path + ".tmp";
        std::ofstream f(tmp);
        f << report::render_chrome_trace(*traces, result.name);
        f.close();
        if (!f || std::rename(tmp.c_str(), trace_path->c_str()) != 0) {
          std::remove(tmp.c_str());
          inv.err << "error: " << *trace_path << ": cannot write the trace file\n  hint: check "
                  << "the disk's free space and the directory's permissions\n";
          return kExitInternal;
        }
        inv.err << "traces: " << traces->traces.size() << " requests (1 in " << traces->sample_every
                << " of the " << traces->requests_sent << " replication 0 sent) in " << *trace_path
                << "\n";
      }
      if (db) {
        try {
          report::RunContext context{command_line("run", inv), started_at};
          if (traces) context.traces = &*traces;
          db->write_run(*prepared[i], result, context);
        } catch (const std::exception& e) {
          inv.err << "error: " << db->path().string() << ": cannot write the run: " << e.what()
                  << "\n  hint: the run's report follows; --no-db runs without the database\n";
          db_failed = true;
        }
      }
      if (format == report::RunFormat::kText && i > 0) inv.out << "\n";
      inv.out << report::render_run(result, format, report_options);
      inv.out.flush();
      passed = passed && result.passed;
      results.push_back(std::move(result));
    }
    if (auto junit = args.value("junit")) {
      // Written whole or not at all: a temporary file renamed into place.
      const std::string tmp = *junit + ".tmp";
      std::ofstream f(tmp);
      f << report::render_run_junit(results, report_options);
      f.close();
      if (!f || std::rename(tmp.c_str(), junit->c_str()) != 0) {
        std::remove(tmp.c_str());
        inv.err << "error: cannot write the JUnit file " << *junit << "\n";
        return kExitBadInput;
      }
    }
    if (incomplete) {
      inv.err << "error: stopped by --max-wall before the end; the report above is incomplete\n";
      return kExitInternal;
    }
    if (db_failed) return kExitInternal;
    return passed ? kExitOk : kExitCheckFailed;
  } catch (const UsageError& e) {
    inv.err << "error: " << e.what() << "\n  hint: " << kRunUsage << "\n";
    return kExitBadInput;
  }
}

}  // namespace kubetwin::cli
