// Tests of `kubetwin kustomize DIR` end to end (the built binary): the stream on stdout, errors
// on stderr with path:line:col, exit code 2 for bad input.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace {

struct Result {
  int code;
  std::string out, err;
};

Result run_kubetwin(const std::string& args) {
  std::string err_file =
      std::filesystem::temp_directory_path() / ("kubetwin-verb-err-" + std::to_string(::getpid()));
  std::string cmd = std::string("'") + KUBETWIN_BINARY + "' " + args + " 2>'" + err_file + "'";
  Result r{-1, "", ""};
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 65536> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream in(err_file);
  std::stringstream ss;
  ss << in.rdbuf();
  r.err = ss.str();
  std::filesystem::remove(err_file);
  return r;
}

const std::string kData = std::string(KUBETWIN_SOURCE_DIR) + "/tests/k8s/testdata/";

TEST(KustomizeVerb, PrintsTheStream) {
  Result r = run_kubetwin("kustomize '" + kData + "kustomize/base'");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(r.out.starts_with("apiVersion: v1\nkind: ServiceAccount\n")) << r.out;
  EXPECT_NE(r.out.find("---\napiVersion: apps/v1\nkind: Deployment\n"), std::string::npos);
  EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST(KustomizeVerb, DeprecationWarningsGoToStderr) {
  Result r = run_kubetwin("kustomize '" + kData + "kustomize/common_labels'");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.err.find("# Warning: 'commonLabels' is deprecated. Please use 'labels' instead."),
            std::string::npos)
      << r.err;
}

TEST(KustomizeVerb, BadInputExitsTwoWithLocation) {
  Result r = run_kubetwin("kustomize '" + kData + "kustomize_errors/escape/root'");
  EXPECT_EQ(r.code, 2);
  EXPECT_TRUE(r.out.empty());
  EXPECT_NE(r.err.find("escape/root/kustomization.yaml:2:3: security; file"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("hint:"), std::string::npos) << r.err;
  r = run_kubetwin("kustomize '" + kData + "kustomize_errors/cycle/a'");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("cycle detected"), std::string::npos) << r.err;
  r = run_kubetwin("kustomize");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("usage: kubetwin kustomize DIR"), std::string::npos) << r.err;
}

}  // namespace
