// `kubetwin runs [DB] [-o table|json]`: the runs a results database holds, oldest first.
#include <ostream>

#include "cli_common.hpp"
#include "kubetwin/report/results_db.hpp"
#include "kubetwin/report/results_views.hpp"
#include "verb_functions.hpp"

namespace kubetwin::cli {

namespace {
constexpr const char* kRunsUsage = "usage: kubetwin runs [DB] [-o table|json]";
}  // namespace

int verb_runs(const Invocation& inv) {
  try {
    ParsedArgs args = parse_args(inv.args, {{"output", 'o', true}, {"help", 'h', false}});
    if (args.has("help")) {
      inv.out << kRunsUsage << "\n";
      return kExitOk;
    }
    const std::string format = args.value("output").value_or("table");
    if (format != "table" && format != "json")
      throw UsageError("unknown output format \"" + format + "\" (table or json)");
    if (args.positional.size() > 1) throw UsageError("runs takes at most one DB file");
    std::optional<std::string> path;
    if (!args.positional.empty()) path = args.positional.front();
    const report::ResultsDb db = report::ResultsDb::open(report::resolve_results_path(path),
                                                         report::ResultsDb::Mode::kReadOnly);
    const std::vector<report::RunListing> runs = db.list_runs();
    if (format == "json") {
      inv.out << report::render_runs_json(runs);
    } else if (runs.empty()) {
      inv.err << "No runs in " << db.path().string() << ".\n";
    } else {
      inv.out << report::render_runs_table(runs);
    }
    return kExitOk;
  } catch (const UsageError& e) {
    inv.err << "error: " << e.what() << "\n  hint: " << kRunsUsage << "\n";
    return kExitBadInput;
  }
}

}  // namespace kubetwin::cli
