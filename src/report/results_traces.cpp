// The results database's request traces: tables `traced_requests` and `trace_spans`.
//
// Made on first use (CREATE TABLE IF NOT EXISTS), so a file written before traces existed takes
// them without a schema change; a run without --trace writes no rows.
#include <sqlite3.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "kubetwin/report/request_traces.hpp"
#include "kubetwin/topology/sqlite.hpp"

namespace kubetwin::report {

namespace {

constexpr const char* kTraceSchema = R"sql(
CREATE TABLE IF NOT EXISTS traced_requests (run_id INTEGER NOT NULL REFERENCES runs(id),
  request INTEGER NOT NULL, route TEXT NOT NULL, entry TEXT NOT NULL, sent_s REAL NOT NULL,
  answered_s REAL, latency_ms REAL, status INTEGER, failure TEXT NOT NULL,
  PRIMARY KEY (run_id, request));
CREATE TABLE IF NOT EXISTS trace_spans (run_id INTEGER NOT NULL REFERENCES runs(id),
  request INTEGER NOT NULL, span INTEGER NOT NULL, parent INTEGER, kind TEXT NOT NULL,
  category TEXT NOT NULL, namespace_name TEXT NOT NULL, track TEXT NOT NULL,
  start_ms REAL NOT NULL, duration_ms REAL NOT NULL, label TEXT NOT NULL, text TEXT NOT NULL,
  PRIMARY KEY (run_id, request, span));
)sql";

struct Finalize {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using Stmt = std::unique_ptr<sqlite3_stmt, Finalize>;

Stmt prepare(sqlite3* db, const char* sql) {
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) != SQLITE_OK)
    throw std::runtime_error(std::string("sqlite: ") + sqlite3_errmsg(db));
  return Stmt(s);
}

void text(sqlite3_stmt* s, int i, const std::string& v) {
  sqlite3_bind_text(s, i, v.c_str(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
}

void step(sqlite3* db, sqlite3_stmt* s) {
  if (sqlite3_step(s) != SQLITE_DONE)
    throw std::runtime_error(std::string("sqlite: ") + sqlite3_errmsg(db));
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
}

double ms(sim::Time ns) {
  return static_cast<double>(ns) / 1e6;
}

}  // namespace

void write_request_traces(sqlite3* db, int64_t run_id, const runtime::RequestTraces& traces) {
  sqlite::exec(db, kTraceSchema);
  Stmt req = prepare(db,
                     "INSERT INTO traced_requests (run_id, request, route, entry, sent_s, "
                     "answered_s, latency_ms, status, failure) VALUES (?,?,?,?,?,?,?,?,?)");
  Stmt span = prepare(db,
                      "INSERT INTO trace_spans (run_id, request, span, parent, kind, category, "
                      "namespace_name, track, start_ms, duration_ms, label, text) "
                      "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)");
  for (const runtime::RequestTrace& r : traces.traces) {
    sqlite3_stmt* s = req.get();
    sqlite3_bind_int64(s, 1, run_id);
    sqlite3_bind_int64(s, 2, static_cast<int64_t>(r.request));
    text(s, 3, r.route);
    text(s, 4, r.entry);
    sqlite3_bind_double(s, 5, sim::to_seconds(r.sent));
    if (r.answered >= 0) {
      sqlite3_bind_double(s, 6, sim::to_seconds(r.answered));
      sqlite3_bind_double(s, 7, ms(r.answered - r.sent));
      sqlite3_bind_int(s, 8, r.status);
    }
    text(s, 9, r.failure);
    step(db, s);
    for (size_t i = 0; i < r.spans.size(); ++i) {
      const runtime::TraceSpan& sp = r.spans[i];
      const runtime::TraceTrack& track = traces.tracks[sp.track];
      sqlite3_stmt* t = span.get();
      sqlite3_bind_int64(t, 1, run_id);
      sqlite3_bind_int64(t, 2, static_cast<int64_t>(r.request));
      sqlite3_bind_int64(t, 3, static_cast<int64_t>(i));
      if (sp.parent != runtime::kNoSpan) sqlite3_bind_int64(t, 4, sp.parent);
      text(t, 5, runtime::span_kind_name(sp.kind));
      text(t, 6, runtime::span_category(sp.kind));
      text(t, 7, track.process);
      text(t, 8, track.thread);
      sqlite3_bind_double(t, 9, ms(sp.start - r.sent));
      sqlite3_bind_double(t, 10, ms(sp.end - sp.start));
      text(t, 11, sp.label);
      text(t, 12, runtime::span_sentence(sp));
      step(db, t);
    }
  }
}

}  // namespace kubetwin::report
