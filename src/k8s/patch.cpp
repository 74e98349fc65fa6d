// Patches: strategic merge as kyaml's merge2 walks it, and RFC 6902 JSON patch.
#include "patch.hpp"

#include <algorithm>
#include <set>

#include "kubetwin/k8s/diagnostic.hpp"
#include "kubetwin/k8s/loader.hpp"

namespace kubetwin::k8s::internal {

namespace {

// apiVersion+kind pairs of Kubernetes 1.21 built-ins whose lists merge by key.
bool has_schema(const std::string& api_version, const std::string& kind) {
  static const std::set<std::string> kKnown = {
      "v1/Pod",
      "v1/PodTemplate",
      "v1/ReplicationController",
      "v1/Service",
      "v1/ConfigMap",
      "v1/Secret",
      "v1/ServiceAccount",
      "v1/Namespace",
      "v1/PersistentVolumeClaim",
      "v1/PersistentVolume",
      "v1/Endpoints",
      "v1/LimitRange",
      "v1/ResourceQuota",
      "v1/Node",
      "apps/v1/Deployment",
      "apps/v1/StatefulSet",
      "apps/v1/DaemonSet",
      "apps/v1/ReplicaSet",
      "apps/v1beta1/Deployment",
      "apps/v1beta2/Deployment",
      "apps/v1beta1/StatefulSet",
      "apps/v1beta2/StatefulSet",
      "extensions/v1beta1/Deployment",
      "extensions/v1beta1/DaemonSet",
      "extensions/v1beta1/Ingress",
      "batch/v1/Job",
      "batch/v1/CronJob",
      "batch/v1beta1/CronJob",
      "networking.k8s.io/v1/Ingress",
      "networking.k8s.io/v1beta1/Ingress",
      "networking.k8s.io/v1/NetworkPolicy",
      "networking.k8s.io/v1/IngressClass",
      "autoscaling/v1/HorizontalPodAutoscaler",
      "autoscaling/v2beta1/HorizontalPodAutoscaler",
      "autoscaling/v2beta2/HorizontalPodAutoscaler",
      "policy/v1/PodDisruptionBudget",
      "policy/v1beta1/PodDisruptionBudget",
      "policy/v1beta1/PodSecurityPolicy",
      "rbac.authorization.k8s.io/v1/Role",
      "rbac.authorization.k8s.io/v1/ClusterRole",
      "rbac.authorization.k8s.io/v1/RoleBinding",
      "rbac.authorization.k8s.io/v1/ClusterRoleBinding",
      "scheduling.k8s.io/v1/PriorityClass",
      "storage.k8s.io/v1/StorageClass",
      "admissionregistration.k8s.io/v1/MutatingWebhookConfiguration",
      "admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration",
      "apiextensions.k8s.io/v1/CustomResourceDefinition"};
  return kKnown.count(api_version + "/" + kind) > 0;
}

struct ListStrategy {
  enum Kind { kReplace, kKeyed, kSet } kind = kReplace;
  std::vector<std::string> keys;
};

// The merge strategy of a list field, from its name and the path above it.
ListStrategy strategy_for(const std::vector<std::string>& path, const std::string& field,
                          bool schema) {
  if (!schema) return {};
  static const std::set<std::string> kByName = {
      "containers", "initContainers", "ephemeralContainers", "volumes", "imagePullSecrets", "env"};
  if (kByName.count(field)) return {ListStrategy::kKeyed, {"name"}};
  if (field == "volumeMounts") return {ListStrategy::kKeyed, {"mountPath"}};
  if (field == "volumeDevices") return {ListStrategy::kKeyed, {"devicePath"}};
  if (field == "hostAliases") return {ListStrategy::kKeyed, {"ip"}};
  if (field == "ownerReferences") return {ListStrategy::kKeyed, {"uid"}};
  if (field == "topologySpreadConstraints")
    return {ListStrategy::kKeyed, {"topologyKey", "whenUnsatisfiable"}};
  if (field == "finalizers") return {ListStrategy::kSet, {}};
  if (field == "ports") {
    bool in_container = std::find(path.begin(), path.end(), "containers") != path.end() ||
                        std::find(path.begin(), path.end(), "initContainers") != path.end();
    if (in_container) return {ListStrategy::kKeyed, {"containerPort", "protocol"}};
    if (path.size() == 1 && path[0] == "spec") return {ListStrategy::kKeyed, {"port", "protocol"}};
  }
  return {};
}

std::string directive(const Node& n) {
  if (!n.is_mapping()) return "";
  return n.str("$patch");
}

Node without_directive(const Node& n) {
  Node copy = n;
  copy.erase("$patch");
  return copy;
}

void merge_node(Node& target, const Node& patch, std::vector<std::string>& path, bool schema);

bool keys_match(const Node& a, const Node& b, const std::vector<std::string>& keys) {
  bool any = false;
  for (const std::string& k : keys) {
    if (k == "protocol") continue;  // only reached when no element names a protocol
    const Node* av = a.get(k);
    const Node* bv = b.get(k);
    std::string as = av && av->is_scalar() ? av->text() : "";
    std::string bs = bv && bv->is_scalar() ? bv->text() : "";
    if (k == "protocol") {  // defaulted by the API
      if (as.empty()) as = "TCP";
      if (bs.empty()) bs = "TCP";
    } else {
      if (!av && !bv) continue;
      any = true;
    }
    if (as != bs) return false;
  }
  return any;
}

Node merge_list(const Node& target, const Node& patch, const ListStrategy& s,
                std::vector<std::string>& path, bool schema) {
  // A lone {$patch: replace} replaces the list; a lone {$patch: delete} empties it.
  for (const Node& p : patch.items()) {
    if (p.is_mapping() && p.fields().size() == 1 && directive(p) == "replace") {
      Node out = Node::sequence(target.location());
      for (const Node& q : patch.items())
        if (!(q.is_mapping() && directive(q) == "replace" && q.fields().size() == 1))
          out.push_back(q);
      return out;
    }
    if (p.is_mapping() && p.fields().size() == 1 && directive(p) == "delete" &&
        s.kind != ListStrategy::kKeyed)
      return Node::sequence(target.location());
  }
  if (s.kind == ListStrategy::kReplace) return patch;
  Node out = Node::sequence(target.location());
  std::vector<bool> used(target.items().size(), false);
  // Lists keyed by two fields (ports: containerPort/port + protocol) go through kyaml's
  // multi-key path once any element names the second key: elements match on both keys as
  // written, new elements are prepended in patch order, matched ones merge in place, and
  // `$patch: delete` elements are ignored (measured against kubectl kustomize v5.5.0).
  if (s.kind == ListStrategy::kKeyed && s.keys.size() == 2) {
    auto names_second = [&](const Node& list) {
      for (const Node& e : list.items())
        if (e.is_mapping() && e.get(s.keys[1])) return true;
      return false;
    };
    if (names_second(target) || names_second(patch)) {
      auto same = [&](const Node& a, const Node& b) {
        for (const std::string& k : s.keys)
          if (a.str(k) != b.str(k)) return false;
        return true;
      };
      Node merged_target = target;
      for (const Node& p : patch.items()) {
        if (!p.is_mapping() || directive(p) == "delete") continue;
        bool found = false;
        for (Node& t : merged_target.items()) {
          if (t.is_mapping() && same(t, p)) {
            merge_node(t, without_directive(p), path, schema);
            found = true;
            break;
          }
        }
        if (!found) {
          Node fresh = Node::mapping(p.location());
          merge_node(fresh, without_directive(p), path, schema);
          out.push_back(std::move(fresh));
        }
      }
      for (Node& t : merged_target.items()) out.push_back(std::move(t));
      return out;
    }
  }
  if (s.kind == ListStrategy::kSet) {
    for (const Node& p : patch.items()) {
      out.push_back(p);
      for (size_t i = 0; i < target.items().size(); ++i)
        if (target.items()[i] == p) used[i] = true;
    }
  } else {
    for (const Node& p : patch.items()) {
      if (!p.is_mapping()) {
        out.push_back(p);
        continue;
      }
      std::string dir = directive(p);
      size_t found = target.items().size();
      for (size_t i = 0; i < target.items().size(); ++i) {
        if (!used[i] && target.items()[i].is_mapping() &&
            keys_match(target.items()[i], p, s.keys)) {
          found = i;
          break;
        }
      }
      if (dir == "delete") {
        if (found < used.size()) used[found] = true;
        continue;
      }
      if (found < used.size()) {
        used[found] = true;
        Node merged = target.items()[found];
        merge_node(merged, without_directive(p), path, schema);
        out.push_back(std::move(merged));
      } else {
        Node fresh = Node::mapping(p.location());
        merge_node(fresh, without_directive(p), path, schema);
        out.push_back(std::move(fresh));
      }
    }
  }
  for (size_t i = 0; i < target.items().size(); ++i)
    if (!used[i]) out.push_back(target.items()[i]);
  return out;
}

void merge_node(Node& target, const Node& patch, std::vector<std::string>& path, bool schema) {
  if (!patch.is_mapping() || !target.is_mapping()) {
    target = patch;
    return;
  }
  for (const auto& [key, value] : patch.fields()) {
    if (key == "$patch") continue;
    if (value.is_null() || (value.is_scalar() && value.scalar_type() == Node::ScalarType::kNull)) {
      target.erase(key);
      continue;
    }
    Node* existing = target.get(key);
    if (value.is_mapping()) {
      std::string dir = directive(value);
      if (dir == "delete") {
        target.erase(key);
        continue;
      }
      if (dir == "replace") {
        target.set(key, without_directive(value));
        continue;
      }
      if (existing && existing->is_mapping()) {
        path.push_back(key);
        merge_node(*existing, value, path, schema);
        path.pop_back();
      } else {
        Node fresh = Node::mapping(value.location());
        path.push_back(key);
        merge_node(fresh, value, path, schema);
        path.pop_back();
        target.set(key, std::move(fresh));
      }
      continue;
    }
    if (value.is_sequence() && existing && existing->is_sequence()) {
      ListStrategy s = strategy_for(path, key, schema);
      path.push_back(key);
      Node merged = merge_list(*existing, value, s, path, schema);
      path.pop_back();
      *existing = std::move(merged);
      continue;
    }
    if (value.is_sequence()) {
      // New list: still strip element directives.
      ListStrategy s = strategy_for(path, key, schema);
      path.push_back(key);
      Node merged = merge_list(Node::sequence(value.location()), value, s, path, schema);
      path.pop_back();
      target.set(key, std::move(merged));
      continue;
    }
    target.set(key, value);
  }
}

// JSON pointer tokens of a path ("/a/b~1c" -> {"a", "b/c"}).
std::vector<std::string> pointer_tokens(const Node& op, const std::string& path) {
  std::vector<std::string> out;
  if (path.empty()) return out;
  if (path[0] != '/')
    throw InputError(op.location(), "JSON patch path \"" + path + "\" must start with '/'",
                     "write paths like /spec/replicas");
  size_t i = 1;
  while (true) {
    size_t next = path.find('/', i);
    std::string tok = path.substr(i, next == std::string::npos ? std::string::npos : next - i);
    std::string unescaped;
    for (size_t k = 0; k < tok.size(); ++k) {
      if (tok[k] == '~' && k + 1 < tok.size()) {
        unescaped.push_back(tok[k + 1] == '1' ? '/' : '~');
        ++k;
      } else {
        unescaped.push_back(tok[k]);
      }
    }
    out.push_back(unescaped);
    if (next == std::string::npos) break;
    i = next + 1;
  }
  return out;
}

[[noreturn]] void op_error(const Node& op, const std::string& what) {
  throw InputError(op.location(), "JSON patch " + op.str("op") + " " + op.str("path") + ": " + what,
                   "check the path against the target object (lists are indexed from 0)");
}

std::optional<size_t> index_of(const std::string& tok, size_t size, bool allow_end) {
  if (tok == "-" && allow_end) return size;
  if (tok.empty() ||
      !std::all_of(tok.begin(), tok.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  if (tok.size() > 1 && tok[0] == '0') return std::nullopt;
  size_t idx = std::stoul(tok);
  if (idx > size || (!allow_end && idx == size)) return std::nullopt;
  return idx;
}

Node* resolve(Node& root, const std::vector<std::string>& toks, size_t count, const Node& op) {
  Node* cur = &root;
  for (size_t i = 0; i < count; ++i) {
    if (cur->is_mapping()) {
      cur = cur->get(toks[i]);
      if (!cur) op_error(op, "no field \"" + toks[i] + "\"");
    } else if (cur->is_sequence()) {
      auto idx = index_of(toks[i], cur->items().size(), false);
      if (!idx) op_error(op, "no list element \"" + toks[i] + "\"");
      cur = &cur->items()[*idx];
    } else {
      op_error(op, "\"" + toks[i] + "\" is below a scalar");
    }
  }
  return cur;
}

Node remove_at(Node& root, const std::vector<std::string>& toks, const Node& op) {
  if (toks.empty()) op_error(op, "cannot remove the whole object");
  Node* parent = resolve(root, toks, toks.size() - 1, op);
  const std::string& last = toks.back();
  if (parent->is_mapping()) {
    Node* n = parent->get(last);
    if (!n) op_error(op, "no field \"" + last + "\" to remove");
    Node copy = *n;
    parent->erase(last);
    return copy;
  }
  if (parent->is_sequence()) {
    auto idx = index_of(last, parent->items().size(), false);
    if (!idx) op_error(op, "no list element \"" + last + "\"");
    Node copy = parent->items()[*idx];
    parent->items().erase(parent->items().begin() + long(*idx));
    return copy;
  }
  op_error(op, "parent is a scalar");
}

void add_at(Node& root, const std::vector<std::string>& toks, Node value, const Node& op,
            bool replace) {
  if (toks.empty()) {
    root = std::move(value);
    return;
  }
  Node* parent = resolve(root, toks, toks.size() - 1, op);
  const std::string& last = toks.back();
  if (parent->is_mapping() || (parent->is_null() && !replace)) {
    if (replace && !parent->get(last)) op_error(op, "no field \"" + last + "\" to replace");
    parent->set(last, std::move(value));
    return;
  }
  if (parent->is_sequence()) {
    auto idx = index_of(last, parent->items().size(), !replace);
    if (!idx) op_error(op, "no list element \"" + last + "\"");
    if (replace)
      parent->items()[*idx] = std::move(value);
    else
      parent->items().insert(parent->items().begin() + long(*idx), std::move(value));
    return;
  }
  op_error(op, "parent is a scalar");
}

}  // namespace

bool apply_strategic_merge(Node& target, const Node& patch) {
  if (directive(patch) == "delete") return false;
  bool schema = has_schema(target.str("apiVersion"), target.str("kind"));
  std::vector<std::string> path;
  if (directive(patch) == "replace") {
    target = without_directive(patch);
    return true;
  }
  merge_node(target, patch, path, schema);
  return true;
}

void apply_json6902(Node& target, const Node& operations) {
  if (!operations.is_sequence())
    throw InputError(operations.location(), "a JSON 6902 patch must be a list of operations",
                     "write `- op: replace` entries with path and value");
  for (const Node& op : operations.items()) {
    if (!op.is_mapping())
      throw InputError(op.location(),
                       "a JSON 6902 operation must be a mapping, found " + describe_node(op),
                       "write `op`, `path` and `value`");
    std::string name = op.str("op");
    auto toks = pointer_tokens(op, op.str("path"));
    const Node* value = op.get("value");
    if (name == "add" || name == "replace") {
      if (!value) op_error(op, "missing value");
      add_at(target, toks, *value, op, name == "replace");
    } else if (name == "remove") {
      remove_at(target, toks, op);
    } else if (name == "move" || name == "copy") {
      auto from = pointer_tokens(op, op.str("from"));
      Node v =
          name == "move" ? remove_at(target, from, op) : *resolve(target, from, from.size(), op);
      add_at(target, toks, std::move(v), op, false);
    } else if (name == "test") {
      if (!value) op_error(op, "missing value");
      Node* cur = resolve(target, toks, toks.size(), op);
      bool s1 = false, s2 = false;
      (void)s1, (void)s2;
      if (!(cur->is_scalar() && value->is_scalar() ? cur->text() == value->text() : *cur == *value))
        op_error(op, "test failed");
    } else {
      throw InputError(op.location(), "unknown JSON patch operation \"" + name + "\"",
                       "use add, remove, replace, move, copy or test");
    }
  }
}

}  // namespace kubetwin::k8s::internal
