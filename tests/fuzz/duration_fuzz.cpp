// libFuzzer harness: durations (sim::parse_duration, and scenario::parse_duration on a YAML
// scalar). Never a crash; a parsed duration is never negative as a scenario value, and its Go-style
// rendering parses back to the same nanoseconds.
#include "fuzz_util.hpp"
#include "kubetwin/scenario/values.hpp"
#include "kubetwin/sim/time.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace kubetwin;
  if (size > 256) return 0;
  const std::string text(fuzz::as_text(data, size));
  if (auto t = sim::parse_duration(text)) {
    const std::string shown = sim::format_duration(*t);
    auto again = sim::parse_duration(shown);
    if (!again || *again != *t)
      fuzz::fail("duration " + text + " -> " + std::to_string(*t) + "ns -> " + shown);
  }
  fuzz::expect_input_errors_only([&] {
    const sim::Time t = scenario::parse_duration(k8s::Node::scalar(text), "fuzz");
    if (t < 0) fuzz::fail("negative duration from " + text);
  });
  return 0;
}
