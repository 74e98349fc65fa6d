// Tests of the emitter against output captured from kubectl kustomize (v5.5.0).
#include "kubetwin/k8s/emitter.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "kubetwin/k8s/loader.hpp"

namespace kubetwin::k8s {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// scalars.expected.yaml is `kubectl kustomize` of a directory holding scalars.yaml: quoting,
// number and date rewriting, block scalars, folding at column 80, key order.
TEST(Emitter, MatchesKubectlOnScalarZoo) {
  std::string dir = std::string(KUBETWIN_SOURCE_DIR) + "/tests/k8s/testdata/emitter/";
  auto resources = load_manifests(dir + "scalars.yaml");
  EXPECT_EQ(emit_stream(resources), slurp(dir + "scalars.expected.yaml"));
}

// U+2028 and U+2029 are line breaks to go-yaml (YAML 1.1): kubectl writes them as they are and
// indents the next line, in single-quoted and literal scalars, and reads that back to the same
// value. yaml-cpp keeps them as content, so the loader drops the indentation as go-yaml does;
// before, the emitter wrote a real line break, which read back as a space (found by the yaml
// fuzzer, tests/fuzz/crashes/yaml/line-separator-in-single-quotes).
TEST(Emitter, LineSeparatorsAsKubectlWritesAndReadsThem) {
  std::string dir = std::string(KUBETWIN_SOURCE_DIR) + "/tests/k8s/testdata/emitter/";
  const std::string expected = slurp(dir + "line-separators.expected.yaml");
  EXPECT_EQ(emit_stream(load_manifests(dir + "line-separators.yaml")), expected);
  EXPECT_EQ(emit_stream(parse_resources(expected, "kubectl.yaml")), expected);
  // The same with a UTF-8 byte-order mark in front (yaml-cpp's marks count from after it).
  EXPECT_EQ(emit_stream(parse_resources("\xEF\xBB\xBF" + expected, "bom.yaml")), expected);
  const ResourceList read = parse_resources(expected, "kubectl.yaml");
  const Node* data = read.at(0).body.get("data");
  ASSERT_NE(data, nullptr);
  EXPECT_EQ(data->get("raw-single")->text(), "p\u2028r");
  EXPECT_EQ(data->get("raw-literal")->text(), "x\ny\u2029  z");
  EXPECT_EQ(data->get("literal-space")->text(), "a\u2028 b\nc");
  EXPECT_EQ(data->get("space-before")->text(), "a \u2028b");
}

TEST(Emitter, NaturalKeyOrder) {
  std::vector<std::string> keys = {"b", "a10", "a9", "a.b", "a-b", "Z", "A", "_x"};
  std::sort(keys.begin(), keys.end(), [](auto& a, auto& b) { return natural_key_less(a, b); });
  EXPECT_EQ(keys, (std::vector<std::string>{"_x", "A", "Z", "a-b", "a.b", "a9", "a10", "b"}));
}

// A digit run past 2^63 overflowed int64 (undefined behaviour, found by tests/fuzz yaml). Go's
// int64 wraps, so kubectl compares "9223372036854775808" as -2^63: below "1". Such key sets are
// not strictly ordered and kubectl prints them differently from run to run; the twin prints one.
TEST(Emitter, NaturalKeyOrderWrapsLongDigitRunsAsGo) {
  EXPECT_TRUE(natural_key_less("a9223372036854775808", "a1"));
  EXPECT_FALSE(natural_key_less("a1", "a9223372036854775808"));
  EXPECT_TRUE(natural_key_less("a1", "a9223372036854775807"));
  const std::string text =
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: k}\ndata:\n"
      "  a5555555555555555555: '1'\n  a6: '2'\n  a9223372036854775808: '4'\n"
      "  a18446744073709551617: '5'\n  a100: '6'\n  a99999999999999999999: '8'\n"
      "  a10000000000000000000: '9'\n  a0000000000000000000000001: '10'\n";
  const std::string once = emit_stream(parse_resources(text, "k.yaml"));
  EXPECT_EQ(emit_stream(parse_resources(once, "again.yaml")), once);
  // The same keys in another order print the same.
  std::string reversed = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: k}\ndata:\n";
  const std::string data = text.substr(text.find("  a5"));
  std::vector<std::string> lines;
  for (size_t at = 0; at < data.size();) {
    size_t end = data.find('\n', at);
    lines.push_back(data.substr(at, end + 1 - at));
    at = end + 1;
  }
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) reversed += *it;
  EXPECT_EQ(emit_stream(parse_resources(reversed, "reversed.yaml")), once);
}

TEST(Emitter, StreamSeparatorsAndNesting) {
  auto rs = parse_resources(
      "apiVersion: v1\nkind: A\nmetadata: {name: a}\nspec: {l: [[1, 2], {x: 1, y: [a]}]}\n---\n"
      "apiVersion: v1\nkind: B\nmetadata: {name: b}\n",
      "s.yaml");
  EXPECT_EQ(
      emit_stream(rs),
      "apiVersion: v1\nkind: A\nmetadata:\n  name: a\nspec:\n  l:\n  - - 1\n    - 2\n  - x: 1\n"
      "    \"y\":\n    - a\n---\napiVersion: v1\nkind: B\nmetadata:\n  name: b\n");
}

}  // namespace
}  // namespace kubetwin::k8s
