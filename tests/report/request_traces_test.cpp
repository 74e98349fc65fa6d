// Request traces: the Chrome trace-event file is well formed (every event has the fields its
// phase needs, one track per pod, spans of a request nested in time), the same seed gives the
// same bytes, tracing adds no event, the narrated POST /orders names every hop in order, and the
// results database keeps the spans.
#include "kubetwin/report/request_traces.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "kubetwin/report/results_db.hpp"
#include "kubetwin/scenario/runner.hpp"
#include "kubetwin/scenario/scenario_file.hpp"

namespace kubetwin::report {
namespace {

using nlohmann::json;

const std::string kTraceScenario =
    std::string(KUBETWIN_SOURCE_DIR) + "/tests/golden/trace-order/scenario.yaml";

struct Traced {
  runtime::RunFigures figures;
  runtime::RequestTraces traces;
};

Traced run_traced(const scenario::PreparedScenario& prepared, runtime::TraceOptions options) {
  runtime::RequestTracer tracer(options);
  Traced t;
  t.figures = scenario::run_replication(prepared, 0, 1.0, std::nullopt, nullptr, &tracer);
  t.traces = tracer.finish(prepared.spec.duration);
  return t;
}

const scenario::PreparedScenario& prepared() {
  static const auto p = scenario::prepare_scenario(scenario::load_scenario_file(kTraceScenario));
  return *p;
}

// Every 7th request of the 20 s run (about 110 traces, both routes).
const Traced& sampled() {
  static const Traced t = [] {
    runtime::TraceOptions o;
    o.sample_every = 7;
    return run_traced(prepared(), o);
  }();
  return t;
}

TEST(RequestTraces, ChromeTraceEventsHaveTheFieldsTheirPhaseNeeds) {
  const json doc = json::parse(render_chrome_trace(sampled().traces, "trace-order"));
  ASSERT_TRUE(doc.is_object());
  ASSERT_TRUE(doc.at("traceEvents").is_array());
  EXPECT_EQ(doc.at("displayTimeUnit"), "ms");
  size_t complete = 0;
  for (const json& e : doc.at("traceEvents")) {
    ASSERT_TRUE(e.is_object());
    ASSERT_TRUE(e.at("ph").is_string());
    ASSERT_TRUE(e.at("name").is_string());
    ASSERT_TRUE(e.at("pid").is_number_integer());
    ASSERT_TRUE(e.at("tid").is_number_integer());
    const std::string ph = e.at("ph");
    if (ph == "M") {
      const std::string name = e.at("name");
      ASSERT_TRUE(name == "process_name" || name == "thread_name" || name == "process_sort_index")
          << name;
      ASSERT_TRUE(e.at("args").is_object());
      if (name == "process_sort_index") {
        EXPECT_TRUE(e.at("args").at("sort_index").is_number_integer());
      } else {
        EXPECT_TRUE(e.at("args").at("name").is_string());
      }
      continue;
    }
    ASSERT_EQ(ph, "X") << e.dump();
    ++complete;
    ASSERT_TRUE(e.at("ts").is_number());
    ASSERT_TRUE(e.at("dur").is_number());
    EXPECT_GE(e.at("ts").get<double>(), 0);
    EXPECT_GE(e.at("dur").get<double>(), 0) << e.dump();
    ASSERT_TRUE(e.at("cat").is_string());
    ASSERT_TRUE(e.at("args").at("request").is_number_integer());
    ASSERT_TRUE(e.at("args").at("text").is_string());
    EXPECT_EQ(e.at("args").at("text").get<std::string>().find("{d}"), std::string::npos);
  }
  EXPECT_GT(complete, 1000u);
}

TEST(RequestTraces, OneTrackPerPodGroupedByNamespace) {
  const json doc = json::parse(render_chrome_trace(sampled().traces, "trace-order"));
  std::map<int, std::string> process;                 // pid -> namespace
  std::map<int, std::pair<int, std::string>> thread;  // tid -> pid, pod
  std::set<std::pair<int, std::string>> named;
  for (const json& e : doc.at("traceEvents")) {
    if (e.at("ph") != "M") continue;
    if (e.at("name") == "process_name") {
      EXPECT_TRUE(process.emplace(e.at("pid"), e.at("args").at("name")).second) << e.dump();
    } else if (e.at("name") == "thread_name") {
      const int tid = e.at("tid");
      const std::pair<int, std::string> v{e.at("pid"), e.at("args").at("name")};
      EXPECT_TRUE(thread.emplace(tid, v).second) << "tid " << tid << " named twice";
      EXPECT_TRUE(named.insert(v).second) << v.second << " has two tracks";
    }
  }
  EXPECT_EQ(process[1], "client");
  std::set<std::string> namespaces;
  for (const auto& [pid, ns] : process) namespaces.insert(ns);
  EXPECT_TRUE(namespaces.count("amazon-api-prod"));
  EXPECT_TRUE(namespaces.count("kong-prod"));
  for (const json& e : doc.at("traceEvents")) {
    if (e.at("ph") != "X") continue;
    const int tid = e.at("tid");
    ASSERT_TRUE(thread.count(tid)) << "X event on an unnamed track: " << e.dump();
    EXPECT_EQ(thread[tid].first, e.at("pid").get<int>()) << "a track in two processes";
  }
}

TEST(RequestTraces, SpansOfARequestNestInTime) {
  const runtime::RequestTraces& t = sampled().traces;
  ASSERT_GT(t.traces.size(), 50u);
  for (const runtime::RequestTrace& r : t.traces) {
    ASSERT_FALSE(r.spans.empty());
    EXPECT_EQ(r.spans[0].kind, runtime::SpanKind::kRequest);
    EXPECT_EQ(r.spans[0].start, r.sent);
    for (size_t i = 0; i < r.spans.size(); ++i) {
      const runtime::TraceSpan& s = r.spans[i];
      EXPECT_LE(s.start, s.end) << r.request << " span " << i << " " << s.label;
      EXPECT_GE(s.start, r.sent) << r.request << " span " << i << " " << s.label;
      if (s.parent == runtime::kNoSpan) {
        // Roots: the request itself, a consumer's batch holding its record (after it was
        // acknowledged), and the consumer's calls for that record (after the batch).
        EXPECT_TRUE(i == 0 || s.kind == runtime::SpanKind::kConsumerBatch ||
                    s.kind == runtime::SpanKind::kConsume)
            << s.label;
        continue;
      }
      ASSERT_LT(s.parent, i) << "a parent is recorded before its children";
      const runtime::TraceSpan& p = r.spans[s.parent];
      EXPECT_LE(p.start, s.start) << r.request << ": " << s.label << " starts before " << p.label;
      EXPECT_GE(p.end, s.end) << r.request << ": " << s.label << " ends after " << p.label;
    }
    if (r.answered >= 0) {
      EXPECT_EQ(r.spans[0].end, r.answered);
    }
  }
}

TEST(RequestTraces, SameSeedSameBytes) {
  runtime::TraceOptions o;
  o.sample_every = 7;
  const Traced again = run_traced(prepared(), o);
  EXPECT_EQ(render_chrome_trace(again.traces, "x"), render_chrome_trace(sampled().traces, "x"));
}

// Tracing observes: the same events, in the same order, with a tracer or without.
TEST(RequestTraces, TracingAddsNoEvent) {
  const runtime::RunFigures plain = scenario::run_replication(prepared(), 0);
  EXPECT_EQ(plain.events, sampled().figures.events);
  EXPECT_EQ(plain.fingerprint, sampled().figures.fingerprint);
  // A shipped scenario with a fault (a broker killed: produce retries, refused connections),
  // every request traced.
  auto broker = scenario::prepare_scenario(scenario::load_scenario_file(
      std::string(KUBETWIN_SOURCE_DIR) + "/scenarios/ha/prod-broker-loss.yaml"));
  const runtime::RunFigures off = scenario::run_replication(*broker, 0);
  runtime::TraceOptions every;
  every.sample_every = 1;
  every.max_traces = 20'000;
  const Traced on = run_traced(*broker, every);
  EXPECT_EQ(off.events, on.figures.events);
  EXPECT_EQ(off.fingerprint, on.figures.fingerprint);
  EXPECT_EQ(on.traces.traces.size(), 20'000u);
}

TEST(RequestTraces, NarratedOrderNamesEveryHopInOrder) {
  runtime::TraceOptions o;
  o.only_route = "POST /orders";
  o.only_request = 20;
  const Traced t = run_traced(prepared(), o);
  ASSERT_EQ(t.traces.traces.size(), 1u);
  const std::string text = narrate_request(t.traces, t.traces.traces[0]);
  // The order path in time order, to the client's answer.
  const std::vector<std::string> hops = {"the client sends POST /orders",
                                         "NodePort",
                                         "(Kong) takes the request",
                                         "Kong's own work",
                                         "matches the route",
                                         "proxies it to orders-api",
                                         "receives POST /orders",
                                         "POST /orders's own work",
                                         "writes a row",
                                         "on PostgreSQL's CPU",
                                         "flushes the WAL",
                                         "gets PostgreSQL's answer",
                                         "produces a 1200 B record to order.created",
                                         "(leader) appends the record",
                                         "(follower) fetches",
                                         "gets the broker's answer",
                                         "gets the answer from orders-api",
                                         "gets the answer back from Kong"};
  size_t at = 0;
  for (const std::string& hop : hops) {
    const size_t found = text.find(hop, at);
    ASSERT_NE(found, std::string::npos)
        << "\"" << hop << "\" missing after offset " << at << " in:\n"
        << text;
    at = found;
  }
  EXPECT_NE(text.find("answers 200"), std::string::npos);
  EXPECT_NE(text.find("acknowledged"), std::string::npos);
  // The consumer reads the record once it is acknowledged (while the answer travels back or
  // later), then runs its own produce.
  at = text.find("(leader) appends the record");
  for (const std::string& hop :
       {std::string("(consumer group notifications) polls"),
        std::string("runs the consumer's calls"), std::string("record to notification.email")}) {
    const size_t found = text.find(hop, at);
    ASSERT_NE(found, std::string::npos) << "\"" << hop << "\" missing in:\n" << text;
    at = found;
  }
}

TEST(RequestTraces, ResultsDatabaseKeepsEverySpan) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("kubetwin-traces-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  scenario::RunOptions options;
  options.threads = 1;
  runtime::TraceOptions o;
  o.sample_every = 7;
  runtime::RequestTracer tracer(o);
  options.tracer = &tracer;
  const scenario::ScenarioResult result = scenario::run_scenario(prepared(), options);
  const runtime::RequestTraces traces = tracer.finish(prepared().spec.duration);
  {
    ResultsDb db = ResultsDb::open(dir / "r.db", ResultsDb::Mode::kCreate);
    RunContext context{"kubetwin run x --trace t.json", "2026-01-01T00:00:00Z"};
    context.traces = &traces;
    db.write_run(prepared(), result, context);
    db.write_run(prepared(), result, RunContext{"kubetwin run x", "2026-01-01T00:00:01Z"});
  }
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open((dir / "r.db").c_str(), &raw), SQLITE_OK);
  auto count = [&](const char* sql) {
    sqlite3_stmt* s = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(raw, sql, -1, &s, nullptr), SQLITE_OK) << sqlite3_errmsg(raw);
    int64_t n = -1;
    if (sqlite3_step(s) == SQLITE_ROW) n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return n;
  };
  size_t spans = 0;
  for (const auto& r : traces.traces) spans += r.spans.size();
  EXPECT_EQ(count("SELECT count(*) FROM traced_requests WHERE run_id = 1"),
            static_cast<int64_t>(traces.traces.size()));
  EXPECT_EQ(count("SELECT count(*) FROM trace_spans WHERE run_id = 1"),
            static_cast<int64_t>(spans));
  EXPECT_EQ(count("SELECT count(*) FROM trace_spans WHERE run_id = 2"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM trace_spans WHERE text LIKE '%{d}%'"), 0);
  sqlite3_close(raw);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace kubetwin::report
