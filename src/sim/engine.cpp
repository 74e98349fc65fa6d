// Engine: the progress guard's registry of event kinds and its diagnosis.
#include "kubetwin/sim/engine.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

namespace kubetwin::sim {

namespace internal {
namespace {

struct Registry {
  std::mutex mutex;
  std::map<EventFn, EventKind> kinds;
};

Registry& registry() {
  static Registry r;
  return r;
}

}  // namespace

bool register_event_kind(EventFn fn, EventKind kind) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  r.kinds.emplace(fn, std::move(kind));
  return true;
}

const EventKind* find_event_kind(EventFn fn) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  auto it = r.kinds.find(fn);
  return it == r.kinds.end() ? nullptr : &it->second;
}

std::string method_from_signature(std::string_view pretty) {
  constexpr std::string_view kKey = "Method = ";
  size_t at = pretty.find(kKey);
  if (at == std::string_view::npos) return std::string(pretty);
  std::string_view rest = pretty.substr(at + kKey.size());
  size_t end = rest.find_first_of(";]");
  rest = rest.substr(0, end);
  if (!rest.empty() && rest.front() == '&') rest.remove_prefix(1);
  return std::string(rest);
}

}  // namespace internal

void Engine::past(const char* who) {
  throw std::logic_error(std::string(who) + ": time is in the past");
}

void Engine::rearm_guard() {
  guard_at_ = processed_ + kGuardStride;
  if (budget_ != 0) guard_at_ = std::min(guard_at_, budget_ + 1);
}

bool Engine::guard(const PoppedEvent& e) {
  if (now_ != guard_time_) {
    guard_time_ = now_;
    guard_instant_start_ = processed_;
  } else if (processed_ - guard_instant_start_ >= kMaxEventsPerInstant) {
    no_progress("the simulated clock stopped at " + format_duration(now_) + ": over " +
                    std::to_string(kMaxEventsPerInstant) +
                    " events ran without time advancing (kMaxEventsPerInstant)",
                e);
  }
  if (budget_ != 0 && processed_ > budget_) {
    no_progress("the run passed its event budget of " + std::to_string(budget_) + " events at " +
                    format_duration(now_) + (budget_why_.empty() ? "" : " (" + budget_why_ + ")"),
                e);
  }
  if (deadline_ && std::chrono::steady_clock::now() >= *deadline_) deadline_passed_ = true;
  rearm_guard();
  return deadline_passed_;
}

void Engine::no_progress(const std::string& headline, const PoppedEvent& first) {
  // Tally (function, context) over the next events: a livelock repeats, so what it is shows.
  struct Key {
    EventFn fn;
    void* context;
    bool operator<(const Key& o) const {
      return fn != o.fn ? std::less<EventFn>()(fn, o.fn) : std::less<void*>()(context, o.context);
    }
  };
  std::map<Key, uint64_t> tally;
  PoppedEvent e = first;
  uint64_t seen = 0;
  const Time at = now_;
  for (;;) {
    ++tally[Key{e.fn, e.context}];
    ++seen;
    if (seen >= kNoProgressSample) break;
    e.fn(e.context, e.arg);
    if (!queue_.pop(&e, kTimeMax)) break;
    now_ = e.time;
  }
  std::vector<std::pair<uint64_t, Key>> order;
  for (const auto& [k, n] : tally) order.emplace_back(n, k);
  std::stable_sort(order.begin(), order.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  std::string msg = headline + "; of the next " + std::to_string(seen) + " events:";
  size_t shown = 0;
  for (const auto& [n, k] : order) {
    if (shown++ == 5) {
      msg += "\n  ... and " + std::to_string(order.size() - 5) + " other kinds";
      break;
    }
    const EventKind* kind = internal::find_event_kind(k.fn);
    std::string what = kind ? kind->name : "an unnamed event function";
    std::string component = kind && kind->component ? kind->component(k.context) : "";
    msg += "\n  " + std::to_string(n) + " x " + what;
    if (!component.empty()) msg += " on component '" + component + "'";
  }
  throw NoProgress(msg, at);
}

}  // namespace kubetwin::sim
