// The Kubernetes API, read-only, over the twin's state: what `kubetwin serve` answers.
//
// KubeApi turns one HTTP request (method, path, query, Accept) into the API server's answer:
// discovery (/version, /api, /apis, /api/v1, /apis/GROUP/VERSION), get and list of every kind
// the twin holds (the built-in types of kubectl_kinds.hpp and the CRDs the state loaded), with
// namespace scoping, labelSelector and fieldSelector, as JSON objects or as meta.k8s.io/v1 Tables
// (`Accept: application/json;as=Table;v=v1;g=meta.k8s.io`) whose cells are the ones `kubetwin get`
// prints (collect_get_rows), so that the real kubectl prints the twin's own tables. Writes are
// refused with a Status (405 MethodNotAllowed). No sockets here: the HTTP server is in cli.
//
// Deterministic: the same state gives byte-identical bodies (sorted keys, uids and
// resourceVersions are hashes of content, timestamps come from the twin's clock). Immutable after
// construction, so safe for concurrent readers.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kubetwin/k8s/node.hpp"
#include "kubetwin/report/kubectl_events.hpp"
#include "kubetwin/report/kubectl_get.hpp"

namespace kubetwin::report {

// Where the served events come from (kubectl_events.hpp's twin_events by default): core/v1
// Event objects. The `events` resource, describe's Events (kubectl asks with
// fieldSelector=involvedObject.name=...) and watches of events read only this.
using EventSource = std::function<std::vector<k8s::Node>(const TwinView&)>;

struct ApiRequest {
  std::string method = "GET";
  std::string path;                          // "/api/v1/namespaces/kong-prod/services"
  std::map<std::string, std::string> query;  // decoded: labelSelector, fieldSelector, watch...
  std::string accept;                        // the Accept header
};

struct ApiResponse {
  int status = 200;
  std::string body;  // JSON (application/json)
};

// One object of a list as a watch reports it: its identity, a version that changes when its
// content does, and the event's object (a one-row Table when the request asked for Tables).
struct WatchItem {
  std::string key;  // "namespace/name"
  std::string version;
  std::string object_json;
};

class KubeApi {
 public:
  // The view must outlive the KubeApi. Reads everything once (events included).
  explicit KubeApi(const TwinView& view, EventSource events = twin_events);
  ~KubeApi();
  KubeApi(const KubeApi&) = delete;
  KubeApi& operator=(const KubeApi&) = delete;

  ApiResponse handle(const ApiRequest& request) const;

  // Whether the request is a watch (`?watch=true|1`) of a list this API serves.
  bool is_watch(const ApiRequest& request) const;
  // For a watch: the objects its list selects, in list order; an error response (404 for an
  // unknown path or type, 400 for a bad selector) otherwise.
  std::optional<std::vector<WatchItem>> watch_items(const ApiRequest& request,
                                                    ApiResponse& error) const;
  // The resourceVersion every list of this state carries: a hash of the state.
  const std::string& resource_version() const;

  // A Status body (kind Status, status Failure) with code, reason and message.
  static std::string status_json(int code, const std::string& reason, const std::string& message);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kubetwin::report
