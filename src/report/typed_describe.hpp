// kubectl describe for the kinds other than pods, services and nodes, built as kubectl builds it:
// client-side, from the objects the API serves (KubeApi) and their events. Private to report.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "kubetwin/report/kubectl_get.hpp"
#include "kubetwin/report/kubectl_kinds.hpp"
#include "kubetwin/report/kubectl_table.hpp"

namespace kubetwin::report {

// kubectl's printLabelsMultiline: "Title:\tk=v\n\tk2=v2\n", "<none>" when empty. `title` may
// carry its indent ("  Labels" in a pod template).
void write_labels_multiline(TabWriter& tw, const std::string& title,
                            const std::map<std::string, std::string>& labels);
// kubectl's printAnnotationsMultiline: "key: value"; a value with a newline, or longer than 140
// characters with its key, goes under "key:" one line per line, each cut at 138 with "...".
void write_annotations_multiline(TabWriter& tw, const std::string& title,
                                 const std::map<std::string, std::string>& annotations);

// `kubetwin describe TYPE NAME` for the kinds of typed_describe.cpp (Deployments, ReplicaSets,
// StatefulSets, DaemonSets, Jobs, CronJobs, ConfigMaps, Secrets, PVCs, Ingresses, HPAs,
// ServiceAccounts, NetworkPolicies, PodDisruptionBudgets, Endpoints, Namespaces); nullopt for a
// type it does not describe. A missing object is kubectl's NotFound, exit 1.
std::optional<CommandOutput> describe_served_object(const TwinView& view, const ResourceType& type,
                                                    const std::string& ns, const std::string& name);

}  // namespace kubetwin::report
