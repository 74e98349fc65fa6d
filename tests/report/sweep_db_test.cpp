// The sweep tables: point figures are the Student-t summary of the runs' rows, only once every run
// is in; a sweep started again on the same file finds its id and its runs; merge gives the rows
// of the local run whatever the order the shards are given in; each run's first bottleneck is
// capacity's, each point's the one most of its runs name, and the surface names it at the knee;
// a version 1 file is upgraded in place, a newer one refused.
#include "kubetwin/report/sweep_db.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "kubetwin/k8s/diagnostic.hpp"
#include "kubetwin/report/results_db.hpp"
#include "kubetwin/scenario/capacity.hpp"
#include "kubetwin/sim/statistics.hpp"

namespace kubetwin::report {
namespace {

namespace fs = std::filesystem;

const std::string kSweepScenario =
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
  for (const char* t :
       {"sweeps", "sweep_variables", "sweep_values", "sweep_runs", "sweep_run_routes",
        "sweep_run_checks", "sweep_point_figures", "sweep_point_bottlenecks"}) {
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

std::string query_text(const fs::path& path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr);
  std::string v = "(none)";
  if (sqlite3_step(s) == SQLITE_ROW) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
    v = text ? text : "NULL";
  }
  sqlite3_finalize(s);
  sqlite3_close(db);
  return v;
}

void exec_sql(const fs::path& path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr);
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  const std::string message = error ? error : "";
  sqlite3_free(error);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << message;
}

void run_into(const scenario::SweepPlan& plan, const fs::path& path, const std::vector<int>& runs) {
  SweepDb db = SweepDb::open(path);
  const int64_t id = db.begin_sweep(plan, model_digest(plan.base()));
  scenario::run_sweep(plan, runs, 2, nullptr, [&](scenario::SweepRun&& r) { db.write_run(id, r); });
  db.write_points(id);
}

TEST(SweepDb, PointFiguresSummariseTheRunsOnceAllAreIn) {
  const scenario::SweepPlan plan = scenario::plan_sweep(kSweepScenario, {}, 2);
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
  const scenario::SweepPlan plan = scenario::plan_sweep(kSweepScenario, {}, 2);
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

TEST(SweepDb, EachRunKeepsTheBottleneckCapacityWouldName) {
  const scenario::SweepPlan plan = scenario::plan_sweep(kSweepScenario, {}, 1);
  const fs::path path = temp("bottleneck.db");
  SweepDb db = SweepDb::open(path);
  const int64_t id = db.begin_sweep(plan, model_digest(plan.base()));
  std::map<int, scenario::Bottleneck> named;
  scenario::run_sweep(plan, {0, 1, 2, 3}, 1, nullptr, [&](scenario::SweepRun&& r) {
    named[r.run] = scenario::find_bottleneck(r.result);
    db.write_run(id, r);
  });
  ASSERT_TRUE(db.write_points(id));
  for (const auto& [run, b] : named) {
    const std::string where = " FROM sweep_runs WHERE run = " + std::to_string(run);
    ASSERT_FALSE(b.resource.empty());
    EXPECT_EQ(query_text(path, "SELECT bottleneck_resource" + where), b.resource);
    EXPECT_EQ(query_text(path, "SELECT bottleneck_kind" + where), b.kind);
    EXPECT_EQ(query_text(path, "SELECT bottleneck_evidence" + where), b.evidence);
    EXPECT_DOUBLE_EQ(query_number(path, "SELECT bottleneck_saturation" + where), b.saturation);
    // One run a point: the point names its run's bottleneck.
    EXPECT_EQ(query_text(path, "SELECT resource FROM sweep_point_bottlenecks WHERE point = " +
                                   std::to_string(run)),
              b.resource);
  }
  EXPECT_EQ(db.summary(id).rows[2].bottleneck.resource, named[2].resource);
}

TEST(SweepDb, APointNamesWhatMostOfItsRunsName) {
  const scenario::SweepPlan plan = scenario::plan_sweep(kSweepScenario, {}, 3);
  const fs::path path = temp("majority.db");
  run_into(plan, path, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  // Point 0: two runs name B, one A (at a higher saturation): B. Point 1: a tie between A and C
  // at one run each, the third names none: the higher mean saturation, C. Point 2: a tie at
  // equal saturation: the name first in order, A.
  exec_sql(path,
           "UPDATE sweep_runs SET bottleneck_resource = 'A', bottleneck_kind = 'cpu', "
           "bottleneck_saturation = 0.9 WHERE run IN (0, 3, 6);"
           "UPDATE sweep_runs SET bottleneck_resource = 'B', bottleneck_kind = 'workers', "
           "bottleneck_saturation = 0.5 WHERE run IN (1, 2);"
           "UPDATE sweep_runs SET bottleneck_resource = 'C', bottleneck_kind = 'disk', "
           "bottleneck_saturation = 0.95 WHERE run = 4;"
           "UPDATE sweep_runs SET bottleneck_resource = NULL, bottleneck_kind = NULL, "
           "bottleneck_saturation = NULL WHERE run = 5;"
           "UPDATE sweep_runs SET bottleneck_resource = 'D', bottleneck_kind = 'cpu', "
           "bottleneck_saturation = 0.9 WHERE run = 7;");
  ASSERT_TRUE(SweepDb::open(path).write_points(1));
  auto row = [&](int point) {
    return query_text(path,
                      "SELECT resource || '|' || kind || '|' || runs || '|' || n || '|' || "
                      "round(saturation, 3) FROM sweep_point_bottlenecks WHERE point = " +
                          std::to_string(point));
  };
  EXPECT_EQ(row(0), "B|workers|2|3|0.5");
  EXPECT_EQ(row(1), "C|disk|1|3|0.95");
  EXPECT_EQ(row(2), "A|cpu|1|3|0.9");
  const SweepSummary s = SweepDb::open(path).summary(1);
  EXPECT_EQ(bottleneck_text(s.rows[0].bottleneck), "B 50% (2 of 3 runs)");
  EXPECT_EQ(bottleneck_text(PointBottleneck{}), "-");
}

TEST(SweepDb, TheSurfaceNamesTheBottleneckOfThePointBeforeTheKnee) {
  const scenario::SweepPlan plan = scenario::plan_sweep(kSweepScenario, {}, 1);
  const fs::path path = temp("surface.db");
  run_into(plan, path, {0, 1, 2, 3});
  // Points: (rate 20, 1 replica), (20, 3), (40, 1), (40, 3). The curve of 1 replica fails at 40.
  exec_sql(
      path,
      "UPDATE sweep_runs SET passed = 0 WHERE point = 2;"
      "UPDATE sweep_runs SET bottleneck_resource = 'ns/before CPU', bottleneck_saturation = 0.93 "
      "WHERE point = 0;"
      "UPDATE sweep_runs SET bottleneck_resource = 'ns/after connections' WHERE point = 2;");
  SweepDb db = SweepDb::open(path);
  ASSERT_TRUE(db.write_points(1));
  const SweepSurface s = db.surface(1);
  ASSERT_EQ(s.curves.size(), 2u);
  EXPECT_EQ(s.curves[0].knee, 1);
  EXPECT_EQ(s.curves[0].limit, 0);
  EXPECT_EQ(s.curves[1].knee, -1);
  EXPECT_EQ(s.curves[1].limit, 1);
  EXPECT_EQ(s.curves[0].points[1].bottleneck.resource, "ns/after connections");
  const std::string html = render_sweep_html(s);
  EXPECT_NE(html.find(">first bottleneck, at 20: ns/before CPU 93%</text>"), std::string::npos);
  EXPECT_NE(html.find(">most saturated at 40: "), std::string::npos);
  EXPECT_NE(html.find("<td class=\"bottleneck\">ns/after connections "), std::string::npos);
  EXPECT_NE(html.find("; first bottleneck: ns/before CPU 93%</title>"), std::string::npos);
  EXPECT_EQ(html, render_sweep_html(db.surface(1)));
}

TEST(SweepDb, AVersion1FileIsUpgradedInPlaceAndANewerOneRefused) {
  const scenario::SweepPlan plan = scenario::plan_sweep(kSweepScenario, {}, 1);
  const fs::path path = temp("v1.db");
  run_into(plan, path, {0, 1});
  // Back to version 1: no version row, no bottleneck columns, no point bottlenecks.
  exec_sql(path,
           "DELETE FROM kubetwin_schema WHERE name = 'kubetwin-sweeps';"
           "DROP TABLE sweep_point_bottlenecks;"
           "ALTER TABLE sweep_runs DROP COLUMN bottleneck_resource;"
           "ALTER TABLE sweep_runs DROP COLUMN bottleneck_kind;"
           "ALTER TABLE sweep_runs DROP COLUMN bottleneck_saturation;"
           "ALTER TABLE sweep_runs DROP COLUMN bottleneck_evidence;");
  const fs::path v1_shard = temp("v1-shard.db");
  fs::copy_file(path, v1_shard);
  run_into(plan, path, {2, 3});  // opens, upgrades, writes the rest
  EXPECT_EQ(
      query_number(path, "SELECT version FROM kubetwin_schema WHERE name = 'kubetwin-sweeps'"), 2);
  EXPECT_EQ(query_text(path, "SELECT bottleneck_resource FROM sweep_runs WHERE run = 0"), "NULL");
  EXPECT_NE(query_text(path, "SELECT bottleneck_resource FROM sweep_runs WHERE run = 3"), "NULL");
  EXPECT_EQ(query_number(path, "SELECT count(*) FROM sweep_point_bottlenecks"), 2);
  EXPECT_EQ(query_number(path,
                         "SELECT count(*) FROM sweep_point_figures WHERE figure = 'p99_ms' "
                         "AND route = 'POST /orders'"),
            4);
  // A shard of the older kubetwin is not merged with one of this version.
  const fs::path other = temp("v2-shard.db"), out = temp("mixed.db");
  run_into(plan, other, {2, 3});
  EXPECT_THROW(merge_sweep_shards(out, {other, v1_shard}), k8s::InputError);
  EXPECT_FALSE(fs::exists(out));
  // A newer version is refused, and left as it is.
  exec_sql(path, "UPDATE kubetwin_schema SET version = 3 WHERE name = 'kubetwin-sweeps'");
  try {
    SweepDb::open(path);
    ADD_FAILURE() << "a version 3 file was opened";
  } catch (const k8s::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("has sweep tables of version 3"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(
      query_number(path, "SELECT version FROM kubetwin_schema WHERE name = 'kubetwin-sweeps'"), 3);
}

}  // namespace
}  // namespace kubetwin::report
