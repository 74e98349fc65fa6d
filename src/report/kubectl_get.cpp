// `kubetwin get`: one collector per resource type builds kubectl's cells from the model.
#include "kubetwin/report/kubectl_get.hpp"

#include <algorithm>
#include <ctime>
#include <map>
#include <set>

#include "kubetwin/report/kubectl_events.hpp"
#include "kubetwin/report/kubectl_kinds.hpp"
#include "kubetwin/report/kubectl_live.hpp"
#include "kubetwin/report/kubectl_serialize.hpp"
#include "kubetwin/report/kubectl_table.hpp"
#include "kubetwin/sim/random.hpp"

namespace kubetwin::report {

namespace {

using k8s::Node;
using topology::Index;
using topology::Model;

using Row = GetRow;
using TypeRows = GetRows;

std::string join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + v[i];
  return out;
}

std::string labels_text(const topology::Labels& labels) {
  std::vector<std::string> parts;
  for (const auto& [k, v] : labels) parts.push_back(k + "=" + v);
  return parts.empty() ? "<none>" : join(parts, ",");
}

Node scalar(const std::string& s) {
  return Node::scalar(s, true);
}
Node plain(const std::string& s) {
  return Node::scalar(s, false);
}

// The document -o yaml|json prints: the stored body with the fields the API server adds, or a
// minimal object for what controllers derive (pods, ReplicaSets, Endpoints, nodes...).
Node object_for(const TwinView& view, const ResourceType& type, const topology::ObjectMeta& meta,
                int64_t created) {
  const k8s::Resource* stored = view.stored(meta.kind, meta.namespace_name, meta.name);
  Node doc;
  if (stored) {
    doc = stored->body;
  } else {
    doc = Node::mapping();
    doc.set("apiVersion", plain(type.api_version()));
    doc.set("kind", plain(type.kind));
    Node m = Node::mapping();
    if (!meta.labels.empty()) {
      Node l = Node::mapping();
      for (const auto& [k, v] : meta.labels) l.set(k, scalar(v));
      m.set("labels", std::move(l));
    }
    m.set("name", plain(meta.name));
    doc.set("metadata", std::move(m));
  }
  Node* m = doc.get("metadata");
  if (!m || !m->is_mapping()) m = &doc.set("metadata", Node::mapping());
  if (type.namespaced && !meta.namespace_name.empty())
    m->set("namespace", plain(meta.namespace_name));
  m->set("creationTimestamp", scalar(twin_timestamp_rfc3339(created)));
  return doc;
}

// Creation time of what a workload's controller made: the workload's.
int64_t workload_created(const TwinView& view, const topology::Workload& w) {
  return view.created_at(w.meta.kind, w.meta.namespace_name, w.meta.name);
}

int desired_replicas(const Model& model, const topology::Workload& w) {
  int r = w.replicas;
  if (w.hpa) {
    const topology::Hpa& h = model.hpas[*w.hpa];
    r = std::clamp(r, h.min_replicas, h.max_replicas);
  }
  return r;
}

int ready_pods(const Model& model, const topology::Workload& w) {
  int n = 0;
  for (Index p : w.pods) n += model.pods[p].ready ? 1 : 0;
  return n;
}

std::vector<std::string> app_containers(const topology::Pod& pod, bool images) {
  std::vector<std::string> out;
  for (const topology::Container& c : pod.containers) {
    if (!c.init && !c.injected) out.push_back(images ? c.image : c.name);
  }
  return out;
}

// The ReplicaSet a Deployment's pods belong to: pod names are <rs>-<suffix>.
std::string replica_set_name(const Model& model, const topology::Workload& w) {
  for (Index p : w.pods) {
    const topology::Pod& pod = model.pods[p];
    auto it = pod.meta.labels.find("pod-template-hash");
    if (it != pod.meta.labels.end()) return w.meta.name + "-" + it->second;
    size_t dash = pod.meta.name.rfind('-');
    if (dash != std::string::npos) return pod.meta.name.substr(0, dash);
  }
  return "";
}

bool in_ns(const std::optional<std::string>& ns, const std::string& object_ns) {
  return !ns || *ns == object_ns;
}

std::string pod_status(const topology::Pod& pod) {
  if (pod.phase == topology::PodPhase::kRunning) return "Running";
  if (pod.node) {
    for (const auto& u : pod.unresolved) {
      if (u.blocking) return "CreateContainerConfigError";
    }
  }
  return "Pending";
}

std::string pvc_modes(const std::vector<std::string>& modes) {
  std::vector<std::string> out;
  for (const std::string& m : modes) {
    if (m == "ReadWriteOnce")
      out.push_back("RWO");
    else if (m == "ReadOnlyMany")
      out.push_back("ROX");
    else if (m == "ReadWriteMany")
      out.push_back("RWX");
    else if (m == "ReadWriteOncePod")
      out.push_back("RWOP");
    else
      out.push_back(m);
  }
  return join(out, ",");
}

// The cells of one type, unsorted and unfiltered by labels.
TypeRows collect(const TwinView& view, const ResourceType& type,
                 const std::optional<std::string>& ns) {
  const Model& model = view.model;
  TypeRows t;
  std::string plural = type.plural;
  auto add = [&](const topology::ObjectMeta& meta, int64_t created, std::vector<std::string> cells,
                 std::vector<std::string> wide = {}) {
    Row r;
    r.ns = type.namespaced ? meta.namespace_name : "";
    r.name = meta.name;
    r.cells = std::move(cells);
    r.wide = std::move(wide);
    r.labels = meta.labels;
    r.object = object_for(view, type, meta, created);
    t.rows.push_back(std::move(r));
  };
  if (plural == "pods") {
    t.columns = {"Ready", "Status", "Restarts", "Age"};
    t.wide_columns = {"IP", "Node", "Nominated Node", "Readiness Gates"};
    if (view.live) {
      // The running twin's pods (kubectl_live.hpp) in the namespaces it simulates.
      for (const scenario::LivePod& lp : view.live->pods) {
        if (!in_ns(ns, lp.namespace_name)) continue;
        auto mp = model.find_pod(lp.namespace_name, lp.model_pod);
        if (!mp) continue;
        const topology::Pod& pod = model.pods[*mp];
        int total = static_cast<int>(std::count_if(pod.containers.begin(), pod.containers.end(),
                                                   [](const auto& c) { return !c.init; }));
        topology::ObjectMeta meta = pod.meta;
        meta.name = lp.name;
        const std::vector<std::string> cells = live_pod_cells(view, lp, total);
        int64_t created = lp.created_ms / 1000;
        const std::string ip = live_pod_ip(view, lp);
        add(meta, created, cells,
            {lp.phase == "Pending" || ip.empty() ? "<none>" : ip,
             lp.phase == "Pending" ? "<none>" : lp.node, "<none>", "<none>"});
      }
    }
    for (const topology::Pod& pod : model.pods) {
      if (!in_ns(ns, pod.meta.namespace_name)) continue;
      if (view.live && view.live->simulates(pod.meta.namespace_name)) continue;
      int64_t created = pod.workload
                            ? workload_created(view, model.workloads[*pod.workload])
                            : view.created_at("Pod", pod.meta.namespace_name, pod.meta.name);
      int total = static_cast<int>(std::count_if(pod.containers.begin(), pod.containers.end(),
                                                 [](const auto& c) { return !c.init; }));
      std::string ready = std::to_string(pod.ready ? total : 0) + "/" + std::to_string(total);
      std::string node = model.node_name(pod);
      add(pod.meta, created, {ready, pod_status(pod), "0", view.age(created)},
          {pod.ip.empty() ? "<none>" : pod.ip, node.empty() ? "<none>" : node, "<none>", "<none>"});
    }
  } else if (plural == "services") {
    t.columns = {"Type", "Cluster-IP", "External-IP", "Port(s)", "Age"};
    t.wide_columns = {"Selector"};
    for (const topology::Service& s : model.services) {
      if (!in_ns(ns, s.meta.namespace_name)) continue;
      std::vector<std::string> ports;
      for (const auto& p : s.ports) {
        ports.push_back(std::to_string(p.port) +
                        (p.node_port ? ":" + std::to_string(p.node_port) : "") + "/" + p.protocol);
      }
      std::string external = "<none>";
      if (s.type == topology::ServiceType::kLoadBalancer) external = "<pending>";
      if (s.type == topology::ServiceType::kExternalName) external = s.external_name;
      int64_t created = view.created_at("Service", s.meta.namespace_name, s.meta.name);
      add(s.meta, created,
          {topology::to_string(s.type), s.headless ? "None" : s.cluster_ip, external,
           ports.empty() ? "<none>" : join(ports, ","), view.age(created)},
          {s.selector ? labels_text(*s.selector) : "<none>"});
    }
  } else if (plural == "endpoints") {
    t.columns = {"Endpoints", "Age"};
    for (const topology::Service& s : model.services) {
      if (!in_ns(ns, s.meta.namespace_name) || !s.selector) continue;
      std::vector<std::string> eps;
      for (size_t pi = 0; pi < s.ports.size(); ++pi) {
        for (const auto& a : s.endpoints) {
          int port = pi < a.ports.size() ? a.ports[pi] : 0;
          if (a.ready && port) eps.push_back(a.ip + ":" + std::to_string(port));
        }
      }
      std::string text = "<none>";
      if (!eps.empty()) {
        size_t shown = std::min<size_t>(3, eps.size());
        text = join(std::vector<std::string>(eps.begin(), eps.begin() + static_cast<long>(shown)),
                    ",");
        if (eps.size() > 3) text += " + " + std::to_string(eps.size() - 3) + " more...";
      }
      topology::ObjectMeta meta = s.meta;
      meta.kind = "Endpoints";
      int64_t created = view.created_at("Service", s.meta.namespace_name, s.meta.name);
      add(meta, created, {text, view.age(created)});
    }
  } else if (plural == "deployments" || plural == "statefulsets" || plural == "daemonsets" ||
             plural == "replicasets") {
    bool rs = plural == "replicasets";
    std::string kind = rs ? "Deployment" : type.kind;
    if (plural == "deployments") {
      t.columns = {"Ready", "Up-to-date", "Available", "Age"};
      t.wide_columns = {"Containers", "Images", "Selector"};
    } else if (plural == "statefulsets") {
      t.columns = {"Ready", "Age"};
      t.wide_columns = {"Containers", "Images"};
    } else if (plural == "daemonsets") {
      t.columns = {"Desired",   "Current",       "Ready", "Up-to-date",
                   "Available", "Node Selector", "Age"};
      t.wide_columns = {"Containers", "Images", "Selector"};
    } else {
      t.columns = {"Desired", "Current", "Ready", "Age"};
      t.wide_columns = {"Containers", "Images", "Selector"};
    }
    for (const topology::Workload& w : model.workloads) {
      if (w.meta.kind != kind || !in_ns(ns, w.meta.namespace_name)) continue;
      int64_t created = workload_created(view, w);
      int desired = desired_replicas(model, w);
      int current = static_cast<int>(w.pods.size());
      int ready = ready_pods(model, w);
      std::vector<std::string> containers, images;
      if (!w.pods.empty()) {
        containers = app_containers(model.pods[w.pods.front()], false);
        images = app_containers(model.pods[w.pods.front()], true);
      }
      std::string selector = w.selector.str();
      if (plural == "deployments") {
        add(w.meta, created,
            {std::to_string(ready) + "/" + std::to_string(desired), std::to_string(current),
             std::to_string(ready), view.age(created)},
            {join(containers, ","), join(images, ","), selector});
      } else if (plural == "statefulsets") {
        add(w.meta, created,
            {std::to_string(ready) + "/" + std::to_string(desired), view.age(created)},
            {join(containers, ","), join(images, ",")});
      } else if (plural == "daemonsets") {
        std::string d = std::to_string(current);
        add(w.meta, created,
            {d, d, std::to_string(ready), d, std::to_string(ready), "<none>", view.age(created)},
            {join(containers, ","), join(images, ","), selector});
      } else {
        std::string name = replica_set_name(model, w);
        if (name.empty()) continue;
        topology::ObjectMeta meta = w.meta;
        meta.kind = "ReplicaSet";
        meta.name = name;
        if (!w.pods.empty()) meta.labels = model.pods[w.pods.front()].meta.labels;
        add(meta, created,
            {std::to_string(desired), std::to_string(current), std::to_string(ready),
             view.age(created)},
            {join(containers, ","), join(images, ","), selector});
      }
    }
  } else if (plural == "horizontalpodautoscalers") {
    t.columns = {"Reference", "Targets", "MinPods", "MaxPods", "Replicas", "Age"};
    for (const topology::Hpa& h : model.hpas) {
      if (!in_ns(ns, h.meta.namespace_name)) continue;
      int64_t created =
          view.created_at("HorizontalPodAutoscaler", h.meta.namespace_name, h.meta.name);
      std::string targets =
          h.target_cpu_utilization_percent
              ? "cpu: <unknown>/" + std::to_string(*h.target_cpu_utilization_percent) + "%"
              : "<none>";
      int replicas = h.target ? static_cast<int>(model.workloads[*h.target].pods.size()) : 0;
      add(h.meta, created,
          {h.target_kind + "/" + h.target_name, targets, std::to_string(h.min_replicas),
           std::to_string(h.max_replicas), std::to_string(replicas), view.age(created)});
    }
  } else if (plural == "persistentvolumeclaims" || plural == "persistentvolumes") {
    bool pv = plural == "persistentvolumes";
    if (pv) {
      t.columns = {"Capacity",     "Access Modes",          "Reclaim Policy", "Status", "Claim",
                   "StorageClass", "VolumeAttributesClass", "Reason",         "Age"};
      t.wide_columns = {"VolumeMode"};
    } else {
      t.columns = {"Status",       "Volume",       "Capacity",
                   "Access Modes", "StorageClass", "VolumeAttributesClass",
                   "Age"};
      t.wide_columns = {"VolumeMode"};
    }
    for (const topology::PersistentVolumeClaim& c : model.pvcs) {
      int64_t created =
          c.template_workload
              ? workload_created(view, model.workloads[*c.template_workload])
              : view.created_at("PersistentVolumeClaim", c.meta.namespace_name, c.meta.name);
      std::string capacity = topology::format_bytes(c.request_bytes);
      if (pv) {
        if (!c.bound) continue;
        topology::ObjectMeta meta;
        meta.kind = "PersistentVolume";
        meta.name = c.volume_name;
        add(meta, created,
            {capacity, pvc_modes(c.access_modes), "Delete", "Bound",
             c.meta.namespace_name + "/" + c.meta.name, c.storage_class, "<unset>", "",
             view.age(created)},
            {"Filesystem"});
        continue;
      }
      if (!in_ns(ns, c.meta.namespace_name)) continue;
      add(c.meta, created,
          {c.bound ? "Bound" : "Pending", c.bound ? c.volume_name : "", c.bound ? capacity : "",
           c.bound ? pvc_modes(c.access_modes) : "", c.storage_class, "<unset>", view.age(created)},
          {"Filesystem"});
    }
  } else if (plural == "configmaps") {
    t.columns = {"Data", "Age"};
    for (const topology::ConfigMap& c : model.config_maps) {
      if (!in_ns(ns, c.meta.namespace_name)) continue;
      int64_t created = view.created_at("ConfigMap", c.meta.namespace_name, c.meta.name);
      add(c.meta, created, {std::to_string(c.data.size()), view.age(created)});
    }
  } else if (plural == "secrets") {
    t.columns = {"Type", "Data", "Age"};
    for (const topology::Secret& s : model.secrets) {
      if (!in_ns(ns, s.meta.namespace_name)) continue;
      int64_t created = view.created_at("Secret", s.meta.namespace_name, s.meta.name);
      add(s.meta, created, {s.type, std::to_string(s.data.size()), view.age(created)});
    }
  } else if (plural == "serviceaccounts") {
    t.columns = {"Secrets", "Age"};
    for (const topology::ServiceAccount& s : model.service_accounts) {
      if (!in_ns(ns, s.meta.namespace_name)) continue;
      int64_t created = view.created_at("ServiceAccount", s.meta.namespace_name, s.meta.name);
      add(s.meta, created, {"0", view.age(created)});
    }
  } else if (plural == "ingresses") {
    t.columns = {"Class", "Hosts", "Address", "Ports", "Age"};
    for (const topology::Ingress& i : model.ingresses) {
      if (!in_ns(ns, i.meta.namespace_name)) continue;
      int64_t created = view.created_at("Ingress", i.meta.namespace_name, i.meta.name);
      std::vector<std::string> hosts;
      for (const auto& r : i.rules) hosts.push_back(r.host.empty() ? "*" : r.host);
      std::string host_text = hosts.empty() ? "*" : "";
      for (size_t h = 0; h < hosts.size() && h < 3; ++h) host_text += (h ? "," : "") + hosts[h];
      if (hosts.size() > 3) host_text += " + " + std::to_string(hosts.size() - 3) + " more...";
      const k8s::Resource* body = view.stored("Ingress", i.meta.namespace_name, i.meta.name);
      const Node* tls = body ? body->body.at({"spec", "tls"}) : nullptr;
      bool has_tls = tls && tls->is_sequence() && !tls->items().empty();
      add(i.meta, created,
          {i.class_name.empty() ? "<none>" : i.class_name, host_text, "",
           has_tls ? "80, 443" : "80", view.age(created)});
    }
  } else if (plural == "networkpolicies") {
    t.columns = {"Pod-Selector", "Age"};
    for (const topology::NetworkPolicy& p : model.network_policies) {
      if (!in_ns(ns, p.meta.namespace_name)) continue;
      int64_t created = view.created_at("NetworkPolicy", p.meta.namespace_name, p.meta.name);
      std::string sel = p.pod_selector.str();
      add(p.meta, created, {sel.empty() ? "<none>" : sel, view.age(created)});
    }
  } else if (plural == "namespaces") {
    t.columns = {"Status", "Age"};
    for (const topology::Namespace& n : model.namespaces) {
      int64_t created = view.created_at("Namespace", "", n.meta.name);
      add(n.meta, created, {"Active", view.age(created)});
    }
  } else if (plural == "nodes") {
    t.columns = {"Status", "Roles", "Age", "Version"};
    t.wide_columns = {"Internal-IP", "External-IP", "OS-Image", "Kernel-Version",
                      "Container-Runtime"};
    for (size_t i = 0; i < model.nodes.size(); ++i) {
      const topology::ClusterNode& n = model.nodes[i];
      std::string status = "Ready";
      if (view.live) {
        // The running twin's node: NotReady once its kubelet is silent past the grace period,
        // SchedulingDisabled while cordoned.
        for (const runtime::NodeStatus& s : view.live->nodes) {
          if (s.name != n.meta.name) continue;
          status = s.ready ? "Ready" : "NotReady";
          if (s.cordoned) status += ",SchedulingDisabled";
        }
      }
      std::vector<std::string> roles;
      for (const auto& [k, v] : n.meta.labels) {
        const std::string prefix = "node-role.kubernetes.io/";
        if (k.rfind(prefix, 0) == 0) roles.push_back(k.substr(prefix.size()));
      }
      add(n.meta, 0,
          {status, roles.empty() ? "<none>" : join(roles, ","), view.age(0), kKubeletVersion},
          {"172.18.0." + std::to_string(2 + i), "<none>", "Debian GNU/Linux 12 (bookworm)",
           "6.1.0-kubetwin", "containerd://1.7.24"});
    }
  } else {
    // Any other kind: NAME AGE from the stored documents.
    t.columns = {"Age"};
    for (const topology::StoredResource& s : view.state.resources) {
      if (s.key.kind != type.kind || s.key.group != type.group) continue;
      if (type.namespaced && !in_ns(ns, s.key.namespace_name)) continue;
      topology::ObjectMeta meta;
      meta.kind = s.key.kind;
      meta.name = s.key.name;
      meta.namespace_name = s.key.namespace_name;
      meta.labels = s.resource.labels();
      add(meta, s.created_at_seconds, {view.age(s.created_at_seconds)});
    }
  }
  std::stable_sort(t.rows.begin(), t.rows.end(), [](const Row& a, const Row& b) {
    return std::tie(a.ns, a.name) < std::tie(b.ns, b.name);
  });
  return t;
}

std::string render_rows(const TypeRows& t, const ResourceType& type, const GetRequest& req,
                        bool with_kind, bool with_namespace) {
  Table table;
  if (with_namespace) table.columns.push_back("Namespace");
  table.columns.push_back("Name");
  for (const auto& c : t.columns) table.columns.push_back(c);
  bool wide = req.output == "wide";
  if (wide) {
    for (const auto& c : t.wide_columns) table.columns.push_back(c);
  }
  if (req.show_labels) table.columns.push_back("Labels");
  for (const Row& r : t.rows) {
    std::vector<std::string> cells;
    if (with_namespace) cells.push_back(r.ns);
    cells.push_back(with_kind ? type.kubectl_name(r.name) : r.name);
    cells.insert(cells.end(), r.cells.begin(), r.cells.end());
    if (wide) cells.insert(cells.end(), r.wide.begin(), r.wide.end());
    if (req.show_labels) cells.push_back(labels_text(r.labels));
    table.rows.push_back(std::move(cells));
  }
  return render_table(table, req.no_headers);
}

std::tm to_tm(int64_t twin_seconds) {
  std::time_t t = static_cast<std::time_t>(kTwinEpochUnixSeconds + twin_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return tm;
}

}  // namespace

int64_t TwinView::created_at(const std::string& kind, const std::string& ns,
                             const std::string& name) const {
  for (const topology::StoredResource& r : state.resources) {
    if (r.key.kind == kind && r.key.name == name && r.key.namespace_name == ns) {
      return r.created_at_seconds;
    }
  }
  return 0;
}

const k8s::Resource* TwinView::stored(const std::string& kind, const std::string& ns,
                                      const std::string& name) const {
  for (const topology::StoredResource& r : state.resources) {
    if (r.key.kind == kind && r.key.name == name && r.key.namespace_name == ns) return &r.resource;
  }
  return nullptr;
}

std::string TwinView::age(int64_t created) const {
  return human_duration(now_seconds() - created);
}

std::string twin_timestamp_rfc3339(int64_t twin_seconds) {
  std::tm tm = to_tm(twin_seconds);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string twin_timestamp_rfc1123z(int64_t twin_seconds) {
  std::tm tm = to_tm(twin_seconds);
  static const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

GetRows collect_get_rows(const TwinView& view, const ResourceType& type,
                         const std::optional<std::string>& ns) {
  return collect(view, type, type.namespaced ? ns : std::nullopt);
}

CommandOutput render_get(const TwinView& view, const GetRequest& req) {
  // Events have their own columns (no NAME first): the running twin's stream once the state has
  // been advanced (kubectl_live.cpp), else what the static state implies (kubectl_events.cpp).
  if (req.types.size() == 1 && find_resource_type(req.types[0]) &&
      std::string(find_resource_type(req.types[0])->plural) == "events" &&
      !(view.live && !req.name && (req.output.empty() || req.output == "wide"))) {
    return render_get_events(view, req);
  }
  CommandOutput result;
  // Resolve the types first: an unknown one fails the whole command, as kubectl does.
  std::vector<const ResourceType*> types;
  bool expanded_all = false;
  for (const std::string& t : req.types) {
    if (t == "all") {
      for (const ResourceType* a : all_category_types()) types.push_back(a);
      expanded_all = true;
      continue;
    }
    const ResourceType* rt = find_resource_type(t);
    if (!rt) {
      result.err = "error: the server doesn't have a resource type \"" + t + "\"\n";
      result.exit_code = 1;
      return result;
    }
    types.push_back(rt);
  }
  // Events come from the running twin's stream (kubectl_live.hpp): their own table.
  if (types.size() == 1 && std::string(types.front()->plural) == "events" && !req.name &&
      (req.output.empty() || req.output == "wide")) {
    return render_events(view, req);
  }
  if (req.name && req.selector) {
    result.err = "error: name cannot be provided when a selector is specified\n";
    result.exit_code = 1;
    return result;
  }
  bool with_kind = types.size() > 1 || expanded_all;
  std::optional<std::string> ns;
  if (!req.all_namespaces) ns = req.namespace_name;
  std::vector<Node> objects;
  std::string errors;
  bool printed = false;
  for (const ResourceType* type : types) {
    TypeRows t = collect(view, *type, type->namespaced ? ns : std::nullopt);
    std::erase_if(t.rows, [&](const Row& r) {
      if (req.name && r.name != *req.name) return true;
      return req.selector && !req.selector->matches(r.labels);
    });
    if (req.name && t.rows.empty()) {
      errors += "Error from server (NotFound): " + type->qualified_plural() + " \"" + *req.name +
                "\" not found\n";
      continue;
    }
    if (t.rows.empty()) continue;
    if (req.output == "name") {
      for (const Row& r : t.rows) result.out += type->kubectl_name(r.name) + "\n";
      printed = true;
    } else if (req.output == "yaml" || req.output == "json") {
      for (Row& r : t.rows) objects.push_back(std::move(r.object));
      printed = true;
    } else {
      if (printed) result.out += "\n";
      result.out += render_rows(t, *type, req, with_kind, req.all_namespaces && type->namespaced);
      printed = true;
    }
  }
  if (req.output == "yaml" || req.output == "json") {
    bool single = req.name && types.size() == 1 && objects.size() == 1;
    if (single || !objects.empty() || errors.empty()) {
      Node doc = single ? std::move(objects.front()) : kubectl_list(std::move(objects));
      result.out += req.output == "yaml" ? to_kubectl_yaml(doc) : to_kubectl_json(doc);
      printed = true;
    }
  }
  if (!errors.empty()) {
    result.err += errors;
    result.exit_code = 1;
  } else if (!printed) {
    bool cluster_scoped = std::all_of(types.begin(), types.end(),
                                      [](const ResourceType* t) { return !t->namespaced; });
    result.err = (req.all_namespaces || cluster_scoped)
                     ? "No resources found\n"
                     : "No resources found in " + req.namespace_name + " namespace.\n";
  }
  return result;
}

}  // namespace kubetwin::report
