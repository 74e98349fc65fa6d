// Truth tests: whole scenarios that reduce to textbook queues match the formulas (M/M/c, M/D/1,
// M/G/1, a Service of M/M/1 queues, a closed loop against Mean Value Analysis) and a CFS-limited
// pod matches an independent reference (issue 4, must-show 1; issue 14, must-shows 1 and 4);
// Little's law holds on every route's figures, and runs are deterministic.
//
// Each truth case prints one line, `truth: CASE theory=... twin=... error=...% (se ...%)`, the
// README's truth table. `se` is the twin's standard error from its replications' spread: run
// lengths are chosen so the 2% bound is at least four standard errors, a bound a correct twin
// does not fail by chance.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "kubetwin/scenario/runner.hpp"
#include "kubetwin/scenario/scenario_file.hpp"
#include "kubetwin/sim/queueing.hpp"
#include "runtime/cfs_reference.hpp"
#include "scenario/test_util.hpp"

namespace kubetwin::scenario {
namespace {

// GET /work's CPU in testdata/truth/behaviour.yaml: exponential, mean 10 ms, so mu = 100/s.
constexpr double kMu = 100.0;
// GET /fixed's CPU: deterministic 10 ms.
constexpr int64_t kFixedCpuNs = 10'000'000;
constexpr double kFixedCpu = 0.010;
// GET /lognormal's CPU: median 8 ms, p99 40 ms, so ln S ~ Normal(ln 8 ms, sigma) with sigma =
// ln(40 / 8) / z_0.99 (z_0.99, the standard normal's 99th percentile). Its moments are exact:
// E[S] = median e^(sigma^2 / 2) = 10.16 ms, E[S^2] = median^2 e^(2 sigma^2).
constexpr double kZ99 = 2.3263478740408408;
const double kLognormalSigma = std::log(40.0 / 8.0) / kZ99;
const double kLognormalMean = 0.008 * std::exp(kLognormalSigma * kLognormalSigma / 2);
const double kLognormalSecondMoment =
    0.008 * 0.008 * std::exp(2 * kLognormalSigma * kLognormalSigma);

// Every truth case is within this of its theory (issue 14, must-show 4).
constexpr double kTruthTolerance = 0.02;

// The truth model (testdata/truth): one Deployment `worker` without a CPU limit behind a
// ClusterIP Service, on a cluster whose every network hop costs 0. A load sent to the Service
// goes through kube-proxy straight to a pod: no gateway, no network, only the pod's workers (one
// accept queue, `concurrency` threads, each a full core since nothing limits the CPU), so the
// response time is queueing plus service and nothing else.
struct TruthRun {
  int pods = 1;             // replicas of the Deployment
  int concurrency = 1;      // worker threads per pod
  double rate = 50;         // Poisson arrivals per second, all pods together
  double measured_s = 600;  // all replications together, warm-up excluded
  double warmup_s = 50;     // per replication: an empty system relaxes in seconds even at 90%
  int replications = 4;
  uint64_t seed = 1;
  std::string mix = "[{request: \"GET /work\"}]";
  std::string arrivals = "poisson";
  std::string closed;           // "{users: 100, thinkTime: 2s}": a closed loop instead of `rate`
  std::string cluster;          // "" = the model's latency-free cluster.yaml
  std::string model = "truth";  // testdata directory of the twin.yaml
  std::string environment;      // "" = every environment of the model
  std::string namespace_name = "truth";
};

ScenarioSpec truth_scenario(const TruthRun& run) {
  char rate[64];
  std::snprintf(rate, sizeof rate, "%.6g/s", run.rate);
  const auto per_run_s =
      static_cast<int64_t>(std::ceil(run.measured_s / run.replications + run.warmup_s));
  const std::string load = run.closed.empty()
                               ? "      arrivals: " + run.arrivals + "\n      rate: " + rate + "\n"
                               : "      arrivals: {closed: " + run.closed + "}\n";
  std::string text =
      "apiVersion: kubetwin.io/v1alpha1\n"
      "kind: Scenario\n"
      "metadata: {name: truth}\n"
      "spec:\n"
      "  model: twin.yaml\n" +
      (run.environment.empty() ? std::string() : "  environments: [" + run.environment + "]\n") +
      (run.cluster.empty() ? std::string() : "  cluster: " + run.cluster + "\n") +
      "  duration: " + std::to_string(per_run_s) + "s\n" +
      "  warmup: " + std::to_string(static_cast<int64_t>(run.warmup_s)) + "s\n" +
      "  seed: " + std::to_string(run.seed) + "\n" +
      "  replications: " + std::to_string(run.replications) + "\n" +
      "  load:\n"
      "    - name: clients\n"
      "      target: {service: worker, namespace: " +
      run.namespace_name + ", port: 80}\n" + load + "      mix: " + run.mix + "\n" +
      "  overrides:\n"
      "    " +
      run.namespace_name + "/worker.replicas: " + std::to_string(run.pods) + "\n";
  // The path anchors `model: twin.yaml` in the model's directory; the file itself need not exist.
  ScenarioSpec spec = parse_scenario(text, testing::testdata(run.model + "/generated.yaml"));
  spec.behaviour.services.at(0).concurrency = run.concurrency;
  return spec;
}

ScenarioResult run_truth(const TruthRun& run) {
  return run_scenario(truth_scenario(run), RunOptions{.threads = 2});
}

const runtime::RouteFigures& route_of(const ScenarioResult& result, const std::string& request) {
  for (const RouteSummary& r : result.routes) {
    if (r.merged.request == request) return r.merged;
  }
  throw std::runtime_error("no route " + request);
}

// The worker Deployment, in whichever namespace the model puts it (truth, cfs-100m, ...).
const runtime::WorkloadFigures& worker_of(const ScenarioResult& result) {
  for (const runtime::WorkloadFigures& w : result.merged.workloads) {
    if (w.name == "worker") return w;
  }
  throw std::runtime_error("no workload worker");
}

// The relative standard error of one figure of a route (by default its mean response), from its
// replications (each an independent run, so their spread is the estimator's).
double relative_standard_error(
    const ScenarioResult& result, const std::string& request,
    double (*figure)(const runtime::RouteFigures&) = [](const runtime::RouteFigures& r) {
      return r.latency.mean();
    }) {
  std::vector<double> values;
  for (const runtime::RunFigures& run : result.runs) {
    for (const runtime::RouteFigures& r : run.routes) {
      if (r.request == request) values.push_back(figure(r));
    }
  }
  if (values.size() < 2) return 0;
  double mean = 0, m2 = 0;
  for (double v : values) mean += v / static_cast<double>(values.size());
  for (double v : values) m2 += (v - mean) * (v - mean);
  const double sd = std::sqrt(m2 / static_cast<double>(values.size() - 1));
  return sd / std::sqrt(static_cast<double>(values.size())) / mean;
}

// One row of the README's truth table: prints it and checks the twin within `tolerance`.
void expect_truth(const std::string& label, double theory, double twin, double se,
                  double tolerance = kTruthTolerance) {
  const double error = twin / theory - 1;
  std::printf("truth: %s theory=%.6g twin=%.6g error=%+.2f%% (se %.2f%%)\n", label.c_str(), theory,
              twin, 100 * error, 100 * se);
  EXPECT_NEAR(error, 0.0, tolerance) << label << ": theory " << theory << ", twin " << twin;
}

// Little's law, L = lambda W, on one route's figures: the time-averaged requests outstanding
// against answered-per-second times the mean latency. Returns L / (lambda W) - 1.
double little_error(const runtime::RouteFigures& r) {
  const double lambda_w = r.throughput_per_s * r.latency.mean() / 1e9;
  return r.mean_in_flight / lambda_w - 1;
}

void expect_little(const runtime::RouteFigures& r, double tolerance, const std::string& where) {
  ASSERT_GT(r.completed, 0u) << where << " " << r.request;
  EXPECT_NEAR(little_error(r), 0.0, tolerance)
      << where << " " << r.entry << " " << r.request << ": in flight " << r.mean_in_flight
      << ", throughput " << r.throughput_per_s << "/s x mean " << r.latency.mean() / 1e6 << "ms";
}

// Every route of every replication and of the merged figures; prints the worst deviation.
void expect_little_everywhere(const ScenarioResult& result, double tolerance) {
  ASSERT_FALSE(result.routes.empty());
  double worst = 0;
  for (size_t i = 0; i < result.runs.size(); ++i) {
    for (const runtime::RouteFigures& r : result.runs[i].routes) {
      expect_little(r, tolerance, "replication " + std::to_string(i));
      worst = std::max(worst, std::abs(little_error(r)));
    }
  }
  for (const RouteSummary& r : result.routes) {
    expect_little(r.merged, tolerance, "merged");
    worst = std::max(worst, std::abs(little_error(r.merged)));
  }
  std::printf(
      "  Little's law on %zu route(s) x %zu replication(s): worst |L / (X W) - 1| = %.3f%%\n",
      result.routes.size(), result.runs.size(), 100 * worst);
}

// ---- 1. One pod with c worker threads is M/M/c ----

struct MmcCase {
  int servers;
  double rho;
  double measured_s;  // chosen so the relative standard error of the mean is 0.5% or less
};

// The statistical error of a mean response time grows like 1/(1 - rho)^2 in the load: at 90% an
// M/M/1 run needs ~280,000 simulated seconds (25M requests) for a 0.5% standard error, which the
// replications' spread (printed as se) confirms. The 2% bound is then four standard errors.
TEST(TruthValidation, OnePodWithCThreadsIsMmc) {
  const MmcCase cases[] = {{1, 0.5, 16'000}, {1, 0.8, 64'000}, {1, 0.9, 280'000},
                           {4, 0.5, 8'000},  {4, 0.8, 16'000}, {4, 0.9, 40'000}};
  for (const MmcCase& c : cases) {
    TruthRun run;
    run.concurrency = c.servers;
    run.rate = c.rho * kMu * c.servers;
    run.measured_s = c.measured_s;
    run.replications = 8;
    ScenarioResult result = run_truth(run);
    const runtime::RouteFigures& route = route_of(result, "GET /work");
    const double measured = route.latency.mean() / 1e9;
    const double analytic = sim::mmc_mean_response(run.rate, kMu, c.servers);
    char label_text[64];
    std::snprintf(label_text, sizeof label_text, "M/M/%d rho=%.1f", c.servers, c.rho);
    const std::string label = label_text;
    expect_truth(label, analytic * 1e3, measured * 1e3,
                 relative_standard_error(result, "GET /work"));
    std::printf("  %llu requests\n", static_cast<unsigned long long>(route.completed));
    EXPECT_EQ(route.error_rate, 0.0) << label;

    // The pod's own figures: its workers are busy rho of the time, and (where the queue is long
    // enough for a tight estimate) the queue holds Lq = C(c, a) rho / (1 - rho) on average.
    const runtime::WorkloadFigures& w = worker_of(result);
    EXPECT_NEAR(w.worker_utilisation / c.rho, 1.0, 0.02) << label;
    const double lq = sim::erlang_c(run.rate, kMu, c.servers) * c.rho / (1 - c.rho);
    std::printf("  workers busy %.4f (rho %.2f), queue %.4f (Lq %.4f)\n", w.worker_utilisation,
                c.rho, w.queue_mean, lq);
    if (c.rho >= 0.8) {
      EXPECT_NEAR(w.queue_mean / lq, 1.0, 0.05) << label << ": queue " << w.queue_mean;
    }
    expect_little_everywhere(result, 0.02);
  }
}

// ---- 2. One thread and general service: M/D/1 and M/G/1 (Pollaczek-Khinchine) ----

// One pod, one worker thread, Poisson arrivals: M/G/1, whose mean response Pollaczek and
// Khinchine give from the service's first two moments alone, W = E[S] + lambda E[S^2] /
// (2 (1 - rho)). Deterministic service (GET /fixed) waits half as long as exponential; the
// lognormal (GET /lognormal, CV^2 0.61) sits between them.
struct Mg1Case {
  const char* request;
  const char* name;  // "M/D/1"
  double mean;       // E[S], s
  double second;     // E[S^2], s^2
  double rho;
  double measured_s;  // for a standard error of 0.5% or less
};

TEST(TruthValidation, OneThreadIsMg1WithPollaczekKhinchine) {
  const Mg1Case cases[] = {
      {"GET /fixed", "M/D/1", kFixedCpu, kFixedCpu * kFixedCpu, 0.5, 4'000},
      {"GET /fixed", "M/D/1", kFixedCpu, kFixedCpu * kFixedCpu, 0.8, 24'000},
      {"GET /fixed", "M/D/1", kFixedCpu, kFixedCpu * kFixedCpu, 0.9, 100'000},
      {"GET /lognormal", "M/G/1 lognormal", kLognormalMean, kLognormalSecondMoment, 0.5, 12'000},
      {"GET /lognormal", "M/G/1 lognormal", kLognormalMean, kLognormalSecondMoment, 0.8, 60'000},
  };
  for (const Mg1Case& c : cases) {
    TruthRun run;
    run.rate = c.rho / c.mean;
    run.mix = std::string("[{request: \"") + c.request + "\"}]";
    run.measured_s = c.measured_s;
    run.replications = 8;
    ScenarioResult result = run_truth(run);
    const runtime::RouteFigures& route = route_of(result, c.request);
    char label[64];
    std::snprintf(label, sizeof label, "%s rho=%.1f", c.name, c.rho);
    expect_truth(label, sim::mg1_mean_response(run.rate, c.mean, c.second) * 1e3,
                 route.latency.mean() / 1e6, relative_standard_error(result, c.request));
    std::printf("  %llu requests\n", static_cast<unsigned long long>(route.completed));
    EXPECT_NEAR(worker_of(result).worker_utilisation / c.rho, 1.0, 0.02) << label;
  }
}

// ---- 3. c single-thread pods behind a Service are c independent M/M/1 queues ----

// kube-proxy picks a ready endpoint at random for every connection, without looking at queues,
// so each of the c pods receives an independent Poisson stream of lambda / c (a random split of a
// Poisson process) and serves it alone: c separate M/M/1 queues. That is NOT M/M/c: an M/M/c
// has one queue that any idle server takes from, whereas here a request can wait behind a busy
// pod while another pod idles. At rho 0.8 with four pods the mean response is 50 ms (M/M/1),
// nearly three times the 17.5 ms of M/M/4. Capacity plans that model a Service's replicas as one
// pooled M/M/c are optimistic by that factor.
TEST(TruthValidation, ServiceOfSingleThreadPodsIsIndependentMm1Queues) {
  constexpr int kPods = 4;
  const MmcCase cases[] = {{1, 0.5, 8'000}, {1, 0.8, 16'000}, {1, 0.9, 72'000}};
  for (const MmcCase& c : cases) {
    TruthRun run;
    run.pods = kPods;
    run.concurrency = 1;
    run.rate = c.rho * kMu * kPods;
    run.measured_s = c.measured_s;
    run.replications = 8;
    ScenarioResult result = run_truth(run);
    const runtime::RouteFigures& route = route_of(result, "GET /work");
    const double measured = route.latency.mean() / 1e9;
    const double mm1 = sim::mmc_mean_response(run.rate / kPods, kMu, 1);  // 1 / (mu - lambda/c)
    const double mmc = sim::mmc_mean_response(run.rate, kMu, kPods);
    char label_text[64];
    std::snprintf(label_text, sizeof label_text, "Service of %d M/M/1 pods rho=%.1f", kPods, c.rho);
    const std::string label = label_text;
    expect_truth(label, mm1 * 1e3, measured * 1e3, relative_standard_error(result, "GET /work"));
    std::printf("  M/M/%d would be %.4f ms, %llu requests\n", kPods, mmc * 1e3,
                static_cast<unsigned long long>(route.completed));
    // Far from the pooled queue: the gap is at least 40% of M/M/c's response at these loads.
    EXPECT_GT(measured, 1.4 * mmc) << label;
    EXPECT_EQ(worker_of(result).pods, kPods);
    EXPECT_NEAR(worker_of(result).worker_utilisation / c.rho, 1.0, 0.02) << label;
  }
}

// A fast, sanitizer-friendly version: at 50% the two models already differ by 50%
// (M/M/1 20 ms, M/M/4 10.9 ms), so a short run tells them apart.
TEST(Truth, ServiceOfSingleThreadPodsIsNotMmc) {
  TruthRun run;
  run.pods = 4;
  run.rate = 0.5 * kMu * 4;
  run.measured_s = 400;
  run.replications = 2;
  ScenarioResult result = run_truth(run);
  const double measured = route_of(result, "GET /work").latency.mean() / 1e9;
  const double mm1 = sim::mmc_mean_response(run.rate / 4, kMu, 1);
  EXPECT_NEAR(measured / mm1, 1.0, 0.05);
  EXPECT_GT(measured, 1.4 * sim::mmc_mean_response(run.rate, kMu, 4));
}

// ---- 4. A CFS-limited pod against an independent reference (issue 14) ----

// Issue 14's teaching model (testdata/truth-cfs): GET /fixed's deterministic 10 ms on `threads`
// worker threads under limits.cpu 100m, 150m, 200m or 1000m, whose quotas (10, 15, 20 and 100 ms
// per 100 ms period) are whole multiples of the work: the runs that once spun forever. The load
// is the report's 2.67 req/s per thread, capped at 60% of what the limit allows (limit / 10 ms:
// 10 req/s at 100m): scaled unchecked it would pass the limit (21 req/s against 100m's 10), with
// no steady state to compare, and near it a run long enough for a 2% bound takes minutes.
struct CfsCase {
  int64_t milli_cpu;
  int threads;
  double rate() const {
    return std::min(2.67 * threads, 0.6 * static_cast<double>(milli_cpu) / 1000 / kFixedCpu);
  }
  // The CPU asked for over the limit's.
  double limit_utilisation() const {
    return rate() * kFixedCpu / (static_cast<double>(milli_cpu) / 1000);
  }
  std::string environment() const { return "cfs-" + std::to_string(milli_cpu) + "m"; }
};

std::string case_name(const ::testing::TestParamInfo<CfsCase>& i) {
  return std::to_string(i.param.milli_cpu) + "m_" + std::to_string(i.param.threads) + "threads";
}

const CfsCase kCfsCases[] = {{100, 1}, {150, 1},  {200, 1}, {1000, 1}, {100, 2}, {150, 2},
                             {200, 2}, {1000, 2}, {100, 4}, {150, 4},  {200, 4}, {1000, 4},
                             {100, 8}, {150, 8},  {200, 8}, {1000, 8}};

TruthRun cfs_run(const CfsCase& c) {
  TruthRun run;
  run.model = "truth-cfs";
  run.environment = c.environment();
  run.namespace_name = c.environment();
  run.concurrency = c.threads;
  run.rate = c.rate();
  run.mix = "[{request: \"GET /fixed\"}]";
  return run;
}

// The reference: Poisson arrivals of 10 ms of work through testing::simulate_cfs
// (runtime/cfs_reference.hpp), with its own random numbers (SplitMix64, exponential gaps by
// inversion) and its own loop; nothing of the runtime or the engine. Independent replications
// give its mean response and standard error.
struct CfsReference {
  double mean_s = 0;
  double se = 0;  // relative
  uint64_t requests = 0;
};

CfsReference reference_cfs(const CfsCase& c, double measured_s, int replications) {
  constexpr double kWarmupS = 50;
  uint64_t state = 0x14c0ffee + static_cast<uint64_t>(c.milli_cpu * 100 + c.threads);
  auto next_u64 = [&state] {  // SplitMix64
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  };
  const kubetwin::testing::CfsPool pool{.quota_ns = c.milli_cpu * 100'000,  // limit x 100 ms / 1000
                                        .period_ns = 100'000'000,
                                        .threads = c.threads};
  std::vector<double> means;
  CfsReference out;
  for (int r = 0; r < replications; ++r) {
    std::vector<kubetwin::testing::CfsArrival> arrivals;
    double t = 0;
    const double end = kWarmupS + measured_s / replications;
    for (;;) {
      const double u = static_cast<double>((next_u64() >> 11) + 1) * 0x1.0p-53;
      t += -std::log(u) / c.rate();
      if (t >= end) break;
      arrivals.push_back({std::llround(t * 1e9), kFixedCpuNs});
    }
    const kubetwin::testing::CfsRun run = kubetwin::testing::simulate_cfs(pool, arrivals);
    double sum = 0;
    uint64_t n = 0;
    for (size_t i = 0; i < arrivals.size(); ++i) {
      if (arrivals[i].at < static_cast<int64_t>(kWarmupS * 1e9)) continue;
      sum += static_cast<double>(run.outcomes[i].finished - arrivals[i].at) / 1e9;
      ++n;
    }
    means.push_back(sum / static_cast<double>(n));
    out.requests += n;
  }
  double m2 = 0;
  for (double m : means) out.mean_s += m / replications;
  for (double m : means) m2 += (m - out.mean_s) * (m - out.mean_s);
  out.se = std::sqrt(m2 / (replications - 1)) / std::sqrt(static_cast<double>(replications)) /
           out.mean_s;
  return out;
}

double wall_seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The report's reproduction: a 60 s run, one replication, no warm-up. It spun forever. That it ends
// is the engine's progress guard's to judge (a stopped clock or a spent event budget throws
// sim::NoProgress, which fails the test), not a wall-clock bound: timings live in bench/.
class TruthCfs : public ::testing::TestWithParam<CfsCase> {};

TEST_P(TruthCfs, TheReproductionEndsAtOnce) {
  const CfsCase c = GetParam();
  TruthRun run = cfs_run(c);
  run.measured_s = 60;
  run.warmup_s = 0;
  run.replications = 1;
  run.seed = 14;
  const auto start = std::chrono::steady_clock::now();
  ScenarioResult result = run_truth(run);
  const double wall = wall_seconds_since(start);
  const runtime::RouteFigures& route = route_of(result, "GET /fixed");
  std::printf("reproduction %s, %d thread(s), %.3g req/s for 60 s: %llu answered, wall %.4f s\n",
              run.environment.c_str(), c.threads, c.rate(),
              static_cast<unsigned long long>(route.completed), wall);
  EXPECT_GT(route.completed, 0u);
  EXPECT_EQ(route.error_rate, 0.0);
  EXPECT_EQ(worker_of(result).cpu_limit_milli, c.milli_cpu);
}

INSTANTIATE_TEST_SUITE_P(Issue14, TruthCfs, ::testing::ValuesIn(kCfsCases), case_name);

// The same model run long against the reference run twice as long: their means agree within 2%
// (issue 14 asks for 3%; the truth table's bound is 2%). The twin's standard error grows with the
// load on the limit, so runs at 30% of the limit or more take 3.2M requests instead of 400,000,
// which keeps the combined standard error (printed as se) at 0.5% or less.
class TruthCfsValidation : public ::testing::TestWithParam<CfsCase> {};

TEST_P(TruthCfsValidation, MeanResponseMatchesTheReference) {
  const CfsCase c = GetParam();
  TruthRun run = cfs_run(c);
  run.measured_s = (c.limit_utilisation() >= 0.3 ? 3'200'000 : 400'000) / c.rate();
  run.replications = 8;
  const auto start = std::chrono::steady_clock::now();
  ScenarioResult result = run_truth(run);
  const double wall = wall_seconds_since(start);
  const runtime::RouteFigures& route = route_of(result, "GET /fixed");
  const CfsReference ref = reference_cfs(c, 2 * run.measured_s, 8);
  const double twin_se = relative_standard_error(result, "GET /fixed");
  char label[96];
  std::snprintf(label, sizeof label, "CFS %lldm %d thread(s) deterministic 10ms %.3g req/s",
                static_cast<long long>(c.milli_cpu), c.threads, c.rate());
  expect_truth(label, ref.mean_s * 1e3, route.latency.mean() / 1e6,
               std::sqrt(twin_se * twin_se + ref.se * ref.se));
  std::printf(
      "  twin se %.2f%%, %llu requests, %.0f simulated s in %.3f s wall, %.1f%% of periods "
      "throttled; reference se %.2f%%, %llu requests\n",
      100 * twin_se, static_cast<unsigned long long>(route.completed),
      run.measured_s + run.warmup_s * run.replications, wall,
      100 * worker_of(result).throttled_period_fraction, 100 * ref.se,
      static_cast<unsigned long long>(ref.requests));
  EXPECT_EQ(route.error_rate, 0.0);
}

INSTANTIATE_TEST_SUITE_P(Issue14, TruthCfsValidation, ::testing::ValuesIn(kCfsCases), case_name);

// ---- 5. A closed loop against exact Mean Value Analysis ----

// N users each send GET /work, wait for the answer, think an exponential 2 s, and send again: a
// closed product-form network of a delay station (the thinking) and one FCFS exponential server
// (the single-thread pod, S = 10 ms). Exact MVA solves it by recursion on the population:
//   R(n) = S (1 + Q(n - 1)),  X(n) = n / (Z + R(n)),  Q(n) = X(n) R(n).
struct Mva {
  double response;    // s
  double throughput;  // per s
};

Mva exact_mva(int users, double service, double think) {
  double queue = 0;
  Mva m{0, 0};
  for (int n = 1; n <= users; ++n) {
    m.response = service * (1 + queue);
    m.throughput = n / (think + m.response);
    queue = m.throughput * m.response;
  }
  return m;
}

TEST(TruthValidation, ClosedLoopIsExactMva) {
  struct Case {
    int users;
    double measured_s;
  };
  // 100 users keep the pod 50% busy, 180 about 86% (past the knee at N* = (Z + S) / S = 201 the
  // pod is saturated and 250 users queue: R = N S - Z).
  const Case cases[] = {{100, 16'000}, {180, 40'000}, {250, 24'000}};
  constexpr double kThink = 2.0;
  for (const Case& c : cases) {
    TruthRun run;
    run.closed = "{users: " + std::to_string(c.users) + ", thinkTime: 2s}";
    run.measured_s = c.measured_s;
    run.replications = 8;
    ScenarioResult result = run_truth(run);
    const runtime::RouteFigures& route = route_of(result, "GET /work");
    const Mva mva = exact_mva(c.users, 1 / kMu, kThink);
    char label[96];
    std::snprintf(label, sizeof label, "closed loop N=%d Z=2s response", c.users);
    expect_truth(label, mva.response * 1e3, route.latency.mean() / 1e6,
                 relative_standard_error(result, "GET /work"));
    std::snprintf(label, sizeof label, "closed loop N=%d Z=2s throughput", c.users);
    expect_truth(label, mva.throughput, route.throughput_per_s,
                 relative_standard_error(result, "GET /work", [](const runtime::RouteFigures& r) {
                   return r.throughput_per_s;
                 }));
    std::printf("  %llu requests\n", static_cast<unsigned long long>(route.completed));
    expect_little_everywhere(result, 0.02);
  }
}

// ---- 6. Little's law on every route ----

// Two request kinds share two single-thread pods (testdata/truth/little.yaml). Each pod is an
// M/G/1 queue fed 120/s of a 1:2 mix of 10 ms and 2 ms exponential CPU: rho 0.56, and since a
// FIFO queue makes both kinds wait the same Wq (Pollaczek-Khinchine), GET /work's mean is
// Wq + 10 ms and GET /light's Wq + 2 ms (about 19.8 and 11.8 ms).
TEST(Truth, LittlesLawOnEveryRouteOfAMixedLoad) {
  ScenarioResult result = run_scenario(load_scenario_file(testing::testdata("truth/little.yaml")));
  ASSERT_EQ(result.routes.size(), 2u);
  ASSERT_EQ(result.runs.size(), 2u);
  const runtime::RouteFigures& work = route_of(result, "GET /work");
  const runtime::RouteFigures& light = route_of(result, "GET /light");
  // The rates split 1:2 as the mix says (80/s and 160/s of 240/s).
  EXPECT_NEAR(work.throughput_per_s, 80, 80 * 0.03);
  EXPECT_NEAR(light.throughput_per_s, 160, 160 * 0.03);
  // The two routes' figures really differ, and as the shared FIFO queue says.
  const double lambda = 120, s = (0.010 + 2 * 0.002) / 3, s2 = (2 * 1e-4 + 2 * 2 * 4e-6) / 3;
  const double wq = sim::mg1_mean_response(lambda, s, s2) - s;
  EXPECT_NEAR(work.latency.mean() / 1e9 / (wq + 0.010), 1.0, 0.05);
  EXPECT_NEAR(light.latency.mean() / 1e9 / (wq + 0.002), 1.0, 0.05);
  EXPECT_NEAR((work.latency.mean() - light.latency.mean()) / 1e6, 8.0, 0.5);
  expect_little_everywhere(result, 0.02);
}

// The shipped steady-state scenario: Kong, three APIs, PostgreSQL and Kafka, four routes. The
// route's clock runs from the client's send to its answer, so L = lambda W holds whatever the
// path inside.
TEST(Truth, LittlesLawOnEveryRouteOfProdSteady) {
  RunOptions options;
  options.replications = 1;
  ScenarioResult result = run_scenario(
      load_scenario_file(testing::source_path("scenarios/capacity/prod-steady.yaml")), options);
  ASSERT_EQ(result.runs.size(), 1u);
  EXPECT_EQ(result.routes.size(), 4u);
  expect_little_everywhere(result, 0.02);
}

// ---- 7. Determinism at the scenario level ----

void expect_same_routes(const runtime::RunFigures& a, const runtime::RunFigures& b) {
  ASSERT_EQ(a.routes.size(), b.routes.size());
  for (size_t k = 0; k < a.routes.size(); ++k) {
    const runtime::RouteFigures& x = a.routes[k];
    const runtime::RouteFigures& y = b.routes[k];
    EXPECT_EQ(x.request, y.request);
    EXPECT_EQ(x.sent, y.sent);
    EXPECT_EQ(x.completed, y.completed);
    EXPECT_EQ(x.status_counts, y.status_counts);
    EXPECT_EQ(x.latency.count(), y.latency.count());
    EXPECT_EQ(x.latency.mean(), y.latency.mean());
    EXPECT_EQ(x.latency.min(), y.latency.min());
    EXPECT_EQ(x.latency.max(), y.latency.max());
    for (double q : {0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999}) {
      EXPECT_EQ(x.latency.quantile(q), y.latency.quantile(q)) << x.request << " q" << q;
    }
    EXPECT_EQ(x.throughput_per_s, y.throughput_per_s);
    EXPECT_EQ(x.mean_in_flight, y.mean_in_flight);
  }
  ASSERT_EQ(a.workloads.size(), b.workloads.size());
  for (size_t k = 0; k < a.workloads.size(); ++k) {
    EXPECT_EQ(a.workloads[k].cpu_cores_mean, b.workloads[k].cpu_cores_mean);
    EXPECT_EQ(a.workloads[k].queue_mean, b.workloads[k].queue_mean);
    EXPECT_EQ(a.workloads[k].requests, b.workloads[k].requests);
  }
}

TEST(Truth, SameSeedSameRunAnyThreadCount) {
  ScenarioSpec spec = load_scenario_file(testing::testdata("truth/little.yaml"));
  auto prepared = prepare_scenario(spec);
  ScenarioResult one = run_scenario(*prepared, RunOptions{.threads = 1});
  ScenarioResult again = run_scenario(*prepared, RunOptions{.threads = 1});
  ScenarioResult two = run_scenario(*prepared, RunOptions{.threads = 2});
  ASSERT_EQ(one.runs.size(), 2u);

  EXPECT_EQ(one.fingerprint, again.fingerprint);
  EXPECT_EQ(one.events, again.events);
  expect_same_routes(one.merged, again.merged);

  EXPECT_EQ(one.fingerprint, two.fingerprint);
  EXPECT_EQ(one.events, two.events);
  expect_same_routes(one.merged, two.merged);
  for (size_t i = 0; i < one.runs.size(); ++i) {
    EXPECT_EQ(one.runs[i].fingerprint, two.runs[i].fingerprint) << "replication " << i;
    EXPECT_EQ(one.runs[i].seed, two.runs[i].seed);
    expect_same_routes(one.runs[i], two.runs[i]);
  }
  // The two replications are different runs (seeds 7 and 8), not one run twice.
  EXPECT_NE(one.runs[0].fingerprint, one.runs[1].fingerprint);
}

TEST(Truth, NextSeedIsAnotherRun) {
  ScenarioSpec spec = load_scenario_file(testing::testdata("truth/little.yaml"));
  ScenarioResult base = run_scenario(spec, RunOptions{.threads = 1});
  spec.seed += 1;
  ScenarioResult next = run_scenario(spec, RunOptions{.threads = 1});
  EXPECT_NE(base.fingerprint, next.fingerprint);
  EXPECT_NE(route_of(base, "GET /work").latency.mean(), route_of(next, "GET /work").latency.mean());
  EXPECT_NE(route_of(base, "GET /work").sent, route_of(next, "GET /work").sent);
  // Replication i runs seed + i: the next seed's first replication is the base's second.
  EXPECT_EQ(next.runs[0].fingerprint, base.runs[1].fingerprint);
}

// ---- The network part: zero when the profile says zero ----

// Deterministic CPU at a rate far below saturation, spaced evenly: no request ever waits, so
// every response time is exactly the 10 ms of CPU plus whatever the network charges.
TruthRun fixed_probe() {
  TruthRun run;
  run.rate = 5;  // one request every 200 ms, each 10 ms long
  run.arrivals = "constant";
  run.mix = "[{request: \"GET /fixed\"}]";
  run.measured_s = 60;
  run.warmup_s = 1;
  run.replications = 1;
  return run;
}

TEST(Truth, ZeroLatencyProfileAddsNothing) {
  ScenarioResult result = run_truth(fixed_probe());
  const runtime::RouteFigures& route = route_of(result, "GET /fixed");
  ASSERT_GT(route.completed, 250u);
  EXPECT_EQ(route.latency.min(), kFixedCpuNs);
  EXPECT_EQ(route.latency.max(), kFixedCpuNs);
}

// With a distinct latency per hop class (sameNode 1ms, sameZone 2ms, crossZone 4ms, external
// 8ms), an in-cluster client's request to a Service should pay one hop there and one back.
// DISABLED: it fails today. The World charges three hops of sameZone (6 ms): the pod's answer
// travels to the client (finish_server -> latency(pod, kNone), src/runtime/world_flow.cpp) and
// answer_client then adds another client hop for a root request that came in without a gateway.
// Enable once a Service entry's answer pays one hop (see the truth-test report).
TEST(Truth, ServiceEntryRoundTripIsTwoHops) {
  TruthRun run = fixed_probe();
  run.cluster = "cluster-hops.yaml";
  ScenarioResult result = run_truth(run);
  const runtime::RouteFigures& route = route_of(result, "GET /fixed");
  ASSERT_GT(route.completed, 250u);
  EXPECT_EQ(route.latency.min(), route.latency.max());
  const int64_t network = route.latency.min() - kFixedCpuNs;
  // Two one-way hops of one class: 2, 4, 8 or 16 ms, whichever class an in-cluster client is.
  EXPECT_TRUE(network == 2'000'000 || network == 4'000'000 || network == 8'000'000 ||
              network == 16'000'000)
      << "network part " << network / 1e6 << " ms";
}

}  // namespace
}  // namespace kubetwin::scenario
