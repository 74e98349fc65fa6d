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

TEST(Emitter, NaturalKeyOrder) {
  std::vector<std::string> keys = {"b", "a10", "a9", "a.b", "a-b", "Z", "A", "_x"};
  std::sort(keys.begin(), keys.end(), [](auto& a, auto& b) { return natural_key_less(a, b); });
  EXPECT_EQ(keys, (std::vector<std::string>{"_x", "A", "Z", "a-b", "a.b", "a9", "a10", "b"}));
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
