// What the cli tests share: a verb run in this process, and the source tree's paths. One copy, so
// that the tests compile together as unity batches (CMake UNITY_BUILD) without clashing names.
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "kubetwin/cli/verbs.hpp"

namespace kubetwin::cli {

// What `kubetwin ARGS...` answered: exit code, stdout, stderr.
struct Outcome {
  int code = 0;
  std::string out;
  std::string err;
};

// Runs `kubetwin ARGS...` in this process with `input` on stdin.
inline Outcome call(std::vector<std::string> args, const std::string& input = "") {
  std::istringstream in(input);
  std::ostringstream out, err;
  const int code = run_main(args, in, out, err);
  return {code, out.str(), err.str()};
}

inline const std::string kSource = KUBETWIN_SOURCE_DIR;
inline const std::string kSmall = kSource + "/tests/golden/run-small/scenario.yaml";

}  // namespace kubetwin::cli
