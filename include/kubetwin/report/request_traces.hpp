// Request traces as people read them: Chrome trace-event JSON (Perfetto, chrome://tracing), the
// narrated request of `kubetwin trace`, and their table in the results database.
//
// Promises: every function is a pure function of the traces (no clock, no locale): the same run
// gives the same bytes. The JSON is one object {"traceEvents": [...], "displayTimeUnit": "ms"}:
// "M" events name each process (a namespace, or "client") and thread (a pod: one track per pod),
// then one "X" complete event per span with ts and dur in microseconds (to the nanosecond, three
// decimals), its request number, route and sentence in args.
#pragma once

#include <cstdint>
#include <string>

#include "kubetwin/runtime/trace.hpp"

struct sqlite3;

namespace kubetwin::report {

std::string render_chrome_trace(const runtime::RequestTraces& traces,
                                const std::string& scenario_name);

// One request in plain sentences with times from its send, span by span in time order:
// "  14.215 ms  orders-api-7f9c waits 3.1 ms for a PostgreSQL connection; all 10 of its pool
// are busy". A heading names the request and its outcome.
std::string narrate_request(const runtime::RequestTraces& traces,
                            const runtime::RequestTrace& trace);

// The traces' rows (table `request_traces`, made if missing) under `run_id`, inside the caller's
// transaction. Throws std::runtime_error when SQLite fails.
void write_request_traces(sqlite3* db, int64_t run_id, const runtime::RequestTraces& traces);

}  // namespace kubetwin::report
