// Network: the one-way latency between two endpoints and the fate of a connect under policy.
//
// What it models: latency by locality, from the cluster profile's `network` section (same node,
// same zone, cross zone, external), optionally with exponential jitter on top; and a connect
// that NetworkPolicy drops: the SYN is silently discarded, so the client waits its connect
// timeout (no RST: dropped, not refused; domain-facts 3 [V NP]). Endpoints are plain node and
// zone ids so this stays independent of topology types; the runtime world maps pods to them.
// Promises: deterministic given the caller's Rng; O(1), no allocation.
#pragma once

#include <cmath>
#include <cstdint>

#include "kubetwin/sim/random.hpp"
#include "kubetwin/sim/time.hpp"

namespace kubetwin::runtime {

using sim::Time;

// Defaults of models/clusters/three-zones.yaml (one-way): a veth hop on one node, one switch hop
// within a zone, ~1 ms round trip across zones, a load generator in the region.
inline constexpr Time kNetDefaultSameNode = sim::micros(50);
inline constexpr Time kNetDefaultSameZone = sim::micros(150);
inline constexpr Time kNetDefaultCrossZone = sim::micros(500);
inline constexpr Time kNetDefaultExternal = sim::millis(1);
// A client's connect timeout when the caller gives none: Linux's default of 6 SYN retries gives
// up after ~127 s; most clients set their own (Kong 60 s, HikariCP 30 s) and pass it in.
inline constexpr Time kNetDefaultConnectTimeout = sim::seconds(127);

struct NetworkEndpoint {
  static constexpr int kExternal = -1;
  int node = kExternal;  // node id; kExternal for a client outside the cluster
  int zone = kExternal;
};

struct NetworkConfig {
  Time same_node = kNetDefaultSameNode;
  Time same_zone = kNetDefaultSameZone;
  Time cross_zone = kNetDefaultCrossZone;
  Time external = kNetDefaultExternal;
  double jitter_fraction = 0;  // mean of an exponential added on top, as a fraction of the base
};

enum class ConnectOutcome : uint8_t { kConnected, kTimedOut };

struct ConnectResult {
  ConnectOutcome outcome;
  Time after;  // when the client learns it: one round trip, or its connect timeout
};

class Network {
 public:
  explicit Network(const NetworkConfig& config = {}) : config_(config) {}

  const NetworkConfig& config() const { return config_; }

  // The base one-way latency between a and b.
  Time base_latency(const NetworkEndpoint& a, const NetworkEndpoint& b) const {
    if (a.node == NetworkEndpoint::kExternal || b.node == NetworkEndpoint::kExternal)
      return config_.external;
    if (a.node == b.node) return config_.same_node;
    if (a.zone == b.zone) return config_.same_zone;
    return config_.cross_zone;
  }

  // One message's latency: the base plus jitter drawn from `rng` (none when jitter_fraction is 0,
  // and then `rng` is not touched).
  Time latency(const NetworkEndpoint& a, const NetworkEndpoint& b, sim::Rng& rng) const {
    const Time base = base_latency(a, b);
    if (config_.jitter_fraction <= 0) return base;
    const double mean = static_cast<double>(base) * config_.jitter_fraction;
    return base + static_cast<Time>(-mean * std::log(rng.uniform_open0()));
  }

  // A TCP connect from a to b: `allowed` is the NetworkPolicy verdict (true when the CNI does not
  // enforce policy). Allowed: connected after one round trip. Dropped: the client times out.
  ConnectResult connect(const NetworkEndpoint& a, const NetworkEndpoint& b, bool allowed,
                        Time connect_timeout = kNetDefaultConnectTimeout) const {
    if (!allowed) return ConnectResult{ConnectOutcome::kTimedOut, connect_timeout};
    return ConnectResult{ConnectOutcome::kConnected, 2 * base_latency(a, b)};
  }

 private:
  NetworkConfig config_;
};

}  // namespace kubetwin::runtime
