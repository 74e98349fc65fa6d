// kubetwin-bench: comparison runs against other engines, one line of output per run.
//
//   kubetwin-bench mmc --lambda 4 --mu 1 --servers 5 --customers 10000000 --seed 7
//   kubetwin customers=10000000 mean_response=1.5541 wall_s=1.02 customers_per_s=9.8e+06
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "kubetwin/sim/queueing.hpp"

namespace {

constexpr const char* kUsage =
    "usage: kubetwin-bench mmc --lambda L --mu M --servers C --customers N [--seed S]";

[[noreturn]] void bad(const std::string& message) {
  std::fprintf(stderr, "kubetwin-bench: %s\n  hint: %s\n", message.c_str(), kUsage);
  std::exit(2);
}

double parse_positive(const char* flag, const char* text) {
  char* end = nullptr;
  double v = std::strtod(text, &end);
  if (end == text || *end != '\0' || !std::isfinite(v)) {
    bad(std::string(flag) + " expects a number, got \"" + text + "\"");
  }
  if (v <= 0) bad(std::string(flag) + " must be > 0, got " + text);
  return v;
}

uint64_t parse_count(const char* flag, const char* text, bool allow_zero) {
  char* end = nullptr;
  if (*text == '-' || *text == '+')
    bad(std::string(flag) + " expects a whole number, got \"" + text + "\"");
  unsigned long long v = std::strtoull(text, &end, 10);
  if (end == text || *end != '\0')
    bad(std::string(flag) + " expects a whole number, got \"" + text + "\"");
  if (!allow_zero && v == 0) bad(std::string(flag) + " must be > 0");
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "mmc") != 0)
    bad(argc < 2 ? "missing command" : std::string("unknown command \"") + argv[1] + "\"");
  double lambda = 0, mu = 0;
  uint64_t servers = 0, customers = 0, seed = 1;
  bool have[4] = {false, false, false, false};
  for (int i = 2; i < argc; ++i) {
    std::string flag = argv[i];
    if (i + 1 >= argc) bad("flag " + flag + " needs a value");
    const char* value = argv[++i];
    if (flag == "--lambda")
      lambda = parse_positive("--lambda", value), have[0] = true;
    else if (flag == "--mu")
      mu = parse_positive("--mu", value), have[1] = true;
    else if (flag == "--servers")
      servers = parse_count("--servers", value, false), have[2] = true;
    else if (flag == "--customers")
      customers = parse_count("--customers", value, false), have[3] = true;
    else if (flag == "--seed")
      seed = parse_count("--seed", value, true);
    else
      bad("unknown flag " + flag);
  }
  const char* names[4] = {"--lambda", "--mu", "--servers", "--customers"};
  for (int k = 0; k < 4; ++k)
    if (!have[k]) bad(std::string("missing ") + names[k]);
  if (servers > 1'000'000) bad("--servers must be at most 1000000");

  kubetwin::sim::OpenQueueExperiment e;
  e.arrival_rate = lambda;
  e.service = kubetwin::sim::Distribution::exponential(1 / mu);
  e.servers = static_cast<int>(servers);
  e.customers = customers;
  e.seed = seed;
  auto t0 = std::chrono::steady_clock::now();
  kubetwin::sim::OpenQueueResult r = kubetwin::sim::run_open_queue(e);
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("kubetwin customers=%llu mean_response=%.6g wall_s=%.3f customers_per_s=%.4g\n",
              static_cast<unsigned long long>(r.completed), r.mean_response, wall,
              static_cast<double>(r.completed) / wall);
  return 0;
}
