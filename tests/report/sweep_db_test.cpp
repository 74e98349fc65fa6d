// The sweep tables: point figures are the Student-t summary of the runs' rows, only once every run
// is in; a sweep started again on the same file finds its id and its runs; merge gives the rows
// of the local run whatever the order the shards are given in.
#include "kubetwin/report/sweep_db.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "kubetwin/report/results_db.hpp"
#include "kubetwin/sim/statistics.hpp"

namespace kubetwin::report {
namespace {

namespace fs = std::filesystem;

const std::string kScenario =
    std::string(KUBETWIN_SOURCE_DIR) + "/tests/golden/sweep-shards/scenario.yaml";

fs::path temp(const std::string& name) {
  const fs::path dir =
      fs::temp_directory_path() / ("kubetwin-sweepdb-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::remove(dir / name);
  return dir / name;
}

// Every row of the sweep tables, one string per row, in key order.
std::vector<std::string> rows(const fs::path& path) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  std::vector<std::string> out;
  for (const char* t : {"sweeps", "sweep_variables", "sweep_values", "sweep_runs",
                        "sweep_run_routes", "sweep_run_checks", "sweep_point_figures"}) {
    sqlite3_stmt* s = nullptr;
    sqlite3_prepare_v2(db, (std::string("SELECT * FROM ") + t).c_str(), -1, &s, nullptr);
    while (sqlite3_step(s) == SQLITE_ROW) {
      std::string row = t;
      for (int c = 0; c < sqlite3_column_count(s); ++c) {
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(s, c));
        row += std::string("|") + (text ? text : "NULL");
      }
      out.push_back(row);
    }
    sqlite3_finalize(s);
  }
  sqlite3_close(db);
  return out;
}

double query_number(const fs::path& path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr);
  double v = std::nan("");
  if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
    v = sqlite3_column_double(s, 0);
  sqlite3_finalize(s);
  sqlite3_close(db);
  return v;
}

void run_into(const scenario::SweepPlan& plan, const fs::path& path, const std::vector<int>& runs) {
  SweepDb db = SweepDb::open(path);
  const int64_t id = db.begin_sweep(plan, model_digest(plan.base()));
  scenario::run_sweep(plan, runs, 2, nullptr, [&](scenario::SweepRun&& r) { db.write_run(id, r); });
  db.write_points(id);
}

TEST(SweepDb, PointFiguresSummariseTheRunsOnceAllAreIn) {
  const scenario::SweepPlan plan = scenario::plan_sweep(kScenario, {}, 2);
  const fs::path path = temp("points.db");
  run_into(plan, path, {0, 1, 2});  // point 1 has one of its two runs
  EXPECT_EQ(query_number(path, "SELECT count(*) FROM sweep_point_figures"), 0);
  {
    SweepDb db = SweepDb::open(path);
    const int64_t id = db.begin_sweep(plan, model_digest(plan.base()));
    EXPECT_EQ(id, 1);  // found again by its content hash
    EXPECT_EQ(db.runs_done(id), (std::set<int>{0, 1, 2}));
    EXPECT_FALSE(db.write_points(id));
  }
  run_into(plan, path, {3, 4, 5, 6, 7});
  const double a = query_number(path,
                                "SELECT p99_ms FROM sweep_run_routes WHERE run = 2 AND "
                                "request = 'POST /orders'");
  const double b = query_number(path,
                                "SELECT p99_ms FROM sweep_run_routes WHERE run = 3 AND "
                                "request = 'POST /orders'");
  const sim::ConfidenceInterval ci = sim::student_t_interval({a, b});
  EXPECT_DOUBLE_EQ(query_number(path,
                                "SELECT mean FROM sweep_point_figures WHERE point = 1 AND "
                                "route = 'POST /orders' AND figure = 'p99_ms'"),
                   ci.mean);
  EXPECT_DOUBLE_EQ(query_number(path,
                                "SELECT ci95_half_width FROM sweep_point_figures WHERE "
                                "point = 1 AND route = 'POST /orders' AND figure = 'p99_ms'"),
                   ci.half_width);
  // Values are stored as numbers: the README's query orders them numerically.
  EXPECT_EQ(query_number(path, "SELECT typeof(value) = 'integer' FROM sweep_values LIMIT 1"), 1);
  const SweepSummary s = SweepDb::open(path).summary(1);
  EXPECT_EQ(s.route, "POST /orders");
  ASSERT_EQ(s.rows.size(), 4u);
  EXPECT_DOUBLE_EQ(s.rows[1].p99_ms, ci.mean);
  EXPECT_EQ(s.rows[1].values, (std::vector<std::string>{"20", "3"}));
}

TEST(SweepDb, MergeInAnyOrderGivesTheLocalRows) {
  const scenario::SweepPlan plan = scenario::plan_sweep(kScenario, {}, 2);
  const fs::path local = temp("local.db");
  run_into(plan, local, {0, 1, 2, 3, 4, 5, 6, 7});
  const fs::path a = temp("a.db"), b = temp("b.db"), out = temp("out.db");
  run_into(plan, a, {1, 3, 5, 7});
  run_into(plan, b, {0, 2, 4, 6});
  const SweepSummary s = merge_sweep_shards(out, {b, a});
  EXPECT_EQ(s.runs_done, 8);
  EXPECT_EQ(rows(out), rows(local));
  EXPECT_FALSE(rows(local).empty());
  // A refused merge leaves nothing behind.
  const fs::path refused = temp("refused.db");
  EXPECT_THROW(merge_sweep_shards(refused, {a}), k8s::InputError);
  EXPECT_FALSE(fs::exists(refused));
}

}  // namespace
}  // namespace kubetwin::report
