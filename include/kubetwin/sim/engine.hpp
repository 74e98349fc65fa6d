// Engine: the discrete-event loop. Simulated time, scheduling, cancellation, and a fingerprint.
//
// Promises:
// - Events run in (time, scheduling order): two events at the same time run in the order they
//   were scheduled, on every machine.
// - Scheduling and cancelling allocate nothing in steady state (see EventQueue).
// - fingerprint() is a hash over every processed event's (time, sequence number) and whatever
//   models mix in with mix_fingerprint(): equal inputs and seed give equal fingerprints.
// Not thread-safe: one Engine per thread; replications run one world per thread.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <type_traits>

#include "kubetwin/sim/event_queue.hpp"
#include "kubetwin/sim/time.hpp"

namespace kubetwin::sim {

namespace internal {
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
    if (t < now_) throw std::logic_error("Engine::schedule_at: time is in the past");
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
    return schedule_at(now_ + delay, &thunk<Method>, obj, arg);
  }
  template <auto Method>
  EventId schedule_at(Time t, typename internal::MemberTraits<decltype(Method)>::Class* obj,
                      uint64_t arg = 0) {
    return schedule_at(t, &thunk<Method>, obj, arg);
  }

  // False when the event already ran or was cancelled.
  bool cancel(EventId id) { return queue_.cancel(id); }
  // Moves a pending event to time t (>= now), ordered as if scheduled now; cheaper than cancel
  // plus schedule. Returns its (possibly new) handle; invalid when it was not pending.
  EventId reschedule(EventId id, Time t) {
    if (t < now_) throw std::logic_error("Engine::reschedule: time is in the past");
    return queue_.reschedule(id, t);
  }

  // Runs until no event is left or stop() is called.
  void run() { run_until(kTimeMax); }
  // Runs every event with time <= end, then sets now() to end (unless stopped earlier).
  void run_until(Time end);
  // Makes run()/run_until() return after the current event.
  void stop() { stopped_ = true; }
  bool stopped() const { return stopped_; }

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
};

inline void Engine::run_until(Time end) {
  stopped_ = false;
  PoppedEvent e{};
  while (!stopped_) {
    if (!queue_.pop(&e, end)) break;
    now_ = e.time;
    ++processed_;
    fingerprint_ =
        mix(fingerprint_ ^ (static_cast<uint64_t>(e.time) * 0x9e3779b97f4a7c15ULL + e.seq));
    e.fn(e.context, e.arg);
  }
  if (!stopped_ && end != kTimeMax && end > now_) {
    now_ = end;
    queue_.advance_to(end);
  }
}

}  // namespace kubetwin::sim
