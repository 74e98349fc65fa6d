// Kustomize: a built-in `kubectl kustomize` (kustomize v5.5.0) rendering a directory to resources.
//
// Supported: resources/bases (files and directories), components, namespace, namePrefix/
// nameSuffix, labels, commonLabels, commonAnnotations, patchesStrategicMerge, patches (strategic
// merge and JSON 6902, with targets), patchesJson6902, replicas, images, configMapGenerator,
// secretGenerator (hash suffixes and name-reference rewriting), generatorOptions, sortOptions.
// Order of operations, hashing, sorting and "surprises" follow ../shared/reference/
// kustomize-facts.md. The load restrictor is kustomize's RootOnly: files must lie in or below
// their kustomization's root; directories may be anywhere; cycles are refused.
// Unsupported inputs (vars, replacements, helmCharts, generators, transformers, configurations,
// crds, openapi, buildMetadata, labels[].fields, remote bases) are refused with an InputError
// rather than silently ignored. Every error carries path:line:col.
// Cost: linear in the number of objects for loading, transformers, hashing and references
// (IDs and renamed names are indexed); patches cost O(objects x patches).
#pragma once

#include <string>
#include <vector>

#include "kubetwin/k8s/loader.hpp"
#include "kubetwin/k8s/resource.hpp"

namespace kubetwin::k8s {

struct KustomizeOptions {
  LoadLimits limits;
  // Deprecation warnings ("# Warning: 'commonLabels' is deprecated...") are appended here.
  std::vector<std::string>* warnings = nullptr;
};

// Renders the kustomization in `dir` as kubectl kustomize does (same objects, same order).
// Throws InputError for any bad input.
ResourceList build_kustomization(const std::string& dir, const KustomizeOptions& options = {});

// True when `dir` holds a kustomization file (kustomization.yaml, .yml or Kustomization).
bool is_kustomization_dir(const std::string& dir);

// kustomize's legacy resource order (api/resid/gvk.go orderFirst/orderLast): Namespace,
// ResourceQuota, ... first (ranks 0..21), unknown kinds at 500, webhooks last (1000, 1001). The
// API server admits in this order under `kubectl apply -k`, so the topology builder uses it too.
int legacy_kind_rank(const std::string& kind);

}  // namespace kubetwin::k8s
