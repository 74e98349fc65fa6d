// Helpers shared by the `run`, `capacity` and `sweep` verbs: whole-number flags, --threads, and
// what the results database keeps of the invocation (the command line, the wall-clock start).
#pragma once

#include <chrono>
#include <ctime>
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

// The command as typed ("kubetwin VERB ARGS..."), for the results database: arguments quoted
// when they need it.
inline std::string command_line(const std::string& verb, const Invocation& inv) {
  std::string out = "kubetwin " + verb;
  for (const std::string& a : inv.args) {
    const bool plain = !a.empty() && a.find_first_of(" \t\n'\"\\$`*?;&|<>()") == std::string::npos;
    out += " ";
    if (plain) {
      out += a;
      continue;
    }
    out += "'";
    for (char c : a) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    out += "'";
  }
  return out;
}

// Now, UTC ISO 8601 ("2025-01-31T12:00:00Z").
inline std::string utc_now() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace kubetwin::cli
