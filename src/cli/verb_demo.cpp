// `kubetwin demo`: the main job of `make run`: the engine validated against queueing theory.
#include <chrono>
#include <cmath>
#include <ostream>

#include <fmt/format.h>

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

int verb_demo(const Invocation& inv) {
  for (const std::string& a : inv.args) {
    inv.err << "error: demo takes no arguments, got \"" << a << "\"\n";
    return kExitBadInput;
  }
  constexpr uint64_t kCustomers = 1'000'000;
  constexpr Row kRows[] = {{"M/M/1", 1, 0.5, false},  {"M/M/1", 1, 0.8, false},
                           {"M/M/5", 5, 0.8, false},  {"M/M/5", 5, 0.95, false},
                           {"M/D/1", 1, 0.8, true},   {"M/D/1", 1, 0.95, true}};
  inv.out << "kubetwin engine check: open queues through the engine and a Station, "
          << kCustomers << " customers each, seed 1\n\n";
  inv.out << fmt::format("{:<7} {:>5} {:>12} {:>12} {:>8} {:>10} {:>13}\n", "model", "rho",
                         "analytic W", "simulated W", "error", "L/(lW)-1", "customers/s");
  bool all_close = true;
  for (const Row& row : kRows) {
    sim::OpenQueueExperiment e;
    e.servers = row.servers;
    e.arrival_rate = row.rho * row.servers;  // mu = 1
    e.service = row.deterministic ? sim::Distribution::deterministic(1)
                                  : sim::Distribution::exponential(1);
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

}  // namespace kubetwin::cli
