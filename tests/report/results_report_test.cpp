// The second half of issue 9's report: audit findings and capacity searches in the results
// database (schema 2, a version 1 file migrated), two runs compared, the capacity curve, and the
// disk chart's projection to full.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "kubetwin/k8s/diagnostic.hpp"
#include "kubetwin/report/results_db.hpp"
#include "kubetwin/report/results_views.hpp"
#include "kubetwin/report/run_report.hpp"
#include "kubetwin/scenario/scenario_file.hpp"
#include "results_test_support.hpp"

namespace kubetwin::report {
namespace {

StoredRun stored_fixture_run(const fs::path& path) {
  ResultsDb::open(path, ResultsDb::Mode::kCreate)
      .write_run(*fixture().prepared, fixture().result, kContext);
  return ResultsDb::open(path, ResultsDb::Mode::kReadOnly).load_run(1);
}

void exec(const fs::path& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK)
      << (error ? error : "");
  sqlite3_free(error);
  sqlite3_close(db);
}

std::string open_error(const fs::path& path, ResultsDb::Mode mode) {
  try {
    ResultsDb::open(path, mode);
  } catch (const k8s::InputError& e) {
    return e.diagnostic().format();
  }
  return "";
}

// ---- Audit findings ----

TEST(AuditFindings, ARunKeepsWhatCheckSaysOfItsModel) {
  const fs::path path = temp_dir() / "r.db";
  const StoredRun run = stored_fixture_run(path);
  const std::vector<topology::Finding> direct = run_findings(*fixture().prepared);
  ASSERT_FALSE(direct.empty());
  ASSERT_EQ(run.findings.size(), direct.size());
  for (size_t i = 0; i < direct.size(); ++i) {
    EXPECT_EQ(run.findings[i].id, direct[i].id);
    EXPECT_EQ(run.findings[i].severity, direct[i].severity);
    EXPECT_EQ(run.findings[i].subject.str(), direct[i].subject.str());
    EXPECT_EQ(run.findings[i].where.str(), direct[i].where.str());
    EXPECT_EQ(run.findings[i].message, direct[i].message);
    EXPECT_EQ(run.findings[i].hint, direct[i].hint);
  }
  // prod's single PostgreSQL is what `kubetwin check` warns of (KT401, single-replica).
  EXPECT_EQ(count(path,
                  "SELECT count(*) FROM audit_findings WHERE run_id = 1 AND id = 'KT401' AND "
                  "name = 'postgres' AND severity = 'warning' AND environment = 'prod'"),
            1);
  const std::string html = render_html_report(run);
  EXPECT_NE(html.find("<section id=\"findings\">"), std::string::npos);
  EXPECT_NE(html.find("KT401 single-replica"), std::string::npos);
  EXPECT_NE(html.find("StatefulSet amazon-api-prod/postgres"), std::string::npos);
  EXPECT_LT(html.find("<section id=\"findings\">"), html.find("<section id=\"charts\">"));
}

// ---- Schema versions ----

TEST(ResultsSchema, AVersionOneFileIsMigratedAndItsRunsStillRead) {
  const fs::path path = temp_dir() / "v1.db";
  stored_fixture_run(path);
  // Make it what kubetwin wrote before version 2.
  exec(path,
       "DROP TABLE audit_findings; DROP TABLE capacity_probe_routes; DROP TABLE capacity_probes; "
       "DROP TABLE capacity_clock; DROP TABLE capacity_searches; UPDATE kubetwin_schema SET "
       "version = 1");
  ASSERT_EQ(count(path, "SELECT version FROM kubetwin_schema"), 1);
  const ResultsDb db = ResultsDb::open(path, ResultsDb::Mode::kReadOnly);
  EXPECT_EQ(count(path, "SELECT version FROM kubetwin_schema"), kResultsSchemaVersion);
  const StoredRun run = db.load_run(1);
  EXPECT_EQ(run.listing.scenario_name, "broker-blip");
  EXPECT_TRUE(run.findings.empty());
  EXPECT_TRUE(db.list_capacity_searches().empty());
  EXPECT_EQ(count(path, "SELECT count(*) FROM audit_findings"), 0);
  EXPECT_EQ(count(path, "SELECT count(*) FROM capacity_searches"), 0);
}

TEST(ResultsSchema, ANewerVersionIsRefusedWithAHint) {
  const fs::path path = temp_dir() / "v9.db";
  ResultsDb::open(path, ResultsDb::Mode::kCreate);
  exec(path, "UPDATE kubetwin_schema SET version = 9");
  for (auto mode : {ResultsDb::Mode::kReadOnly, ResultsDb::Mode::kCreate}) {
    const std::string m = open_error(path, mode);
    EXPECT_NE(m.find("v9.db: has results schema version 9; this kubetwin reads version 3"),
              std::string::npos)
        << m;
    EXPECT_NE(m.find("hint: "), std::string::npos) << m;
  }
}

// ---- Capacity searches ----

scenario::CapacityResult a_search() {
  scenario::CapacityResult c;
  c.scenario = "broker-blip";
  c.slo = scenario::parse_capacity_slo("p99<50ms,errors<1%");
  c.found = true;
  c.scale = 2;
  c.max_rate_per_s = 80;
  c.bottleneck = {"amazon-api-prod/orders-api CPU", "cpu", 0.97, "97% of the CPU limit"};
  c.summary = "prod carries 80 req/s";
  c.replications = 4;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  auto probe = [&](double scale, bool passed, double p99_orders, double errors) {
    scenario::CapacityProbe p{scale, 40 * scale, passed, "POST /orders p99", {}, passed ? 2 : 4};
    p.routes.push_back(
        {"kong-prod api.amazon-store.com", "GET /users/{id}", 5 * scale, 6 * scale, 0, 24 * scale});
    p.routes.push_back({"kong-prod api.amazon-store.com", "POST /orders", p99_orders, p99_orders,
                        errors, 16 * scale});
    return p;
  };
  c.probes = {probe(1, true, 20, 0), probe(4, false, 900, 0.05), probe(2, true, 45, 0),
              probe(3, false, nan, 0.5)};
  return c;
}

TEST(CapacitySearches, AreKeptWithTheirProbesAndReadBack) {
  const fs::path path = temp_dir() / "r.db";
  const scenario::CapacityResult c = a_search();
  {
    ResultsDb db = ResultsDb::open(path, ResultsDb::Mode::kCreate);
    EXPECT_EQ(db.write_capacity(fixture().prepared->spec, c, kContext, 1.25), 1);
    EXPECT_EQ(db.write_capacity(fixture().prepared->spec, c, kContext, 1.5), 2);
  }
  const ResultsDb db = ResultsDb::open(path, ResultsDb::Mode::kReadOnly);
  EXPECT_EQ(db.latest_capacity_search(), 2);
  EXPECT_TRUE(db.list_runs().empty());
  const StoredCapacitySearch back = db.load_capacity_search(1);
  EXPECT_EQ(back.scenario_name, "broker-blip");
  EXPECT_EQ(back.started_at, kContext.started_at);
  EXPECT_EQ(back.wall_seconds, 1.25);
  EXPECT_EQ(back.seed, 11u);
  EXPECT_EQ(back.command_line, kContext.command_line);
  EXPECT_EQ(back.model_digest, model_digest(fixture().prepared->spec));
  // What `kubetwin capacity` prints, printed again from the file.
  EXPECT_EQ(render_capacity_text(back.result), render_capacity_text(c));
  EXPECT_EQ(render_capacity_json(back.result), render_capacity_json(c));
  ASSERT_EQ(back.result.probes.size(), 4u);
  ASSERT_EQ(back.result.probes[1].routes.size(), 2u);
  EXPECT_EQ(back.result.probes[1].routes[1].request, "POST /orders");
  EXPECT_EQ(back.result.probes[1].routes[1].quantile_ms, 900);
  EXPECT_EQ(back.result.probes[1].routes[1].error_rate, 0.05);
  EXPECT_TRUE(std::isnan(back.result.probes[3].routes[1].p99_ms));
  EXPECT_EQ(db.list_capacity_searches().size(), 2u);
  try {
    db.load_capacity_search(3);
    ADD_FAILURE() << "no error for a missing search";
  } catch (const k8s::InputError& e) {
    EXPECT_NE(e.diagnostic().format().find("r.db: has no capacity search 3"), std::string::npos);
  }
}

// A version 2 file's probes have no replications column: migrated when writable (the column
// added, NULL in its probes), read as it is when not; either way its probes ran every
// replication of the search.
TEST(CapacitySearches, AVersionTwoFileIsMigratedAndItsProbesRanEveryReplication) {
  const fs::path path = temp_dir() / "v2.db";
  ResultsDb::open(path, ResultsDb::Mode::kCreate)
      .write_capacity(fixture().prepared->spec, a_search(), kContext, 1.25);
  exec(path,
       "ALTER TABLE capacity_probes DROP COLUMN replications; UPDATE kubetwin_schema SET "
       "version = 2");
  fs::permissions(path, fs::perms::owner_write, fs::perm_options::remove);
  const bool read_only_file = ::access(path.c_str(), W_OK) != 0;  // root writes regardless
  {
    const ResultsDb db = ResultsDb::open(path, ResultsDb::Mode::kReadOnly);
    const StoredCapacitySearch back = db.load_capacity_search(1);
    ASSERT_EQ(back.result.probes.size(), 4u);
    for (const auto& p : back.result.probes) EXPECT_EQ(p.replications, 4);
    if (read_only_file) {
      EXPECT_EQ(count(path, "SELECT version FROM kubetwin_schema"), 2);
    }
  }
  fs::permissions(path, fs::perms::owner_write, fs::perm_options::add);
  ResultsDb::open(path, ResultsDb::Mode::kReadOnly);
  EXPECT_EQ(count(path, "SELECT version FROM kubetwin_schema"), kResultsSchemaVersion);
  EXPECT_EQ(count(path, "SELECT count(*) FROM capacity_probes WHERE replications IS NULL"), 4);
  const StoredCapacitySearch back =
      ResultsDb::open(path, ResultsDb::Mode::kReadOnly).load_capacity_search(1);
  for (const auto& p : back.result.probes) EXPECT_EQ(p.replications, 4);
}

TEST(CapacitySearches, TheSameSearchGivesTheSameRowsButTheWallClock) {
  const fs::path dir = temp_dir();
  ResultsDb::open(dir / "a.db", ResultsDb::Mode::kCreate)
      .write_capacity(fixture().prepared->spec, a_search(),
                      {"kubetwin capacity x", "2025-01-31T12:00:00Z"}, 1.25);
  ResultsDb::open(dir / "b.db", ResultsDb::Mode::kCreate)
      .write_capacity(fixture().prepared->spec, a_search(),
                      {"kubetwin capacity x", "2025-02-01T08:30:00Z"}, 2.5);
  const std::string a = dump(dir / "a.db", {"capacity_clock"});
  EXPECT_EQ(a, dump(dir / "b.db", {"capacity_clock"}));
  EXPECT_NE(a.find("\n1|3|1|kong-prod api.amazon-store.com|POST /orders|NULL|NULL|0.5|"),
            std::string::npos)
      << a;
  EXPECT_NE(dump(dir / "a.db"), dump(dir / "b.db"));  // only capacity_clock differs
}

TEST(CapacitySearches, TheCurveHasADotPerProbeTheSloAndTheKnee) {
  StoredCapacitySearch s;
  s.id = 3;
  s.scenario_name = "broker-blip";
  s.result = a_search();
  const std::string html = render_capacity_html(s);
  EXPECT_EQ(unbalanced_tag(html), "");
  EXPECT_TRUE(self_contained(html));
  EXPECT_EQ(occurrences(html, "<figure class=\"chart\">"), 2u);
  // 4 probes x 2 routes on the error chart; the p99 chart misses the probe with no answer.
  EXPECT_EQ(occurrences(html, "<circle class=\"dot\""), 7u + 8u);
  EXPECT_NE(html.find(">knee 80.0/s</text>"), std::string::npos);
  EXPECT_NE(html.find(">first miss 120/s</text>"), std::string::npos);
  EXPECT_NE(html.find(">SLO p99 &lt; 50.0ms</text>"), std::string::npos);
  EXPECT_NE(html.find(">SLO errors &lt; 1.0%</text>"), std::string::npos);
  EXPECT_NE(html.find(">offered load (requests / s)</text>"), std::string::npos);
  // The curve runs in order of the offered rate, not in the order the search ran the probes:
  // POST /orders' error-rate path visits 40, 80, 120, 160 req/s left to right.
  const size_t path = html.find("<title>POST /orders</title>", html.find("Error rate against"));
  ASSERT_NE(path, std::string::npos);
  const size_t d = html.rfind(" d=\"M", path);
  std::vector<double> xs;
  for (size_t at = d + 4; at < path;) {
    char* end = nullptr;
    xs.push_back(std::strtod(html.c_str() + at + 1, &end));
    at = html.find_first_of("ML\"", static_cast<size_t>(end - html.c_str()));
    if (at == std::string::npos || html[at] == '"') break;
  }
  ASSERT_EQ(xs.size(), 4u);
  EXPECT_TRUE(std::is_sorted(xs.begin(), xs.end()));
  // Without a passing probe, no knee is claimed.
  s.result.found = false;
  s.result.scale = 0;
  for (auto& p : s.result.probes) p.passed = false;
  EXPECT_EQ(render_capacity_html(s).find(">knee "), std::string::npos);
}

// ---- Two runs compared ----

TEST(CompareRuns, ARunAgainstItselfHasNoDifference) {
  const StoredRun run = stored_fixture_run(temp_dir() / "r.db");
  const RunComparison c = compare_runs(run, run);
  EXPECT_EQ(c.differences, 0);
  EXPECT_TRUE(c.settings.empty());
  EXPECT_EQ(c.checks.size(), 3u);
  EXPECT_GT(c.figures.size(), 10u);
  for (const auto& f : c.figures) EXPECT_FALSE(f.moved) << f.subject << " " << f.figure;
  EXPECT_NE(render_comparison_text(c).find("\n0 differences.\n"), std::string::npos);
}

TEST(CompareRuns, CallsOutChangedChecksSettingsAndFiguresThatMoved) {
  const StoredRun a = stored_fixture_run(temp_dir() / "r.db");
  StoredRun b = a;
  b.listing.id = 2;
  b.listing.verdict = "PASS";
  for (auto& k : b.result.checks) k.passed = true;
  b.overrides.emplace_back("amazon-api-prod/orders-api.replicas", "5");
  ASSERT_GE(b.result.merged.workloads.size(), 1u);
  b.result.merged.workloads[0].cpu_cores_mean =
      a.result.merged.workloads[0].cpu_cores_mean * 1.5 + 0.1;
  b.result.merged.workloads[0].restarts = a.result.merged.workloads[0].restarts + 1;
  // Throughput within its interval: not moved, however large the relative change.
  auto& route = b.result.routes[0];
  route.throughput_per_s.mean = a.result.routes[0].throughput_per_s.mean * 1.2;
  route.merged.throughput_per_s = route.throughput_per_s.mean;
  route.throughput_per_s.half_width =
      std::fabs(route.throughput_per_s.mean - a.result.routes[0].throughput_per_s.mean) * 2;
  const RunComparison c = compare_runs(a, b);
  auto find = [&](const std::string& subject, const std::string& figure) {
    for (const auto& f : c.figures)
      if (f.subject == subject && f.figure == figure) return f;
    ADD_FAILURE() << "no figure " << subject << " " << figure;
    return FigureChange{};
  };
  const auto& w = a.result.merged.workloads[0];
  const std::string workload = "workload " + w.namespace_name + "/" + w.name;
  EXPECT_TRUE(find(workload, "CPU").moved);
  EXPECT_TRUE(find(workload, "restarts").moved);
  EXPECT_FALSE(find(workload, "queue").moved);
  const FigureChange t = find("route " + a.result.routes[0].merged.request, "throughput");
  EXPECT_FALSE(t.moved);
  EXPECT_GE(t.b_half_width, 0);
  ASSERT_EQ(c.settings.size(), 1u);
  EXPECT_EQ(c.settings[0].name, "override amazon-api-prod/orders-api.replicas");
  EXPECT_EQ(c.settings[0].a, "");
  EXPECT_EQ(c.settings[0].b, "5");
  int changed = 0;
  for (const auto& k : c.checks) changed += k.changed ? 1 : 0;
  EXPECT_EQ(changed, 1);  // broker-blip fails one check; B passes it
  // verdict + setting + one check + CPU + restarts
  EXPECT_EQ(c.differences, 5);
  const std::string text = render_comparison_text(c);
  EXPECT_NE(text.find("verdict FAIL -> PASS"), std::string::npos) << text;
  EXPECT_NE(text.find("setting override amazon-api-prod/orders-api.replicas: (unset) -> 5"),
            std::string::npos);
  const std::string json = render_comparison_json(c);
  EXPECT_NE(json.find("\"verdict_changed\": true"), std::string::npos);
  EXPECT_NE(json.find("\"differences\": 5"), std::string::npos);
  const std::string html = render_comparison_html(c, a, b);
  EXPECT_EQ(unbalanced_tag(html), "");
  EXPECT_TRUE(self_contained(html));
  EXPECT_EQ(occurrences(html, "<tr class=\"changed\">"), 3u);  // the check, CPU, restarts
  EXPECT_NE(html.find("<title>B p99</title>"), std::string::npos);
}

// ---- The disk chart ----

TEST(DiskProjection, ALeastSquaresLineCarriedToCapacity) {
  const std::vector<double> t = {10, 20, 30, 40, 50};
  // 100 bytes + 10 per second, with noise that cancels; the warm-up sample (t=10) is left out.
  const std::vector<double> bytes = {5000, 302, 398, 502, 598};
  const DiskProjection p = project_to_full(t, bytes, 15, 1100);
  ASSERT_TRUE(p.fitted);
  // Through (20,302) (30,398) (40,502) (50,598): slope 4960 / 500, through the means (35, 450).
  EXPECT_NEAR(p.slope_bytes_per_s, 9.92, 1e-9);
  EXPECT_NEAR(p.intercept_bytes, 450 - 9.92 * 35, 1e-9);
  EXPECT_NEAR(p.at(100), 1094.8, 1e-9);
  EXPECT_NEAR(p.full_at_s, (1100 - 102.8) / 9.92, 1e-9);
  EXPECT_LT(project_to_full(t, {5, 5, 5, 5, 5}, 0, 100).full_at_s, 0);  // not growing
  EXPECT_FALSE(project_to_full({1}, {1}, 0, 100).fitted);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_NEAR(project_to_full(t, {nan, 10, nan, 30, 40}, 0, 100).slope_bytes_per_s, 1, 1e-9);
}

TEST(DiskProjection, EachGrowingVolumeIsDrawnDashedWithItsTimeToFull) {
  const StoredRun run = stored_fixture_run(temp_dir() / "r.db");
  const std::string html = render_html_report(run);
  const size_t chart = html.find("<figcaption>Disk usage per volume");
  ASSERT_NE(chart, std::string::npos);
  const std::string disk = html.substr(chart, html.find("</figure>", chart) - chart);
  int growing = 0;
  for (const auto& v : run.result.merged.volumes) growing += v.growth_bytes_per_s > 0 ? 1 : 0;
  ASSERT_GT(growing, 0);
  EXPECT_EQ(occurrences(disk, "<path class=\"projection\""), static_cast<size_t>(growing));
  EXPECT_EQ(occurrences(disk, "stroke-dasharray=\"6 4\"><title>"), static_cast<size_t>(growing));
  EXPECT_EQ(occurrences(disk, "class=\"end-label\""), static_cast<size_t>(growing));
  EXPECT_NE(disk.find(">full in "), std::string::npos);
  EXPECT_NE(disk.find("projection to full</li>"), std::string::npos);
  // The x axis runs past the end of the run (60 s) to draw the projection.
  EXPECT_NE(disk.find(">1m30s</text>"), std::string::npos);
}

}  // namespace
}  // namespace kubetwin::report
