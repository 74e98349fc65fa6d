// Patches for the built-in kustomize: strategic merge (kyaml merge2 semantics) and JSON 6902.
// Internal to the k8s layer.
#pragma once

#include <string>

#include "kubetwin/k8s/node.hpp"

namespace kubetwin::k8s::internal {

// Applies a strategic-merge patch to `target` (a whole object). Returns false when the patch
// deletes the object (`$patch: delete` at the root). Merge keys come from a built-in subset of
// the Kubernetes 1.21 schema when `target`'s apiVersion+kind is a 1.21 built-in; otherwise all
// lists are replaced (JSON merge patch), as kustomize does.
bool apply_strategic_merge(Node& target, const Node& patch);

// Applies JSON 6902 operations (a sequence of {op, path, value, from}); throws InputError at the
// failing operation.
void apply_json6902(Node& target, const Node& operations);

}  // namespace kubetwin::k8s::internal
