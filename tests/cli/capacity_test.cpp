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

}  // namespace
}  // namespace kubetwin::cli
