// Loader: YAML/JSON text and files -> Node trees and Resources, every value with path:line:col.
//
// Promises: bad input never crashes, hangs or exhausts memory. A file larger than
// LoadLimits::max_file_bytes is refused before it is read; nesting deeper than max_depth and
// alias expansion past max_alias_nodes (YAML "billion laughs") are refused while parsing. Every
// refusal and every malformed document is an InputError naming path:line:col (1-based), a
// sentence and a hint; limits are named with their value. Unknown kinds (CRDs...) load as any
// other resource: the loader does not interpret what a resource means.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "kubetwin/k8s/node.hpp"
#include "kubetwin/k8s/resource.hpp"

namespace kubetwin::k8s {

struct LoadLimits {
  std::size_t max_file_bytes = std::size_t{16} << 20;  // 16 MiB
  int max_depth = 200;                                 // nested mappings/sequences
  std::size_t max_alias_nodes = 1'000'000;             // nodes copied by alias expansion, per file
};

// Reads a whole file, refusing one above limits.max_file_bytes (InputError naming the limit).
std::string read_file(const std::string& path, const LoadLimits& limits = {});

// Parses a multi-document YAML stream. Empty documents are skipped. `path` is used for locations.
std::vector<Node> parse_yaml_documents(std::string_view text, const std::string& path,
                                       const LoadLimits& limits = {});

// Parses and checks documents as Kubernetes objects: each is a mapping with string `apiVersion`
// and `kind`, a mapping `metadata` with a string `name` (or `generateName`), and mapping
// `labels`/`annotations`. `*List` kinds with `items` are replaced by their items.
ResourceList parse_resources(std::string_view text, const std::string& path,
                             const LoadLimits& limits = {});

// A manifest file, or every *.yaml, *.yml and *.json file of a directory (not recursive, in
// name order), as `kubectl apply -f` reads them.
ResourceList load_manifests(const std::string& path, const LoadLimits& limits = {});

// Checks one document as a Kubernetes object (see parse_resources); throws InputError.
void validate_resource(const Node& doc);

// "a mapping", "a sequence", "an integer 5"...: for error messages about wrong types.
std::string describe_node(const Node& n);

}  // namespace kubetwin::k8s
