// libFuzzer harness: kubectl `-l` label selectors (topology/selector.hpp). Never a crash; a parsed
// selector renders (str()) to text that parses to a selector rendering the same, and matching
// any label set terminates.
#include "fuzz_util.hpp"
#include "kubetwin/topology/selector.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace kubetwin;
  if (size > 512) return 0;
  const std::string text(fuzz::as_text(data, size));
  topology::LabelSelector sel;
  if (!topology::parse_label_selector(text, sel)) return 0;
  const std::string shown = sel.str();
  topology::LabelSelector again;
  if (!topology::parse_label_selector(shown, again) || again.str() != shown)
    fuzz::fail("selector " + text + " -> " + shown + " -> " + again.str());
  topology::Labels labels;
  for (const auto& [k, v] : sel.match_labels) labels[k] = v;
  (void)sel.matches(labels);
  (void)sel.matches({});
  return 0;
}
