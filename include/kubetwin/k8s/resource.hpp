// Resource: one Kubernetes object (a YAML document) with its identity and source location.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "kubetwin/k8s/node.hpp"

namespace kubetwin::k8s {

struct Resource {
  Node body;  // the whole document: apiVersion, kind, metadata, spec...

  std::string api_version() const { return body.str("apiVersion"); }
  std::string kind() const { return body.str("kind"); }
  std::string name() const;
  std::string namespace_name() const;  // "" when unset (cluster-scoped or defaulted later)
  std::map<std::string, std::string> labels() const;
  std::map<std::string, std::string> annotations() const;
  // "group" part of apiVersion ("" for core v1).
  std::string group() const;
  const SourceLocation& location() const { return body.location(); }
};

using ResourceList = std::vector<Resource>;

}  // namespace kubetwin::k8s
