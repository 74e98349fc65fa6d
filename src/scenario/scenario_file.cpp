// Scenario files: field-by-field parsing and validation, the model index resolved and loaded.
#include "kubetwin/scenario/scenario_file.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <memory>
#include <set>
#include <sstream>

#include "kubetwin/k8s/loader.hpp"
#include "kubetwin/runtime/behaviour_spec.hpp"
#include "kubetwin/runtime/results.hpp"
#include "kubetwin/scenario/behaviour_file.hpp"
#include "kubetwin/scenario/values.hpp"
#include "scenario/fields.hpp"

namespace kubetwin::scenario {

namespace fs = std::filesystem;

namespace {

using internal::FieldReader;
using internal::wrong_type;
using k8s::InputError;
using k8s::Node;

using internal::indexed;
using internal::sequence;

std::vector<std::string> string_list(const Node& node, const std::string& field,
                                     std::string_view hint) {
  std::vector<std::string> out;
  const auto& items = sequence(node, field, hint);
  for (std::size_t i = 0; i < items.size(); ++i)
    out.push_back(parse_string(items[i], indexed(field, i)));
  return out;
}

std::string base_dir_of(const std::string& file) {
  fs::path dir = fs::path(file).parent_path();
  return dir.empty() ? std::string(".") : dir.string();
}

std::string resolve(const std::string& base_dir, const std::string& p) {
  if (fs::path(p).is_absolute()) return fs::path(p).lexically_normal().string();
  return (fs::path(base_dir) / p).lexically_normal().string();
}

// spec.model: a twin.yaml or its directory, relative to the scenario file.
std::string resolve_model(const Node& node, const std::string& field, const std::string& base_dir) {
  std::string written = parse_string(node, field);
  std::string path = resolve(base_dir, written);
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    std::string index = (fs::path(path) / "twin.yaml").string();
    if (!fs::is_regular_file(index, ec))
      throw InputError(
          node.location(), field + ": the directory " + path + " has no twin.yaml",
          "name a model directory such as ../../models/amazon-store, or its twin.yaml");
    return index;
  }
  if (!fs::is_regular_file(path, ec))
    throw InputError(node.location(), field + ": no model at " + path,
                     "the path is relative to the scenario file; name a model directory (with a "
                     "twin.yaml) or the twin.yaml itself");
  return path;
}

std::string resolve_file(const Node& node, const std::string& field, const std::string& base_dir,
                         std::string_view what) {
  std::string path = resolve(base_dir, parse_string(node, field));
  std::error_code ec;
  if (!fs::is_regular_file(path, ec))
    throw InputError(node.location(), field + ": no " + std::string(what) + " at " + path,
                     "the path is relative to the scenario file");
  return path;
}

void check_request(const Node& node, const std::string& field, std::string* out) {
  *out = parse_string(node, field);
  if (!runtime::split_request_line(*out, nullptr, nullptr))
    throw InputError(node.location(), field + ": \"" + *out + "\" is not a request line",
                     "write METHOD /path, e.g. \"GET /users/{id}\"");
}

LoadTarget parse_target(const Node& node, const std::string& field) {
  FieldReader r(node, field, {"gateway", "host", "service", "namespace", "port"});
  LoadTarget t;
  t.where = node.location();
  bool gateway = r.has("gateway"), service = r.has("service");
  if (gateway == service)
    throw InputError(node.location(),
                     field + (gateway ? " names both a gateway and a service"
                                      : " names no gateway and no service"),
                     "write {gateway: kong-prod, host: api.amazon-store.com} or "
                     "{service: orders-api, namespace: amazon-api-prod, port: 80}");
  if (gateway) {
    t.kind = LoadTarget::Kind::kGateway;
    t.gateway = parse_string(r.require("gateway"), r.field("gateway"));
    t.host = parse_string(
        r.require("host",
                  "the Host header the gateway's Ingress matches, e.g. host: api.amazon-store.com"),
        r.field("host"));
    t.host_where = r.get("host")->location();
    for (const char* k : {"namespace", "port"})
      if (const Node* v = r.get(k))
        throw InputError(v->location(), r.field(k) + " applies to a service target only",
                         "a gateway target is {gateway, host}");
  } else {
    t.kind = LoadTarget::Kind::kService;
    t.service = parse_string(r.require("service"), r.field("service"));
    t.namespace_name = parse_string(
        r.require("namespace", "the Service's namespace, e.g. namespace: amazon-api-prod"),
        r.field("namespace"));
    if (const Node* v = r.get("port"))
      t.port = static_cast<int>(parse_integer(*v, r.field("port"), 1, 65535));
    if (const Node* v = r.get("host"))
      throw InputError(v->location(), r.field("host") + " applies to a gateway target only",
                       "a service target is {service, namespace, port}");
  }
  return t;
}

ClosedLoop parse_closed(const Node& node, const std::string& field) {
  FieldReader r(node, field, {"users", "thinkTime"});
  ClosedLoop c;
  c.users =
      static_cast<int>(parse_integer(r.require("users", "e.g. closed: {users: 200, thinkTime: 2s}"),
                                     r.field("users"), 1, 10'000'000));
  const Node& think = r.require("thinkTime", "e.g. thinkTime: 2s (the mean of an exponential)");
  if (think.is_scalar()) {
    sim::Time mean = parse_duration(think, r.field("thinkTime"));
    c.think_time = mean > 0 ? sim::Distribution::exponential(sim::to_seconds(mean))
                            : sim::Distribution::deterministic(0);
  } else {
    c.think_time = parse_distribution(think, r.field("thinkTime"));
  }
  return c;
}

RateProfile parse_points(const Node& node, const std::string& field) {
  const auto& items = sequence(
      node, field, "e.g. profile: [{at: 0s, rate: 100/s}, {at: 10m, rate: 600/s, ramp: 5m}]");
  if (items.empty())
    throw InputError(node.location(), field + " is empty", "give at least one {at, rate} point");
  std::vector<RatePoint> points;
  for (std::size_t i = 0; i < items.size(); ++i) {
    FieldReader p(items[i], indexed(field, i), {"at", "rate", "ramp"});
    RatePoint pt;
    const Node& at = p.require("at", "e.g. {at: 10m, rate: 600/s}");
    pt.at = parse_duration(at, p.field("at"));
    pt.rate = parse_rate(p.require("rate", "e.g. {at: 10m, rate: 600/s}"), p.field("rate"));
    if (const Node* v = p.get("ramp")) pt.ramp = parse_duration(*v, p.field("ramp"));
    if (!points.empty()) {
      const RatePoint& prev = points.back();
      if (pt.at <= prev.at)
        throw InputError(at.location(),
                         p.field("at") + " must come after the previous point's (" +
                             sim::format_duration(prev.at) + ")",
                         "list the points in time order");
      if (prev.at + prev.ramp > pt.at)
        throw InputError(at.location(),
                         p.field("at") + " starts before the previous point's ramp ends (" +
                             sim::format_duration(prev.at + prev.ramp) + ")",
                         "shorten the ramp or move this point later");
    }
    points.push_back(pt);
  }
  return RateProfile::piecewise(std::move(points));
}

RateProfile parse_step(const Node& node, const std::string& field) {
  FieldReader r(node, field, {"from", "by", "every", "to"});
  const char* hint = "e.g. step: {from: 50/s, by: 50/s, every: 2m, to: 1000/s}";
  StepShape s;
  s.from = parse_rate(r.require("from", hint), r.field("from"));
  const Node& by = r.require("by", hint);
  s.by = parse_rate(by, r.field("by"));
  const Node& every = r.require("every", hint);
  s.every = parse_duration(every, r.field("every"));
  const Node& to = r.require("to", hint);
  s.to = parse_rate(to, r.field("to"));
  if (s.by <= 0) throw InputError(by.location(), r.field("by") + " must be above 0", hint);
  if (s.every <= 0) throw InputError(every.location(), r.field("every") + " must be above 0", hint);
  if (s.to < s.from)
    throw InputError(to.location(), r.field("to") + " must not be below `from`", hint);
  if (std::ceil((s.to - s.from) / s.by) * 2 + 2 > static_cast<double>(RateProfile::kMaxKnots))
    throw InputError(
        by.location(),
        field + " has more than " + std::to_string(RateProfile::kMaxKnots / 2) + " stairs",
        "take larger steps (`by`)");
  return RateProfile::step(s);
}

RateProfile parse_diurnal(const Node& node, const std::string& field) {
  FieldReader r(node, field, {"period", "min", "max", "peakAt"});
  const char* hint = "e.g. diurnal: {period: 24h, min: 50/s, max: 600/s, peakAt: 14h}";
  DiurnalShape d;
  if (const Node* v = r.get("period")) {
    d.period = parse_duration(*v, r.field("period"));
    if (d.period <= 0)
      throw InputError(v->location(), r.field("period") + " must be above 0", hint);
  }
  d.peak_at = d.period / 2;
  d.min = parse_rate(r.require("min", hint), r.field("min"));
  const Node& max = r.require("max", hint);
  d.max = parse_rate(max, r.field("max"));
  if (d.max < d.min)
    throw InputError(max.location(), r.field("max") + " must not be below min", hint);
  if (const Node* v = r.get("peakAt")) d.peak_at = parse_duration(*v, r.field("peakAt"));
  return RateProfile::diurnal(d);
}

std::vector<Spike> parse_spikes(const Node& node, const std::string& field) {
  std::vector<const Node*> entries;
  if (node.is_sequence()) {
    for (const Node& n : node.items()) entries.push_back(&n);
  } else {
    entries.push_back(&node);
  }
  const char* hint = "e.g. spike: {at: 10m, duration: 1m, rate: 3000/s}";
  std::vector<Spike> spikes;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    std::string f = node.is_sequence() ? indexed(field, i) : field;
    FieldReader r(*entries[i], f, {"at", "duration", "rate"});
    Spike s;
    const Node& at = r.require("at", hint);
    s.at = parse_duration(at, r.field("at"));
    const Node& dur = r.require("duration", hint);
    s.duration = parse_duration(dur, r.field("duration"));
    if (s.duration <= 0)
      throw InputError(dur.location(), r.field("duration") + " must be above 0", hint);
    s.rate = parse_rate(r.require("rate", hint), r.field("rate"));
    spikes.push_back(s);
  }
  std::vector<std::size_t> order(spikes.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](auto a, auto b) { return spikes[a].at < spikes[b].at; });
  std::vector<Spike> sorted;
  for (std::size_t k = 0; k < order.size(); ++k) {
    if (k > 0 && spikes[order[k]].at < sorted.back().at + sorted.back().duration)
      throw InputError(entries[order[k]]->location(), field + ": spikes overlap",
                       "one spike at a time: move this one after the previous one ends");
    sorted.push_back(spikes[order[k]]);
  }
  return sorted;
}

RequestMix parse_mix(const Node& node, const std::string& field) {
  const auto& items =
      sequence(node, field, "e.g. mix: [{request: \"GET /users/{id}\", weight: 60}]");
  std::vector<MixEntry> entries;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < items.size(); ++i) {
    FieldReader r(items[i], indexed(field, i), {"request", "weight"});
    MixEntry e;
    const Node& req = r.require("request", "e.g. request: \"POST /orders\"");
    check_request(req, r.field("request"), &e.request);
    if (!seen.insert(e.request).second)
      throw InputError(req.location(),
                       r.field("request") + ": \"" + e.request + "\" appears twice in the mix",
                       "add the weights together in one entry");
    if (const Node* w = r.get("weight")) {
      e.weight = parse_number(*w, r.field("weight"));
      if (!(e.weight > 0))
        throw InputError(w->location(), r.field("weight") + " must be above 0",
                         "weights are relative shares: 60 and 40 send 60% and 40%");
    }
    entries.push_back(std::move(e));
  }
  return RequestMix(std::move(entries));
}

LoadSpec parse_load(const Node& node, const std::string& field) {
  FieldReader r(node, field,
                {"name", "target", "arrivals", "closed", "rate", "profile", "step", "diurnal",
                 "spike", "mix"});
  LoadSpec l;
  l.where = node.location();
  l.name = parse_string(r.require("name"), r.field("name"));
  l.target = parse_target(
      r.require("target", "e.g. target: {gateway: kong-prod, host: api.amazon-store.com}"),
      r.field("target"));

  // arrivals: poisson | constant | {closed: {...}}; a sibling `closed:` also reads as closed.
  const Node* closed = r.get("closed");
  std::string closed_field = r.field("closed");
  if (const Node* a = r.get("arrivals")) {
    if (a->is_mapping()) {
      FieldReader ar(*a, r.field("arrivals"), {"closed"});
      if (closed)
        throw InputError(
            a->location(),
            r.field("arrivals") + " and " + closed_field + " both describe a closed loop",
            "keep one of them");
      closed = &ar.require("closed", "e.g. arrivals: {closed: {users: 200, thinkTime: 2s}}");
      closed_field = ar.field("closed");
    } else {
      std::string kind = parse_string(*a, r.field("arrivals"));
      if (kind == "poisson")
        l.arrivals = ArrivalProcess::kPoisson;
      else if (kind == "constant")
        l.arrivals = ArrivalProcess::kConstant;
      else if (kind == "closed") {
        if (!closed)
          throw InputError(a->location(),
                           r.field("arrivals") + " is closed but says nothing of its users",
                           "write arrivals: {closed: {users: 200, thinkTime: 2s}}");
      } else
        throw InputError(
            a->location(),
            r.field("arrivals") + " must be poisson, constant or closed, found \"" + kind + "\"",
            internal::did_you_mean_hint(kind, {"poisson", "constant", "closed"}));
      if (closed && kind != "closed")
        throw InputError(closed->location(), closed_field + " contradicts arrivals: " + kind,
                         "a load entry is open (poisson or constant with a rate) or closed (users "
                         "with think time)");
    }
  }

  const char* shapes[] = {"rate", "profile", "step", "diurnal"};
  std::vector<const char*> given;
  for (const char* s : shapes)
    if (r.has(s)) given.push_back(s);
  if (closed) {
    l.closed = parse_closed(*closed, closed_field);
    for (const char* s : {"rate", "profile", "step", "diurnal", "spike"})
      if (const Node* v = r.get(s))
        throw InputError(
            v->location(), r.field(s) + " does not apply to a closed loop",
            "a closed loop's rate follows from its users and their think time; remove it");
  } else {
    if (given.empty())
      throw InputError(
          node.location(), field + " has no rate",
          "give one of rate: 300/s, profile: [{at, rate, ramp}], step: {from, by, every, to}, "
          "diurnal: {period, min, max}; or a closed loop");
    if (given.size() > 1)
      throw InputError(r.get(given[1])->location(),
                       field + " gives both " + given[0] + " and " + given[1],
                       "one rate shape per load entry; use two load entries to add them");
    std::string shape = given[0];
    const Node& v = *r.get(shape);
    if (shape == "rate")
      l.profile = RateProfile::constant(parse_rate(v, r.field("rate")));
    else if (shape == "profile")
      l.profile = parse_points(v, r.field("profile"));
    else if (shape == "step")
      l.profile = parse_step(v, r.field("step"));
    else
      l.profile = parse_diurnal(v, r.field("diurnal"));
    if (const Node* s = r.get("spike"))
      l.profile = l.profile.with_spikes(parse_spikes(*s, r.field("spike")));
  }
  if (const Node* m = r.get("mix")) {
    l.mix = parse_mix(*m, r.field("mix"));
    for (const Node& item : m->items()) l.mix_where.push_back(item.get("request")->location());
  }
  return l;
}

FaultSpec parse_fault(const Node& node, const std::string& field, const std::string& base_dir) {
  if (!node.is_mapping())
    wrong_type(node, field, "a mapping",
               "e.g. - at: 10m\n    duration: 5m\n    podChaos: {action: pod-kill, ...}");
  std::vector<std::string> known = {"at", "duration", "name"};
  std::vector<std::string> kinds(std::begin(kFaultKinds), std::end(kFaultKinds));
  FaultSpec f;
  f.where = node.location();
  for (const auto& [key, value] : node.fields()) {
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    if (std::find(kinds.begin(), kinds.end(), key) != kinds.end()) {
      if (!f.kind.empty())
        throw InputError(value.location(), field + " names two faults, " + f.kind + " and " + key,
                         "one fault per entry: split them into two entries (they may share `at`)");
      f.kind = key;
      f.body = value;
      continue;
    }
    std::vector<std::string> all = known;
    all.insert(all.end(), kinds.begin(), kinds.end());
    throw InputError(value.location(), "unknown field " + field + "." + key,
                     internal::did_you_mean_hint(key, all));
  }
  known.insert(known.end(), kinds.begin(), kinds.end());
  FieldReader r(node, field, known);
  if (f.kind.empty())
    throw InputError(
        node.location(), field + " names no fault",
        "add one of: podChaos, networkChaos, dnsChaos, stressChaos, ioChaos, nodeChaos, "
        "kafkaChaos, postgresChaos, vaultChaos, coreDnsChaos, volumeChaos, changeChaos, or "
        "chaosMesh: FILE (a Chaos Mesh experiment file)");
  if (f.kind == kChaosMeshFaultKind) {
    // A Chaos Mesh file: its experiments carry their own names and durations.
    for (const char* k : {"duration", "name"})
      if (const Node* v = r.get(k))
        throw InputError(v->location(), r.field(k) + " does not apply to a chaosMesh entry",
                         std::string("the experiments' ") + k +
                             "s are their own (metadata.name, spec.duration): remove it");
    f.file = resolve_file(f.body, r.field(f.kind), base_dir, "Chaos Mesh file");
    if (const Node* at = r.get("at")) f.at = parse_duration(*at, r.field("at"));
    return f;
  }
  if (!f.body.is_mapping())
    wrong_type(f.body, field + "." + f.kind, "a mapping",
               "e.g. podChaos: {action: pod-kill, mode: one, selector: {...}}");
  f.at = parse_duration(r.require("at", "when the fault starts, e.g. at: 10m"), r.field("at"));
  if (const Node* d = r.get("duration")) {
    f.duration = parse_duration(*d, r.field("duration"));
    if (*f.duration <= 0)
      throw InputError(d->location(), r.field("duration") + " must be above 0",
                       "leave `duration` out for a fault that is never lifted");
  }
  if (const Node* n = r.get("name")) f.name = parse_string(*n, r.field("name"));
  return f;
}

Quantile parse_quantile(const Node& node, const std::string& field) {
  std::string q = parse_string(node, field);
  if (q == "p50") return Quantile::kP50;
  if (q == "p95") return Quantile::kP95;
  if (q == "p99") return Quantile::kP99;
  if (q == "p999") return Quantile::kP999;
  if (q == "max") return Quantile::kMax;
  throw InputError(node.location(),
                   field + " must be p50, p95, p99, p999 or max, found \"" + q + "\"",
                   internal::did_you_mean_hint(q, {"p50", "p95", "p99", "p999", "max"}));
}

CheckSpec parse_check(const Node& node, const std::string& field) {
  static const std::vector<std::string> kKinds = {"slo",          "noLostWrites", "maxUtilisation",
                                                  "diskNotFull",  "recovery",     "isolation",
                                                  "podsAvailable"};
  if (!node.is_mapping() || node.fields().size() != 1) {
    if (!node.is_mapping())
      wrong_type(node, field, "a mapping naming one check",
                 "e.g. - slo: {route: \"POST /orders\", quantile: p99, below: 300ms}");
    throw InputError(node.location(),
                     field + " must name exactly one check, found " +
                         std::to_string(node.fields().size()) + " keys",
                     "write each check as its own list item");
  }
  const auto& [kind, body] = node.fields().front();
  const std::string f = field + "." + kind;
  CheckSpec c;
  c.where = node.location();
  c.field = f;
  // Records where a name field's value is written, for the semantic check after parsing.
  auto located = [&c](const Node* v, const std::string& key) {
    if (v) c.field_where[key] = v->location();
  };
  if (kind == "slo") {
    c.kind = CheckSpec::Kind::kSlo;
    FieldReader r(
        body, f,
        {"route", "load", "quantile", "below", "errorRateBelow", "window", "availability"});
    check_request(r.require("route", "e.g. route: \"POST /orders\""), r.field("route"),
                  &c.slo.route);
    if (const Node* v = r.get("load")) c.slo.load = parse_string(*v, r.field("load"));
    if (const Node* v = r.get("quantile")) c.slo.quantile = parse_quantile(*v, r.field("quantile"));
    if (const Node* v = r.get("below")) c.slo.below = parse_duration(*v, r.field("below"));
    if (const Node* v = r.get("errorRateBelow"))
      c.slo.error_rate_below = parse_percentage(*v, r.field("errorRateBelow"));
    if (!c.slo.below && !c.slo.error_rate_below)
      throw InputError(body.location(), f + " bounds nothing",
                       "give a latency (quantile: p99, below: 300ms), an error rate "
                       "(errorRateBelow: 0.1%), or both");
    if (r.has("quantile") && !c.slo.below)
      throw InputError(r.get("quantile")->location(), r.field("quantile") + " without `below`",
                       "add the latency bound, e.g. below: 300ms");
    if (const Node* v = r.get("window")) {
      const sim::Time w = parse_duration(*v, r.field("window"));
      const sim::Time step = runtime::RouteFigures::kWindow;
      if (w < step || w % step != 0)
        throw InputError(v->location(),
                         r.field("window") + " must be a whole number of the routes' 10s windows",
                         "e.g. window: 1m");
      if (!c.slo.error_rate_below)
        throw InputError(v->location(), r.field("window") + " bounds the error rate over time",
                         "add errorRateBelow (latency over time: recovery's latencyBelow)");
      c.slo.window = w;
    }
    if (const Node* v = r.get("availability")) {
      if (!c.slo.window)
        throw InputError(v->location(), r.field("availability") + " without `window`",
                         "add the sliding window, e.g. window: 1m");
      c.slo.availability = parse_percentage(*v, r.field("availability"));
      if (c.slo.availability <= 0 || c.slo.availability > 1)
        throw InputError(v->location(),
                         r.field("availability") + " must be above 0% and at most 100%",
                         "e.g. availability: 99.9%");
    }
  } else if (kind == "noLostWrites") {
    c.kind = CheckSpec::Kind::kNoLostWrites;
    FieldReader r(body, f, {"kafkaTopics", "postgres"});
    if (const Node* v = r.get("kafkaTopics")) {
      c.no_lost_writes.kafka_topics =
          string_list(*v, r.field("kafkaTopics"), "e.g. kafkaTopics: [order.created]");
      for (std::size_t i = 0; i < v->items().size(); ++i)
        located(&v->items()[i], indexed("kafkaTopics", i));
    }
    if (const Node* v = r.get("postgres"))
      c.no_lost_writes.postgres = parse_bool(*v, r.field("postgres"));
    if (c.no_lost_writes.kafka_topics.empty() && !c.no_lost_writes.postgres)
      throw InputError(body.location(), f + " checks nothing",
                       "name topics (kafkaTopics: [order.created]) and/or postgres: true");
  } else if (kind == "maxUtilisation") {
    c.kind = CheckSpec::Kind::kMaxUtilisation;
    FieldReader r(body, f, {"workload", "namespace", "below"});
    c.max_utilisation.workload =
        parse_string(r.require("workload", "e.g. workload: orders-api"), r.field("workload"));
    if (const Node* v = r.get("namespace"))
      c.max_utilisation.namespace_name = parse_string(*v, r.field("namespace"));
    located(r.get("workload"), "workload");
    located(r.get("namespace"), "namespace");
    c.max_utilisation.below =
        parse_percentage(r.require("below", "e.g. below: 80%"), r.field("below"));
  } else if (kind == "diskNotFull") {
    c.kind = CheckSpec::Kind::kDiskNotFull;
    FieldReader r(body, f, {"pvc", "namespace"});
    c.disk_not_full.pvc =
        parse_string(r.require("pvc", "e.g. pvc: data-postgres-0"), r.field("pvc"));
    if (const Node* v = r.get("namespace"))
      c.disk_not_full.namespace_name = parse_string(*v, r.field("namespace"));
    located(r.get("pvc"), "pvc");
    located(r.get("namespace"), "namespace");
  } else if (kind == "recovery") {
    c.kind = CheckSpec::Kind::kRecovery;
    FieldReader r(body, f, {"route", "within", "errorRateBelow", "latencyBelow"});
    if (const Node* v = r.get("route")) check_request(*v, r.field("route"), &c.recovery.route);
    c.recovery.within = parse_duration(
        r.require("within", "how soon after a fault ends, e.g. within: 2m"), r.field("within"));
    if (const Node* v = r.get("errorRateBelow"))
      c.recovery.error_rate_below = parse_percentage(*v, r.field("errorRateBelow"));
    if (const Node* v = r.get("latencyBelow"))
      c.recovery.latency_below = parse_duration(*v, r.field("latencyBelow"));
  } else if (kind == "isolation") {
    c.kind = CheckSpec::Kind::kIsolation;
    if (!(body.is_mapping() && body.fields().empty()) && !(body.is_scalar() && body.text().empty()))
      FieldReader r(body, f, {});  // refuses any field, at its line
  } else if (kind == "podsAvailable") {
    c.kind = CheckSpec::Kind::kPodsAvailable;
    FieldReader r(body, f, {"workload", "namespace", "atLeast"});
    if (const Node* v = r.get("workload"))
      c.pods_available.workload = parse_string(*v, r.field("workload"));
    if (const Node* v = r.get("namespace"))
      c.pods_available.namespace_name = parse_string(*v, r.field("namespace"));
    located(r.get("workload"), "workload");
    located(r.get("namespace"), "namespace");
    if (const Node* v = r.get("atLeast")) {
      auto n = v->as_int();
      if (!v->is_scalar() || !n || *n < 0 || *n > 10000)
        throw InputError(v->location(), r.field("atLeast") + " must be a whole number of pods",
                         "e.g. atLeast: 2");
      c.pods_available.at_least = static_cast<int>(*n);
    }
    if (c.pods_available.workload.empty() && r.has("atLeast"))
      throw InputError(r.get("atLeast")->location(), r.field("atLeast") + " without a workload",
                       "name the workload (workload: orders-api), or leave both out to check "
                       "that no pod stays Pending");
  } else {
    throw InputError(body.location(), "unknown check " + f,
                     internal::did_you_mean_hint(kind, kKinds));
  }
  return c;
}

// An SLO on a route no load entry sends would pass vacuously: refuse it.
void check_route_is_offered(const ScenarioSpec& sc, const CheckSpec& c, const Node& entry) {
  std::vector<std::string> offered;
  for (const LoadSpec& l : sc.loads) {
    if (!c.slo.load.empty() && l.name != c.slo.load) continue;
    if (l.mix.empty()) offered.emplace_back(runtime::kGenericRequest);
    for (const MixEntry& m : l.mix.entries()) offered.push_back(m.request);
  }
  if (std::find(offered.begin(), offered.end(), c.slo.route) != offered.end()) return;
  const Node* route = entry.fields().front().second.get("route");
  throw InputError(route ? route->location() : entry.location(),
                   "slo route \"" + c.slo.route + "\" is sent by no load entry" +
                       (c.slo.load.empty() ? "" : " named " + c.slo.load),
                   internal::did_you_mean_hint(c.slo.route, offered) +
                       " (a load entry without a mix sends GET /)");
}

}  // namespace

std::string_view to_string(Quantile q) {
  switch (q) {
    case Quantile::kP50:
      return "p50";
    case Quantile::kP95:
      return "p95";
    case Quantile::kP99:
      return "p99";
    case Quantile::kP999:
      return "p999";
    case Quantile::kMax:
      break;
  }
  return "max";
}

double quantile_fraction(Quantile q) {
  switch (q) {
    case Quantile::kP50:
      return 0.5;
    case Quantile::kP95:
      return 0.95;
    case Quantile::kP99:
      return 0.99;
    case Quantile::kP999:
      return 0.999;
    case Quantile::kMax:
      break;
  }
  return 1.0;
}

double implied_error_rate_bound(Quantile q) {
  switch (q) {  // 1 - quantile_fraction(q), as the decimals people write
    case Quantile::kP50:
      return 0.5;
    case Quantile::kP95:
      return 0.05;
    case Quantile::kP99:
      return 0.01;
    case Quantile::kP999:
      return 0.001;
    case Quantile::kMax:
      break;
  }
  return 0;
}

bool meets_error_bound(double rate, double bound) {
  return bound > 0 ? rate < bound : rate <= 0;
}

const k8s::SourceLocation& CheckSpec::where_of(std::string_view name) const {
  auto it = field_where.find(name);
  return it == field_where.end() ? where : it->second;
}

std::string CheckSpec::describe() const {
  std::ostringstream out;
  switch (kind) {
    case Kind::kSlo: {
      out << "slo " << slo.route;
      if (!slo.load.empty()) out << " (" << slo.load << ")";
      if (slo.below)
        out << " " << to_string(slo.quantile) << " < " << sim::format_duration(*slo.below);
      if (slo.error_rate_below)
        out << (slo.below ? "," : "") << " errors < " << *slo.error_rate_below * 100 << "%";
      if (slo.window) {
        out << " per " << sim::format_duration(*slo.window);
        if (slo.availability < 1) out << " in " << slo.availability * 100 << "% of windows";
      }
      break;
    }
    case Kind::kNoLostWrites: {
      out << "noLostWrites";
      for (const std::string& t : no_lost_writes.kafka_topics) out << " " << t;
      if (no_lost_writes.postgres) out << " postgres";
      break;
    }
    case Kind::kMaxUtilisation:
      out << "maxUtilisation "
          << (max_utilisation.namespace_name.empty() ? "" : max_utilisation.namespace_name + "/")
          << max_utilisation.workload << " < " << max_utilisation.below * 100 << "%";
      break;
    case Kind::kDiskNotFull:
      out << "diskNotFull "
          << (disk_not_full.namespace_name.empty() ? "" : disk_not_full.namespace_name + "/")
          << disk_not_full.pvc;
      break;
    case Kind::kRecovery:
      out << "recovery " << (recovery.route.empty() ? "all routes" : recovery.route) << " within "
          << sim::format_duration(recovery.within) << " (errors < "
          << recovery.error_rate_below * 100 << "%";
      if (recovery.latency_below)
        out << ", mean < " << sim::format_duration(*recovery.latency_below);
      out << ")";
      break;
    case Kind::kIsolation:
      out << "isolation (no cross-environment calls)";
      break;
    case Kind::kPodsAvailable:
      if (pods_available.workload.empty()) {
        out << "podsAvailable (no Pending pod)";
      } else {
        out << "podsAvailable "
            << (pods_available.namespace_name.empty() ? "" : pods_available.namespace_name + "/")
            << pods_available.workload << " >= " << pods_available.at_least << " Ready";
      }
      break;
  }
  return out.str();
}

ScenarioSpec scenario_from_node(const Node& document) {
  FieldReader top(document, "", {"apiVersion", "kind", "metadata", "spec"});
  internal::check_header(top, "Scenario");
  ScenarioSpec sc;
  sc.where = document.location();
  sc.path = document.location().file();
  const std::string base_dir = base_dir_of(sc.path);

  FieldReader md(top.require("metadata", "add metadata: {name: ..., description: ...}"), "metadata",
                 {"name", "description", "labels", "annotations"});
  sc.name =
      parse_string(md.require("name", "name the scenario: it heads its report"), md.field("name"));
  if (const Node* d = md.get("description"))
    sc.description = parse_string(*d, md.field("description"));

  FieldReader spec(top.require("spec"), "spec",
                   {"model", "environments", "cluster", "duration", "warmup", "seed",
                    "replications", "load", "faults", "checks", "overrides", "sweep"});

  // The model first: environments and defaults come from it.
  const Node& model =
      spec.require("model", "name the model, e.g. model: ../../models/amazon-store");
  sc.model_path = resolve_model(model, spec.field("model"), base_dir);
  sc.model = topology::load_twin_index(sc.model_path);
  sc.behaviour_path = sc.model.behaviour;
  if (sc.behaviour_path.empty()) {
    sc.behaviour = runtime::generic_behaviour();
  } else {
    sc.behaviour = load_behaviour_file(sc.behaviour_path);
    check_behaviour_environments(sc.behaviour, sc.model);
  }
  std::vector<std::string> known_envs;
  for (const auto& e : sc.model.environments) known_envs.push_back(e.name);
  if (const Node* envs = spec.get("environments")) {
    std::string f = spec.field("environments");
    const auto& items = sequence(*envs, f, "e.g. environments: [prod]");
    if (items.empty())
      throw InputError(envs->location(), f + " is empty", "leave it out to run every environment");
    std::set<std::string> seen;
    for (std::size_t i = 0; i < items.size(); ++i) {
      std::string name = parse_string(items[i], indexed(f, i));
      if (!sc.model.find_environment(name))
        throw InputError(
            items[i].location(),
            indexed(f, i) + ": the model " + sc.model.name + " has no environment \"" + name + "\"",
            internal::did_you_mean_hint(name, known_envs));
      if (!seen.insert(name).second)
        throw InputError(items[i].location(), indexed(f, i) + ": \"" + name + "\" is listed twice",
                         "list it once");
      sc.environments.push_back(name);
    }
  } else {
    sc.environments = known_envs;
  }
  sc.cluster_path = sc.model.cluster;
  if (const Node* c = spec.get("cluster"))
    sc.cluster_path = resolve_file(*c, spec.field("cluster"), base_dir, "cluster profile");

  const Node& duration =
      spec.require("duration", "how much simulated time to run, e.g. duration: 30m");
  sc.duration = parse_duration(duration, spec.field("duration"));
  if (sc.duration <= 0)
    throw InputError(duration.location(), "spec.duration must be above 0", "e.g. duration: 30m");
  if (const Node* w = spec.get("warmup")) {
    sc.warmup = parse_duration(*w, spec.field("warmup"));
    if (sc.warmup >= sc.duration)
      throw InputError(w->location(),
                       "spec.warmup (" + sim::format_duration(sc.warmup) +
                           ") must be shorter than spec.duration (" +
                           sim::format_duration(sc.duration) + ")",
                       "figures exclude the warm-up, so nothing would be measured; shorten the "
                       "warm-up or run longer");
  }
  if (const Node* s = spec.get("seed"))
    sc.seed = static_cast<uint64_t>(parse_integer(*s, spec.field("seed"), 0));
  if (const Node* r = spec.get("replications"))
    sc.replications =
        static_cast<int>(parse_integer(*r, spec.field("replications"), 1, kMaxReplications));

  if (const Node* load = spec.get("load")) {
    std::string f = spec.field("load");
    const auto& items =
        sequence(*load, f, "e.g. load: [{name: shoppers, target: {...}, rate: 300/s}]");
    std::set<std::string> names;
    for (std::size_t i = 0; i < items.size(); ++i) {
      LoadSpec l = parse_load(items[i], indexed(f, i));
      if (!names.insert(l.name).second)
        throw InputError(items[i].location(),
                         indexed(f, i) + ": load name \"" + l.name + "\" is used twice",
                         "names label the figures: make them unique");
      sc.loads.push_back(std::move(l));
    }
  }
  if (const Node* faults = spec.get("faults")) {
    std::string f = spec.field("faults");
    const auto& items =
        sequence(*faults, f, "e.g. faults: [{at: 10m, duration: 5m, podChaos: {...}}]");
    for (std::size_t i = 0; i < items.size(); ++i) {
      FaultSpec fault = parse_fault(items[i], indexed(f, i), base_dir);
      if (fault.at >= sc.duration)
        throw InputError(items[i].get("at")->location(),
                         indexed(f, i) + ".at (" + sim::format_duration(fault.at) +
                             ") is not before the end of the run (" +
                             sim::format_duration(sc.duration) + ")",
                         "the fault would never happen; move it earlier or run longer");
      sc.faults.push_back(std::move(fault));
    }
  }
  if (const Node* checks = spec.get("checks")) {
    std::string f = spec.field("checks");
    const auto& items = sequence(
        *checks, f, "e.g. checks: [{slo: {route: \"POST /orders\", quantile: p99, below: 300ms}}]");
    for (std::size_t i = 0; i < items.size(); ++i) {
      CheckSpec c = parse_check(items[i], indexed(f, i));
      if (c.kind == CheckSpec::Kind::kSlo && !c.slo.load.empty()) {
        bool found = false;
        std::vector<std::string> load_names;
        for (const LoadSpec& l : sc.loads) {
          load_names.push_back(l.name);
          found = found || l.name == c.slo.load;
        }
        if (!found)
          throw InputError(
              items[i].fields().front().second.get("load")->location(),
              indexed(f, i) + ".slo.load: no load entry is named \"" + c.slo.load + "\"",
              load_names.empty() ? "add the load entry"
                                 : internal::did_you_mean_hint(c.slo.load, load_names));
      }
      if (c.kind == CheckSpec::Kind::kSlo && !sc.loads.empty())
        check_route_is_offered(sc, c, items[i]);
      if (c.kind == CheckSpec::Kind::kRecovery && !c.recovery.route.empty() && !sc.loads.empty()) {
        CheckSpec as_slo = c;
        as_slo.slo.route = c.recovery.route;
        check_route_is_offered(sc, as_slo, items[i]);
      }
      sc.checks.push_back(std::move(c));
    }
  }
  if (const Node* o = spec.get("overrides")) {
    std::string f = spec.field("overrides");
    if (!o->is_mapping())
      wrong_type(*o, f, "a mapping of knob names to values",
                 "e.g. overrides: {postgres.maxConnections: 200}");
    for (const auto& [key, value] : o->fields()) {
      std::size_t dot = key.find('.');
      if (dot == std::string::npos || dot == 0 || dot + 1 == key.size())
        throw InputError(value.location(), f + ": \"" + key + "\" is not a knob name",
                         "knobs read component.setting, e.g. kafka.replicaLagTimeMaxMs or "
                         "postgres.maxConnections");
      if (!value.is_scalar() && !value.is_sequence() && !value.is_mapping())
        throw InputError(value.location(), f + "." + key + " has no value",
                         "give the knob a value");
      sc.overrides.emplace_back(key, value);
    }
  }
  if (const Node* sweep = spec.get("sweep")) sc.sweep = *sweep;
  return sc;
}

ScenarioSpec parse_scenario(std::string_view text, const std::string& path) {
  return scenario_from_node(internal::single_document(text, path, "Scenario"));
}

ScenarioSpec load_scenario_file(const std::string& path) {
  return parse_scenario(k8s::read_file(path), path);
}

FaultSpec chaos_mesh_fault(const std::string& file) {
  FaultSpec f;
  f.kind = kChaosMeshFaultKind;
  f.file = file;
  f.body = Node::scalar(file);
  f.where = k8s::SourceLocation{std::make_shared<const std::string>(file), 0, 0};
  return f;
}

FaultSpec parse_fault_entry(const k8s::Node& node, const std::string& field,
                            const std::string& base_dir) {
  return parse_fault(node, field, base_dir);
}

LoadSpec parse_load_entry(const k8s::Node& node, const std::string& field) {
  return parse_load(node, field);
}

}  // namespace kubetwin::scenario
