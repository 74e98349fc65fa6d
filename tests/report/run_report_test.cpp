// Run report rendering of a hand-built ScenarioResult: number formats, the verdict table's
// alignment, JSON escaping, shape and determinism, JUnit XML and the capacity report.
#include "kubetwin/report/run_report.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "kubetwin/sim/time.hpp"

namespace kubetwin::report {
namespace {

using scenario::CheckVerdict;
using scenario::RouteSummary;
using scenario::ScenarioResult;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// The lines from the one starting with `header` to the next blank line.
std::vector<std::string> block(const std::string& text, const std::string& header) {
  std::vector<std::string> out;
  bool in = false;
  for (const std::string& l : lines_of(text)) {
    if (!in && l.rfind(header, 0) == 0) in = true;
    if (in && l.empty()) break;
    if (in) out.push_back(l);
  }
  return out;
}

// Display columns of the first `bytes` bytes of UTF-8 text.
size_t columns(const std::string& line, size_t bytes) {
  size_t n = 0;
  for (size_t i = 0; i < bytes && i < line.size(); ++i) {
    if ((static_cast<unsigned char>(line[i]) & 0xC0) != 0x80) ++n;
  }
  return n;
}

ScenarioResult sample() {
  ScenarioResult r;
  r.name = "shop \"steady\"";
  r.description = "Two routes, one failing check.";
  r.path = "scenarios/shop.yaml";
  r.environments = {"prod"};
  r.seed = 42;
  r.replications = 2;
  r.duration_s = 600;
  r.warmup_s = 60;
  r.offered_rate_per_s = 300;
  r.wall_seconds = 1.25;
  r.events = 12'345'678;
  r.fingerprint = 0x0123456789abcdefULL;

  CheckVerdict ok;
  ok.check = "slo GET /users/{id} p99 < 100ms";
  ok.passed = true;
  ok.measured = "p99 12.0ms, errors 0%";
  ok.where = {std::make_shared<const std::string>("scenarios/shop.yaml"), 30, 7};
  CheckVerdict bad;
  bad.check = "slo POST /orders p99 < 300ms, errors < 0.1%";
  bad.passed = false;
  bad.measured = "p99 412.5ms, errors 1.20% <&>";
  bad.where = {std::make_shared<const std::string>("scenarios/shop.yaml"), 31, 7};
  r.checks = {ok, bad};
  r.passed = false;

  RouteSummary orders;
  orders.merged.entry = "kong-prod api.amazon-store.com";
  orders.merged.request = "POST /orders";
  orders.merged.sent = 1000;
  orders.merged.completed = 1000;
  orders.merged.status_counts = {{201, 988}, {503, 12}};
  orders.merged.error_reasons = {{"postgres: too many clients", 12}};
  for (int i = 1; i <= 1000; ++i) orders.merged.latency.record(sim::millis(i % 400 + 1));
  orders.merged.throughput_per_s = 75.04;
  orders.merged.error_rate = 0.012;
  orders.p99_ms = {397.2, 3.14};
  orders.throughput_per_s = {75.04, 0.4};
  RouteSummary users = orders;
  users.merged.request = "GET /users/{id}";
  users.merged.status_counts = {{200, 1000}};
  users.merged.error_reasons.clear();
  users.merged.error_rate = 0;
  users.p99_ms = {12.0, std::numeric_limits<double>::infinity()};
  r.routes = {orders, users};
  r.merged.routes = {orders.merged, users.merged};

  runtime::WorkloadFigures w;
  w.namespace_name = "amazon-api-prod";
  w.name = "orders-api";
  w.kind = "Deployment";
  w.pods = 3;
  w.cpu_limit_milli = 500;
  w.cpu_cores_mean = 1.234;
  w.cpu_utilisation_of_limit = 0.8226;
  w.throttled_period_fraction = 0.05;
  w.worker_utilisation = 0.4;
  w.queue_mean = 0.25;
  w.queue_max = 7;
  w.requests = 54321;
  r.merged.workloads = {w};
  runtime::VolumeFigures v;
  v.namespace_name = "amazon-api-prod";
  v.claim = "data-postgres-0";
  v.pod = "postgres-0";
  v.capacity_bytes = int64_t{20} << 30;
  v.used_bytes = int64_t{3} << 30;
  v.growth_bytes_per_s = 4096;
  v.seconds_until_full = 17.0 * 86400 + 1800;
  r.merged.volumes = {v};
  r.notes = {"faults are parsed but not simulated yet"};
  runtime::RunFigures run;
  run.seed = 42;
  run.simulated_seconds = 600;
  run.measured_seconds = 540;
  run.events = 6'000'000;
  run.fingerprint = 7;
  run.routes = r.merged.routes;
  r.runs = {run, run};
  r.runs[1].seed = 43;
  return r;
}

TEST(RunReportNumbers, RatesCountsBytesLatencyPercentSpans) {
  EXPECT_EQ(format_rate(0), "0/s");
  EXPECT_EQ(format_rate(0.5), "0.50/s");
  EXPECT_EQ(format_rate(12.34), "12.3/s");
  EXPECT_EQ(format_rate(300), "300/s");
  EXPECT_EQ(format_rate(1180), "1.2k/s");
  EXPECT_EQ(format_rate(999.7), "1.0k/s");  // the unit follows the rounding
  EXPECT_EQ(format_rate(3.4e6), "3.4M/s");
  EXPECT_EQ(format_count(12), "12");
  EXPECT_EQ(format_count(999), "999");
  EXPECT_EQ(format_count(12345), "12.3k");
  EXPECT_EQ(format_count(456000), "456k");
  EXPECT_EQ(format_count(12'345'678), "12.3M");
  EXPECT_EQ(format_bytes(512), "512 B");
  EXPECT_EQ(format_bytes(1536), "1.5 KiB");
  EXPECT_EQ(format_bytes(3.4 * 1073741824.0), "3.4 GiB");
  EXPECT_EQ(format_bytes(20.0 * 1073741824.0), "20 GiB");
  EXPECT_EQ(format_latency_ms(0.42), "0.42ms");
  EXPECT_EQ(format_latency_ms(4.211), "4.21ms");
  EXPECT_EQ(format_latency_ms(212.44), "212.4ms");
  EXPECT_EQ(format_latency_ms(1520), "1.52s");
  EXPECT_EQ(format_percent(0), "0%");
  EXPECT_EQ(format_percent(0.00012), "0.012%");
  EXPECT_EQ(format_percent(0.0025), "0.25%");
  EXPECT_EQ(format_percent(0.123), "12.3%");
  EXPECT_EQ(format_percent(1), "100%");
  EXPECT_EQ(format_span(0.3), "<1s");
  EXPECT_EQ(format_span(42), "42s");
  EXPECT_EQ(format_span(250), "4m 10s");
  EXPECT_EQ(format_span(5 * 3600 + 3 * 60 + 59), "5h 3m");
  EXPECT_EQ(format_span(12 * 86400 + 4 * 3600 + 1800), "12d 4h");
}

TEST(RunReportText, VerdictTableComesFirstAndIsAligned) {
  const std::string text = render_run_text(sample());
  const auto table = block(text, "  RESULT");
  ASSERT_EQ(table.size(), 4u) << text;  // header, two checks, verdict
  EXPECT_EQ(table[1].rfind("  PASS    slo GET /users/{id} p99 < 100ms", 0), 0u) << table[1];
  EXPECT_EQ(table[2].rfind("  FAIL    slo POST /orders p99 < 300ms, errors < 0.1%", 0), 0u);
  // The MEASURED column starts at the same offset on every row.
  const size_t col = table[0].find("MEASURED");
  EXPECT_EQ(table[1].find("p99 12.0ms"), col);
  EXPECT_EQ(table[2].find("p99 412.5ms"), col);
  EXPECT_EQ(table[3], "  verdict: FAIL, 1 of 2 checks failed");
  // Nothing but the title, description and load line before the verdicts.
  EXPECT_LT(text.find("RESULT"), text.find("Routes via"));
}

TEST(RunReportText, RoutesWorkloadsVolumesAndFooter) {
  const std::string text = render_run_text(sample());
  const auto routes = block(text, "Routes via kong-prod api.amazon-store.com");
  ASSERT_GE(routes.size(), 4u) << text;
  // Right-aligned numeric columns end at the same display column on every row ("±" is one
  // column, two bytes).
  const size_t p99_end = columns(routes[1], routes[1].find("P99") + 3);
  const std::string orders_p99 = "±3.14ms";
  EXPECT_EQ(columns(routes[2], routes[2].find(orders_p99) + orders_p99.size()), p99_end)
      << routes[1] << "\n"
      << routes[2];
  EXPECT_NE(routes[2].find("75.0/s ±0.40"), std::string::npos) << routes[2];
  EXPECT_NE(routes[2].find("    1.2%  "), std::string::npos);
  EXPECT_NE(text.find("  POST /orders errors: 503 x12; postgres: too many clients x12"),
            std::string::npos)
      << text;
  // One replication's interval is unknown: no "±" after the p99 of GET /users/{id}.
  EXPECT_EQ(routes[3].find("ms ±"), std::string::npos) << routes[3];
  EXPECT_NE(text.find("amazon-api-prod/orders-api"), std::string::npos);
  EXPECT_NE(text.find("82.3%"), std::string::npos);
  EXPECT_NE(text.find("3 GiB / 20 GiB"), std::string::npos);
  EXPECT_NE(text.find("17d 0h"), std::string::npos) << text;
  EXPECT_NE(text.find("  - faults are parsed but not simulated yet"), std::string::npos);
  EXPECT_NE(text.find("seed 42 (seeds 42..43), 2 replications x 10m0s simulated (1m0s warm-up), "
                      "12.3M events, fingerprint 0x0123456789abcdef"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("wall 1.25s, 9.9M events/s, 960 simulated s per wall s"), std::string::npos)
      << text;
}

TEST(RunReportJson, EscapesAndShape) {
  const std::string json = render_run_json(sample());
  EXPECT_EQ(
      json.rfind(
          "{\n  \"format_version\": 1,\n  \"scenario\": {\n    \"name\": \"shop \\\"steady\\\"\",",
          0),
      0u)
      << json;
  EXPECT_NE(json.find("\"passed\": false"), std::string::npos);
  EXPECT_NE(
      json.find(
          "{\"check\": \"slo POST /orders p99 < 300ms, errors < 0.1%\", \"passed\": false, "
          "\"measured\": \"p99 412.5ms, errors 1.20% <&>\", \"file\": \"scenarios/shop.yaml\", "
          "\"line\": 31, \"column\": 7}"),
      std::string::npos)
      << json;
  EXPECT_NE(json.find("\"status_counts\": {\"201\": 988, \"503\": 12}"), std::string::npos);
  EXPECT_NE(json.find("\"error_reasons\": {\"postgres: too many clients\": 12}"),
            std::string::npos);
  EXPECT_NE(json.find("\"p99_ms_ci95\": {\"mean\": 397.2, \"half_width\": 3.14}"),
            std::string::npos);
  // An infinite interval is null, not "inf".
  EXPECT_NE(json.find("\"p99_ms_ci95\": {\"mean\": 12, \"half_width\": null}"), std::string::npos);
  EXPECT_EQ(json.find("inf"), std::string::npos);
  EXPECT_NE(json.find("\"fingerprint\": \"0x0123456789abcdef\""), std::string::npos);
  EXPECT_NE(json.find("\"cpu_utilisation_of_limit\": 0.8226"), std::string::npos);
  // No wall clock unless asked.
  EXPECT_EQ(json.find("wall"), std::string::npos);
  RunReportOptions timing;
  timing.timing = true;
  const std::string timed = render_run_json(sample(), timing);
  EXPECT_NE(
      timed.find("\"timing\": {\"wall_seconds\": 1.25, \"events_per_wall_second\": 9876542.4, "
                 "\"simulated_seconds_per_wall_second\": 960}"),
      std::string::npos)
      << timed;
  // Balanced and newline-terminated.
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    char c = json[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    if (c == '{' || c == '[') ++depth;
    if (c == '}' || c == ']') --depth;
    ASSERT_GE(depth, 0);
  }
  EXPECT_EQ(depth, 0);
  EXPECT_EQ(json.back(), '\n');
  EXPECT_EQ(render_run_json(sample()), json);  // pure
}

TEST(RunReportJson, ControlCharactersAreEscaped) {
  ScenarioResult r = sample();
  r.notes = {"tab\there\nnewline \x01"};
  const std::string json = render_run_json(r);
  EXPECT_NE(json.find("\"tab\\there\\nnewline \\u0001\""), std::string::npos) << json;
}

TEST(RunReportJunit, OneTestcasePerCheckWithFailures) {
  const std::string xml = render_run_junit({sample()});
  EXPECT_NE(xml.find("<testsuites name=\"kubetwin run\" tests=\"2\" failures=\"1\" errors=\"0\">"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("<testsuite name=\"shop &quot;steady&quot;\" tests=\"2\" failures=\"1\""),
            std::string::npos);
  EXPECT_NE(xml.find("<failure message=\"p99 412.5ms, errors 1.20% &lt;&amp;&gt;\" type=\"check\">"
                     "scenarios/shop.yaml:31:7: p99 412.5ms, errors 1.20% &lt;&amp;&gt;</failure>"),
            std::string::npos)
      << xml;
  EXPECT_EQ(xml.find("time="), std::string::npos);
  RunReportOptions timing;
  timing.timing = true;
  EXPECT_NE(render_run_junit({sample()}, timing).find("time=\"1.250\""), std::string::npos);
  EXPECT_EQ(xml_escape("a\x01<b>"), "a&lt;b&gt;");
}

TEST(RunReportCapacity, SummaryFirstThenProbes) {
  scenario::CapacityResult c;
  c.scenario = "prod-steady";
  c.slo.text = "p99<300ms,errors<0.1%";
  c.slo.below = sim::millis(300);
  c.slo.error_rate_below = 0.001;
  c.found = true;
  c.scale = 3.5;
  c.max_rate_per_s = 1050;
  c.bottleneck = {"amazon-api-prod/orders-api CPU (limit 500m)", "cpu", 0.98,
                  "98% of the CPU limit"};
  c.replications = 4;
  c.probes = {{1, 300, true, "POST /orders p99 40.0ms, errors 0%", {}, 2},
              {2, 600, true, "POST /orders p99 80.0ms, errors 0%", {}, 4},
              {4, 1200, false, "POST /orders p99 912.0ms, errors 2.00%", {}, 2}};
  c.summary = "prod carries 1.0k req/s at p99<300ms,errors<0.1%";
  const std::string text = render_capacity_text(c);
  EXPECT_EQ(text.rfind(c.summary + "\n", 0), 0u);
  const auto probes = block(text, "  PROBE");
  ASSERT_EQ(probes.size(), 4u) << text;
  EXPECT_EQ(probes[0], "  PROBE  SCALE  OFFERED  SLO   REPLICATIONS  WORST ROUTE");
  EXPECT_EQ(probes[1],
            "      1     x1    300/s  pass        2 of 4  POST /orders p99 40.0ms, errors 0%");
  EXPECT_EQ(probes[3],
            "      3     x4   1.2k/s  FAIL        2 of 4  POST /orders p99 912.0ms, errors 2.00%");
  EXPECT_NE(text.find("  answer: 1.1k/s offered at x3.5 of the scenario's load\n"),
            std::string::npos)
      << text;
  const std::string json = render_capacity_json(c);
  EXPECT_NE(
      json.find("\"slo\": {\"text\": \"p99<300ms,errors<0.1%\", \"quantile\": \"p99\", "
                "\"below_ms\": 300, \"error_rate_below\": 0.001, \"error_rate_bound\": 0.001, "
                "\"route\": \"\"}"),
      std::string::npos)
      << json;
  EXPECT_NE(json.find("{\"scale\": 4, \"offered_rate_per_s\": 1200, \"passed\": false, "),
            std::string::npos);
  EXPECT_NE(json.find("\"measured\": \"POST /orders p99 80.0ms, errors 0%\", \"replications\": 4}"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("\"scenario\": \"prod-steady\",\n  \"replications\": 4,\n"),
            std::string::npos);
  EXPECT_NE(json.find("\"max_rate_per_s\": 1050"), std::string::npos);
}

}  // namespace
}  // namespace kubetwin::report
