// Load profiles: rate shapes with exact integrals and bounds, thinning and evenly spaced arrivals.
#include "kubetwin/scenario/load_profile.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <sstream>
#include <stdexcept>

namespace kubetwin::scenario {

namespace {

void require(bool ok, const char* what) {
  if (!ok) throw std::invalid_argument(what);
}

bool valid_rate(double r) {
  return std::isfinite(r) && r >= 0;
}

// Integral over [a, b] of the line through (t0, r0) and (t1, r1), with t0 <= a <= b <= t1.
double linear_integral(double t0, double r0, double t1, double r1, double a, double b) {
  if (b <= a) return 0;
  auto at = [&](double t) { return t1 > t0 ? r0 + (r1 - r0) * (t - t0) / (t1 - t0) : r1; };
  return (at(a) + at(b)) * 0.5 * (b - a);
}

std::string rate_text(double r) {
  std::ostringstream out;
  out << r << "/s";
  return out.str();
}

}  // namespace

RateProfile RateProfile::constant(double rate) {
  require(valid_rate(rate), "rate must be finite and >= 0");
  RateProfile p;
  p.shape_ = Shape::kConstant;
  p.constant_ = rate;
  return p;
}

RateProfile RateProfile::piecewise(std::vector<RatePoint> points) {
  require(!points.empty(), "a piecewise profile needs at least one point");
  RateProfile p;
  p.shape_ = Shape::kPiecewise;
  double level = 0;
  for (std::size_t i = 0; i < points.size(); ++i) {
    const RatePoint& pt = points[i];
    require(valid_rate(pt.rate) && pt.at >= 0 && pt.ramp >= 0,
            "points need at >= 0, rate >= 0, ramp >= 0");
    if (i > 0) require(pt.at > points[i - 1].at, "points must be in increasing `at` order");
    if (i + 1 < points.size())
      require(pt.at + pt.ramp <= points[i + 1].at, "a ramp must end before the next point starts");
    double t = sim::to_seconds(pt.at);
    p.knots_.emplace_back(t, level);
    p.knots_.emplace_back(sim::to_seconds(pt.at + pt.ramp), pt.rate);
    level = pt.rate;
  }
  require(p.knots_.size() <= kMaxKnots, "too many points");
  return p;
}

RateProfile RateProfile::step(const StepShape& s) {
  require(valid_rate(s.from) && valid_rate(s.to) && std::isfinite(s.by) && s.by > 0 && s.every > 0,
          "a step needs from >= 0, by > 0, every > 0, to >= 0");
  require(s.to >= s.from, "a step's `to` must not be below `from`");
  double stairs = std::ceil((s.to - s.from) / s.by);
  require(2 * stairs + 2 <= static_cast<double>(kMaxKnots), "too many stairs");
  RateProfile p;
  p.shape_ = Shape::kStep;
  p.step_ = s;
  p.knots_.emplace_back(0, s.from);
  double level = s.from;
  for (int64_t k = 1; level < s.to; ++k) {
    double t = sim::to_seconds(s.every * k);
    double next = std::min(s.to, s.from + s.by * static_cast<double>(k));
    p.knots_.emplace_back(t, level);
    p.knots_.emplace_back(t, next);
    level = next;
  }
  return p;
}

RateProfile RateProfile::diurnal(const DiurnalShape& d) {
  require(valid_rate(d.min) && valid_rate(d.max) && d.min <= d.max,
          "a diurnal shape needs 0 <= min <= max");
  require(d.period > 0 && d.peak_at >= 0, "a diurnal shape needs period > 0 and peakAt >= 0");
  RateProfile p;
  p.shape_ = Shape::kDiurnal;
  p.diurnal_ = d;
  return p;
}

RateProfile RateProfile::with_spikes(std::vector<Spike> spikes) const {
  for (std::size_t i = 0; i < spikes.size(); ++i) {
    require(valid_rate(spikes[i].rate) && spikes[i].at >= 0 && spikes[i].duration > 0,
            "a spike needs at >= 0, duration > 0, rate >= 0");
    if (i > 0)
      require(spikes[i].at >= spikes[i - 1].at + spikes[i - 1].duration,
              "spikes must be sorted and must not overlap");
  }
  RateProfile p = *this;
  p.spikes_ = std::move(spikes);
  return p;
}

RateProfile RateProfile::scaled(double factor) const {
  require(valid_rate(factor), "scale factor must be finite and >= 0");
  RateProfile p = *this;
  p.constant_ *= factor;
  for (auto& knot : p.knots_) knot.second *= factor;
  p.step_.from *= factor;
  p.step_.by *= factor;
  p.step_.to *= factor;
  p.diurnal_.min *= factor;
  p.diurnal_.max *= factor;
  for (Spike& s : p.spikes_) s.rate *= factor;
  return p;
}

double RateProfile::base_rate_at(double t) const {
  switch (shape_) {
    case Shape::kConstant:
      return constant_;
    case Shape::kPiecewise:
    case Shape::kStep: {
      auto it = std::upper_bound(knots_.begin(), knots_.end(), t,
                                 [](double x, const auto& k) { return x < k.first; });
      if (it == knots_.begin()) return 0;
      auto k = it - 1;
      if (it == knots_.end()) return k->second;
      return k->second + (it->second - k->second) * (t - k->first) / (it->first - k->first);
    }
    case Shape::kDiurnal: {
      const DiurnalShape& d = diurnal_;
      double omega = 2 * std::numbers::pi / sim::to_seconds(d.period);
      double phase = sim::to_seconds(d.peak_at) - sim::to_seconds(d.period) / 2;
      return d.min + (d.max - d.min) * (1 - std::cos(omega * (t - phase))) / 2;
    }
  }
  return 0;
}

double RateProfile::base_integral(double a, double b) const {
  if (b <= a) return 0;
  switch (shape_) {
    case Shape::kConstant:
      return constant_ * (b - a);
    case Shape::kPiecewise:
    case Shape::kStep: {
      double sum = 0;
      // Segments between consecutive knots, then the flat tail after the last one.
      auto first = std::upper_bound(knots_.begin(), knots_.end(), a,
                                    [](double x, const auto& k) { return x < k.first; });
      std::size_t i =
          first == knots_.begin() ? 0 : static_cast<std::size_t>(first - knots_.begin()) - 1;
      for (; i + 1 < knots_.size() && knots_[i].first < b; ++i) {
        const auto& [t0, r0] = knots_[i];
        const auto& [t1, r1] = knots_[i + 1];
        double lo = std::max(a, t0), hi = std::min(b, t1);
        if (hi > lo) sum += linear_integral(t0, r0, t1, r1, lo, hi);
      }
      double tail_start = std::max(a, knots_.back().first);
      if (b > tail_start) sum += knots_.back().second * (b - tail_start);
      return sum;
    }
    case Shape::kDiurnal: {
      const DiurnalShape& d = diurnal_;
      double omega = 2 * std::numbers::pi / sim::to_seconds(d.period);
      double phase = sim::to_seconds(d.peak_at) - sim::to_seconds(d.period) / 2;
      double mean = (d.min + d.max) / 2, amplitude = (d.max - d.min) / 2;
      return mean * (b - a) -
             amplitude * (std::sin(omega * (b - phase)) - std::sin(omega * (a - phase))) / omega;
    }
  }
  return 0;
}

double RateProfile::base_max(double a, double b) const {
  double m = std::max(base_rate_at(a), base_rate_at(b));
  switch (shape_) {
    case Shape::kConstant:
      return constant_;
    case Shape::kPiecewise:
    case Shape::kStep: {
      auto it = std::upper_bound(knots_.begin(), knots_.end(), a,
                                 [](double x, const auto& k) { return x < k.first; });
      for (; it != knots_.end() && it->first <= b; ++it) m = std::max(m, it->second);
      return m;
    }
    case Shape::kDiurnal: {
      double period = sim::to_seconds(diurnal_.period);
      double peak = sim::to_seconds(diurnal_.peak_at);
      // The first peak at or after a.
      double first = peak + std::ceil((a - peak) / period) * period;
      return first <= b ? diurnal_.max : m;
    }
  }
  return m;
}

double RateProfile::rate_at(sim::Time t) const {
  if (t < 0) return 0;
  for (const Spike& s : spikes_)
    if (t >= s.at && t < s.at + s.duration) return s.rate;
  return base_rate_at(sim::to_seconds(t));
}

double RateProfile::expected_arrivals(sim::Time from, sim::Time to) const {
  from = std::max<sim::Time>(from, 0);
  if (to <= from) return 0;
  double a = sim::to_seconds(from), b = sim::to_seconds(to);
  double sum = base_integral(a, b);
  for (const Spike& s : spikes_) {
    double lo = std::max(a, sim::to_seconds(s.at));
    double hi = std::min(b, sim::to_seconds(s.at + s.duration));
    if (hi > lo) sum += s.rate * (hi - lo) - base_integral(lo, hi);
  }
  return std::max(sum, 0.0);
}

double RateProfile::max_rate(sim::Time from, sim::Time to) const {
  from = std::max<sim::Time>(from, 0);
  to = std::max(to, from);
  double m = base_max(sim::to_seconds(from), sim::to_seconds(to));
  for (const Spike& s : spikes_)
    if (s.at <= to && s.at + s.duration > from) m = std::max(m, s.rate);
  return m;
}

std::string RateProfile::describe() const {
  std::string out;
  switch (shape_) {
    case Shape::kConstant:
      out = "constant " + rate_text(constant_);
      break;
    case Shape::kPiecewise:
      out = "piecewise (" + std::to_string(knots_.size() / 2) + " points)";
      break;
    case Shape::kStep:
      out = "step " + rate_text(step_.from) + " +" + rate_text(step_.by) + " every " +
            sim::format_duration(step_.every) + " to " + rate_text(step_.to);
      break;
    case Shape::kDiurnal:
      out = "diurnal " + rate_text(diurnal_.min) + ".." + rate_text(diurnal_.max) + " over " +
            sim::format_duration(diurnal_.period);
      break;
  }
  if (!spikes_.empty()) out += " with " + std::to_string(spikes_.size()) + " spike(s)";
  return out;
}

ArrivalGenerator::ArrivalGenerator(ArrivalProcess process, RateProfile profile, sim::Time start,
                                   sim::Time end)
    : process_(process),
      profile_(std::move(profile)),
      end_(end),
      now_(std::max<sim::Time>(start, 0)) {
  if (profile_.shape() == RateProfile::Shape::kConstant && profile_.spikes().empty())
    flat_rate_ = profile_.rate_at(0);
}

std::optional<sim::Time> ArrivalGenerator::next(sim::Rng& rng) {
  return process_ == ArrivalProcess::kPoisson ? next_poisson(rng) : next_constant();
}

// Thinning: candidates at the segment's bound rate, each kept with probability rate(t) / bound.
// A candidate past the segment's end is dropped and drawing restarts at the end with the next
// segment's bound; the exponential's lack of memory makes that exact.
std::optional<sim::Time> ArrivalGenerator::next_poisson(sim::Rng& rng) {
  while (now_ < end_) {
    sim::Time segment_end = std::min(end_, (now_ / kThinningSegment + 1) * kThinningSegment);
    double bound = flat_rate_ >= 0 ? flat_rate_ : profile_.max_rate(now_, segment_end);
    if (bound <= 0) {
      now_ = segment_end;
      continue;
    }
    double gap = sim::standard_exponential(rng) / bound;
    if (gap >= sim::to_seconds(segment_end - now_)) {
      now_ = segment_end;
      continue;
    }
    now_ += sim::from_seconds(gap);
    if (now_ >= segment_end) {
      now_ = segment_end;
      continue;
    }
    // Where the rate is at its bound (always, for a flat rate) the candidate is kept without a
    // draw: the acceptance test could not fail.
    if (flat_rate_ >= 0) return now_;
    const double rate = profile_.rate_at(now_);
    if (rate >= bound || rng.uniform() * bound < rate) return now_;
  }
  return std::nullopt;
}

// Evenly spaced: the next arrival is where the expected count since the last one reaches 1. On a
// flat stretch that is 1 / rate away; elsewhere the time is found by walking segments and
// bisecting on the integral (to the nanosecond).
std::optional<sim::Time> ArrivalGenerator::next_constant() {
  if (now_ >= end_) return std::nullopt;
  double rate = profile_.rate_at(now_);
  if (rate > 0) {
    sim::Time guess = now_ + std::max<sim::Time>(1, sim::from_seconds(1 / rate));
    double flat = rate * sim::to_seconds(guess - now_);
    if (guess <= end_ && std::abs(profile_.expected_arrivals(now_, guess) - flat) <= 1e-9 * flat) {
      now_ = guess;
      return now_ < end_ ? std::optional<sim::Time>(now_) : std::nullopt;
    }
  }
  double needed = 1;
  sim::Time lo = now_;
  for (;;) {
    if (lo >= end_) {
      now_ = end_;
      return std::nullopt;
    }
    sim::Time hi = std::min(end_, lo + kThinningSegment);
    double in_segment = profile_.expected_arrivals(lo, hi);
    if (in_segment >= needed) {
      // Bisect for the first t in (lo, hi] with expected_arrivals(lo, t) >= needed.
      sim::Time a = lo, b = hi;
      while (b - a > 1) {
        sim::Time mid = a + (b - a) / 2;
        if (profile_.expected_arrivals(lo, mid) >= needed)
          b = mid;
        else
          a = mid;
      }
      now_ = b;
      return now_ < end_ ? std::optional<sim::Time>(now_) : std::nullopt;
    }
    needed -= in_segment;
    lo = hi;
  }
}

RequestMix::RequestMix(std::vector<MixEntry> entries) : entries_(std::move(entries)) {
  double sum = 0;
  for (const MixEntry& e : entries_) {
    require(std::isfinite(e.weight) && e.weight > 0, "mix weights must be > 0");
    sum += e.weight;
    cumulative_.push_back(sum);
  }
}

std::size_t RequestMix::pick(sim::Rng& rng) const {
  double x = rng.uniform() * cumulative_.back();
  auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), x);
  if (it == cumulative_.end()) --it;
  return static_cast<std::size_t>(it - cumulative_.begin());
}

double RequestMix::share(std::size_t i) const {
  return entries_.at(i).weight / cumulative_.back();
}

}  // namespace kubetwin::scenario
