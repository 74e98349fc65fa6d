// Benchmarks of the k8s layer: loading, kustomize rendering and emitting a generated
// 10,000-resource input (DESIGN: must stay under 2 s), the shipped amazon-store overlays, and how
// fast hostile inputs are refused (a billion-laughs alias bomb, a 50 MiB file): the tests check
// that they are refused and how; how soon is measured here, not asserted in a test.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "kubetwin/k8s/diagnostic.hpp"
#include "kubetwin/k8s/emitter.hpp"
#include "kubetwin/k8s/kustomize.hpp"
#include "kubetwin/k8s/loader.hpp"

namespace {

namespace fs = std::filesystem;
using namespace kubetwin::k8s;

constexpr int kResources = 10'000;

// A kustomization over 10,000 resources (Deployments, Services, ConfigMaps in equal parts) with
// namespace, prefix, labels, a targeted JSON patch and a strategic-merge patch.
const fs::path& generated_dir() {
  static const fs::path dir = [] {
    fs::path d = fs::temp_directory_path() / ("kubetwin-k8s-bench-" + std::to_string(::getpid()));
    fs::create_directories(d);
    std::ofstream res(d / "resources.yaml");
    for (int i = 0; i < kResources; ++i) {
      std::string n = "app" + std::to_string(i / 3);
      switch (i % 3) {
        case 0:
          res << "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: " << n
              << "\n  labels: {app: " << n
              << ", tier: backend}\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {app: " << n
              << "}\n  template:\n    metadata:\n      labels: {app: " << n
              << "}\n    spec:\n      containers:\n      - name: main\n        image: "
                 "registry.local/"
              << n
              << ":1.0\n        ports: [{containerPort: 8080}]\n        env:\n        - {name: "
                 "MODE, value: prod}\n"
              << "        - name: CFG\n          valueFrom: {configMapKeyRef: {name: " << n
              << ", key: mode}}\n        resources: {requests: {cpu: 100m, memory: 64Mi}}\n";
          break;
        case 1:
          res << "---\napiVersion: v1\nkind: Service\nmetadata:\n  name: " << n
              << "\nspec:\n  selector: {app: " << n
              << "}\n  ports: [{port: 80, targetPort: 8080}]\n";
          break;
        default:
          res << "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " << n
              << "\ndata:\n  mode: fast\n  url: \"http://" << n << ".svc.cluster.local:80\"\n";
      }
    }
    std::ofstream(d / "kustomization.yaml")
        << "namespace: bench\nnamePrefix: b-\nlabels:\n- pairs: {env: bench}\n  includeSelectors: "
           "true\n"
           "resources: [resources.yaml]\npatches:\n- target: {kind: Deployment, labelSelector: "
           "tier=backend}\n"
           "  patch: |-\n    - op: replace\n      path: /spec/replicas\n      value: 3\n"
           "- target: {kind: Service}\n  patch: |-\n    apiVersion: v1\n    kind: Service\n    "
           "metadata: {name: x}\n"
           "    spec: {type: ClusterIP}\n";
    return d;
  }();
  return dir;
}

void BM_Load10k(benchmark::State& state) {
  std::string path = (generated_dir() / "resources.yaml").string();
  for (auto _ : state) {
    ResourceList rs = load_manifests(path);
    benchmark::DoNotOptimize(rs.data());
  }
  state.SetItemsProcessed(state.iterations() * kResources);
}
BENCHMARK(BM_Load10k)->Unit(benchmark::kMillisecond);

void BM_KustomizeRender10k(benchmark::State& state) {
  std::string dir = generated_dir().string();
  for (auto _ : state) {
    std::string out = emit_stream(build_kustomization(dir));
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * kResources);
}
BENCHMARK(BM_KustomizeRender10k)->Unit(benchmark::kMillisecond);

void BM_AmazonStoreOverlays(benchmark::State& state) {
  std::string base = std::string(KUBETWIN_SOURCE_DIR) + "/models/amazon-store/k8s/";
  std::vector<std::string> dirs = {base + "overlays/dev", base + "overlays/prod",
                                   base + "infrastructure/kong/overlays/dev",
                                   base + "infrastructure/kong/overlays/prod"};
  for (auto _ : state)
    for (const std::string& d : dirs) {
      ResourceList rs = build_kustomization(d);
      benchmark::DoNotOptimize(rs.data());
    }
}
BENCHMARK(BM_AmazonStoreOverlays)->Unit(benchmark::kMillisecond);

// Ten levels of ten aliases: 10^10 nodes if expanded. Refused at the alias expansion limit
// (tests/k8s/loader_test.cpp, Loader.AliasBombIsRefused); it used to be asserted under 5 s.
void BM_AliasBombRefused(benchmark::State& state) {
  std::string bomb =
      "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n";
  char prev = 'a';
  for (char c = 'b'; c <= 'j'; ++c) {
    bomb += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 9; ++i) bomb += std::string(i ? "," : "") + "*" + prev;
    bomb += "]\n";
    prev = c;
  }
  for (auto _ : state) {
    bool refused = false;
    try {
      parse_yaml_documents(bomb, "bomb.yaml");
    } catch (const InputError&) {
      refused = true;
    }
    if (!refused) state.SkipWithError("the alias bomb was not refused");
  }
}
BENCHMARK(BM_AliasBombRefused)->Unit(benchmark::kMillisecond);

// A 50 MiB manifest: refused by its size before it is read (Loader.OversizedFileIsRefused...).
void BM_OversizedFileRefused(benchmark::State& state) {
  const fs::path big = fs::temp_directory_path() /
                       ("kubetwin-k8s-bench-big-" + std::to_string(::getpid()) + ".yaml");
  {
    std::ofstream out(big);
    const std::string line(1023, '#');
    for (int i = 0; i < 50 * 1024; ++i) out << line << '\n';
  }
  for (auto _ : state) {
    bool refused = false;
    try {
      load_manifests(big.string());
    } catch (const InputError&) {
      refused = true;
    }
    if (!refused) state.SkipWithError("the 50 MiB file was not refused");
  }
  fs::remove(big);
}
BENCHMARK(BM_OversizedFileRefused)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
