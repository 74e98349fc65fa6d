// `kubetwin run SCENARIO...`: runs scenario files and prints one report each (text or JSON), with
// an optional JUnit XML file for CI.
#include <fstream>
#include <ostream>
#include <string>
#include <vector>

#include "cli_common.hpp"
#include "kubetwin/report/run_report.hpp"
#include "kubetwin/scenario/runner.hpp"
#include "kubetwin/scenario/scenario_file.hpp"
#include "run_flags.hpp"
#include "verb_functions.hpp"

namespace kubetwin::cli {

namespace {

constexpr const char* kRunUsage =
    "usage: kubetwin run SCENARIO... [--output text|json] [--junit FILE] [--replications N] "
    "[--threads N] [--timing]";

}  // namespace

int verb_run(const Invocation& inv) {
  ParsedArgs args;
  try {
    args = parse_args(inv.args, {{"output", 'o', true},
                                 {"junit", 0, true},
                                 {"replications", 0, true},
                                 {"threads", 0, true},
                                 {"timing", 0, false},
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
    report::RunReportOptions report_options;
    report_options.timing = args.has("timing");

    // Every file is read and validated before anything runs: a typo in the third scenario must
    // not cost the first two runs.
    std::vector<scenario::ScenarioSpec> specs;
    for (const std::string& path : args.positional)
      specs.push_back(scenario::load_scenario_file(path));

    std::vector<scenario::ScenarioResult> results;
    bool passed = true;
    for (size_t i = 0; i < specs.size(); ++i) {
      scenario::ScenarioResult result = scenario::run_scenario(specs[i], options);
      if (format == report::RunFormat::kText && i > 0) inv.out << "\n";
      inv.out << report::render_run(result, format, report_options);
      inv.out.flush();
      passed = passed && result.passed;
      results.push_back(std::move(result));
    }
    if (auto junit = args.value("junit")) {
      std::ofstream f(*junit);
      f << report::render_run_junit(results, report_options);
      f.close();
      if (!f) {
        inv.err << "error: cannot write the JUnit file " << *junit << "\n";
        return kExitBadInput;
      }
    }
    return passed ? kExitOk : kExitCheckFailed;
  } catch (const UsageError& e) {
    inv.err << "error: " << e.what() << "\n  hint: " << kRunUsage << "\n";
    return kExitBadInput;
  }
}

}  // namespace kubetwin::cli
