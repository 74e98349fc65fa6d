// `-o yaml|json` emitters: sorted keys, kubectl's (sigs.k8s.io/yaml, encoding/json) layout.
#include "kubetwin/report/kubectl_serialize.hpp"

#include <algorithm>
#include <cstdio>

#include "kubetwin/k8s/emitter.hpp"
#include "kubetwin/k8s/json.hpp"

namespace kubetwin::report {

namespace {

using k8s::Node;

std::vector<const std::pair<std::string, Node>*> sorted_fields(const Node& n) {
  std::vector<const std::pair<std::string, Node>*> out;
  for (const auto& f : n.fields()) out.push_back(&f);
  std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->first < b->first; });
  return out;
}

std::string json_string(const std::string& s) {
  return k8s::json_quote(s, k8s::JsonEscape::kGo);
}

std::string json_scalar(const Node& n) {
  if (n.is_null()) return "null";
  switch (n.scalar_type()) {
    case Node::ScalarType::kInt:
    case Node::ScalarType::kFloat:
      return n.text();
    case Node::ScalarType::kBool:
      return n.as_bool().value_or(false) ? "true" : "false";
    case Node::ScalarType::kNull:
      return "null";
    case Node::ScalarType::kString:
      break;
  }
  return json_string(n.text());
}

void json(const Node& n, int indent, std::string& out) {
  std::string pad(static_cast<size_t>(indent + 4), ' ');
  std::string close(static_cast<size_t>(indent), ' ');
  if (n.is_mapping()) {
    if (n.fields().empty()) {
      out += "{}";
      return;
    }
    out += "{\n";
    auto fields = sorted_fields(n);
    for (size_t i = 0; i < fields.size(); ++i) {
      out += pad + json_string(fields[i]->first) + ": ";
      json(fields[i]->second, indent + 4, out);
      out += i + 1 < fields.size() ? ",\n" : "\n";
    }
    out += close + "}";
  } else if (n.is_sequence()) {
    if (n.items().empty()) {
      out += "[]";
      return;
    }
    out += "[\n";
    for (size_t i = 0; i < n.items().size(); ++i) {
      out += pad;
      json(n.items()[i], indent + 4, out);
      out += i + 1 < n.items().size() ? ",\n" : "\n";
    }
    out += close + "]";
  } else {
    out += json_scalar(n);
  }
}

}  // namespace

std::string to_kubectl_json(const Node& node) {
  std::string out;
  json(node, 0, out);
  return out + "\n";
}

std::string to_kubectl_yaml(const Node& node) {
  return k8s::emit_document(node);
}

Node kubectl_list(std::vector<Node> items) {
  Node list = Node::mapping();
  list.set("apiVersion", Node::scalar("v1", false));
  Node seq = Node::sequence();
  for (Node& i : items) seq.push_back(std::move(i));
  list.set("items", std::move(seq));
  list.set("kind", Node::scalar("List", false));
  Node meta = Node::mapping();
  meta.set("resourceVersion", Node::scalar("", true));
  list.set("metadata", std::move(meta));
  return list;
}

}  // namespace kubetwin::report
