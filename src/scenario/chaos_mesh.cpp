// Chaos Mesh files run unchanged: experiments, Workflows (Serial, Parallel, Suspend, chaos and
// Schedule templates) and Schedules, expanded into timed plans (chaos-facts 1-5).
#include <algorithm>
#include <memory>
#include <set>

#include "kubetwin/k8s/loader.hpp"
#include "kubetwin/scenario/values.hpp"
#include "scenario/cron.hpp"
#include "scenario/fault_parse.hpp"

namespace kubetwin::scenario::internal {

namespace {

using k8s::InputError;
using k8s::Node;

constexpr const char* kApiVersion = "chaos-mesh.org/v1alpha1";
constexpr const char* kPauseAnnotation = "experiment.chaos-mesh.org/pause";
// A Schedule firing more often than this within one run is a mistake, not a rehearsal.
constexpr int kMaxFires = 10'000;

// Chaos Mesh kinds and the lower-camel key their body takes in Workflows and Schedules.
struct ChaosKind {
  std::string_view kind;
  std::string_view key;
};
constexpr ChaosKind kChaosKinds[] = {
    {"PodChaos", "podChaos"},     {"NetworkChaos", "networkChaos"},
    {"DNSChaos", "dnsChaos"},     {"StressChaos", "stressChaos"},
    {"IOChaos", "ioChaos"},       {"TimeChaos", "timeChaos"},
    {"HTTPChaos", "httpChaos"},   {"KernelChaos", "kernelChaos"},
    {"JVMChaos", "jvmChaos"},     {"AWSChaos", "awsChaos"},
    {"GCPChaos", "gcpChaos"},     {"AzureChaos", "azureChaos"},
    {"BlockChaos", "blockChaos"}, {"PhysicalMachineChaos", "physicalmachineChaos"},
};

const ChaosKind* chaos_kind(std::string_view kind) {
  for (const ChaosKind& k : kChaosKinds)
    if (k.kind == kind) return &k;
  return nullptr;
}

std::vector<std::string> chaos_body_keys() {
  std::vector<std::string> out;
  for (const ChaosKind& k : kChaosKinds) out.emplace_back(k.key);
  return out;
}

std::optional<sim::Time> positive_duration(const FieldReader& r, std::string_view key) {
  const Node* d = r.get(key);
  if (!d) return std::nullopt;
  sim::Time t = parse_duration(*d, r.field(key));
  if (t <= 0)
    throw InputError(d->location(), r.field(key) + " must be above 0",
                     "e.g. " + std::string(key) + ": 30s");
  return t;
}

// The longest of the plans' durations; nullopt when one is never lifted. One-shot plans last 0.
std::optional<sim::Time> length_of(const std::vector<PlanDraft>& plans) {
  sim::Time longest = 0;
  for (const PlanDraft& p : plans) {
    if (p.plan.duration)
      longest = std::max(longest, *p.plan.duration);
    else if (!is_one_shot(p.plan.action))
      return std::nullopt;
  }
  return longest;
}

std::string list_times(const std::vector<sim::Time>& times) {
  std::string s;
  for (std::size_t i = 0; i < times.size(); ++i) {
    if (times.size() > 4 && i == 3) {
      s += ", ..., " + sim::format_duration(times.back());
      break;
    }
    s += (i ? ", " : "") + sim::format_duration(times[i]);
  }
  return s;
}

class WorkflowExpander;

// A Schedule's spec (the kind's `spec`, or a Workflow Schedule template's `schedule`): parsed
// once, fired from its creation until `until`.
class ScheduleExpander {
 public:
  ScheduleExpander(FaultContext& ctx, const Node& spec, const std::string& field,
                   const BodyOrigin& origin, const std::string& name);
  ~ScheduleExpander();

  // The plans of every fire after `created` and before `until`, the k-th named "<name>#<k>".
  // With `required`, a Schedule that never fires in the run is an error; otherwise a note.
  std::vector<PlanDraft> fire(sim::Time created, sim::Time until, bool required,
                              const std::string& name);

 private:
  FaultContext& ctx_;
  std::string field_;
  std::string name_;
  std::string text_;
  const Node* schedule_node_ = nullptr;
  CronSchedule cron_;
  bool forbid_ = true;
  std::vector<PlanDraft> chaos_;                // type: a chaos kind
  std::unique_ptr<WorkflowExpander> workflow_;  // type: Workflow
};

// A Workflow's spec: templates parsed (and chaos bodies checked) once, expanded per start.
class WorkflowExpander {
 public:
  WorkflowExpander(FaultContext& ctx, const Node& spec, const std::string& field,
                   const BodyOrigin& origin, const std::string& name);

  // Plans from `start`, the entry cut at `until`, named "<run_name>/<template>"; *length: how
  // long the entry runs (nullopt: for ever). With `required`, a Workflow whose every fault starts
  // past the run's end is an error; otherwise the dropped templates are a note.
  std::vector<PlanDraft> run(sim::Time start, std::optional<sim::Time> until,
                             std::optional<sim::Time>* length, bool required,
                             const std::string& run_name);

 private:
  enum class Type { kSerial, kParallel, kSuspend, kChaos, kSchedule };
  struct Template {
    std::string name;
    std::string field;
    Type type = Type::kChaos;
    const Node* node = nullptr;
    std::optional<sim::Time> deadline;
    std::vector<std::pair<std::string, const Node*>> children;
    std::vector<PlanDraft> chaos;                // kChaos: the body's plans at 0
    std::unique_ptr<ScheduleExpander> schedule;  // kSchedule
  };
  struct Dropped {
    std::string name;
    sim::Time at = 0;
    k8s::SourceLocation where;
  };

  std::optional<sim::Time> expand(const Template& t, sim::Time start,
                                  std::optional<sim::Time> limit, const Node& ref,
                                  std::vector<PlanDraft>* out, std::vector<std::string>* stack);
  const Template& find(const std::string& name, const Node& ref, const std::string& field) const;

  FaultContext& ctx_;
  std::string field_;
  std::string name_;
  const Node* entry_ = nullptr;
  std::string entry_name_;
  std::vector<std::unique_ptr<Template>> templates_;
  std::string run_name_;
  std::vector<Dropped> dropped_;
};

// ---- Schedule ----

ScheduleExpander::ScheduleExpander(FaultContext& ctx, const Node& spec, const std::string& field,
                                   const BodyOrigin& origin, const std::string& name)
    : ctx_(ctx), field_(field), name_(name) {
  std::vector<std::string> known = {
      "schedule", "type", "concurrencyPolicy", "historyLimit", "startingDeadlineSeconds",
      "workflow"};
  for (const std::string& k : chaos_body_keys()) known.push_back(k);
  FieldReader r = read_fields(spec, field, known,
                              {{"remoteCluster", "the twin simulates one cluster", "remove it"}});
  schedule_node_ = &r.require("schedule", "e.g. schedule: \"@every 2m\" or \"*/5 * * * *\"");
  text_ = parse_string(*schedule_node_, r.field("schedule"));
  std::string error, hint;
  std::optional<CronSchedule> c = CronSchedule::parse(text_, &error, &hint);
  if (!c)
    throw InputError(schedule_node_->location(),
                     r.field("schedule") + " \"" + text_ + "\" " + error, hint);
  cron_ = *c;
  if (const Node* p = r.get("concurrencyPolicy")) {
    std::string v = parse_string(*p, r.field("concurrencyPolicy"));
    if (v != "Forbid" && v != "Allow")
      throw InputError(
          p->location(),
          r.field("concurrencyPolicy") + " must be Forbid or Allow, found \"" + v + "\"",
          did_you_mean_hint(v, {"Forbid", "Allow"}));
    forbid_ = v == "Forbid";
  }
  // Kept records and missed-fire deadlines: the twin keeps no history and never misses a fire.
  if (const Node* h = r.get("historyLimit")) parse_integer(*h, r.field("historyLimit"), 1);
  if (const Node* s = r.get("startingDeadlineSeconds"))
    parse_integer(*s, r.field("startingDeadlineSeconds"), 0);

  const Node& type = r.require("type", "the kind it creates, e.g. type: PodChaos");
  std::string t = parse_string(type, r.field("type"));
  std::string key;
  if (t == "Workflow") {
    key = "workflow";
  } else if (const ChaosKind* k = chaos_kind(t)) {
    key = k->key;
    std::string why, h;
    if (chaos_kind_not_simulated(key, &why, &h))
      not_simulated(type, r.field("type") + " " + t, why, h);
  } else {
    std::vector<std::string> types = {"Workflow"};
    for (const ChaosKind& k : kChaosKinds) types.emplace_back(k.kind);
    throw InputError(type.location(),
                     r.field("type") + ": \"" + t +
                         "\" is not a Chaos Mesh kind "
                         "a Schedule creates",
                     did_you_mean_hint(t, types));
  }
  for (const auto& [k, v] : spec.fields()) {
    const std::vector<std::string> bodies = chaos_body_keys();
    bool is_body = k == "workflow" || std::find(bodies.begin(), bodies.end(), k) != bodies.end();
    if (is_body && k != key)
      throw InputError(v.location(), r.field(k) + " does not match type " + t,
                       "a Schedule of type " + t + " takes its body under " + key + ":");
  }
  const Node& body = r.require(key, "type " + t + " takes its body under " + key + ": {...}");
  if (key == "workflow") {
    workflow_ = std::make_unique<WorkflowExpander>(ctx, body, r.field(key), origin, name);
  } else {
    chaos_ = parse_chaos_body(ctx, key, body, r.field(key), origin, name);
    require_duration(chaos_, body, r.field(key));
  }
}

ScheduleExpander::~ScheduleExpander() = default;

std::vector<PlanDraft> ScheduleExpander::fire(sim::Time created, sim::Time until, bool required,
                                              const std::string& name) {
  std::vector<PlanDraft> out;
  std::vector<sim::Time> fired;
  int skipped = 0;
  sim::Time busy_until = created;
  sim::Time after = created;
  while (std::optional<sim::Time> f = cron_.next(created, after, until)) {
    after = *f;
    if (forbid_ && *f < busy_until) {
      ++skipped;
      continue;
    }
    if (fired.size() >= static_cast<std::size_t>(kMaxFires))
      throw InputError(schedule_node_->location(),
                       field_ + ".schedule \"" + text_ + "\" fires more than " +
                           std::to_string(kMaxFires) + " times in the run",
                       "the twin expands every fire into its own fault: fire less often");
    fired.push_back(*f);
    std::string fire_name = ctx_.unique_name(name + "#" + std::to_string(fired.size()));
    std::optional<sim::Time> length;
    std::vector<PlanDraft> plans;
    if (workflow_) {
      plans = workflow_->run(*f, std::nullopt, &length, false, fire_name);
    } else {
      plans = chaos_;
      for (PlanDraft& p : plans) p.plan.name = fire_name;
      length = length_of(plans);
      place(plans, *f);
    }
    for (PlanDraft& p : plans) out.push_back(std::move(p));
    busy_until = length ? *f + *length : sim::kTimeMax;
  }
  if (fired.empty()) {
    // When would it have fired? Four years cover every calendar (a 29 February included).
    std::optional<sim::Time> first =
        cron_.next(created, created, created + sim::hours(24 * (365 * 4 + 1)));
    std::string when = first ? "its first fire, at " + sim::format_duration(*first) +
                                   ", is not before " + sim::format_duration(until)
                             : "it never fires";
    if (required)
      throw InputError(schedule_node_->location(),
                       field_ + ".schedule \"" + text_ + "\" never fires in the run: " + when,
                       "the run starts on Monday 2024-01-01 00:00 (simulated) and the schedule "
                       "counts from the experiment's `at`; fire sooner or run longer");
    ctx_.note(schedule_node_->location(),
              "Schedule " + name + " (\"" + text_ + "\") does not fire: " + when);
    return out;
  }
  std::string note = "Schedule " + name + " (\"" + text_ + "\") fires " +
                     std::to_string(fired.size()) + (fired.size() == 1 ? " time" : " times") +
                     " in the run, at " + list_times(fired);
  if (skipped > 0)
    note += "; " + std::to_string(skipped) + (skipped == 1 ? " fire skipped" : " fires skipped") +
            " while the previous one still ran (concurrencyPolicy Forbid)";
  ctx_.note(schedule_node_->location(), note);
  return out;
}

// ---- Workflow ----

WorkflowExpander::WorkflowExpander(FaultContext& ctx, const Node& spec, const std::string& field,
                                   const BodyOrigin& origin, const std::string& name)
    : ctx_(ctx), field_(field), name_(name) {
  FieldReader r = read_fields(spec, field, {"entry", "templates"});
  entry_ = &r.require("entry", "the name of the template the workflow starts with");
  entry_name_ = parse_string(*entry_, r.field("entry"));
  const std::string tf = r.field("templates");
  const auto& items = sequence(r.require("templates",
                                         "e.g. templates: [{name: the-entry, "
                                         "templateType: Serial, children: [...]}]"),
                               tf, "e.g. templates: [{name: ..., templateType: Serial}]");
  const std::vector<std::string> bodies = chaos_body_keys();
  std::vector<std::string> known = {"name", "templateType", "deadline", "children", "schedule"};
  known.insert(known.end(), bodies.begin(), bodies.end());
  const std::vector<Refused> refused = {
      {"task", "Task templates (a container whose result picks a branch)",
       "remove the Task template; write the branch you want to rehearse as a Serial"},
      {"conditionalBranches", "Task templates (a container whose result picks a branch)",
       "remove the Task template; write the branch you want to rehearse as a Serial"},
      {"statusCheck",
       "StatusCheck templates (the twin's steady-state checks are the scenario's "
       "`checks:`)",
       "remove the template; express the probe as an slo check"},
      {"abortWithStatusCheck",
       "StatusCheck templates (the twin's steady-state checks are the "
       "scenario's `checks:`)",
       "remove it"},
  };
  std::set<std::string> names;
  for (std::size_t i = 0; i < items.size(); ++i) {
    const std::string f = indexed(tf, i);
    // The template types the twin refuses, reported at the type before their bodies.
    if (const Node* ty = items[i].is_mapping() ? items[i].get("templateType") : nullptr;
        ty && ty->is_scalar() && (ty->text() == "Task" || ty->text() == "StatusCheck")) {
      const Refused& why = ty->text() == "Task" ? refused[0] : refused[2];
      not_simulated(*ty, f + ".templateType " + ty->text(), why.why, why.hint);
    }
    FieldReader t = read_fields(items[i], f, known, refused);
    auto tpl = std::make_unique<Template>();
    tpl->node = &items[i];
    tpl->field = f;
    const Node& n = t.require("name");
    tpl->name = parse_string(n, t.field("name"));
    if (!names.insert(tpl->name).second)
      throw InputError(n.location(),
                       t.field("name") + ": \"" + tpl->name + "\" names two templates",
                       "template names must be unique");
    tpl->deadline = positive_duration(t, "deadline");
    const Node& type = t.require("templateType",
                                 "Serial, Parallel, Suspend, Schedule or a chaos "
                                 "kind such as PodChaos");
    std::string ty = parse_string(type, t.field("templateType"));
    std::string body_key;
    if (ty == "Serial") {
      tpl->type = Type::kSerial;
    } else if (ty == "Parallel") {
      tpl->type = Type::kParallel;
    } else if (ty == "Suspend") {
      tpl->type = Type::kSuspend;
    } else if (ty == "Schedule") {
      tpl->type = Type::kSchedule;
      body_key = "schedule";
    } else if (const ChaosKind* k = chaos_kind(ty)) {
      tpl->type = Type::kChaos;
      body_key = k->key;
    } else {
      std::vector<std::string> types = {"Serial",   "Parallel", "Suspend",
                                        "Schedule", "Task",     "StatusCheck"};
      for (const ChaosKind& c : kChaosKinds) types.emplace_back(c.kind);
      throw InputError(type.location(),
                       t.field("templateType") + ": \"" + ty + "\" is not a template type",
                       did_you_mean_hint(ty, types));
    }
    // The body keys: only the one the type names.
    for (const auto& [k, v] : items[i].fields()) {
      bool is_body = k == "schedule" || std::find(bodies.begin(), bodies.end(), k) != bodies.end();
      if (is_body && k != body_key)
        throw InputError(v.location(), t.field(k) + " does not match templateType " + ty,
                         body_key.empty()
                             ? "a " + ty + " template has no body: remove it"
                             : "a " + ty + " template takes its body under " + body_key + ":");
    }
    const Node* children = t.get("children");
    if (tpl->type == Type::kSerial || tpl->type == Type::kParallel) {
      const Node& c = t.require("children",
                                "the templates it runs, e.g. children: [kill-a-broker, "
                                "pause]");
      const auto& list = sequence(c, t.field("children"), "e.g. children: [a, b]");
      if (list.empty())
        throw InputError(c.location(), t.field("children") + " is empty",
                         "name the templates it runs");
      for (std::size_t k = 0; k < list.size(); ++k)
        tpl->children.emplace_back(parse_string(list[k], indexed(t.field("children"), k)),
                                   &list[k]);
    } else if (children) {
      throw InputError(children->location(),
                       t.field("children") + " applies to Serial and Parallel templates only",
                       "remove it");
    }
    if (tpl->type == Type::kSuspend && !tpl->deadline)
      t.require("deadline", "a Suspend waits its deadline, e.g. deadline: 2m");
    if (tpl->type == Type::kChaos) {
      const Node& body =
          t.require(body_key, "a " + ty + " template takes its body under " + body_key + ": {...}");
      std::string bf = t.field(body_key);
      tpl->chaos = parse_chaos_body(ctx, body_key, body, bf, origin, name_ + "/" + tpl->name);
      if (tpl->deadline) {
        for (PlanDraft& p : tpl->chaos)
          if (!p.plan.duration || *p.plan.duration > *tpl->deadline)
            p.plan.duration = tpl->deadline;
      }
      require_duration(tpl->chaos, body, bf);
    }
    if (tpl->type == Type::kSchedule) {
      const Node& body = t.require("schedule",
                                   "e.g. schedule: {schedule: \"@every 30s\", type: "
                                   "PodChaos, podChaos: {...}}");
      tpl->schedule = std::make_unique<ScheduleExpander>(ctx, body, t.field("schedule"), origin,
                                                         name_ + "/" + tpl->name);
    }
    templates_.push_back(std::move(tpl));
  }
  // Every reference resolves (also in templates the entry never reaches).
  find(entry_name_, *entry_, r.field("entry"));
  for (const auto& tpl : templates_)
    for (std::size_t k = 0; k < tpl->children.size(); ++k)
      find(tpl->children[k].first, *tpl->children[k].second, indexed(tpl->field + ".children", k));
}

const WorkflowExpander::Template& WorkflowExpander::find(const std::string& name, const Node& ref,
                                                         const std::string& field) const {
  std::vector<std::string> names;
  for (const auto& t : templates_) {
    if (t->name == name) return *t;
    names.push_back(t->name);
  }
  throw InputError(ref.location(), field + ": no template is named \"" + name + "\"",
                   did_you_mean_hint(name, names));
}

std::optional<sim::Time> WorkflowExpander::expand(const Template& t, sim::Time start,
                                                  std::optional<sim::Time> limit, const Node& ref,
                                                  std::vector<PlanDraft>* out,
                                                  std::vector<std::string>* stack) {
  if (std::find(stack->begin(), stack->end(), t.name) != stack->end())
    throw InputError(ref.location(), field_ + ": template \"" + t.name + "\" contains itself",
                     "a workflow is a tree: break the cycle");
  if (start >= ctx_.run_end()) {
    dropped_.push_back({t.name, start, ref.location()});
    return 0;
  }
  if (limit && start >= *limit) return 0;  // the parent's deadline came first
  std::optional<sim::Time> my_limit = limit;
  if (t.deadline && (!my_limit || start + *t.deadline < *my_limit)) my_limit = start + *t.deadline;
  auto capped = [&](std::optional<sim::Time> natural) -> std::optional<sim::Time> {
    if (!t.deadline) return natural;
    return natural ? std::min(*natural, *t.deadline) : *t.deadline;
  };
  stack->push_back(t.name);
  std::optional<sim::Time> length;
  switch (t.type) {
    case Type::kChaos: {
      std::vector<PlanDraft> plans = t.chaos;
      std::string name = ctx_.unique_name(run_name_ + "/" + t.name);
      for (PlanDraft& p : plans) p.plan.name = name;
      length = t.deadline ? t.deadline : length_of(plans);
      place(plans, start, my_limit);
      for (PlanDraft& p : plans) out->push_back(std::move(p));
      break;
    }
    case Type::kSuspend:
      length = t.deadline;
      break;
    case Type::kSerial: {
      sim::Time at = start;
      for (std::size_t k = 0; k < t.children.size(); ++k) {
        const auto& [child, child_ref] = t.children[k];
        std::optional<sim::Time> len =
            expand(find(child, *child_ref, t.field), at, my_limit, *child_ref, out, stack);
        if (!len) {
          if (k + 1 < t.children.size())
            throw InputError(t.children[k + 1].second->location(),
                             t.field + ": \"" + t.children[k + 1].first + "\" never starts: \"" +
                                 child + "\" before it never ends",
                             "give \"" + child + "\" a deadline (or its fault a duration)");
          at = sim::kTimeMax;
          break;
        }
        at += *len;
      }
      length = capped(at == sim::kTimeMax ? std::nullopt : std::optional<sim::Time>(at - start));
      break;
    }
    case Type::kParallel: {
      sim::Time longest = 0;
      bool forever = false;
      for (const auto& [child, child_ref] : t.children) {
        std::optional<sim::Time> len =
            expand(find(child, *child_ref, t.field), start, my_limit, *child_ref, out, stack);
        if (len)
          longest = std::max(longest, *len);
        else
          forever = true;
      }
      length = capped(forever ? std::nullopt : std::optional<sim::Time>(longest));
      break;
    }
    case Type::kSchedule: {
      sim::Time until = my_limit ? std::min(*my_limit, ctx_.run_end()) : ctx_.run_end();
      for (PlanDraft& p : t.schedule->fire(start, until, false, run_name_ + "/" + t.name))
        out->push_back(std::move(p));
      length = t.deadline;
      break;
    }
  }
  stack->pop_back();
  return length;
}

std::vector<PlanDraft> WorkflowExpander::run(sim::Time start, std::optional<sim::Time> until,
                                             std::optional<sim::Time>* length, bool required,
                                             const std::string& run_name) {
  dropped_.clear();
  run_name_ = run_name;
  std::vector<PlanDraft> out;
  std::vector<std::string> stack;
  *length =
      expand(find(entry_name_, *entry_, field_ + ".entry"), start, until, *entry_, &out, &stack);
  if (dropped_.empty()) return out;
  if (out.empty() && required)
    throw InputError(dropped_.front().where,
                     "Workflow " + run_name_ + ": its first template, \"" + dropped_.front().name +
                         "\", starts at " + sim::format_duration(dropped_.front().at) +
                         ", not before the end of the run (" +
                         sim::format_duration(ctx_.run_end()) + ")",
                     "nothing of the workflow would run: start it earlier (the entry's `at`), "
                     "shorten the Suspends before it, or run longer");
  std::string list;
  for (std::size_t i = 0; i < dropped_.size() && i < 5; ++i)
    list += (i ? ", " : "") + dropped_[i].name + " (" + sim::format_duration(dropped_[i].at) + ")";
  if (dropped_.size() > 5) list += ", ...";
  ctx_.note(dropped_.front().where,
            "Workflow " + run_name_ + ": " + std::to_string(dropped_.size()) +
                (dropped_.size() == 1 ? " template starts" : " templates start") +
                " after the end of the run (" + sim::format_duration(ctx_.run_end()) + ") and " +
                (dropped_.size() == 1 ? "is" : "are") + " dropped: " + list);
  return out;
}

// ---- Experiment documents ----

std::vector<PlanDraft> experiment(FaultContext& ctx, const Node& doc, sim::Time at) {
  FieldReader top = read_fields(doc, "", {"apiVersion", "kind", "metadata", "spec", "status"});
  const Node& api = top.require("apiVersion", std::string("apiVersion: ") + kApiVersion);
  std::string api_text = parse_string(api, "apiVersion");
  if (api_text != kApiVersion)
    throw InputError(
        api.location(),
        "apiVersion must be " + std::string(kApiVersion) + ", found \"" + api_text + "\"",
        api_text.starts_with("litmuschaos.io")
            ? "Litmus ChaosEngines are not read yet; write the fault as a scenario "
              "entry or a Chaos Mesh experiment"
            : "a chaosMesh file holds Chaos Mesh experiments only");
  const Node& kind_node = top.require("kind", "e.g. kind: PodChaos");
  const std::string kind = parse_string(kind_node, "kind");

  FieldReader md = read_fields(top.require("metadata",
                                           "e.g. metadata: {name: kafka-broker-kill, namespace: "
                                           "amazon-api-prod}"),
                               "metadata",
                               {"name", "generateName", "namespace", "labels", "annotations", "uid",
                                "resourceVersion", "generation", "creationTimestamp",
                                "managedFields", "finalizers", "ownerReferences", "selfLink"});
  std::string name;
  if (const Node* n = md.get("name"))
    name = parse_string(*n, md.field("name"));
  else
    name = parse_string(md.require("name", "name the experiment: its name names the fault"),
                        md.field("generateName"));
  BodyOrigin origin;
  origin.chaos_mesh = true;
  origin.namespace_name = "default";  // kubectl apply's namespace when none is written
  origin.namespace_where = md.node().location();
  if (const Node* ns = md.get("namespace")) {
    origin.namespace_name = parse_string(*ns, md.field("namespace"));
    origin.namespace_where = ns->location();
  }
  if (const Node* a = md.get("annotations")) {
    if (!a->is_mapping())
      wrong_type(*a, md.field("annotations"), "a mapping of strings",
                 "e.g. annotations: {experiment.chaos-mesh.org/pause: \"true\"}");
    if (const Node* p = a->get(kPauseAnnotation)) {
      std::string v = parse_string(*p, md.field("annotations") + "." + kPauseAnnotation);
      if (v != "true" && v != "false")
        throw InputError(
            p->location(),
            std::string(kPauseAnnotation) + " must be \"true\" or \"false\", found \"" + v + "\"",
            "quote it: \"true\" pauses the experiment");
      if (v == "true") {
        ctx.note(p->location(),
                 kind + " " + name + " is paused (" + kPauseAnnotation + ": \"true\"): skipped");
        return {};
      }
    }
  }

  const Node& spec = top.require("spec", "the experiment's spec");
  if (kind == "Workflow") {
    WorkflowExpander wf(ctx, spec, "spec", origin, name);
    std::optional<sim::Time> length;
    return wf.run(at, std::nullopt, &length, true, ctx.unique_name(name));
  }
  if (kind == "Schedule") {
    ScheduleExpander s(ctx, spec, "spec", origin, name);
    return s.fire(at, ctx.run_end(), true, ctx.unique_name(name));
  }
  if (const ChaosKind* k = chaos_kind(kind)) {
    std::string why, hint;
    if (chaos_kind_not_simulated(k->key, &why, &hint))
      not_simulated(kind_node, "kind " + kind, why, hint);
    std::vector<PlanDraft> plans =
        parse_chaos_body(ctx, k->key, spec, "spec", origin, ctx.unique_name(name));
    require_duration(plans, spec, "spec");
    place(plans, at);
    return plans;
  }
  if (kind == "StatusCheck")
    not_simulated(kind_node, "kind StatusCheck",
                  "the twin's steady-state checks are the scenario's `checks:`",
                  "express the probe as an slo check");
  std::vector<std::string> kinds = {"Workflow", "Schedule"};
  for (const ChaosKind& c : kChaosKinds) kinds.emplace_back(c.kind);
  throw InputError(kind_node.location(), "kind \"" + kind + "\" is not a Chaos Mesh experiment",
                   did_you_mean_hint(kind, kinds));
}

}  // namespace

std::vector<PlanDraft> chaos_mesh_plans(FaultContext& ctx, const FaultSpec& entry) {
  std::vector<Node> docs = k8s::parse_yaml_documents(k8s::read_file(entry.file), entry.file);
  if (docs.empty())
    throw InputError(k8s::SourceLocation{std::make_shared<const std::string>(entry.file), 1, 1},
                     "the Chaos Mesh file holds no experiment",
                     "write a PodChaos, NetworkChaos, DNSChaos, StressChaos, IOChaos, Workflow or "
                     "Schedule");
  std::vector<PlanDraft> out;
  for (const Node& doc : docs)
    for (PlanDraft& p : experiment(ctx, doc, entry.at)) out.push_back(std::move(p));
  return out;
}

}  // namespace kubetwin::scenario::internal
