// RequestTracer: the spans of sampled requests, recorded by the World as they happen.
//
// A World given a tracer (WorldOptions::tracer) numbers its client requests 1, 2, 3... in the
// order they are sent and records, for the sampled ones, every step span by span: the client's
// trip to the NodePort, Kong's CPU and routing, upstream attempts, the pod's accept queue and CPU
// (with the CFS quota's stalls), connection-pool waits, PostgreSQL's CPU and WAL flush, Kafka's
// produce, leader append, follower fetches and acknowledgement, and the consumer that reads the
// record later. Each span sits on a track (one per pod, grouped by namespace; the client has its
// own) and names its parent span, so the spans of one request nest.
//
// Promises: recording never schedules an engine event, draws no random number and changes no
// state the simulation reads, so a run's events and fingerprint are the same with a tracer or
// without; without one the World pays one branch per hook. Sampling is by request number
// (every Nth, or exactly one), so the same seed gives the same traces. Not thread-safe: one
// tracer per World.
// Cost when on: a few hundred bytes per span of a sampled request; nothing for the others.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "kubetwin/sim/time.hpp"

namespace kubetwin::runtime {

// What a span stands for. The category (span_category) groups them in a trace viewer.
enum class SpanKind : uint8_t {
  kRequest,          // the client's whole request: sent to answer read
  kNetwork,          // a trip: client -> NodePort, pod -> pod, answer back
  kGateway,          // a Kong pod holds the request: arrival to the answer relayed
  kGatewayCpu,       // Kong's own work (route match, balancing, logging)
  kRoute,            // Kong matched an Ingress route (instant)
  kUpstreamConnect,  // a connect NetworkPolicy dropped: Kong's connect timeout
  kUpstream,         // one upstream attempt: Kong waits for the pod's answer
  kServe,            // a pod handles the request: arrival to answer sent
  kAcceptQueue,      // waiting for a worker thread
  kCpuWait,          // waiting for a runnable slot on the pod's CPU
  kCpu,              // the work on the pod's CPU, CFS stalls included
  kCfsStall,         // the pod's quota ran out: every running thread stalls
  kPostgres,         // a query: from the call to its answer back
  kPoolWait,         // waiting for a pooled connection
  kPostgresCpu,      // the query on the server's CPU
  kWalFlush,         // the commit's WAL flush (synchronous_commit on)
  kKafkaProduce,     // a produce: from the call to the acknowledgement back
  kKafkaReplicate,   // on the leader: appended, waiting for the in-sync replicas
  kFollowerFetch,    // a follower fetches the record
  kRetry,            // the producer's retry backoff
  kConsumerBatch,    // a consumer's poll batch holding the record
  kConsume,          // the consumer's calls for that one record
  kError,            // something failed (instant)
  kCount
};
const char* span_category(SpanKind kind);
const char* span_kind_name(SpanKind kind);

inline constexpr uint32_t kNoSpan = UINT32_MAX;

struct TraceSpan {
  SpanKind kind = SpanKind::kRequest;
  uint32_t track = 0;         // into RequestTraces::tracks
  uint32_t parent = kNoSpan;  // index in the same trace's spans; kNoSpan: the root
  sim::Time start = 0;
  sim::Time end = -1;  // -1 while open; an abandoned span ends where it was given up
  std::string label;   // short, for a viewer: "accept queue", "PostgreSQL write"
  // A sentence with `{d}` where the span's duration goes: "waits {d} for a PostgreSQL
  // connection; all 10 of its pool are busy". The actor (the track's pod) is not in it.
  std::string text;
};

struct TraceTrack {
  std::string process;  // a namespace, or "client"
  std::string thread;   // a pod's name, or the client's entry
};

struct RequestTrace {
  uint64_t request = 0;  // its number in send order, from 1
  std::string route;     // "POST /orders"
  std::string entry;     // "kong-prod api.amazon-store.com"
  sim::Time sent = 0;
  sim::Time answered = -1;  // when the client read the answer; -1: not by the run's end
  int status = -1;          // 0: the client gave up
  std::string failure;      // why it failed ("" when it did not)
  std::vector<TraceSpan> spans;
};

// What a run recorded; the report layer writes it (Chrome trace events, the results database,
// the narrated request).
struct RequestTraces {
  uint64_t sample_every = 0;    // 0: only `request` below
  uint64_t only_request = 0;    // 0: every Nth
  uint64_t requests_sent = 0;   // requests numbered in the run
  uint64_t route_requests = 0;  // of TraceOptions::only_route, when one was given
  std::vector<TraceTrack> tracks;
  std::vector<RequestTrace> traces;  // in request order
};

struct TraceOptions {
  uint64_t sample_every = 100;  // trace requests N, 2N, 3N...
  uint64_t only_request = 0;    // > 0: trace this request alone (sample_every is ignored)
  // With only_request: count only the requests of this route ("POST /orders"), so
  // only_request = 3 is the third POST /orders of the run. Empty: every request counts.
  std::string only_route;
  uint64_t max_traces = 5000;  // stop sampling after this many (file size)
};

class RequestTracer {
 public:
  explicit RequestTracer(const TraceOptions& options);

  // A request is sent: its number, and its trace index when sampled (kNoSpan otherwise).
  uint32_t on_send(const std::string& route, const std::string& entry, sim::Time sent);
  // The client read the answer (or gave up: status 0).
  void on_answer(uint32_t trace, sim::Time at, int status, const std::string& failure);

  uint32_t track(const std::string& process, const std::string& thread);

  // Spans are keyed by the World's request slot while open: begin opens one under the slot's
  // innermost open span (or under `adopt`'s parent for a slot's first span), end closes the
  // innermost open span of that kind. complete records a span whose end is known now.
  uint32_t begin(uint32_t trace, uint32_t slot, SpanKind kind, uint32_t track, sim::Time start,
                 std::string label, std::string text);
  // Closes the slot's innermost open span of `kind` at `end`; `more` is appended to its text.
  // Returns the span, or kNoSpan when none is open.
  uint32_t end(uint32_t trace, uint32_t slot, SpanKind kind, sim::Time end,
               const std::string& more = "");
  uint32_t complete(uint32_t trace, uint32_t slot, SpanKind kind, uint32_t track, sim::Time start,
                    sim::Time end, std::string label, std::string text);
  // A span under an explicit parent (kNoSpan: a root of the trace), not tied to a slot.
  uint32_t complete_under(uint32_t trace, uint32_t parent, SpanKind kind, uint32_t track,
                          sim::Time start, sim::Time end, std::string label, std::string text);
  // A new slot carries the trace: its first span goes under `parent_slot`'s innermost open span
  // (or under `parent_span` when given).
  void adopt(uint32_t trace, uint32_t slot, uint32_t parent_slot, uint32_t parent_span = kNoSpan);
  // The innermost open span of the slot (kNoSpan: none).
  uint32_t innermost(uint32_t trace, uint32_t slot) const;
  // The slot is freed: spans it left open end at `at` ("given up").
  void release(uint32_t trace, uint32_t slot, sim::Time at);
  // Two numbers the World keeps with a slot until it reads them (a CPU demand, a latency).
  void set_aux(uint32_t trace, uint32_t slot, int64_t value, int which = 0);
  int64_t aux(uint32_t trace, uint32_t slot, int which = 0) const;

  RequestTrace& trace(uint32_t index) { return traces_.traces[index]; }
  TraceSpan& span(uint32_t trace, uint32_t index) { return traces_.traces[trace].spans[index]; }
  // Open CPU spans (pod track, trace, span), for the CFS stalls that cut across them.
  struct OpenCpu {
    uint32_t pod;
    uint32_t trace;
    uint32_t span;
  };
  std::vector<OpenCpu>& open_cpu() { return open_cpu_; }

  // The traces, spans still open ended at `now`. Call once, after the run.
  RequestTraces finish(sim::Time now);
  const RequestTraces& traces() const { return traces_; }

 private:
  struct SlotState {
    uint32_t parent = kNoSpan;    // the first span's parent
    std::vector<uint32_t> stack;  // open spans, innermost last
    int64_t aux[2] = {0, 0};
  };
  SlotState* find(uint32_t trace, uint32_t slot);
  const SlotState* find(uint32_t trace, uint32_t slot) const;
  SlotState& state(uint32_t trace, uint32_t slot);

  TraceOptions options_;
  RequestTraces traces_;
  // Only sampled requests' live slots, by (trace << 32 | slot); never iterated in an order that
  // reaches the output.
  std::unordered_map<uint64_t, SlotState> slots_;
  std::vector<OpenCpu> open_cpu_;
};

// "3.1 ms", "850 us", "2.00 s": a duration for sentences, deterministic.
std::string trace_duration(sim::Time d);
// The span's sentence with its duration (trace_duration) in place of `{d}`.
std::string span_sentence(const TraceSpan& span);

}  // namespace kubetwin::runtime
