// Cluster profiles: the built-in single node and the ClusterProfile document reader.
#include "kubetwin/topology/cluster.hpp"

#include <optional>

#include "kubetwin/sim/time.hpp"
#include "kubetwin/topology/model.hpp"

namespace kubetwin::topology {

namespace {

using k8s::InputError;
using k8s::Node;

[[noreturn]] void fail(const Node& at, const std::string& message, const std::string& hint) {
  throw InputError(at.location(), message, hint);
}

const Node& require_scalar(const Node& parent, const char* key, const std::string& path) {
  const Node* n = parent.get(key);
  if (!n) fail(parent, path + "." + key + " is required", "add `" + std::string(key) + ":`");
  if (!n->is_scalar()) fail(*n, path + "." + key + " must be a scalar", "");
  return *n;
}

int positive_int(const Node& n, const std::string& path) {
  auto v = n.as_int();
  if (!n.is_scalar() || !v || *v < 0 || *v > 1'000'000)
    fail(n, path + " must be a non-negative integer, got `" + n.text() + "`", "e.g. 3");
  return static_cast<int>(*v);
}

int64_t duration(const Node& n, const std::string& path) {
  std::optional<sim::Time> ns = n.is_scalar() ? sim::parse_duration(n.text()) : std::nullopt;
  if (!ns || *ns < 0)
    fail(n, path + " must be a duration, got `" + n.text() + "`", "e.g. 50us, 200us, 1ms");
  return *ns;
}

}  // namespace

int ClusterProfile::node_count() const {
  int n = 0;
  for (const NodePool& p : node_pools) n += p.count;
  return n;
}

ClusterProfile single_node_cluster() {
  ClusterProfile c;
  c.name = "single-node";
  NodePool pool;
  pool.name = "kubetwin-control-plane";
  pool.count = 1;
  pool.zones = {"local"};
  c.node_pools.push_back(pool);
  return c;
}

ClusterProfile cluster_profile_from_node(const Node& doc) {
  if (!doc.is_mapping()) fail(doc, "a cluster profile must be a mapping", "");
  if (doc.str("kind") != "ClusterProfile")
    fail(doc, "expected kind: ClusterProfile, got `" + doc.str("kind") + "`",
         "cluster profiles live in models/clusters/*.yaml");
  ClusterProfile c;
  c.where = doc.location();
  if (const Node* md = doc.get("metadata"); md && md->is_mapping()) c.name = md->str("name");
  const Node* spec = doc.get("spec");
  if (!spec || !spec->is_mapping()) fail(doc, "spec is required", "add spec.nodePools");
  const Node* pools = spec->get("nodePools");
  if (!pools || !pools->is_sequence() || pools->items().empty())
    fail(pools ? *pools : *spec, "spec.nodePools must be a non-empty list", "");
  for (std::size_t i = 0; i < pools->items().size(); ++i) {
    const Node& p = pools->items()[i];
    const std::string path = "spec.nodePools[" + std::to_string(i) + "]";
    if (!p.is_mapping()) fail(p, path + " must be a mapping", "");
    NodePool pool;
    pool.where = p.location();
    pool.name = require_scalar(p, "name", path).text();
    if (const Node* n = p.get("count")) pool.count = positive_int(*n, path + ".count");
    if (const Node* n = p.get("cpu")) {
      if (!n->is_scalar() || !parse_cpu_milli(n->text(), pool.cpu_milli) || pool.cpu_milli <= 0)
        fail(*n, path + ".cpu must be a CPU quantity, got `" + n->text() + "`", "e.g. 4 or 3500m");
    }
    if (const Node* n = p.get("memory")) {
      if (!n->is_scalar() || !parse_memory_bytes(n->text(), pool.memory_bytes) ||
          pool.memory_bytes <= 0)
        fail(*n, path + ".memory must be a memory quantity, got `" + n->text() + "`", "e.g. 16Gi");
    }
    if (const Node* r = p.get("reserved")) {
      int64_t v = 0;
      if (const Node* n = r->get("cpu")) {
        if (!n->is_scalar() || !parse_cpu_milli(n->text(), v))
          fail(*n, path + ".reserved.cpu must be a CPU quantity, got `" + n->text() + "`",
               "e.g. 500m");
        pool.cpu_milli -= v;
      }
      if (const Node* n = r->get("memory")) {
        if (!n->is_scalar() || !parse_memory_bytes(n->text(), v))
          fail(*n, path + ".reserved.memory must be a memory quantity, got `" + n->text() + "`",
               "e.g. 1Gi");
        pool.memory_bytes -= v;
      }
      if (pool.cpu_milli <= 0 || pool.memory_bytes <= 0)
        fail(*r, path + ".reserved leaves nothing allocatable", "reserve less than the node has");
    }
    if (const Node* n = p.get("maxPods")) pool.max_pods = positive_int(*n, path + ".maxPods");
    if (const Node* n = p.get("zone")) {
      if (!n->is_scalar()) fail(*n, path + ".zone must be a string", "");
      pool.zones.push_back(n->text());
    }
    if (const Node* n = p.get("zones")) {
      if (!n->is_sequence()) fail(*n, path + ".zones must be a list", "");
      for (const Node& z : n->items()) {
        if (!z.is_scalar()) fail(z, path + ".zones entries must be strings", "");
        pool.zones.push_back(z.text());
      }
    }
    if (pool.zones.empty()) pool.zones.push_back("default");
    if (const Node* n = p.get("labels")) {
      if (!n->is_mapping()) fail(*n, path + ".labels must be a mapping", "");
      for (const auto& [k, v] : n->fields()) pool.labels[k] = v.text();
    }
    c.node_pools.push_back(std::move(pool));
  }
  if (const Node* cni = spec->get("cni")) {
    if (const Node* e = cni->get("enforcesNetworkPolicy")) {
      auto b = e->as_bool();
      if (!b) fail(*e, "spec.cni.enforcesNetworkPolicy must be true or false", "");
      c.cni_enforces_network_policy = *b;
    }
  }
  if (const Node* net = spec->get("network")) {
    if (const Node* n = net->get("sameNode"))
      c.network.same_node_ns = duration(*n, "spec.network.sameNode");
    if (const Node* n = net->get("sameZone"))
      c.network.same_zone_ns = duration(*n, "spec.network.sameZone");
    if (const Node* n = net->get("crossZone"))
      c.network.cross_zone_ns = duration(*n, "spec.network.crossZone");
    if (const Node* n = net->get("external"))
      c.network.external_ns = duration(*n, "spec.network.external");
  }
  if (const Node* st = spec->get("storage")) {
    if (const Node* n = st->get("defaultClass"))
      c.default_storage_class = n->is_null() ? "" : n->text();
  }
  if (const Node* scs = spec->get("storageClasses")) {
    if (!scs->is_sequence()) fail(*scs, "spec.storageClasses must be a list", "");
    c.default_storage_class.clear();
    for (const Node& sc : scs->items()) {
      ProfileStorageClass p;
      p.name = require_scalar(sc, "name", "spec.storageClasses[]").text();
      p.provisioner = sc.str("provisioner");
      p.volume_binding_mode = sc.str("volumeBindingMode", "Immediate");
      if (const Node* d = sc.get("default")) p.is_default = d->as_bool().value_or(false);
      if (p.is_default) c.default_storage_class = p.name;
      c.storage_classes.push_back(std::move(p));
    }
  }
  if (const Node* n = spec->get("podCIDR")) {
    if (!n->is_scalar() || n->text().size() < 9 || n->text().substr(n->text().size() - 3) != "/16")
      fail(*n, "spec.podCIDR must be an IPv4 /16, got `" + n->text() + "`", "e.g. 10.244.0.0/16");
    c.pod_cidr = n->text();
  }
  if (const Node* d = spec->get("dns"))
    if (const Node* n = d->get("coreDNSReplicas"))
      c.core_dns_replicas = positive_int(*n, "spec.dns.coreDNSReplicas");
  return c;
}

}  // namespace kubetwin::topology
