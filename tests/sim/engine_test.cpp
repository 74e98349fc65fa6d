// Engine: scheduling, member binding, run_until/stop, and the fingerprint.
#include "kubetwin/sim/engine.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace kubetwin::sim {
namespace {

struct Recorder {
  Engine* engine;
  std::vector<std::pair<Time, uint64_t>> seen;
  void on(uint64_t arg) { seen.emplace_back(engine->now(), arg); }
  void chain() {
    seen.emplace_back(engine->now(), 99);
    if (seen.size() < 5) engine->schedule_after<&Recorder::chain>(millis(1), this);
  }
};

TEST(Engine, RunsMemberEventsInTimeThenSchedulingOrder) {
  Engine engine;
  Recorder r{&engine, {}};
  engine.schedule_after<&Recorder::on>(seconds(2), &r, 1);
  engine.schedule_after<&Recorder::on>(seconds(1), &r, 2);
  engine.schedule_after<&Recorder::on>(seconds(1), &r, 3);
  engine.schedule_after<&Recorder::on>(0, &r, 4);
  engine.run();
  ASSERT_EQ(r.seen.size(), 4u);
  EXPECT_EQ(r.seen[0], std::make_pair(Time{0}, uint64_t{4}));
  EXPECT_EQ(r.seen[1], std::make_pair(seconds(1), uint64_t{2}));
  EXPECT_EQ(r.seen[2], std::make_pair(seconds(1), uint64_t{3}));
  EXPECT_EQ(r.seen[3], std::make_pair(seconds(2), uint64_t{1}));
  EXPECT_EQ(engine.events_processed(), 4u);
}

TEST(Engine, RunUntilStopsAtTheBoundaryAndAdvancesTime) {
  Engine engine;
  Recorder r{&engine, {}};
  engine.schedule_at<&Recorder::on>(seconds(1), &r, 1);
  engine.schedule_at<&Recorder::on>(seconds(3), &r, 2);
  engine.run_until(seconds(2));
  EXPECT_EQ(r.seen.size(), 1u);
  EXPECT_EQ(engine.now(), seconds(2));
  engine.schedule_after<&Recorder::on>(0, &r, 3);  // at 2 s, before the 3 s event
  engine.run();
  ASSERT_EQ(r.seen.size(), 3u);
  EXPECT_EQ(r.seen[1], std::make_pair(seconds(2), uint64_t{3}));
  EXPECT_EQ(r.seen[2], std::make_pair(seconds(3), uint64_t{2}));
}

TEST(Engine, EventAtTheBoundaryRunsInRunUntil) {
  Engine engine;
  Recorder r{&engine, {}};
  engine.schedule_at<&Recorder::on>(seconds(2), &r, 1);
  engine.run_until(seconds(2));
  EXPECT_EQ(r.seen.size(), 1u);
}

TEST(Engine, CancelledTimeoutNeverFires) {
  Engine engine;
  Recorder r{&engine, {}};
  EventId timeout = engine.schedule_after<&Recorder::on>(seconds(60), &r, 1);
  engine.schedule_after<&Recorder::on>(seconds(1), &r, 2);
  EXPECT_TRUE(engine.cancel(timeout));
  engine.run();
  ASSERT_EQ(r.seen.size(), 1u);
  EXPECT_EQ(r.seen[0].second, 2u);
  EXPECT_EQ(engine.now(), seconds(1));
}

TEST(Engine, StopEndsTheRunAfterTheCurrentEvent) {
  struct Stopper {
    Engine* engine;
    int runs = 0;
    void tick() {
      if (++runs == 3) engine->stop();
      engine->schedule_after<&Stopper::tick>(seconds(1), this);
    }
  } s{nullptr};
  Engine engine;
  s.engine = &engine;
  engine.schedule_after<&Stopper::tick>(0, &s);
  engine.run();
  EXPECT_EQ(s.runs, 3);
  EXPECT_EQ(engine.pending(), 1u);
}

TEST(Engine, SchedulingInThePastIsRefused) {
  Engine engine;
  Recorder r{&engine, {}};
  engine.schedule_at<&Recorder::on>(seconds(5), &r, 1);
  engine.run();
  EXPECT_THROW(engine.schedule_at<&Recorder::on>(seconds(4), &r, 2), std::logic_error);
}

TEST(Engine, FingerprintDependsOnWhatRanAndWhen) {
  auto run = [](Time step) {
    Engine engine;
    Recorder r{&engine, {}};
    engine.schedule_after<&Recorder::chain>(step, &r);
    engine.run();
    return engine.fingerprint();
  };
  EXPECT_EQ(run(millis(1)), run(millis(1)));
  EXPECT_NE(run(millis(1)), run(millis(2)));
}

}  // namespace
}  // namespace kubetwin::sim
