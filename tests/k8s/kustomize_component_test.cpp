// A directory whose kustomization is `kind: Component` renders on its own as `kubectl kustomize`
// 5.5 renders it, and the Component/Kustomization apiVersion and kind rules are kubectl's.
// Expected outputs in testdata/kustomize_components/ were captured from kubectl (README there).
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "kubetwin/k8s/emitter.hpp"
#include "kubetwin/k8s/kustomize.hpp"

namespace kubetwin::k8s {
namespace {

namespace fs = std::filesystem;

const std::string kCases =
    std::string(KUBETWIN_SOURCE_DIR) + "/tests/k8s/testdata/kustomize_components";

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> cases() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(kCases))
    if (e.is_directory()) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

struct Outcome {
  std::string output;
  std::string error;  // the message, "" when it rendered
};

Outcome render(const std::string& dir) {
  try {
    return {emit_stream(build_kustomization(dir)), ""};
  } catch (const InputError& e) {
    return {"", e.diagnostic().message};
  }
}

TEST(KustomizeComponent, EveryCaseMatchesKubectlsCapturedOutput) {
  const std::vector<std::string> all = cases();
  ASSERT_GE(all.size(), 8u);
  for (const std::string& c : all) {
    SCOPED_TRACE(c);
    const fs::path dir = fs::path(kCases) / c;
    const Outcome got = render((dir / "top").string());
    if (fs::exists(dir / "expected.yaml")) {
      EXPECT_EQ(got.error, "");
      EXPECT_EQ(got.output, slurp(dir / "expected.yaml"));
    } else {
      std::string want = slurp(dir / "expected-error.txt");
      while (!want.empty() && want.back() == '\n') want.pop_back();
      const std::string canonical = fs::canonical(dir).string();
      for (auto p = want.find("{case}"); p != std::string::npos; p = want.find("{case}"))
        want.replace(p, 6, canonical);
      EXPECT_EQ(got.error, want);
    }
  }
}

TEST(KustomizeComponent, AStandaloneComponentRunsItsNestedComponentsAndTransformers) {
  const Outcome got = render(kCases + "/standalone/top");
  ASSERT_EQ(got.error, "");
  // The nested component's generator, patch and image, and the top's namespace and labels.
  EXPECT_NE(got.output.find("name: extra-89g4tffbfk\n  namespace: demo"), std::string::npos);
  EXPECT_NE(got.output.find("image: nginx:1.27"), std::string::npos);
  EXPECT_NE(got.output.find("- name: X\n          value: \"1\""), std::string::npos);
  EXPECT_NE(got.output.find("team: a"), std::string::npos);
}

bool have_kubectl() {
  return std::system("command -v kubectl >/dev/null 2>&1") == 0;
}

std::pair<std::string, bool> run(const std::string& cmd) {
  std::string out;
  FILE* p = popen((cmd + " 2>/dev/null").c_str(), "r");
  if (!p) return {"", false};
  std::array<char, 65536> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  return {out, pclose(p) == 0};
}

TEST(KustomizeComponent, LiveParityWithKubectl) {
  if (!have_kubectl()) GTEST_SKIP() << "kubectl not on PATH";
  for (const std::string& c : cases()) {
    SCOPED_TRACE(c);
    const std::string dir = kCases + "/" + c + "/top";
    auto [want, ok] = run("kubectl kustomize '" + dir + "'");
    const Outcome got = render(dir);
    EXPECT_EQ(got.error.empty(), ok) << got.error;
    if (ok) {
      EXPECT_EQ(got.output, want);
    }
  }
}

}  // namespace
}  // namespace kubetwin::k8s
