// Progress on stderr for long runs (`run`, `capacity`, `sweep`): one line redrawn in place.
//
// Promises: it only reads what the runner reports between its 10 s windows (RunObserver), so it
// adds no simulation event and changes no result. It draws nothing before `delay` (a second:
// short runs stay quiet), nothing when disabled (stderr not a terminal, or --quiet), and at most
// ten redraws a second. Each draw is "\r", the line, then "\x1b[K" (clear to the end of the
// line); finish() clears the line. Safe to feed from many replication threads at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <ostream>
#include <string>

#include "kubetwin/scenario/runner.hpp"

namespace kubetwin::cli {

class Progress : public scenario::RunObserver {
 public:
  // `what` heads the line ("sweep prod-steady"); `unit` names what is counted ("runs");
  // `total_units` and `total_simulated` (0 = unknown: no ETA) size the work.
  Progress(std::ostream& out, bool enabled, std::string what, std::string unit, int total_units,
           sim::Time total_simulated,
           std::chrono::steady_clock::duration delay = std::chrono::seconds(1));
  ~Progress() override;
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void advanced(sim::Time simulated, uint64_t events) override;
  void replication_done() override;
  // Clears the line (once something was drawn). Called by the destructor too.
  void finish();

  // The line as drawn (tests): counts, simulated time, events/s, ETA.
  std::string line(std::chrono::steady_clock::time_point now) const;

 private:
  void draw_locked(bool force);

  std::ostream& out_;
  bool enabled_;
  std::string what_;
  std::string unit_;
  int total_units_;
  sim::Time total_simulated_;
  std::chrono::steady_clock::duration delay_;
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point last_draw_{};
  mutable std::mutex mutex_;
  int units_done_ = 0;
  sim::Time simulated_ = 0;
  uint64_t events_ = 0;
  bool drawn_ = false;
};

// Whether progress should be drawn for an invocation writing errors to `err`: it is the process's
// stderr, that is a terminal, and --quiet is not given.
bool progress_wanted(const std::ostream& err, bool quiet);
// The delay before the first draw: 1 s, or KUBETWIN_PROGRESS_AFTER_MS (tests).
std::chrono::steady_clock::duration progress_delay();

}  // namespace kubetwin::cli
