// libFuzzer harness: rates ("300/s") and percentages ("0.1%") of scenario files
// (scenario/values.hpp). Never a crash; an accepted rate is finite and not negative, a
// percentage a finite fraction.
#include <cmath>

#include "fuzz_util.hpp"
#include "kubetwin/scenario/values.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace kubetwin;
  if (size > 256) return 0;
  const std::string text(fuzz::as_text(data, size));
  if (auto r = scenario::try_parse_rate(text))
    if (!std::isfinite(*r) || *r < 0) fuzz::fail("rate " + text + " -> " + std::to_string(*r));
  if (auto p = scenario::try_parse_percentage(text))
    if (!std::isfinite(*p)) fuzz::fail("percentage " + text + " -> " + std::to_string(*p));
  fuzz::expect_input_errors_only([&] {
    const double r = scenario::parse_rate(k8s::Node::scalar(text), "fuzz");
    if (!std::isfinite(r) || r < 0) fuzz::fail("parse_rate " + text);
  });
  return 0;
}
