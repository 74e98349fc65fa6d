// Flag helpers shared by the `run`, `capacity` and `sweep` verbs: whole-number flags and --threads.
#pragma once

#include <exception>
#include <string>

#include "cli_common.hpp"

namespace kubetwin::cli {

// `text` as a whole number in [min, max]; UsageError naming `what` otherwise.
inline int whole_number(const std::string& text, const std::string& what, int min, int max) {
  size_t used = 0;
  long n = 0;
  try {
    n = std::stol(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (text.empty() || used != text.size() || n < min || n > max)
    throw UsageError(what + " must be a whole number from " + std::to_string(min) + " to " +
                     std::to_string(max) + ", got \"" + text + "\"");
  return static_cast<int>(n);
}

// The value of flag `name` as a whole number in [1, max]; UsageError otherwise.
inline int positive_flag(const ParsedArgs& args, const std::string& name, int max) {
  return whole_number(args.value(name).value_or(""), "--" + name, 1, max);
}

// --threads N, or 0 (one thread per replication, up to the hardware's) when absent.
inline int threads_flag(const ParsedArgs& args) {
  return args.has("threads") ? positive_flag(args, "threads", 1024) : 0;
}

}  // namespace kubetwin::cli
