// Engine: the discrete-event loop. Simulated time, scheduling, cancellation, and a fingerprint.
//
// Promises:
// - Events run in (time, scheduling order): two events at the same time run in the order they
//   were scheduled, on every machine.
// - Scheduling and cancelling allocate nothing in steady state (see EventQueue).
// - fingerprint() is a hash over every processed event's (time, sequence number) and whatever
//   models mix in with mix_fingerprint(): equal inputs and seed give equal fingerprints.
// - Progress is guarded (issue 14): a run whose clock stops advancing for kMaxEventsPerInstant
//   events, or that passes its event budget, throws NoProgress naming the simulated time and the
//   event kinds and components that repeated; a run past its wall-clock deadline stops cleanly
//   (wall_deadline_passed()). The guard costs one compare per event and a clock read per 2^16.
// Not thread-safe: one Engine per thread; replications run one world per thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

#include "kubetwin/sim/event_queue.hpp"
#include "kubetwin/sim/time.hpp"

namespace kubetwin::sim {

// Events at one simulated instant before the engine calls it a livelock. A real model's busiest
// instant (every pod started at 0, a fault resetting every request held in an overloaded run) is
// tens of thousands; 5M is far above that and still well under a second of wall time.
inline constexpr uint64_t kMaxEventsPerInstant = 5'000'000;
// Events between two looks of the progress guard at the clock and the wall clock (about 5 ms of
// a busy run): a stopped clock is noticed after kMaxEventsPerInstant to that plus this many.
inline constexpr uint64_t kGuardStride = uint64_t{1} << 16;
// Events observed after the guard trips, to name what repeats.
inline constexpr uint64_t kNoProgressSample = 4096;

// The run made no progress: the clock stopped, or the event budget ran out. what() is the whole
// message: the simulated time, the bound, and the kinds of event that repeated with their
// components, most frequent first.
class NoProgress : public std::runtime_error {
 public:
  NoProgress(const std::string& what, Time at) : std::runtime_error(what), at_(at) {}
  Time at() const { return at_; }

 private:
  Time at_;
};

// What an event function is, for the progress guard's message: the method's name and, when its
// class has a name() (a pod, a broker), the instance's.
struct EventKind {
  std::string name;                                         // "kubetwin::runtime::PodCpu::on_wake"
  std::string (*component)(const void* context) = nullptr;  // nullptr: the class name alone
};

namespace internal {
// The registry of named event functions (filled before main by Engine::schedule_* templates).
bool register_event_kind(EventFn fn, EventKind kind);
const EventKind* find_event_kind(EventFn fn);

// "void kubetwin::sim::internal::method_name() [with auto Method =
// &kubetwin::runtime::PodCpu::on_wake; ...]"
// -> "kubetwin::runtime::PodCpu::on_wake".
std::string method_from_signature(std::string_view pretty);
template <auto Method>
std::string method_name() {
  return method_from_signature(__PRETTY_FUNCTION__);
}

template <class C, class = void>
struct HasName : std::false_type {};
template <class C>
struct HasName<C, std::void_t<decltype(std::declval<const C&>().name())>> : std::true_type {};

template <class M>
struct MemberTraits;
template <class C>
struct MemberTraits<void (C::*)(uint64_t)> {
  using Class = C;
};
template <class C>
struct MemberTraits<void (C::*)()> {
  using Class = C;
};
}  // namespace internal

class Engine {
 public:
  Engine() = default;
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  Time now() const { return now_; }

  EventId schedule_at(Time t, EventFn fn, void* context, uint64_t arg = 0) {
    if (t < now_) [[unlikely]]
      past("Engine::schedule_at");
    return queue_.push(t, fn, context, arg);
  }
  EventId schedule_after(Time delay, EventFn fn, void* context, uint64_t arg = 0) {
    return schedule_at(now_ + delay, fn, context, arg);
  }

  // Binds a member function `void C::f(uint64_t)` or `void C::f()`: no allocation.
  //   engine.schedule_after<&Station::on_departure>(service_time, this, server);
  template <auto Method>
  EventId schedule_after(Time delay, typename internal::MemberTraits<decltype(Method)>::Class* obj,
                         uint64_t arg = 0) {
    (void)kRegistered<Method>;
    return schedule_at(now_ + delay, &thunk<Method>, obj, arg);
  }
  template <auto Method>
  EventId schedule_at(Time t, typename internal::MemberTraits<decltype(Method)>::Class* obj,
                      uint64_t arg = 0) {
    (void)kRegistered<Method>;
    return schedule_at(t, &thunk<Method>, obj, arg);
  }

  // False when the event already ran or was cancelled.
  bool cancel(EventId id) { return queue_.cancel(id); }
  // Moves a pending event to time t (>= now), ordered as if scheduled now; cheaper than cancel
  // plus schedule. Returns its (possibly new) handle; invalid when it was not pending.
  EventId reschedule(EventId id, Time t) {
    if (t < now_) [[unlikely]]
      past("Engine::reschedule");
    return queue_.reschedule(id, t);
  }

  // Runs until no event is left or stop() is called.
  void run() { run_until(kTimeMax); }
  // Runs every event with time <= end, then sets now() to end (unless stopped earlier).
  void run_until(Time end);
  // Makes run()/run_until() return after the current event.
  void stop() { stopped_ = true; }
  bool stopped() const { return stopped_; }

  // The progress guard's total: run_until throws NoProgress once more than `events` events have
  // run (0: no budget). `why` says where the budget came from, for the message.
  void set_event_budget(uint64_t events, std::string why = {}) {
    budget_ = events;
    budget_why_ = std::move(why);
    rearm_guard();
  }
  uint64_t event_budget() const { return budget_; }
  // run_until returns early, between two events, once the wall clock passes `deadline`;
  // wall_deadline_passed() then says so. The clock is read once every kGuardStride events.
  void set_wall_deadline(std::chrono::steady_clock::time_point deadline) {
    deadline_ = deadline;
    rearm_guard();
  }
  bool wall_deadline_passed() const { return deadline_passed_; }

  size_t pending() const { return queue_.size(); }
  uint64_t events_processed() const { return processed_; }
  uint64_t fingerprint() const { return fingerprint_; }
  void mix_fingerprint(uint64_t value) { fingerprint_ = mix(fingerprint_ ^ value); }
  const EventQueue& queue() const { return queue_; }

 private:
  template <auto Method>
  static void thunk(void* context, uint64_t arg) {
    using C = typename internal::MemberTraits<decltype(Method)>::Class;
    if constexpr (std::is_invocable_v<decltype(Method), C*, uint64_t>) {
      (static_cast<C*>(context)->*Method)(arg);
    } else {
      (void)arg;
      (static_cast<C*>(context)->*Method)();
    }
  }

  template <auto Method>
  static std::string component_of(const void* context) {
    using C = typename internal::MemberTraits<decltype(Method)>::Class;
    if constexpr (internal::HasName<C>::value) {
      return std::string(static_cast<const C*>(context)->name());
    } else {
      (void)context;
      return {};
    }
  }
  template <auto Method>
  static inline const bool kRegistered = internal::register_event_kind(
      &thunk<Method>, EventKind{internal::method_name<Method>(), &component_of<Method>});

  // Throws std::logic_error "<who>: time is in the past" (out of line: the hot paths stay small).
  [[noreturn, gnu::cold, gnu::noinline]] static void past(const char* who);
  // Runs up to kNoProgressSample more events, tallies what they are, and throws NoProgress.
  [[noreturn]] void no_progress(const std::string& headline, const PoppedEvent& first);
  // At guard_at_: throws when the clock has not moved for kMaxEventsPerInstant events or the
  // budget is spent; reads the wall clock when a deadline is set (true: it passed). Re-arms.
  bool guard(const PoppedEvent& e);
  void rearm_guard();

  // A 64-bit finaliser (from SplitMix64): cheap and well mixed.
  static uint64_t mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  EventQueue queue_;
  Time now_ = 0;
  bool stopped_ = false;
  uint64_t processed_ = 0;
  uint64_t fingerprint_ = 0x6b75626574776e31ULL;  // "kubetwn1"
  uint64_t guard_at_ = kGuardStride;              // processed_ at which guard() runs next
  Time guard_time_ = -1;              // now_ at the last guard() that saw the clock move
  uint64_t guard_instant_start_ = 0;  // processed_ then
  uint64_t budget_ = 0;
  std::string budget_why_;
  std::optional<std::chrono::steady_clock::time_point> deadline_;
  bool deadline_passed_ = false;
};

// The progress guard costs one compare per event: every kGuardStride events (or at the event
// budget, when nearer) guard() looks at the clock, the budget and the wall clock.
inline void Engine::run_until(Time end) {
  stopped_ = false;
  PoppedEvent e{};
  while (!stopped_) {
    if (!queue_.pop(&e, end)) break;
    now_ = e.time;
    ++processed_;
    fingerprint_ =
        mix(fingerprint_ ^ (static_cast<uint64_t>(e.time) * 0x9e3779b97f4a7c15ULL + e.seq));
    if (processed_ >= guard_at_ && guard(e)) {
      e.fn(e.context, e.arg);
      return;  // the wall-clock deadline passed: stop after this event
    }
    e.fn(e.context, e.arg);
  }
  if (!stopped_ && !deadline_passed_ && end != kTimeMax && end > now_) {
    now_ = end;
    queue_.advance_to(end);
  }
}

}  // namespace kubetwin::sim
