// Sweeps: iteration variables, the Cartesian product of points, run seeds, and the run pool.
#include "kubetwin/scenario/sweep.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cmath>
#include <exception>
#include <mutex>
#include <thread>

#include "fields.hpp"
#include "kubetwin/k8s/loader.hpp"

namespace kubetwin::scenario {

namespace {

using k8s::InputError;
using k8s::Node;
using k8s::SourceLocation;

constexpr const char* kValuesHint =
    "values are a comma list or inclusive ranges: 3,5 or 100..1500:100 (from..to:step) or both";
constexpr const char* kPathHint =
    "sweep load.<load>.<field> (e.g. load.shoppers.rate) or any knob overrides accepts, as "
    "override.<knob> or the knob alone (e.g. amazon-api-prod/orders-api.replicas)";
constexpr size_t kMaxValues = 100'000;

SourceLocation shifted(const SourceLocation& at, size_t columns) {
  SourceLocation s = at;
  if (s.column > 0) s.column += static_cast<int>(columns);
  return s;
}

std::string trim(const std::string& s) {
  size_t a = s.find_first_not_of(" \t");
  if (a == std::string::npos) return "";
  size_t b = s.find_last_not_of(" \t");
  return s.substr(a, b - a + 1);
}

bool is_integer_text(const std::string& s) {
  size_t i = s[0] == '-' ? 1 : 0;
  return i < s.size() && std::all_of(s.begin() + static_cast<long>(i), s.end(),
                                     [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<double> number(const std::string& s) {
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

int decimals(const std::string& s) {
  size_t dot = s.find('.');
  return dot == std::string::npos ? 0 : static_cast<int>(s.size() - dot - 1);
}

// One comma item: a value, or a range "A..B[:S]" expanded.
void expand_item(const std::string& item, const SourceLocation& where, SweepVariable& v) {
  size_t dots = item.find("..");
  if (dots == std::string::npos) {
    v.values.push_back(item);
    v.value_where.push_back(where);
    return;
  }
  std::string from = trim(item.substr(0, dots));
  std::string rest = item.substr(dots + 2);
  std::string to = trim(rest.substr(0, rest.find(':')));
  std::string step =
      rest.find(':') == std::string::npos ? "1" : trim(rest.substr(rest.find(':') + 1));
  auto a = number(from), b = number(to), s = number(step);
  if (from.empty() || to.empty() || step.empty() || !a || !b || !s)
    throw InputError(where,
                     "sweep variable " + v.path + ": \"" + item + "\" is not a range of numbers",
                     kValuesHint);
  if (*s <= 0)
    throw InputError(where,
                     "sweep variable " + v.path + ": the step of \"" + item + "\" must be above 0",
                     kValuesHint);
  if (*b < *a)
    throw InputError(where, "sweep variable " + v.path + ": \"" + item + "\" runs backwards",
                     "write the range from the smaller value to the larger");
  const double count = std::floor((*b - *a) / *s + 1e-9) + 1;
  if (count > static_cast<double>(kMaxValues))
    throw InputError(where, "sweep variable " + v.path + ": \"" + item + "\" has too many values",
                     fmt::format("at most {} values a variable", kMaxValues));
  const bool integers = is_integer_text(from) && is_integer_text(to) && is_integer_text(step);
  const int places = std::max({decimals(from), decimals(to), decimals(step)});
  for (long k = 0; k < static_cast<long>(count); ++k) {
    if (integers) {
      v.values.push_back(std::to_string(std::stoll(from) + k * std::stoll(step)));
    } else {
      v.values.push_back(fmt::format("{:.{}f}", *a + static_cast<double>(k) * *s, places));
    }
    v.value_where.push_back(where);
  }
}

// "3,5,100..300:100" at `where` (its first character).
void expand_values(const std::string& text, const SourceLocation& where, SweepVariable& v) {
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    std::string item = trim(text.substr(start, comma - start));
    if (item.empty())
      throw InputError(shifted(where, start), "sweep variable " + v.path + " has an empty value",
                       kValuesHint);
    expand_item(item, shifted(where, start), v);
    start = comma + 1;
  }
  if (v.values.size() > kMaxValues)
    throw InputError(where, "sweep variable " + v.path + " has too many values",
                     fmt::format("at most {} values a variable", kMaxValues));
}

uint64_t fnv1a(uint64_t h, const std::string& bytes) {
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

bool is_load_path(const std::string& path) {
  return path.rfind("load.", 0) == 0;
}

// The knob an override variable sets ("override.x.y" -> "x.y").
std::string knob_of(const std::string& path) {
  return path.rfind("override.", 0) == 0 ? path.substr(9) : path;
}

// Writes variable `v`'s value `i` into the scenario document.
void apply_value(Node& document, const SweepVariable& v, size_t i) {
  Node* spec = document.get("spec");
  if (!spec || !spec->is_mapping())
    throw InputError(document.location(), "the scenario has no spec",
                     "see docs/scenario-format.md");
  const std::string& text = v.values[i];
  const SourceLocation& where = v.value_where[i];
  if (is_load_path(v.path)) {
    std::string rest = v.path.substr(5);
    size_t dot = rest.find('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == rest.size())
      throw InputError(v.where, "sweep variable " + v.path + " names no load field", kPathHint);
    const std::string load = rest.substr(0, dot);
    std::string field = rest.substr(dot + 1);
    Node* loads = spec->get("load");
    std::vector<std::string> names;
    Node* entry = nullptr;
    if (loads && loads->is_sequence()) {
      for (Node& item : loads->items()) {
        if (!item.is_mapping()) continue;
        names.push_back(item.str("name"));
        if (item.str("name") == load) entry = &item;
      }
    }
    if (!entry)
      throw InputError(v.where,
                       "sweep variable " + v.path + ": no load entry is named \"" + load + "\"",
                       names.empty() ? std::string("the scenario has no spec.load entries")
                                     : internal::did_you_mean_hint(load, names));
    Node* at = entry;
    for (size_t d = field.find('.'); d != std::string::npos; d = field.find('.')) {
      const std::string part = field.substr(0, d);
      Node* next = at->get(part);
      if (!next || !next->is_mapping()) next = &at->set(part, Node::mapping(where));
      at = next;
      field = field.substr(d + 1);
    }
    std::string value = text;
    if (field == "rate" && at == entry) {
      entry->erase("profile");
      if (number(value)) value += "/s";
    }
    at->set(field, Node::scalar(value, false, where));
    return;
  }
  const std::string knob = knob_of(v.path);
  Node* overrides = spec->get("overrides");
  if (!overrides || !overrides->is_mapping())
    overrides = &spec->set("overrides", Node::mapping(where));
  overrides->set(knob, Node::scalar(text, false, where));
}

void check_path(const SweepVariable& v) {
  const std::string knob = knob_of(v.path);
  const bool ok = is_load_path(v.path) ? v.path.size() > 5
                                       : knob.find('.') != std::string::npos &&
                                             knob.front() != '.' && knob.back() != '.';
  if (!ok) throw InputError(v.where, "\"" + v.path + "\" is not a sweep variable", kPathHint);
  if (v.values.empty())
    throw InputError(v.where, "sweep variable " + v.path + " has no values", kValuesHint);
}

}  // namespace

SweepVariable parse_set_flag(const std::string& text, int position) {
  auto flag = std::make_shared<const std::string>("--set");
  SweepVariable v;
  v.where = SourceLocation{flag, position, 1};
  size_t eq = text.find('=');
  if (eq == std::string::npos || trim(text.substr(0, eq)).empty())
    throw InputError(v.where, "--set \"" + text + "\" is not PATH=VALUES",
                     "e.g. --set load.shoppers.rate=100..1500:100");
  v.path = trim(text.substr(0, eq));
  check_path(SweepVariable{v.path, {"x"}, {}, v.where});
  expand_values(text.substr(eq + 1), SourceLocation{flag, position, static_cast<int>(eq) + 2}, v);
  return v;
}

std::vector<SweepVariable> parse_sweep_block(const Node& block) {
  if (!block.is_mapping())
    internal::wrong_type(block, "spec.sweep", "a mapping of variable paths to values",
                         "e.g. sweep: {load.shoppers.rate: \"100..1500:100\"}");
  std::vector<SweepVariable> out;
  for (const auto& [path, value] : block.fields()) {
    SweepVariable v;
    v.path = path;
    v.where = value.location();
    check_path(SweepVariable{v.path, {"x"}, {}, v.where});
    if (value.is_sequence()) {
      for (const Node& item : value.items()) {
        if (!item.is_scalar())
          internal::wrong_type(item, "spec.sweep." + path + "[]", "a value", kValuesHint);
        expand_values(item.text(), item.location(), v);
      }
    } else if (value.is_scalar()) {
      expand_values(value.text(), value.location(), v);
    } else {
      internal::wrong_type(value, "spec.sweep." + path, "values", kValuesHint);
    }
    check_path(v);
    out.push_back(std::move(v));
  }
  return out;
}

std::string SweepPlan::canonical_variables() const {
  std::string out = fmt::format("replications={}", replications_);
  for (const SweepVariable& v : variables_) {
    out += ";" + v.path + "=";
    for (size_t i = 0; i < v.values.size(); ++i) out += (i ? "," : "") + v.values[i];
  }
  return out;
}

std::vector<size_t> SweepPlan::value_indexes(int point) const {
  std::vector<size_t> idx(variables_.size());
  size_t rest = static_cast<size_t>(point);
  for (size_t k = variables_.size(); k-- > 0;) {
    idx[k] = rest % variables_[k].values.size();
    rest /= variables_[k].values.size();
  }
  return idx;
}

std::vector<std::string> SweepPlan::values_at(int point) const {
  std::vector<std::string> out;
  std::vector<size_t> idx = value_indexes(point);
  for (size_t k = 0; k < variables_.size(); ++k) out.push_back(variables_[k].values[idx[k]]);
  return out;
}

std::shared_ptr<const PreparedScenario> SweepPlan::prepared(int point) const {
  return prepared_.at(static_cast<size_t>(point));
}

uint64_t SweepPlan::run_seed(int run) const {
  return sweep_run_seed(base_.seed, run);
}

uint64_t sweep_run_seed(uint64_t scenario_seed, int run) {
  uint64_t z = scenario_seed + 0x9e3779b97f4a7c15ULL * (static_cast<uint64_t>(run) + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return (z ^ (z >> 31)) & 0x7fffffffffffffffULL;
}

SweepPlan plan_sweep(const std::string& scenario_path, const std::vector<SweepVariable>& set,
                     std::optional<int> replications) {
  SweepPlan plan;
  const std::string text = k8s::read_file(scenario_path);
  plan.document_ = internal::single_document(text, scenario_path, "Scenario");
  plan.base_ = scenario_from_node(plan.document_);
  plan.scenario_digest_ = fmt::format("fnv1a64:{:016x}", fnv1a(0xcbf29ce484222325ULL, text));
  if (!plan.base_.sweep.is_null()) plan.variables_ = parse_sweep_block(plan.base_.sweep);
  for (const SweepVariable& v : set) {
    auto same = std::find_if(plan.variables_.begin(), plan.variables_.end(),
                             [&](const SweepVariable& w) { return w.path == v.path; });
    if (same != plan.variables_.end()) {
      *same = v;
    } else {
      plan.variables_.push_back(v);
    }
  }
  plan.replications_ = replications.value_or(plan.base_.replications);
  double points = 1;
  for (const SweepVariable& v : plan.variables_) points *= static_cast<double>(v.values.size());
  if (points * plan.replications_ > kMaxSweepRuns)
    throw InputError(plan.variables_.empty() ? plan.base_.where : plan.variables_.back().where,
                     fmt::format("the sweep has {:.0f} runs, more than {}",
                                 points * plan.replications_, kMaxSweepRuns),
                     "sweep fewer values or fewer replications");
  plan.points_ = static_cast<int>(points);

  // Every point's scenario is parsed; points that differ only in load fields share one prepared
  // model (preparing renders every manifest), copied with their own spec.
  std::map<std::vector<std::string>, std::shared_ptr<const PreparedScenario>> models;
  for (int p = 0; p < plan.points_; ++p) {
    Node document = plan.document_;
    document.erase("sweep");
    if (Node* spec = document.get("spec")) spec->erase("sweep");
    std::vector<size_t> idx = plan.value_indexes(p);
    std::vector<std::string> model_key;
    for (size_t k = 0; k < plan.variables_.size(); ++k) {
      apply_value(document, plan.variables_[k], idx[k]);
      if (!is_load_path(plan.variables_[k].path))
        model_key.push_back(plan.variables_[k].values[idx[k]]);
    }
    ScenarioSpec spec = scenario_from_node(document);
    auto found = models.find(model_key);
    if (found == models.end()) {
      auto prepared = prepare_scenario(spec);
      models.emplace(model_key, prepared);
      plan.prepared_.push_back(prepared);
      continue;
    }
    auto copy = std::make_shared<PreparedScenario>(*found->second);
    copy->spec = std::move(spec);
    plan.prepared_.push_back(std::move(copy));
  }
  return plan;
}

void run_sweep(const SweepPlan& plan, const std::vector<int>& runs, int jobs, RunObserver* observer,
               const std::function<void(SweepRun&&)>& done) {
  const int hw = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  int threads = jobs > 0 ? jobs : hw;
  threads = std::max(1, std::min(threads, static_cast<int>(runs.size())));
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr failure;
  std::mutex mutex;
  auto work = [&] {
    for (size_t i = next++; i < runs.size() && !failed; i = next++) {
      try {
        SweepRun r;
        r.run = runs[i];
        r.point = r.run / plan.replications();
        r.replication = r.run % plan.replications();
        r.seed = plan.run_seed(r.run);
        // Each run is a one-replication scenario with its own seed.
        auto prepared = std::make_shared<PreparedScenario>(*plan.prepared(r.point));
        prepared->spec.seed = r.seed;
        RunOptions options;
        options.threads = 1;
        options.replications = 1;
        options.observer = observer;
        r.result = run_scenario(*prepared, options);
        std::lock_guard<std::mutex> lock(mutex);
        done(std::move(r));
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex);
        if (!failure) failure = std::current_exception();
        failed = true;
      }
    }
  };
  if (threads == 1) {
    work();
  } else {
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) pool.emplace_back(work);
    for (auto& t : pool) t.join();
  }
  if (failure) std::rethrow_exception(failure);
}

}  // namespace kubetwin::scenario
