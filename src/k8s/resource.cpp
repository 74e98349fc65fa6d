// Resource: identity accessors over a document's body.
#include "kubetwin/k8s/resource.hpp"

namespace kubetwin::k8s {

namespace {

std::map<std::string, std::string> string_map(const Node* n) {
  std::map<std::string, std::string> out;
  if (!n || !n->is_mapping()) return out;
  for (const auto& [k, v] : n->fields())
    if (v.is_scalar()) out[k] = v.text();
  return out;
}

}  // namespace

std::string Resource::name() const {
  const Node* md = body.get("metadata");
  return md ? md->str("name") : std::string();
}

std::string Resource::namespace_name() const {
  const Node* md = body.get("metadata");
  return md ? md->str("namespace") : std::string();
}

std::map<std::string, std::string> Resource::labels() const {
  return string_map(body.at({"metadata", "labels"}));
}

std::map<std::string, std::string> Resource::annotations() const {
  return string_map(body.at({"metadata", "annotations"}));
}

std::string Resource::group() const {
  std::string av = api_version();
  auto slash = av.find('/');
  return slash == std::string::npos ? std::string() : av.substr(0, slash);
}

}  // namespace kubetwin::k8s
