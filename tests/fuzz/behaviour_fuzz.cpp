// libFuzzer harness: behaviour files (scenario/behaviour_file.hpp). Any text gives a validated
// BehaviourSpec, whose every environment view can be taken, or an InputError.
#include "fuzz_util.hpp"
#include "kubetwin/scenario/behaviour_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace kubetwin;
  if (size > 64 * 1024) return 0;
  fuzz::expect_input_errors_only([&] {
    runtime::BehaviourSpec spec = scenario::parse_behaviour(fuzz::as_text(data, size), "fuzz.yaml");
    for (const runtime::EnvironmentBehaviour& e : spec.environments)
      (void)spec.for_environment(e.name);
  });
  return 0;
}
