// `kubetwin report [DB] [--run ID] (--html FILE | -o text|json)`: a stored run, rendered again.
#include <cstdio>
#include <fstream>
#include <ostream>

#include "cli_common.hpp"
#include "kubetwin/report/results_db.hpp"
#include "kubetwin/report/results_views.hpp"
#include "kubetwin/report/run_report.hpp"
#include "verb_functions.hpp"

namespace kubetwin::cli {

namespace {

constexpr const char* kReportUsage =
    "usage: kubetwin report [DB] [--run ID] (--html FILE | --output text|json)";

int64_t run_id_flag(const std::string& v) {
  size_t used = 0;
  long long id = 0;
  try {
    id = std::stoll(v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (v.empty() || used != v.size() || id < 1)
    throw UsageError(
        "--run must be a run id (a whole number from 1; `kubetwin runs` lists them), "
        "got \"" +
        v + "\"");
  return id;
}

}  // namespace

// Exit 0 when written; 2 on bad input (no such run, not a results database, unwritable file).
int verb_report(const Invocation& inv) {
  if (wants_sweep_report(inv.args)) return verb_report_sweep(inv);  // in verb_sweep.cpp
  try {
    ParsedArgs args = parse_args(
        inv.args,
        {{"run", 0, true}, {"html", 0, true}, {"output", 'o', true}, {"help", 'h', false}});
    if (args.has("help")) {
      inv.out << kReportUsage << "\n";
      return kExitOk;
    }
    if (args.positional.size() > 1) throw UsageError("report takes at most one DB file");
    report::RunFormat format = report::RunFormat::kText;
    if (auto o = args.value("output"); o && !report::parse_run_format(*o, format))
      throw UsageError("unknown output format \"" + *o + "\" (text or json)");
    if (args.has("html") && args.has("output"))
      throw UsageError("--html and --output exclude each other");
    std::optional<std::string> path;
    if (!args.positional.empty()) path = args.positional.front();
    const report::ResultsDb db = report::ResultsDb::open(report::resolve_results_path(path),
                                                         report::ResultsDb::Mode::kReadOnly);
    int64_t id = 0;
    if (auto r = args.value("run")) {
      id = run_id_flag(*r);
    } else if (auto latest = db.latest_run()) {
      id = *latest;
    } else {
      inv.err << "error: " << db.path().string() << ": holds no runs\n  hint: `kubetwin run "
              << "SCENARIO --db " << db.path().string() << "` writes one\n";
      return kExitBadInput;
    }
    const report::StoredRun run = db.load_run(id);
    if (auto html = args.value("html")) {
      // Written whole or not at all: a temporary file renamed into place.
      const std::string tmp = *html + ".tmp";
      std::ofstream f(tmp);
      f << report::render_html_report(run);
      f.close();
      if (!f || std::rename(tmp.c_str(), html->c_str()) != 0) {
        std::remove(tmp.c_str());
        inv.err << "error: " << *html << ": cannot write the report\n  hint: check that its "
                << "directory exists and is writable\n";
        return kExitBadInput;
      }
      return kExitOk;
    }
    inv.out << report::render_run(run.result, format);
    return kExitOk;
  } catch (const UsageError& e) {
    inv.err << "error: " << e.what() << "\n  hint: " << kReportUsage << "\n";
    return kExitBadInput;
  }
}

}  // namespace kubetwin::cli
