// The live twin as kubectl shows it: events, describe's Events, logs, top, live pod cells.
#include "kubetwin/report/kubectl_live.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <map>
#include <tuple>

#include "kubetwin/report/kubectl_kinds.hpp"
#include "kubetwin/report/kubectl_table.hpp"
#include "kubetwin/sim/random.hpp"

namespace kubetwin::report {

namespace {

int64_t floor_div(int64_t a, int64_t b) {
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

std::tm twin_tm(int64_t twin_ms) {
  std::time_t t = static_cast<std::time_t>(kTwinEpochUnixSeconds + floor_div(twin_ms, 1000));
  std::tm tm{};
  gmtime_r(&t, &tm);
  return tm;
}

// Seconds since the event, as kubectl's LAST SEEN and describe's Age print it.
std::string ago(const TwinView& view, int64_t twin_ms) {
  return human_duration(view.now_seconds() - floor_div(twin_ms, 1000));
}

// "{{at:NS}}" in a line: a moment of the World's clock, printed as PostgreSQL prints times.
// "{{at:line}}": the line's own time.
std::string expand_times(const scenario::LiveTwin& live, std::string text, int64_t line_ms) {
  for (size_t pos = text.find("{{at:"); pos != std::string::npos; pos = text.find("{{at:", pos)) {
    const size_t end = text.find("}}", pos);
    if (end == std::string::npos) break;
    const std::string value = text.substr(pos + 5, end - pos - 5);
    const int64_t ms =
        value == "line" ? line_ms : live.start_ms + floor_div(std::stoll(value), 1'000'000);
    std::tm tm = twin_tm(ms);
    char buf[40];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
    text.replace(pos, end + 2 - pos, buf);
  }
  return text;
}

}  // namespace

std::string log_timestamp(int64_t twin_ms, char style) {
  std::tm tm = twin_tm(twin_ms);
  const int ms = static_cast<int>(twin_ms - floor_div(twin_ms, 1000) * 1000);
  char date[32];
  char out[48];
  switch (style) {
    case runtime::kLogKafka:
      std::strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S", &tm);
      std::snprintf(out, sizeof out, "[%s,%03d]", date, ms);
      break;
    case runtime::kLogPostgres:
      std::strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S", &tm);
      std::snprintf(out, sizeof out, "%s.%03d UTC", date, ms);
      break;
    case runtime::kLogKong:
      std::strftime(date, sizeof date, "%Y/%m/%d %H:%M:%S", &tm);
      std::snprintf(out, sizeof out, "%s", date);
      break;
    default:
      std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
      std::snprintf(out, sizeof out, "%s.%03dZ", date, ms);
      break;
  }
  return out;
}

std::vector<EventObject> event_objects(const TwinView& view) {
  std::vector<EventObject> out;
  if (!view.live) return out;
  std::map<std::tuple<std::string, std::string, std::string, std::string, std::string, std::string>,
           size_t>
      folded;
  for (const scenario::LiveEvent& e : view.live->events) {
    auto key = std::make_tuple(e.namespace_name, e.kind, e.name, e.type, e.reason, e.message);
    auto it = folded.find(key);
    if (it != folded.end()) {
      EventObject& o = out[it->second];
      ++o.count;
      o.last_ms = e.at_ms;
      continue;
    }
    EventObject o;
    o.namespace_name = e.namespace_name.empty() ? "default" : e.namespace_name;
    o.involved_kind = e.kind;
    o.involved_name = e.name;
    o.involved_namespace = e.namespace_name;
    o.type = e.type;
    o.reason = e.reason;
    o.message = e.message;
    o.source_component = e.source;
    if (e.source == "kubelet") {
      if (const scenario::LivePod* p = view.live->find_pod(e.namespace_name, e.name))
        o.source_host = p->node;
      if (e.kind == "Node") o.source_host = e.name;
    }
    o.first_ms = o.last_ms = e.at_ms;
    // The recorder names an event after its object and the moment, in hex nanoseconds.
    char hex[24];
    std::snprintf(
        hex, sizeof hex, "%016llx",
        static_cast<unsigned long long>((kTwinEpochUnixSeconds * 1000 + e.at_ms) * 1'000'000 +
                                        static_cast<int64_t>(out.size() % 1000)));
    o.name = e.name + "." + hex;
    folded.emplace(key, out.size());
    out.push_back(std::move(o));
  }
  // The API server lists by name, "<object>.<hex time>": kafka-0's events before StatefulSet
  // kafka's ('-' sorts before '.'), an object's own in time order.
  std::stable_sort(out.begin(), out.end(), [](const EventObject& a, const EventObject& b) {
    return std::tie(a.namespace_name, a.name) < std::tie(b.namespace_name, b.name);
  });
  return out;
}

CommandOutput render_events(const TwinView& view, const GetRequest& request) {
  CommandOutput r;
  Table table;
  if (request.all_namespaces) table.columns.push_back("Namespace");
  for (const char* c : {"Last Seen", "Type", "Reason", "Object", "Message"})
    table.columns.push_back(c);
  for (const EventObject& e : event_objects(view)) {
    if (!request.all_namespaces && e.namespace_name != request.namespace_name) continue;
    std::vector<std::string> row;
    if (request.all_namespaces) row.push_back(e.namespace_name);
    row.push_back(ago(view, e.last_ms));
    row.push_back(e.type);
    row.push_back(e.reason);
    row.push_back(lower_ascii(e.involved_kind) + "/" + e.involved_name);
    row.push_back(e.message);
    table.rows.push_back(std::move(row));
  }
  if (table.rows.empty()) {
    r.err = request.all_namespaces
                ? "No resources found\n"
                : "No resources found in " + request.namespace_name + " namespace.\n";
    return r;
  }
  r.out = render_table(table, request.no_headers);
  return r;
}

std::string describe_events(const TwinView& view, const std::string& kind, const std::string& ns,
                            const std::string& name) {
  std::string rows;
  for (const EventObject& e : event_objects(view)) {
    if (e.involved_kind != kind || e.involved_name != name || e.involved_namespace != ns) continue;
    std::string age = ago(view, e.last_ms);
    if (e.count > 1)
      age += " (x" + std::to_string(e.count) + " over " + ago(view, e.first_ms) + ")";
    rows += "  " + e.type + "\t" + e.reason + "\t" + age + "\t" + e.source_component + "\t" +
            e.message + "\n";
  }
  if (rows.empty()) return "Events:\t<none>\n";
  return "Events:\n  Type\tReason\tAge\tFrom\tMessage\n  ----\t------\t----\t----\t-------\n" +
         rows;
}

std::string live_pod_ip(const TwinView& view, const scenario::LivePod& pod) {
  const topology::Model& model = view.model;
  auto mp = model.find_pod(pod.namespace_name, pod.model_pod);
  if (!mp || pod.phase == "Pending") return "";
  const topology::Pod& p = model.pods[*mp];
  if (p.ip.empty() || (!pod.replacement && pod.node == model.node_name(p))) return p.ip;
  // A new pod, or one rescheduled, gets a new address in its node's pod CIDR.
  int cidr = 0;
  for (const topology::ClusterNode& n : model.nodes) {
    if (n.meta.name == pod.node) cidr = n.pod_cidr_index;
  }
  return "10.244." + std::to_string(cidr) + "." +
         std::to_string(100 + sim::stable_hash(pod.namespace_name + "/" + pod.name) % 150);
}

std::vector<std::string> live_pod_cells(const TwinView& view, const scenario::LivePod& pod,
                                        int containers) {
  std::string status = "Running";
  if (pod.phase == "Pending") {
    status = "Pending";
  } else if (pod.phase == "Init") {
    status = "ContainerCreating";
    if (auto mp = view.model.find_pod(pod.namespace_name, pod.model_pod)) {
      int inits = 0;
      for (const topology::Container& c : view.model.pods[*mp].containers) inits += c.init ? 1 : 0;
      if (inits > 0) status = "Init:0/" + std::to_string(inits);
    }
  } else if (pod.phase == "BackOff" || (pod.phase == "Paused" && !pod.running)) {
    // The container is down: waiting for its restart (held by a fault, or backing off).
    status = pod.restarts > 0 ? "CrashLoopBackOff" : "Error";
  } else if (pod.phase == "Terminating") {
    status = "Terminating";
  } else if (pod.phase == "Unknown") {
    status = "Unknown";
  }
  std::string ready = std::to_string(pod.ready ? containers : 0) + "/" + std::to_string(containers);
  std::string restarts = std::to_string(pod.restarts);
  if (pod.restarts > 0 && pod.last_termination_ms >= 0)
    restarts += " (" + ago(view, pod.last_termination_ms) + " ago)";
  int64_t created_s = floor_div(pod.created_ms, 1000);
  if (!pod.replacement) {
    // What ran from the start is as old as its apply (the static view's AGE).
    if (auto mp = view.model.find_pod(pod.namespace_name, pod.model_pod)) {
      const topology::Pod& p = view.model.pods[*mp];
      created_s = p.workload ? view.created_at(view.model.workloads[*p.workload].meta.kind,
                                               pod.namespace_name,
                                               view.model.workloads[*p.workload].meta.name)
                             : view.created_at("Pod", pod.namespace_name, pod.name);
    }
  }
  return {ready, status, restarts, view.age(created_s)};
}

CommandOutput render_logs(const TwinView& view, const LogsRequest& request) {
  CommandOutput r;
  const scenario::LivePod* pod =
      view.live ? view.live->find_pod(request.namespace_name, request.pod) : nullptr;
  if (!pod) {
    r.err = "error: error from server (NotFound): pods \"" + request.pod +
            "\" not found in namespace \"" + request.namespace_name +
            "\"\n  hint: `kubetwin get pods -n " + request.namespace_name +
            "` lists the pods the twin runs now\n";
    r.exit_code = 2;
    return r;
  }
  std::vector<std::string> containers;
  if (auto mp = view.model.find_pod(pod->namespace_name, pod->model_pod)) {
    for (const topology::Container& c : view.model.pods[*mp].containers) {
      if (!c.init) containers.push_back(c.name);
    }
  }
  std::string container = containers.empty() ? "" : containers.front();
  if (request.container) {
    if (std::find(containers.begin(), containers.end(), *request.container) == containers.end()) {
      std::string all;
      for (const std::string& c : containers) all += (all.empty() ? "" : " ") + c;
      r.err = "error: container " + *request.container + " is not valid for pod " + request.pod +
              "\n  hint: the pod's containers are: " + all + "\n";
      r.exit_code = 2;
      return r;
    }
    container = *request.container;
  } else if (containers.size() > 1) {
    std::string all;
    for (const std::string& c : containers) all += (all.empty() ? "" : ", ") + c;
    r.err = "Defaulted container \"" + container + "\" out of: " + all + "\n";
  }
  const scenario::LiveTwin& live = *view.live;
  const sim::Time until = sim::millis(live.now_ms - live.start_ms);
  std::vector<std::string> out;
  for (const runtime::LogLine& l :
       live.logs.lines(pod->namespace_name + "/" + pod->world_name, until)) {
    if (l.container != container) continue;
    const int64_t at_ms = live.start_ms + floor_div(l.at, 1'000'000);
    if (request.since_ms && at_ms < live.now_ms - *request.since_ms) continue;
    std::string prefix = log_timestamp(at_ms, l.style);
    if (l.style == runtime::kLogKafka)
      prefix += " INFO";
    else if (l.style == runtime::kLogPostgres)
      prefix += " [1]";
    out.push_back(prefix + " " + expand_times(live, l.text, at_ms));
  }
  size_t first = 0;
  if (request.tail && *request.tail >= 0 && static_cast<size_t>(*request.tail) < out.size())
    first = out.size() - static_cast<size_t>(*request.tail);
  for (size_t i = first; i < out.size(); ++i) r.out += out[i] + "\n";
  return r;
}

CommandOutput render_top(const TwinView& view, const std::string& what, const std::string& ns,
                         bool all_namespaces) {
  CommandOutput r;
  if (!view.live) {
    r.err = "error: Metrics API not available\n";
    r.exit_code = 1;
    return r;
  }
  auto cpu = [](double cores) {
    return std::to_string(static_cast<int64_t>(std::llround(cores * 1000.0))) + "m";
  };
  auto mib = [](int64_t bytes) { return std::to_string(bytes / (1024 * 1024)) + "Mi"; };
  Table table;
  if (what == "nodes") {
    // kubectl top prints its header as written, not upper-cased: a first row.
    table.columns = {"", "", "", "", ""};
    table.rows.push_back({"NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"});
    for (const topology::ClusterNode& n : view.model.nodes) {
      double cores = 0;
      int64_t mem = 0;
      for (const scenario::LivePod& p : view.live->pods) {
        if (p.node != n.meta.name) continue;
        cores += p.cpu_cores;
        mem += p.memory_bytes;
      }
      auto pct = [](double part, double whole) {
        return whole > 0
                   ? std::to_string(static_cast<int64_t>(std::llround(100.0 * part / whole))) + "%"
                   : std::string("<unknown>");
      };
      table.rows.push_back(
          {n.meta.name, cpu(cores),
           pct(cores * 1000.0, static_cast<double>(n.allocatable_cpu_milli)), mib(mem),
           pct(static_cast<double>(mem), static_cast<double>(n.allocatable_memory_bytes))});
    }
  } else {
    std::vector<std::string> header;
    if (all_namespaces) header.push_back("NAMESPACE");
    for (const char* c : {"NAME", "CPU(cores)", "MEMORY(bytes)"}) header.push_back(c);
    table.columns.assign(header.size(), "");
    table.rows.push_back(header);
    std::vector<const scenario::LivePod*> pods;
    for (const scenario::LivePod& p : view.live->pods) {
      if (!all_namespaces && p.namespace_name != ns) continue;
      if (!p.running) continue;
      pods.push_back(&p);
    }
    std::stable_sort(pods.begin(), pods.end(), [](const auto* a, const auto* b) {
      return std::tie(a->namespace_name, a->name) < std::tie(b->namespace_name, b->name);
    });
    for (const scenario::LivePod* p : pods) {
      std::vector<std::string> row;
      if (all_namespaces) row.push_back(p->namespace_name);
      row.push_back(p->name);
      row.push_back(cpu(p->cpu_cores));
      row.push_back(mib(p->memory_bytes));
      table.rows.push_back(std::move(row));
    }
    if (table.rows.size() == 1) {
      r.err =
          all_namespaces ? "No resources found\n" : "No resources found in " + ns + " namespace.\n";
      return r;
    }
  }
  r.out = render_table(table, true);
  return r;
}

}  // namespace kubetwin::report
