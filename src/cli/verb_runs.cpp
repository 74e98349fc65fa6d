// `kubetwin runs [DB] [-o table|json]`: the runs (and capacity searches) a results database
// holds, oldest first.
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
    const std::vector<report::StoredCapacitySearch> searches = db.list_capacity_searches();
    if (format == "json") {
      inv.out << report::render_runs_json(runs, searches);
    } else if (runs.empty() && searches.empty()) {
      inv.err << "No runs in " << db.path().string() << ".\n";
    } else {
      if (!runs.empty()) inv.out << report::render_runs_table(runs);
      if (!searches.empty())
        inv.out << (runs.empty() ? "" : "\n") << "Capacity searches (`kubetwin report --capacity "
                << "ID`):\n"
                << report::render_capacity_searches_table(searches);
    }
    return kExitOk;
  } catch (const UsageError& e) {
    inv.err << "error: " << e.what() << "\n  hint: " << kRunsUsage << "\n";
    return kExitBadInput;
  }
}

}  // namespace kubetwin::cli
