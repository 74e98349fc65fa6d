// Host names in configuration text: every host[:port] an application would connect to.
//
// Recognises URLs (`postgres://u:p@db:5432/x`, `jdbc:postgresql://db:5432/x`, `http://svc`),
// `host:port`, lists of them (`a:9092,b:9092`, `PLAINTEXT://k-0.k:9092`), Kafka quorum voters
// (`0@kafka-0.kafka-headless:9093`), `key=value` lines of properties files, and bare names when
// the setting's key says it holds a host (`*_HOST`, `*_SERVER(S)`, `*_BROKERS`, `*_ADDR`, ...) or
// the name is an in-cluster DNS name (`*.svc`, `*.svc.cluster.local`). Empty hosts (`://:9092`),
// wildcard addresses (0.0.0.0) and text still holding an unexpanded `$(VAR)` are skipped.
// Pure functions; results in order of appearance.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kubetwin/k8s/diagnostic.hpp"
#include "kubetwin/topology/model.hpp"

namespace kubetwin::topology {

enum class HostForm { kUrl, kHostPort, kQuorumVoter, kBareName };
const char* to_string(HostForm form);

struct HostMention {
  std::string host;         // lower-cased DNS name or IP, no trailing dot
  std::optional<int> port;  // as written; for URLs without one, the scheme's default
                            // (http 80, https 443, postgres 5432, mysql 3306, redis 6379...)
  HostForm form = HostForm::kBareName;
  std::string token;       // the text it was read from
  std::size_t offset = 0;  // byte offset of token in the text
  bool is_ip = false;
  bool is_loopback = false;  // localhost, 127.x
};

// Every host in `text`. `key` is the setting's name (env var, ConfigMap key, flag), used only to
// accept bare names ("postgres" under DB_HOST).
std::vector<HostMention> extract_hosts(std::string_view text, std::string_view key = "");

// A host found somewhere in a model's configuration.
struct ConfigHost {
  HostMention mention;
  std::string namespace_name;     // where a pod using it resolves names from
  std::optional<Index> workload;  // the workload using it, when any (into Model::workloads)
  std::optional<Index> pod;       // the pod whose resolved spec held it (first pod of workload)
  std::string container;          // "" for ConfigMap-level mentions
  std::string field;              // "env DB_HOST", "args[3]", "command[0]",
                                  // "ConfigMap app-config key DB_HOST"
  k8s::SourceLocation where;      // the scalar's location when known, else the resource's
};

// Hosts in every workload's resolved env (first pod), command and args, and in every ConfigMap
// (once with no workload, and once per workload mounting it as a volume). Order: workloads, then
// ConfigMaps, each in model order.
std::vector<ConfigHost> config_hosts(const Model& model);

}  // namespace kubetwin::topology
