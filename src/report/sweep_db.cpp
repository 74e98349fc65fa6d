// SweepDb: the sweep tables of the results database, point statistics, and merging shards.
#include "kubetwin/report/sweep_db.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <system_error>

#include "kubetwin/k8s/diagnostic.hpp"
#include "kubetwin/report/results_db.hpp"
#include "kubetwin/scenario/capacity.hpp"
#include "kubetwin/sim/statistics.hpp"
#include "kubetwin/topology/sqlite.hpp"

namespace kubetwin::report {

namespace fs = std::filesystem;

namespace {

constexpr const char* kSweepSchema = R"sql(
CREATE TABLE IF NOT EXISTS sweeps (
  id INTEGER PRIMARY KEY, scenario_name TEXT NOT NULL, scenario_path TEXT NOT NULL,
  scenario_digest TEXT NOT NULL, model_digest TEXT NOT NULL, sweep_hash TEXT NOT NULL UNIQUE,
  variables TEXT NOT NULL, seed INTEGER NOT NULL, replications INTEGER NOT NULL,
  points INTEGER NOT NULL, runs INTEGER NOT NULL, duration_s REAL NOT NULL,
  warmup_s REAL NOT NULL, route TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sweep_variables (sweep_id INTEGER NOT NULL REFERENCES sweeps(id),
  position INTEGER NOT NULL, variable TEXT NOT NULL, value_count INTEGER NOT NULL,
  PRIMARY KEY (sweep_id, position)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sweep_values (sweep_id INTEGER NOT NULL REFERENCES sweeps(id),
  point INTEGER NOT NULL, variable TEXT NOT NULL, value NOT NULL,
  PRIMARY KEY (sweep_id, point, variable)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sweep_runs (sweep_id INTEGER NOT NULL REFERENCES sweeps(id),
  run INTEGER NOT NULL, point INTEGER NOT NULL, replication INTEGER NOT NULL,
  seed INTEGER NOT NULL, passed INTEGER NOT NULL, checks INTEGER NOT NULL,
  checks_passed INTEGER NOT NULL, offered_rate_per_s REAL NOT NULL, events INTEGER NOT NULL,
  fingerprint TEXT NOT NULL, knee_found INTEGER NOT NULL, knee_offered_rate_per_s REAL,
  bottleneck_resource TEXT, bottleneck_kind TEXT, bottleneck_saturation REAL,
  bottleneck_evidence TEXT,
  PRIMARY KEY (sweep_id, run)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sweep_run_routes (sweep_id INTEGER NOT NULL REFERENCES sweeps(id),
  run INTEGER NOT NULL, route INTEGER NOT NULL, entry TEXT NOT NULL, request TEXT NOT NULL,
  sent INTEGER NOT NULL, completed INTEGER NOT NULL, errors INTEGER NOT NULL,
  error_rate REAL NOT NULL, throughput_per_s REAL NOT NULL, mean_ms REAL, p50_ms REAL,
  p95_ms REAL, p99_ms REAL, p999_ms REAL, max_ms REAL,
  PRIMARY KEY (sweep_id, run, route)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sweep_run_checks (sweep_id INTEGER NOT NULL REFERENCES sweeps(id),
  run INTEGER NOT NULL, position INTEGER NOT NULL, "check" TEXT NOT NULL,
  passed INTEGER NOT NULL, measured TEXT NOT NULL,
  PRIMARY KEY (sweep_id, run, position)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sweep_point_figures (sweep_id INTEGER NOT NULL REFERENCES sweeps(id),
  point INTEGER NOT NULL, route TEXT NOT NULL, figure TEXT NOT NULL, n INTEGER NOT NULL,
  mean REAL, ci95_low REAL, ci95_high REAL, ci95_half_width REAL,
  PRIMARY KEY (sweep_id, point, route, figure)) WITHOUT ROWID;
)sql";

// Version 2 of the sweep tables (row `kubetwin-sweeps` of kubetwin_schema; version 1 had no row):
// each run's first bottleneck, and each point's.
constexpr const char* kSweepSchemaName = "kubetwin-sweeps";
constexpr int kSweepSchemaVersion = 2;
constexpr const char* kSweepSchemaV2 = R"sql(
CREATE TABLE IF NOT EXISTS sweep_point_bottlenecks (
  sweep_id INTEGER NOT NULL REFERENCES sweeps(id), point INTEGER NOT NULL,
  resource TEXT NOT NULL, kind TEXT NOT NULL, runs INTEGER NOT NULL, n INTEGER NOT NULL,
  saturation REAL NOT NULL, PRIMARY KEY (sweep_id, point)) WITHOUT ROWID;
)sql";
// What a version 1 file lacks besides that table: sweep_runs' bottleneck columns.
constexpr const char* kSweepUpgradeV1 = R"sql(
ALTER TABLE sweep_runs ADD COLUMN bottleneck_resource TEXT;
ALTER TABLE sweep_runs ADD COLUMN bottleneck_kind TEXT;
ALTER TABLE sweep_runs ADD COLUMN bottleneck_saturation REAL;
ALTER TABLE sweep_runs ADD COLUMN bottleneck_evidence TEXT;
)sql";

// The per-route figures a point summarises, columns of sweep_run_routes.
constexpr const char* kPointFigures[] = {"throughput_per_s", "error_rate", "mean_ms", "p50_ms",
                                         "p95_ms",           "p99_ms",     "max_ms"};

[[noreturn]] void refuse(const fs::path& path, const std::string& message,
                         const std::string& hint) {
  throw k8s::InputError(
      k8s::SourceLocation{std::make_shared<const std::string>(path.string()), 0, 0}, message, hint);
}

// A prepared statement with positional binds; NaN binds as NULL.
class Query {
 public:
  Query(sqlite3* db, const std::string& sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s_, nullptr) != SQLITE_OK)
      throw std::runtime_error(std::string("sqlite: ") + sqlite3_errmsg(db));
  }
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;
  ~Query() { sqlite3_finalize(s_); }

  template <typename... Args>
  Query& with(const Args&... args) {
    sqlite3_reset(s_);
    int i = 0;
    (put(++i, args), ...);
    return *this;
  }
  bool next() {
    const int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc != SQLITE_DONE) throw std::runtime_error(std::string("sqlite: ") + sqlite3_errmsg(db_));
    return false;
  }
  void exec_once() {
    next();
    sqlite3_reset(s_);
  }
  int64_t i64(int c) const { return sqlite3_column_int64(s_, c); }
  double num(int c) const {
    return sqlite3_column_type(s_, c) == SQLITE_NULL ? std::numeric_limits<double>::quiet_NaN()
                                                     : sqlite3_column_double(s_, c);
  }
  std::string str(int c) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, c));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(s_, c))) : std::string();
  }

 private:
  void put(int i, int64_t v) { sqlite3_bind_int64(s_, i, v); }
  void put(int i, int v) { sqlite3_bind_int64(s_, i, v); }
  void put(int i, uint64_t v) { sqlite3_bind_int64(s_, i, static_cast<int64_t>(v)); }
  void put(int i, bool v) { sqlite3_bind_int64(s_, i, v ? 1 : 0); }
  void put(int i, double v) {
    if (std::isnan(v))
      sqlite3_bind_null(s_, i);
    else
      sqlite3_bind_double(s_, i, v);
  }
  void put(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void put(int i, const char* v) { put(i, std::string(v)); }
  void put(int i, const std::optional<std::string>& v) {
    if (v)
      put(i, *v);
    else
      sqlite3_bind_null(s_, i);
  }

  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
};

// A variable's value as SQLite should keep it: integers and numbers as such, so that ORDER BY
// and comparisons work; anything else as text.
void bind_value(sqlite3* db, sqlite3_stmt* s, int i, const std::string& v) {
  (void)db;
  char* end = nullptr;
  if (!v.empty() && v.find_first_not_of("-0123456789") == std::string::npos && v != "-") {
    sqlite3_bind_int64(s, i, std::strtoll(v.c_str(), &end, 10));
    return;
  }
  const double d = std::strtod(v.c_str(), &end);
  if (!v.empty() && end == v.c_str() + v.size() && std::isfinite(d)) {
    sqlite3_bind_double(s, i, d);
    return;
  }
  sqlite3_bind_text(s, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
}

uint64_t fnv1a(uint64_t h, const std::string& bytes) {
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

double latency_ms(const sim::LatencyHistogram& h, double q) {
  return h.count() == 0 ? std::numeric_limits<double>::quiet_NaN()
                        : static_cast<double>(h.quantile(q)) / 1e6;
}

sqlite3* open_raw(const fs::path& path, int flags) {
  sqlite3* raw = nullptr;
  if (sqlite3_open_v2(path.c_str(), &raw, flags, nullptr) != SQLITE_OK) {
    const std::string why = raw ? sqlite3_errmsg(raw) : "out of memory";
    sqlite3_close(raw);
    refuse(path, "cannot open: " + why, "pass --db FILE in a writable directory");
  }
  sqlite3_busy_timeout(raw, 30'000);
  return raw;
}

// Each point's first bottleneck: the resource most of its runs name (ties: the higher mean
// saturation, then the name), how many of the point's runs name it, and their mean saturation.
// Runs that name none (or were written before version 2) count in `n` only.
void compute_point_bottlenecks(sqlite3* db, int64_t sweep_id) {
  Query(db, "DELETE FROM sweep_point_bottlenecks WHERE sweep_id = ?").with(sweep_id).exec_once();
  struct Named {
    std::string kind;
    int64_t runs = 0;
    double saturation_sum = 0;
  };
  std::map<int64_t, std::map<std::string, Named>> named;
  std::map<int64_t, int64_t> runs_of;
  Query q(db,
          "SELECT point, bottleneck_resource, bottleneck_kind, bottleneck_saturation FROM "
          "sweep_runs WHERE sweep_id = ? ORDER BY run");
  for (q.with(sweep_id); q.next();) {
    ++runs_of[q.i64(0)];
    if (q.str(1).empty()) continue;
    Named& n = named[q.i64(0)][q.str(1)];
    n.kind = q.str(2);
    ++n.runs;
    n.saturation_sum += q.num(3);
  }
  Query ins(db,
            "INSERT INTO sweep_point_bottlenecks (sweep_id, point, resource, kind, runs, n, "
            "saturation) VALUES (?, ?, ?, ?, ?, ?, ?)");
  for (const auto& [point, resources] : named) {
    const std::pair<const std::string, Named>* best = nullptr;
    for (const auto& entry : resources) {
      const double mean = entry.second.saturation_sum / static_cast<double>(entry.second.runs);
      if (!best || entry.second.runs > best->second.runs ||
          (entry.second.runs == best->second.runs &&
           mean > best->second.saturation_sum / static_cast<double>(best->second.runs)))
        best = &entry;
    }
    ins.with(sweep_id, point, best->first, best->second.kind, best->second.runs, runs_of[point],
             best->second.saturation_sum / static_cast<double>(best->second.runs))
        .exec_once();
  }
}

// Computes sweep_point_figures from the runs in `db` (every run is there).
void compute_points(sqlite3* db, int64_t sweep_id) {
  Query del(db, "DELETE FROM sweep_point_figures WHERE sweep_id = ?");
  del.with(sweep_id).exec_once();
  Query ins(db,
            "INSERT INTO sweep_point_figures (sweep_id, point, route, figure, n, mean, ci95_low, "
            "ci95_high, ci95_half_width) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  auto put = [&](int64_t point, const std::string& route, const std::string& figure,
                 const std::vector<double>& xs) {
    const sim::ConfidenceInterval ci = sim::student_t_interval(xs);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const bool has_hw = xs.size() >= 2 && std::isfinite(ci.half_width);
    ins.with(sweep_id, point, route, figure, static_cast<int64_t>(xs.size()),
             xs.empty() ? nan : ci.mean, has_hw ? ci.low() : nan, has_hw ? ci.high() : nan,
             has_hw ? ci.half_width : nan)
        .exec_once();
  };
  // Run-level figures.
  {
    std::map<int64_t, std::vector<double>> passed, offered;
    Query q(db,
            "SELECT point, passed, offered_rate_per_s FROM sweep_runs WHERE sweep_id = ? "
            "ORDER BY run");
    for (q.with(sweep_id); q.next();) {
      passed[q.i64(0)].push_back(static_cast<double>(q.i64(1)));
      offered[q.i64(0)].push_back(q.num(2));
    }
    for (const auto& [point, xs] : passed) {
      put(point, "", "offered_rate_per_s", offered[point]);
      put(point, "", "passed", xs);
    }
  }
  // Route figures, per point, route and figure, over the point's runs in run order.
  std::string cols;
  for (const char* f : kPointFigures) cols += std::string(", r.") + f;
  Query q(db, "SELECT s.point, r.request" + cols +
                  " FROM sweep_run_routes r JOIN sweep_runs s ON s.sweep_id = r.sweep_id AND "
                  "s.run = r.run WHERE r.sweep_id = ? ORDER BY s.point, r.route, s.run");
  std::map<std::pair<int64_t, std::string>, std::vector<std::vector<double>>> samples;
  std::vector<std::pair<int64_t, std::string>> order;
  for (q.with(sweep_id); q.next();) {
    auto key = std::make_pair(q.i64(0), q.str(1));
    auto& v = samples[key];
    if (v.empty()) {
      v.resize(std::size(kPointFigures));
      order.push_back(key);
    }
    for (size_t f = 0; f < std::size(kPointFigures); ++f) {
      const double x = q.num(static_cast<int>(f) + 2);
      if (!std::isnan(x)) v[f].push_back(x);
    }
  }
  for (const auto& key : order)
    for (size_t f = 0; f < std::size(kPointFigures); ++f)
      put(key.first, key.second, kPointFigures[f], samples[key][f]);
  compute_point_bottlenecks(db, sweep_id);
}

// The version of the sweep tables in `db`: its kubetwin_schema row; 1 for sweep tables without
// a row (the first kubetwin with sweeps), 0 for a file without sweep tables.
int sweep_schema_version(sqlite3* db) {
  Query v(db, "SELECT version FROM kubetwin_schema WHERE name = ?");
  v.with(kSweepSchemaName);
  if (v.next()) return static_cast<int>(v.i64(0));
  Query t(db, "SELECT count(*) FROM sqlite_master WHERE name = 'sweeps'");
  return t.next() && t.i64(0) > 0 ? 1 : 0;
}

int64_t count_runs(sqlite3* db, int64_t sweep_id) {
  Query q(db, "SELECT count(*) FROM sweep_runs WHERE sweep_id = ?");
  q.with(sweep_id);
  return q.next() ? q.i64(0) : 0;
}

// Copies table `t` of the attached shard into main, with column `key` replaced by `value`.
void copy_table(sqlite3* db, const std::string& t, const std::string& key,
                const std::string& value) {
  std::string cols, picks;
  Query info(db, "SELECT name FROM pragma_table_info(?, 'main')");
  for (info.with(t); info.next();) {
    const std::string c = info.str(0);
    cols += (cols.empty() ? "\"" : ", \"") + c + "\"";
    picks += (picks.empty() ? "" : ", ") + (c == key ? value : "\"" + c + "\"");
  }
  sqlite::exec(
      db,
      fmt::format("INSERT INTO main.{0} ({1}) SELECT {2} FROM shard.{0}", t, cols, picks).c_str());
}

SweepSummary read_summary(sqlite3* db, int64_t sweep_id, const std::string& route_wanted) {
  SweepSummary s;
  s.sweep_id = sweep_id;
  Query q(db,
          "SELECT scenario_name, sweep_hash, replications, points, runs, route FROM sweeps WHERE "
          "id = ?");
  q.with(sweep_id);
  if (!q.next()) throw std::runtime_error("no sweep " + std::to_string(sweep_id));
  s.scenario_name = q.str(0);
  s.sweep_hash = q.str(1);
  s.replications = static_cast<int>(q.i64(2));
  s.points = static_cast<int>(q.i64(3));
  s.runs = static_cast<int>(q.i64(4));
  s.route = route_wanted.empty() ? q.str(5) : route_wanted;
  s.runs_done = static_cast<int>(count_runs(db, sweep_id));
  Query vars(db, "SELECT variable FROM sweep_variables WHERE sweep_id = ? ORDER BY position");
  for (vars.with(sweep_id); vars.next();) s.variables.push_back(vars.str(0));
  if (s.route.empty()) {
    Query r(db,
            "SELECT request FROM sweep_run_routes WHERE sweep_id = ? ORDER BY run, route LIMIT 1");
    r.with(sweep_id);
    if (r.next()) s.route = r.str(0);
  }
  Query pts(db,
            "SELECT p.point, p.n, p.mean, "
            "(SELECT mean FROM sweep_point_figures WHERE sweep_id = p.sweep_id AND point = p.point "
            "AND route = ? AND figure = 'p99_ms'), "
            "(SELECT ci95_half_width FROM sweep_point_figures WHERE sweep_id = p.sweep_id AND "
            "point = p.point AND route = ? AND figure = 'p99_ms'), "
            "(SELECT mean FROM sweep_point_figures WHERE sweep_id = p.sweep_id AND point = p.point "
            "AND route = ? AND figure = 'error_rate'), "
            "(SELECT mean FROM sweep_point_figures WHERE sweep_id = p.sweep_id AND point = p.point "
            "AND route = ? AND figure = 'throughput_per_s') "
            "FROM sweep_point_figures p WHERE p.sweep_id = ? AND p.route = '' AND p.figure = "
            "'passed' ORDER BY p.point");
  Query values(db,
               "SELECT v.value FROM sweep_values v JOIN sweep_variables w ON w.sweep_id = "
               "v.sweep_id AND w.variable = v.variable WHERE v.sweep_id = ? AND v.point = ? "
               "ORDER BY w.position");
  Query bottleneck(db,
                   "SELECT resource, kind, saturation, runs, n FROM sweep_point_bottlenecks "
                   "WHERE sweep_id = ? AND point = ?");
  for (pts.with(s.route, s.route, s.route, s.route, sweep_id); pts.next();) {
    SweepPointRow row;
    row.point = static_cast<int>(pts.i64(0));
    row.runs = static_cast<int>(pts.i64(1));
    row.passed = pts.num(2);
    row.p99_ms = pts.num(3);
    row.p99_half_width = pts.num(4);
    row.error_rate = pts.num(5);
    row.throughput_per_s = pts.num(6);
    for (values.with(sweep_id, static_cast<int64_t>(row.point)); values.next();)
      row.values.push_back(values.str(0));
    if (bottleneck.with(sweep_id, static_cast<int64_t>(row.point)).next()) {
      row.bottleneck.resource = bottleneck.str(0);
      row.bottleneck.kind = bottleneck.str(1);
      row.bottleneck.saturation = bottleneck.num(2);
      row.bottleneck.runs = static_cast<int>(bottleneck.i64(3));
      row.bottleneck.of_runs = static_cast<int>(bottleneck.i64(4));
    }
    s.rows.push_back(std::move(row));
  }
  return s;
}

}  // namespace

std::string sweep_hash(const scenario::SweepPlan& plan, const std::string& model_digest) {
  uint64_t h = 0xcbf29ce484222325ULL;
  h = fnv1a(h, plan.scenario_digest() + "\n");
  h = fnv1a(h, model_digest + "\n");
  h = fnv1a(h, plan.canonical_variables());
  return fmt::format("fnv1a64:{:016x}", h);
}

SweepDb::SweepDb(fs::path path, sqlite3* db) : path_(std::move(path)), db_(db) {}
SweepDb::SweepDb(SweepDb&& o) noexcept : path_(std::move(o.path_)), db_(o.db_) {
  o.db_ = nullptr;
}
SweepDb& SweepDb::operator=(SweepDb&& o) noexcept {
  if (this != &o) {
    sqlite3_close(db_);
    path_ = std::move(o.path_);
    db_ = o.db_;
    o.db_ = nullptr;
  }
  return *this;
}
SweepDb::~SweepDb() {
  sqlite3_close(db_);
}

SweepDb SweepDb::open(const fs::path& path) {
  // The run tables and the schema version first, as every results file has them.
  { ResultsDb::open(path, ResultsDb::Mode::kCreate); }
  SweepDb db(path, open_raw(path, SQLITE_OPEN_READWRITE));
  const std::string kNewer = "use the kubetwin that wrote it, or start a new file with --db FILE";
  if (const int v = sweep_schema_version(db.db_); v > kSweepSchemaVersion)
    refuse(path,
           fmt::format("has sweep tables of version {}; this kubetwin reads version {}", v,
                       kSweepSchemaVersion),
           kNewer);
  try {
    // Created, or upgraded in place from version 1 (whose runs keep NULL bottlenecks); the
    // version is read again inside the write lock, as another process may have done it.
    sqlite::Transaction tx(db.db_);
    const int version = sweep_schema_version(db.db_);
    if (version < kSweepSchemaVersion) {
      sqlite::exec(db.db_, kSweepSchema);
      if (version == 1) sqlite::exec(db.db_, kSweepUpgradeV1);
      sqlite::exec(db.db_, kSweepSchemaV2);
      Query(db.db_, "INSERT INTO kubetwin_schema (name, version) VALUES (?, ?)")
          .with(kSweepSchemaName, kSweepSchemaVersion)
          .exec_once();
    }
    tx.commit();
  } catch (const std::exception& e) {
    refuse(path, std::string("cannot create the sweep tables: ") + e.what(),
           "pass --db FILE in a writable directory");
  }
  return db;
}

int64_t SweepDb::begin_sweep(const scenario::SweepPlan& plan, const std::string& model_digest) {
  const std::string hash = sweep_hash(plan, model_digest);
  {
    Query q(db_, "SELECT id FROM sweeps WHERE sweep_hash = ?");
    q.with(hash);
    if (q.next()) return q.i64(0);
  }
  const scenario::ScenarioSpec& spec = plan.base();
  std::string route;
  for (const scenario::CheckSpec& c : spec.checks) {
    if (c.kind == scenario::CheckSpec::Kind::kSlo) {
      route = c.slo.route;
      break;
    }
  }
  sqlite::Transaction tx(db_);
  Query(db_,
        "INSERT INTO sweeps (scenario_name, scenario_path, scenario_digest, model_digest, "
        "sweep_hash, variables, seed, replications, points, runs, duration_s, warmup_s, route) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
      .with(spec.name, spec.path, plan.scenario_digest(), model_digest, hash,
            plan.canonical_variables(), spec.seed, plan.replications(), plan.points(), plan.runs(),
            sim::to_seconds(spec.duration), sim::to_seconds(spec.warmup), route)
      .exec_once();
  const int64_t id = sqlite3_last_insert_rowid(db_);
  Query var(db_,
            "INSERT INTO sweep_variables (sweep_id, position, variable, value_count) VALUES (?, ?, "
            "?, ?)");
  for (size_t k = 0; k < plan.variables().size(); ++k)
    var.with(id, static_cast<int64_t>(k), plan.variables()[k].path,
             static_cast<int64_t>(plan.variables()[k].values.size()))
        .exec_once();
  sqlite3_stmt* val = nullptr;
  sqlite3_prepare_v2(
      db_, "INSERT INTO sweep_values (sweep_id, point, variable, value) VALUES (?, ?, ?, ?)", -1,
      &val, nullptr);
  for (int p = 0; p < plan.points(); ++p) {
    const std::vector<std::string> values = plan.values_at(p);
    for (size_t k = 0; k < values.size(); ++k) {
      sqlite3_bind_int64(val, 1, id);
      sqlite3_bind_int64(val, 2, p);
      const std::string& name = plan.variables()[k].path;
      sqlite3_bind_text(val, 3, name.data(), static_cast<int>(name.size()), SQLITE_TRANSIENT);
      bind_value(db_, val, 4, values[k]);
      const int rc = sqlite3_step(val);
      sqlite3_reset(val);
      if (rc != SQLITE_DONE) {
        sqlite3_finalize(val);
        throw std::runtime_error(std::string("sqlite: ") + sqlite3_errmsg(db_));
      }
    }
  }
  sqlite3_finalize(val);
  tx.commit();
  return id;
}

std::set<int> SweepDb::runs_done(int64_t sweep_id) const {
  std::set<int> out;
  Query q(db_, "SELECT run FROM sweep_runs WHERE sweep_id = ?");
  for (q.with(sweep_id); q.next();) out.insert(static_cast<int>(q.i64(0)));
  return out;
}

void SweepDb::write_run(int64_t sweep_id, const scenario::SweepRun& run) {
  const scenario::ScenarioResult& r = run.result;
  int checks_passed = 0;
  for (const auto& c : r.checks) checks_passed += c.passed ? 1 : 0;
  // What saturates first, as `kubetwin capacity` names it (NULL when nothing was measured).
  const scenario::Bottleneck b = scenario::find_bottleneck(r);
  const bool named = !b.resource.empty();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  auto known = [&](const std::string& v) {
    return named ? std::optional<std::string>(v) : std::nullopt;
  };
  sqlite::Transaction tx(db_);
  Query(db_,
        "INSERT INTO sweep_runs (sweep_id, run, point, replication, seed, passed, checks, "
        "checks_passed, offered_rate_per_s, events, fingerprint, knee_found, "
        "knee_offered_rate_per_s, bottleneck_resource, bottleneck_kind, bottleneck_saturation, "
        "bottleneck_evidence) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
      .with(sweep_id, run.run, run.point, run.replication, run.seed, r.passed,
            static_cast<int64_t>(r.checks.size()), checks_passed, r.offered_rate_per_s, r.events,
            fmt::format("0x{:016x}", r.fingerprint), r.knee.found,
            r.knee.found ? r.knee.offered_rate_per_s : nan, known(b.resource), known(b.kind),
            named ? b.saturation : nan, known(b.evidence))
      .exec_once();
  Query route(db_,
              "INSERT INTO sweep_run_routes (sweep_id, run, route, entry, request, sent, "
              "completed, errors, error_rate, throughput_per_s, mean_ms, p50_ms, p95_ms, p99_ms, "
              "p999_ms, max_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  for (size_t k = 0; k < r.routes.size(); ++k) {
    const runtime::RouteFigures& f = r.routes[k].merged;
    uint64_t errors = 0;
    for (const auto& [status, count] : f.status_counts)
      if (status < 200 || status >= 300) errors += count;
    const double mean =
        f.latency.count() == 0 ? std::numeric_limits<double>::quiet_NaN() : f.latency.mean() / 1e6;
    route
        .with(sweep_id, run.run, static_cast<int64_t>(k), f.entry, f.request, f.sent, f.completed,
              errors, f.error_rate, f.throughput_per_s, mean, latency_ms(f.latency, 0.5),
              latency_ms(f.latency, 0.95), latency_ms(f.latency, 0.99),
              latency_ms(f.latency, 0.999), latency_ms(f.latency, 1.0))
        .exec_once();
  }
  Query check(db_,
              "INSERT INTO sweep_run_checks (sweep_id, run, position, \"check\", passed, "
              "measured) VALUES (?, ?, ?, ?, ?, ?)");
  for (size_t k = 0; k < r.checks.size(); ++k)
    check
        .with(sweep_id, run.run, static_cast<int64_t>(k), r.checks[k].check, r.checks[k].passed,
              r.checks[k].measured)
        .exec_once();
  tx.commit();
}

bool SweepDb::write_points(int64_t sweep_id) {
  Query q(db_, "SELECT runs FROM sweeps WHERE id = ?");
  q.with(sweep_id);
  if (!q.next() || count_runs(db_, sweep_id) != q.i64(0)) return false;
  sqlite::Transaction tx(db_);
  compute_points(db_, sweep_id);
  tx.commit();
  return true;
}

std::optional<std::string> SweepDb::stored_fingerprint(int64_t sweep_id, int run) const {
  Query q(db_, "SELECT fingerprint FROM sweep_runs WHERE sweep_id = ? AND run = ?");
  q.with(sweep_id, run);
  if (!q.next()) return std::nullopt;
  return q.str(0);
}

std::optional<int64_t> SweepDb::latest_sweep() const {
  Query q(db_, "SELECT max(id) FROM sweeps");
  if (!q.next() || std::isnan(q.num(0))) return std::nullopt;
  return q.i64(0);
}

SweepSurface SweepDb::surface(int64_t sweep_id, const std::string& route) const {
  const SweepSummary s = read_summary(db_, sweep_id, route);
  if (s.runs_done != s.runs || s.rows.empty())
    refuse(path_,
           fmt::format("sweep {} holds {} of its {} runs: nothing to draw yet", sweep_id,
                       s.runs_done, s.runs),
           "run the rest (kubetwin sweep again on this file, or merge every shard)");
  SweepSurface out;
  out.scenario_name = s.scenario_name;
  out.sweep_hash = s.sweep_hash;
  out.route = s.route;
  out.replications = s.replications;
  {
    Query q(db_, "SELECT count(*) FROM sweep_run_checks WHERE sweep_id = ?");
    q.with(sweep_id);
    out.has_checks = q.next() && q.i64(0) > 0;
  }
  // The x variable: the first load rate, else the first whose values are all numbers.
  auto numeric = [&](size_t k) {
    for (const SweepPointRow& r : s.rows) {
      char* end = nullptr;
      std::strtod(r.values[k].c_str(), &end);
      if (r.values[k].empty() || *end != '\0') return false;
    }
    return true;
  };
  size_t xk = s.variables.size();
  for (size_t k = 0; k < s.variables.size() && xk == s.variables.size(); ++k)
    if (s.variables[k].size() > 5 && s.variables[k].rfind("load.", 0) == 0 &&
        s.variables[k].substr(s.variables[k].size() - 5) == ".rate" && numeric(k))
      xk = k;
  for (size_t k = 0; k < s.variables.size() && xk == s.variables.size(); ++k)
    if (numeric(k)) xk = k;
  out.x_variable = xk < s.variables.size() ? s.variables[xk] : "point";
  auto figure = [&](int point, const char* name, double* low, double* high) {
    Query q(db_,
            "SELECT mean, ci95_low, ci95_high FROM sweep_point_figures WHERE sweep_id = ? AND "
            "point = ? AND route = ? AND figure = ?");
    q.with(sweep_id, static_cast<int64_t>(point), s.route, name);
    if (!q.next()) {
      *low = *high = std::numeric_limits<double>::quiet_NaN();
      return std::numeric_limits<double>::quiet_NaN();
    }
    *low = q.num(1);
    *high = q.num(2);
    return q.num(0);
  };
  std::map<std::string, size_t> curve_of;
  for (const SweepPointRow& r : s.rows) {
    std::string label;
    for (size_t k = 0; k < s.variables.size(); ++k)
      if (k != xk) label += (label.empty() ? "" : ", ") + s.variables[k] + " = " + r.values[k];
    auto [it, fresh] = curve_of.emplace(label, out.curves.size());
    if (fresh) out.curves.push_back(SurfaceCurve{label, {}, -1, -1});
    SurfacePoint p;
    p.point = r.point;
    p.x = xk < s.variables.size() ? std::strtod(r.values[xk].c_str(), nullptr) : r.point;
    p.p99_ms = figure(r.point, "p99_ms", &p.p99_low, &p.p99_high);
    p.error_rate = figure(r.point, "error_rate", &p.error_low, &p.error_high);
    p.passed = r.passed;
    p.bottleneck = r.bottleneck;
    out.curves[it->second].points.push_back(p);
  }
  for (SurfaceCurve& c : out.curves) {
    std::stable_sort(c.points.begin(), c.points.end(),
                     [](const SurfacePoint& a, const SurfacePoint& b) { return a.x < b.x; });
    bool passing_seen = false;
    for (size_t i = 0; i < c.points.size() && c.knee < 0; ++i) {
      if (out.has_checks) {
        if (c.points[i].passed >= 0.5)
          passing_seen = true;
        else if (passing_seen)
          c.knee = static_cast<int>(i);
      } else if (i > 0 && c.points[i].p99_ms > 3 * c.points[0].p99_ms) {
        c.knee = static_cast<int>(i);
      }
    }
    c.limit = c.knee > 0 ? c.knee - 1 : static_cast<int>(c.points.size()) - 1;
  }
  return out;
}

SweepSummary SweepDb::summary(int64_t sweep_id, const std::string& route) const {
  return read_summary(db_, sweep_id, route);
}

SweepSummary merge_sweep_shards(const fs::path& out, const std::vector<fs::path>& shards) {
  std::error_code ec;
  if (shards.empty()) refuse(out, "no shard files to merge", "kubetwin merge OUT.db SHARD.db...");
  if (fs::exists(out, ec))
    refuse(out, "exists already; merge writes a new file", "remove it or name another OUT.db");
  struct Shard {
    fs::path path;
    std::string scenario_digest, model_digest, hash, scenario_name;
    int64_t runs = 0;
    std::vector<int64_t> run_numbers;
  };
  std::vector<Shard> read;
  const std::string kTorn =
      "a shard is the file `kubetwin sweep --shard i/N --db FILE` wrote, whole; run that shard "
      "again into a new file";
  for (const fs::path& path : shards) {
    if (!fs::is_regular_file(path, ec)) refuse(path, "no such shard file", kTorn);
    sqlite3* raw = open_raw(path, SQLITE_OPEN_READONLY);
    std::unique_ptr<sqlite3, int (*)(sqlite3*)> db(raw, sqlite3_close);
    Shard s;
    s.path = path;
    try {
      Query check(raw, "PRAGMA integrity_check");
      if (!check.next() || check.str(0) != "ok")
        refuse(path, "is torn or corrupt (PRAGMA integrity_check: " + check.str(0) + ")", kTorn);
      Query has(raw,
                "SELECT count(*) FROM sqlite_master WHERE name IN ('kubetwin_schema', 'sweeps')");
      if (!has.next() || has.i64(0) != 2)
        refuse(path, "is not a kubetwin results file holding a sweep", kTorn);
      Query sweeps(raw,
                   "SELECT id, scenario_digest, model_digest, sweep_hash, runs, scenario_name "
                   "FROM sweeps");
      int count = 0;
      int64_t id = 0;
      while (sweeps.next()) {
        ++count;
        id = sweeps.i64(0);
        s.scenario_digest = sweeps.str(1);
        s.model_digest = sweeps.str(2);
        s.hash = sweeps.str(3);
        s.runs = sweeps.i64(4);
        s.scenario_name = sweeps.str(5);
      }
      if (count != 1)
        refuse(path, fmt::format("holds {} sweeps; a shard file holds one", count), kTorn);
      if (const int v = sweep_schema_version(raw); v != kSweepSchemaVersion)
        refuse(path,
               fmt::format("has sweep tables of version {}; this kubetwin merges version {}", v,
                           kSweepSchemaVersion),
               "run every shard and the merge with one kubetwin (the same image)");
      Query runs(raw, "SELECT run FROM sweep_runs WHERE sweep_id = ? ORDER BY run");
      for (runs.with(id); runs.next();) s.run_numbers.push_back(runs.i64(0));
    } catch (const k8s::InputError&) {
      throw;
    } catch (const std::exception& e) {
      refuse(path, std::string("is torn or corrupt: ") + e.what(), kTorn);
    }
    read.push_back(std::move(s));
  }
  const Shard& first = read.front();
  std::map<int64_t, fs::path> owner;
  for (const Shard& s : read) {
    if (s.scenario_digest != first.scenario_digest)
      refuse(s.path, "is a shard of another scenario than " + first.path.string(),
             "merge the shards of one sweep: the same scenario file, model, variables and "
             "replications");
    if (s.model_digest != first.model_digest)
      refuse(s.path, "is a shard of the same scenario on another model than " + first.path.string(),
             "the model's manifests, behaviour or cluster changed between the shards' runs; run "
             "every shard on the same model");
    if (s.hash != first.hash)
      refuse(s.path,
             "is a shard of another sweep (variables or replications) than " + first.path.string(),
             "merge the shards of one sweep: the same --set flags and --replications");
    for (int64_t run : s.run_numbers) {
      auto [it, fresh] = owner.emplace(run, s.path);
      if (!fresh)
        refuse(s.path, fmt::format("run {} is also in {}", run, it->second.string()),
               "each run belongs to one shard: merge each shard once, and shards of one "
               "--shard i/N split");
    }
  }
  if (static_cast<int64_t>(owner.size()) != first.runs) {
    std::vector<int64_t> missing;
    for (int64_t r = 0; r < first.runs && missing.size() < 10; ++r)
      if (!owner.count(r)) missing.push_back(r);
    refuse(out,
           fmt::format("the shards hold {} of the sweep's {} runs; missing: {}{}", owner.size(),
                       first.runs, fmt::join(missing, ", "),
                       first.runs - static_cast<int64_t>(owner.size()) >
                               static_cast<int64_t>(missing.size())
                           ? ", ..."
                           : ""),
           "merge every shard of the sweep (a shard that failed runs again with the same --shard "
           "i/N), or run the missing ones with --run");
  }
  // Written to a temporary file beside OUT, renamed into place once whole.
  const fs::path tmp = out.string() + fmt::format(".tmp-{}", ::getpid());
  fs::remove(tmp, ec);
  try {
    SweepSummary summary;
    {
      SweepDb db = SweepDb::open(tmp);
      int64_t sweep_id = 0;
      for (const Shard& s : read) {
        // ATTACH is not allowed inside a transaction; the temporary file makes the whole atomic.
        Query(db.db_, "ATTACH DATABASE ? AS shard").with(s.path.string()).exec_once();
        sqlite::Transaction tx(db.db_);
        if (&s == &read.front()) {
          copy_table(db.db_, "sweeps", "id", "NULL");
          sweep_id = sqlite3_last_insert_rowid(db.db_);
          for (const char* t : {"sweep_variables", "sweep_values"})
            copy_table(db.db_, t, "sweep_id", std::to_string(sweep_id));
        }
        for (const char* t : {"sweep_runs", "sweep_run_routes", "sweep_run_checks"})
          copy_table(db.db_, t, "sweep_id", std::to_string(sweep_id));
        tx.commit();
        sqlite::exec(db.db_, "DETACH DATABASE shard");
      }
      db.write_points(sweep_id);
      summary = db.summary(sweep_id);
    }
    fs::rename(tmp, out);
    return summary;
  } catch (const k8s::InputError&) {
    fs::remove(tmp, ec);
    throw;
  } catch (const std::exception& e) {
    fs::remove(tmp, ec);
    refuse(out, std::string("cannot write the merged file: ") + e.what(),
           "check that its directory is writable and has room");
  }
}

std::string bottleneck_text(const PointBottleneck& b) {
  if (b.resource.empty()) return "-";
  std::string out = fmt::format("{} {:.0f}%", b.resource, b.saturation * 100);
  if (b.runs < b.of_runs) out += fmt::format(" ({} of {} runs)", b.runs, b.of_runs);
  return out;
}

std::string render_sweep_summary(const SweepSummary& s) {
  std::string out = fmt::format("sweep {} ({}): {} points x {} replications = {} runs",
                                s.scenario_name, s.sweep_hash, s.points, s.replications, s.runs);
  if (s.runs_done != s.runs) {
    out += fmt::format(", {} in this file; point figures once every run is in (kubetwin merge)\n",
                       s.runs_done);
    return out;
  }
  out += "\n\n";
  std::vector<std::string> header = s.variables;
  header.push_back("runs");
  header.push_back("passed");
  header.push_back(s.route + " p99 (95% CI)");
  header.push_back("errors");
  header.push_back("throughput");
  header.push_back("first bottleneck");
  std::vector<std::vector<std::string>> rows;
  for (const SweepPointRow& r : s.rows) {
    std::vector<std::string> row = r.values;
    row.push_back(std::to_string(r.runs));
    row.push_back(fmt::format("{:.0f}%", r.passed * 100));
    if (std::isnan(r.p99_ms)) {
      row.push_back("-");
    } else if (std::isnan(r.p99_half_width)) {
      row.push_back(fmt::format("{:.1f} ms", r.p99_ms));
    } else {
      row.push_back(fmt::format("{:.1f} ms +- {:.1f}", r.p99_ms, r.p99_half_width));
    }
    row.push_back(std::isnan(r.error_rate) ? "-" : fmt::format("{:.2f}%", r.error_rate * 100));
    row.push_back(std::isnan(r.throughput_per_s) ? "-"
                                                 : fmt::format("{:.1f}/s", r.throughput_per_s));
    row.push_back(bottleneck_text(r.bottleneck));
    rows.push_back(std::move(row));
  }
  std::vector<size_t> width(header.size());
  for (size_t c = 0; c < header.size(); ++c) {
    width[c] = header[c].size();
    for (const auto& row : rows) width[c] = std::max(width[c], row[c].size());
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string l;
    for (size_t c = 0; c < cells.size(); ++c) {
      l += c + 1 == cells.size() ? cells[c] : fmt::format("{:<{}}   ", cells[c], width[c]);
    }
    out += l + "\n";
  };
  line(header);
  for (const auto& row : rows) line(row);
  return out;
}

}  // namespace kubetwin::report
