// ResultsDb: the SQLite results database (schema in kSchema, documented in the README).
#include "kubetwin/report/results_db.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "kubetwin/k8s/diagnostic.hpp"
#include "kubetwin/k8s/emitter.hpp"
#include "kubetwin/report/findings.hpp"
#include "kubetwin/report/request_traces.hpp"
#include "kubetwin/report/run_report.hpp"
#include "kubetwin/topology/dns.hpp"
#include "kubetwin/topology/graph.hpp"
#include "kubetwin/topology/sqlite.hpp"
#include "kubetwin/topology/twin_index.hpp"

#ifndef KUBETWIN_VERSION
#define KUBETWIN_VERSION "0.0.0"
#endif

namespace kubetwin::report {

namespace fs = std::filesystem;

namespace {

constexpr const char* kSchemaName = "kubetwin-results";

// Every table but run_clock is deterministic (README "The results database").
constexpr const char* kSchema = R"sql(
CREATE TABLE kubetwin_schema (name TEXT NOT NULL, version INTEGER NOT NULL);
CREATE TABLE runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  scenario_name TEXT NOT NULL, scenario_description TEXT NOT NULL, scenario_path TEXT NOT NULL,
  model_path TEXT NOT NULL, model_digest TEXT NOT NULL, environments TEXT NOT NULL,
  seed INTEGER NOT NULL, replications INTEGER NOT NULL,
  duration_s REAL NOT NULL, warmup_s REAL NOT NULL, rate_scale REAL NOT NULL,
  offered_rate_per_s REAL NOT NULL,
  verdict TEXT NOT NULL, passed INTEGER NOT NULL, incomplete INTEGER NOT NULL,
  completed_s REAL NOT NULL, checks INTEGER NOT NULL, checks_passed INTEGER NOT NULL,
  simulated_seconds REAL NOT NULL, events INTEGER NOT NULL, fingerprint TEXT NOT NULL,
  knee_found INTEGER NOT NULL, knee_at_s REAL, knee_offered_rate_per_s REAL, knee_baseline_ms REAL,
  knee_mean_ms REAL, knee_error_rate REAL, knee_reason TEXT NOT NULL,
  kubetwin_version TEXT NOT NULL, command_line TEXT NOT NULL);
CREATE TABLE run_clock (
  run_id INTEGER PRIMARY KEY REFERENCES runs(id), started_at TEXT NOT NULL,
  wall_seconds REAL NOT NULL);
CREATE TABLE parameters (run_id INTEGER NOT NULL REFERENCES runs(id), position INTEGER NOT NULL,
  name TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (run_id, position));
CREATE TABLE overrides (run_id INTEGER NOT NULL REFERENCES runs(id), position INTEGER NOT NULL,
  knob TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (run_id, position));
CREATE TABLE checks (run_id INTEGER NOT NULL REFERENCES runs(id), position INTEGER NOT NULL,
  "check" TEXT NOT NULL, passed INTEGER NOT NULL, measured TEXT NOT NULL, file TEXT,
  line INTEGER NOT NULL, "column" INTEGER NOT NULL, PRIMARY KEY (run_id, position));
CREATE TABLE routes (run_id INTEGER NOT NULL REFERENCES runs(id), route INTEGER NOT NULL,
  entry TEXT NOT NULL, request TEXT NOT NULL, sent INTEGER NOT NULL, completed INTEGER NOT NULL,
  throughput_per_s REAL NOT NULL, error_rate REAL NOT NULL, errors INTEGER NOT NULL,
  mean_in_flight REAL NOT NULL, latency_count INTEGER NOT NULL, mean_ms REAL, min_ms REAL,
  p50_ms REAL, p95_ms REAL, p99_ms REAL, p999_ms REAL, max_ms REAL,
  throughput_per_s_ci95_mean REAL, throughput_per_s_ci95_half_width REAL,
  p99_ms_ci95_mean REAL, p99_ms_ci95_half_width REAL, PRIMARY KEY (run_id, route));
CREATE TABLE route_statuses (run_id INTEGER NOT NULL REFERENCES runs(id), route INTEGER NOT NULL,
  status INTEGER NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (run_id, route, status));
CREATE TABLE route_error_reasons (run_id INTEGER NOT NULL REFERENCES runs(id),
  route INTEGER NOT NULL, reason TEXT NOT NULL, count INTEGER NOT NULL,
  PRIMARY KEY (run_id, route, reason));
CREATE TABLE replications (run_id INTEGER NOT NULL REFERENCES runs(id),
  replication INTEGER NOT NULL, seed INTEGER NOT NULL, simulated_seconds REAL NOT NULL,
  measured_seconds REAL NOT NULL, events INTEGER NOT NULL, fingerprint TEXT NOT NULL,
  incomplete INTEGER NOT NULL, PRIMARY KEY (run_id, replication));
CREATE TABLE replication_routes (run_id INTEGER NOT NULL REFERENCES runs(id),
  replication INTEGER NOT NULL, route INTEGER NOT NULL, entry TEXT NOT NULL,
  request TEXT NOT NULL, sent INTEGER NOT NULL, completed INTEGER NOT NULL,
  throughput_per_s REAL NOT NULL, error_rate REAL NOT NULL, mean_in_flight REAL NOT NULL,
  p99_ms REAL, latency_count INTEGER NOT NULL, latency_sum_ns TEXT NOT NULL,
  latency_min_ns INTEGER NOT NULL, latency_max_ns INTEGER NOT NULL,
  PRIMARY KEY (run_id, replication, route));
CREATE TABLE replication_route_statuses (run_id INTEGER NOT NULL REFERENCES runs(id),
  replication INTEGER NOT NULL, route INTEGER NOT NULL, status INTEGER NOT NULL,
  count INTEGER NOT NULL, PRIMARY KEY (run_id, replication, route, status));
CREATE TABLE latency_bins (run_id INTEGER NOT NULL REFERENCES runs(id),
  replication INTEGER NOT NULL, route INTEGER NOT NULL, bucket INTEGER NOT NULL,
  low_ms REAL NOT NULL, high_ms REAL NOT NULL, count INTEGER NOT NULL,
  PRIMARY KEY (run_id, replication, route, bucket));
CREATE TABLE route_windows (run_id INTEGER NOT NULL REFERENCES runs(id),
  replication INTEGER NOT NULL, route INTEGER NOT NULL, start_s REAL NOT NULL,
  answered INTEGER NOT NULL, errors INTEGER NOT NULL, mean_ms REAL NOT NULL, max_ms REAL NOT NULL,
  PRIMARY KEY (run_id, replication, route, start_s));
CREATE TABLE workloads (run_id INTEGER NOT NULL REFERENCES runs(id), position INTEGER NOT NULL,
  namespace_name TEXT NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL, pods INTEGER NOT NULL,
  cpu_limit_milli INTEGER NOT NULL, cpu_cores_mean REAL NOT NULL,
  cpu_utilisation_of_limit REAL NOT NULL, throttled_period_fraction REAL NOT NULL,
  worker_utilisation REAL NOT NULL, queue_mean REAL NOT NULL, queue_max REAL NOT NULL,
  requests INTEGER NOT NULL, rejected INTEGER NOT NULL, memory_limit_bytes INTEGER NOT NULL,
  memory_peak_bytes INTEGER NOT NULL, oom_kills INTEGER NOT NULL, first_oom_kill_s REAL NOT NULL,
  ready_fraction REAL NOT NULL, ready_min INTEGER NOT NULL, restarts INTEGER NOT NULL,
  hpa TEXT NOT NULL, replicas_start INTEGER NOT NULL, replicas_min INTEGER NOT NULL,
  replicas_max INTEGER NOT NULL, replicas_mean REAL NOT NULL, scale_ups INTEGER NOT NULL,
  scale_downs INTEGER NOT NULL, first_scale_up_s REAL NOT NULL, unschedulable INTEGER NOT NULL,
  PRIMARY KEY (run_id, position));
CREATE TABLE postgres (run_id INTEGER NOT NULL REFERENCES runs(id), position INTEGER NOT NULL,
  namespace_name TEXT NOT NULL, name TEXT NOT NULL, max_connections INTEGER NOT NULL,
  connections_mean REAL NOT NULL, connections_max REAL NOT NULL,
  connection_refusals INTEGER NOT NULL, startup_refusals INTEGER NOT NULL,
  pool_connections_wanted INTEGER NOT NULL, queries INTEGER NOT NULL,
  failed_writes INTEGER NOT NULL, committed_writes INTEGER NOT NULL,
  commits_total INTEGER NOT NULL, commits_lost INTEGER NOT NULL,
  cpu_utilisation_of_limit REAL NOT NULL, PRIMARY KEY (run_id, position));
CREATE TABLE kafka_topics (run_id INTEGER NOT NULL REFERENCES runs(id), position INTEGER NOT NULL,
  namespace_name TEXT NOT NULL, topic TEXT NOT NULL, partitions INTEGER NOT NULL,
  replication_factor INTEGER NOT NULL, produced INTEGER NOT NULL, failed INTEGER NOT NULL,
  produced_per_s REAL NOT NULL, PRIMARY KEY (run_id, position));
CREATE TABLE kafka_groups (run_id INTEGER NOT NULL REFERENCES runs(id), position INTEGER NOT NULL,
  namespace_name TEXT NOT NULL, "group" TEXT NOT NULL, topic TEXT NOT NULL,
  partitions INTEGER NOT NULL, consumers INTEGER NOT NULL, lag_end INTEGER NOT NULL,
  lag_max INTEGER NOT NULL, consumed_per_s REAL NOT NULL, consumer_utilisation REAL NOT NULL,
  PRIMARY KEY (run_id, position));
CREATE TABLE kafka_lost_writes (run_id INTEGER NOT NULL REFERENCES runs(id),
  position INTEGER NOT NULL, namespace_name TEXT NOT NULL, cluster TEXT NOT NULL,
  topic TEXT NOT NULL, acknowledged INTEGER NOT NULL, acknowledged_and_read INTEGER NOT NULL,
  lost INTEGER NOT NULL, beyond_read_horizon INTEGER NOT NULL, PRIMARY KEY (run_id, position));
CREATE TABLE volumes (run_id INTEGER NOT NULL REFERENCES runs(id), position INTEGER NOT NULL,
  namespace_name TEXT NOT NULL, claim TEXT NOT NULL, pod TEXT NOT NULL,
  capacity_bytes INTEGER NOT NULL, used_bytes INTEGER NOT NULL, growth_bytes_per_s REAL NOT NULL,
  seconds_until_full REAL, PRIMARY KEY (run_id, position));
CREATE TABLE faults (run_id INTEGER NOT NULL REFERENCES runs(id), position INTEGER NOT NULL,
  name TEXT NOT NULL, action TEXT NOT NULL, at_s REAL NOT NULL, lifted_s REAL NOT NULL,
  detect_s REAL NOT NULL, recover_s REAL NOT NULL, outage_s REAL NOT NULL,
  PRIMARY KEY (run_id, position));
CREATE TABLE fault_targets (run_id INTEGER NOT NULL REFERENCES runs(id), fault INTEGER NOT NULL,
  position INTEGER NOT NULL, target TEXT NOT NULL, PRIMARY KEY (run_id, fault, position));
CREATE TABLE cross_environment_flows (run_id INTEGER NOT NULL REFERENCES runs(id),
  position INTEGER NOT NULL, from_pod TEXT NOT NULL, from_environment TEXT NOT NULL,
  to_pod TEXT NOT NULL, to_environment TEXT NOT NULL, kind TEXT NOT NULL,
  blocked INTEGER NOT NULL, count INTEGER NOT NULL, first_s REAL NOT NULL,
  PRIMARY KEY (run_id, position));
CREATE TABLE kube_events (run_id INTEGER NOT NULL REFERENCES runs(id),
  replication INTEGER NOT NULL, position INTEGER NOT NULL, at_s REAL NOT NULL,
  object TEXT NOT NULL, type TEXT NOT NULL, reason TEXT NOT NULL, message TEXT NOT NULL,
  PRIMARY KEY (run_id, replication, position));
CREATE TABLE notes (run_id INTEGER NOT NULL REFERENCES runs(id), position INTEGER NOT NULL,
  note TEXT NOT NULL, PRIMARY KEY (run_id, position));
CREATE TABLE series (run_id INTEGER NOT NULL REFERENCES runs(id), replication INTEGER NOT NULL,
  series INTEGER NOT NULL, metric TEXT NOT NULL, subject TEXT NOT NULL, label TEXT NOT NULL,
  unit TEXT NOT NULL, PRIMARY KEY (run_id, replication, series));
CREATE TABLE series_points (run_id INTEGER NOT NULL REFERENCES runs(id),
  replication INTEGER NOT NULL, series INTEGER NOT NULL, t_s REAL NOT NULL, value REAL,
  PRIMARY KEY (run_id, replication, series, t_s)) WITHOUT ROWID;
CREATE TABLE topology_nodes (run_id INTEGER NOT NULL REFERENCES runs(id), node TEXT NOT NULL,
  kind TEXT NOT NULL, role TEXT NOT NULL, namespace_name TEXT NOT NULL, name TEXT NOT NULL,
  environment TEXT NOT NULL, PRIMARY KEY (run_id, node));
CREATE TABLE topology_edges (run_id INTEGER NOT NULL REFERENCES runs(id),
  position INTEGER NOT NULL, from_node TEXT NOT NULL, to_node TEXT NOT NULL, kind TEXT NOT NULL,
  label TEXT NOT NULL, crosses_environment INTEGER NOT NULL, calls INTEGER NOT NULL,
  PRIMARY KEY (run_id, position));
)sql";

// Version 2: audit findings of a run's model, and capacity searches. Created with the rest in a
// new file, and added to a version 1 file opened writable (README "The schema").
constexpr const char* kSchemaV2 = R"sql(
CREATE TABLE IF NOT EXISTS audit_findings (run_id INTEGER NOT NULL REFERENCES runs(id),
  position INTEGER NOT NULL, id TEXT NOT NULL, rule TEXT NOT NULL, severity TEXT NOT NULL,
  kind TEXT NOT NULL, namespace_name TEXT NOT NULL, name TEXT NOT NULL,
  environment TEXT NOT NULL, file TEXT, line INTEGER NOT NULL, "column" INTEGER NOT NULL,
  message TEXT NOT NULL, hint TEXT NOT NULL, PRIMARY KEY (run_id, position));
CREATE TABLE IF NOT EXISTS capacity_searches (id INTEGER PRIMARY KEY AUTOINCREMENT,
  scenario_name TEXT NOT NULL, scenario_path TEXT NOT NULL, model_path TEXT NOT NULL,
  model_digest TEXT NOT NULL, environments TEXT NOT NULL, seed INTEGER NOT NULL,
  replications INTEGER NOT NULL, duration_s REAL NOT NULL, base_offered_rate_per_s REAL NOT NULL,
  slo TEXT NOT NULL, slo_quantile TEXT NOT NULL, slo_below_ms REAL, slo_error_rate_below REAL,
  slo_route TEXT NOT NULL, found INTEGER NOT NULL, scale REAL NOT NULL,
  max_rate_per_s REAL NOT NULL, bottleneck_resource TEXT NOT NULL,
  bottleneck_kind TEXT NOT NULL, bottleneck_saturation REAL NOT NULL,
  bottleneck_evidence TEXT NOT NULL, summary TEXT NOT NULL, kubetwin_version TEXT NOT NULL,
  command_line TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS capacity_clock (
  search_id INTEGER PRIMARY KEY REFERENCES capacity_searches(id), started_at TEXT NOT NULL,
  wall_seconds REAL NOT NULL);
CREATE TABLE IF NOT EXISTS capacity_probes (
  search_id INTEGER NOT NULL REFERENCES capacity_searches(id), position INTEGER NOT NULL,
  scale REAL NOT NULL, offered_rate_per_s REAL NOT NULL, passed INTEGER NOT NULL,
  measured TEXT NOT NULL, PRIMARY KEY (search_id, position));
CREATE TABLE IF NOT EXISTS capacity_probe_routes (
  search_id INTEGER NOT NULL REFERENCES capacity_searches(id), probe INTEGER NOT NULL,
  route INTEGER NOT NULL, entry TEXT NOT NULL, request TEXT NOT NULL, quantile_ms REAL,
  p99_ms REAL, error_rate REAL NOT NULL, throughput_per_s REAL NOT NULL,
  PRIMARY KEY (search_id, probe, route));
)sql";

// Version 3: a capacity probe's replications run (a probe may be decided by its first half).
// Left NULL in probes written before: they ran every replication of the search.
constexpr const char* kSchemaV3 = R"sql(
ALTER TABLE capacity_probes ADD COLUMN replications INTEGER;
)sql";

[[noreturn]] void input_error(const fs::path& path, const std::string& what,
                              const std::string& hint) {
  k8s::SourceLocation where{std::make_shared<const std::string>(path.string()), 0, 0};
  throw k8s::InputError(where, what, hint);
}

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct Null {};

// A prepared statement, finalized on scope exit; NaN binds as NULL and NULL reads as NaN.
class Statement {
 public:
  Statement(sqlite3* db, const std::string& sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt_, nullptr) != SQLITE_OK)
      throw std::runtime_error(std::string("sqlite: ") + sqlite3_errmsg(db) + " in " + sql);
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() { sqlite3_finalize(stmt_); }

  void bind(int i, Null) { sqlite3_bind_null(stmt_, i); }
  void bind(int i, const std::string& s) {
    sqlite3_bind_text(stmt_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
  }
  void bind(int i, const char* s) { bind(i, std::string(s)); }
  void bind(int i, bool v) { sqlite3_bind_int64(stmt_, i, v ? 1 : 0); }
  void bind(int i, int v) { sqlite3_bind_int64(stmt_, i, v); }
  void bind(int i, int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
  void bind(int i, uint64_t v) { sqlite3_bind_int64(stmt_, i, static_cast<int64_t>(v)); }
  void bind(int i, double v) {
    if (std::isnan(v))
      sqlite3_bind_null(stmt_, i);
    else
      sqlite3_bind_double(stmt_, i, v);
  }
  template <typename... Args>
  void bind_all(const Args&... args) {
    int i = 0;
    (bind(++i, args), ...);
  }
  // True while a row is available.
  bool step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw std::runtime_error(std::string("sqlite: ") + sqlite3_errmsg(db_));
  }
  template <typename... Args>
  void run(const Args&... args) {
    bind_all(args...);
    step();
    sqlite3_reset(stmt_);
  }
  bool is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::string text(int col) const {
    const unsigned char* p = sqlite3_column_text(stmt_, col);
    int n = sqlite3_column_bytes(stmt_, col);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n)) : "";
  }
  int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }
  uint64_t uinteger(int col) const { return static_cast<uint64_t>(integer(col)); }
  int small(int col) const { return static_cast<int>(integer(col)); }
  double real(int col) const { return is_null(col) ? kNaN : sqlite3_column_double(stmt_, col); }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// "INSERT INTO table (a, b, ...) VALUES (?, ?, ...)" for the columns given.
class Insert {
 public:
  Insert(sqlite3* db, const char* table, std::initializer_list<const char*> columns)
      : stmt_(db, sql(table, columns)) {}
  template <typename... Args>
  void row(const Args&... args) {
    stmt_.run(args...);
  }

 private:
  static std::string sql(const char* table, std::initializer_list<const char*> columns) {
    std::string cols, marks;
    for (const char* c : columns) {
      cols += std::string(cols.empty() ? "" : ", ") + "\"" + c + "\"";
      marks += marks.empty() ? "?" : ", ?";
    }
    return fmt::format("INSERT INTO {} ({}) VALUES ({})", table, cols, marks);
  }
  Statement stmt_;
};

using sqlite::exec;
using sqlite::Transaction;

uint64_t parse_hex64(const std::string& s) {
  return std::strtoull(s.c_str(), nullptr, 16);
}
// A long double sum of nanoseconds, exactly (integers up to 2^64 are exact in x87's 64 bits).
std::string long_double_text(long double v) {
  return fmt::format("{}", v);
}

std::string join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : sep) + s;
  return out;
}
std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> out;
  if (text.empty()) return out;
  size_t start = 0;
  for (size_t at = text.find(sep); at != std::string::npos; at = text.find(sep, start)) {
    out.push_back(text.substr(start, at - start));
    start = at + 1;
  }
  out.push_back(text.substr(start));
  return out;
}

double percentile_ms_or_nan(const sim::LatencyHistogram& h, double q) {
  return h.count() ? static_cast<double>(h.quantile(q)) / 1e6 : kNaN;
}

uint64_t fnv1a(uint64_t h, std::string_view bytes) {
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::string read_whole(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

std::string verdict_of(const scenario::ScenarioResult& r) {
  return r.incomplete ? "INCOMPLETE" : r.passed ? "PASS" : "FAIL";
}

std::string duration_text(sim::Time t) {
  return sim::format_duration(t);
}

// The scenario's parameters as name/value text, in a fixed order.
std::vector<std::pair<std::string, std::string>> parameters_of(const scenario::ScenarioSpec& spec,
                                                               const scenario::ScenarioResult& r) {
  std::vector<std::pair<std::string, std::string>> p;
  p.emplace_back("model", spec.model_path);
  p.emplace_back("cluster", spec.cluster_path);
  p.emplace_back("behaviour", spec.behaviour_path);
  p.emplace_back("environments", join(spec.environments, ","));
  p.emplace_back("duration", duration_text(spec.duration));
  p.emplace_back("warmup", duration_text(spec.warmup));
  p.emplace_back("seed", std::to_string(spec.seed));
  p.emplace_back("replications", std::to_string(r.replications));
  p.emplace_back("rateScale", fmt::format("{}", r.rate_scale));
  for (const scenario::LoadSpec& l : spec.loads) {
    const std::string k = "load." + l.name + ".";
    p.emplace_back(k + "target", l.target.kind == scenario::LoadTarget::Kind::kGateway
                                     ? "gateway " + l.target.gateway + " host " + l.target.host
                                     : "service " + l.target.namespace_name + "/" +
                                           l.target.service + ":" + std::to_string(l.target.port));
    if (l.closed) {
      p.emplace_back(k + "users", std::to_string(l.closed->users));
    } else {
      p.emplace_back(k + "arrivals",
                     l.arrivals == scenario::ArrivalProcess::kPoisson ? "poisson" : "constant");
      p.emplace_back(k + "profile", l.profile.describe());
    }
    std::string mix;
    for (const scenario::MixEntry& m : l.mix.entries())
      mix += fmt::format("{}{} x{}", mix.empty() ? "" : ", ", m.request, m.weight);
    if (!mix.empty()) p.emplace_back(k + "mix", mix);
  }
  for (const scenario::FaultSpec& f : spec.faults) {
    p.emplace_back("fault." + (f.name.empty() ? f.kind : f.name),
                   f.kind + " at " + duration_text(f.at) +
                       (f.duration ? " for " + duration_text(*f.duration) : ""));
  }
  return p;
}

std::string node_text(const k8s::Node& n) {
  if (n.is_scalar()) return n.text();
  std::string out = k8s::emit_document(n);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// The open-loop rate offered at each sample time (all loads), per second.
std::vector<double> offered_rates(const scenario::ScenarioSpec& spec, double rate_scale,
                                  const std::vector<double>& times) {
  std::vector<double> out;
  double prev = 0;
  for (double t : times) {
    double arrivals = 0;
    for (const scenario::LoadSpec& l : spec.loads)
      if (!l.closed)
        arrivals += l.profile.expected_arrivals(sim::from_seconds(prev), sim::from_seconds(t));
    out.push_back(t > prev ? rate_scale * arrivals / (t - prev) : 0);
    prev = t;
  }
  return out;
}

const char* severity_text(k8s::Severity s) {
  return s == k8s::Severity::kError ? "error" : s == k8s::Severity::kWarning ? "warning" : "info";
}
k8s::Severity severity_of(const std::string& s) {
  return s == "error"     ? k8s::Severity::kError
         : s == "warning" ? k8s::Severity::kWarning
                          : k8s::Severity::kInfo;
}

}  // namespace

fs::path resolve_results_path(const std::optional<std::string>& flag_value) {
  if (flag_value) return *flag_value;
  if (const char* env = std::getenv("KUBETWIN_RESULTS"); env && *env) return env;
  return fs::path(".kubetwin") / "results.db";
}

std::string model_digest(const scenario::ScenarioSpec& spec) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (const std::string& name : spec.environments) {
    const topology::TwinEnvironment* env = spec.model.find_environment(name);
    if (!env) continue;
    h = fnv1a(h, "environment " + name + "\n");
    h = fnv1a(h, k8s::emit_stream(topology::render_environment(*env)));
  }
  if (!spec.behaviour_path.empty()) h = fnv1a(h, read_whole(spec.behaviour_path));
  if (!spec.cluster_path.empty()) h = fnv1a(h, read_whole(spec.cluster_path));
  return fmt::format("fnv1a64:{:016x}", h);
}

// ---- Audit findings ----------------------------------------------------------------------

std::vector<topology::Finding> run_findings(const scenario::PreparedScenario& prepared) {
  const scenario::ScenarioSpec& spec = prepared.spec;
  topology::AuditContext context;
  for (const std::string& name : spec.environments) {
    const topology::TwinEnvironment* env = spec.model.find_environment(name);
    if (!env) continue;
    topology::AuditEnvironment ae;
    ae.name = env->name;
    ae.highly_available = env->highly_available;
    ae.namespaces = env->namespaces;
    ae.resources = topology::render_environment(*env);
    for (const topology::TwinEntrypoint& ep : env->entrypoints)
      ae.entrypoints.push_back(topology::AuditEntrypoint{ep.gateway, ep.url, ep.host, ep.where});
    context.applied.insert(context.applied.end(), ae.resources.begin(), ae.resources.end());
    context.environments.push_back(std::move(ae));
  }
  std::vector<topology::Finding> findings = topology::audit(prepared.model, context);
  relativise_paths(findings);  // as `kubetwin check` prints them
  return findings;
}

// ---- Topology ----------------------------------------------------------------------------

Topology run_topology(const scenario::PreparedScenario& prepared,
                      const scenario::ScenarioResult& result) {
  const topology::Model& m = prepared.model;
  Topology t;
  std::map<std::string, std::string> env_of_ns;
  for (const auto& e : prepared.environments)
    for (const std::string& ns : e.namespaces) env_of_ns[ns] = e.name;
  auto env = [&](const std::string& ns) {
    auto it = env_of_ns.find(ns);
    return it == env_of_ns.end() ? std::string() : it->second;
  };
  std::set<topology::Index> gateways;
  for (const auto& g : m.gateways) gateways.insert(g.workload);
  auto role = [&](topology::Index w) -> std::string {
    if (gateways.count(w)) return "gateway";
    for (const topology::Pod& p : m.pods) {
      if (!p.workload || *p.workload != w) continue;
      for (const auto& c : p.containers) {
        if (c.init || c.injected) continue;
        if (c.image.find("kafka") != std::string::npos) return "kafka";
        if (c.image.find("postgres") != std::string::npos) return "postgres";
        break;
      }
      auto app = p.meta.labels.find("app");
      if (app != p.meta.labels.end() && app->second.find("kafka") != std::string::npos)
        return "kafka";
      break;
    }
    return "app";
  };
  topology::Dns dns(m);
  const topology::TopologyGraph g = topology::dependency_graph(m, dns);
  std::vector<std::string> ids(boost::num_vertices(g));
  for (size_t v = 0; v < boost::num_vertices(g); ++v) {
    const topology::GraphVertex& gv = g[v];
    TopologyNode n;
    n.id = gv.id;
    n.namespace_name = gv.namespace_name;
    n.environment = env(gv.namespace_name);
    switch (gv.kind) {
      case topology::VertexKind::kWorkload:
        n.kind = "workload";
        n.role = gv.index ? role(*gv.index) : "app";
        n.name = gv.index ? m.workloads[*gv.index].meta.name : gv.label;
        break;
      case topology::VertexKind::kService:
        n.kind = "service";
        n.name = gv.index ? m.services[*gv.index].meta.name : gv.label;
        break;
      case topology::VertexKind::kExternalHost:
        n.kind = "external";
        n.name = gv.label;
        break;
      default:
        n.kind = "unresolved";
        n.name = gv.label;
        break;
    }
    ids[v] = n.id;
    t.nodes.push_back(std::move(n));
  }
  for (auto [e, end] = boost::edges(g); e != end; ++e) {
    const size_t s = boost::source(*e, g), d = boost::target(*e, g);
    TopologyEdge edge;
    edge.from = ids[s];
    edge.to = ids[d];
    edge.label = g[*e].label;
    edge.kind = g[*e].label == "backed by"              ? "backs"
                : g[*e].label.rfind("Ingress ", 0) == 0 ? "routes"
                                                        : "depends";
    const std::string a = env(g[s].namespace_name), b = env(g[d].namespace_name);
    edge.crosses_environment = !a.empty() && !b.empty() && a != b;
    t.edges.push_back(std::move(edge));
  }
  // Volumes: each claim a workload's pods mount (a StatefulSet's templates included).
  std::set<std::pair<std::string, std::string>> mounted;
  for (const topology::Pod& p : m.pods) {
    if (!p.workload || p.meta.builtin) continue;
    const topology::Workload& w = m.workloads[*p.workload];
    for (const topology::PodVolume& v : p.volumes) {
      if (!v.pvc) continue;
      const topology::PersistentVolumeClaim& c = m.pvcs[*v.pvc];
      const std::string id = "volume:" + c.meta.qualified();
      if (!mounted.insert({id, w.meta.qualified()}).second) continue;
      t.nodes.push_back(TopologyNode{id, "volume", "", c.meta.namespace_name, c.meta.name,
                                     env(c.meta.namespace_name)});
      t.edges.push_back(
          TopologyEdge{"workload:" + w.meta.qualified(), id, "mounts", c.request_text, false, 0});
    }
  }
  // Run-time cross-environment flows, pod to pod, drawn workload to workload.
  auto workload_of_pod = [&](const std::string& qualified) -> std::string {
    const size_t slash = qualified.find('/');
    if (slash == std::string::npos) return "";
    const std::string ns = qualified.substr(0, slash), pod = qualified.substr(slash + 1);
    if (auto p = m.find_pod(ns, pod); p && m.pods[*p].workload)
      return "workload:" + m.workloads[*m.pods[*p].workload].meta.qualified();
    // A pod the run created (a replacement, an HPA replica): the workload whose name prefixes it.
    std::string best;
    for (const topology::Workload& w : m.workloads)
      if (w.meta.namespace_name == ns && pod.rfind(w.meta.name + "-", 0) == 0 &&
          w.meta.name.size() > best.size())
        best = w.meta.name;
    return best.empty() ? "" : "workload:" + ns + "/" + best;
  };
  std::map<std::tuple<std::string, std::string, std::string, bool>, uint64_t> flows;
  for (const runtime::FlowFigures& f : result.cross_environment_flows) {
    std::string a = workload_of_pod(f.from_pod), b = workload_of_pod(f.to_pod);
    if (a.empty() || b.empty()) continue;
    flows[{a, b, f.kind, f.blocked}] += f.count;
  }
  for (const auto& [key, count] : flows) {
    const auto& [a, b, kind, blocked] = key;
    t.edges.push_back(TopologyEdge{
        a, b, "flow",
        fmt::format("{} x {}{}", kind, count, blocked ? " (dropped by NetworkPolicy)" : ""),
        !blocked, count});
  }
  return t;
}

// ---- Opening -----------------------------------------------------------------------------

ResultsDb::ResultsDb(fs::path path, sqlite3* db) : path_(std::move(path)), db_(db) {}
ResultsDb::ResultsDb(ResultsDb&& o) noexcept : path_(std::move(o.path_)), db_(o.db_) {
  o.db_ = nullptr;
}
ResultsDb& ResultsDb::operator=(ResultsDb&& o) noexcept {
  if (this != &o) {
    if (db_) sqlite3_close(db_);
    path_ = std::move(o.path_);
    db_ = o.db_;
    o.db_ = nullptr;
  }
  return *this;
}
ResultsDb::~ResultsDb() {
  if (db_) sqlite3_close(db_);
}

ResultsDb ResultsDb::open(const fs::path& path, Mode mode) {
  const std::string kRunHint =
      "`kubetwin run SCENARIO` writes runs to .kubetwin/results.db (or --db FILE)";
  std::error_code ec;
  if (mode == Mode::kReadOnly) {
    if (!fs::exists(path, ec)) input_error(path, "no such file", kRunHint);
    if (fs::is_directory(path, ec))
      input_error(path, "is a directory, not a results database", kRunHint);
  } else if (path.has_parent_path() && !fs::exists(path.parent_path(), ec)) {
    fs::create_directories(path.parent_path(), ec);
    if (ec)
      input_error(path, "cannot create its directory: " + ec.message(),
                  "pass --db FILE in a writable directory, or --no-db");
  }
  sqlite3* raw = nullptr;
  // Readers open read-write when they may, so that SQLite can roll back what a killed writer
  // left in its journal (a read-only connection cannot); a read-only file is read as it is.
  int rc = sqlite3_open_v2(
      path.c_str(), &raw,
      mode == Mode::kReadOnly ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
      nullptr);
  if (rc != SQLITE_OK && mode == Mode::kReadOnly) {
    sqlite3_close(raw);
    raw = nullptr;
    rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
  }
  ResultsDb db(path, raw);
  if (rc != SQLITE_OK) {
    const std::string why = raw ? sqlite3_errmsg(raw) : "out of memory";
    input_error(path, "cannot open: " + why,
                mode == Mode::kReadOnly ? "check that the file is readable"
                                        : "pass --db FILE in a writable directory, or --no-db");
  }
  sqlite3_busy_timeout(raw, 30'000);
  const std::string kNotOurs =
      "a kubetwin results database is what `kubetwin run --db FILE` writes (the twin's applied "
      "state, .kubetwin/state.db, is another file)";
  int tables = 0;
  try {
    Statement s(raw, "SELECT count(*) FROM sqlite_master");
    if (s.step()) tables = s.small(0);
  } catch (const std::exception&) {
    input_error(path, "is not a SQLite database (or it is unreadable)", kNotOurs);
  }
  if (tables == 0) {
    if (mode == Mode::kReadOnly) input_error(path, "is empty: it holds no runs", kRunHint);
    bool created = false;
    try {
      Transaction tx(raw);
      // Another kubetwin (a parallel test, a second shell) may have made the schema since the
      // count: count again under the write lock, and make it only if it is still missing.
      int now = 0;
      {
        Statement again(raw, "SELECT count(*) FROM sqlite_master");
        if (again.step()) now = again.small(0);
      }
      if (now == 0) {
        exec(raw, kSchema);
        exec(raw, kSchemaV2);
        exec(raw, kSchemaV3);
        Statement s(raw, "INSERT INTO kubetwin_schema (name, version) VALUES (?, ?)");
        s.run(kSchemaName, kResultsSchemaVersion);
        created = true;
      }
      tx.commit();
    } catch (const std::exception& e) {
      input_error(path, std::string("cannot create the schema: ") + e.what(),
                  "pass --db FILE in a writable directory, or --no-db");
    }
    if (created) return db;
  }
  int version = 0;
  try {
    Statement s(raw, "SELECT version FROM kubetwin_schema WHERE name = ?");
    s.bind(1, kSchemaName);
    if (s.step()) version = s.small(0);
  } catch (const std::exception&) {
  }
  if (version == 0)
    input_error(path, "is a SQLite database, but not a kubetwin results database", kNotOurs);
  if ((version == 1 || version == 2) && !sqlite3_db_readonly(raw, "main")) {
    // Migrated in place: version 2 adds tables, version 3 a column. A file this process may not
    // write is read as it is (has_table() and has_column() guard the readers).
    const int from = version;
    try {
      Transaction tx(raw);
      if (from == 1) exec(raw, kSchemaV2);
      exec(raw, kSchemaV3);
      Statement s(raw, "UPDATE kubetwin_schema SET version = ? WHERE name = ?");
      s.run(kResultsSchemaVersion, kSchemaName);
      tx.commit();
      version = kResultsSchemaVersion;
    } catch (const std::exception&) {
      if (mode == Mode::kCreate)
        input_error(
            path,
            fmt::format("has results schema version {} and cannot be upgraded to version {}", from,
                        kResultsSchemaVersion),
            "check that the file is writable, or start a new file with --db FILE");
    }
  }
  if (version != kResultsSchemaVersion &&
      !((version == 1 || version == 2) && mode == Mode::kReadOnly))
    input_error(path,
                fmt::format("has results schema version {}; this kubetwin reads version {}",
                            version, kResultsSchemaVersion),
                "use the kubetwin that wrote it, or start a new file with --db FILE");
  return db;
}

// ---- Writing -----------------------------------------------------------------------------

int64_t ResultsDb::write_run(const scenario::PreparedScenario& prepared,
                             const scenario::ScenarioResult& r, const RunContext& context) {
  const scenario::ScenarioSpec& spec = prepared.spec;
  const std::string digest = model_digest(spec);
  const Topology topo = run_topology(prepared, r);
  const std::vector<topology::Finding> findings = run_findings(prepared);
  auto done = [&](const char* table) {
    if (after_table_for_tests) after_table_for_tests(table);
  };
  Transaction tx(db_);
  int checks_passed = 0;
  for (const auto& c : r.checks) checks_passed += c.passed ? 1 : 0;
  double simulated = 0;
  for (const auto& run : r.runs) simulated += run.simulated_seconds;
  Insert(db_, "runs",
         {"scenario_name",
          "scenario_description",
          "scenario_path",
          "model_path",
          "model_digest",
          "environments",
          "seed",
          "replications",
          "duration_s",
          "warmup_s",
          "rate_scale",
          "offered_rate_per_s",
          "verdict",
          "passed",
          "incomplete",
          "completed_s",
          "checks",
          "checks_passed",
          "simulated_seconds",
          "events",
          "fingerprint",
          "knee_found",
          "knee_at_s",
          "knee_offered_rate_per_s",
          "knee_baseline_ms",
          "knee_mean_ms",
          "knee_error_rate",
          "knee_reason",
          "kubetwin_version",
          "command_line"})
      .row(r.name, r.description, r.path, spec.model_path, digest, join(r.environments, ","),
           r.seed, r.replications, r.duration_s, r.warmup_s, r.rate_scale, r.offered_rate_per_s,
           verdict_of(r), r.passed, r.incomplete, r.completed_s,
           static_cast<int64_t>(r.checks.size()), checks_passed, simulated, r.events,
           hex64(r.fingerprint), r.knee.found, r.knee.at_s, r.knee.offered_rate_per_s,
           r.knee.baseline_ms, r.knee.mean_ms, r.knee.error_rate, r.knee.reason,
           std::string(KUBETWIN_VERSION), context.command_line);
  const int64_t id = sqlite3_last_insert_rowid(db_);
  done("runs");

  {
    Insert ins(db_, "parameters", {"run_id", "position", "name", "value"});
    int i = 0;
    for (const auto& [name, value] : parameters_of(spec, r)) ins.row(id, i++, name, value);
    done("parameters");
  }
  {
    Insert ins(db_, "overrides", {"run_id", "position", "knob", "value"});
    int i = 0;
    for (const auto& [knob, value] : spec.overrides) ins.row(id, i++, knob, node_text(value));
    done("overrides");
  }
  {
    Insert ins(db_, "checks",
               {"run_id", "position", "check", "passed", "measured", "file", "line", "column"});
    int i = 0;
    for (const auto& c : r.checks) {
      if (c.where.path)
        ins.row(id, i++, c.check, c.passed, c.measured, c.where.file(), c.where.line,
                c.where.column);
      else
        ins.row(id, i++, c.check, c.passed, c.measured, Null{}, c.where.line, c.where.column);
    }
    done("checks");
  }
  {
    Insert ins(db_, "routes",
               {"run_id",
                "route",
                "entry",
                "request",
                "sent",
                "completed",
                "throughput_per_s",
                "error_rate",
                "errors",
                "mean_in_flight",
                "latency_count",
                "mean_ms",
                "min_ms",
                "p50_ms",
                "p95_ms",
                "p99_ms",
                "p999_ms",
                "max_ms",
                "throughput_per_s_ci95_mean",
                "throughput_per_s_ci95_half_width",
                "p99_ms_ci95_mean",
                "p99_ms_ci95_half_width"});
    Insert statuses(db_, "route_statuses", {"run_id", "route", "status", "count"});
    Insert reasons(db_, "route_error_reasons", {"run_id", "route", "reason", "count"});
    for (size_t k = 0; k < r.routes.size(); ++k) {
      const runtime::RouteFigures& f = r.routes[k].merged;
      uint64_t errors = 0;
      for (const auto& [status, count] : f.status_counts)
        if (status < 200 || status >= 400) errors += count;
      const bool any = f.latency.count() > 0;
      ins.row(id, static_cast<int64_t>(k), f.entry, f.request, f.sent, f.completed,
              f.throughput_per_s, f.error_rate, errors, f.mean_in_flight, f.latency.count(),
              any ? f.latency.mean() / 1e6 : kNaN,
              any ? static_cast<double>(f.latency.min()) / 1e6 : kNaN,
              percentile_ms_or_nan(f.latency, 0.5), percentile_ms_or_nan(f.latency, 0.95),
              percentile_ms_or_nan(f.latency, 0.99), percentile_ms_or_nan(f.latency, 0.999),
              any ? static_cast<double>(f.latency.max()) / 1e6 : kNaN,
              r.routes[k].throughput_per_s.mean, r.routes[k].throughput_per_s.half_width,
              r.routes[k].p99_ms.mean, r.routes[k].p99_ms.half_width);
      for (const auto& [status, count] : f.status_counts)
        statuses.row(id, static_cast<int64_t>(k), status, count);
      for (const auto& [reason, count] : f.error_reasons)
        reasons.row(id, static_cast<int64_t>(k), reason, count);
    }
    done("routes");
  }
  {
    Insert reps(db_, "replications",
                {"run_id", "replication", "seed", "simulated_seconds", "measured_seconds", "events",
                 "fingerprint", "incomplete"});
    Insert routes(db_, "replication_routes",
                  {"run_id", "replication", "route", "entry", "request", "sent", "completed",
                   "throughput_per_s", "error_rate", "mean_in_flight", "p99_ms", "latency_count",
                   "latency_sum_ns", "latency_min_ns", "latency_max_ns"});
    Insert statuses(db_, "replication_route_statuses",
                    {"run_id", "replication", "route", "status", "count"});
    Insert bins(db_, "latency_bins",
                {"run_id", "replication", "route", "bucket", "low_ms", "high_ms", "count"});
    Insert windows(
        db_, "route_windows",
        {"run_id", "replication", "route", "start_s", "answered", "errors", "mean_ms", "max_ms"});
    Insert events(
        db_, "kube_events",
        {"run_id", "replication", "position", "at_s", "object", "type", "reason", "message"});
    Insert series(db_, "series",
                  {"run_id", "replication", "series", "metric", "subject", "label", "unit"});
    Insert points(db_, "series_points", {"run_id", "replication", "series", "t_s", "value"});
    for (size_t i = 0; i < r.runs.size(); ++i) {
      const runtime::RunFigures& run = r.runs[i];
      const auto rep = static_cast<int64_t>(i);
      reps.row(id, rep, run.seed, run.simulated_seconds, run.measured_seconds, run.events,
               hex64(run.fingerprint), run.incomplete);
      for (size_t k = 0; k < run.routes.size(); ++k) {
        const runtime::RouteFigures& f = run.routes[k];
        const auto route = static_cast<int64_t>(k);
        routes.row(id, rep, route, f.entry, f.request, f.sent, f.completed, f.throughput_per_s,
                   f.error_rate, f.mean_in_flight, percentile_ms_or_nan(f.latency, 0.99),
                   f.latency.count(), long_double_text(f.latency.sum()), f.latency.min(),
                   f.latency.max());
        for (const auto& [status, count] : f.status_counts)
          statuses.row(id, rep, route, status, count);
        const auto& counts = f.latency.bucket_counts();
        for (size_t b = 0; b < counts.size(); ++b) {
          if (counts[b] == 0) continue;
          bins.row(id, rep, route, static_cast<int64_t>(b),
                   static_cast<double>(sim::LatencyHistogram::bucket_low(b)) / 1e6,
                   static_cast<double>(sim::LatencyHistogram::bucket_high(b)) / 1e6, counts[b]);
        }
        for (const runtime::RouteWindow& w : f.windows)
          windows.row(id, rep, route, w.start_s, w.answered, w.errors, w.mean_ms, w.max_ms);
      }
      // The Kubernetes events the report shows (replication 0's), every replication's kept.
      for (size_t e = 0; e < run.kube_events.size(); ++e) {
        const runtime::KubeEvent& ev = run.kube_events[e];
        events.row(id, rep, static_cast<int64_t>(e), ev.at_s, ev.object, ev.type, ev.reason,
                   ev.message);
      }
      std::vector<runtime::Series> all = run.series;
      if (i == 0 && !run.series_times_s.empty() && !spec.loads.empty())
        all.push_back(runtime::Series{"offered_rate", "all loads", "", "req/s",
                                      offered_rates(spec, r.rate_scale, run.series_times_s)});
      for (size_t s = 0; s < all.size(); ++s) {
        const runtime::Series& se = all[s];
        series.row(id, rep, static_cast<int64_t>(s), se.metric, se.subject, se.label, se.unit);
        for (size_t t = 0; t < se.values.size() && t < run.series_times_s.size(); ++t)
          points.row(id, rep, static_cast<int64_t>(s), run.series_times_s[t], se.values[t]);
      }
    }
    done("replications");
  }
  {
    Insert ins(db_, "workloads",
               {"run_id",
                "position",
                "namespace_name",
                "name",
                "kind",
                "pods",
                "cpu_limit_milli",
                "cpu_cores_mean",
                "cpu_utilisation_of_limit",
                "throttled_period_fraction",
                "worker_utilisation",
                "queue_mean",
                "queue_max",
                "requests",
                "rejected",
                "memory_limit_bytes",
                "memory_peak_bytes",
                "oom_kills",
                "first_oom_kill_s",
                "ready_fraction",
                "ready_min",
                "restarts",
                "hpa",
                "replicas_start",
                "replicas_min",
                "replicas_max",
                "replicas_mean",
                "scale_ups",
                "scale_downs",
                "first_scale_up_s",
                "unschedulable"});
    int i = 0;
    for (const auto& w : r.merged.workloads)
      ins.row(id, i++, w.namespace_name, w.name, w.kind, w.pods, w.cpu_limit_milli,
              w.cpu_cores_mean, w.cpu_utilisation_of_limit, w.throttled_period_fraction,
              w.worker_utilisation, w.queue_mean, w.queue_max, w.requests, w.rejected,
              w.memory_limit_bytes, w.memory_peak_bytes, w.oom_kills, w.first_oom_kill_s,
              w.ready_fraction, w.ready_min, w.restarts, w.hpa, w.replicas_start, w.replicas_min,
              w.replicas_max, w.replicas_mean, w.scale_ups, w.scale_downs, w.first_scale_up_s,
              w.unschedulable);
    done("workloads");
  }
  {
    Insert ins(db_, "postgres",
               {"run_id", "position", "namespace_name", "name", "max_connections",
                "connections_mean", "connections_max", "connection_refusals", "startup_refusals",
                "pool_connections_wanted", "queries", "failed_writes", "committed_writes",
                "commits_total", "commits_lost", "cpu_utilisation_of_limit"});
    int i = 0;
    for (const auto& p : r.merged.postgres)
      ins.row(id, i++, p.namespace_name, p.name, p.max_connections, p.connections_mean,
              p.connections_max, p.connection_refusals, p.startup_refusals,
              p.pool_connections_wanted, p.queries, p.failed_writes, p.committed_writes,
              p.commits_total, p.commits_lost, p.cpu_utilisation_of_limit);
    done("postgres");
  }
  {
    Insert topics(db_, "kafka_topics",
                  {"run_id", "position", "namespace_name", "topic", "partitions",
                   "replication_factor", "produced", "failed", "produced_per_s"});
    int i = 0;
    for (const auto& t : r.merged.kafka_topics)
      topics.row(id, i++, t.namespace_name, t.topic, t.partitions, t.replication_factor, t.produced,
                 t.failed, t.produced_per_s);
    Insert groups(db_, "kafka_groups",
                  {"run_id", "position", "namespace_name", "group", "topic", "partitions",
                   "consumers", "lag_end", "lag_max", "consumed_per_s", "consumer_utilisation"});
    i = 0;
    for (const auto& g : r.merged.kafka_groups)
      groups.row(id, i++, g.namespace_name, g.group, g.topic, g.partitions, g.consumers, g.lag_end,
                 g.lag_max, g.consumed_per_s, g.consumer_utilisation);
    Insert lost(db_, "kafka_lost_writes",
                {"run_id", "position", "namespace_name", "cluster", "topic", "acknowledged",
                 "acknowledged_and_read", "lost", "beyond_read_horizon"});
    i = 0;
    for (const auto& l : r.merged.kafka_lost_writes)
      lost.row(id, i++, l.namespace_name, l.cluster, l.topic, l.acknowledged,
               l.acknowledged_and_read, l.lost, l.beyond_read_horizon);
    done("kafka");
  }
  {
    Insert ins(db_, "volumes",
               {"run_id", "position", "namespace_name", "claim", "pod", "capacity_bytes",
                "used_bytes", "growth_bytes_per_s", "seconds_until_full"});
    int i = 0;
    for (const auto& v : r.merged.volumes)
      ins.row(id, i++, v.namespace_name, v.claim, v.pod, v.capacity_bytes, v.used_bytes,
              v.growth_bytes_per_s, v.seconds_until_full < 0 ? kNaN : v.seconds_until_full);
    done("volumes");
  }
  {
    Insert faults(db_, "faults",
                  {"run_id", "position", "name", "action", "at_s", "lifted_s", "detect_s",
                   "recover_s", "outage_s"});
    Insert targets(db_, "fault_targets", {"run_id", "fault", "position", "target"});
    for (size_t i = 0; i < r.faults.size(); ++i) {
      const scenario::FaultImpact& f = r.faults[i];
      faults.row(id, static_cast<int64_t>(i), f.fault.name, f.fault.action, f.fault.at_s,
                 f.fault.lifted_s, f.detect_s, f.recover_s, f.outage_s);
      for (size_t t = 0; t < f.fault.targets.size(); ++t)
        targets.row(id, static_cast<int64_t>(i), static_cast<int64_t>(t), f.fault.targets[t]);
    }
    Insert flows(db_, "cross_environment_flows",
                 {"run_id", "position", "from_pod", "from_environment", "to_pod", "to_environment",
                  "kind", "blocked", "count", "first_s"});
    int i = 0;
    for (const auto& f : r.cross_environment_flows)
      flows.row(id, i++, f.from_pod, f.from_environment, f.to_pod, f.to_environment, f.kind,
                f.blocked, f.count, f.first_s);
    Insert notes(db_, "notes", {"run_id", "position", "note"});
    i = 0;
    for (const std::string& n : r.notes) notes.row(id, i++, n);
    done("faults");
  }
  {
    Insert nodes(db_, "topology_nodes",
                 {"run_id", "node", "kind", "role", "namespace_name", "name", "environment"});
    for (const TopologyNode& n : topo.nodes)
      nodes.row(id, n.id, n.kind, n.role, n.namespace_name, n.name, n.environment);
    Insert edges(db_, "topology_edges",
                 {"run_id", "position", "from_node", "to_node", "kind", "label",
                  "crosses_environment", "calls"});
    int i = 0;
    for (const TopologyEdge& e : topo.edges)
      edges.row(id, i++, e.from, e.to, e.kind, e.label, e.crosses_environment, e.calls);
    done("topology");
  }
  {
    Insert rows(db_, "audit_findings",
                {"run_id", "position", "id", "rule", "severity", "kind", "namespace_name", "name",
                 "environment", "file", "line", "column", "message", "hint"});
    int i = 0;
    for (const topology::Finding& f : findings) {
      rows.row(id, i++, f.id, f.rule, severity_text(f.severity), f.subject.kind,
               f.subject.namespace_name, f.subject.name, f.environment,
               f.where.path ? f.where.file() : std::string(), f.where.line, f.where.column,
               f.message, f.hint);
    }
    done("audit_findings");
  }
  if (context.traces) write_request_traces(db_, id, *context.traces);  // results_traces.cpp
  Insert(db_, "run_clock", {"run_id", "started_at", "wall_seconds"})
      .row(id, context.started_at, r.wall_seconds);
  done("run_clock");
  tx.commit();
  return id;
}

// ---- Reading -----------------------------------------------------------------------------

namespace {
constexpr const char* kListingSql =
    "SELECT r.id, c.started_at, c.wall_seconds, r.scenario_name, r.scenario_path, r.seed, "
    "r.replications, r.verdict, r.checks, r.checks_passed, r.duration_s FROM runs r "
    "JOIN run_clock c ON c.run_id = r.id";

RunListing listing_of(const Statement& s) {
  RunListing l;
  l.id = s.integer(0);
  l.started_at = s.text(1);
  l.wall_seconds = s.real(2);
  l.scenario_name = s.text(3);
  l.scenario_path = s.text(4);
  l.seed = s.uinteger(5);
  l.replications = s.small(6);
  l.verdict = s.text(7);
  l.checks = s.small(8);
  l.checks_passed = s.small(9);
  l.duration_s = s.real(10);
  return l;
}
}  // namespace

std::vector<RunListing> ResultsDb::list_runs() const {
  std::vector<RunListing> out;
  Statement s(db_, std::string(kListingSql) + " ORDER BY r.id");
  while (s.step()) out.push_back(listing_of(s));
  return out;
}

std::optional<int64_t> ResultsDb::latest_run() const {
  Statement s(db_, "SELECT max(run_id) FROM run_clock");
  if (s.step() && !s.is_null(0)) return s.integer(0);
  return std::nullopt;
}

StoredRun ResultsDb::load_run(int64_t id) const {
  StoredRun out;
  scenario::ScenarioResult& r = out.result;
  {
    Statement s(db_, std::string(kListingSql) + " WHERE r.id = ?");
    s.bind(1, id);
    if (!s.step())
      input_error(path_, fmt::format("has no run {}", id),
                  "`kubetwin runs " + path_.string() + "` lists the runs it holds");
    out.listing = listing_of(s);
  }
  {
    Statement s(db_,
                "SELECT scenario_name, scenario_description, scenario_path, model_path, "
                "model_digest, environments, seed, replications, duration_s, warmup_s, "
                "rate_scale, offered_rate_per_s, passed, incomplete, completed_s, events, "
                "fingerprint, knee_found, knee_at_s, knee_offered_rate_per_s, knee_baseline_ms, "
                "knee_mean_ms, knee_error_rate, knee_reason, kubetwin_version, command_line "
                "FROM runs WHERE id = ?");
    s.bind(1, id);
    s.step();
    r.name = s.text(0);
    r.description = s.text(1);
    r.path = s.text(2);
    out.model_path = s.text(3);
    out.model_digest = s.text(4);
    r.environments = split(s.text(5), ',');
    r.seed = s.uinteger(6);
    r.replications = s.small(7);
    r.duration_s = s.real(8);
    r.warmup_s = s.real(9);
    r.rate_scale = s.real(10);
    r.offered_rate_per_s = s.real(11);
    r.passed = s.integer(12) != 0;
    r.incomplete = s.integer(13) != 0;
    r.completed_s = s.real(14);
    r.events = s.uinteger(15);
    r.fingerprint = parse_hex64(s.text(16));
    r.knee.found = s.integer(17) != 0;
    r.knee.at_s = s.real(18);
    r.knee.offered_rate_per_s = s.real(19);
    r.knee.baseline_ms = s.real(20);
    r.knee.mean_ms = s.real(21);
    r.knee.error_rate = s.real(22);
    r.knee.reason = s.text(23);
    out.kubetwin_version = s.text(24);
    out.command_line = s.text(25);
    r.wall_seconds = out.listing.wall_seconds;
  }
  auto rows = [&](const std::string& sql, auto&& each) {
    Statement s(db_, sql);
    s.bind(1, id);
    while (s.step()) each(s);
  };
  rows("SELECT name, value FROM parameters WHERE run_id = ? ORDER BY position",
       [&](const Statement& s) { out.parameters.emplace_back(s.text(0), s.text(1)); });
  rows("SELECT knob, value FROM overrides WHERE run_id = ? ORDER BY position",
       [&](const Statement& s) { out.overrides.emplace_back(s.text(0), s.text(1)); });
  rows(
      "SELECT \"check\", passed, measured, file, line, \"column\" FROM checks WHERE run_id = ? "
      "ORDER BY position",
      [&](const Statement& s) {
        scenario::CheckVerdict v;
        v.check = s.text(0);
        v.passed = s.integer(1) != 0;
        v.measured = s.text(2);
        if (!s.is_null(3)) v.where.path = std::make_shared<const std::string>(s.text(3));
        v.where.line = s.small(4);
        v.where.column = s.small(5);
        r.checks.push_back(std::move(v));
      });

  // Replications, their routes and histograms; the merged routes are merged from them as the
  // runner merges (same order, so the same long double sums).
  struct LatencyState {
    long double sum = 0;
    int64_t min = 0;
    int64_t max = 0;
  };
  std::map<std::pair<int64_t, int64_t>, LatencyState> latency_state;  // (replication, route)
  rows(
      "SELECT seed, simulated_seconds, measured_seconds, events, fingerprint, incomplete FROM "
      "replications WHERE run_id = ? ORDER BY replication",
      [&](const Statement& s) {
        runtime::RunFigures f;
        f.seed = s.uinteger(0);
        f.simulated_seconds = s.real(1);
        f.measured_seconds = s.real(2);
        f.events = s.uinteger(3);
        f.fingerprint = parse_hex64(s.text(4));
        f.incomplete = s.integer(5) != 0;
        r.runs.push_back(std::move(f));
      });
  rows(
      "SELECT replication, route, entry, request, sent, completed, throughput_per_s, "
      "error_rate, mean_in_flight, latency_count, latency_sum_ns, latency_min_ns, "
      "latency_max_ns FROM replication_routes WHERE run_id = ? ORDER BY replication, route",
      [&](const Statement& s) {
        runtime::RunFigures& f = r.runs.at(static_cast<size_t>(s.integer(0)));
        runtime::RouteFigures rf;
        rf.entry = s.text(2);
        rf.request = s.text(3);
        rf.sent = s.uinteger(4);
        rf.completed = s.uinteger(5);
        rf.throughput_per_s = s.real(6);
        rf.error_rate = s.real(7);
        rf.mean_in_flight = s.real(8);
        // Bins are read next; the histogram is restored with them.
        latency_state[{s.integer(0), s.integer(1)}] = {std::strtold(s.text(10).c_str(), nullptr),
                                                       s.integer(11), s.integer(12)};
        f.routes.push_back(std::move(rf));
      });
  {
    std::map<std::pair<int64_t, int64_t>, std::vector<uint64_t>> counts;
    rows(
        "SELECT replication, route, bucket, count FROM latency_bins WHERE run_id = ? ORDER BY "
        "replication, route, bucket",
        [&](const Statement& s) {
          auto& c = counts[{s.integer(0), s.integer(1)}];
          const auto b = static_cast<size_t>(s.integer(2));
          if (c.size() <= b) c.resize(b + 1, 0);
          c[b] = s.uinteger(3);
        });
    for (size_t i = 0; i < r.runs.size(); ++i)
      for (size_t k = 0; k < r.runs[i].routes.size(); ++k) {
        const std::pair<int64_t, int64_t> key{static_cast<int64_t>(i), static_cast<int64_t>(k)};
        auto it = counts.find(key);
        const LatencyState& st = latency_state[key];
        r.runs[i].routes[k].latency = sim::LatencyHistogram::restore(
            it == counts.end() ? std::vector<uint64_t>{} : std::move(it->second), st.sum, st.min,
            st.max);
      }
  }
  rows(
      "SELECT replication, route, status, count FROM replication_route_statuses WHERE run_id = "
      "? ORDER BY replication, route, status",
      [&](const Statement& s) {
        r.runs.at(static_cast<size_t>(s.integer(0)))
            .routes.at(static_cast<size_t>(s.integer(1)))
            .status_counts[s.small(2)] = s.uinteger(3);
      });
  rows(
      "SELECT replication, route, start_s, answered, errors, mean_ms, max_ms FROM route_windows "
      "WHERE run_id = ? ORDER BY replication, route, start_s",
      [&](const Statement& s) {
        r.runs.at(static_cast<size_t>(s.integer(0)))
            .routes.at(static_cast<size_t>(s.integer(1)))
            .windows.push_back(runtime::RouteWindow{s.real(2), s.uinteger(3), s.uinteger(4),
                                                    s.real(5), s.real(6)});
      });
  rows(
      "SELECT replication, at_s, object, type, reason, message FROM kube_events WHERE run_id = ? "
      "ORDER BY replication, position",
      [&](const Statement& s) {
        r.runs.at(static_cast<size_t>(s.integer(0)))
            .kube_events.push_back(
                runtime::KubeEvent{s.real(1), s.text(2), s.text(3), s.text(4), s.text(5)});
      });
  {
    std::map<std::pair<int64_t, int64_t>, size_t> where;  // (replication, series) -> index
    rows(
        "SELECT replication, series, metric, subject, label, unit FROM series WHERE run_id = ? "
        "ORDER BY replication, series",
        [&](const Statement& s) {
          auto& run = r.runs.at(static_cast<size_t>(s.integer(0)));
          where[{s.integer(0), s.integer(1)}] = run.series.size();
          run.series.push_back(runtime::Series{s.text(2), s.text(3), s.text(4), s.text(5), {}});
        });
    rows(
        "SELECT replication, series, t_s, value FROM series_points WHERE run_id = ? ORDER BY "
        "replication, series, t_s",
        [&](const Statement& s) {
          auto& run = r.runs.at(static_cast<size_t>(s.integer(0)));
          // Every series of a replication has a value per sample: the first one's times are all.
          if (s.integer(1) == 0) run.series_times_s.push_back(s.real(2));
          run.series.at(where.at({s.integer(0), s.integer(1)})).values.push_back(s.real(3));
        });
    for (auto& run : r.runs) {
      for (auto it = run.series.begin(); it != run.series.end(); ++it) {
        if (it->metric != "offered_rate") continue;
        out.offered_rate_per_s = it->values;
        run.series.erase(it);
        break;
      }
    }
  }

  // The merged figures, as merge_figures made them: routes from the replications; the rest
  // as written.
  r.merged = scenario::merge_figures(r.runs);
  r.merged.workloads.clear();
  r.merged.postgres.clear();
  r.merged.kafka_topics.clear();
  r.merged.kafka_groups.clear();
  r.merged.kafka_lost_writes.clear();
  r.merged.volumes.clear();
  rows(
      "SELECT route, entry, request, sent, completed, throughput_per_s, error_rate, "
      "mean_in_flight, throughput_per_s_ci95_mean, throughput_per_s_ci95_half_width, "
      "p99_ms_ci95_mean, p99_ms_ci95_half_width FROM routes WHERE run_id = ? ORDER BY route",
      [&](const Statement& s) {
        const auto k = static_cast<size_t>(s.integer(0));
        scenario::RouteSummary sum;
        if (k < r.merged.routes.size()) sum.merged = r.merged.routes[k];
        runtime::RouteFigures& f = sum.merged;
        f.entry = s.text(1);
        f.request = s.text(2);
        f.sent = s.uinteger(3);
        f.completed = s.uinteger(4);
        f.throughput_per_s = s.real(5);
        f.error_rate = s.real(6);
        f.mean_in_flight = s.real(7);
        f.status_counts.clear();
        f.error_reasons.clear();
        sum.throughput_per_s = {s.real(8), s.real(9)};
        sum.p99_ms = {s.real(10), s.real(11)};
        r.routes.push_back(std::move(sum));
      });
  rows("SELECT route, status, count FROM route_statuses WHERE run_id = ? ORDER BY route, status",
       [&](const Statement& s) {
         r.routes.at(static_cast<size_t>(s.integer(0))).merged.status_counts[s.small(1)] =
             s.uinteger(2);
       });
  rows(
      "SELECT route, reason, count FROM route_error_reasons WHERE run_id = ? ORDER BY route, "
      "reason",
      [&](const Statement& s) {
        r.routes.at(static_cast<size_t>(s.integer(0))).merged.error_reasons[s.text(1)] =
            s.uinteger(2);
      });
  rows(
      "SELECT namespace_name, name, kind, pods, cpu_limit_milli, cpu_cores_mean, "
      "cpu_utilisation_of_limit, throttled_period_fraction, worker_utilisation, queue_mean, "
      "queue_max, requests, rejected, memory_limit_bytes, memory_peak_bytes, oom_kills, "
      "first_oom_kill_s, ready_fraction, ready_min, restarts, hpa, replicas_start, "
      "replicas_min, replicas_max, replicas_mean, scale_ups, scale_downs, first_scale_up_s, "
      "unschedulable FROM workloads WHERE run_id = ? ORDER BY position",
      [&](const Statement& s) {
        runtime::WorkloadFigures w;
        w.namespace_name = s.text(0);
        w.name = s.text(1);
        w.kind = s.text(2);
        w.pods = s.small(3);
        w.cpu_limit_milli = s.integer(4);
        w.cpu_cores_mean = s.real(5);
        w.cpu_utilisation_of_limit = s.real(6);
        w.throttled_period_fraction = s.real(7);
        w.worker_utilisation = s.real(8);
        w.queue_mean = s.real(9);
        w.queue_max = s.real(10);
        w.requests = s.uinteger(11);
        w.rejected = s.uinteger(12);
        w.memory_limit_bytes = s.integer(13);
        w.memory_peak_bytes = s.integer(14);
        w.oom_kills = s.uinteger(15);
        w.first_oom_kill_s = s.real(16);
        w.ready_fraction = s.real(17);
        w.ready_min = s.small(18);
        w.restarts = s.uinteger(19);
        w.hpa = s.text(20);
        w.replicas_start = s.small(21);
        w.replicas_min = s.small(22);
        w.replicas_max = s.small(23);
        w.replicas_mean = s.real(24);
        w.scale_ups = s.uinteger(25);
        w.scale_downs = s.uinteger(26);
        w.first_scale_up_s = s.real(27);
        w.unschedulable = s.uinteger(28);
        r.merged.workloads.push_back(std::move(w));
      });
  rows(
      "SELECT namespace_name, name, max_connections, connections_mean, connections_max, "
      "connection_refusals, startup_refusals, pool_connections_wanted, queries, failed_writes, "
      "committed_writes, commits_total, commits_lost, cpu_utilisation_of_limit FROM postgres "
      "WHERE run_id = ? ORDER BY position",
      [&](const Statement& s) {
        runtime::PostgresFigures p;
        p.namespace_name = s.text(0);
        p.name = s.text(1);
        p.max_connections = s.small(2);
        p.connections_mean = s.real(3);
        p.connections_max = s.real(4);
        p.connection_refusals = s.uinteger(5);
        p.startup_refusals = s.uinteger(6);
        p.pool_connections_wanted = s.small(7);
        p.queries = s.uinteger(8);
        p.failed_writes = s.uinteger(9);
        p.committed_writes = s.uinteger(10);
        p.commits_total = s.uinteger(11);
        p.commits_lost = s.uinteger(12);
        p.cpu_utilisation_of_limit = s.real(13);
        r.merged.postgres.push_back(std::move(p));
      });
  rows(
      "SELECT namespace_name, topic, partitions, replication_factor, produced, failed, "
      "produced_per_s FROM kafka_topics WHERE run_id = ? ORDER BY position",
      [&](const Statement& s) {
        r.merged.kafka_topics.push_back(runtime::KafkaTopicFigures{
            s.text(0), s.text(1), s.small(2), s.small(3), s.uinteger(4), s.uinteger(5), s.real(6)});
      });
  rows(
      "SELECT namespace_name, \"group\", topic, partitions, consumers, lag_end, lag_max, "
      "consumed_per_s, consumer_utilisation FROM kafka_groups WHERE run_id = ? ORDER BY "
      "position",
      [&](const Statement& s) {
        r.merged.kafka_groups.push_back(
            runtime::KafkaGroupFigures{s.text(0), s.text(1), s.text(2), s.small(3), s.small(4),
                                       s.integer(5), s.integer(6), s.real(7), s.real(8)});
      });
  rows(
      "SELECT namespace_name, cluster, topic, acknowledged, acknowledged_and_read, lost, "
      "beyond_read_horizon FROM kafka_lost_writes WHERE run_id = ? ORDER BY position",
      [&](const Statement& s) {
        r.merged.kafka_lost_writes.push_back(
            runtime::LostWriteFigures{s.text(0), s.text(1), s.text(2), s.uinteger(3), s.uinteger(4),
                                      s.uinteger(5), s.uinteger(6)});
      });
  rows(
      "SELECT namespace_name, claim, pod, capacity_bytes, used_bytes, growth_bytes_per_s, "
      "seconds_until_full FROM volumes WHERE run_id = ? ORDER BY position",
      [&](const Statement& s) {
        r.merged.volumes.push_back(runtime::VolumeFigures{s.text(0), s.text(1), s.text(2),
                                                          s.integer(3), s.integer(4), s.real(5),
                                                          s.is_null(6) ? -1 : s.real(6)});
      });
  rows(
      "SELECT name, action, at_s, lifted_s, detect_s, recover_s, outage_s FROM faults WHERE "
      "run_id = ? ORDER BY position",
      [&](const Statement& s) {
        scenario::FaultImpact f;
        f.fault.name = s.text(0);
        f.fault.action = s.text(1);
        f.fault.at_s = s.real(2);
        f.fault.lifted_s = s.real(3);
        f.detect_s = s.real(4);
        f.recover_s = s.real(5);
        f.outage_s = s.real(6);
        r.faults.push_back(std::move(f));
      });
  rows("SELECT fault, target FROM fault_targets WHERE run_id = ? ORDER BY fault, position",
       [&](const Statement& s) {
         r.faults.at(static_cast<size_t>(s.integer(0))).fault.targets.push_back(s.text(1));
       });
  rows(
      "SELECT from_pod, from_environment, to_pod, to_environment, kind, blocked, count, first_s "
      "FROM cross_environment_flows WHERE run_id = ? ORDER BY position",
      [&](const Statement& s) {
        r.cross_environment_flows.push_back(
            runtime::FlowFigures{s.text(0), s.text(1), s.text(2), s.text(3), s.text(4),
                                 s.integer(5) != 0, s.uinteger(6), s.real(7)});
      });
  rows("SELECT note FROM notes WHERE run_id = ? ORDER BY position",
       [&](const Statement& s) { r.notes.push_back(s.text(0)); });
  rows(
      "SELECT node, kind, role, namespace_name, name, environment FROM topology_nodes WHERE "
      "run_id = ? ORDER BY rowid",
      [&](const Statement& s) {
        out.topology.nodes.push_back(
            TopologyNode{s.text(0), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5)});
      });
  rows(
      "SELECT from_node, to_node, kind, label, crosses_environment, calls FROM topology_edges "
      "WHERE run_id = ? ORDER BY position",
      [&](const Statement& s) {
        out.topology.edges.push_back(TopologyEdge{s.text(0), s.text(1), s.text(2), s.text(3),
                                                  s.integer(4) != 0, s.uinteger(5)});
      });
  if (has_table("audit_findings"))
    rows(
        "SELECT id, rule, severity, kind, namespace_name, name, environment, file, line, "
        "\"column\", message, hint FROM audit_findings WHERE run_id = ? ORDER BY position",
        [&](const Statement& s) {
          topology::Finding f;
          f.id = s.text(0);
          f.rule = s.text(1);
          f.severity = severity_of(s.text(2));
          f.subject = topology::FindingSubject{s.text(3), s.text(4), s.text(5)};
          f.environment = s.text(6);
          if (!s.is_null(7) && !s.text(7).empty())
            f.where.path = std::make_shared<const std::string>(s.text(7));
          f.where.line = s.small(8);
          f.where.column = s.small(9);
          f.message = s.text(10);
          f.hint = s.text(11);
          out.findings.push_back(std::move(f));
        });
  return out;
}

bool ResultsDb::has_table(const char* name) const {
  Statement s(db_, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?");
  s.bind(1, std::string(name));
  return s.step() && s.integer(0) > 0;
}

bool ResultsDb::has_column(const char* table, const char* column) const {
  Statement s(db_, "SELECT count(*) FROM pragma_table_info(?) WHERE name = ?");
  s.bind(1, std::string(table));
  s.bind(2, std::string(column));
  return s.step() && s.integer(0) > 0;
}

// ---- Capacity searches -------------------------------------------------------------------

int64_t ResultsDb::write_capacity(const scenario::ScenarioSpec& spec,
                                  const scenario::CapacityResult& c, const RunContext& context,
                                  double wall_seconds) {
  const std::string digest = model_digest(spec);
  double base_rate = 0;
  for (const scenario::LoadSpec& l : spec.loads)
    if (!l.closed)
      base_rate += l.profile.expected_arrivals(0, spec.duration) / sim::to_seconds(spec.duration);
  Transaction tx(db_);
  const scenario::CapacitySlo& slo = c.slo;
  Insert(db_, "capacity_searches",
         {"scenario_name",
          "scenario_path",
          "model_path",
          "model_digest",
          "environments",
          "seed",
          "replications",
          "duration_s",
          "base_offered_rate_per_s",
          "slo",
          "slo_quantile",
          "slo_below_ms",
          "slo_error_rate_below",
          "slo_route",
          "found",
          "scale",
          "max_rate_per_s",
          "bottleneck_resource",
          "bottleneck_kind",
          "bottleneck_saturation",
          "bottleneck_evidence",
          "summary",
          "kubetwin_version",
          "command_line"})
      .row(spec.name, spec.path, spec.model_path, digest, join(spec.environments, ","), spec.seed,
           c.replications > 0 ? c.replications : spec.replications, sim::to_seconds(spec.duration),
           base_rate, slo.text, std::string(scenario::to_string(slo.quantile)),
           slo.below ? static_cast<double>(*slo.below) / 1e6 : kNaN,
           slo.error_rate_below ? *slo.error_rate_below : kNaN, slo.route, c.found, c.scale,
           c.max_rate_per_s, c.bottleneck.resource, c.bottleneck.kind, c.bottleneck.saturation,
           c.bottleneck.evidence, c.summary, std::string(KUBETWIN_VERSION), context.command_line);
  const int64_t id = sqlite3_last_insert_rowid(db_);
  Insert probes(db_, "capacity_probes",
                {"search_id", "position", "scale", "offered_rate_per_s", "passed", "measured",
                 "replications"});
  Insert routes(db_, "capacity_probe_routes",
                {"search_id", "probe", "route", "entry", "request", "quantile_ms", "p99_ms",
                 "error_rate", "throughput_per_s"});
  for (size_t i = 0; i < c.probes.size(); ++i) {
    const scenario::CapacityProbe& p = c.probes[i];
    probes.row(id, static_cast<int64_t>(i), p.scale, p.offered_rate_per_s, p.passed, p.measured,
               p.replications);
    for (size_t k = 0; k < p.routes.size(); ++k) {
      const scenario::CapacityProbeRoute& r = p.routes[k];
      routes.row(id, static_cast<int64_t>(i), static_cast<int64_t>(k), r.entry, r.request,
                 r.quantile_ms, r.p99_ms, r.error_rate, r.throughput_per_s);
    }
  }
  Insert(db_, "capacity_clock", {"search_id", "started_at", "wall_seconds"})
      .row(id, context.started_at, wall_seconds);
  tx.commit();
  return id;
}

std::vector<StoredCapacitySearch> ResultsDb::list_capacity_searches() const {
  std::vector<StoredCapacitySearch> out;
  if (!has_table("capacity_searches")) return out;
  std::vector<int64_t> ids;
  Statement s(db_, "SELECT search_id FROM capacity_clock ORDER BY search_id");
  while (s.step()) ids.push_back(s.integer(0));
  for (int64_t id : ids) out.push_back(load_capacity_search(id));
  return out;
}

std::optional<int64_t> ResultsDb::latest_capacity_search() const {
  if (!has_table("capacity_clock")) return std::nullopt;
  Statement s(db_, "SELECT max(search_id) FROM capacity_clock");
  if (s.step() && !s.is_null(0)) return s.integer(0);
  return std::nullopt;
}

StoredCapacitySearch ResultsDb::load_capacity_search(int64_t id) const {
  StoredCapacitySearch out;
  const std::string hint = "`kubetwin runs " + path_.string() + "` lists the searches it holds";
  if (!has_table("capacity_searches"))
    input_error(path_, fmt::format("has no capacity search {}", id), hint);
  Statement s(db_,
              "SELECT c.started_at, c.wall_seconds, s.scenario_name, s.scenario_path, "
              "s.model_path, s.model_digest, s.environments, s.seed, s.replications, "
              "s.duration_s, s.base_offered_rate_per_s, s.slo, s.slo_quantile, s.slo_below_ms, "
              "s.slo_error_rate_below, s.slo_route, s.found, s.scale, s.max_rate_per_s, "
              "s.bottleneck_resource, s.bottleneck_kind, s.bottleneck_saturation, "
              "s.bottleneck_evidence, s.summary, s.kubetwin_version, s.command_line "
              "FROM capacity_searches s JOIN capacity_clock c ON c.search_id = s.id "
              "WHERE s.id = ?");
  s.bind(1, id);
  if (!s.step()) input_error(path_, fmt::format("has no capacity search {}", id), hint);
  out.id = id;
  out.started_at = s.text(0);
  out.wall_seconds = s.real(1);
  out.scenario_name = s.text(2);
  out.scenario_path = s.text(3);
  out.model_path = s.text(4);
  out.model_digest = s.text(5);
  out.environments = s.text(6);
  out.seed = s.uinteger(7);
  out.replications = s.small(8);
  out.duration_s = s.real(9);
  out.base_offered_rate_per_s = s.real(10);
  scenario::CapacityResult& c = out.result;
  c.scenario = out.scenario_name;
  c.slo.text = s.text(11);
  for (scenario::Quantile q :
       {scenario::Quantile::kP50, scenario::Quantile::kP95, scenario::Quantile::kP99,
        scenario::Quantile::kP999, scenario::Quantile::kMax})
    if (s.text(12) == scenario::to_string(q)) c.slo.quantile = q;
  if (!s.is_null(13)) c.slo.below = static_cast<sim::Time>(std::llround(s.real(13) * 1e6));
  if (!s.is_null(14)) c.slo.error_rate_below = s.real(14);
  c.slo.route = s.text(15);
  c.found = s.integer(16) != 0;
  c.scale = s.real(17);
  c.max_rate_per_s = s.real(18);
  c.bottleneck = scenario::Bottleneck{s.text(19), s.text(20), s.real(21), s.text(22)};
  c.summary = s.text(23);
  out.kubetwin_version = s.text(24);
  out.command_line = s.text(25);
  {
    Statement p(db_, has_column("capacity_probes", "replications")
                         ? "SELECT scale, offered_rate_per_s, passed, measured, replications FROM "
                           "capacity_probes WHERE search_id = ? ORDER BY position"
                         : "SELECT scale, offered_rate_per_s, passed, measured, NULL FROM "
                           "capacity_probes WHERE search_id = ? ORDER BY position");
    p.bind(1, id);
    c.replications = out.replications;
    while (p.step())
      c.probes.push_back(scenario::CapacityProbe{
          p.real(0),
          p.real(1),
          p.integer(2) != 0,
          p.text(3),
          {},
          p.is_null(4) ? out.replications : static_cast<int>(p.integer(4))});
  }
  {
    Statement r(db_,
                "SELECT probe, entry, request, quantile_ms, p99_ms, error_rate, throughput_per_s "
                "FROM capacity_probe_routes WHERE search_id = ? ORDER BY probe, route");
    r.bind(1, id);
    while (r.step()) {
      const size_t probe = static_cast<size_t>(r.integer(0));
      if (probe >= c.probes.size()) continue;
      c.probes[probe].routes.push_back(scenario::CapacityProbeRoute{
          r.text(1), r.text(2), r.real(3), r.real(4), r.real(5), r.real(6)});
    }
  }
  return out;
}

}  // namespace kubetwin::report
