// The twin's Kubernetes events (core/v1 Event objects) and `get events` in kubectl's format.
//
// twin_events is the one hook through which every reader of events gets them: `kubetwin get
// events`, and `kubetwin serve` (the `events` resource, kubectl describe's Events, watches).
// Until the twin keeps a live event stream it returns what the static state implies: one event
// per pod, Scheduled (or FailedScheduling with the scheduler's reason) at the pod's creation,
// the same event `kubetwin describe pod` prints. Deterministic; sorted by namespace, then name,
// as the API server lists them.
#pragma once

#include <string>
#include <vector>

#include "kubetwin/k8s/node.hpp"
#include "kubetwin/report/kubectl_get.hpp"

namespace kubetwin::report {

// The state's events as core/v1 Event objects: metadata {name, namespace, creationTimestamp},
// involvedObject {apiVersion, kind, name, namespace, uid}, reason, message, type,
// source.component, firstTimestamp, lastTimestamp (RFC 3339 on the twin's clock), count.
std::vector<k8s::Node> twin_events(const TwinView& view);

// kubectl's columns for events (printers.go): name and priority (1 = only with -o wide).
struct EventColumn {
  const char* name;
  int priority;
};
const std::vector<EventColumn>& event_columns();

// The cells of one event under event_columns(), as the API server computes them: LAST SEEN and
// FIRST SEEN are ages on the twin's clock, OBJECT is `lower(kind)/name`, COUNT at least 1.
std::vector<std::string> event_cells(const TwinView& view, const k8s::Node& event);

// `kubetwin get events [NAME] [-n NS|-A] [-l SEL] [-o wide|name|yaml|json]`.
CommandOutput render_get_events(const TwinView& view, const GetRequest& request);

// The uid the served object (kind, namespace, name) carries: a UUID-shaped hash, stable across
// runs, so that an event's involvedObject.uid matches its pod's.
std::string twin_uid(const std::string& kind, const std::string& ns, const std::string& name);

}  // namespace kubetwin::report
