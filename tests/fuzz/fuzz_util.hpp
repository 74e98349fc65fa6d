// Shared by the libFuzzer harnesses (tests/fuzz/*_fuzz.cpp): the input as text, and the one rule
// every harness enforces: bad input is a k8s::InputError, never a crash, a hang or another
// exception. A broken invariant aborts, so libFuzzer (and the replay test) report it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "kubetwin/k8s/diagnostic.hpp"

namespace kubetwin::fuzz {

inline std::string_view as_text(const uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Aborts with a message: libFuzzer saves the input as a crash.
[[noreturn]] inline void fail(const std::string& what) {
  std::fprintf(stderr, "fuzz invariant broken: %s\n", what.c_str());
  std::abort();
}

// Runs `body`; an InputError is the expected answer to bad input (its location and message must
// be there); anything else escaping is a bug.
template <typename Fn>
void expect_input_errors_only(Fn&& body) {
  try {
    body();
  } catch (const k8s::InputError& e) {
    if (e.diagnostic().message.empty()) fail("an InputError with no message");
  }
}

}  // namespace kubetwin::fuzz
