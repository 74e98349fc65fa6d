// Declarations of the verb functions; each lives in src/cli/verb_<name>.cpp.
#pragma once

#include "kubetwin/cli/verbs.hpp"

namespace kubetwin::cli {

int verb_demo(const Invocation& inv);
int verb_kustomize(const Invocation& inv);
int verb_check(const Invocation& inv);
int verb_apply(const Invocation& inv);
int verb_get(const Invocation& inv);
int verb_describe(const Invocation& inv);
int verb_delete(const Invocation& inv);
int verb_reset(const Invocation& inv);
int verb_dns(const Invocation& inv);
int verb_exec(const Invocation& inv);
int verb_graph(const Invocation& inv);
int verb_run(const Invocation& inv);
int verb_capacity(const Invocation& inv);
int verb_runs(const Invocation& inv);
int verb_report(const Invocation& inv);
int verb_serve(const Invocation& inv);

}  // namespace kubetwin::cli
