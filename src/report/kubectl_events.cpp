// The twin's events (the hook every reader uses) and `get events` as kubectl prints them.
#include "kubetwin/report/kubectl_events.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <optional>

#include "kube_objects.hpp"
#include "kubetwin/report/kubectl_kinds.hpp"
#include "kubetwin/report/kubectl_live.hpp"
#include "kubetwin/report/kubectl_serialize.hpp"
#include "kubetwin/report/kubectl_table.hpp"

namespace kubetwin::report {

namespace {

using k8s::Node;

// Twin seconds of an RFC 3339 timestamp as twin_timestamp_rfc3339 writes it.
std::optional<int64_t> parse_twin_timestamp(const std::string& text) {
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6 ||
      static_cast<size_t>(consumed) != text.size()) {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<int64_t>(timegm(&tm)) - kTwinEpochUnixSeconds;
}

std::string trim(const std::string& s) {
  size_t a = s.find_first_not_of(" \t\n\r");
  if (a == std::string::npos) return "";
  size_t b = s.find_last_not_of(" \t\n\r");
  return s.substr(a, b - a + 1);
}

// One core/v1 Event object as the API server holds it; times are twin seconds.
struct EventFields {
  std::string name, namespace_name;
  std::string involved_kind, involved_name, involved_namespace;
  std::string reason, message, type, component, host;
  int64_t first_s = 0, last_s = 0;
  int count = 1;
};

Node event_node(const EventFields& f) {
  auto s = [](const std::string& text) { return Node::scalar(text, true); };
  Node e = Node::mapping();
  e.set("apiVersion", s("v1"));
  e.set("kind", s("Event"));
  Node meta = Node::mapping();
  meta.set("name", s(f.name));
  meta.set("namespace", s(f.namespace_name));
  meta.set("creationTimestamp", s(twin_timestamp_rfc3339(f.first_s)));
  e.set("metadata", std::move(meta));
  Node involved = Node::mapping();
  std::string api_version = "v1";
  for (const ResourceType* t : builtin_resource_types()) {
    if (f.involved_kind == t->kind) api_version = t->api_version();
  }
  involved.set("apiVersion", s(api_version));
  involved.set("kind", s(f.involved_kind));
  involved.set("name", s(f.involved_name));
  if (!f.involved_namespace.empty()) involved.set("namespace", s(f.involved_namespace));
  involved.set("uid", s(twin_uid(f.involved_kind, f.involved_namespace, f.involved_name)));
  e.set("involvedObject", std::move(involved));
  e.set("reason", s(f.reason));
  e.set("message", s(f.message));
  Node source = Node::mapping();
  source.set("component", s(f.component));
  if (!f.host.empty()) source.set("host", s(f.host));
  e.set("source", std::move(source));
  e.set("firstTimestamp", s(twin_timestamp_rfc3339(f.first_s)));
  e.set("lastTimestamp", s(twin_timestamp_rfc3339(f.last_s)));
  e.set("count", Node::scalar(std::to_string(f.count), false));
  e.set("type", s(f.type));
  return e;
}

// What the static state implies: each pod's Scheduled or FailedScheduling event.
std::vector<Node> static_events(const TwinView& view) {
  std::vector<Node> out;
  for (const topology::Pod& pod : view.model.pods) {
    const int64_t created = pod_created(view, pod);
    const bool scheduled = pod.node.has_value();
    EventFields f;
    f.reason = scheduled ? "Scheduled" : "FailedScheduling";
    char suffix[24];
    std::snprintf(suffix, sizeof suffix, ".%016llx",
                  static_cast<unsigned long long>(
                      fnv1a(pod.meta.namespace_name + "/" + pod.meta.name + "/" + f.reason)));
    f.name = pod.meta.name + suffix;
    f.namespace_name = f.involved_namespace = pod.meta.namespace_name;
    f.involved_kind = "Pod";
    f.involved_name = pod.meta.name;
    f.message = scheduled ? "Successfully assigned " + pod.meta.namespace_name + "/" +
                                pod.meta.name + " to " + view.model.node_name(pod)
                          : pod.reason;
    f.type = scheduled ? "Normal" : "Warning";
    f.component = "default-scheduler";
    f.first_s = f.last_s = created;
    out.push_back(event_node(f));
  }
  return out;
}

// The running twin's event stream (kubectl_live.hpp), as the API server would list it.
std::vector<Node> live_events(const TwinView& view) {
  std::vector<Node> out;
  for (const EventObject& o : event_objects(view)) {
    EventFields f;
    f.name = o.name;
    f.namespace_name = o.namespace_name;
    f.involved_kind = o.involved_kind;
    f.involved_name = o.involved_name;
    f.involved_namespace = o.involved_namespace;
    f.reason = o.reason;
    f.message = o.message;
    f.type = o.type;
    f.component = o.source_component;
    f.host = o.source_host;
    f.first_s = o.first_ms / 1000;
    f.last_s = o.last_ms / 1000;
    f.count = o.count;
    out.push_back(event_node(f));
  }
  return out;
}

std::string event_ns(const Node& e) {
  const Node* m = e.get("metadata");
  return m ? m->str("namespace") : "";
}
std::string event_name(const Node& e) {
  const Node* m = e.get("metadata");
  return m ? m->str("name") : "";
}

topology::Labels event_labels(const Node& e) {
  topology::Labels labels;
  if (const Node* l = e.at({"metadata", "labels"}); l && l->is_mapping()) {
    for (const auto& [k, v] : l->fields()) labels[k] = v.text();
  }
  return labels;
}

}  // namespace

std::string twin_uid(const std::string& kind, const std::string& ns, const std::string& name) {
  std::string key = kind + "/" + ns + "/" + name;
  uint64_t a = fnv1a(key);
  uint64_t b = fnv1a(key, a ^ 0x9e3779b97f4a7c15ULL);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xfff),
                static_cast<unsigned>(0x8000 | ((b >> 48) & 0x3fff)),
                static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return buf;
}

std::vector<Node> twin_events(const TwinView& view) {
  // The running twin's stream when there is one; without, what the static state implies.
  const TwinView ev = view.for_events();
  std::vector<Node> events = ev.live ? live_events(ev) : static_events(view);
  std::stable_sort(events.begin(), events.end(), [](const Node& a, const Node& b) {
    return std::make_pair(event_ns(a), event_name(a)) < std::make_pair(event_ns(b), event_name(b));
  });
  return events;
}

const std::vector<EventColumn>& event_columns() {
  static const std::vector<EventColumn> kColumns = {
      {"Last Seen", 0}, {"Type", 0},    {"Reason", 0},     {"Object", 0}, {"Subobject", 1},
      {"Source", 1},    {"Message", 0}, {"First Seen", 1}, {"Count", 1},  {"Name", 1}};
  return kColumns;
}

std::vector<std::string> event_cells(const TwinView& view, const Node& e) {
  auto since = [&](const std::string& ts) -> std::string {
    auto t = parse_twin_timestamp(ts);
    return t ? view.age(*t) : "<unknown>";
  };
  const Node* involved = e.get("involvedObject");
  const Node* source = e.get("source");
  std::string first = since(e.str("firstTimestamp"));
  std::string last = e.str("lastTimestamp").empty() ? first : since(e.str("lastTimestamp"));
  std::string count = e.str("count", "1");
  if (count.empty() || count == "0") count = "1";
  std::string kind = lower_ascii(involved ? involved->str("kind") : "");
  std::string name = involved ? involved->str("name") : "";
  std::string from = source ? source->str("component") : "";
  if (source && !source->str("host").empty()) from += ", " + source->str("host");
  return {last,
          e.str("type"),
          e.str("reason"),
          name.empty() ? kind : kind + "/" + name,
          involved ? involved->str("fieldPath") : "",
          from,
          trim(e.str("message")),
          first,
          count,
          event_name(e)};
}

CommandOutput render_get_events(const TwinView& view, const GetRequest& req) {
  CommandOutput result;
  if (req.name && req.selector) {
    result.err = "error: name cannot be provided when a selector is specified\n";
    result.exit_code = 1;
    return result;
  }
  std::vector<Node> events = twin_events(view);
  std::erase_if(events, [&](const Node& e) {
    if (!req.all_namespaces && event_ns(e) != req.namespace_name) return true;
    if (req.name && event_name(e) != *req.name) return true;
    return req.selector && !req.selector->matches(event_labels(e));
  });
  if (req.name && events.empty()) {
    result.err = "Error from server (NotFound): events \"" + *req.name + "\" not found\n";
    result.exit_code = 1;
    return result;
  }
  if (req.output == "yaml" || req.output == "json") {
    Node doc = req.name ? events.front() : kubectl_list(events);
    result.out = req.output == "yaml" ? to_kubectl_yaml(doc) : to_kubectl_json(doc);
    return result;
  }
  if (events.empty()) {
    result.err = req.all_namespaces
                     ? "No resources found\n"
                     : "No resources found in " + req.namespace_name + " namespace.\n";
    return result;
  }
  if (req.output == "name") {
    for (const Node& e : events) result.out += "event/" + event_name(e) + "\n";
    return result;
  }
  bool wide = req.output == "wide";
  Table table;
  if (req.all_namespaces) table.columns.push_back("Namespace");
  for (const EventColumn& c : event_columns()) {
    if (wide || c.priority == 0) table.columns.push_back(c.name);
  }
  if (req.show_labels) table.columns.push_back("Labels");
  for (const Node& e : events) {
    std::vector<std::string> cells;
    if (req.all_namespaces) cells.push_back(event_ns(e));
    std::vector<std::string> all = event_cells(view, e);
    for (size_t i = 0; i < all.size(); ++i) {
      if (wide || event_columns()[i].priority == 0) cells.push_back(all[i]);
    }
    if (req.show_labels) {
      std::string text;
      for (const auto& [k, v] : event_labels(e)) text += (text.empty() ? "" : ",") + k + "=" + v;
      cells.push_back(text.empty() ? "<none>" : text);
    }
    table.rows.push_back(std::move(cells));
  }
  result.out = render_table(table, req.no_headers);
  return result;
}

}  // namespace kubetwin::report
