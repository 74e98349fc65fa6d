// Topology benchmarks: the shipped model from manifests to a built twin (issue bar: under 50 ms),
// and a generated 10,000-resource input loaded and built (bar: under 2 s).
#include <benchmark/benchmark.h>

#include <sstream>
#include <string>

#include "kubetwin/k8s/loader.hpp"
#include "kubetwin/topology/cluster.hpp"
#include "kubetwin/topology/model.hpp"
#include "kubetwin/topology/twin_index.hpp"

namespace kt = kubetwin::topology;
namespace k8s = kubetwin::k8s;

namespace {

// twin.yaml -> render both environments (kustomize) -> cluster profile -> model.
void BM_AmazonStoreBothEnvironments(benchmark::State& state) {
  const std::string root = std::string(KUBETWIN_SOURCE_DIR) + "/models/amazon-store";
  size_t pods = 0;
  for (auto _ : state) {
    kt::TwinIndex index = kt::load_twin_index(root);
    k8s::ResourceList all;
    for (const kt::TwinEnvironment& env : index.environments) {
      k8s::ResourceList r = kt::render_environment(env);
      all.insert(all.end(), r.begin(), r.end());
    }
    auto docs = k8s::parse_yaml_documents(k8s::read_file(index.cluster), index.cluster);
    kt::Model model = kt::build_model(all, kt::cluster_profile_from_node(docs.front()));
    pods = model.pods.size();
    benchmark::DoNotOptimize(pods);
  }
  state.counters["pods"] = static_cast<double>(pods);
}
BENCHMARK(BM_AmazonStoreBothEnvironments)->Unit(benchmark::kMillisecond);

// 10,000 resources (Deployments, Services, ConfigMaps) in 20 namespaces, parsed and built.
std::string generated_manifests() {
  std::ostringstream out;
  for (int ns = 0; ns < 20; ++ns) {
    out << "---\napiVersion: v1\nkind: Namespace\nmetadata: {name: ns" << ns << "}\n";
  }
  for (int i = 0; i < 9'980; ++i) {
    std::string n = "app" + std::to_string(i / 3);
    std::string ns = "ns" + std::to_string((i / 3) % 20);
    switch (i % 3) {
      case 0:
        out << "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: " << n
            << ", namespace: " << ns
            << "}\nspec:\n  replicas: 1\n  selector: {matchLabels: {app: " << n
            << "}}\n  template:\n"
            << "    metadata: {labels: {app: " << n << "}}\n    spec:\n      containers:\n"
            << "      - name: main\n        image: registry.local/" << n << ":1.0\n"
            << "        env: [{name: CFG, valueFrom: {configMapKeyRef: {name: " << n
            << ", key: mode}}}]\n"
            << "        resources: {requests: {cpu: 1m, memory: 1Mi}}\n";
        break;
      case 1:
        out << "---\napiVersion: v1\nkind: Service\nmetadata: {name: " << n << ", namespace: " << ns
            << "}\nspec: {selector: {app: " << n << "}, ports: [{port: 80, targetPort: 8080}]}\n";
        break;
      default:
        out << "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: " << n
            << ", namespace: " << ns << "}\ndata: {mode: fast}\n";
    }
  }
  return out.str();
}

void BM_Build10k(benchmark::State& state) {
  static const std::string text = generated_manifests();
  kt::ClusterProfile cluster = kt::single_node_cluster();
  cluster.node_pools.front().count = 40;
  cluster.node_pools.front().max_pods = 250;
  for (auto _ : state) {
    k8s::ResourceList r = k8s::parse_resources(text, "generated.yaml");
    kt::Model model = kt::build_model(r, cluster);
    benchmark::DoNotOptimize(model.pods.size());
  }
}
BENCHMARK(BM_Build10k)->Unit(benchmark::kMillisecond)->Iterations(2);

}  // namespace

BENCHMARK_MAIN();
