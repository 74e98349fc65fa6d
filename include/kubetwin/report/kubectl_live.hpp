// The live twin as kubectl shows it: `get events`, describe's Events, `logs`, `top`, and the
// pods' live cells for `get pods`.
//
// Everything reads TwinView::live (scenario/live.hpp), the running twin replayed to its current
// time; deterministic like the rest of the kubectl-shaped output (times are twin times, printed
// from the twin's epoch).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kubetwin/report/kubectl_get.hpp"
#include "kubetwin/scenario/live.hpp"

namespace kubetwin::report {

// A core/v1 Event as the API server would hold it: identical events of one object (same
// reason, type, message and source) are one object with a count, as the kubelet's event
// correlator folds them. What `get events` lists; `serve` can list the same objects.
struct EventObject {
  std::string namespace_name;  // the object's; "default" for a node's
  std::string name;            // "<object>.<16 hex digits>", as the recorder names it
  std::string involved_kind;   // "Pod", "Node"
  std::string involved_name;
  std::string involved_namespace;  // "" for a node
  std::string type;                // Normal, Warning
  std::string reason;
  std::string message;
  std::string source_component;  // "kubelet", "default-scheduler", ...
  std::string source_host;       // the node, for the kubelet's events
  int64_t first_ms = 0;          // twin time
  int64_t last_ms = 0;
  int count = 1;
};

// Every event of the running twin, folded, in the API server's list order (by namespace, then
// the event's name "<object>.<hex time>"). Empty without a live twin.
std::vector<EventObject> event_objects(const TwinView& view);

// `kubetwin get events [-n NS | -A]`: LAST SEEN TYPE REASON OBJECT MESSAGE.
CommandOutput render_events(const TwinView& view, const GetRequest& request);

// describe's "Events:" block for one object ("Pod"/"Node"); "Events:\t<none>\n" when none.
// Written for the describe tabwriter (cells separated by tabs).
std::string describe_events(const TwinView& view, const std::string& kind, const std::string& ns,
                            const std::string& name);

// get pods' cells for a live pod: READY, STATUS, RESTARTS, AGE.
std::vector<std::string> live_pod_cells(const TwinView& view, const scenario::LivePod& pod,
                                        int containers);

// The pod's IP: the applied one, or a new address in its node's pod CIDR for a replacement or a
// pod rescheduled elsewhere; "" while Pending.
std::string live_pod_ip(const TwinView& view, const scenario::LivePod& pod);

struct LogsRequest {
  std::string pod;
  std::string namespace_name = "default";
  std::optional<std::string> container;
  std::optional<int64_t> since_ms;  // only lines newer than now - since
  std::optional<int64_t> tail;      // the last N lines
};
// `kubetwin logs POD [-n NS] [-c CONTAINER] [--since D] [--tail N]`: the pod's own log lines.
CommandOutput render_logs(const TwinView& view, const LogsRequest& request);

// `kubetwin top pods [-n NS | -A]` / `top nodes`: CPU (millicores, mean over the last minute) and
// memory (working set) from the World.
CommandOutput render_top(const TwinView& view, const std::string& what, const std::string& ns,
                         bool all_namespaces);

// "2027-01-01T00:04:02Z"-style timestamps of the twin's clock at millisecond precision, in each
// component's own log format (runtime/live_view.hpp kLog*).
std::string log_timestamp(int64_t twin_ms, char style);

}  // namespace kubetwin::report
