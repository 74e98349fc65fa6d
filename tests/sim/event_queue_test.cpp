// EventQueue: ordering by (time, push order), the FIFO lane, cancellation, rescheduling and memory
// per event.
#include "kubetwin/sim/event_queue.hpp"

#include <gtest/gtest.h>

#include <map>
#include <utility>

#include "kubetwin/sim/random.hpp"

namespace kubetwin::sim {
namespace {

void noop(void*, uint64_t) {}

TEST(EventQueue, PopsInTimeOrderAndEqualTimesInPushOrder) {
  EventQueue q;
  q.push(30, &noop, nullptr, 1);
  q.push(10, &noop, nullptr, 2);
  q.push(20, &noop, nullptr, 3);
  q.push(10, &noop, nullptr, 4);
  q.push(10, &noop, nullptr, 5);
  std::vector<uint64_t> order;
  PoppedEvent e{};
  while (q.pop(&e)) order.push_back(e.arg);
  EXPECT_EQ(order, (std::vector<uint64_t>{2, 4, 5, 3, 1}));
}

TEST(EventQueue, HeapEventsAtNowRunBeforeFifoEventsPushedAtNow) {
  EventQueue q;
  q.push(5, &noop, nullptr, 1);  // heap: pushed while now = 0
  q.push(5, &noop, nullptr, 2);
  PoppedEvent e{};
  ASSERT_TRUE(q.pop(&e));
  EXPECT_EQ(e.arg, 1u);
  q.push(5, &noop, nullptr, 3);  // now == 5: FIFO lane, after the heap's 2
  ASSERT_TRUE(q.pop(&e));
  EXPECT_EQ(e.arg, 2u);
  ASSERT_TRUE(q.pop(&e));
  EXPECT_EQ(e.arg, 3u);
  EXPECT_FALSE(q.pop(&e));
}

TEST(EventQueue, CancelRemovesAndStaleHandlesAreHarmless) {
  EventQueue q;
  EventId a = q.push(10, &noop, nullptr, 1);
  EventId b = q.push(20, &noop, nullptr, 2);
  EventId now_event = q.push(0, &noop, nullptr, 3);  // FIFO lane
  EXPECT_EQ(q.size(), 3u);
  EXPECT_TRUE(q.cancel(a));
  EXPECT_FALSE(q.cancel(a));  // twice
  EXPECT_TRUE(q.cancel(now_event));
  EXPECT_FALSE(q.cancel(now_event));
  EXPECT_EQ(q.size(), 1u);
  PoppedEvent e{};
  ASSERT_TRUE(q.pop(&e));
  EXPECT_EQ(e.arg, 2u);
  EXPECT_FALSE(q.cancel(b));  // already ran
  EXPECT_FALSE(q.pop(&e));
  // The slot of `a` is reused; its old handle must not cancel the new event.
  q.push(30, &noop, nullptr, 4);
  EXPECT_FALSE(q.cancel(a));
  EXPECT_EQ(q.size(), 1u);
}

TEST(EventQueue, PopRespectsLimit) {
  EventQueue q;
  q.push(10, &noop, nullptr, 1);
  PoppedEvent e{};
  EXPECT_FALSE(q.pop(&e, 9));
  EXPECT_TRUE(q.pop(&e, 10));
}

// Random pushes, pops, cancels and reschedules against a reference ordered map keyed by (time,
// push index); a rescheduled event keeps its argument and takes a fresh push index.
// Random pushes, pops, cancels and reschedules against a std::map, with the delays `delay` draws.
template <class Delay>
void check_against_reference(const char* stream, Delay delay) {
  struct Pending {
    EventId id;
    uint64_t arg;
  };
  EventQueue q;
  std::map<std::pair<Time, uint64_t>, Pending> reference;
  Rng rng(3, stream);
  uint64_t pushes = 0;
  Time now = 0;
  for (int step = 0; step < 200'000; ++step) {
    uint64_t op = rng.below(10);
    if (op < 5 || reference.empty()) {
      Time t = now + delay(rng);
      EventId id = q.push(t, &noop, nullptr, pushes);
      reference.emplace(std::make_pair(t, pushes), Pending{id, pushes});
      ++pushes;
    } else if (op < 8) {
      PoppedEvent e{};
      ASSERT_TRUE(q.pop(&e));
      auto first = reference.begin();
      ASSERT_EQ(e.time, first->first.first);
      ASSERT_EQ(e.arg, first->second.arg);
      now = e.time;
      reference.erase(first);
    } else if (op < 9) {
      auto it = reference.begin();
      std::advance(it, static_cast<long>(rng.below(reference.size())));
      ASSERT_TRUE(q.cancel(it->second.id));
      EXPECT_FALSE(q.cancel(it->second.id));
      reference.erase(it);
    } else {
      // A reschedule is a cancel and a push: the event takes a fresh place among equal times.
      auto it = reference.begin();
      std::advance(it, static_cast<long>(rng.below(reference.size())));
      Time t = now + delay(rng);
      EventId moved = q.reschedule(it->second.id, t);
      ASSERT_TRUE(moved.valid());
      EXPECT_FALSE(q.cancel(it->second.id));  // the old handle is spent
      const uint64_t arg = it->second.arg;
      reference.erase(it);
      reference.emplace(std::make_pair(t, pushes), Pending{moved, arg});
      ++pushes;
    }
    ASSERT_EQ(q.size(), reference.size());
  }
}

TEST(EventQueue, MatchesReferenceUnderRandomOperations) {
  check_against_reference(
      "ops", [](Rng& rng) { return static_cast<Time>(rng.below(4) == 0 ? 0 : rng.below(1000)); });
}

// As in the twin, most new events are among the earliest pending ones, with a few far ahead: the
// near run fills, spills its later half into the heap, and is refilled ahead of the heap's top.
TEST(EventQueue, MatchesReferenceWhenMostPushesAreAmongTheEarliest) {
  check_against_reference("near", [](Rng& rng) {
    const uint64_t kind = rng.below(8);
    if (kind == 0) return Time{0};
    if (kind == 1) return static_cast<Time>(1'000'000 + rng.below(1'000'000));
    return static_cast<Time>(rng.below(kind * 4));
  });
}

TEST(EventQueue, RescheduleMovesAnEventAndTakesAFreshSequence) {
  EventQueue q;
  EventId a = q.push(10, &noop, nullptr, 1);
  q.push(20, &noop, nullptr, 2);
  EventId moved = q.reschedule(a, 20);  // now after 2, which was pushed before the move
  ASSERT_TRUE(moved.valid());
  EXPECT_FALSE(q.reschedule(a, 30).valid());  // the old handle is spent
  EXPECT_EQ(q.size(), 2u);
  PoppedEvent e{};
  ASSERT_TRUE(q.pop(&e));
  EXPECT_EQ(e.arg, 2u);
  ASSERT_TRUE(q.pop(&e));
  EXPECT_EQ(e.arg, 1u);
  EXPECT_EQ(e.time, 20);
  EXPECT_FALSE(q.reschedule(moved, 40).valid());  // it ran
}

// Cancelled keys stay in the heap until they surface or are purged: a run that arms and cancels
// a timeout per request must not grow the heap with them.
TEST(EventQueue, CancelledEventsDoNotAccumulate) {
  EventQueue q;
  q.push(1'000'000, &noop, nullptr, 1);
  for (int i = 0; i < 100'000; ++i) {
    EventId t = q.push(500'000 + i, &noop, nullptr, 2);
    ASSERT_TRUE(q.cancel(t));
  }
  EXPECT_EQ(q.size(), 1u);
  EXPECT_LT(q.memory_bytes(), 64u * 1024) << q.memory_bytes() << " bytes";
  EXPECT_EQ(q.next_time(), 1'000'000);
  PoppedEvent e{};
  ASSERT_TRUE(q.pop(&e));
  EXPECT_EQ(e.arg, 1u);
  EXPECT_FALSE(q.pop(&e));
  EXPECT_EQ(q.size(), 0u);
}

TEST(EventQueue, MillionPendingEventsFitIn64MB) {
  EventQueue q;
  Rng rng(1, "memory");
  for (int i = 0; i < 1'000'000; ++i)
    q.push(static_cast<Time>(rng.below(1'000'000'000)) + 1, &noop, nullptr, 0);
  EXPECT_EQ(q.size(), 1'000'000u);
  EXPECT_LT(q.memory_bytes(), 64u * 1024 * 1024) << q.memory_bytes() << " bytes";
}

}  // namespace
}  // namespace kubetwin::sim
