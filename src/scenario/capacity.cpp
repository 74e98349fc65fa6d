// Capacity search: scale the scenario's load until the SLO breaks, bisect, name the bottleneck.
#include "kubetwin/scenario/capacity.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <optional>
#include <vector>

namespace kubetwin::scenario {

namespace {

k8s::SourceLocation flag_location() {
  static const auto kFlag = std::make_shared<const std::string>("--slo");
  return k8s::SourceLocation{kFlag, 0, 0};
}

[[noreturn]] void bad_slo(const std::string& text, const std::string& why) {
  throw k8s::InputError(flag_location(), "cannot read SLO \"" + text + "\": " + why,
                        "write it as \"p99<300ms,errors<0.1%\" (quantile p50|p95|p99|p999|max, "
                        "error rate in percent)");
}

std::string trim(std::string s) {
  while (!s.empty() && s.front() == ' ') s.erase(s.begin());
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

struct SloOutcome {
  bool passed = true;
  bool any = false;
  double worst_margin = 0;  // measured / bound, worst route
  std::string worst;        // "POST /orders p99 412.0ms, errors 0.00%"
};

SloOutcome evaluate(const ScenarioResult& result, const CapacitySlo& slo) {
  SloOutcome out;
  double q = quantile_fraction(slo.quantile);
  const std::optional<double> errors_below = error_rate_bound(slo);
  for (const RouteSummary& r : result.routes) {
    if (!slo.route.empty() && r.merged.request != slo.route) continue;
    if (r.merged.completed == 0) continue;
    out.any = true;
    int64_t latency = r.merged.latency.quantile(q);
    double margin = 0;
    bool ok = true;
    if (slo.below) {
      margin = std::max(margin, static_cast<double>(latency) / static_cast<double>(*slo.below));
      ok = ok && latency < *slo.below;
    }
    if (errors_below) {
      double m = *errors_below > 0 ? r.merged.error_rate / *errors_below : 0;
      margin = std::max(margin, m);
      ok = ok && meets_error_bound(r.merged.error_rate, *errors_below);
    }
    if (!ok) out.passed = false;
    if (margin >= out.worst_margin || out.worst.empty()) {
      out.worst_margin = margin;
      out.worst =
          fmt::format("{} {} {:.1f}ms, errors {:.2f}%", r.merged.request, to_string(slo.quantile),
                      static_cast<double>(latency) / 1e6, r.merged.error_rate * 100);
    }
  }
  if (!out.any) {
    out.passed = false;
    out.worst = slo.route.empty() ? "no request was answered" : "no request of " + slo.route;
  }
  return out;
}

// Whether a probe's replications so far already decide it: true (pass) when, on every route the
// SLO covers, the 95% Student-t interval of the replications' own figures (the SLO's quantile,
// the error rate) lies wholly below its bound; false (fail) when on some route one lies wholly at
// or above it; nullopt otherwise (too close to call: run the rest). A zero spread (no errors in
// any replication) is an interval of one point.
std::optional<bool> clear_verdict(const ScenarioResult& result, const CapacitySlo& slo) {
  const double q = quantile_fraction(slo.quantile);
  auto side = [](const std::vector<double>& xs, double bound) {
    const sim::ConfidenceInterval ci = sim::student_t_interval(xs);
    return ci.high() < bound ? -1 : (ci.low() >= bound ? 1 : 0);
  };
  // A bound of 0 is met by no error at all (meets_error_bound).
  auto error_side = [&side](const std::vector<double>& xs, double bound) {
    if (bound > 0) return side(xs, bound);
    const bool none = std::all_of(xs.begin(), xs.end(), [](double x) { return x <= 0; });
    return none ? -1 : (sim::student_t_interval(xs).low() > 0 ? 1 : 0);
  };
  const std::optional<double> errors_below = error_rate_bound(slo);
  bool any = false, all_below = true;
  for (size_t k = 0; k < result.routes.size(); ++k) {
    const runtime::RouteFigures& merged = result.routes[k].merged;
    if (!slo.route.empty() && merged.request != slo.route) continue;
    if (merged.completed == 0) continue;  // evaluate() skips it too
    std::vector<double> latency, errors;
    for (const runtime::RunFigures& run : result.runs) {
      if (k >= run.routes.size() || run.routes[k].completed == 0) return std::nullopt;
      latency.push_back(static_cast<double>(run.routes[k].latency.quantile(q)));
      errors.push_back(run.routes[k].error_rate);
    }
    any = true;
    const int l = slo.below ? side(latency, static_cast<double>(*slo.below)) : -1;
    const int e = errors_below ? error_side(errors, *errors_below) : -1;
    if (l == 1 || e == 1) return false;
    if (l == 0 || e == 0) all_below = false;
  }
  if (!any || !all_below) return std::nullopt;
  return true;
}

// "first bottleneck: X (evidence)", or, when nothing was near full at the first miss, "no
// resource was saturated (the most loaded: X, evidence)".
std::string bottleneck_text(const Bottleneck& b) {
  if (b.saturated()) return fmt::format("first bottleneck: {} ({})", b.resource, b.evidence);
  if (b.resource.empty()) return "no resource was saturated";
  return fmt::format("no resource was saturated (the most loaded: {}, {})", b.resource, b.evidence);
}

std::string rate_text(double r) {
  return r >= 100 ? fmt::format("{:.0f}", r) : fmt::format("{:.1f}", r);
}

}  // namespace

std::optional<double> error_rate_bound(const CapacitySlo& slo) {
  if (slo.error_rate_below) return slo.error_rate_below;
  if (slo.below) return implied_error_rate_bound(slo.quantile);
  return std::nullopt;
}

CapacitySlo parse_capacity_slo(const std::string& text) {
  CapacitySlo slo;
  slo.text = text;
  size_t start = 0;
  bool any = false;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string part =
        trim(text.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    start = comma == std::string::npos ? text.size() + 1 : comma + 1;
    if (part.empty()) continue;
    size_t lt = part.find('<');
    if (lt == std::string::npos) bad_slo(text, "\"" + part + "\" has no '<'");
    std::string key = trim(part.substr(0, lt));
    std::string value = trim(part.substr(lt + 1));
    if (!value.empty() && value.front() == '=') value = trim(value.substr(1));
    if (key == "errors" || key == "error" || key == "errorRate") {
      bool pct = !value.empty() && value.back() == '%';
      if (pct) value.pop_back();
      char* end = nullptr;
      double x = std::strtod(value.c_str(), &end);
      if (value.empty() || *end != '\0' || !std::isfinite(x) || x < 0) {
        bad_slo(text, "\"" + part + "\" needs a non-negative error rate");
      }
      slo.error_rate_below = pct ? x / 100 : x;
      any = true;
      continue;
    }
    Quantile q;
    if (key == "p50")
      q = Quantile::kP50;
    else if (key == "p95")
      q = Quantile::kP95;
    else if (key == "p99")
      q = Quantile::kP99;
    else if (key == "p999" || key == "p99.9")
      q = Quantile::kP999;
    else if (key == "max")
      q = Quantile::kMax;
    else
      bad_slo(text, "unknown bound \"" + key + "\"");
    auto d = sim::parse_duration(value);
    if (!d || *d <= 0) bad_slo(text, "\"" + value + "\" is not a positive duration");
    slo.quantile = q;
    slo.below = *d;
    any = true;
  }
  if (!any) bad_slo(text, "it names no bound");
  return slo;
}

Bottleneck find_bottleneck(const ScenarioResult& result) {
  std::vector<Bottleneck> candidates;
  const runtime::RunFigures& f = result.merged;
  for (const auto& w : f.workloads) {
    std::string who = w.namespace_name + "/" + w.name;
    if (w.cpu_limit_milli > 0) {
      Bottleneck b;
      b.kind = "cpu";
      b.resource = fmt::format("{} CPU (limit {}m per pod)", who, w.cpu_limit_milli);
      b.saturation = std::max(w.cpu_utilisation_of_limit, w.throttled_period_fraction);
      b.evidence = fmt::format("{:.0f}% of the CPU limit, {:.0f}% of CFS periods throttled",
                               w.cpu_utilisation_of_limit * 100, w.throttled_period_fraction * 100);
      candidates.push_back(b);
    }
    if (w.worker_utilisation > 0) {
      Bottleneck b;
      b.kind = "workers";
      b.resource = who + " worker pool";
      b.saturation = w.worker_utilisation;
      b.evidence = fmt::format("{:.0f}% of workers busy, {:.1f} requests queued on average",
                               w.worker_utilisation * 100, w.queue_mean);
      candidates.push_back(b);
    }
  }
  for (const auto& p : f.postgres) {
    Bottleneck b;
    b.kind = "postgres-connections";
    b.resource = p.namespace_name + "/" + p.name + " connections";
    double usable = std::max(1, p.max_connections);
    b.saturation = p.connection_refusals > 0 ? 1.0 + 1e-9 : p.connections_max / usable;
    b.evidence = fmt::format("{:.0f} of {} usable connections at peak, {} refused (53300)",
                             p.connections_max, p.max_connections, p.connection_refusals);
    candidates.push_back(b);
  }
  for (const auto& g : f.kafka_groups) {
    double produced = 0;
    for (const auto& t : f.kafka_topics) {
      if (t.namespace_name == g.namespace_name && t.topic == g.topic) produced = t.produced_per_s;
    }
    if (produced <= 0) continue;
    Bottleneck b;
    b.kind = "kafka-lag";
    b.resource = fmt::format("{} consumer group {} on {}", g.namespace_name, g.group, g.topic);
    // Busy poll loops saturate; a consumer rate below the produce rate means the lag grows.
    b.saturation = std::max(
        g.consumer_utilisation,
        g.consumed_per_s < 0.98 * produced ? produced / std::max(1e-9, g.consumed_per_s) : 0.0);
    b.evidence = fmt::format(
        "poll loops {:.0f}% busy, {:.0f} records/s produced, {:.0f}/s consumed, "
        "lag {} at the end",
        g.consumer_utilisation * 100, produced, g.consumed_per_s, g.lag_end);
    candidates.push_back(b);
  }
  for (const auto& v : f.volumes) {
    if (v.capacity_bytes <= 0) continue;
    Bottleneck b;
    b.kind = "disk";
    b.resource = v.namespace_name + "/" + v.claim;
    b.saturation = static_cast<double>(v.used_bytes) / static_cast<double>(v.capacity_bytes);
    b.evidence = fmt::format("{:.1f}% full", b.saturation * 100);
    candidates.push_back(b);
  }
  Bottleneck best;
  for (const Bottleneck& b : candidates) {
    if (b.saturation > best.saturation) best = b;
  }
  return best;
}

CapacityResult find_capacity(const ScenarioSpec& spec, const CapacitySlo& slo,
                             const CapacityOptions& options) {
  CapacityResult out;
  out.scenario = spec.name;
  out.slo = slo;
  auto prepared = prepare_scenario(spec);

  std::optional<ScenarioResult> first_fail;
  double first_fail_scale = 0;
  const int replications = options.run.replications.value_or(spec.replications);
  out.replications = replications;
  // A probe's first replications, which may already decide it (see clear_verdict).
  const int first_batch = options.full_probes
                              ? replications
                              : std::min(replications, std::max(2, (replications + 1) / 2));
  auto probe = [&](double scale) {
    RunOptions run = options.run;
    run.rate_scale = scale;
    run.started = std::chrono::steady_clock::now();
    std::vector<runtime::RunFigures> runs = run_replications(*prepared, run, 0, first_batch);
    std::optional<ScenarioResult> decided;
    if (first_batch < replications) {
      // A copy of the runs: when they do not decide the probe, they join the rest.
      ScenarioResult early = summarize_runs(*prepared, run, runs);
      if (!early.incomplete && clear_verdict(early, slo) == evaluate(early, slo).passed)
        decided = std::move(early);
    }
    if (!decided) {
      std::vector<runtime::RunFigures> rest =
          run_replications(*prepared, run, first_batch, replications - first_batch);
      for (auto& r : rest) runs.push_back(std::move(r));
    }
    ScenarioResult r =
        decided ? std::move(*decided) : summarize_runs(*prepared, run, std::move(runs));
    SloOutcome o = evaluate(r, slo);
    CapacityProbe p{scale, r.offered_rate_per_s, o.passed, o.worst, {}, r.replications};
    const double q = quantile_fraction(slo.quantile);
    for (const RouteSummary& route : r.routes) {
      const auto& m = route.merged;
      const bool any = m.latency.count() > 0;
      auto ms = [&](double f) {
        return any ? static_cast<double>(m.latency.quantile(f)) / 1e6
                   : std::numeric_limits<double>::quiet_NaN();
      };
      p.routes.push_back(CapacityProbeRoute{m.entry, m.request, ms(q), ms(0.99), m.error_rate,
                                            m.throughput_per_s});
    }
    out.probes.push_back(std::move(p));
    if (!o.passed && (!first_fail || scale < first_fail_scale)) {
      first_fail = std::move(r);
      first_fail_scale = scale;
    }
    return o.passed;
  };

  double pass = 0, fail = 0;
  if (probe(1.0)) {
    pass = 1;
    double s = 2;
    while (static_cast<int>(out.probes.size()) < options.max_runs && s <= options.max_scale) {
      if (probe(s)) {
        pass = s;
        s *= 2;
      } else {
        fail = s;
        break;
      }
    }
  } else {
    fail = 1;
    double s = 0.5;
    while (static_cast<int>(out.probes.size()) < options.max_runs && s >= 1.0 / options.max_scale) {
      if (probe(s)) {
        pass = s;
        break;
      }
      fail = s;
      s /= 2;
    }
  }
  while (pass > 0 && fail > 0 && (fail - pass) / pass > options.tolerance &&
         static_cast<int>(out.probes.size()) < options.max_runs) {
    double mid = (pass + fail) / 2;
    if (probe(mid))
      pass = mid;
    else
      fail = mid;
  }
  out.found = pass > 0 && fail > 0;
  out.scale = pass;
  for (const CapacityProbe& p : out.probes) {
    if (p.scale == pass) out.max_rate_per_s = p.offered_rate_per_s;
  }
  if (first_fail) out.bottleneck = find_bottleneck(*first_fail);
  std::string envs;
  for (const std::string& e : spec.environments) envs += (envs.empty() ? "" : "+") + e;
  if (!out.found && pass > 0) {
    out.summary = fmt::format(
        "{} meets {} up to at least {} req/s ({}x the scenario's load): "
        "no failure found up to the search limit",
        envs, slo.text, rate_text(out.max_rate_per_s), out.scale);
  } else if (!out.found) {
    out.summary =
        fmt::format("{} misses {} even at {:.3g}x the scenario's load ({}); {}", envs, slo.text,
                    fail, out.probes.back().measured, bottleneck_text(out.bottleneck));
  } else {
    out.summary = fmt::format("{} carries {} req/s at {} ({:.2f}x the scenario's load); {}", envs,
                              rate_text(out.max_rate_per_s), slo.text, out.scale,
                              bottleneck_text(out.bottleneck));
  }
  return out;
}

}  // namespace kubetwin::scenario
