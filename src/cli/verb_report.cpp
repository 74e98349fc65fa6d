// `kubetwin report [DB] [--run ID | --compare A B | --capacity ID] (--html FILE | -o text|json)`:
// a stored run rendered again, two runs compared, or a capacity search drawn.
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
    "usage: kubetwin report [DB] [--run ID | --compare RUN_A RUN_B | --capacity ID] "
    "(--html FILE | --output text|json)";

int64_t id_flag(const char* flag, const std::string& v, const char* lister) {
  size_t used = 0;
  long long id = 0;
  try {
    id = std::stoll(v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (v.empty() || used != v.size() || id < 1)
    throw UsageError(std::string(flag) + " must be " + lister + " id (a whole number from 1; " +
                     "`kubetwin runs` lists them), got \"" + v + "\"");
  return id;
}

// Written whole or not at all: a temporary file renamed into place. False when it cannot be.
bool write_file(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  std::ofstream f(tmp);
  f << text;
  f.close();
  if (!f || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return false;
  }
  return true;
}

}  // namespace

// Exit 0 when written; 2 on bad input (no such run or search, not a results database,
// unwritable file).
int verb_report(const Invocation& inv) {
  if (wants_sweep_report(inv.args)) return verb_report_sweep(inv);  // in verb_sweep.cpp
  try {
    // --compare takes two values: taken out before the flags are parsed.
    std::vector<std::string> rest;
    std::vector<std::string> compare;
    bool comparing = false;
    for (size_t i = 0; i < inv.args.size(); ++i) {
      if (inv.args[i] != "--compare") {
        rest.push_back(inv.args[i]);
        continue;
      }
      if (comparing) throw UsageError("--compare is given twice");
      comparing = true;
      for (int k = 0; k < 2 && i + 1 < inv.args.size(); ++k) compare.push_back(inv.args[++i]);
      if (compare.size() != 2)
        throw UsageError("--compare needs two run ids: --compare RUN_A RUN_B");
    }
    ParsedArgs args = parse_args(rest, {{"run", 0, true},
                                        {"capacity", 0, true},
                                        {"html", 0, true},
                                        {"output", 'o', true},
                                        {"help", 'h', false}});
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
    if (static_cast<int>(args.has("run")) + static_cast<int>(comparing) +
            static_cast<int>(args.has("capacity")) >
        1)
      throw UsageError("--run, --compare and --capacity exclude each other");
    std::optional<std::string> path;
    if (!args.positional.empty()) path = args.positional.front();
    const report::ResultsDb db = report::ResultsDb::open(report::resolve_results_path(path),
                                                         report::ResultsDb::Mode::kReadOnly);
    std::string html;
    if (comparing) {
      const int64_t a = id_flag("--compare", compare[0], "a run");
      const int64_t b = id_flag("--compare", compare[1], "a run");
      const report::StoredRun run_a = db.load_run(a);
      const report::StoredRun run_b = db.load_run(b);
      const report::RunComparison c = report::compare_runs(run_a, run_b);
      if (!args.has("html")) {
        inv.out << (format == report::RunFormat::kJson ? report::render_comparison_json(c)
                                                       : report::render_comparison_text(c));
        return kExitOk;
      }
      html = report::render_comparison_html(c, run_a, run_b);
    } else if (auto cap = args.value("capacity")) {
      const report::StoredCapacitySearch search =
          db.load_capacity_search(id_flag("--capacity", *cap, "a capacity search"));
      if (!args.has("html")) {
        inv.out << (format == report::RunFormat::kJson
                        ? report::render_capacity_json(search.result)
                        : report::render_capacity_text(search.result));
        return kExitOk;
      }
      html = report::render_capacity_html(search);
    } else {
      int64_t id = 0;
      if (auto r = args.value("run")) {
        id = id_flag("--run", *r, "a run");
      } else if (auto latest = db.latest_run()) {
        id = *latest;
      } else {
        inv.err << "error: " << db.path().string() << ": holds no runs\n  hint: `kubetwin run "
                << "SCENARIO --db " << db.path().string() << "` writes one\n";
        return kExitBadInput;
      }
      const report::StoredRun run = db.load_run(id);
      if (!args.has("html")) {
        inv.out << report::render_run(run.result, format);
        return kExitOk;
      }
      html = report::render_html_report(run);
    }
    const std::string file = *args.value("html");
    if (!write_file(file, html)) {
      inv.err << "error: " << file << ": cannot write the report\n  hint: check that its "
              << "directory exists and is writable\n";
      return kExitBadInput;
    }
    return kExitOk;
  } catch (const UsageError& e) {
    inv.err << "error: " << e.what() << "\n  hint: " << kReportUsage << "\n";
    return kExitBadInput;
  }
}

}  // namespace kubetwin::cli
