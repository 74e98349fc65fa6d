// Progress on stderr: counts from the runner's windows, one line redrawn on a terminal.
#include "progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "kubetwin/sim/time.hpp"

namespace kubetwin::cli {

namespace {

std::string rate_text(double per_s) {
  if (per_s >= 1e6) return fmt::format("{:.1f}M", per_s / 1e6);
  if (per_s >= 1e3) return fmt::format("{:.1f}k", per_s / 1e3);
  return fmt::format("{:.0f}", per_s);
}

// Whole seconds of wall time, "1m12s".
std::string wall_text(double s) {
  return sim::format_duration(sim::seconds(static_cast<int64_t>(s + 0.5)));
}

}  // namespace

Progress::Progress(std::ostream& out, bool enabled, std::string what, std::string unit,
                   int total_units, sim::Time total_simulated,
                   std::chrono::steady_clock::duration delay)
    : out_(out),
      enabled_(enabled),
      what_(std::move(what)),
      unit_(std::move(unit)),
      total_units_(total_units),
      total_simulated_(total_simulated),
      delay_(delay),
      started_(std::chrono::steady_clock::now()) {}

Progress::~Progress() {
  finish();
}

void Progress::advanced(sim::Time simulated, uint64_t events) {
  std::lock_guard<std::mutex> lock(mutex_);
  simulated_ += simulated;
  events_ += events;
  draw_locked(false);
}

void Progress::replication_done() {
  std::lock_guard<std::mutex> lock(mutex_);
  ++units_done_;
  draw_locked(true);
}

void Progress::finish() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (drawn_) {
    out_ << "\r\x1b[K";
    out_.flush();
    drawn_ = false;
  }
}

std::string Progress::line(std::chrono::steady_clock::time_point now) const {
  const double elapsed = std::chrono::duration<double>(now - started_).count();
  std::string l = what_ + ": " + std::to_string(units_done_);
  if (total_units_ > 0) l += "/" + std::to_string(total_units_);
  l += " " + unit_ + ", " + sim::format_duration(simulated_);
  if (total_simulated_ > 0) l += " of " + sim::format_duration(total_simulated_);
  l += " simulated";
  if (elapsed > 0) l += ", " + rate_text(static_cast<double>(events_) / elapsed) + " events/s";
  if (total_simulated_ > 0 && simulated_ > 0) {
    const double left = elapsed * static_cast<double>(total_simulated_ - simulated_) /
                        static_cast<double>(simulated_);
    l += ", ETA " + wall_text(std::max(0.0, left));
  }
  return l;
}

void Progress::draw_locked(bool force) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - started_ < delay_) return;
  if (!force && drawn_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  out_ << "\r" << line(now) << "\x1b[K";
  out_.flush();
  drawn_ = true;
}

bool progress_wanted(const std::ostream& err, bool quiet) {
  return !quiet && &err == &std::cerr && ::isatty(STDERR_FILENO) == 1;
}

std::chrono::steady_clock::duration progress_delay() {
  if (const char* ms = std::getenv("KUBETWIN_PROGRESS_AFTER_MS"))
    return std::chrono::milliseconds(std::atoll(ms));
  return std::chrono::seconds(1);
}

}  // namespace kubetwin::cli
