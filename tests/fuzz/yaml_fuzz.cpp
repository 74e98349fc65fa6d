// libFuzzer harness: the YAML loader (k8s/loader.hpp) and the emitter on what it accepts.
// Any text is either documents, Kubernetes resources, or an InputError; emitting what was parsed
// and parsing it again gives the same documents.
#include "fuzz_util.hpp"
#include "kubetwin/k8s/emitter.hpp"
#include "kubetwin/k8s/loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace kubetwin;
  const std::string_view text = fuzz::as_text(data, size);
  k8s::LoadLimits limits;
  limits.max_alias_nodes = 100'000;  // keep one input's work bounded (the limit itself is tested)
  fuzz::expect_input_errors_only([&] {
    std::vector<k8s::Node> docs = k8s::parse_yaml_documents(text, "fuzz.yaml", limits);
    (void)docs;
  });
  fuzz::expect_input_errors_only([&] {
    k8s::ResourceList resources = k8s::parse_resources(text, "fuzz.yaml", limits);
    const std::string once = k8s::emit_stream(resources);
    const std::string twice = k8s::emit_stream(k8s::parse_resources(once, "emitted.yaml", limits));
    if (once != twice)
      fuzz::fail("emit(parse(emit(x))) != emit(x):\n" + once + "\n---- vs ----\n" + twice);
  });
  return 0;
}
