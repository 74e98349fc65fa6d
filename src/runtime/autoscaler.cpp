// Autoscaler: the HPA controller's replica decision (see autoscaler.hpp).
#include "runtime/autoscaler.hpp"

#include <algorithm>
#include <cmath>

#include "kubetwin/runtime/world.hpp"

namespace kubetwin::runtime {

Autoscaler::Autoscaler(const topology::Hpa& hpa, uint32_t workload, int replicas, sim::Time now,
                       sim::Time sync_period, sim::Time stabilization)
    : hpa_(&hpa), workload_(workload), sync_period_(sync_period), stabilization_(stabilization) {
  // The HPA has been running before the run starts: its window holds today's replicas, so it
  // cannot scale down during the first 300 s merely for lack of history.
  recommendations_.push_back({now, replicas});
}

std::optional<int> Autoscaler::desired(const HpaSample& s, sim::Time now) {
  if (s.ready == 0 || s.request_cores <= 0) return std::nullopt;
  const int current = s.current;
  const double target = *hpa_->target_cpu_utilization_percent / 100.0;
  // Utilisation summed over the ready pods, in units of one pod's request.
  const double pods_busy = s.used_ns / static_cast<double>(sync_period_) / s.request_cores;
  const double ratio = pods_busy / s.ready / target;
  const int unready = current - s.ready;
  int desired = current;
  if (std::abs(ratio - 1) > kHpaTolerance) {
    if (unready == 0) {
      desired = static_cast<int>(std::ceil(ratio * s.ready));
    } else {
      // Missing metrics: the not-ready pods at 0% for a scale-up, on target for a scale-down.
      double adjusted = ratio > 1 ? pods_busy / current / target
                                  : (pods_busy + unready * target) / current / target;
      bool same_direction = ratio > 1 ? adjusted > 1 : adjusted < 1;
      if (same_direction && std::abs(adjusted - 1) > kHpaTolerance)
        desired = static_cast<int>(std::ceil(adjusted * current));
    }
  }
  desired = std::min(desired, std::max(2 * current, current + 4));
  // Scale-down stabilisation: the highest recommendation of the window.
  recommendations_.push_back({now, desired});
  auto old = std::find_if(recommendations_.begin(), recommendations_.end(),
                          [&](const Recommendation& r) { return now - r.at < stabilization_; });
  recommendations_.erase(recommendations_.begin(), old);
  if (desired < current) {
    int highest = desired;
    for (const auto& r : recommendations_) highest = std::max(highest, r.replicas);
    desired = std::min(current, highest);
  }
  return std::clamp(desired, hpa_->min_replicas, hpa_->max_replicas);
}

}  // namespace kubetwin::runtime
