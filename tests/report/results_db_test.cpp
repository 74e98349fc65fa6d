// The results database and the HTML report: a run read back renders the same JSON and text;
// runs accumulate; the same seed gives the same rows; a writer killed at any point leaves no
// partial run; bad files are input errors; the HTML report is self-contained and well formed.
#include "kubetwin/report/results_db.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "kubetwin/k8s/diagnostic.hpp"
#include "kubetwin/report/results_views.hpp"
#include "kubetwin/report/run_report.hpp"
#include "kubetwin/scenario/scenario_file.hpp"
#include "results_test_support.hpp"

namespace kubetwin::report {
namespace {

namespace fs = std::filesystem;

std::string text_of(const fs::path& path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* s = nullptr;
  std::string out;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) == SQLITE_OK &&
      sqlite3_step(s) == SQLITE_ROW)
    out = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
  sqlite3_finalize(s);
  sqlite3_close(db);
  return out;
}

TEST(ResultsDb, ARunReadBackRendersTheSameJsonAndText) {
  const ResultsFixture& f = fixture();
  const fs::path path = temp_dir() / "r.db";
  ResultsDb db = ResultsDb::open(path, ResultsDb::Mode::kCreate);
  const int64_t id = db.write_run(*f.prepared, f.result, kContext);
  EXPECT_EQ(id, 1);
  const StoredRun back = ResultsDb::open(path, ResultsDb::Mode::kReadOnly).load_run(id);
  RunReportOptions timing;
  timing.timing = true;
  EXPECT_EQ(render_run_json(back.result, timing), render_run_json(f.result, timing));
  EXPECT_EQ(render_run_text(back.result), render_run_text(f.result));
  EXPECT_EQ(render_run_junit({back.result}, timing), render_run_junit({f.result}, timing));
  // The time series, value for value (NaN where a window had nothing).
  ASSERT_EQ(back.result.runs.size(), f.result.runs.size());
  for (size_t i = 0; i < f.result.runs.size(); ++i) {
    const auto& a = f.result.runs[i];
    const auto& b = back.result.runs[i];
    EXPECT_EQ(b.series_times_s, a.series_times_s);
    ASSERT_EQ(b.series.size(), a.series.size());
    for (size_t s = 0; s < a.series.size(); ++s) {
      EXPECT_EQ(b.series[s].metric + b.series[s].subject + b.series[s].label,
                a.series[s].metric + a.series[s].subject + a.series[s].label);
      ASSERT_EQ(b.series[s].values.size(), a.series[s].values.size());
      for (size_t k = 0; k < a.series[s].values.size(); ++k) {
        const double x = a.series[s].values[k], y = b.series[s].values[k];
        EXPECT_TRUE((std::isnan(x) && std::isnan(y)) || x == y) << a.series[s].metric;
      }
    }
  }
  EXPECT_EQ(back.command_line, kContext.command_line);
  EXPECT_EQ(back.listing.started_at, kContext.started_at);
  EXPECT_EQ(back.listing.verdict, "FAIL");
  EXPECT_EQ(back.model_digest, model_digest(f.prepared->spec));
  EXPECT_EQ(back.model_digest.rfind("fnv1a64:", 0), 0u);
  // The README's question, answered with one query.
  EXPECT_GT(count(path,
                  "SELECT r.id FROM runs r JOIN routes s ON s.run_id = r.id WHERE s.request = "
                  "'POST /orders' ORDER BY s.p99_ms DESC LIMIT 1"),
            0);
  // What the series hold: CPU per workload, Kafka ISR per partition, a broker's volume.
  EXPECT_GT(count(path, "SELECT count(*) FROM series WHERE metric = 'cpu_cores'"), 0);
  EXPECT_GT(count(path, "SELECT count(*) FROM series WHERE metric = 'kafka_isr'"), 0);
  EXPECT_GT(count(path, "SELECT count(*) FROM series WHERE metric = 'volume_bytes'"), 0);
  // The broker kill shows in the ISR: some partition of replication 0 drops below 3.
  EXPECT_EQ(count(path,
                  "SELECT min(p.value) FROM series_points p JOIN series s USING (run_id, "
                  "replication, series) WHERE s.metric = 'kafka_isr' AND p.replication = 0"),
            2);
}

TEST(ResultsDb, RunsAccumulateInOneFile) {
  const ResultsFixture& f = fixture();
  const fs::path path = temp_dir() / "r.db";
  for (int i = 0; i < 2; ++i) {
    ResultsDb db = ResultsDb::open(path, ResultsDb::Mode::kCreate);
    EXPECT_EQ(db.write_run(*f.prepared, f.result, kContext), i + 1);
  }
  const ResultsDb db = ResultsDb::open(path, ResultsDb::Mode::kReadOnly);
  const std::vector<RunListing> runs = db.list_runs();
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].id, 1);
  EXPECT_EQ(runs[1].id, 2);
  EXPECT_EQ(runs[1].scenario_name, "broker-blip");
  EXPECT_EQ(runs[1].seed, 11u);
  EXPECT_EQ(runs[1].checks, 3);
  EXPECT_EQ(db.latest_run(), 2);
  EXPECT_EQ(count(path, "SELECT count(DISTINCT run_id) FROM series_points"), 2);
}

TEST(ResultsDb, TheSameSeedGivesTheSameRowsButTheWallClock) {
  const ResultsFixture& f = fixture();
  const fs::path dir = temp_dir();
  scenario::RunOptions options;
  options.threads = 2;  // another thread count: the same figures
  const scenario::ScenarioResult again = scenario::run_scenario(*f.prepared, options);
  ResultsDb::open(dir / "a.db", ResultsDb::Mode::kCreate)
      .write_run(*f.prepared, f.result, {"kubetwin run x", "2025-01-31T12:00:00Z"});
  ResultsDb::open(dir / "b.db", ResultsDb::Mode::kCreate)
      .write_run(*f.prepared, again, {"kubetwin run x", "2025-02-01T08:30:00Z"});
  const std::string a = dump(dir / "a.db", {"run_clock"});
  EXPECT_EQ(a, dump(dir / "b.db", {"run_clock"}));
  EXPECT_GT(a.size(), 10000u);
  EXPECT_NE(dump(dir / "a.db"), dump(dir / "b.db"));  // only run_clock differs
}

// write_run's hook, in a child process: SIGKILL at the n-th table.
int g_kill_at = -1;
void kill_at_table(const char*) {
  if (g_kill_at-- == 0) raise(SIGKILL);
}

// Forks a child that writes the fixture's run into `path`, killed at the hook's n-th call
// (n < 0: never) or after `after` of wall time; true when the child finished its write.
bool write_in_child(const fs::path& path, int kill_at, std::chrono::microseconds after) {
  const ResultsFixture& f = fixture();
  pid_t pid = fork();
  if (pid == 0) {
    ResultsDb db = ResultsDb::open(path, ResultsDb::Mode::kCreate);
    g_kill_at = kill_at;
    db.after_table_for_tests = kill_at >= 0 ? kill_at_table : nullptr;
    db.write_run(*f.prepared, f.result, kContext);
    _exit(0);
  }
  if (after.count() > 0) {
    std::this_thread::sleep_for(after);
    kill(pid, SIGKILL);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

TEST(ResultsDb, AWriterKilledAnywhereLeavesNoPartialRun) {
  const fs::path dir = temp_dir();
  const fs::path path = dir / "r.db";
  ASSERT_TRUE(write_in_child(path, -1, {}));  // one whole run first
  // The rows one run makes, table by table.
  const std::vector<std::string> tables = {
      "parameters",         "checks",         "routes",        "route_statuses", "replications",
      "replication_routes", "latency_bins",   "route_windows", "workloads",      "postgres",
      "kafka_topics",       "volumes",        "faults",        "series",         "series_points",
      "topology_nodes",     "topology_edges", "run_clock"};
  std::map<std::string, int64_t> per_run;
  for (const std::string& t : tables) {
    per_run[t] = count(path, "SELECT count(*) FROM " + t + " WHERE run_id = 1");
    EXPECT_GT(per_run[t], 0) << t;
  }
  int whole = 1;
  auto check = [&](const std::string& when) {
    // A reader opens the file (rolling back what the killed writer left in its journal).
    const ResultsDb db = ResultsDb::open(path, ResultsDb::Mode::kReadOnly);
    EXPECT_EQ(text_of(path, "PRAGMA integrity_check"), "ok") << when;
    EXPECT_EQ(static_cast<int>(db.list_runs().size()), whole) << when;
    EXPECT_EQ(count(path, "SELECT count(*) FROM runs"), whole) << when;
    for (const std::string& t : tables)
      EXPECT_EQ(count(path, "SELECT count(*) FROM " + t), whole * per_run[t]) << when << " " << t;
  };
  // Killed after each table in turn: never a partial run; past the last table, one more run.
  for (int k = 0;; ++k) {
    const bool finished = write_in_child(path, k, {});
    if (finished) ++whole;
    check("killed at table " + std::to_string(k));
    if (finished) break;
    ASSERT_LT(k, 100);
  }
  // Killed at random moments of the write (and some before or after it).
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(write_in_child(path, -1, {}));
  ++whole;
  const auto write_us =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  std::mt19937 rng(12345);
  for (int i = 0; i < 12; ++i) {
    std::chrono::microseconds after(
        1 + static_cast<int64_t>(rng() % static_cast<uint32_t>(std::max<int64_t>(2, write_us))));
    // A kill that lands after the commit (the child still closing) keeps the run: either way the
    // file holds whole runs only.
    write_in_child(path, -1, after);
    ResultsDb::open(path, ResultsDb::Mode::kReadOnly);  // rolls back a hot journal
    const int64_t runs = count(path, "SELECT count(*) FROM run_clock");
    EXPECT_TRUE(runs == whole || runs == whole + 1) << runs;
    whole = static_cast<int>(runs);
    check("killed after " + std::to_string(after.count()) + " us");
  }
}

TEST(ResultsDb, BadFilesAreInputErrorsNamingTheFile) {
  const fs::path dir = temp_dir();
  auto message = [](const fs::path& p, ResultsDb::Mode mode) {
    try {
      ResultsDb::open(p, mode);
    } catch (const k8s::InputError& e) {
      return e.diagnostic().format();
    }
    return std::string("no error");
  };
  EXPECT_NE(message(dir / "none.db", ResultsDb::Mode::kReadOnly).find("none.db: no such file"),
            std::string::npos);
  std::ofstream(dir / "text.db") << "this is not SQLite, but long enough to have a header page";
  EXPECT_NE(message(dir / "text.db", ResultsDb::Mode::kReadOnly).find("is not a SQLite database"),
            std::string::npos);
  EXPECT_NE(message(dir / "text.db", ResultsDb::Mode::kCreate).find("is not a SQLite database"),
            std::string::npos);
  sqlite3* other = nullptr;
  sqlite3_open((dir / "other.db").c_str(), &other);
  sqlite3_exec(other, "CREATE TABLE meta (key TEXT)", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  const std::string m = message(dir / "other.db", ResultsDb::Mode::kCreate);
  EXPECT_NE(m.find("not a kubetwin results database"), std::string::npos) << m;
  EXPECT_NE(m.find("hint: "), std::string::npos) << m;
  ResultsDb::open(dir / "r.db", ResultsDb::Mode::kCreate);
  try {
    ResultsDb::open(dir / "r.db", ResultsDb::Mode::kReadOnly).load_run(7);
    ADD_FAILURE() << "no error for a missing run";
  } catch (const k8s::InputError& e) {
    EXPECT_NE(e.diagnostic().format().find("r.db: has no run 7"), std::string::npos);
  }
}

// ---- The HTML report ----

TEST(HtmlReport, IsSelfContainedWellFormedAndVerdictsFirst) {
  const ResultsFixture& f = fixture();
  const fs::path path = temp_dir() / "r.db";
  ResultsDb::open(path, ResultsDb::Mode::kCreate).write_run(*f.prepared, f.result, kContext);
  const StoredRun run = ResultsDb::open(path, ResultsDb::Mode::kReadOnly).load_run(1);
  const std::string html = render_html_report(run);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(unbalanced_tag(html), "");
  // Self-contained: nothing fetched, nothing run.
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  // The verdict table comes before any picture, with each check's result.
  const size_t verdicts = html.find("<table class=\"verdicts\">");
  ASSERT_NE(verdicts, std::string::npos);
  EXPECT_LT(verdicts, html.find("<svg"));
  EXPECT_EQ(occurrences(html, "<span class=\"badge PASS\">PASS</span></td>"), 2u);
  EXPECT_EQ(occurrences(html, "<span class=\"badge FAIL\">FAIL</span></td>"), 1u);
  // One SVG per chart plus the topology; every chart has both axis labels and a legend.
  const size_t charts = occurrences(html, "<figure class=\"chart\">");
  EXPECT_GE(charts, 12u);
  EXPECT_EQ(occurrences(html, "<svg"), charts + 1);
  EXPECT_EQ(occurrences(html, "class=\"axis-label\""), 2 * charts);
  EXPECT_EQ(occurrences(html, "<ul class=\"legend\">"), charts);
  for (const char* title :
       {"Throughput", "Error rate", "Latency of POST /orders", "CPU per workload",
        "PostgreSQL server connections", "Kafka in-sync replicas", "Kafka consumer lag",
        "Disk usage per volume"})
    EXPECT_NE(html.find(std::string("<figcaption>") + title), std::string::npos) << title;
  // The fault is shaded on the charts, and the series are drawn.
  EXPECT_GE(occurrences(html, "<rect class=\"fault\""), charts);
  EXPECT_GE(occurrences(html, "<path class=\"series\""), 3 * charts);
  // The topology: namespaces as boxes, the workloads, a gateway, brokers, volumes.
  for (const char* node : {"namespace amazon-api-prod", "namespace kong-prod", ">orders-api<",
                           ">postgres<", ">kafka<", ">data-kafka-2<", "node gateway"})
    EXPECT_NE(html.find(node), std::string::npos) << node;
  EXPECT_GT(occurrences(html, "<path class=\"edge"), 10u);
}

TEST(HtmlReport, ACrossEnvironmentEdgeIsRed) {
  Topology t;
  t.nodes = {{"workload:dev/a", "workload", "app", "dev", "a", "dev"},
             {"workload:prod/db", "workload", "postgres", "prod", "db", "prod"}};
  t.edges = {{"workload:dev/a", "workload:prod/db", "flow", "postgres x 12", true, 12}};
  StoredRun run;
  run.topology = t;
  run.listing.verdict = "FAIL";
  const std::string html = render_html_report(run);
  EXPECT_NE(html.find("class=\"edge flow cross\""), std::string::npos);
  EXPECT_NE(html.find("postgres x 12"), std::string::npos);
  EXPECT_EQ(unbalanced_tag(html), "");
}

TEST(RunsView, TableAndJson) {
  std::vector<RunListing> runs = {
      {1, "2025-01-31T12:00:00Z", 0.25, "run-small", "s.yaml", 7, 2, "FAIL", 3, 2, 40},
      {12, "2025-01-31T12:01:00Z", 1.5, "prod-broker-loss", "b.yaml", 42, 5, "PASS", 3, 3, 600}};
  EXPECT_EQ(render_runs_table(runs),
            "ID    STARTED                SCENARIO           SEED   REPLICATIONS   DURATION   "
            "VERDICT   CHECKS   WALL\n"
            "1     2025-01-31T12:00:00Z   run-small          7      2              40s        "
            "FAIL      2/3      0.25s\n"
            "12    2025-01-31T12:01:00Z   prod-broker-loss   42     5              10m        "
            "PASS      3/3      1.50s\n");
  const std::string json = render_runs_json(runs);
  EXPECT_NE(json.find("{\"id\": 12, \"started_at\": \"2025-01-31T12:01:00Z\", \"scenario_name\": "
                      "\"prod-broker-loss\""),
            std::string::npos)
      << json;
  EXPECT_EQ(render_runs_json({}), "{\n  \"runs\": [],\n  \"capacity_searches\": []\n}\n");
}

}  // namespace
}  // namespace kubetwin::report
