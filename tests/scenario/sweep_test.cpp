// Sweeps: iteration variables' values, point numbering, run seeds, and runs independent of the
// thread count.
#include "kubetwin/scenario/sweep.hpp"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "test_util.hpp"

namespace kubetwin::scenario {
namespace {

using testing::error_of;
using testing::source_path;

const std::string kSmall = "tests/golden/sweep-shards/scenario.yaml";

TEST(SweepValues, RangesListsAndBoth) {
  EXPECT_EQ(parse_set_flag("load.shoppers.rate=100..500:100", 1).values,
            (std::vector<std::string>{"100", "200", "300", "400", "500"}));
  EXPECT_EQ(parse_set_flag("a/b.replicas=3,5", 1).values, (std::vector<std::string>{"3", "5"}));
  EXPECT_EQ(parse_set_flag("a/b.replicas=1..3", 1).values,
            (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_EQ(parse_set_flag("x.y=1, 2 ,10..30:10", 1).values,
            (std::vector<std::string>{"1", "2", "10", "20", "30"}));
  // Decimal steps keep their places and do not drift (0.1 x 3 is 0.3, not 0.30000000000000004).
  EXPECT_EQ(parse_set_flag("x.y=0.1..0.4:0.1", 1).values,
            (std::vector<std::string>{"0.1", "0.2", "0.3", "0.4"}));
  // A range whose end is not on a step stops before it.
  EXPECT_EQ(parse_set_flag("x.y=1..10:4", 1).values, (std::vector<std::string>{"1", "5", "9"}));
  EXPECT_EQ(parse_set_flag("kong.connectTimeout=1s,5s", 1).values,
            (std::vector<std::string>{"1s", "5s"}));
}

TEST(SweepValues, MistakesAtTheirFlag) {
  EXPECT_EQ(error_of([] { parse_set_flag("x.y=5..1", 2); }),
            "--set:2:5: sweep variable x.y: \"5..1\" runs backwards\n"
            "  hint: write the range from the smaller value to the larger");
  EXPECT_NE(error_of([] { parse_set_flag("x.y=1..5:0", 1); }).find("must be above 0"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_set_flag("x.y=1..1000000:1", 1); }).find("too many values"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_set_flag("x.y=", 1); }).find("empty value"), std::string::npos);
  EXPECT_NE(error_of([] { parse_set_flag("=3", 1); }).find("not PATH=VALUES"), std::string::npos);
  EXPECT_NE(error_of([] { parse_set_flag("load.=3", 1); }).find("not a sweep variable"),
            std::string::npos);
}

TEST(SweepPlan, PointsAreRowMajorAndSeedsDistinct) {
  SweepPlan plan = plan_sweep(source_path(kSmall), {}, std::nullopt);
  ASSERT_EQ(plan.variables().size(), 2u);
  EXPECT_EQ(plan.points(), 4);
  EXPECT_EQ(plan.replications(), 3);
  EXPECT_EQ(plan.runs(), 12);
  // The first variable outermost, the last fastest.
  EXPECT_EQ(plan.values_at(0), (std::vector<std::string>{"20", "1"}));
  EXPECT_EQ(plan.values_at(1), (std::vector<std::string>{"20", "3"}));
  EXPECT_EQ(plan.values_at(2), (std::vector<std::string>{"40", "1"}));
  // Each point's scenario carries its values.
  EXPECT_DOUBLE_EQ(plan.prepared(2)->spec.loads.at(0).profile.rate_at(0), 40.0);
  std::set<uint64_t> seeds;
  for (int r = 0; r < plan.runs(); ++r) seeds.insert(plan.run_seed(r));
  EXPECT_EQ(seeds.size(), 12u);
  EXPECT_EQ(plan.run_seed(5), sweep_run_seed(11, 5));
  EXPECT_LT(sweep_run_seed(11, 5), uint64_t{1} << 63);
  EXPECT_NE(sweep_run_seed(11, 5), sweep_run_seed(12, 5));
}

TEST(SweepPlan, SetReplacesTheBlocksVariableAndReplicationsOverride) {
  SweepPlan plan =
      plan_sweep(source_path(kSmall), {parse_set_flag("load.shoppers.rate=10,20,30", 1)}, 2);
  EXPECT_EQ(plan.variables().at(0).path, "load.shoppers.rate");
  EXPECT_EQ(plan.variables().at(0).values.size(), 3u);
  EXPECT_EQ(plan.runs(), 3 * 2 * 2);
  SweepPlan other = plan_sweep(source_path(kSmall), {}, std::nullopt);
  EXPECT_NE(plan.canonical_variables(), other.canonical_variables());
  EXPECT_EQ(plan.scenario_digest(), other.scenario_digest());
}

TEST(SweepRun, ResultsDoNotDependOnTheThreadCount) {
  SweepPlan plan = plan_sweep(source_path(kSmall), {}, 2);
  std::vector<int> runs;
  for (int r = 0; r < plan.runs(); ++r) runs.push_back(r);
  auto fingerprints = [&](int jobs) {
    std::map<int, uint64_t> out;
    run_sweep(plan, runs, jobs, nullptr, [&](SweepRun&& r) { out[r.run] = r.result.fingerprint; });
    return out;
  };
  const auto one = fingerprints(1);
  EXPECT_EQ(one.size(), 8u);
  EXPECT_EQ(one, fingerprints(3));
  // Runs of one point differ (their own seeds), and a point's replicas change the model.
  EXPECT_NE(one.at(0), one.at(1));
  EXPECT_NE(one.at(0), one.at(2));
}

}  // namespace
}  // namespace kubetwin::scenario
