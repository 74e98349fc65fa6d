// Declarations of the verb functions; each lives in src/cli/verb_<name>.cpp.
#pragma once

#include <span>
#include <string>

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
int verb_explain(const Invocation& inv);
int verb_run(const Invocation& inv);
int verb_capacity(const Invocation& inv);
int verb_runs(const Invocation& inv);
int verb_report(const Invocation& inv);
int verb_sweep(const Invocation& inv);
int verb_merge(const Invocation& inv);
// `kubetwin report [DB] --sweep ID --html FILE`: a sweep's surface (verb_sweep.cpp).
bool wants_sweep_report(std::span<const std::string> args);
int verb_report_sweep(const Invocation& inv);
// The live twin (verb_live.cpp).
int verb_advance(const Invocation& inv);
int verb_cordon(const Invocation& inv);
int verb_uncordon(const Invocation& inv);
int verb_drain(const Invocation& inv);
int verb_fault(const Invocation& inv);
int verb_load(const Invocation& inv);
int verb_rollout(const Invocation& inv);
int verb_scale(const Invocation& inv);
int verb_logs(const Invocation& inv);
int verb_top(const Invocation& inv);
int verb_trace(const Invocation& inv);
int verb_serve(const Invocation& inv);

}  // namespace kubetwin::cli
