// `kubetwin run` end to end: bad input exits 2 with path:line:col, a failed check exits 1, the
// JUnit file, and determinism (same seed -> byte-identical JSON whatever the thread count; another
// seed -> another run).
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli_test_support.hpp"
#include "kubetwin/cli/verbs.hpp"

namespace kubetwin::cli {
namespace {

namespace fs = std::filesystem;

// A scenario file in a fresh temp directory; `model:` is made absolute so it loads from there.
std::string temp_scenario(const std::string& name, std::string text) {
  const fs::path dir = fs::temp_directory_path() / ("kubetwin-run-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string rel = "../../../models/amazon-store";
  if (size_t at = text.find(rel); at != std::string::npos)
    text.replace(at, rel.size(), kSource + "/models/amazon-store");
  const fs::path p = dir / name;
  std::ofstream(p) << text;
  return p.string();
}

std::string read(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

std::string replace_once(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

// The JSON with the scenario's path (in "path" and every check's "file") replaced by "SCENARIO":
// temp copies live at other paths.
std::string without_path(std::string json, const std::string& path) {
  for (size_t at = json.find(path); at != std::string::npos; at = json.find(path, at))
    json.replace(at, path.size(), "SCENARIO");
  return json;
}

TEST(RunVerb, MissingFileExitsTwoWithThePath) {
  Outcome r = call({"run", "/nonexistent/scenario.yaml"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err.rfind("error: /nonexistent/scenario.yaml: no such file", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("hint: "), std::string::npos);
}

TEST(RunVerb, MalformedYamlExitsTwoWithLineAndColumn) {
  const std::string path = temp_scenario("malformed.yaml",
                                         "apiVersion: kubetwin.io/v1alpha1\nkind: Scenario\n"
                                         "spec:\n  load: [ {name: a\n");
  Outcome r = call({"run", path});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err.rfind("error: " + path + ":", 0), 0u) << r.err;
  // path:LINE:COL with both numbers present.
  const std::string rest = r.err.substr(("error: " + path + ":").size());
  ASSERT_FALSE(rest.empty());
  EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(rest[0]))) << r.err;
  EXPECT_NE(rest.find(':'), std::string::npos);
}

TEST(RunVerb, UnknownFieldExitsTwoWithLocationAndSuggestion) {
  const std::string text = replace_once(read(kSmall), "  warmup: 10s", "  warmpu: 10s");
  const std::string path = temp_scenario("unknown-field.yaml", text);
  Outcome r = call({"run", path});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err.rfind("error: " + path + ":12:11: unknown field spec.warmpu", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("did you mean `warmup`?"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST(RunVerb, ABadSecondFileStopsBeforeAnythingRuns) {
  Outcome r = call({"run", kSmall, "/nonexistent/second.yaml"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.out, "");  // the first scenario did not run
}

TEST(RunVerb, UsageMistakesExitTwo) {
  Outcome flag = call({"run", "--frobnicate", kSmall});
  EXPECT_EQ(flag.code, 2);
  EXPECT_EQ(flag.err.rfind("error: unknown flag: --frobnicate\n  hint: usage: kubetwin run", 0), 0u)
      << flag.err;
  Outcome none = call({"run"});
  EXPECT_EQ(none.code, 2);
  EXPECT_EQ(none.err.rfind("error: run needs at least one SCENARIO file", 0), 0u) << none.err;
  Outcome format = call({"run", kSmall, "--output", "yaml"});
  EXPECT_EQ(format.code, 2);
  EXPECT_NE(format.err.find("unknown output format \"yaml\""), std::string::npos);
  Outcome reps = call({"run", kSmall, "--replications", "0"});
  EXPECT_EQ(reps.code, 2);
  EXPECT_NE(reps.err.find("--replications must be a whole number from 1 to"), std::string::npos);
  Outcome threads = call({"run", kSmall, "--threads", "2x"});
  EXPECT_EQ(threads.code, 2);
  Outcome missing = call({"run", kSmall, "--junit"});
  EXPECT_EQ(missing.code, 2);
  EXPECT_EQ(missing.err.rfind("error: flag needs an argument: --junit", 0), 0u) << missing.err;
}

TEST(RunVerb, FailedCheckExitsOneAndJunitHasEveryCheck) {
  const fs::path junit =
      fs::temp_directory_path() / ("kubetwin-run-" + std::to_string(::getpid()) + "-junit.xml");
  Outcome r = call({"run", kSmall, "--replications", "1", "--junit", junit.string()});
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.out.find("  verdict: FAIL, 1 of 3 checks failed"), std::string::npos) << r.out;
  const std::string xml = read(junit.string());
  EXPECT_NE(xml.find("tests=\"3\" failures=\"1\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<failure message=\"p99 "), std::string::npos) << xml;
  EXPECT_EQ(xml.find("time="), std::string::npos);  // no wall clock without --timing
  Outcome unwritable = call({"run", kSmall, "--replications", "1", "--junit", "/proc/nope/j.xml"});
  EXPECT_EQ(unwritable.code, 2);
  EXPECT_NE(unwritable.err.find("cannot write the JUnit file /proc/nope/j.xml"), std::string::npos);
}

TEST(RunVerb, SameSeedGivesByteIdenticalJsonAnotherSeedDiffers) {
  Outcome a = call({"run", kSmall, "--output", "json", "--threads", "1"});
  Outcome b = call({"run", kSmall, "--output", "json", "--threads", "2"});
  ASSERT_EQ(a.code, 1) << a.err;  // the scenario has a check that cannot pass
  EXPECT_EQ(a.out, b.out);
  EXPECT_EQ(a.out.find("wall"), std::string::npos);
  const std::string base = read(kSmall);
  const std::string seed7 = temp_scenario("seed7.yaml", base);
  const std::string seed8 = temp_scenario("seed8.yaml", replace_once(base, "seed: 7", "seed: 8"));
  Outcome s7 = call({"run", seed7, "--output", "json"});
  Outcome s8 = call({"run", seed8, "--output", "json"});
  EXPECT_EQ(without_path(s7.out, seed7),
            without_path(a.out, kSmall));  // same seed, another path: same run
  EXPECT_NE(without_path(s8.out, seed8), without_path(s7.out, seed7));
  auto fingerprint = [](const std::string& json) {
    size_t at = json.rfind("\"fingerprint\": \"", json.find("\"runs\""));
    return json.substr(at, 40);
  };
  EXPECT_NE(fingerprint(s8.out), fingerprint(s7.out));
  Outcome timed = call({"run", kSmall, "--output", "json", "--timing", "--replications", "1"});
  EXPECT_NE(timed.out.find("\"timing\": {\"wall_seconds\": "), std::string::npos) << timed.out;
}

TEST(RunVerb, SeveralScenariosGiveOneReportEach) {
  Outcome r = call({"run", kSmall, kSmall, "--replications", "1"});
  EXPECT_EQ(r.code, 1);
  size_t first = r.out.find("run-small (");
  ASSERT_NE(first, std::string::npos);
  EXPECT_NE(r.out.find("run-small (", first + 1), std::string::npos) << r.out;
}

}  // namespace
}  // namespace kubetwin::cli

namespace kubetwin::cli {
namespace {

// Issue 14, must-show 3: a livelock planted through the test-only component ends the run with
// exit 3 and a message naming the simulated time, the component and the event that repeated.
TEST(RunVerb, APlantedLivelockExitsThreeNamingTheComponentWithinASecond) {
  std::string text = replace_once(
      read(kSmall), "  checks:", "  overrides: {test.plantLivelockAt: 25s}\n  checks:");
  const std::string path = temp_scenario("livelock.yaml", text);
  const auto t0 = std::chrono::steady_clock::now();
  Outcome r = call({"run", path, "--replications", "1"});
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(r.code, 3) << r.err;
  EXPECT_EQ(r.err.rfind("error: the run made no progress: the simulated clock stopped at 25s", 0),
            0u)
      << r.err;
  EXPECT_NE(r.err.find("kubetwin::runtime::LivelockProbe::spin on component 'test-livelock-probe'"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("  hint: "), std::string::npos) << r.err;
  EXPECT_LT(wall, 10.0) << "the README gives the release build's figure";
}

// --max-wall: a run that cannot finish in time stops cleanly, exit 3, its report marked
// incomplete, the JUnit file whole.
TEST(RunVerb, MaxWallStopsALongRunCleanlyWithAnIncompleteReport) {
  std::string text = replace_once(read(kSmall), "duration: 40s", "duration: 100h");
  const std::string path = temp_scenario("long.yaml", text);
  const fs::path junit =
      fs::temp_directory_path() / ("kubetwin-run-" + std::to_string(::getpid()) + "-long.xml");
  Outcome r =
      call({"run", path, "--replications", "1", "--max-wall", "300ms", "--junit", junit.string()});
  EXPECT_EQ(r.code, 3) << r.err;
  EXPECT_NE(r.out.find("  verdict: INCOMPLETE, stopped by --max-wall at "), std::string::npos)
      << r.out;
  EXPECT_NE(r.err.find("stopped by --max-wall before the end"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::exists(junit));
  EXPECT_FALSE(fs::exists(junit.string() + ".tmp"));
  Outcome j = call({"run", path, "--replications", "1", "--max-wall", "300ms", "-o", "json"});
  EXPECT_EQ(j.code, 3);
  EXPECT_NE(j.out.find("\"incomplete\": true"), std::string::npos) << j.out;
  EXPECT_NE(j.out.find("\"passed\": false"), std::string::npos);
  Outcome bad = call({"run", path, "--max-wall", "soon"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("--max-wall must be a positive duration"), std::string::npos) << bad.err;
}

// Issue 8, must-show 6's second half: same seed, identical JSON with faults in the run.
TEST(RunVerb, AFaultedRunGivesByteIdenticalJsonWhateverTheThreads) {
  const std::string ha = kSource + "/scenarios/ha/prod-broker-loss.yaml";
  Outcome a = call({"run", ha, "--output", "json", "--threads", "1"});
  Outcome b = call({"run", ha, "--output", "json", "--threads", "2"});
  ASSERT_EQ(a.code, 0) << a.err;
  EXPECT_EQ(a.out, b.out);
  EXPECT_NE(a.out.find("\"faults\": [\n    {\"name\": \"kafka-1-dies\""), std::string::npos)
      << a.out.substr(0, 3000);
}

}  // namespace
}  // namespace kubetwin::cli
