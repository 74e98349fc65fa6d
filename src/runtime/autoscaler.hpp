// Autoscaler: the HorizontalPodAutoscaler controller's decision on CPU, a part of the control
// plane (ControlPlane runs one per HPA the World simulates, every sync period).
//
// What it decides (domain-facts 2, HPA): from one sync period's sample of the target's pods (the
// ready pods' CPU over the period as a fraction of their CPU request, against the target),
// desired = ceil(ratio x ready pods), nothing within the tolerance (kHpaTolerance, 0.1). Not-ready
// pods count as 0% when scaling up and as on target when scaling down, as the controller does for
// missing metrics. Scale-up is capped at max(2 x current, current + 4) per period; scale-down
// takes the highest recommendation of the stabilisation window (300 s). The result stays within
// minReplicas..maxReplicas. The World measures (PodHost::hpa_sample) and carries the decision out
// (PodHost::scale): which pods go, where new ones land.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "kubetwin/sim/time.hpp"
#include "kubetwin/topology/model.hpp"

namespace kubetwin::runtime {

// One sync period of the target's pods, as the metrics pipeline would give it.
struct HpaSample {
  int current = 0;           // replicas (pods not terminating)
  int ready = 0;             // of them Ready
  double used_ns = 0;        // CPU the ready pods used over the period, ns of one core
  double request_cores = 0;  // one pod's CPU request
};

class Autoscaler {
 public:
  Autoscaler(const topology::Hpa& hpa, uint32_t workload, int replicas, sim::Time now,
             sim::Time sync_period, sim::Time stabilization);

  // The replicas the controller wants after the period `sample` describes; nullopt when it
  // cannot say (no ready pod, or no CPU request to measure against).
  std::optional<int> desired(const HpaSample& sample, sim::Time now);

  uint32_t workload() const { return workload_; }
  const topology::Hpa& hpa() const { return *hpa_; }

 private:
  struct Recommendation {
    sim::Time at;
    int replicas;
  };
  const topology::Hpa* hpa_;
  uint32_t workload_;
  sim::Time sync_period_;
  sim::Time stabilization_;
  std::vector<Recommendation> recommendations_;  // the scale-down stabilisation window
};

}  // namespace kubetwin::runtime
