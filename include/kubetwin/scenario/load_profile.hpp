// Load profiles: offered rate as a function of simulated time, and arrival times drawn from it.
//
// A RateProfile is a value describing requests per second over time: constant, piecewise with
// linear ramps, a staircase (step), a diurnal sinusoid, each optionally overlaid with spikes.
// rate_at(), expected_arrivals() (the integral) and max_rate() are pure and exact for every
// shape. ArrivalGenerator turns a profile into arrival times on a caller's sim::Rng: Poisson
// with a time-varying rate by thinning (Lewis and Shedler), or evenly spaced ("constant": the
// k-th arrival where the expected count reaches k). Same profile, window and RNG state -> the
// same times on any machine. Nothing here knows of the runtime: callers schedule the times.
// Cost: rate_at and max_rate are O(log knots) for piecewise shapes, O(spikes) overlaid; a
// Poisson arrival costs O(1) expected draws while max_rate/rate stays bounded over a segment.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "kubetwin/sim/distribution.hpp"
#include "kubetwin/sim/random.hpp"
#include "kubetwin/sim/time.hpp"

namespace kubetwin::scenario {

// One point of a piecewise profile: from `at`, the rate moves linearly from the level before it
// to `rate` over `ramp` (0: a jump), then stays there until the next point. Before the first
// point the rate is 0.
struct RatePoint {
  sim::Time at = 0;
  double rate = 0;  // per second
  sim::Time ramp = 0;
};

// A staircase: `from` at time 0, plus `by` every `every`, capped at `to` (a knee search).
struct StepShape {
  double from = 0;
  double by = 0;
  sim::Time every = 0;
  double to = 0;
};

// A sinusoid between `min` and `max` with period `period`, at its maximum at `peak_at` (and every
// period after), at its minimum half a period away.
struct DiurnalShape {
  sim::Time period = sim::hours(24);
  double min = 0;
  double max = 0;
  sim::Time peak_at = sim::hours(12);
};

// During [at, at + duration) the rate is `rate`, whatever the shape beneath says.
struct Spike {
  sim::Time at = 0;
  sim::Time duration = 0;
  double rate = 0;
};

class RateProfile {
 public:
  enum class Shape { kConstant, kPiecewise, kStep, kDiurnal };

  // Each factory throws std::invalid_argument on values the parsers never produce (negative
  // rates, unsorted points, a ramp running into the next point, more than kMaxKnots).
  static RateProfile constant(double rate);
  static RateProfile piecewise(std::vector<RatePoint> points);
  static RateProfile step(const StepShape& step);
  static RateProfile diurnal(const DiurnalShape& diurnal);
  // The same profile with spikes overlaid (sorted, non-overlapping, non-negative rates).
  RateProfile with_spikes(std::vector<Spike> spikes) const;
  // Every rate multiplied by factor >= 0 (a capacity search's offered load): exact for both
  // arrival processes, unlike superposing or thinning copies of an evenly spaced stream.
  RateProfile scaled(double factor) const;

  // Knot limit of piecewise shapes (a staircase makes two per stair).
  static constexpr std::size_t kMaxKnots = 100'000;

  Shape shape() const { return shape_; }
  const std::vector<Spike>& spikes() const { return spikes_; }

  // Requests per second at time t (t < 0 reads as 0).
  double rate_at(sim::Time t) const;
  // The expected number of arrivals in [from, to): the integral of the rate.
  double expected_arrivals(sim::Time from, sim::Time to) const;
  // The largest rate over [from, to] (spikes included): a valid thinning bound.
  double max_rate(sim::Time from, sim::Time to) const;
  // "constant 300/s", "piecewise (3 points)", "step 50/s +50/s every 2m0s to 1000/s", ...
  std::string describe() const;

 private:
  double base_rate_at(double t) const;
  double base_integral(double a, double b) const;
  double base_max(double a, double b) const;

  Shape shape_ = Shape::kConstant;
  double constant_ = 0;
  // Piecewise and step: (seconds, rate) knots, time non-decreasing; a jump is two knots at one
  // time. Linear between knots, 0 before the first, the last rate after the last.
  std::vector<std::pair<double, double>> knots_;
  StepShape step_;
  DiurnalShape diurnal_;
  std::vector<Spike> spikes_;
};

enum class ArrivalProcess { kPoisson, kConstant };

// Arrival times in [start, end) for one load entry. Not thread-safe; one per load entry.
class ArrivalGenerator {
 public:
  // Thinning works segment by segment with the exact bound of each segment, so a profile with a
  // large spike does not slow the quiet hours down.
  static constexpr sim::Time kThinningSegment = sim::seconds(10);

  ArrivalGenerator(ArrivalProcess process, RateProfile profile, sim::Time start, sim::Time end);

  // The next arrival time (non-decreasing, in [start, end)), nullopt once the window is done.
  // Poisson draws from rng; constant arrivals do not touch it.
  std::optional<sim::Time> next(sim::Rng& rng);

  const RateProfile& profile() const { return profile_; }

 private:
  std::optional<sim::Time> next_poisson(sim::Rng& rng);
  std::optional<sim::Time> next_constant();

  ArrivalProcess process_;
  RateProfile profile_;
  sim::Time end_;
  sim::Time now_;  // the last arrival (or candidate) time
  // A constant profile without spikes: its rate (the bound and the rate of every candidate, so
  // thinning keeps each one; the draws stay the same), else -1.
  double flat_rate_ = -1;
};

// A closed loop: `users` clients, each sending a request, waiting for its answer, thinking for
// a draw of `think_time` (seconds), and sending again. The runtime drives it; this is its
// description.
struct ClosedLoop {
  int users = 1;
  sim::Distribution think_time = sim::Distribution::exponential(1.0);
};

// A weighted request mix: pick() draws request lines in proportion to their weights.
struct MixEntry {
  std::string request;  // "GET /users/{id}"
  double weight = 1;
};

class RequestMix {
 public:
  RequestMix() = default;
  // Weights must be positive (std::invalid_argument otherwise); an empty mix is allowed.
  explicit RequestMix(std::vector<MixEntry> entries);
  const std::vector<MixEntry>& entries() const { return entries_; }
  bool empty() const { return entries_.empty(); }
  // The index of a request drawn by weight: one uniform draw. Precondition: !empty().
  std::size_t pick(sim::Rng& rng) const;
  // The fraction of requests that go to entry i.
  double share(std::size_t i) const;

 private:
  std::vector<MixEntry> entries_;
  std::vector<double> cumulative_;  // running sums of weights
};

}  // namespace kubetwin::scenario
