// RequestTracer: sampling, tracks and the span stacks of sampled requests.
#include "kubetwin/runtime/trace.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

namespace kubetwin::runtime {

const char* span_category(SpanKind kind) {
  switch (kind) {
    case SpanKind::kRequest:
      return "client";
    case SpanKind::kNetwork:
      return "network";
    case SpanKind::kGateway:
    case SpanKind::kGatewayCpu:
    case SpanKind::kRoute:
    case SpanKind::kUpstreamConnect:
    case SpanKind::kUpstream:
      return "gateway";
    case SpanKind::kServe:
    case SpanKind::kAcceptQueue:
      return "pod";
    case SpanKind::kCpuWait:
    case SpanKind::kCpu:
    case SpanKind::kCfsStall:
      return "cpu";
    case SpanKind::kPostgres:
    case SpanKind::kPoolWait:
    case SpanKind::kPostgresCpu:
    case SpanKind::kWalFlush:
      return "postgres";
    case SpanKind::kKafkaProduce:
    case SpanKind::kKafkaReplicate:
    case SpanKind::kFollowerFetch:
    case SpanKind::kRetry:
      return "kafka";
    case SpanKind::kConsumerBatch:
    case SpanKind::kConsume:
      return "consumer";
    case SpanKind::kError:
    case SpanKind::kCount:
      break;
  }
  return "error";
}

const char* span_kind_name(SpanKind kind) {
  static constexpr const char* kNames[] = {"request",        "network",       "gateway",
                                           "gateway_cpu",    "route",         "upstream_connect",
                                           "upstream",       "serve",         "accept_queue",
                                           "cpu_wait",       "cpu",           "cfs_stall",
                                           "postgres",       "pool_wait",     "postgres_cpu",
                                           "wal_flush",      "kafka_produce", "kafka_replicate",
                                           "follower_fetch", "retry",         "consumer_batch",
                                           "consume",        "error"};
  static_assert(sizeof kNames / sizeof kNames[0] == static_cast<size_t>(SpanKind::kCount));
  return kNames[static_cast<size_t>(kind)];
}

std::string trace_duration(sim::Time d) {
  char buf[48];
  if (d < 0) d = 0;
  if (d < sim::micros(1)) {
    std::snprintf(buf, sizeof buf, "%" PRId64 " ns", d);
  } else if (d < sim::millis(1)) {
    std::snprintf(buf, sizeof buf, "%" PRId64 " us", d / 1000);
  } else if (d < sim::seconds(10)) {
    // Tenths of a millisecond, rounded half up on integers (no floating point: same bytes
    // everywhere).
    const int64_t tenths = (d + 50'000) / 100'000;
    std::snprintf(buf, sizeof buf, "%" PRId64 ".%" PRId64 " ms", tenths / 10, tenths % 10);
  } else {
    const int64_t hundredths = (d + 5'000'000) / 10'000'000;
    std::snprintf(buf, sizeof buf, "%" PRId64 ".%02" PRId64 " s", hundredths / 100,
                  hundredths % 100);
  }
  return buf;
}

std::string span_sentence(const TraceSpan& span) {
  std::string out = span.text;
  const std::string d = trace_duration(span.end - span.start);
  for (size_t at = out.find("{d}"); at != std::string::npos; at = out.find("{d}", at + d.size()))
    out.replace(at, 3, d);
  return out;
}

RequestTracer::RequestTracer(const TraceOptions& options) : options_(options) {
  traces_.sample_every = options.only_request > 0 ? 0 : options.sample_every;
  traces_.only_request = options.only_request;
}

uint32_t RequestTracer::on_send(const std::string& route, const std::string& entry,
                                sim::Time sent) {
  const uint64_t id = ++traces_.requests_sent;
  bool sampled = false;
  if (!options_.only_route.empty()) {
    sampled = route == options_.only_route && ++traces_.route_requests == options_.only_request;
  } else if (options_.only_request > 0) {
    sampled = id == options_.only_request;
  } else {
    sampled = options_.sample_every > 0 && id % options_.sample_every == 0;
  }
  if (!sampled || traces_.traces.size() >= options_.max_traces) return kNoSpan;
  RequestTrace t;
  t.request = id;
  t.route = route;
  t.entry = entry;
  t.sent = sent;
  traces_.traces.push_back(std::move(t));
  return static_cast<uint32_t>(traces_.traces.size() - 1);
}

void RequestTracer::on_answer(uint32_t trace, sim::Time at, int status,
                              const std::string& failure) {
  RequestTrace& t = traces_.traces[trace];
  t.answered = at;
  t.status = status;
  t.failure = failure;
}

uint32_t RequestTracer::track(const std::string& process, const std::string& thread) {
  for (size_t i = 0; i < traces_.tracks.size(); ++i) {
    if (traces_.tracks[i].thread == thread && traces_.tracks[i].process == process)
      return static_cast<uint32_t>(i);
  }
  traces_.tracks.push_back(TraceTrack{process, thread});
  return static_cast<uint32_t>(traces_.tracks.size() - 1);
}

namespace {
uint64_t key(uint32_t trace, uint32_t slot) {
  return uint64_t{trace} << 32 | slot;
}
}  // namespace

RequestTracer::SlotState* RequestTracer::find(uint32_t trace, uint32_t slot) {
  auto it = slots_.find(key(trace, slot));
  return it == slots_.end() ? nullptr : &it->second;
}

const RequestTracer::SlotState* RequestTracer::find(uint32_t trace, uint32_t slot) const {
  auto it = slots_.find(key(trace, slot));
  return it == slots_.end() ? nullptr : &it->second;
}

RequestTracer::SlotState& RequestTracer::state(uint32_t trace, uint32_t slot) {
  return slots_[key(trace, slot)];
}

void RequestTracer::adopt(uint32_t trace, uint32_t slot, uint32_t parent_slot,
                          uint32_t parent_span) {
  const uint32_t parent = parent_span != kNoSpan ? parent_span : innermost(trace, parent_slot);
  SlotState& s = state(trace, slot);
  s.parent = parent;
  s.stack.clear();
}

uint32_t RequestTracer::innermost(uint32_t trace, uint32_t slot) const {
  const SlotState* s = find(trace, slot);
  if (!s) return kNoSpan;
  return s->stack.empty() ? s->parent : s->stack.back();
}

uint32_t RequestTracer::begin(uint32_t trace, uint32_t slot, SpanKind kind, uint32_t track,
                              sim::Time start, std::string label, std::string text) {
  SlotState& s = state(trace, slot);
  std::vector<TraceSpan>& spans = traces_.traces[trace].spans;
  TraceSpan span;
  span.kind = kind;
  span.track = track;
  span.parent = s.stack.empty() ? s.parent : s.stack.back();
  span.start = start;
  span.label = std::move(label);
  span.text = std::move(text);
  spans.push_back(std::move(span));
  const uint32_t index = static_cast<uint32_t>(spans.size() - 1);
  s.stack.push_back(index);
  return index;
}

uint32_t RequestTracer::end(uint32_t trace, uint32_t slot, SpanKind kind, sim::Time at,
                            const std::string& more) {
  SlotState* s = find(trace, slot);
  if (!s) return kNoSpan;
  std::vector<TraceSpan>& spans = traces_.traces[trace].spans;
  for (size_t i = s->stack.size(); i-- > 0;) {
    const uint32_t index = s->stack[i];
    if (spans[index].kind != kind) continue;
    // Spans opened inside it and left open end with it.
    for (size_t j = s->stack.size(); j-- > i;) {
      TraceSpan& open = spans[s->stack[j]];
      open.end = std::max(open.start, at);
    }
    s->stack.resize(i);
    spans[index].text += more;
    return index;
  }
  return kNoSpan;
}

uint32_t RequestTracer::complete(uint32_t trace, uint32_t slot, SpanKind kind, uint32_t track,
                                 sim::Time start, sim::Time end, std::string label,
                                 std::string text) {
  return complete_under(trace, innermost(trace, slot), kind, track, start, end, std::move(label),
                        std::move(text));
}

uint32_t RequestTracer::complete_under(uint32_t trace, uint32_t parent, SpanKind kind,
                                       uint32_t track, sim::Time start, sim::Time end,
                                       std::string label, std::string text) {
  std::vector<TraceSpan>& spans = traces_.traces[trace].spans;
  TraceSpan span;
  span.kind = kind;
  span.track = track;
  span.parent = parent;
  span.start = start;
  span.end = std::max(start, end);
  span.label = std::move(label);
  span.text = std::move(text);
  spans.push_back(std::move(span));
  return static_cast<uint32_t>(spans.size() - 1);
}

void RequestTracer::release(uint32_t trace, uint32_t slot, sim::Time at) {
  auto it = slots_.find(key(trace, slot));
  if (it == slots_.end()) return;
  std::vector<TraceSpan>& spans = traces_.traces[trace].spans;
  for (uint32_t index : it->second.stack) {
    if (spans[index].end < 0) spans[index].end = std::max(spans[index].start, at);
  }
  slots_.erase(it);
}

void RequestTracer::set_aux(uint32_t trace, uint32_t slot, int64_t value, int which) {
  state(trace, slot).aux[which & 1] = value;
}

int64_t RequestTracer::aux(uint32_t trace, uint32_t slot, int which) const {
  const SlotState* s = find(trace, slot);
  return s ? s->aux[which & 1] : 0;
}

RequestTraces RequestTracer::finish(sim::Time now) {
  for (RequestTrace& t : traces_.traces) {
    for (TraceSpan& s : t.spans) {
      if (s.end < 0) s.end = std::max(s.start, now);
    }
  }
  slots_.clear();
  open_cpu_.clear();
  return traces_;
}

}  // namespace kubetwin::runtime
