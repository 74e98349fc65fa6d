// Progress on stderr: the line's contents, the in-place redraw, silence before the delay, and end
// to end through a pseudo-terminal (drawn) and a pipe or --quiet (nothing).
#include "cli/progress.hpp"

#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

namespace kubetwin::cli {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

const std::string kSweep =
    std::string(KUBETWIN_SOURCE_DIR) + "/tests/golden/sweep-shards/scenario.yaml";
const std::string kRun = std::string(KUBETWIN_SOURCE_DIR) + "/tests/golden/run-small/scenario.yaml";

TEST(Progress, DrawsOneLineInPlaceAndClearsIt) {
  std::ostringstream out;
  {
    Progress p(out, true, "sweep demo", "runs", 4, sim::seconds(400), milliseconds(0));
    p.advanced(sim::seconds(100), 1'000'000);
    p.replication_done();
    const std::string drawn = out.str();
    ASSERT_FALSE(drawn.empty());
    EXPECT_EQ(drawn.front(), '\r');
    EXPECT_NE(drawn.find("\x1b[K"), std::string::npos);
    EXPECT_EQ(drawn.find('\n'), std::string::npos);  // never a new line
    const std::string line = p.line(std::chrono::steady_clock::now());
    EXPECT_NE(line.find("sweep demo: 1/4 runs, 1m40s of 6m40s simulated"), std::string::npos)
        << line;
    EXPECT_NE(line.find("events/s"), std::string::npos);
    EXPECT_NE(line.find("ETA "), std::string::npos);
  }
  // The destructor cleared the line last.
  const std::string all = out.str();
  EXPECT_EQ(all.substr(all.size() - 4), "\r\x1b[K");
}

TEST(Progress, SilentWhenDisabledOrBeforeTheDelay) {
  std::ostringstream off, early;
  {
    Progress p(off, false, "run x", "replications", 2, sim::seconds(10), milliseconds(0));
    p.advanced(sim::seconds(10), 5);
    p.replication_done();
  }
  {
    Progress p(early, true, "run x", "replications", 2, sim::seconds(10), std::chrono::hours(1));
    p.advanced(sim::seconds(10), 5);
    p.replication_done();
  }
  EXPECT_EQ(off.str(), "");
  EXPECT_EQ(early.str(), "");
}

TEST(Progress, UnknownTotalsHaveNoEta) {
  std::ostringstream out;
  Progress p(out, true, "capacity x", "replications", 0, 0, milliseconds(0));
  p.advanced(sim::seconds(30), 10);
  const std::string line = p.line(std::chrono::steady_clock::now());
  EXPECT_NE(line.find("capacity x: 0 replications, 30s simulated"), std::string::npos) << line;
  EXPECT_EQ(line.find("ETA"), std::string::npos);
}

TEST(Progress, WantedOnlyOnTheProcessStderr) {
  std::ostringstream not_stderr;
  EXPECT_FALSE(progress_wanted(not_stderr, false));
  EXPECT_FALSE(progress_wanted(std::cerr, true));  // --quiet
}

// Runs the kubetwin binary with `args`, stderr (and stdout) on a pseudo-terminal when `tty`, else
// stderr on a pipe; returns what it wrote to stderr (the terminal's whole output when `tty`).
std::string run_binary(const std::vector<std::string>& args, bool tty) {
  std::vector<char*> argv;
  std::vector<std::string> all = {KUBETWIN_BINARY};
  all.insert(all.end(), args.begin(), args.end());
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  int fd = -1;
  pid_t pid;
  int pipe_fds[2] = {-1, -1};
  if (tty) {
    pid = forkpty(&fd, nullptr, nullptr, nullptr);
  } else {
    if (pipe(pipe_fds) != 0) return "pipe failed";
    pid = fork();
    if (pid == 0) {
      dup2(pipe_fds[1], STDERR_FILENO);
      close(pipe_fds[0]);
      if (FILE* null = std::freopen("/dev/null", "w", stdout); !null) _exit(126);
    }
    fd = pipe_fds[0];
  }
  if (pid == 0) {
    setenv("KUBETWIN_PROGRESS_AFTER_MS", "0", 1);
    execv(argv[0], argv.data());
    _exit(127);
  }
  if (!tty) close(pipe_fds[1]);
  std::string got;
  char buf[4096];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 120'000) <= 0) break;
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;  // EOF, or EIO once the child closed the terminal
    got.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  int status = 0;
  waitpid(pid, &status, 0);
  return got;
}

std::string temp_db(const std::string& name) {
  const fs::path dir =
      fs::temp_directory_path() / ("kubetwin-progress-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::remove(dir / name);
  return (dir / name).string();
}

TEST(ProgressEndToEnd, DrawnOnATerminal) {
  const std::string sweep =
      run_binary({"sweep", kSweep, "--db", temp_db("tty.db"), "--jobs", "1"}, true);
  EXPECT_NE(sweep.find("\rsweep sweep-small: "), std::string::npos) << sweep;
  EXPECT_NE(sweep.find(" runs, "), std::string::npos);
  EXPECT_NE(sweep.find("\x1b[K"), std::string::npos);
  const std::string run = run_binary({"run", kRun, "--no-db"}, true);
  EXPECT_NE(run.find("\rrun run-small: "), std::string::npos) << run;
  EXPECT_NE(run.find(" replications, "), std::string::npos);
}

TEST(ProgressEndToEnd, NothingOnAPipeOrWithQuiet) {
  const std::string piped =
      run_binary({"sweep", kSweep, "--db", temp_db("pipe.db"), "--jobs", "1"}, false);
  EXPECT_EQ(piped.find('\r'), std::string::npos) << piped;
  EXPECT_EQ(piped.find("\x1b["), std::string::npos);
  const std::string quiet =
      run_binary({"sweep", kSweep, "--db", temp_db("quiet.db"), "--jobs", "1", "--quiet"}, true);
  EXPECT_EQ(quiet.find("\rsweep"), std::string::npos) << quiet;
  EXPECT_EQ(quiet.find("\x1b[K"), std::string::npos);
  EXPECT_NE(quiet.find("POST /orders p99"), std::string::npos);  // the table still came
  const std::string run_piped = run_binary({"run", kRun, "--no-db"}, false);
  EXPECT_EQ(run_piped.find('\r'), std::string::npos) << run_piped;
}

}  // namespace
}  // namespace kubetwin::cli
