// Console text, JSON and JUnit XML renderings of scenario runs and capacity searches.
#include "kubetwin/report/run_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "kubetwin/report/findings.hpp"
#include "kubetwin/sim/time.hpp"

namespace kubetwin::report {

std::string hex64(uint64_t v) {
  return fmt::format("0x{:016x}", v);
}

namespace {

using scenario::CapacityResult;
using scenario::ScenarioResult;

// The JSON layout version: bumped when a field changes meaning or is removed (docs/output-json.md).
constexpr int kJsonFormatVersion = 1;

// ---- aligned tables ------------------------------------------------------------------------

// Display width of UTF-8 text: code points, not bytes ("±" is one column).
size_t display_width(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

struct Column {
  std::string header;
  bool right = false;  // numbers align right
};

// Two-space indent, two spaces between columns, no trailing blanks.
std::string render_table(const std::vector<Column>& columns,
                         const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(columns.size(), 0);
  for (size_t c = 0; c < columns.size(); ++c) width[c] = display_width(columns[c].header);
  for (const auto& row : rows) {
    for (size_t c = 0; c < columns.size() && c < row.size(); ++c)
      width[c] = std::max(width[c], display_width(row[c]));
  }
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    std::string l = "  ";
    for (size_t c = 0; c < columns.size(); ++c) {
      const std::string cell = c < cells.size() ? cells[c] : "";
      const size_t pad = width[c] - display_width(cell);
      if (c) l += "  ";
      if (columns[c].right)
        l += std::string(pad, ' ') + cell;
      else
        l += cell + std::string(pad, ' ');
    }
    while (!l.empty() && l.back() == ' ') l.pop_back();
    out += l + "\n";
  };
  std::vector<std::string> headers;
  for (const Column& c : columns) headers.push_back(c.header);
  line(headers);
  for (const auto& row : rows) line(row);
  return out;
}

// ---- numbers -------------------------------------------------------------------------------

// 3 significant-ish digits: "4.21", "42.1", "421".
std::string three_digits(double v) {
  if (v < 10) return fmt::format("{:.2f}", v);
  if (v < 100) return fmt::format("{:.1f}", v);
  return fmt::format("{:.0f}", v);
}

// 1.2k, 12.3k, 456k, 7.8M: the unit is chosen after rounding, so 999.96 becomes "1.0k".
std::string si(double v, bool integer_below_thousand) {
  static constexpr const char* kUnits[] = {"", "k", "M", "G", "T", "P"};
  if (!std::isfinite(v)) return "-";
  if (v < 0) return "-" + si(-v, integer_below_thousand);
  if (v < 999.5) return integer_below_thousand ? fmt::format("{:.0f}", v) : three_digits(v);
  size_t unit = 0;
  while (unit + 1 < std::size(kUnits) && v >= 999.5) {
    v /= 1000;
    ++unit;
  }
  std::string digits = v < 99.95 ? fmt::format("{:.1f}", v) : fmt::format("{:.0f}", v);
  return digits + kUnits[unit];
}

std::string strip_zero_decimal(std::string s) {
  if (s.size() > 2 && s.compare(s.size() - 2, 2, ".0") == 0) s.resize(s.size() - 2);
  return s;
}

// "±0.42" in the units of `format`, or "" when the interval is unknown (one replication).
template <typename Format>
std::string plus_minus(const sim::ConfidenceInterval& ci, Format format) {
  if (!std::isfinite(ci.half_width)) return "";
  return " ±" + format(ci.half_width);
}

// A load factor: up to three decimals, trailing zeros dropped ("x2.375", "x14", "x0.5").
std::string scale_text(double v) {
  std::string s = fmt::format("{:.3f}", v);
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return "x" + s;
}

std::string seconds_text(double s) {
  return sim::format_duration(sim::from_seconds(s));
}

// A moment of the run for people: to the millisecond.
std::string moment_text(double s) {
  return sim::format_duration(sim::from_seconds(std::round(s * 1000) / 1000));
}

std::string plural(uint64_t n, const char* word) {
  return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s");
}

// ---- JSON ----------------------------------------------------------------------------------

// A small pretty-printing JSON writer: two-space indentation, one member per line except inside
// objects opened `inline_`, which print on one line ({"200": 1234, "503": 2}).
class JsonWriter {
 public:
  JsonWriter& begin_object(bool inline_ = false) { return open('{', inline_); }
  JsonWriter& end_object() { return close('}'); }
  JsonWriter& begin_array(bool inline_ = false) { return open('[', inline_); }
  JsonWriter& end_array() { return close(']'); }
  JsonWriter& key(std::string_view k) {
    separator();
    out_ += json_quote(k) + ": ";
    after_key_ = true;
    return *this;
  }
  JsonWriter& string(std::string_view s) { return raw(json_quote(s)); }
  JsonWriter& boolean(bool b) { return raw(b ? "true" : "false"); }
  JsonWriter& integer(int64_t v) { return raw(fmt::format("{}", v)); }
  JsonWriter& unsigned_integer(uint64_t v) { return raw(fmt::format("{}", v)); }
  // Shortest round-trip representation; null for NaN and infinities, which JSON cannot carry.
  JsonWriter& number(double v) {
    if (!std::isfinite(v)) return raw("null");
    if (v == 0) return raw("0");  // no "-0"
    return raw(fmt::format("{}", v));
  }
  JsonWriter& null() { return raw("null"); }

  // Shorthands for members.
  JsonWriter& field(std::string_view k, std::string_view v) { return key(k).string(v); }
  JsonWriter& field(std::string_view k, const char* v) { return key(k).string(v); }
  JsonWriter& field(std::string_view k, const std::string& v) { return key(k).string(v); }
  JsonWriter& field(std::string_view k, bool v) { return key(k).boolean(v); }
  JsonWriter& field(std::string_view k, int v) { return key(k).integer(v); }
  JsonWriter& field(std::string_view k, int64_t v) { return key(k).integer(v); }
  JsonWriter& field(std::string_view k, uint64_t v) { return key(k).unsigned_integer(v); }
  JsonWriter& field(std::string_view k, double v) { return key(k).number(v); }
  JsonWriter& strings(std::string_view k, const std::vector<std::string>& v) {
    key(k).begin_array(true);
    for (const std::string& s : v) string(s);
    return end_array();
  }
  JsonWriter& interval(std::string_view k, const sim::ConfidenceInterval& ci) {
    return key(k)
        .begin_object(true)
        .field("mean", ci.mean)
        .field("half_width", ci.half_width)
        .end_object();
  }

  std::string finish() { return out_ + "\n"; }

 private:
  struct Level {
    bool inline_;
    bool empty = true;
  };
  bool is_inline() const { return !stack_.empty() && stack_.back().inline_; }
  void newline() {
    out_ += '\n';
    out_.append(2 * stack_.size(), ' ');
  }
  // Before a member or element: the comma and the line break.
  void separator() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (stack_.empty()) return;
    Level& l = stack_.back();
    if (!l.empty) out_ += is_inline() ? ", " : ",";
    l.empty = false;
    if (!is_inline()) newline();
  }
  JsonWriter& raw(std::string_view text) {
    separator();
    out_ += text;
    return *this;
  }
  JsonWriter& open(char c, bool inline_) {
    separator();
    out_ += c;
    stack_.push_back({inline_ || is_inline()});
    return *this;
  }
  JsonWriter& close(char c) {
    Level l = stack_.back();
    stack_.pop_back();
    if (!l.empty && !l.inline_) newline();
    out_ += c;
    return *this;
  }

  std::string out_;
  std::vector<Level> stack_;
  bool after_key_ = false;
};

double percentile_ms(const sim::LatencyHistogram& h, double q) {
  return static_cast<double>(h.quantile(q)) / 1e6;
}

uint64_t error_count(const runtime::RouteFigures& r) {
  uint64_t n = 0;
  for (const auto& [status, count] : r.status_counts) {
    if (status < 200 || status >= 300) n += count;
  }
  return n;
}

std::string status_word(int status) {
  return status == 0 ? "no answer" : std::to_string(status);
}

// "503 x12, no answer x3; postgres: too many clients x12": what the errors of a route were.
std::string error_breakdown(const runtime::RouteFigures& r) {
  std::string s;
  for (const auto& [status, count] : r.status_counts) {
    if (status >= 200 && status < 300) continue;
    s += fmt::format("{}{} x{}", s.empty() ? "" : ", ", status_word(status), count);
  }
  std::string reasons;
  for (const auto& [reason, count] : r.error_reasons)
    reasons += fmt::format("{}{} x{}", reasons.empty() ? "" : ", ", reason, count);
  if (!reasons.empty()) s += (s.empty() ? "" : "; ") + reasons;
  return s;
}

std::string qualified(const std::string& ns, const std::string& name) {
  return ns.empty() ? name : ns + "/" + name;
}

double total_simulated_seconds(const ScenarioResult& r) {
  double s = 0;
  for (const auto& run : r.runs) s += run.simulated_seconds;
  return s;
}

// ---- text sections -------------------------------------------------------------------------

void text_verdicts(const ScenarioResult& r, std::string& out) {
  size_t failed = 0;
  if (!r.checks.empty()) {
    std::vector<std::vector<std::string>> rows;
    for (const scenario::CheckVerdict& v : r.checks) {
      rows.push_back({v.passed ? "PASS" : "FAIL", v.check, v.measured});
      if (!v.passed) ++failed;
    }
    out += render_table({{"RESULT"}, {"CHECK"}, {"MEASURED"}}, rows);
  }
  if (r.incomplete) {
    out += fmt::format(
        "  verdict: INCOMPLETE, stopped by --max-wall at {} of {} simulated; checks not judged\n",
        sim::format_duration(sim::from_seconds(r.completed_s)),
        sim::format_duration(sim::from_seconds(r.duration_s)));
  } else if (r.checks.empty()) {
    out +=
        fmt::format("  verdict: {} (no checks; the run completed)\n", r.passed ? "PASS" : "FAIL");
  } else if (failed == 0) {
    out += fmt::format("  verdict: PASS, all {} passed\n", plural(r.checks.size(), "check"));
  } else {
    out +=
        fmt::format("  verdict: FAIL, {} of {} failed\n", failed, plural(r.checks.size(), "check"));
  }
  if (r.knee.found) {
    out += fmt::format("  knee: at {} ({} offered): {}\n",
                       sim::format_duration(sim::from_seconds(r.knee.at_s)),
                       format_rate(r.knee.offered_rate_per_s), r.knee.reason);
  }
}

void text_routes(const ScenarioResult& r, std::string& out) {
  if (r.routes.empty()) return;
  // Grouped by entry point, in the runner's order.
  std::vector<std::string> entries;
  for (const auto& s : r.routes) {
    if (std::find(entries.begin(), entries.end(), s.merged.entry) == entries.end())
      entries.push_back(s.merged.entry);
  }
  for (const std::string& entry : entries) {
    out += fmt::format("\nRoutes via {}\n", entry);
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> breakdowns;
    for (const auto& s : r.routes) {
      const runtime::RouteFigures& f = s.merged;
      if (f.entry != entry) continue;
      const bool answered = f.latency.count() > 0;
      auto lat = [&](double q) {
        return answered ? format_latency_ms(percentile_ms(f.latency, q)) : "-";
      };
      rows.push_back(
          {f.request, format_count(static_cast<double>(f.sent)),
           format_rate(s.throughput_per_s.mean) +
               plus_minus(s.throughput_per_s, [](double v) { return three_digits(v); }),
           format_percent(f.error_rate), lat(0.5), lat(0.95),
           answered ? format_latency_ms(percentile_ms(f.latency, 0.99)) +
                          plus_minus(s.p99_ms, format_latency_ms)
                    : "-",
           answered ? format_latency_ms(static_cast<double>(f.latency.max()) / 1e6) : "-"});
      if (std::string b = error_breakdown(f); !b.empty())
        breakdowns.push_back(fmt::format("  {} errors: {}\n", f.request, b));
    }
    out += render_table({{"REQUEST"},
                         {"SENT", true},
                         {"THROUGHPUT", true},
                         {"ERRORS", true},
                         {"P50", true},
                         {"P95", true},
                         {"P99", true},
                         {"MAX", true}},
                        rows);
    for (const std::string& b : breakdowns) out += b;
  }
}

void text_workloads(const runtime::RunFigures& m, std::string& out) {
  if (m.workloads.empty()) return;
  out += "\nWorkloads\n";
  std::vector<std::vector<std::string>> rows;
  for (const auto& w : m.workloads) {
    rows.push_back({qualified(w.namespace_name, w.name), w.kind, std::to_string(w.pods),
                    w.cpu_limit_milli > 0 ? fmt::format("{}m", w.cpu_limit_milli) : "none",
                    three_digits(w.cpu_cores_mean),
                    w.cpu_limit_milli > 0 ? format_percent(w.cpu_utilisation_of_limit) : "-",
                    format_percent(w.throttled_period_fraction),
                    format_percent(w.worker_utilisation),
                    fmt::format("{:.1f} / {:.0f}", w.queue_mean, w.queue_max),
                    format_count(static_cast<double>(w.requests)),
                    format_count(static_cast<double>(w.rejected))});
  }
  out += render_table({{"WORKLOAD"},
                       {"KIND"},
                       {"PODS", true},
                       {"CPU LIMIT/POD", true},
                       {"CPU CORES", true},
                       {"OF LIMIT", true},
                       {"THROTTLED", true},
                       {"WORKERS BUSY", true},
                       {"QUEUE MEAN/MAX", true},
                       {"HANDLED", true},
                       {"REJECTED", true}},
                      rows);
  // Autoscaling, for the workloads an HPA scaled in the run.
  std::vector<std::vector<std::string>> scaling;
  for (const auto& w : m.workloads) {
    if (w.hpa.empty()) continue;
    scaling.push_back({qualified(w.namespace_name, w.name), w.hpa,
                       fmt::format("{} -> {}", w.replicas_start, w.pods),
                       fmt::format("{} / {}", w.replicas_min, w.replicas_max),
                       fmt::format("{:.2f}", w.replicas_mean),
                       fmt::format("{} / {}", w.scale_ups, w.scale_downs),
                       w.first_scale_up_s >= 0
                           ? sim::format_duration(sim::seconds(std::llround(w.first_scale_up_s)))
                           : "-",
                       format_count(static_cast<double>(w.unschedulable))});
  }
  if (!scaling.empty()) {
    out += "\nAutoscaling (HPA)\n";
    out += render_table({{"WORKLOAD"},
                         {"HPA"},
                         {"REPLICAS", true},
                         {"MIN / MAX", true},
                         {"MEAN", true},
                         {"UPS / DOWNS", true},
                         {"FIRST UP", true},
                         {"PENDING", true}},
                        scaling);
  }
  // Memory, for the workloads whose behaviour models it: the peak working set against the
  // limit, OOM kills, and the time their pods were Ready.
  std::vector<std::vector<std::string>> memory;
  for (const auto& w : m.workloads) {
    if (w.memory_peak_bytes <= 0) continue;
    memory.push_back({qualified(w.namespace_name, w.name),
                      w.memory_limit_bytes > 0
                          ? format_bytes(static_cast<double>(w.memory_limit_bytes))
                          : "none",
                      format_bytes(static_cast<double>(w.memory_peak_bytes)),
                      format_count(static_cast<double>(w.oom_kills)),
                      w.first_oom_kill_s >= 0
                          ? sim::format_duration(sim::seconds(std::llround(w.first_oom_kill_s)))
                          : "-",
                      format_percent(w.ready_fraction)});
  }
  if (memory.empty()) return;
  out += "\nMemory\n";
  out += render_table({{"WORKLOAD"},
                       {"LIMIT/POD", true},
                       {"PEAK/POD", true},
                       {"OOM KILLS", true},
                       {"FIRST KILL", true},
                       {"READY", true}},
                      memory);
}

void text_postgres(const runtime::RunFigures& m, std::string& out) {
  if (m.postgres.empty()) return;
  out += "\nPostgreSQL\n";
  std::vector<std::vector<std::string>> rows;
  for (const auto& p : m.postgres) {
    rows.push_back({qualified(p.namespace_name, p.name),
                    fmt::format("{:.1f} / {:.0f} of {}", p.connections_mean, p.connections_max,
                                p.max_connections),
                    format_count(static_cast<double>(p.connection_refusals)),
                    format_count(static_cast<double>(p.queries)),
                    format_count(static_cast<double>(p.committed_writes)),
                    format_count(static_cast<double>(p.failed_writes)),
                    format_percent(p.cpu_utilisation_of_limit)});
  }
  out += render_table({{"SERVER"},
                       {"CONNECTIONS MEAN / MAX OF USABLE", true},
                       {"TOO MANY CLIENTS", true},
                       {"QUERIES", true},
                       {"COMMITS", true},
                       {"FAILED WRITES", true},
                       {"CPU OF LIMIT", true}},
                      rows);
}

void text_kafka(const runtime::RunFigures& m, std::string& out) {
  if (!m.kafka_topics.empty()) {
    out += "\nKafka topics\n";
    std::vector<std::vector<std::string>> rows;
    for (const auto& t : m.kafka_topics) {
      rows.push_back({qualified(t.namespace_name, t.topic),
                      fmt::format("{} x{}", t.partitions, t.replication_factor),
                      format_rate(t.produced_per_s), format_count(static_cast<double>(t.produced)),
                      format_count(static_cast<double>(t.failed))});
    }
    out += render_table({{"TOPIC"},
                         {"PARTITIONS x RF", true},
                         {"PRODUCED", true},
                         {"RECORDS", true},
                         {"FAILED", true}},
                        rows);
  }
  if (!m.kafka_groups.empty()) {
    out += "\nKafka consumer groups\n";
    std::vector<std::vector<std::string>> rows;
    for (const auto& g : m.kafka_groups) {
      rows.push_back({qualified(g.namespace_name, g.group), g.topic,
                      fmt::format("{} / {}", g.consumers, g.partitions),
                      format_count(static_cast<double>(g.lag_end)),
                      format_count(static_cast<double>(g.lag_max)), format_rate(g.consumed_per_s),
                      fmt::format("{:.0f}%", g.consumer_utilisation * 100)});
    }
    out += render_table({{"GROUP"},
                         {"TOPIC"},
                         {"CONSUMERS / PARTITIONS", true},
                         {"LAG END", true},
                         {"LAG MAX", true},
                         {"CONSUMED", true},
                         {"POLL LOOPS BUSY", true}},
                        rows);
  }
  if (!m.kafka_lost_writes.empty()) {
    out += "\nKafka acknowledged writes (Jepsen lost-write check)\n";
    std::vector<std::vector<std::string>> rows;
    for (const auto& l : m.kafka_lost_writes) {
      rows.push_back({qualified(l.namespace_name, l.cluster), l.topic,
                      std::to_string(l.acknowledged), std::to_string(l.acknowledged_and_read),
                      std::to_string(l.lost), std::to_string(l.beyond_read_horizon)});
    }
    out += render_table({{"CLUSTER"},
                         {"TOPIC"},
                         {"ACKNOWLEDGED", true},
                         {"READ", true},
                         {"LOST", true},
                         {"UNREAD (BEYOND HORIZON)", true}},
                        rows);
  }
}

void text_volumes(const runtime::RunFigures& m, std::string& out) {
  if (m.volumes.empty()) return;
  out += "\nVolumes\n";
  std::vector<std::vector<std::string>> rows;
  for (const auto& v : m.volumes) {
    std::string full_in = v.capacity_bytes > 0 && v.used_bytes >= v.capacity_bytes ? "full"
                          : v.seconds_until_full < 0 || !std::isfinite(v.seconds_until_full)
                              ? "not growing"
                              : format_span(v.seconds_until_full);
    std::string pod = v.pod;  // "ns/pod": the namespace is in the claim column already
    if (pod.rfind(v.namespace_name + "/", 0) == 0) pod = pod.substr(v.namespace_name.size() + 1);
    rows.push_back({qualified(v.namespace_name, v.claim), pod,
                    format_bytes(static_cast<double>(v.used_bytes)) + " / " +
                        format_bytes(static_cast<double>(v.capacity_bytes)),
                    v.capacity_bytes > 0 ? format_percent(static_cast<double>(v.used_bytes) /
                                                          static_cast<double>(v.capacity_bytes))
                                         : "-",
                    format_bytes(v.growth_bytes_per_s * 3600) + "/h", full_in});
  }
  out += render_table({{"CLAIM"},
                       {"POD"},
                       {"USED / CAPACITY", true},
                       {"USED", true},
                       {"GROWTH", true},
                       {"FULL IN", true}},
                      rows);
}

// What each fault hit and what the clients saw (FaultImpact), then the cross-environment flows.
void text_faults(const ScenarioResult& r, std::string& out) {
  if (!r.faults.empty()) {
    out += "\nFaults\n";
    std::vector<std::vector<std::string>> rows;
    for (const scenario::FaultImpact& f : r.faults) {
      std::string targets;
      for (size_t i = 0; i < f.fault.targets.size(); ++i) {
        if (i == 3) {
          targets += fmt::format(" +{}", f.fault.targets.size() - 3);
          break;
        }
        targets += (i ? ", " : "") + f.fault.targets[i];
      }
      if (targets.empty()) targets = "(nothing selected)";
      rows.push_back({f.fault.name, f.fault.action, seconds_text(f.fault.at_s),
                      f.fault.lifted_s >= 0 ? seconds_text(f.fault.lifted_s) : "-", targets,
                      f.detect_s >= 0 ? "+" + seconds_text(f.detect_s) : "none",
                      f.detect_s < 0    ? "-"
                      : f.recover_s < 0 ? "not by the end"
                                        : seconds_text(f.recover_s),
                      seconds_text(f.outage_s)});
    }
    out += render_table({{"FAULT"},
                         {"ACTION"},
                         {"AT", true},
                         {"LIFTED", true},
                         {"TARGETS"},
                         {"DETECTED", true},
                         {"RECOVERED", true},
                         {"OUTAGE", true}},
                        rows);
  }
  if (!r.cross_environment_flows.empty()) {
    out += "\nCross-environment flows\n";
    std::vector<std::vector<std::string>> rows;
    for (const runtime::FlowFigures& f : r.cross_environment_flows) {
      rows.push_back({f.from_environment + " " + f.from_pod, f.to_environment + " " + f.to_pod,
                      f.blocked ? f.kind + ", dropped by NetworkPolicy" : f.kind,
                      format_count(static_cast<double>(f.count)), moment_text(f.first_s)});
    }
    out += render_table({{"FROM"}, {"TO"}, {"KIND"}, {"CALLS", true}, {"FIRST", true}}, rows);
  }
}

void text_footer(const ScenarioResult& r, std::string& out) {
  out += "\n";
  const double sim_each = r.runs.empty() ? r.duration_s : r.runs.front().simulated_seconds;
  const std::string seeds = r.replications > 1
                                ? fmt::format(" (seeds {}..{})", r.seed,
                                              r.seed + static_cast<uint64_t>(r.replications) - 1)
                                : "";
  out += fmt::format("seed {}{}, {} x {} simulated ({} warm-up), {} events, fingerprint {}\n",
                     r.seed, seeds, plural(static_cast<uint64_t>(r.replications), "replication"),
                     seconds_text(sim_each), seconds_text(r.warmup_s),
                     format_count(static_cast<double>(r.events)), hex64(r.fingerprint));
  const double wall = r.wall_seconds;
  if (wall > 0) {
    out += fmt::format("wall {:.2f}s, {} events/s, {} simulated s per wall s\n", wall,
                       format_count(static_cast<double>(r.events) / wall),
                       format_count(total_simulated_seconds(r) / wall));
  } else {
    out += "wall -\n";
  }
}

// ---- JSON sections -------------------------------------------------------------------------

void json_route(JsonWriter& j, const runtime::RouteFigures& f) {
  j.field("entry", f.entry)
      .field("request", f.request)
      .field("sent", f.sent)
      .field("completed", f.completed)
      .field("throughput_per_s", f.throughput_per_s)
      .field("error_rate", f.error_rate)
      .field("errors", error_count(f))
      .field("mean_in_flight", f.mean_in_flight);
  j.key("status_counts").begin_object(true);
  for (const auto& [status, count] : f.status_counts) j.field(std::to_string(status), count);
  j.end_object();
  j.key("error_reasons").begin_object(true);
  for (const auto& [reason, count] : f.error_reasons) j.field(reason, count);
  j.end_object();
  const bool any = f.latency.count() > 0;
  auto q = [&](double p) { return any ? percentile_ms(f.latency, p) : NAN; };
  j.key("latency_ms")
      .begin_object(true)
      .field("count", f.latency.count())
      .field("mean", any ? f.latency.mean() / 1e6 : NAN)
      .field("min", any ? static_cast<double>(f.latency.min()) / 1e6 : NAN)
      .field("p50", q(0.5))
      .field("p95", q(0.95))
      .field("p99", q(0.99))
      .field("p999", q(0.999))
      .field("max", any ? static_cast<double>(f.latency.max()) / 1e6 : NAN)
      .end_object();
}

void json_figures(JsonWriter& j, const runtime::RunFigures& m) {
  j.key("workloads").begin_array();
  for (const auto& w : m.workloads) {
    j.begin_object(true)
        .field("namespace_name", w.namespace_name)
        .field("name", w.name)
        .field("kind", w.kind)
        .field("pods", w.pods)
        .field("cpu_limit_milli", w.cpu_limit_milli)
        .field("cpu_cores_mean", w.cpu_cores_mean)
        .field("cpu_utilisation_of_limit", w.cpu_utilisation_of_limit)
        .field("throttled_period_fraction", w.throttled_period_fraction)
        .field("worker_utilisation", w.worker_utilisation)
        .field("queue_mean", w.queue_mean)
        .field("queue_max", w.queue_max)
        .field("requests", w.requests)
        .field("rejected", w.rejected)
        .field("memory_limit_bytes", w.memory_limit_bytes)
        .field("memory_peak_bytes", w.memory_peak_bytes)
        .field("oom_kills", w.oom_kills)
        .field("first_oom_kill_s", w.first_oom_kill_s)
        .field("ready_fraction", w.ready_fraction)
        .field("ready_min", w.ready_min)
        .field("restarts", w.restarts)
        .field("hpa", w.hpa)
        .field("replicas_start", w.replicas_start)
        .field("replicas_min", w.replicas_min)
        .field("replicas_max", w.replicas_max)
        .field("replicas_mean", w.replicas_mean)
        .field("scale_ups", w.scale_ups)
        .field("scale_downs", w.scale_downs)
        .field("first_scale_up_s", w.first_scale_up_s)
        .field("unschedulable", w.unschedulable)
        .end_object();
  }
  j.end_array();
  j.key("postgres").begin_array();
  for (const auto& p : m.postgres) {
    j.begin_object(true)
        .field("namespace_name", p.namespace_name)
        .field("name", p.name)
        .field("max_connections", p.max_connections)
        .field("connections_mean", p.connections_mean)
        .field("connections_max", p.connections_max)
        .field("connection_refusals", p.connection_refusals)
        .field("queries", p.queries)
        .field("committed_writes", p.committed_writes)
        .field("failed_writes", p.failed_writes)
        .field("cpu_utilisation_of_limit", p.cpu_utilisation_of_limit)
        .end_object();
  }
  j.end_array();
  j.key("kafka_topics").begin_array();
  for (const auto& t : m.kafka_topics) {
    j.begin_object(true)
        .field("namespace_name", t.namespace_name)
        .field("topic", t.topic)
        .field("partitions", t.partitions)
        .field("replication_factor", t.replication_factor)
        .field("produced", t.produced)
        .field("failed", t.failed)
        .field("produced_per_s", t.produced_per_s)
        .end_object();
  }
  j.end_array();
  j.key("kafka_groups").begin_array();
  for (const auto& g : m.kafka_groups) {
    j.begin_object(true)
        .field("namespace_name", g.namespace_name)
        .field("group", g.group)
        .field("topic", g.topic)
        .field("partitions", g.partitions)
        .field("consumers", g.consumers)
        .field("lag_end", g.lag_end)
        .field("lag_max", g.lag_max)
        .field("consumed_per_s", g.consumed_per_s)
        .field("consumer_utilisation", g.consumer_utilisation)
        .end_object();
  }
  j.end_array();
  j.key("kafka_lost_writes").begin_array();
  for (const auto& l : m.kafka_lost_writes) {
    j.begin_object(true)
        .field("namespace_name", l.namespace_name)
        .field("cluster", l.cluster)
        .field("topic", l.topic)
        .field("acknowledged", l.acknowledged)
        .field("acknowledged_and_read", l.acknowledged_and_read)
        .field("lost", l.lost)
        .field("beyond_read_horizon", l.beyond_read_horizon)
        .end_object();
  }
  j.end_array();
  j.key("volumes").begin_array();
  for (const auto& v : m.volumes) {
    j.begin_object(true)
        .field("namespace_name", v.namespace_name)
        .field("claim", v.claim)
        .field("pod", v.pod)
        .field("capacity_bytes", v.capacity_bytes)
        .field("used_bytes", v.used_bytes)
        .field("growth_bytes_per_s", v.growth_bytes_per_s)
        .key("seconds_until_full");
    if (v.seconds_until_full < 0)
      j.null();
    else
      j.number(v.seconds_until_full);
    j.end_object();
  }
  j.end_array();
}

}  // namespace

// ---- public --------------------------------------------------------------------------------

bool parse_run_format(std::string_view text, RunFormat& out) {
  if (text == "text")
    out = RunFormat::kText;
  else if (text == "json")
    out = RunFormat::kJson;
  else
    return false;
  return true;
}

std::string format_rate(double per_s) {
  if (!std::isfinite(per_s)) return "-";
  if (per_s == 0) return "0/s";
  return si(per_s, false) + "/s";
}

std::string format_count(double n) {
  return si(n, true);
}

std::string format_bytes(double bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  if (!std::isfinite(bytes)) return "-";
  if (bytes < 0) return "-" + format_bytes(-bytes);
  if (bytes < 1023.5) return fmt::format("{:.0f} B", bytes);
  size_t unit = 0;
  while (unit + 1 < std::size(kUnits) && bytes >= 1023.5) {
    bytes /= 1024;
    ++unit;
  }
  std::string digits = bytes < 99.95 ? strip_zero_decimal(fmt::format("{:.1f}", bytes))
                                     : fmt::format("{:.0f}", bytes);
  return digits + " " + kUnits[unit];
}

std::string format_latency_ms(double ms) {
  if (!std::isfinite(ms)) return "-";
  if (ms < 10) return fmt::format("{:.2f}ms", ms);
  if (ms < 999.95) return fmt::format("{:.1f}ms", ms);
  return fmt::format("{:.2f}s", ms / 1000);
}

std::string format_percent(double fraction) {
  if (!std::isfinite(fraction)) return "-";
  const double p = fraction * 100;
  if (p == 0) return "0%";
  if (p < 0.1) return fmt::format("{:.3f}%", p);
  if (p < 1) return fmt::format("{:.2f}%", p);
  if (p < 99.95) return fmt::format("{:.1f}%", p);
  return fmt::format("{:.0f}%", p);
}

std::string format_span(double seconds) {
  if (!std::isfinite(seconds)) return "never";
  if (seconds < 1) return "<1s";
  const auto s = static_cast<uint64_t>(seconds);
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m {}s", s / 60, s % 60);
  if (s < 86400) return fmt::format("{}h {}m", s / 3600, s % 3600 / 60);
  return fmt::format("{}d {}h", s / 86400, s % 86400 / 3600);
}

std::string xml_escape(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // XML 1.0 allows only tab, newline and carriage return below 0x20.
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') continue;
        out += static_cast<char>(c);
    }
  }
  return out;
}

std::string render_run_text(const ScenarioResult& r, const RunReportOptions&) {
  std::string out;
  const std::string envs = [&] {
    std::string s;
    for (const std::string& e : r.environments) s += (s.empty() ? "" : ", ") + e;
    return s;
  }();
  out += fmt::format("{} ({})", r.name, r.path);
  if (!envs.empty()) out += fmt::format(", environments: {}", envs);
  out += "\n";
  if (!r.description.empty()) out += "  " + r.description + "\n";
  out += fmt::format("  {} simulated, {} warm-up", seconds_text(r.duration_s),
                     seconds_text(r.warmup_s));
  // Closed-loop loads have no offered rate: their users wait for answers.
  if (r.offered_rate_per_s > 0) out += ", offered " + format_rate(r.offered_rate_per_s);
  if (r.rate_scale != 1) out += fmt::format(" (loads scaled x{})", r.rate_scale);
  out += "\n\n";
  text_verdicts(r, out);
  text_faults(r, out);
  text_routes(r, out);
  text_workloads(r.merged, out);
  text_postgres(r.merged, out);
  text_kafka(r.merged, out);
  text_volumes(r.merged, out);
  if (!r.notes.empty()) {
    out += "\nNotes\n";
    for (const std::string& n : r.notes) out += "  - " + n + "\n";
  }
  text_footer(r, out);
  return out;
}

std::string render_run_json(const ScenarioResult& r, const RunReportOptions& options) {
  JsonWriter j;
  j.begin_object();
  j.field("format_version", kJsonFormatVersion);
  j.key("scenario")
      .begin_object()
      .field("name", r.name)
      .field("description", r.description)
      .field("path", r.path)
      .strings("environments", r.environments)
      .end_object();
  j.field("seed", r.seed)
      .field("replications", r.replications)
      .field("duration_s", r.duration_s)
      .field("warmup_s", r.warmup_s)
      .field("rate_scale", r.rate_scale)
      .field("offered_rate_per_s", r.offered_rate_per_s)
      .field("passed", r.passed)
      .field("incomplete", r.incomplete)
      .field("completed_s", r.completed_s);
  j.key("knee")
      .begin_object(true)
      .field("found", r.knee.found)
      .field("at_s", r.knee.at_s)
      .field("offered_rate_per_s", r.knee.offered_rate_per_s)
      .field("baseline_ms", r.knee.baseline_ms)
      .field("mean_ms", r.knee.mean_ms)
      .field("error_rate", r.knee.error_rate)
      .field("reason", r.knee.reason)
      .end_object();
  j.key("checks").begin_array();
  for (const scenario::CheckVerdict& v : r.checks) {
    j.begin_object(true)
        .field("check", v.check)
        .field("passed", v.passed)
        .field("measured", v.measured)
        .field("file", v.where.path ? v.where.file() : "")
        .field("line", v.where.line)
        .field("column", v.where.column)
        .end_object();
  }
  j.end_array();
  j.key("routes").begin_array();
  for (const scenario::RouteSummary& s : r.routes) {
    j.begin_object();
    json_route(j, s.merged);
    j.interval("throughput_per_s_ci95", s.throughput_per_s).interval("p99_ms_ci95", s.p99_ms);
    j.end_object();
  }
  j.end_array();
  json_figures(j, r.merged);
  j.key("faults").begin_array();
  for (const scenario::FaultImpact& f : r.faults) {
    j.begin_object(true)
        .field("name", f.fault.name)
        .field("action", f.fault.action)
        .field("at_s", f.fault.at_s)
        .field("lifted_s", f.fault.lifted_s)
        .strings("targets", f.fault.targets)
        .field("detect_s", f.detect_s)
        .field("recover_s", f.recover_s)
        .field("outage_s", f.outage_s)
        .end_object();
  }
  j.end_array();
  j.key("cross_environment_flows").begin_array();
  for (const runtime::FlowFigures& f : r.cross_environment_flows) {
    j.begin_object(true)
        .field("from_pod", f.from_pod)
        .field("from_environment", f.from_environment)
        .field("to_pod", f.to_pod)
        .field("to_environment", f.to_environment)
        .field("kind", f.kind)
        .field("blocked", f.blocked)
        .field("count", f.count)
        .field("first_s", f.first_s)
        .end_object();
  }
  j.end_array();
  j.key("kube_events").begin_array();
  if (!r.runs.empty()) {
    for (const runtime::KubeEvent& e : r.runs.front().kube_events) {
      j.begin_object(true)
          .field("at_s", e.at_s)
          .field("object", e.object)
          .field("type", e.type)
          .field("reason", e.reason)
          .field("message", e.message)
          .end_object();
    }
  }
  j.end_array();
  j.strings("notes", r.notes);
  j.field("simulated_seconds", total_simulated_seconds(r))
      .field("events", r.events)
      .field("fingerprint", hex64(r.fingerprint));
  j.key("runs").begin_array();
  for (const runtime::RunFigures& run : r.runs) {
    j.begin_object()
        .field("seed", run.seed)
        .field("simulated_seconds", run.simulated_seconds)
        .field("measured_seconds", run.measured_seconds)
        .field("events", run.events)
        .field("fingerprint", hex64(run.fingerprint));
    j.key("routes").begin_array();
    for (const runtime::RouteFigures& f : run.routes) {
      j.begin_object(true)
          .field("entry", f.entry)
          .field("request", f.request)
          .field("completed", f.completed)
          .field("throughput_per_s", f.throughput_per_s)
          .field("error_rate", f.error_rate)
          .field("p99_ms", f.latency.count() ? percentile_ms(f.latency, 0.99) : NAN)
          .end_object();
    }
    j.end_array().end_object();
  }
  j.end_array();
  if (options.timing) {
    const double wall = r.wall_seconds;
    j.key("timing")
        .begin_object(true)
        .field("wall_seconds", wall)
        .field("events_per_wall_second", wall > 0 ? static_cast<double>(r.events) / wall : NAN)
        .field("simulated_seconds_per_wall_second",
               wall > 0 ? total_simulated_seconds(r) / wall : NAN)
        .end_object();
  }
  j.end_object();
  return j.finish();
}

std::string render_run(const ScenarioResult& r, RunFormat format, const RunReportOptions& options) {
  return format == RunFormat::kJson ? render_run_json(r, options) : render_run_text(r, options);
}

std::string render_verdict_table(const std::vector<ScenarioResult>& results) {
  std::vector<std::vector<std::string>> rows;
  for (const ScenarioResult& r : results) {
    size_t passed = 0;
    std::string headline;
    for (const scenario::CheckVerdict& v : r.checks) {
      if (v.passed) {
        ++passed;
      } else if (headline.empty()) {
        headline = v.check + ": " + v.measured;
      }
    }
    if (headline.empty()) {
      const scenario::FaultImpact* worst = nullptr;
      for (const scenario::FaultImpact& f : r.faults) {
        if (!worst || f.outage_s > worst->outage_s) worst = &f;
      }
      headline =
          worst ? fmt::format("{}: outage {}", worst->fault.name, seconds_text(worst->outage_s))
                : "no fault";
    }
    if (headline.size() > 110) headline = headline.substr(0, 107) + "...";
    rows.push_back({r.name, r.passed ? "PASS" : "FAIL",
                    fmt::format("{}/{}", passed, r.checks.size()), headline});
  }
  return render_table({{"SCENARIO"}, {"VERDICT"}, {"CHECKS", true}, {"WHAT IT SHOWS"}}, rows);
}

std::string render_run_junit(const std::vector<ScenarioResult>& results,
                             const RunReportOptions& options) {
  size_t tests = 0, failures = 0;
  double wall = 0;
  for (const ScenarioResult& r : results) {
    tests += std::max<size_t>(r.checks.size(), 1);
    for (const auto& v : r.checks) failures += v.passed ? 0 : 1;
    if (r.checks.empty() && !r.passed) ++failures;
    wall += r.wall_seconds;
  }
  auto time_attr = [&](double s) {
    return options.timing ? fmt::format(" time=\"{:.3f}\"", s) : std::string();
  };
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format(
      "<testsuites name=\"kubetwin run\" tests=\"{}\" failures=\"{}\" errors=\"0\"{}>\n", tests,
      failures, time_attr(wall));
  for (const ScenarioResult& r : results) {
    size_t f = 0;
    for (const auto& v : r.checks) f += v.passed ? 0 : 1;
    if (r.checks.empty() && !r.passed) ++f;
    out += fmt::format(
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\"{} "
        "file=\"{}\">\n",
        xml_escape(r.name), std::max<size_t>(r.checks.size(), 1), f, time_attr(r.wall_seconds),
        xml_escape(r.path));
    out += fmt::format(
        "    <properties>\n      <property name=\"seed\" value=\"{}\"/>\n"
        "      <property name=\"replications\" value=\"{}\"/>\n"
        "      <property name=\"fingerprint\" value=\"{}\"/>\n    </properties>\n",
        r.seed, r.replications, hex64(r.fingerprint));
    if (r.checks.empty()) {
      out += fmt::format("    <testcase classname=\"{}\" name=\"run completed\"/>\n",
                         xml_escape(r.name));
    }
    for (const scenario::CheckVerdict& v : r.checks) {
      std::string location;
      if (v.where.path)
        location =
            fmt::format(" file=\"{}\" line=\"{}\"", xml_escape(v.where.file()), v.where.line);
      out += fmt::format("    <testcase classname=\"{}\" name=\"{}\"{}", xml_escape(r.name),
                         xml_escape(v.check), location);
      if (v.passed) {
        out += fmt::format(">\n      <system-out>{}</system-out>\n    </testcase>\n",
                           xml_escape(v.measured));
      } else {
        out += fmt::format(
            ">\n      <failure message=\"{}\" type=\"check\">{}: {}</failure>\n    </testcase>\n",
            xml_escape(v.measured), xml_escape(v.where.str()), xml_escape(v.measured));
      }
    }
    out += "  </testsuite>\n";
  }
  out += "</testsuites>\n";
  return out;
}

std::string replications_text(const scenario::CapacityProbe& p, const scenario::CapacityResult& c) {
  return c.replications > 0 ? fmt::format("{} of {}", p.replications, c.replications)
                            : std::to_string(p.replications);
}

namespace {

// "; an error counts against p99: errors below 1%" when the SLO bounds latency only
// (scenario::error_rate_bound).
std::string implied_errors_text(const scenario::CapacitySlo& slo) {
  if (slo.error_rate_below || !slo.below) return "";
  const double bound = *scenario::error_rate_bound(slo);
  const std::string q(scenario::to_string(slo.quantile));
  if (bound <= 0) return "; an error counts against " + q + ": none allowed";
  return fmt::format("; an error counts against {}: errors below {:g}%", q, bound * 100);
}

}  // namespace

std::string render_capacity_text(const CapacityResult& c) {
  std::string out = c.summary + "\n\n";
  out += fmt::format("  scenario: {}\n  slo: {}{}{}\n", c.scenario, c.slo.text,
                     c.slo.route.empty() ? " (every route)" : " (route " + c.slo.route + ")",
                     implied_errors_text(c.slo));
  if (c.found) {
    out += fmt::format("  answer: {} offered at {} of the scenario's load\n",
                       format_rate(c.max_rate_per_s), scale_text(c.scale));
  } else {
    out += "  answer: not bracketed (no passing and failing probe pair)\n";
  }
  if (!c.bottleneck.resource.empty()) {
    out += fmt::format("  {}: {} [{}], {} full: {}\n",
                       c.bottleneck.saturated() ? "bottleneck" : "most loaded (none saturated)",
                       c.bottleneck.resource, c.bottleneck.kind,
                       format_percent(c.bottleneck.saturation), c.bottleneck.evidence);
  }
  out += "\n";
  std::vector<std::vector<std::string>> rows;
  for (size_t i = 0; i < c.probes.size(); ++i) {
    const scenario::CapacityProbe& p = c.probes[i];
    rows.push_back({std::to_string(i + 1), scale_text(p.scale), format_rate(p.offered_rate_per_s),
                    p.passed ? "pass" : "FAIL", replications_text(p, c), p.measured});
  }
  out += render_table({{"PROBE", true},
                       {"SCALE", true},
                       {"OFFERED", true},
                       {"SLO"},
                       {"REPLICATIONS", true},
                       {"WORST ROUTE"}},
                      rows);
  return out;
}

std::string render_capacity_json(const CapacityResult& c) {
  JsonWriter j;
  j.begin_object();
  j.field("format_version", kJsonFormatVersion).field("scenario", c.scenario);
  j.field("replications", c.replications);
  j.key("slo")
      .begin_object(true)
      .field("text", c.slo.text)
      .field("quantile", std::string(scenario::to_string(c.slo.quantile)))
      .key("below_ms");
  if (c.slo.below)
    j.number(sim::to_millis(*c.slo.below));
  else
    j.null();
  j.key("error_rate_below");
  if (c.slo.error_rate_below)
    j.number(*c.slo.error_rate_below);
  else
    j.null();
  // What the probes were judged on: error_rate_below, or the bound a latency SLO implies.
  j.key("error_rate_bound");
  if (const std::optional<double> bound = scenario::error_rate_bound(c.slo))
    j.number(*bound);
  else
    j.null();
  j.field("route", c.slo.route).end_object();
  j.field("found", c.found).field("scale", c.scale).field("max_rate_per_s", c.max_rate_per_s);
  j.key("bottleneck")
      .begin_object(true)
      .field("resource", c.bottleneck.resource)
      .field("kind", c.bottleneck.kind)
      .field("saturation", c.bottleneck.saturation)
      .field("evidence", c.bottleneck.evidence)
      .field("saturated", c.bottleneck.saturated())
      .end_object();
  j.key("probes").begin_array();
  for (const scenario::CapacityProbe& p : c.probes) {
    j.begin_object(true)
        .field("scale", p.scale)
        .field("offered_rate_per_s", p.offered_rate_per_s)
        .field("passed", p.passed)
        .field("measured", p.measured)
        .field("replications", p.replications)
        .end_object();
  }
  j.end_array();
  j.field("summary", c.summary);
  j.end_object();
  return j.finish();
}

}  // namespace kubetwin::report
