// `kubetwin get`: kubectl's tables (and -o name|yaml|json) over the twin's state and model.
//
// Reads a TwinView (the applied state, the model built from it, the twin's clock) and returns
// the text kubectl would print, with its exit code. Deterministic: AGE comes from the twin's
// clock (each apply is one kApplyStepSeconds step; "now" is one step after the last apply),
// never from the wall clock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kubetwin/k8s/resource.hpp"
#include "kubetwin/scenario/live.hpp"
#include "kubetwin/topology/model.hpp"
#include "kubetwin/topology/selector.hpp"
#include "kubetwin/topology/state_store.hpp"

namespace kubetwin::report {

// The twin's epoch: twin time 0 (the first apply) as a wall-clock instant, for timestamps that
// kubectl prints (creationTimestamp, describe's Start Time). Fixed so outputs are reproducible.
inline constexpr int64_t kTwinEpochUnixSeconds = 1798761600;  // 2027-01-01T00:00:00Z
// What `get nodes` prints as VERSION (the Kubernetes release the reference output was read from).
inline constexpr const char* kKubeletVersion = "v1.32.4";

// What the formatters read: the state, the model built from it, and "now" on the twin's clock.
struct TwinView {
  const topology::State& state;
  const topology::Model& model;
  // The running twin at its now (scenario/live.hpp), when the state has been advanced: pods,
  // events, logs and metrics come from it. nullptr: the static view of what was applied.
  const scenario::LiveTwin* live = nullptr;
  // The running twin the event stream comes from, advanced or not: right after an apply the
  // kubelet has already pulled, created and started the containers. nullptr: `live`.
  const scenario::LiveTwin* events = nullptr;

  // The view whose `live` is the twin the events come from.
  TwinView for_events() const {
    TwinView v = *this;
    if (events) v.live = events;
    return v;
  }

  int64_t now_seconds() const { return state.now_seconds(); }
  // Twin time a stored resource was created; 0 (cluster start) for built-in objects.
  int64_t created_at(const std::string& kind, const std::string& ns, const std::string& name) const;
  // The stored document of a resource; nullptr for built-in or derived objects.
  const k8s::Resource* stored(const std::string& kind, const std::string& ns,
                              const std::string& name) const;
  // The age of an object created at `created_at`, as kubectl prints it.
  std::string age(int64_t created_at) const;
};

struct GetRequest {
  std::vector<std::string> types;  // as typed: "pods", "svc", "all"
  std::optional<std::string> name;
  std::string namespace_name = "default";
  bool all_namespaces = false;
  std::optional<topology::LabelSelector> selector;
  std::string output;  // "", "wide", "name", "yaml", "json"
  bool no_headers = false;
  bool show_labels = false;
};

// What a command prints and returns: stdout, stderr and the exit code.
struct CommandOutput {
  std::string out;
  std::string err;
  int exit_code = 0;
};

CommandOutput render_get(const TwinView& view, const GetRequest& request);

struct ResourceType;

// One object of a type as `get` computes it: its cells after NAME, its wide cells, its labels
// and the document `-o yaml|json` prints.
struct GetRow {
  std::string ns;  // "" for cluster-scoped types
  std::string name;
  std::vector<std::string> cells;
  std::vector<std::string> wide;
  topology::Labels labels;
  k8s::Node object;
};

// The rows of one type, sorted by namespace then name, with the column names after NAME
// (as kubectl names them, e.g. "Port(s)"); wide_columns are the ones `-o wide` adds.
struct GetRows {
  std::vector<std::string> columns;
  std::vector<std::string> wide_columns;
  std::vector<GetRow> rows;
};

// What `get` shows of one type in namespace ns (every namespace when nullopt), unfiltered by
// name or labels: the same cells `render_get` prints, for the API server (`kubetwin serve`).
GetRows collect_get_rows(const TwinView& view, const ResourceType& type,
                         const std::optional<std::string>& ns);

// "2027-01-01T00:01:00Z" for a twin time.
std::string twin_timestamp_rfc3339(int64_t twin_seconds);
// "Fri, 01 Jan 2027 00:01:00 +0000" for a twin time (describe's Start Time).
std::string twin_timestamp_rfc1123z(int64_t twin_seconds);

}  // namespace kubetwin::report
