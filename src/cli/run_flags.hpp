// Flag helpers shared by the `run` and `capacity` verbs: whole-number flags and --threads.
#pragma once

#include <exception>
#include <string>

#include "cli_common.hpp"

namespace kubetwin::cli {

// The value of flag `name` as a whole number in [1, max]; UsageError otherwise.
inline int positive_flag(const ParsedArgs& args, const std::string& name, int max) {
  const std::string v = args.value(name).value_or("");
  size_t used = 0;
  long n = 0;
  try {
    n = std::stol(v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (v.empty() || used != v.size() || n < 1 || n > max)
    throw UsageError("--" + name + " must be a whole number from 1 to " + std::to_string(max) +
                     ", got \"" + v + "\"");
  return static_cast<int>(n);
}

// --threads N, or 0 (one thread per replication, up to the hardware's) when absent.
inline int threads_flag(const ParsedArgs& args) {
  return args.has("threads") ? positive_flag(args, "threads", 1024) : 0;
}

}  // namespace kubetwin::cli
