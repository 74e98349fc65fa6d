// libFuzzer harness: scenario files (scenario/scenario_file.hpp). The text is parsed as if it
// were scenarios/capacity/fuzz.yaml, so the shipped seeds' `model: ../../models/amazon-store`
// resolves and parsing goes past the model into load, faults and checks. Any text gives a
// ScenarioSpec or an InputError.
#include "fuzz_util.hpp"
#include "kubetwin/scenario/scenario_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace kubetwin;
  if (size > 64 * 1024) return 0;
  static const std::string path =
      std::string(KUBETWIN_SOURCE_DIR) + "/scenarios/capacity/fuzz.yaml";
  fuzz::expect_input_errors_only(
      [&] { (void)scenario::parse_scenario(fuzz::as_text(data, size), path); });
  return 0;
}
