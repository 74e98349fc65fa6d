// StateStore: the twin's applied state in SQLite, written one transaction per change.
#include "kubetwin/topology/state_store.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "kubetwin/topology/sqlite.hpp"

namespace kubetwin::topology {

namespace {

constexpr int kSchemaVersion = 1;

// An act's arguments in one TEXT cell: each as its byte length, ':', the bytes.
std::string encode_args(const std::vector<std::string>& args) {
  std::string out;
  for (const std::string& a : args) out += std::to_string(a.size()) + ":" + a;
  return out;
}

std::vector<std::string> decode_args(const std::string& text) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    size_t colon = text.find(':', i);
    if (colon == std::string::npos) break;
    size_t n = std::stoul(text.substr(i, colon - i));
    out.push_back(text.substr(colon + 1, n));
    i = colon + 1 + n;
  }
  return out;
}

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS applies (
  seq INTEGER PRIMARY KEY,
  at_seconds INTEGER NOT NULL,
  source TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS acts (
  seq INTEGER PRIMARY KEY,
  at_ms INTEGER NOT NULL,
  verb TEXT NOT NULL,
  args TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS resources (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  api_group TEXT NOT NULL,
  kind TEXT NOT NULL,
  namespace TEXT NOT NULL,
  name TEXT NOT NULL,
  api_version TEXT NOT NULL,
  source_path TEXT NOT NULL,
  source_line INTEGER NOT NULL,
  source_col INTEGER NOT NULL,
  created_seq INTEGER NOT NULL,
  updated_seq INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  body TEXT NOT NULL,
  UNIQUE (api_group, kind, namespace, name)
);
)sql";

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& what,
                       const std::string& hint) {
  k8s::SourceLocation where{std::make_shared<const std::string>(path.string()), 0, 0};
  throw k8s::InputError(where, what, hint);
}

// A prepared statement, finalized on scope exit.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) {
      throw std::runtime_error(std::string("sqlite: ") + sqlite3_errmsg(db));
    }
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() { sqlite3_finalize(stmt_); }

  void bind(int i, std::string_view s) {
    sqlite3_bind_text(stmt_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
  }
  void bind(int i, int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
  // True while a row is available.
  bool step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw std::runtime_error(std::string("sqlite: ") + sqlite3_errmsg(db_));
  }
  void run() {
    step();
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  std::string text(int col) const {
    const unsigned char* p = sqlite3_column_text(stmt_, col);
    int n = sqlite3_column_bytes(stmt_, col);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n)) : "";
  }
  int64_t integer(int col) const { return sqlite3_column_int64(stmt_, col); }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

using sqlite::exec;
using sqlite::Transaction;

std::string meta(sqlite3* db, const char* key) {
  Statement s(db, "SELECT value FROM meta WHERE key = ?1");
  s.bind(1, std::string_view(key));
  return s.step() ? s.text(0) : "";
}

std::vector<ApplyRecord> load_applies(sqlite3* db) {
  std::vector<ApplyRecord> out;
  Statement s(db, "SELECT seq, at_seconds, source FROM applies ORDER BY seq");
  while (s.step()) out.push_back(ApplyRecord{s.integer(0), s.integer(1), s.text(2)});
  return out;
}

std::vector<ActRecord> load_acts(sqlite3* db) {
  std::vector<ActRecord> out;
  Statement s(db, "SELECT seq, at_ms, verb, args FROM acts ORDER BY seq");
  while (s.step())
    out.push_back(ActRecord{s.integer(0), s.integer(1), s.text(2), decode_args(s.text(3))});
  return out;
}

void set_meta(sqlite3* db, const char* key, std::string_view value) {
  Statement s(db,
              "INSERT INTO meta(key, value) VALUES(?1, ?2) "
              "ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  s.bind(1, std::string_view(key));
  s.bind(2, value);
  s.run();
}

// ---- node encoding ----
// node := tag path_index ',' line ',' col ',' n ':' payload
// tag: N null, S plain scalar, Q quoted scalar (payload n bytes), L sequence (n nodes),
// M mapping (n times: key_len ':' key node). The document starts with the path table:
// 'P' count ':' then count times len ':' bytes.

class Encoder {
 public:
  std::string run(const k8s::Node& root) {
    std::string body;
    node(root, body);
    std::string out = "P";
    out += std::to_string(paths_.size());
    out += ':';
    for (const std::string* p : paths_) {
      out += std::to_string(p->size());
      out += ':';
      out += *p;
    }
    out += body;
    return out;
  }

 private:
  int path_index(const k8s::SourceLocation& where) {
    if (!where.path) return -1;
    auto it = index_.find(*where.path);
    if (it != index_.end()) return it->second;
    int i = static_cast<int>(paths_.size());
    paths_.push_back(where.path.get());
    index_.emplace(*where.path, i);
    return i;
  }
  void header(char tag, const k8s::Node& n, size_t count, std::string& out) {
    out += tag;
    for (int64_t v : {int64_t{path_index(n.location())}, int64_t{n.location().line},
                      int64_t{n.location().column}}) {
      out += std::to_string(v);
      out += ',';
    }
    out += std::to_string(count);
    out += ':';
  }
  void node(const k8s::Node& n, std::string& out) {
    switch (n.kind()) {
      case k8s::Node::Kind::kNull:
        header('N', n, 0, out);
        break;
      case k8s::Node::Kind::kScalar:
        header(n.quoted() ? 'Q' : 'S', n, n.text().size(), out);
        out += n.text();
        break;
      case k8s::Node::Kind::kSequence:
        header('L', n, n.items().size(), out);
        for (const k8s::Node& c : n.items()) node(c, out);
        break;
      case k8s::Node::Kind::kMapping:
        header('M', n, n.fields().size(), out);
        for (const auto& [k, v] : n.fields()) {
          out += std::to_string(k.size());
          out += ':';
          out += k;
          node(v, out);
        }
        break;
    }
  }
  std::vector<const std::string*> paths_;
  std::map<std::string, int> index_;
};

class Decoder {
 public:
  explicit Decoder(std::string_view s) : s_(s) {}

  k8s::Node run() {
    expect('P');
    int64_t count = number(':');
    for (int64_t i = 0; i < count; ++i) {
      paths_.push_back(std::make_shared<const std::string>(bytes(number(':'))));
    }
    k8s::Node root = node();
    if (pos_ != s_.size()) bad();
    return root;
  }

 private:
  [[noreturn]] void bad() { throw std::runtime_error("state: corrupt resource body"); }
  void expect(char c) {
    if (pos_ >= s_.size() || s_[pos_] != c) bad();
    ++pos_;
  }
  int64_t number(char terminator) {
    bool negative = pos_ < s_.size() && s_[pos_] == '-';
    if (negative) ++pos_;
    int64_t v = 0;
    size_t start = pos_;
    while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') v = v * 10 + (s_[pos_++] - '0');
    if (pos_ == start) bad();
    expect(terminator);
    return negative ? -v : v;
  }
  std::string bytes(int64_t n) {
    if (n < 0 || pos_ + static_cast<size_t>(n) > s_.size()) bad();
    std::string out(s_.substr(pos_, static_cast<size_t>(n)));
    pos_ += static_cast<size_t>(n);
    return out;
  }
  k8s::Node node() {
    if (pos_ >= s_.size()) bad();
    char tag = s_[pos_++];
    int64_t path = number(',');
    int line = static_cast<int>(number(','));
    int col = static_cast<int>(number(','));
    int64_t n = number(':');
    k8s::SourceLocation where;
    if (path >= 0) {
      if (path >= static_cast<int64_t>(paths_.size())) bad();
      where.path = paths_[static_cast<size_t>(path)];
    }
    where.line = line;
    where.column = col;
    switch (tag) {
      case 'N': {
        k8s::Node out;
        out.set_location(where);
        return out;
      }
      case 'S':
      case 'Q':
        return k8s::Node::scalar(bytes(n), tag == 'Q', where);
      case 'L': {
        k8s::Node out = k8s::Node::sequence(where);
        for (int64_t i = 0; i < n; ++i) out.push_back(node());
        return out;
      }
      case 'M': {
        k8s::Node out = k8s::Node::mapping(where);
        for (int64_t i = 0; i < n; ++i) {
          std::string key = bytes(number(':'));
          out.fields().emplace_back(std::move(key), node());
        }
        return out;
      }
      default:
        bad();
    }
  }
  std::string_view s_;
  size_t pos_ = 0;
  std::vector<std::shared_ptr<const std::string>> paths_;
};

}  // namespace

std::string encode_node(const k8s::Node& node) {
  return Encoder().run(node);
}
k8s::Node decode_node(std::string_view encoded) {
  return Decoder(encoded).run();
}

ResourceKey key_of(const k8s::Resource& r) {
  return ResourceKey{r.group(), r.kind(), r.namespace_name(), r.name()};
}

std::filesystem::path resolve_state_path(const std::optional<std::string>& flag_value) {
  if (flag_value) return *flag_value;
  if (const char* env = std::getenv("KUBETWIN_STATE"); env && *env) return env;
  return std::filesystem::path(".kubetwin") / "state.db";
}

int64_t State::live_start_ms() const {
  return applies.empty() ? 0 : (applies.back().at_seconds + kApplyStepSeconds) * 1000;
}

int64_t State::now_ms() const {
  int64_t now = live_start_ms();
  for (const ActRecord& a : acts) {
    if (a.verb != "advance" || a.args.empty() || a.at_ms < live_start_ms()) continue;
    now = std::max<int64_t>(now, a.at_ms + std::stoll(a.args[0]));
  }
  return now;
}

const StoredResource* State::find(const ResourceKey& key) const {
  for (const StoredResource& r : resources) {
    if (r.key == key) return &r;
  }
  return nullptr;
}

const char* to_string(ApplyAction action) {
  switch (action) {
    case ApplyAction::kCreated:
      return "created";
    case ApplyAction::kConfigured:
      return "configured";
    case ApplyAction::kUnchanged:
      return "unchanged";
    case ApplyAction::kRejected:
      return "rejected";
  }
  return "?";
}

std::vector<PlannedApply> plan_apply(const State& state, const k8s::ResourceList& incoming,
                                     const ClusterProfile& cluster) {
  std::vector<PlannedApply> plan;
  k8s::ResourceList merged;
  std::map<ResourceKey, size_t> position;
  for (const StoredResource& r : state.resources) {
    position[r.key] = merged.size();
    merged.push_back(r.resource);
  }
  for (const k8s::Resource& r : incoming) {
    PlannedApply p{r, key_of(r), ApplyAction::kCreated, std::nullopt};
    if (const StoredResource* old = state.find(p.key)) {
      p.action = old->resource.body == r.body ? ApplyAction::kUnchanged : ApplyAction::kConfigured;
    }
    auto it = position.find(p.key);
    if (it != position.end()) {
      merged[it->second] = r;
    } else {
      position[p.key] = merged.size();
      merged.push_back(r);
    }
    plan.push_back(std::move(p));
  }
  BuildOptions options;
  options.sort_by_kind = false;
  Model model = build_model(merged, cluster, options);
  for (PlannedApply& p : plan) {
    for (const AdmissionError& e : model.rejected) {
      if (e.kind == p.key.kind && e.name == p.key.name &&
          e.namespace_name == p.key.namespace_name) {
        p.action = ApplyAction::kRejected;
        p.error = e;
        break;
      }
    }
  }
  return plan;
}

void StateStore::Closer::operator()(sqlite3* db) const {
  sqlite3_close(db);
}

StateStore::StateStore(std::filesystem::path path, sqlite3* db) : path_(std::move(path)), db_(db) {}
StateStore::StateStore(StateStore&&) noexcept = default;
StateStore& StateStore::operator=(StateStore&&) noexcept = default;
StateStore::~StateStore() = default;

StateStore StateStore::open(const std::filesystem::path& path) {
  const std::string hint =
      "pass a writable file with --state PATH or KUBETWIN_STATE (default .kubetwin/state.db)";
  if (path.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) fail(path, "cannot create the state directory: " + ec.message(), hint);
  }
  if (std::filesystem::is_directory(path)) fail(path, "the state path is a directory", hint);
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  StateStore store(path, raw);
  if (rc != SQLITE_OK)
    fail(path, std::string("cannot open the state: ") + sqlite3_errstr(rc), hint);
  sqlite3_busy_timeout(raw, 5000);
  try {
    exec(raw, kSchema);
    std::string version = meta(raw, "schema_version");
    if (version.empty()) {
      set_meta(raw, "schema_version", std::to_string(kSchemaVersion));
    } else if (version != std::to_string(kSchemaVersion)) {
      fail(path,
           "state schema version " + version + " is not supported (this kubetwin writes " +
               std::to_string(kSchemaVersion) + ")",
           "run `kubetwin reset` or use another --state file");
    }
  } catch (const std::runtime_error& e) {
    if (dynamic_cast<const k8s::InputError*>(&e)) throw;
    fail(path, std::string("cannot use the state: ") + e.what(),
         "is it a kubetwin state file, on a writable path?");
  }
  return store;
}

State StateStore::load_or_empty(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return State{};
  return open(path).load();
}

State StateStore::load() const {
  State state;
  sqlite3* db = db_.get();
  state.cluster_profile = meta(db, "cluster_profile");
  state.applies = load_applies(db);
  state.acts = load_acts(db);
  Statement s(db,
              "SELECT api_group, kind, namespace, name, created_seq, updated_seq, created_at, body "
              "FROM resources ORDER BY created_seq, id");
  while (s.step()) {
    StoredResource r;
    r.key = ResourceKey{s.text(0), s.text(1), s.text(2), s.text(3)};
    r.created_seq = s.integer(4);
    r.updated_seq = s.integer(5);
    r.created_at_seconds = s.integer(6);
    r.resource.body = decode_node(s.text(7));
    state.resources.push_back(std::move(r));
  }
  return state;
}

int64_t StateStore::commit(const StateChange& change) {
  sqlite3* db = db_.get();
  Transaction tx(db);
  int64_t seq = 0;
  int64_t at = 0;
  {
    Statement s(db, "SELECT COALESCE(MAX(seq), 0), COALESCE(MAX(at_seconds), -1) FROM applies");
    s.step();
    seq = s.integer(0);
    at = s.integer(1) + kApplyStepSeconds;
    if (s.integer(1) < 0) at = 0;
  }
  // An apply after the running twin advanced happens at its now (whole seconds, rounded up).
  if (change.record_apply) {
    State clock;
    clock.applies = load_applies(db);
    clock.acts = load_acts(db);
    at = std::max(at, (clock.now_ms() + 999) / 1000);
  }
  if (change.record_apply) {
    ++seq;
    Statement ins(db, "INSERT INTO applies(seq, at_seconds, source) VALUES(?1, ?2, ?3)");
    ins.bind(1, seq);
    ins.bind(2, at);
    ins.bind(3, change.source);
    ins.run();
  }
  Statement upsert(db,
                   "INSERT INTO resources(api_group, kind, namespace, name, api_version, "
                   "source_path, source_line, source_col, created_seq, updated_seq, created_at, "
                   "body) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10, ?11) "
                   "ON CONFLICT(api_group, kind, namespace, name) DO UPDATE SET "
                   "api_version = excluded.api_version, source_path = excluded.source_path, "
                   "source_line = excluded.source_line, source_col = excluded.source_col, "
                   "updated_seq = excluded.updated_seq, body = excluded.body");
  for (const k8s::Resource& r : change.upserts) {
    ResourceKey k = key_of(r);
    upsert.bind(1, k.group);
    upsert.bind(2, k.kind);
    upsert.bind(3, k.namespace_name);
    upsert.bind(4, k.name);
    upsert.bind(5, r.api_version());
    upsert.bind(6, r.location().file());
    upsert.bind(7, static_cast<int64_t>(r.location().line));
    upsert.bind(8, static_cast<int64_t>(r.location().column));
    upsert.bind(9, seq);
    upsert.bind(10, at);
    upsert.bind(11, encode_node(r.body));
    upsert.run();
  }
  Statement del(db,
                "DELETE FROM resources WHERE api_group = ?1 AND kind = ?2 AND namespace = ?3 "
                "AND name = ?4");
  for (const ResourceKey& k : change.deletes) {
    del.bind(1, k.group);
    del.bind(2, k.kind);
    del.bind(3, k.namespace_name);
    del.bind(4, k.name);
    del.run();
  }
  if (change.cluster_profile) set_meta(db, "cluster_profile", *change.cluster_profile);
  tx.commit();
  return change.record_apply ? seq : 0;
}

ActRecord StateStore::record_act(const std::string& verb, const std::vector<std::string>& args) {
  sqlite3* db = db_.get();
  Transaction tx(db);
  State clock;
  clock.applies = load_applies(db);
  clock.acts = load_acts(db);
  ActRecord act;
  act.seq = clock.acts.empty() ? 1 : clock.acts.back().seq + 1;
  act.at_ms = clock.now_ms();
  act.verb = verb;
  act.args = args;
  Statement ins(db, "INSERT INTO acts(seq, at_ms, verb, args) VALUES(?1, ?2, ?3, ?4)");
  ins.bind(1, act.seq);
  ins.bind(2, act.at_ms);
  ins.bind(3, verb);
  ins.bind(4, encode_args(args));
  ins.run();
  tx.commit();
  return act;
}

void StateStore::drop_act(int64_t seq) {
  Statement del(db_.get(), "DELETE FROM acts WHERE seq = ?1");
  del.bind(1, seq);
  del.run();
}

void StateStore::reset() {
  sqlite3* db = db_.get();
  Transaction tx(db);
  exec(db,
       "DELETE FROM resources; DELETE FROM applies; DELETE FROM acts; DELETE FROM meta WHERE "
       "key = 'cluster_profile';");
  tx.commit();
}

}  // namespace kubetwin::topology
