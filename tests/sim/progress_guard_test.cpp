// The engine's progress guard (issue 14): a clock that stops, an event budget that runs out and a
// wall-clock deadline each end the run, and the message names what repeated.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "kubetwin/sim/engine.hpp"

namespace kubetwin::sim {
namespace {

// A test-only component: re-arms itself at the same instant, forever.
struct Spinner {
  Engine* engine;
  std::string label = "spinner-7";
  const std::string& name() const { return label; }
  void spin() { engine->schedule_after<&Spinner::spin>(0, this); }
};

// Advances time by one nanosecond per event: never stuck at one instant, but never done.
struct Creeper {
  Engine* engine;
  void creep() { engine->schedule_after<&Creeper::creep>(1, this); }
};

TEST(ProgressGuard, AStoppedClockThrowsNamingTheTimeTheEventAndTheComponent) {
  Engine engine;
  Spinner s{&engine};
  engine.schedule_at<&Spinner::spin>(millis(1500), &s);
  try {
    engine.run_until(seconds(10));
    FAIL() << "the livelock was not detected";
  } catch (const NoProgress& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("1.5s"), std::string::npos) << what;
    EXPECT_NE(what.find("Spinner::spin"), std::string::npos) << what;
    EXPECT_NE(what.find("on component 'spinner-7'"), std::string::npos) << what;
    EXPECT_NE(what.find("kMaxEventsPerInstant"), std::string::npos) << what;
    EXPECT_EQ(e.at(), millis(1500));
  }
  // How long detection takes is a figure, not an assertion: bench/engine_bench.cpp and the README.
}

TEST(ProgressGuard, ManyEventsAtOneInstantBelowTheBoundAreFine) {
  Engine engine;
  struct Burst {
    Engine* engine;
    int left;
    void go() {
      if (--left > 0) engine->schedule_after<&Burst::go>(0, this);
    }
  } b{&engine, 100'000};
  engine.schedule_at<&Burst::go>(seconds(1), &b);
  engine.run();
  EXPECT_EQ(b.left, 0);
}

TEST(ProgressGuard, TheEventBudgetStopsARunThatCreepsForward) {
  Engine engine;
  engine.set_event_budget(200'000, "a test's budget");
  Creeper c{&engine};
  engine.schedule_at<&Creeper::creep>(0, &c);
  try {
    engine.run_until(seconds(1));
    FAIL() << "the budget was not enforced";
  } catch (const NoProgress& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("event budget of 200000"), std::string::npos) << what;
    EXPECT_NE(what.find("a test's budget"), std::string::npos) << what;
    EXPECT_NE(what.find("Creeper::creep"), std::string::npos) << what;
  }
}

TEST(ProgressGuard, AWallDeadlineStopsBetweenEventsWithoutThrowing) {
  Engine engine;
  Creeper c{&engine};
  engine.schedule_at<&Creeper::creep>(0, &c);
  engine.set_wall_deadline(std::chrono::steady_clock::now() + std::chrono::milliseconds(50));
  engine.run_until(hours(1000));
  EXPECT_TRUE(engine.wall_deadline_passed());
  EXPECT_LT(engine.now(), hours(1000));  // stopped where it was, not moved to the end
}

TEST(ProgressGuard, MethodNamesComeFromTheSignature) {
  EXPECT_EQ(internal::method_from_signature(
                "std::string f() [with auto Method = &ns::Pod::wake; std::string = x]"),
            "ns::Pod::wake");
  EXPECT_EQ(internal::method_from_signature("no template here"), "no template here");
}

}  // namespace
}  // namespace kubetwin::sim
