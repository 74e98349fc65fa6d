// IoDelay: IOChaos's `delay` on `percent`% of a data store's writes to its volume (chaos-facts
// IOChaos, action latency), chosen deterministically: the n-th write is delayed when
// floor(n x percent / 100) moves, so every write is at 100% and every other one at 50%.
#pragma once

#include <cstdint>

#include "kubetwin/sim/time.hpp"

namespace kubetwin::runtime {

struct IoDelay {
  sim::Time delay = 0;
  int percent = 100;
  uint64_t writes = 0;

  // The delay the next write takes (0 when no fault is on).
  sim::Time next() {
    if (delay == 0) return 0;
    ++writes;
    const uint64_t p = static_cast<uint64_t>(percent);
    return (writes * p) / 100 != ((writes - 1) * p) / 100 ? delay : 0;
  }
};

}  // namespace kubetwin::runtime
