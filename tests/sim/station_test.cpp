// Station: FIFO service, capacity and rejection, the counters a capacity planner reads.
#include "kubetwin/sim/station.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace kubetwin::sim {
namespace {

struct Log {
  std::vector<uint64_t> done;
  std::vector<Time> waits;
  static void on_done(void* self, uint64_t token, Time arrived, Time started) {
    auto* log = static_cast<Log*>(self);
    log->done.push_back(token);
    log->waits.push_back(started - arrived);
  }
};

struct Submitter {
  Station* station;
  std::vector<bool> accepted;
  void submit(uint64_t token) { accepted.push_back(station->submit(token, millis(10))); }
};

TEST(Station, ServesInArrivalOrderAndRejectsWhenFull) {
  Engine engine;
  Station st(engine, "pod", /*servers=*/2, /*capacity=*/1);
  Log log;
  st.on_completion(&Log::on_done, &log);
  Submitter s{&st, {}};
  for (uint64_t t = 0; t < 4; ++t) engine.schedule_at<&Submitter::submit>(0, &s, t);
  engine.run();
  EXPECT_EQ(s.accepted, (std::vector<bool>{true, true, true, false}));
  EXPECT_EQ(log.done, (std::vector<uint64_t>{0, 1, 2}));
  EXPECT_EQ(log.waits, (std::vector<Time>{0, 0, millis(10)}));
  EXPECT_EQ(st.rejections(), 1u);
  EXPECT_EQ(st.completions(), 3u);
  EXPECT_EQ(engine.now(), millis(20));
  // Busy: 2 servers for 10 ms, then 1 for 10 ms, over 20 ms and 2 servers: 75%.
  EXPECT_NEAR(st.utilisation(), 0.75, 1e-12);
  EXPECT_NEAR(st.waiting_jobs().mean(engine.now()), 0.5, 1e-12);
  EXPECT_NEAR(st.responses().mean(), (0.010 + 0.010 + 0.020) / 3, 1e-12);
}

TEST(Station, UnboundedQueueNeverRejects) {
  Engine engine;
  Station st(engine, "pod", 1);
  Submitter s{&st, {}};
  for (uint64_t t = 0; t < 1000; ++t) engine.schedule_at<&Submitter::submit>(0, &s, t);
  engine.run();
  EXPECT_EQ(st.completions(), 1000u);
  EXPECT_EQ(st.rejections(), 0u);
  EXPECT_EQ(engine.now(), millis(10) * 1000);
}

TEST(Station, ResetStatisticsForgetsFiguresButNotJobs) {
  Engine engine;
  Station st(engine, "pod", 1);
  Submitter s{&st, {}};
  engine.schedule_at<&Submitter::submit>(0, &s, 1);
  engine.schedule_at<&Submitter::submit>(0, &s, 2);
  engine.run_until(millis(5));
  st.reset_statistics();
  engine.run();
  EXPECT_EQ(st.completions(), 2u);
  EXPECT_EQ(st.arrivals(), 0u);
  EXPECT_NEAR(st.utilisation(), 1.0, 1e-12);
}

TEST(Station, RejectsImpossibleConfigurations) {
  Engine engine;
  EXPECT_THROW(Station(engine, "x", 0), std::invalid_argument);
  EXPECT_THROW(Station(engine, "x", 1, -5), std::invalid_argument);
}

}  // namespace
}  // namespace kubetwin::sim
