// Request traces written out: Chrome trace-event JSON and the narrated request.
#include "kubetwin/report/request_traces.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <vector>

#include "kubetwin/k8s/json.hpp"

namespace kubetwin::report {

namespace {

// Microseconds with three decimals, from integer nanoseconds: no floating point, same bytes
// everywhere.
std::string micros(sim::Time ns) {
  if (ns < 0) ns = 0;
  return fmt::format("{}.{:03}", ns / 1000, ns % 1000);
}

std::string millis(sim::Time ns) {
  if (ns < 0) ns = 0;
  return fmt::format("{}.{:03}", ns / 1'000'000, (ns / 1000) % 1000);
}

}  // namespace

std::string render_chrome_trace(const runtime::RequestTraces& traces,
                                const std::string& scenario_name) {
  // Processes in the order their first track appears; the client first when present.
  std::map<std::string, int> pid;
  std::vector<std::string> processes;
  for (const runtime::TraceTrack& t : traces.tracks) {
    if (pid.emplace(t.process, 0).second) processes.push_back(t.process);
  }
  std::stable_partition(processes.begin(), processes.end(),
                        [](const std::string& p) { return p == "client"; });
  for (size_t i = 0; i < processes.size(); ++i) pid[processes[i]] = static_cast<int>(i) + 1;

  std::string out = "{\"traceEvents\":[\n";
  bool first = true;
  auto event = [&](const std::string& e) {
    out += first ? "" : ",\n";
    out += e;
    first = false;
  };
  for (size_t i = 0; i < processes.size(); ++i) {
    event(fmt::format(
        "{{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":{},\"tid\":0,\"args\":{{\"name\":{}}}}}",
        i + 1, k8s::json_quote(processes[i])));
    event(
        fmt::format("{{\"name\":\"process_sort_index\",\"ph\":\"M\",\"pid\":{},\"tid\":0,"
                    "\"args\":{{\"sort_index\":{}}}}}",
                    i + 1, i + 1));
  }
  for (size_t t = 0; t < traces.tracks.size(); ++t) {
    const runtime::TraceTrack& track = traces.tracks[t];
    event(fmt::format(
        "{{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":{},\"tid\":{},\"args\":{{\"name\":{}}}}}",
        pid[track.process], t + 1, k8s::json_quote(track.thread)));
  }
  for (const runtime::RequestTrace& r : traces.traces) {
    for (size_t i = 0; i < r.spans.size(); ++i) {
      const runtime::TraceSpan& s = r.spans[i];
      const runtime::TraceTrack& track = traces.tracks[s.track];
      std::string parent =
          s.parent == runtime::kNoSpan ? std::string("null") : std::to_string(s.parent);
      event(fmt::format(
          "{{\"name\":{},\"cat\":\"{}\",\"ph\":\"X\",\"ts\":{},\"dur\":{},\"pid\":{},\"tid\":{},"
          "\"args\":{{\"request\":{},\"route\":{},\"span\":{},\"parent\":{},\"kind\":\"{}\","
          "\"text\":{}}}}}",
          k8s::json_quote(s.label), runtime::span_category(s.kind), micros(s.start),
          micros(s.end - s.start), pid[track.process], s.track + 1, r.request,
          k8s::json_quote(r.route), i, parent, runtime::span_kind_name(s.kind),
          k8s::json_quote(runtime::span_sentence(s))));
    }
  }
  out += "\n],\"displayTimeUnit\":\"ms\",\"otherData\":{";
  out += fmt::format("\"scenario\":{},\"requests_sent\":{},\"sample_every\":{},\"traces\":{}",
                     k8s::json_quote(scenario_name), traces.requests_sent, traces.sample_every,
                     traces.traces.size());
  out += "}}\n";
  return out;
}

std::string narrate_request(const runtime::RequestTraces& traces, const runtime::RequestTrace& r) {
  std::string out =
      fmt::format("Request {}: {} to {}, sent at {}.{:06} s of simulated time", r.request, r.route,
                  r.entry, r.sent / 1'000'000'000, (r.sent / 1000) % 1'000'000);
  if (r.answered < 0) {
    out += "; not answered by the end of the run.\n";
  } else if (r.status == 0) {
    out += fmt::format("; the client gave up after {}.\n",
                       runtime::trace_duration(r.answered - r.sent));
  } else {
    out += fmt::format("; answered {}{} after {}.\n", r.status,
                       r.failure.empty() ? "" : " (" + r.failure + ")",
                       runtime::trace_duration(r.answered - r.sent));
  }
  std::vector<size_t> order(r.spans.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return r.spans[a].start < r.spans[b].start; });
  for (size_t i : order) {
    const runtime::TraceSpan& s = r.spans[i];
    const runtime::TraceTrack& track = traces.tracks[s.track];
    const std::string actor = track.process == "client" ? "the client" : track.thread;
    std::string text = runtime::span_sentence(s);
    out += fmt::format("{:>12} ms  {} {}\n", millis(s.start - r.sent), actor, text);
  }
  return out;
}

}  // namespace kubetwin::report
