// `kubetwin capacity` end to end: usage and SLO mistakes exit 2, the answer comes first, JSON is
// deterministic.
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "cli/cli_test_support.hpp"
#include "kubetwin/cli/verbs.hpp"

namespace kubetwin::cli {
namespace {

TEST(CapacityVerb, UsageMistakesExitTwo) {
  Outcome no_slo = call({"capacity", kSmall});
  EXPECT_EQ(no_slo.code, 2);
  EXPECT_EQ(no_slo.err.rfind("error: capacity needs --slo", 0), 0u) << no_slo.err;
  Outcome none = call({"capacity", "--slo", "p99<300ms"});
  EXPECT_EQ(none.code, 2);
  EXPECT_EQ(none.err.rfind("error: capacity needs a SCENARIO file", 0), 0u) << none.err;
  Outcome two = call({"capacity", kSmall, kSmall, "--slo", "p99<300ms"});
  EXPECT_EQ(two.code, 2);
  Outcome flag = call({"capacity", kSmall, "--slo", "p99<300ms", "--frobnicate"});
  EXPECT_EQ(flag.code, 2);
  EXPECT_EQ(
      flag.err.rfind("error: unknown flag: --frobnicate\n  hint: usage: kubetwin capacity", 0), 0u);
  Outcome missing = call({"capacity", "/nonexistent/s.yaml", "--slo", "p99<300ms"});
  EXPECT_EQ(missing.code, 2);
  EXPECT_EQ(missing.err.rfind("error: /nonexistent/s.yaml: no such file", 0), 0u) << missing.err;
}

TEST(CapacityVerb, BadSloExitsTwoWithAHint) {
  Outcome r = call({"capacity", kSmall, "--slo", "p99<fast"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("hint: "), std::string::npos) << r.err;
}

TEST(CapacityVerb, AnswerFirstAndDeterministicJson) {
  Outcome text = call({"capacity", kSmall, "--slo", "p99<50ms", "--replications", "1"});
  ASSERT_EQ(text.code, 0) << text.err << text.out;
  EXPECT_EQ(text.out.find("PROBE"), text.out.find("\n  PROBE") + 3) << text.out;
  EXPECT_LT(text.out.find('\n'), text.out.find("PROBE"));  // the summary line comes first
  Outcome a = call({"capacity", kSmall, "--slo", "p99<50ms", "--replications", "1", "-o", "json",
                    "--threads", "1"});
  Outcome b = call({"capacity", kSmall, "--slo", "p99<50ms", "--replications", "1", "-o", "json",
                    "--threads", "2"});
  EXPECT_EQ(a.out, b.out);
  EXPECT_NE(a.out.find("\"probes\": ["), std::string::npos) << a.out;
}

// Issue 15: a probe runs its first half of the replications and stops there when their 95%
// intervals already put it clearly on one side of the SLO. The search with 4 replications a probe:
// the probes far from the answer stop at 2, the ones beside it run all 4, and every probe's
// verdict and the answer are those of --full-probes, which runs all 4 everywhere. The same bytes
// on 1 and 2 threads: what a probe runs depends on its seeds, not on scheduling.
TEST(CapacityVerb, ProbesFarFromTheAnswerStopAtHalfTheirReplications) {
  const std::vector<std::string> search = {"capacity",       kSmall, "--slo", "p99<50ms",
                                           "--replications", "4",    "-o",    "json"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = search;
    args.insert(args.end(), extra.begin(), extra.end());
    Outcome r = call(args);
    EXPECT_EQ(r.code, 0) << r.err;
    return r.out;
  };
  const std::string early = with({"--threads", "1"});
  EXPECT_EQ(early, with({"--threads", "2"}));
  const std::string full = with({"--full-probes", "--threads", "2"});
  EXPECT_NE(early.find("\"replications\": 4,"), std::string::npos) << early;
  EXPECT_NE(early.find("\"replications\": 2}"), std::string::npos) << early;  // some stopped
  EXPECT_NE(early.find("\"replications\": 4}"), std::string::npos) << early;  // some ran all
  EXPECT_EQ(full.find("\"replications\": 2}"), std::string::npos) << full;
  // Same probes, same verdicts, same answer.
  auto verdicts = [](const std::string& json) {
    std::string v;
    for (size_t at = json.find("\"scale\": "); at != std::string::npos;
         at = json.find("\"scale\": ", at + 1)) {
      const size_t passed = json.find("\"passed\": ", at);
      v += json.substr(at, json.find(',', at) - at) + " " +
           json.substr(passed, json.find(',', passed) - passed) + "\n";
    }
    return v;
  };
  EXPECT_EQ(verdicts(early), verdicts(full));
  auto answer = [](const std::string& json) {
    const size_t at = json.find("\"max_rate_per_s\": ");
    return json.substr(at, json.find(',', at) - at);
  };
  EXPECT_EQ(answer(early), answer(full));
}

TEST(CapacityVerb, TheTextTableSaysHowManyReplicationsEachProbeRan) {
  Outcome r = call({"capacity", kSmall, "--slo", "p99<50ms", "--replications", "4"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("REPLICATIONS  WORST ROUTE"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  2 of 4  "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  4 of 4  "), std::string::npos) << r.out;
}

// Every orders-api pod is failed for the whole run, so Kong answers each POST /orders at once
// with 503: fast errors. A latency-only SLO counts them against its quantile (at most 1% errors
// for p99), so no probe meets it; before, every probe passed on a 0.7 ms p99. A route that
// answers well still meets the same SLO, and `max` allows no error at all.
const std::string kOrdersDown = kSource + "/tests/cli/testdata/orders-down.yaml";

TEST(CapacityVerb, FastErrorsDoNotMeetALatencyOnlySlo) {
  Outcome down = call({"capacity", kOrdersDown, "--slo", "p99<300ms", "--route", "POST /orders",
                       "--replications", "1", "--no-db"});
  EXPECT_EQ(down.code, 1) << down.err << down.out;
  EXPECT_NE(down.out.find("slo: p99<300ms (route POST /orders); an error counts against p99: "
                          "errors below 1%\n"),
            std::string::npos)
      << down.out;
  EXPECT_NE(down.out.find("  FAIL        1 of 1  POST /orders p99 "), std::string::npos)
      << down.out;
  EXPECT_EQ(down.out.find("  pass  "), std::string::npos) << down.out;  // no probe passed
  // Nothing was near full at the first miss: no resource is called its bottleneck.
  EXPECT_LT(down.out.find("(POST /orders p99 "), down.out.find('\n')) << down.out;  // summary
  EXPECT_NE(down.out.find("; no resource was saturated (the most loaded: "), std::string::npos)
      << down.out;
  EXPECT_NE(down.out.find("\n  most loaded (none saturated): "), std::string::npos) << down.out;
  Outcome json = call({"capacity", kOrdersDown, "--slo", "p99<300ms", "--route", "POST /orders",
                       "--replications", "1", "--no-db", "-o", "json"});
  EXPECT_NE(json.out.find("\"error_rate_below\": null, \"error_rate_bound\": 0.01,"),
            std::string::npos)
      << json.out;
  EXPECT_NE(json.out.find("\"saturated\": false}"), std::string::npos) << json.out;
  Outcome users = call({"capacity", kOrdersDown, "--slo", "max<300ms", "--route", "GET /users/{id}",
                        "--replications", "1", "--no-db"});
  EXPECT_EQ(users.code, 0) << users.err << users.out;
  EXPECT_NE(users.out.find("an error counts against max: none allowed"), std::string::npos)
      << users.out;
}

TEST(RunVerb, AFailingRouteFailsItsLatencyOnlyCheck) {
  Outcome r = call({"run", kOrdersDown, "--no-db"});
  EXPECT_EQ(r.code, 1) << r.err << r.out;
  EXPECT_NE(r.out.find("FAIL    slo POST /orders p99 < 300ms     p99 "), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("errors 100.00%; an error counts against p99: at most 1.00%\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("PASS    slo GET /users/{id} p99 < 300ms  p99 "), std::string::npos)
      << r.out;
}

}  // namespace
}  // namespace kubetwin::cli
