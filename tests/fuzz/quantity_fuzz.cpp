// libFuzzer harness: Kubernetes quantities, as k8s (Quantity) and topology (CPU milli-cores,
// memory bytes) read them. Never a crash; what topology accepts formats back to text that parses
// to the same amount.
#include "fuzz_util.hpp"
#include "kubetwin/k8s/quantity.hpp"
#include "kubetwin/topology/model.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace kubetwin;
  if (size > 256) return 0;
  const std::string text(fuzz::as_text(data, size));
  std::string error;
  if (auto q = k8s::try_parse_quantity(text, &error)) {
    (void)q->value();
  } else if (error.empty()) {
    fuzz::fail("a refused quantity with no message: " + text);
  }
  int64_t cpu = 0;
  if (topology::parse_cpu_milli(text, cpu)) {
    int64_t again = -1;
    const std::string shown = topology::format_cpu_milli(cpu);
    if (!topology::parse_cpu_milli(shown, again) || again != cpu)
      fuzz::fail("cpu " + text + " -> " + std::to_string(cpu) + "m -> " + shown + " -> " +
                 std::to_string(again));
  }
  int64_t bytes = 0;
  if (topology::parse_memory_bytes(text, bytes)) {
    int64_t again = -1;
    const std::string shown = topology::format_bytes(bytes);
    if (!topology::parse_memory_bytes(shown, again) || again != bytes)
      fuzz::fail("memory " + text + " -> " + std::to_string(bytes) + " -> " + shown + " -> " +
                 std::to_string(again));
  }
  return 0;
}
