// The model index (`models/<system>/twin.yaml`, `kind: Twin`): a system's environments, what each
// applies, which must be highly available, its cluster profile and behaviour file.
//
// Format (models/README.md):
//   apiVersion: kubetwin.io/v1alpha1
//   kind: Twin
//   metadata: {name, description}
//   spec:
//     cluster: ../clusters/local.yaml     # optional; relative to the index's directory
//     behaviour: behaviour.yaml           # optional
//     environments:
//       - name: prod
//         highlyAvailable: true           # optional, default false
//         namespaces: [amazon-api-prod, kong-prod]
//         apply: [{kustomize: DIR} | {file: PATH}, ...]   # in deploy order
//         entrypoints: [{gateway, url, host}]             # optional
// Loading validates every field it reads and throws k8s::InputError with the field's
// path:line:col; paths are resolved against the index's directory (lexically normalised).
// Rendering an environment's resources runs the built-in kustomize (k8s/kustomize.hpp).
#pragma once

#include <string>
#include <vector>

#include "kubetwin/k8s/diagnostic.hpp"
#include "kubetwin/k8s/node.hpp"
#include "kubetwin/k8s/resource.hpp"

namespace kubetwin::topology {

struct TwinApplyStep {
  bool kustomize = true;  // false: a manifest file or directory (`kubectl apply -f`)
  std::string path;       // resolved against the index's directory
  k8s::SourceLocation where;
};

struct TwinEntrypoint {
  std::string gateway;
  std::string url;
  std::string host;
  k8s::SourceLocation where;
};

struct TwinEnvironment {
  std::string name;
  bool highly_available = false;
  std::vector<std::string> namespaces;
  std::vector<TwinApplyStep> apply;
  std::vector<TwinEntrypoint> entrypoints;
  k8s::SourceLocation where;
};

struct TwinIndex {
  std::string path;  // the twin.yaml read
  std::string name;
  std::string description;
  std::string cluster;    // resolved cluster profile path, "" when the index names none
  std::string behaviour;  // resolved behaviour file path, "" when none
  std::vector<TwinEnvironment> environments;

  const TwinEnvironment* find_environment(const std::string& name) const;
};

// `path` is a twin.yaml (any file name) or a directory holding twin.yaml.
TwinIndex load_twin_index(const std::string& path);
// Reads an already parsed `kind: Twin` document; `base_dir` resolves relative paths.
TwinIndex twin_index_from_node(const k8s::Node& document, const std::string& base_dir);
// True when `path` is a directory with a twin.yaml, or a file whose first document is a Twin.
bool is_twin_index(const std::string& path);

// What one environment applies, step by step in order (kustomize output or manifest files).
k8s::ResourceList render_environment(const TwinEnvironment& environment);

}  // namespace kubetwin::topology
