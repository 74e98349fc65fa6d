// Network: latency by locality, jitter determinism, and policy-dropped connects timing out.
#include "kubetwin/runtime/network.hpp"

#include <gtest/gtest.h>

namespace kubetwin::runtime {
namespace {

TEST(NetworkTest, LatencyByLocality) {
  Network net;
  const NetworkEndpoint a{0, 0}, same_node{0, 0}, same_zone{1, 0}, other_zone{2, 1}, outside{};
  EXPECT_EQ(net.base_latency(a, same_node), sim::micros(50));
  EXPECT_EQ(net.base_latency(a, same_zone), sim::micros(150));
  EXPECT_EQ(net.base_latency(a, other_zone), sim::micros(500));
  EXPECT_EQ(net.base_latency(outside, a), sim::millis(1));
  sim::Rng rng(1, "net");
  EXPECT_EQ(net.latency(a, other_zone, rng), sim::micros(500));  // no jitter by default
}

TEST(NetworkTest, JitterIsAddedOnTopAndReproducible) {
  Network net({.jitter_fraction = 0.1});
  sim::Rng r1(7, "orders-api-0"), r2(7, "orders-api-0");
  double sum = 0;
  for (int i = 0; i < 100000; ++i) {
    const Time l = net.latency({0, 0}, {1, 0}, r1);
    ASSERT_GE(l, sim::micros(150));
    ASSERT_EQ(l, net.latency({0, 0}, {1, 0}, r2));
    sum += static_cast<double>(l);
  }
  EXPECT_NEAR(sum / 100000, 165'000, 165'000 * 0.01);  // base + 10% mean jitter
}

TEST(NetworkTest, ADroppedConnectWaitsForTheClientsTimeout) {
  Network net;
  ConnectResult ok = net.connect({0, 0}, {2, 1}, true);
  EXPECT_EQ(ok.outcome, ConnectOutcome::kConnected);
  EXPECT_EQ(ok.after, sim::millis(1));  // one round trip across zones
  ConnectResult dropped = net.connect({0, 0}, {2, 1}, false, sim::seconds(60));
  EXPECT_EQ(dropped.outcome, ConnectOutcome::kTimedOut);
  EXPECT_EQ(dropped.after, sim::seconds(60));
  EXPECT_EQ(net.connect({0, 0}, {1, 0}, false).after, kNetDefaultConnectTimeout);
}

}  // namespace
}  // namespace kubetwin::runtime
