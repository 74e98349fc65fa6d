// libFuzzer harness: the built-in kustomize (k8s/kustomize.hpp) over generated trees.
//
// The input is a small file tree as text: `#file PATH` lines start each file (the text before the
// first one is `kustomization.yaml`). Paths are relative, made of [a-z0-9._/-] with no `..`
// segment, at most 4 deep; at most 16 files. The tree is written to a fresh directory under the
// process's temporary root, built with kustomize from its top, and removed. Whatever the tree,
// the build gives resources or an InputError.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include "fuzz_util.hpp"
#include "kubetwin/k8s/emitter.hpp"
#include "kubetwin/k8s/kustomize.hpp"

namespace {

namespace fs = std::filesystem;

bool safe_path(const std::string& p) {
  if (p.empty() || p.size() > 64 || p.front() == '/') return false;
  int depth = 0;
  std::size_t start = 0;
  while (start <= p.size()) {
    std::size_t end = p.find('/', start);
    if (end == std::string::npos) end = p.size();
    const std::string part = p.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    if (++depth > 4) return false;
    start = end + 1;
  }
  for (char c : p)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' ||
          c == '/' || (c >= 'A' && c <= 'Z')))
      return false;
  return true;
}

const fs::path& temp_root() {
  static const fs::path root = [] {
    fs::path p =
        fs::temp_directory_path() / ("kubetwin-fuzz-kustomize-" + std::to_string(getpid()));
    fs::create_directories(p);
    return p;
  }();
  return root;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  using namespace kubetwin;
  const std::string_view text = fuzz::as_text(data, size);
  std::vector<std::pair<std::string, std::string>> files;
  std::string name = "kustomization.yaml", body;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t nl = text.find('\n', start);
    std::string_view line =
        text.substr(start, nl == std::string_view::npos ? text.npos : nl - start + 1);
    start = nl == std::string_view::npos ? text.size() : nl + 1;
    if (line.starts_with("#file ")) {
      files.emplace_back(name, body);
      std::string_view p = line.substr(6);
      while (!p.empty() && (p.back() == '\n' || p.back() == '\r' || p.back() == ' '))
        p.remove_suffix(1);
      name = std::string(p);
      body.clear();
    } else {
      body += line;
    }
  }
  files.emplace_back(name, body);
  if (files.size() > 16) return 0;
  const fs::path dir = temp_root() / "tree";
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir);
  for (const auto& [path, content] : files) {
    if (!safe_path(path)) return 0;
    fs::create_directories((dir / path).parent_path(), ec);
    if (ec || fs::is_directory(dir / path)) return 0;
    std::ofstream(dir / path, std::ios::binary) << content;
  }
  fuzz::expect_input_errors_only([&] {
    k8s::KustomizeOptions options;
    options.limits.max_alias_nodes = 100'000;
    k8s::ResourceList out = k8s::build_kustomization(dir.string(), options);
    (void)k8s::emit_stream(out);
  });
  fs::remove_all(dir, ec);
  return 0;
}
