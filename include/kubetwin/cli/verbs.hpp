// The kubetwin verbs: one function per verb, dispatched by name from main.
//
// A verb parses its own flags, calls the layers below, prints, and returns the process exit code:
// 0 all checks passed, 1 a check failed or the audit found errors, 2 bad input or usage,
// 3 internal error. Verbs hold no logic of their own beyond that.
#pragma once

#include <iosfwd>
#include <span>
#include <string>

namespace kubetwin::cli {

enum ExitCode : int { kExitOk = 0, kExitCheckFailed = 1, kExitBadInput = 2, kExitInternal = 3 };

// Everything a verb needs from the process: its arguments (after the verb name) and streams.
struct Invocation {
  std::span<const std::string> args;
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
};

using VerbFn = int (*)(const Invocation&);

struct Verb {
  const char* name;
  const char* synopsis;  // one line for `kubetwin help`
  VerbFn run;
};

std::span<const Verb> all_verbs();

// Runs `kubetwin ARGS...`: finds the verb, maps InputError to exit 2 and anything else to exit 3.
int run_main(std::span<const std::string> args, std::istream& in, std::ostream& out,
             std::ostream& err);

}  // namespace kubetwin::cli
