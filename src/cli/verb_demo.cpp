// `kubetwin demo`: the main job of `make run`: the shipped model audited and its capacity
// scenarios run, then the engine validated against queueing theory.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "kubetwin/report/run_report.hpp"
#include "kubetwin/scenario/runner.hpp"
#include "kubetwin/scenario/scenario_file.hpp"
#include "kubetwin/sim/queueing.hpp"
#include "verb_functions.hpp"

namespace kubetwin::cli {

namespace {

struct Row {
  const char* model;
  int servers;
  double rho;
  bool deterministic;
};

}  // namespace

namespace {

// Runs one verb as `kubetwin ARGS...` would, under a heading. Checks that fail (exit 1) are
// findings the demo exists to show; bad input or an internal error (2, 3) stops it.
int step(const Invocation& inv, const char* heading, const char* name, VerbFn verb,
         std::vector<std::string> args) {
  inv.out << "\n==== " << heading << "\n$ kubetwin " << name;
  for (const std::string& a : args)
    inv.out << " " << (a.find(' ') != std::string::npos ? "\"" + a + "\"" : a);
  inv.out << "\n\n";
  inv.out.flush();
  return verb(Invocation{args, inv.in, inv.out, inv.err});
}

int engine_check(const Invocation& inv);

}  // namespace

int verb_demo(const Invocation& inv) {
  std::string root = ".";
  if (inv.args.size() > 1 || (inv.args.size() == 1 && inv.args[0].rfind("--", 0) == 0)) {
    inv.err << "error: usage: kubetwin demo [REPO_DIR]\n  hint: run it from the repository root, "
               "or name the root\n";
    return kExitBadInput;
  }
  if (inv.args.size() == 1) root = inv.args[0];
  const std::string model = root + "/models/amazon-store";
  const std::string capacity = root + "/scenarios/capacity/";
  if (!std::filesystem::exists(model) || !std::filesystem::exists(capacity)) {
    inv.err << "error: " << root << " holds no models/amazon-store or scenarios/capacity\n"
            << "  hint: run `kubetwin demo` from the repository root (make run does)\n";
    return kExitBadInput;
  }
  inv.out
      << "kubetwin demo: the amazon-store model of ENVIRONMENT_ISOLATION.md, audited and loaded.\n"
         "Checks that FAIL below are findings about the model, not errors of the tool.\n";
  // First, the failure-rehearsal library: one verdict table over every scenario in it.
  {
    std::vector<std::string> files;
    for (const char* dir : {"/scenarios/ha", "/scenarios/isolation"}) {
      const std::filesystem::path d = root + dir;
      if (!std::filesystem::exists(d)) continue;
      for (const auto& e : std::filesystem::directory_iterator(d)) {
        if (e.path().extension() == ".yaml") files.push_back(e.path().string());
      }
    }
    std::sort(files.begin(), files.end());
    if (!files.empty()) {
      inv.out << "\n==== 0. Failure rehearsal: the scenario library (scenarios/ha, "
                 "scenarios/isolation)\n$ kubetwin run scenarios/ha/*.yaml "
                 "scenarios/isolation/*.yaml\n\n";
      std::vector<scenario::ScenarioResult> results;
      for (const std::string& f : files)
        results.push_back(scenario::run_scenario(scenario::load_scenario_file(f)));
      inv.out << report::render_verdict_table(results);
      inv.out << "  FAIL here is what the scenario exists to show (dev has no redundancy; RF 1 "
                 "loses data with its disk;\n  a drifted DB_HOST writes into prod); each "
                 "scenario's description says what it expects.\n";
      inv.out.flush();
    }
  }
  struct Step {
    const char* heading;
    const char* name;
    VerbFn verb;
    std::vector<std::string> args;
  };
  const std::vector<Step> steps = {
      {"1. What the manifests declare: the static audit (the document's isolation gap)",
       "check",
       verb_check,
       {model}},
      {"2. The same manifests with default-deny NetworkPolicies",
       "check",
       verb_check,
       {root + "/models/amazon-store-hardened"}},
      {"3. Prod on an ordinary day, 300 req/s", "run", verb_run, {capacity + "prod-steady.yaml"}},
      {"4. Prod's traffic ramping to 1,200 req/s: the knee",
       "run",
       verb_run,
       {capacity + "prod-ramp.yaml", "--replications", "1"}},
      {"5. Prod's highest rate under p99<300ms and errors<0.1%, and its first bottleneck",
       "capacity",
       verb_capacity,
       {capacity + "prod-steady.yaml", "--slo", "p99<300ms,errors<0.1%", "--replications", "1"}},
      {"6. Dev under prod's load", "run", verb_run, {capacity + "dev-under-prod-load.yaml"}},
      {"7. How long until the volumes are full",
       "run",
       verb_run,
       {capacity + "disk-time-to-full.yaml"}},
      {"8. PostgreSQL connections when prod's HPAs are at their maximum",
       "run",
       verb_run,
       {capacity + "postgres-connections-hpa-max.yaml"}},
  };
  for (const Step& s : steps) {
    int rc = step(inv, s.heading, s.name, s.verb, s.args);
    if (rc >= kExitBadInput) return rc;
  }
  inv.out << "\n==== 9. The engine itself, against queueing theory\n\n";
  return engine_check(inv);
}

namespace {

int engine_check(const Invocation& inv) {
  constexpr uint64_t kCustomers = 1'000'000;
  constexpr Row kRows[] = {{"M/M/1", 1, 0.5, false}, {"M/M/1", 1, 0.8, false},
                           {"M/M/5", 5, 0.8, false}, {"M/M/5", 5, 0.95, false},
                           {"M/D/1", 1, 0.8, true},  {"M/D/1", 1, 0.95, true}};
  inv.out << "kubetwin engine check: open queues through the engine and a Station, " << kCustomers
          << " customers each, seed 1\n\n";
  inv.out << fmt::format("{:<7} {:>5} {:>12} {:>12} {:>8} {:>10} {:>13}\n", "model", "rho",
                         "analytic W", "simulated W", "error", "L/(lW)-1", "customers/s");
  bool all_close = true;
  for (const Row& row : kRows) {
    sim::OpenQueueExperiment e;
    e.servers = row.servers;
    e.arrival_rate = row.rho * row.servers;  // mu = 1
    e.service =
        row.deterministic ? sim::Distribution::deterministic(1) : sim::Distribution::exponential(1);
    e.customers = kCustomers;
    e.seed = 1;
    auto t0 = std::chrono::steady_clock::now();
    sim::OpenQueueResult r = sim::run_open_queue(e);
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    double analytic = row.deterministic ? sim::mg1_mean_response(e.arrival_rate, 1, 1)
                                        : sim::mmc_mean_response(e.arrival_rate, 1, row.servers);
    double error = r.mean_response / analytic - 1;
    double little = r.mean_in_system / (r.throughput * r.mean_response) - 1;
    // One replication of 1e6 customers: expect ~1% at rho 0.8 and a few % at 0.95 (see
    // tests/sim/validation_test.cpp, which averages replications and checks 2%).
    all_close = all_close && std::fabs(error) < (row.rho > 0.9 ? 0.05 : 0.02);
    inv.out << fmt::format("{:<7} {:>5.2f} {:>12.4f} {:>12.4f} {:>+7.2f}% {:>+10.1e} {:>13.3g}\n",
                           row.model, row.rho, analytic, r.mean_response, error * 100, little,
                           static_cast<double>(r.completed) / wall);
  }
  inv.out << "\nW: mean response time in service times; error: simulated vs Erlang C / "
             "Pollaczek-Khinchine;\nL/(lW)-1: Little's law on the engine's own measurements.\n";
  inv.out << (all_close ? "verdict: PASS\n" : "verdict: FAIL\n");
  return all_close ? kExitOk : kExitCheckFailed;
}

}  // namespace

}  // namespace kubetwin::cli
