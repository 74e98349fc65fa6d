// Rng: determinism, independence of named streams, and the fixed algorithm's known outputs.
#include "kubetwin/sim/random.hpp"

#include <gtest/gtest.h>

namespace kubetwin::sim {
namespace {

TEST(Rng, SameSeedAndNameGiveTheSameStream) {
  Rng a(42, "pod/orders-api-0"), b(42, "pod/orders-api-0");
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(a.next_u64(), b.next_u64());
}

TEST(Rng, DifferentSeedsOrNamesDiffer) {
  Rng a(42, "x"), b(43, "x"), c(42, "y");
  uint64_t va = a.next_u64();
  EXPECT_NE(va, b.next_u64());
  EXPECT_NE(va, c.next_u64());
}

TEST(Rng, AddingAStreamDoesNotShiftAnother) {
  Rng alone(7, "kafka-0");
  std::vector<uint64_t> expected;
  for (int i = 0; i < 100; ++i) expected.push_back(alone.next_u64());
  // A world with more entities: streams are created before and interleaved with kafka-0's.
  Rng before(7, "kafka-new");
  Rng kafka(7, "kafka-0");
  Rng after(7, "postgres-0");
  for (int i = 0; i < 100; ++i) {
    before.next_u64();
    ASSERT_EQ(kafka.next_u64(), expected[static_cast<size_t>(i)]);
    after.next_u64();
  }
}

// Pins the algorithm: xoshiro256** seeded by SplitMix64 from FNV-1a. Changing any of them
// changes every run's results; this test makes that a deliberate act.
TEST(Rng, KnownValues) {
  EXPECT_EQ(stable_hash(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(stable_hash("a"), 0xaf63dc4c8601ec8cULL);
  Rng r(0);
  // xoshiro256** reference: SplitMix64 seeded with 0 gives the state below; first output fixed.
  uint64_t first = r.next_u64();
  Rng again(0);
  EXPECT_EQ(first, again.next_u64());
  EXPECT_EQ(first, 0x99ec5f36cb75f2b4ULL);
}

TEST(Rng, UniformStaysInRangeAndBelowIsUnbiasedEnough) {
  Rng r(1, "u");
  int counts[4] = {0, 0, 0, 0};
  for (int i = 0; i < 400'000; ++i) {
    double u = r.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    double v = r.uniform_open0();
    ASSERT_GT(v, 0.0);
    ASSERT_LE(v, 1.0);
    ++counts[r.below(4)];
  }
  for (int c : counts) EXPECT_NEAR(c / 100'000.0, 1.0, 0.02);
}

}  // namespace
}  // namespace kubetwin::sim
