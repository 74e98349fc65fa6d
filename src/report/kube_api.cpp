// The read-only Kubernetes API over the twin's state: discovery, get/list, Tables, Status errors.
#include "kubetwin/report/kube_api.hpp"

#include <algorithm>
#include <cstdint>
#include <deque>
#include <nlohmann/json.hpp>
#include <set>

#include "kube_objects.hpp"
#include "kubetwin/report/kubectl_kinds.hpp"
#include "kubetwin/report/kubectl_table.hpp"
#include "kubetwin/sim/time.hpp"
#include "kubetwin/topology/selector.hpp"

namespace kubetwin::report {

namespace {

using nlohmann::json;

// The Kubernetes release the served /version names (the one kubectl-output.md was read from).
constexpr const char* kServedGitVersion = "v1.32.4";

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t at = s.find(sep, start);
    out.push_back(s.substr(start, at == std::string::npos ? std::string::npos : at - start));
    if (at == std::string::npos) break;
    start = at + 1;
  }
  return out;
}

// One object as the API serves it: identity, labels, its table cells (NAME first) and JSON.
struct ApiObject {
  std::string ns;
  std::string name;
  topology::Labels labels;
  std::vector<std::string> cells;
  json object;
};

struct Column {
  std::string name;
  int priority = 0;
};

struct ObjectSet {
  std::vector<Column> columns;
  std::vector<ApiObject> objects;
};

// A parsed resource path: /api/v1[/namespaces/NS]/TYPE[/NAME[/SUB]] or /apis/G/V/...
struct ResourcePath {
  std::string group;
  std::string version;
  std::optional<std::string> ns;
  std::string plural;
  std::optional<std::string> name;
  std::optional<std::string> subresource;
};

// A fieldSelector term: path (dots), operator, value.
struct FieldTerm {
  std::vector<std::string> path;
  bool equals = true;
  std::string value;
};

bool parse_field_selector(const std::string& text, std::vector<FieldTerm>& out) {
  if (text.empty()) return true;
  for (const std::string& term : split(text, ',')) {
    FieldTerm t;
    size_t op = term.find("!=");
    size_t len = 2;
    if (op == std::string::npos) {
      op = term.find("==");
      if (op == std::string::npos) {
        op = term.find('=');
        len = 1;
      }
    } else {
      t.equals = false;
    }
    if (op == std::string::npos || op == 0) return false;
    t.path = split(term.substr(0, op), '.');
    t.value = term.substr(op + len);
    out.push_back(std::move(t));
  }
  return true;
}

bool field_matches(const json& object, const FieldTerm& t) {
  const json* at = &object;
  for (const std::string& key : t.path) {
    if (!at->is_object()) {
      at = nullptr;
      break;
    }
    auto it = at->find(key);
    if (it == at->end()) {
      at = nullptr;
      break;
    }
    at = &*it;
  }
  std::string text;
  if (at && at->is_string()) {
    text = at->get<std::string>();
  } else if (at && !at->is_null()) {
    text = at->dump();
  }
  return (text == t.value) == t.equals;
}

json column_definition(const Column& c, bool name_column) {
  json d = {{"name", c.name},
            {"type", "string"},
            {"format", name_column ? "name" : ""},
            {"description", ""},
            {"priority", c.priority}};
  return d;
}

json partial_metadata(const json& object) {
  json m = {{"kind", "PartialObjectMetadata"}, {"apiVersion", "meta.k8s.io/v1"}};
  m["metadata"] = object.contains("metadata") ? object["metadata"] : json::object();
  return m;
}

json table_of(const std::vector<Column>& columns, const std::vector<const ApiObject*>& objects,
              const std::string& include_object, const std::string& resource_version) {
  json t = {{"kind", "Table"}, {"apiVersion", "meta.k8s.io/v1"}};
  t["metadata"] = {{"resourceVersion", resource_version}};
  json defs = json::array();
  for (size_t i = 0; i < columns.size(); ++i) defs.push_back(column_definition(columns[i], i == 0));
  t["columnDefinitions"] = std::move(defs);
  json rows = json::array();
  for (const ApiObject* o : objects) {
    json row = {{"cells", o->cells}};
    if (include_object == "Object") {
      row["object"] = o->object;
    } else if (include_object != "None") {
      row["object"] = partial_metadata(o->object);
    }
    rows.push_back(std::move(row));
  }
  t["rows"] = std::move(rows);
  return t;
}

// Served but not in `get`'s table: kubectl describe service reads a Service's endpoints from
// its EndpointSlices.
const ResourceType& endpoint_slice_type() {
  static const ResourceType kType{
      "endpointslices", "endpointslice", "EndpointSlice", "discovery.k8s.io", "v1", true, {}};
  return kType;
}

// Served for kubectl describe node, which reads the node's heartbeat from its Lease.
const ResourceType& lease_type() {
  static const ResourceType kType{"leases", "lease", "Lease", "coordination.k8s.io",
                                  "v1",     true,    {}};
  return kType;
}

bool wants_table(const std::string& accept) {
  return accept.find("as=Table") != std::string::npos;
}

}  // namespace

std::string KubeApi::status_json(int code, const std::string& reason, const std::string& message) {
  json s = {{"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", json::object()},
            {"status", "Failure"}, {"message", message}, {"reason", reason},
            {"code", code}};
  return dump(s);
}

struct KubeApi::Impl {
  const TwinView& view;
  std::vector<k8s::Node> event_nodes;
  std::vector<json> events;
  std::deque<std::string> strings;      // storage of the CRD types' names
  std::vector<ResourceType> crd_types;  // the CRDs the state loaded, served as resources
  std::string resource_version;

  Impl(const TwinView& v, const EventSource& source) : view(v) {
    if (source) {
      event_nodes = source(view);
      for (const k8s::Node& e : event_nodes) events.push_back(node_to_json(e));
    }
    load_crds();
    uint64_t h = fnv1a(std::to_string(view.now_seconds()));
    for (const topology::StoredResource& r : view.state.resources) {
      h = fnv1a(r.key.group + "/" + r.key.kind + "/" + r.key.namespace_name + "/" + r.key.name, h);
      h = fnv1a(dump(node_to_json(r.resource.body)), h);
    }
    for (const json& e : events) h = fnv1a(dump(e), h);
    resource_version = std::to_string(h % 1000000000000ULL);
  }

  const char* keep(const std::string& s) {
    strings.push_back(s);
    return strings.back().c_str();
  }

  void load_crds() {
    for (const topology::StoredResource& r : view.state.resources) {
      if (r.key.kind != "CustomResourceDefinition") continue;
      const k8s::Node& b = r.resource.body;
      const k8s::Node* names = b.at({"spec", "names"});
      std::string group = b.at({"spec", "group"}) ? b.at({"spec", "group"})->text() : "";
      if (!names || group.empty()) continue;
      std::string version = "v1";
      if (const k8s::Node* versions = b.at({"spec", "versions"});
          versions && versions->is_sequence()) {
        for (const k8s::Node& v : versions->items()) {
          if (v.str("storage") == "true" || version == "v1") version = v.str("name", version);
          if (v.str("storage") == "true") break;
        }
      }
      std::vector<std::string> shorts;
      if (const k8s::Node* s = names->get("shortNames"); s && s->is_sequence()) {
        for (const k8s::Node& n : s->items()) shorts.push_back(n.text());
      }
      std::string plural = names->str("plural");
      std::string kind = names->str("kind");
      if (plural.empty() || kind.empty()) continue;
      std::string singular = names->str("singular", lower_ascii(kind));
      bool namespaced =
          b.at({"spec", "scope"}) == nullptr || b.at({"spec", "scope"})->text() != "Cluster";
      crd_types.push_back(ResourceType{keep(plural), keep(singular), keep(kind), keep(group),
                                       keep(version), namespaced, shorts});
    }
  }

  // Every type served, built-in first, in kubectl_kinds' order.
  std::vector<const ResourceType*> all_types() const {
    std::vector<const ResourceType*> out;
    for (const ResourceType* t : builtin_resource_types()) out.push_back(t);
    out.push_back(&endpoint_slice_type());
    out.push_back(&lease_type());
    for (const ResourceType& t : crd_types) out.push_back(&t);
    return out;
  }

  const ResourceType* find_type(const std::string& group, const std::string& version,
                                const std::string& plural) const {
    for (const ResourceType* t : all_types()) {
      if (t->group == group && t->version == version && t->plural == plural) return t;
    }
    return nullptr;
  }

  // (group, version) pairs in first-seen order; core ("", "v1") first.
  std::vector<std::pair<std::string, std::string>> group_versions() const {
    std::vector<std::pair<std::string, std::string>> out;
    for (const ResourceType* t : all_types()) {
      std::pair<std::string, std::string> gv{t->group, t->version};
      if (std::find(out.begin(), out.end(), gv) == out.end()) out.push_back(gv);
    }
    return out;
  }

  json with_identity(json object, const std::string& kind, const std::string& ns,
                     const std::string& name) const {
    json& m = object["metadata"];
    if (!m.is_object()) m = json::object();
    m["uid"] = twin_uid(kind, ns, name);
    m.erase("resourceVersion");
    m["resourceVersion"] = std::to_string(fnv1a(dump(object)) % 1000000000000ULL);
    return object;
  }

  ObjectSet objects_of(const ResourceType& type, const std::optional<std::string>& ns) const {
    ObjectSet set;
    std::string plural = type.plural;
    if (plural == "endpointslices") {
      set.columns = {{"Name", 0}, {"AddressType", 0}, {"Ports", 0}, {"Endpoints", 0}, {"Age", 0}};
      for (const topology::Service& svc : view.model.services) {
        if (!svc.selector || (ns && *ns != svc.meta.namespace_name)) continue;
        int64_t created = view.created_at("Service", svc.meta.namespace_name, svc.meta.name);
        for (json& slice : endpoint_slices_json(svc, created)) {
          ApiObject o;
          o.ns = svc.meta.namespace_name;
          o.name = slice["metadata"]["name"].get<std::string>();
          o.labels = {
              {"kubernetes.io/service-name", svc.meta.name},
              {"endpointslice.kubernetes.io/managed-by", "endpointslice-controller.k8s.io"}};
          std::string ports, addresses;
          for (const json& p : slice["ports"]) {
            ports += (ports.empty() ? "" : ",") + std::to_string(p["port"].get<int>());
          }
          size_t shown = 0, total = 0;
          for (const json& e : slice["endpoints"]) {
            ++total;
            if (shown++ < 3) {
              addresses += (addresses.empty() ? "" : ",") + e["addresses"][0].get<std::string>();
            }
          }
          if (total > 3) addresses += " + " + std::to_string(total - 3) + " more...";
          o.cells = {o.name, "IPv4", ports.empty() ? "<unset>" : ports,
                     addresses.empty() ? "<unset>" : addresses, view.age(created)};
          o.object = with_identity(std::move(slice), "EndpointSlice", o.ns, o.name);
          set.objects.push_back(std::move(o));
        }
      }
      std::stable_sort(set.objects.begin(), set.objects.end(), [](const auto& a, const auto& b) {
        return std::tie(a.ns, a.name) < std::tie(b.ns, b.name);
      });
      return set;
    }
    if (plural == "leases") {
      set.columns = {{"Name", 0}, {"Holder", 0}, {"Age", 0}};
      if (ns && *ns != "kube-node-lease") return set;
      for (size_t i = 0; i < view.model.nodes.size(); ++i) {
        ApiObject o;
        o.ns = "kube-node-lease";
        o.name = view.model.nodes[i].meta.name;
        o.cells = {o.name, o.name, view.age(0)};
        o.object = with_identity(node_lease_json(view, i), "Lease", o.ns, o.name);
        set.objects.push_back(std::move(o));
      }
      return set;
    }
    if (plural == "events") {
      for (const EventColumn& c : event_columns()) set.columns.push_back({c.name, c.priority});
      for (size_t i = 0; i < events.size(); ++i) {
        const json& e = events[i];
        ApiObject o;
        o.ns = e["metadata"].value("namespace", "");
        o.name = e["metadata"].value("name", "");
        if (ns && *ns != o.ns) continue;
        if (e["metadata"].contains("labels") && e["metadata"]["labels"].is_object()) {
          for (const auto& [k, v] : e["metadata"]["labels"].items()) {
            if (v.is_string()) o.labels[k] = v.get<std::string>();
          }
        }
        o.cells = event_cells(view, event_nodes[i]);
        o.object = with_identity(e, "Event", o.ns, o.name);
        set.objects.push_back(std::move(o));
      }
      return set;
    }
    GetRows rows = collect_get_rows(view, type, ns);
    set.columns.push_back({"Name", 0});
    for (const std::string& c : rows.columns) set.columns.push_back({c, 0});
    for (const std::string& c : rows.wide_columns) set.columns.push_back({c, 1});
    for (GetRow& r : rows.rows) {
      ApiObject o;
      o.ns = r.ns;
      o.name = r.name;
      o.labels = r.labels;
      o.cells.push_back(r.name);
      o.cells.insert(o.cells.end(), r.cells.begin(), r.cells.end());
      o.cells.insert(o.cells.end(), r.wide.begin(), r.wide.end());
      json object;
      if (plural == "pods" && view.live && view.live->simulates(r.ns)) {
        if (const scenario::LivePod* lp = view.live->find_pod(r.ns, r.name)) {
          if (auto p = view.model.find_pod(r.ns, lp->model_pod))
            object = live_pod_json(view, view.model.pods[*p], *lp);
        }
      } else if (plural == "pods") {
        if (auto p = view.model.find_pod(r.ns, r.name))
          object = pod_json(view, view.model.pods[*p]);
      } else if (plural == "nodes") {
        for (size_t i = 0; i < view.model.nodes.size(); ++i) {
          if (view.model.nodes[i].meta.name == r.name) object = node_json(view, i);
        }
      } else if (plural == "services") {
        if (auto s = view.model.find_service(r.ns, r.name)) {
          object = service_json(view, view.model.services[*s], node_to_json(r.object));
        }
      }
      if (plural == "endpoints") {
        if (auto s = view.model.find_service(r.ns, r.name)) {
          object = endpoints_json(view.model.services[*s], node_to_json(r.object));
        }
      }
      if (object.is_null()) object = node_to_json(r.object);
      object = served_object_json(view, type, r.ns, r.name, std::move(object));
      o.object = with_identity(std::move(object), type.kind, r.ns, r.name);
      set.objects.push_back(std::move(o));
    }
    return set;
  }
};

KubeApi::KubeApi(const TwinView& view, EventSource events)
    : impl_(std::make_unique<Impl>(view, events)) {}

KubeApi::~KubeApi() = default;

const std::string& KubeApi::resource_version() const {
  return impl_->resource_version;
}

namespace {

std::optional<ResourcePath> parse_resource_path(const std::vector<std::string>& seg) {
  // seg excludes the leading "" of the path.
  ResourcePath p;
  size_t i = 0;
  if (seg.size() >= 2 && seg[0] == "api") {
    p.version = seg[1];
    i = 2;
  } else if (seg.size() >= 3 && seg[0] == "apis") {
    p.group = seg[1];
    p.version = seg[2];
    i = 3;
  } else {
    return std::nullopt;
  }
  std::vector<std::string> rest(seg.begin() + static_cast<long>(i), seg.end());
  if (rest.empty()) return std::nullopt;
  if (rest[0] == "namespaces" && rest.size() >= 3) {
    p.ns = rest[1];
    rest.erase(rest.begin(), rest.begin() + 2);
  }
  p.plural = rest[0];
  if (rest.size() >= 2) p.name = rest[1];
  if (rest.size() >= 3) p.subresource = rest[2];
  if (rest.size() > 3) return std::nullopt;
  return p;
}

json not_found_path() {
  return json::parse(
      KubeApi::status_json(404, "NotFound", "the server could not find the requested resource"));
}

}  // namespace

bool KubeApi::is_watch(const ApiRequest& request) const {
  auto it = request.query.find("watch");
  return it != request.query.end() && (it->second == "true" || it->second == "1");
}

std::optional<std::vector<WatchItem>> KubeApi::watch_items(const ApiRequest& request,
                                                           ApiResponse& error) const {
  ApiRequest list = request;
  list.query.erase("watch");
  std::vector<std::string> seg = split(request.path.substr(request.path.empty() ? 0 : 1), '/');
  auto rp = parse_resource_path(seg);
  const ResourceType* type = rp ? impl_->find_type(rp->group, rp->version, rp->plural) : nullptr;
  if (!type || rp->subresource || (rp->ns && !type->namespaced) || (rp->ns && rp->ns->empty()) ||
      (rp->name && rp->name->empty())) {
    error = {404, dump(not_found_path())};
    return std::nullopt;
  }
  for (const char* key : {"timeoutSeconds", "timeout"}) {
    auto it = request.query.find(key);
    if (it == request.query.end()) continue;
    const std::string& v = it->second;
    bool seconds =
        !v.empty() && v.size() < 10 && v.find_first_not_of("0123456789") == std::string::npos;
    if (!seconds && !sim::parse_duration(v)) {
      error = {400, status_json(400, "BadRequest",
                                std::string("invalid ") + key + " \"" + v +
                                    "\": a number of seconds (timeoutSeconds) or a duration "
                                    "such as 30s (timeout)")};
      return std::nullopt;
    }
  }
  std::optional<topology::LabelSelector> labels;
  if (auto it = request.query.find("labelSelector");
      it != request.query.end() && !it->second.empty()) {
    topology::LabelSelector s;
    if (!topology::parse_label_selector(it->second, s)) {
      error = {400, status_json(400, "BadRequest",
                                "unable to parse requirement: invalid label selector \"" +
                                    it->second + "\"")};
      return std::nullopt;
    }
    labels = s;
  }
  std::vector<FieldTerm> fields;
  std::string field_text;
  if (auto it = request.query.find("fieldSelector"); it != request.query.end()) {
    field_text = it->second;
  }
  // A watch of one object arrives as ?fieldSelector=metadata.name=NAME (kubectl get NAME -w).
  if (rp->name) field_text += (field_text.empty() ? "" : ",") + ("metadata.name=" + *rp->name);
  if (!parse_field_selector(field_text, fields)) {
    error = {400, status_json(400, "BadRequest", "invalid field selector \"" + field_text + "\"")};
    return std::nullopt;
  }
  ObjectSet set = impl_->objects_of(*type, rp->ns);
  std::string include =
      request.query.count("includeObject") ? request.query.at("includeObject") : "";
  std::vector<WatchItem> out;
  for (const ApiObject& o : set.objects) {
    if (labels && !labels->matches(o.labels)) continue;
    if (!std::all_of(fields.begin(), fields.end(),
                     [&](const FieldTerm& t) { return field_matches(o.object, t); })) {
      continue;
    }
    WatchItem item;
    item.key = o.ns + "/" + o.name;
    item.version = o.object["metadata"].value("resourceVersion", "");
    if (wants_table(request.accept)) {
      item.object_json = dump(table_of(set.columns, {&o}, include, item.version));
    } else {
      item.object_json = dump(o.object);
    }
    out.push_back(std::move(item));
  }
  return out;
}

ApiResponse KubeApi::handle(const ApiRequest& request) const {
  const Impl& im = *impl_;
  if (request.method != "GET" && request.method != "HEAD") {
    return {405, status_json(405, "MethodNotAllowed",
                             "the twin's API is read-only: " + request.method + " " + request.path +
                                 " is not allowed (change the twin with `kubetwin apply`, "
                                 "`kubetwin delete`)")};
  }
  const std::string& path = request.path;
  if (path == "/version" || path == "/version/") {
    json v = {{"major", "1"},
              {"minor", "32"},
              {"gitVersion", kServedGitVersion},
              {"gitCommit", "kubetwin"},
              {"gitTreeState", "clean"},
              {"buildDate", twin_timestamp_rfc3339(0)},
              {"goVersion", "go1.23.8"},
              {"compiler", "gc"},
              {"platform", "linux/amd64"}};
    return {200, dump(v)};
  }
  if (path == "/api" || path == "/api/") {
    json v = {{"kind", "APIVersions"},
              {"versions", {"v1"}},
              {"serverAddressByClientCIDRs", json::array()}};
    return {200, dump(v)};
  }
  if (path == "/apis" || path == "/apis/") {
    json groups = json::array();
    for (const auto& [g, v] : im.group_versions()) {
      if (g.empty()) continue;
      json gv = {{"groupVersion", g + "/" + v}, {"version", v}};
      groups.push_back({{"name", g}, {"versions", {gv}}, {"preferredVersion", gv}});
    }
    json list = {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", groups}};
    return {200, dump(list)};
  }
  std::vector<std::string> seg = split(path.substr(path.empty() ? 0 : 1), '/');
  if (!seg.empty() && seg.back().empty()) seg.pop_back();
  // Discovery of one group version: /api/v1, /apis/GROUP/VERSION (and /apis/GROUP).
  bool core_gv = seg.size() == 2 && seg[0] == "api";
  bool group_gv = seg.size() == 3 && seg[0] == "apis";
  if (seg.size() == 2 && seg[0] == "apis") {
    for (const auto& [g, v] : im.group_versions()) {
      if (g != seg[1]) continue;
      json gv = {{"groupVersion", g + "/" + v}, {"version", v}};
      json group = {{"kind", "APIGroup"},
                    {"apiVersion", "v1"},
                    {"name", g},
                    {"versions", {gv}},
                    {"preferredVersion", gv}};
      return {200, dump(group)};
    }
    return {404, dump(not_found_path())};
  }
  if (core_gv || group_gv) {
    std::string group = core_gv ? "" : seg[1];
    std::string version = core_gv ? seg[1] : seg[2];
    json resources = json::array();
    std::set<const ResourceType*> in_all;
    for (const ResourceType* t : all_category_types()) in_all.insert(t);
    for (const ResourceType* t : im.all_types()) {
      if (t->group != group || t->version != version) continue;
      json r = {{"name", t->plural},
                {"singularName", t->singular},
                {"namespaced", t->namespaced},
                {"kind", t->kind},
                {"verbs", {"get", "list", "watch"}}};
      if (!t->short_names.empty()) r["shortNames"] = t->short_names;
      if (in_all.count(t)) r["categories"] = {"all"};
      resources.push_back(std::move(r));
    }
    if (resources.empty()) return {404, dump(not_found_path())};
    json list = {{"kind", "APIResourceList"},
                 {"apiVersion", "v1"},
                 {"groupVersion", group.empty() ? version : group + "/" + version},
                 {"resources", resources}};
    return {200, dump(list)};
  }
  auto rp = parse_resource_path(seg);
  const ResourceType* type = rp ? im.find_type(rp->group, rp->version, rp->plural) : nullptr;
  if (!type || (rp->ns && !type->namespaced) || (rp->ns && rp->ns->empty()) ||
      (rp->name && rp->name->empty())) {
    return {404, dump(not_found_path())};
  }
  if (rp->subresource) {
    return {404, status_json(404, "NotFound",
                             "the twin serves no subresource \"" + *rp->subresource + "\" of " +
                                 type->plural)};
  }
  if (is_watch(request)) {
    return {400, status_json(400, "BadRequest", "a watch is streamed by the server, not here")};
  }
  ApiResponse error;
  std::optional<std::string> ns = rp->ns;
  ObjectSet set = im.objects_of(*type, ns);
  std::optional<topology::LabelSelector> labels;
  if (auto it = request.query.find("labelSelector");
      it != request.query.end() && !it->second.empty()) {
    topology::LabelSelector s;
    if (!topology::parse_label_selector(it->second, s)) {
      return {400, status_json(400, "BadRequest",
                               "unable to parse requirement: invalid label selector \"" +
                                   it->second + "\"")};
    }
    labels = s;
  }
  std::vector<FieldTerm> fields;
  if (auto it = request.query.find("fieldSelector"); it != request.query.end()) {
    if (!parse_field_selector(it->second, fields)) {
      return {400, status_json(400, "BadRequest", "invalid field selector \"" + it->second + "\"")};
    }
  }
  std::vector<const ApiObject*> selected;
  for (const ApiObject& o : set.objects) {
    if (rp->name && o.name != *rp->name) continue;
    if (labels && !labels->matches(o.labels)) continue;
    if (!std::all_of(fields.begin(), fields.end(),
                     [&](const FieldTerm& t) { return field_matches(o.object, t); })) {
      continue;
    }
    selected.push_back(&o);
  }
  std::string include =
      request.query.count("includeObject") ? request.query.at("includeObject") : "";
  if (rp->name) {
    if (selected.empty()) {
      json s = json::parse(status_json(
          404, "NotFound", type->qualified_plural() + " \"" + *rp->name + "\" not found"));
      s["details"] = {{"name", *rp->name}, {"kind", type->plural}};
      if (*type->group) s["details"]["group"] = type->group;
      return {404, dump(s)};
    }
    if (wants_table(request.accept)) {
      return {200,
              dump(table_of(set.columns, selected, include,
                            selected.front()->object["metadata"].value("resourceVersion", "")))};
    }
    return {200, dump(selected.front()->object)};
  }
  if (wants_table(request.accept)) {
    return {200, dump(table_of(set.columns, selected, include, im.resource_version))};
  }
  json items = json::array();
  for (const ApiObject* o : selected) items.push_back(o->object);
  json list = {{"kind", std::string(type->kind) + "List"},
               {"apiVersion", type->api_version()},
               {"metadata", {{"resourceVersion", im.resource_version}}},
               {"items", items}};
  return {200, dump(list)};
}

}  // namespace kubetwin::report
