// Audit rules KT401-KT404 (single points of failure, ReadWriteOnce under Deployments),
// KT501-KT503 (Kafka settings that cannot work) and KT701-KT702 (scheduling and admission).
#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "audit_internal.hpp"

namespace kubetwin::topology::audit_internal {

namespace {

// domain-facts 4 "Kafka (KRaft)" defaults, used when a broker's env leaves a setting out.
constexpr int kKafkaDefaultReplicationFactor = 1;        // default.replication.factor
constexpr int kKafkaDefaultMinInsyncReplicas = 1;        // min.insync.replicas
constexpr int kKafkaDefaultOffsetsTopicReplication = 3;  // offsets.topic.replication.factor
constexpr int kKafkaDefaultTransactionLogReplication =
    3;                                                // transaction.state.log.replication.factor
constexpr int kKafkaDefaultTransactionLogMinIsr = 2;  // transaction.state.log.min.isr

// ---- helpers ----
std::optional<int> parse_int(std::string_view text) {
  int v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size()) return std::nullopt;
  return v;
}

// The Kafka setting `key` ("default.replication.factor") from a broker container's env, in the
// two conventions images use: KAFKA_DEFAULT_REPLICATION_FACTOR (apache/kafka, Confluent) and
// KAFKA_CFG_DEFAULT_REPLICATION_FACTOR (Bitnami).
const EnvVar* kafka_env(const Container& c, std::string_view key) {
  std::string upper;
  for (char ch : key)
    upper += ch == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  if (const EnvVar* e = c.find_env("KAFKA_" + upper)) return e;
  return c.find_env("KAFKA_CFG_" + upper);
}

struct KafkaSetting {
  int value = 0;
  bool defaulted = true;
  k8s::SourceLocation where;
};

KafkaSetting kafka_int(const Container& c, std::string_view key, int fallback,
                       const k8s::SourceLocation& owner_where) {
  KafkaSetting s{fallback, true, owner_where};
  if (const EnvVar* e = kafka_env(c, key)) {
    if (auto v = parse_int(e->value)) {
      s.value = *v;
      s.defaulted = false;
      if (e->where.line) s.where = e->where;
    }
  }
  return s;
}

// A Kafka broker container of a long-running workload: the env says it is a node of a cluster,
// or the image is Kafka's and runs its server (no command, or kafka-server-start / the image's
// run script). A Job or CronJob running kafka-topics.sh with the same image is a client, and so
// is an application that only carries KAFKA_BOOTSTRAP_SERVERS-style settings.
const Container* kafka_broker(const Workload& w, const Pod& pod) {
  if (w.kind == WorkloadKind::kJob || w.kind == WorkloadKind::kCronJob) return nullptr;
  for (const Container& c : pod.containers) {
    if (c.init || c.injected) continue;
    const std::string image = lower(c.image);
    const auto slash = image.rfind('/');
    const std::string repo = image.substr(slash == std::string::npos ? 0 : slash + 1);
    const bool kafka_image = repo.starts_with("kafka:") || repo == "kafka" ||
                             repo.starts_with("cp-kafka") || repo.starts_with("cp-server");
    const bool kafka_env_node =
        kafka_env(c, "process.roles") || kafka_env(c, "node.id") || kafka_env(c, "broker.id");
    if (!kafka_image && !kafka_env_node) continue;
    if (!kafka_env_node && !c.command.empty()) {
      std::string cmd;
      for (const std::string& part : c.command) cmd += part + " ";
      for (const std::string& part : c.args) cmd += part + " ";
      if (cmd.find("server-start") == std::string::npos && cmd.find("/run.sh") == std::string::npos)
        continue;  // the image runs a client tool
    }
    if (const EnvVar* roles = kafka_env(c, "process.roles"))
      if (roles->value.find("broker") == std::string::npos) continue;  // controller only
    return &c;
  }
  return nullptr;
}

int effective_min_replicas(const Model& model, const Workload& w) {
  if (w.hpa) return std::max(1, model.hpas[*w.hpa].min_replicas);
  return w.replicas;
}

int effective_max_replicas(const Model& model, const Workload& w) {
  if (w.hpa) return std::max(w.replicas, model.hpas[*w.hpa].max_replicas);
  return w.replicas;
}

const Pod* first_pod(const Model& model, const Workload& w) {
  return w.pods.empty() ? nullptr : &model.pods[w.pods.front()];
}

// ---- KT401-KT404 ----
void check_single_points(AuditRun& run) {
  const Model& model = run.model();
  for (const Workload& w : model.workloads) {
    if (w.meta.builtin) continue;
    const AuditEnvironment* env = run.environment_of(w.meta.namespace_name);
    if (!env || !env->highly_available) continue;
    if (w.kind != WorkloadKind::kDeployment && w.kind != WorkloadKind::kStatefulSet &&
        w.kind != WorkloadKind::kReplicaSet && w.kind != WorkloadKind::kPod)
      continue;
    const int replicas = effective_min_replicas(model, w);
    if (replicas <= 1) {
      run.add("KT401", subject_of(w.meta), w.meta.where,
              w.meta.kind + " " + w.meta.qualified() + " runs " +
                  plural(std::max(replicas, 0), "replica") + (w.hpa ? " at its HPA minimum" : "") +
                  " in highly available environment " + env->name +
                  ": losing its pod or node stops it",
              w.kind == WorkloadKind::kStatefulSet
                  ? "run it replicated (e.g. a PostgreSQL operator with streaming replicas), or "
                    "declare the environment not highly available"
                  : "set replicas (or the HPA's minReplicas) to at least 2, spread over nodes",
              env->name);
    }
    const Pod* pod = first_pod(model, w);
    const Container* broker = pod ? kafka_broker(w, *pod) : nullptr;
    if (!broker) continue;
    if (const EnvVar* voters = kafka_env(*broker, "controller.quorum.voters")) {
      const std::size_t count =
          voters->value.empty() ? 0
                                : 1 + std::count(voters->value.begin(), voters->value.end(), ',');
      if (count == 1)
        run.add("KT402", subject_of(w.meta), voters->where.line ? voters->where : w.meta.where,
                "Kafka " + w.meta.qualified() + " in highly available environment " + env->name +
                    " has a single KRaft controller voter (" + voters->value +
                    "): a majority of one tolerates no failure",
                "run 3 controller voters (KAFKA_CONTROLLER_QUORUM_VOTERS listing 3 nodes)",
                env->name);
    }
    const KafkaSetting rf = kafka_int(*broker, "default.replication.factor",
                                      kKafkaDefaultReplicationFactor, w.meta.where);
    if (rf.value == 1)
      run.add(
          "KT403", subject_of(w.meta), rf.where,
          "Kafka " + w.meta.qualified() + " in highly available environment " + env->name +
              " keeps one copy of each partition (default.replication.factor=1" +
              (rf.defaulted ? ", the Kafka default" : "") + "): losing a broker loses its data",
          "set KAFKA_DEFAULT_REPLICATION_FACTOR=3 and KAFKA_MIN_INSYNC_REPLICAS=2 with 3 brokers",
          env->name);
  }
}

void check_rwo_deployments(AuditRun& run) {
  const Model& model = run.model();
  for (const Workload& w : model.workloads) {
    if (w.kind != WorkloadKind::kDeployment || w.meta.builtin) continue;
    const Pod* pod = first_pod(model, w);
    if (!pod) continue;
    std::string strategy = "RollingUpdate";  // the Deployment default (domain-facts 2)
    if (const k8s::Resource* raw = run.applied("Deployment", w.meta.namespace_name, w.meta.name))
      if (const k8s::Node* s = raw->body.at({"spec", "strategy"}))
        strategy = s->str("type", strategy);
    const int max_replicas = effective_max_replicas(model, w);
    for (const PodVolume& vol : pod->volumes) {
      if (!vol.pvc) continue;
      const PersistentVolumeClaim& pvc = model.pvcs[*vol.pvc];
      const bool rwo = std::any_of(
          pvc.access_modes.begin(), pvc.access_modes.end(),
          [](const std::string& m) { return m == "ReadWriteOnce" || m == "ReadWriteOncePod"; });
      if (!rwo) continue;
      std::string why;
      if (max_replicas > 1)
        why = "it runs up to " + plural(max_replicas, "replica") +
              ": pods scheduled on another node fail with Multi-Attach errors";
      else if (strategy == "RollingUpdate")
        why =
            "its RollingUpdate starts the new pod before the old one stops: on another node "
            "it waits for the volume (Multi-Attach) and the rollout stalls";
      else
        continue;
      run.add("KT404", subject_of(w.meta), w.meta.where,
              "Deployment " + w.meta.qualified() + " mounts ReadWriteOnce claim " + pvc.meta.name +
                  "; " + why,
              max_replicas > 1 ? "use a StatefulSet with volumeClaimTemplates (one claim per pod) "
                                 "or a ReadWriteMany volume"
                               : "use strategy: Recreate, or a StatefulSet",
              run.environment_name(w.meta.namespace_name));
    }
  }
}

// ---- KT501-KT503 ----
void check_kafka(AuditRun& run) {
  const Model& model = run.model();
  for (const Workload& w : model.workloads) {
    if (w.meta.builtin) continue;
    const Pod* pod = first_pod(model, w);
    const Container* broker = pod ? kafka_broker(w, *pod) : nullptr;
    if (!broker) continue;
    const int brokers = w.replicas;
    const std::string env = run.environment_name(w.meta.namespace_name);
    const std::string who = "Kafka " + w.meta.qualified() + " (" + plural(brokers, "broker") + ")";
    const KafkaSetting rf = kafka_int(*broker, "default.replication.factor",
                                      kKafkaDefaultReplicationFactor, w.meta.where);
    const KafkaSetting isr =
        kafka_int(*broker, "min.insync.replicas", kKafkaDefaultMinInsyncReplicas, w.meta.where);
    const KafkaSetting offsets = kafka_int(*broker, "offsets.topic.replication.factor",
                                           kKafkaDefaultOffsetsTopicReplication, w.meta.where);
    const KafkaSetting txn = kafka_int(*broker, "transaction.state.log.replication.factor",
                                       kKafkaDefaultTransactionLogReplication, w.meta.where);
    const KafkaSetting txn_isr = kafka_int(*broker, "transaction.state.log.min.isr",
                                           kKafkaDefaultTransactionLogMinIsr, w.meta.where);
    auto shown = [](const KafkaSetting& s) {
      return std::to_string(s.value) + (s.defaulted ? " (the Kafka default)" : "");
    };
    if (rf.value > brokers)
      run.add("KT501", subject_of(w.meta), rf.where,
              who + " has default.replication.factor=" + shown(rf) +
                  ": topics cannot be created (InvalidReplicationFactorException)",
              "lower KAFKA_DEFAULT_REPLICATION_FACTOR to at most " + std::to_string(brokers) +
                  ", or run more brokers",
              env);
    if (isr.value > brokers)
      run.add("KT502", subject_of(w.meta), isr.where,
              who + " has min.insync.replicas=" + shown(isr) +
                  ": acks=all produces always fail with NotEnoughReplicas",
              "set KAFKA_MIN_INSYNC_REPLICAS below the broker count (RF 3, min ISR 2 is usual)",
              env);
    else if (isr.value > rf.value)
      run.add("KT502", subject_of(w.meta), isr.where,
              who + " has min.insync.replicas=" + shown(isr) +
                  " above default.replication.factor=" + shown(rf) +
                  ": acks=all produces to default topics always fail with NotEnoughReplicas",
              "keep min.insync.replicas below the replication factor (RF 3, min ISR 2 is usual)",
              env);
    if (offsets.value > brokers)
      run.add("KT503", subject_of(w.meta), offsets.where,
              who + " has offsets.topic.replication.factor=" + shown(offsets) +
                  ": __consumer_offsets cannot be created and consumer groups get "
                  "GROUP_COORDINATOR_NOT_AVAILABLE",
              "set KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR to at most " + std::to_string(brokers),
              env);
    if (txn.value > brokers)
      run.add("KT503", subject_of(w.meta), txn.where,
              who + " has transaction.state.log.replication.factor=" + shown(txn) +
                  ": __transaction_state cannot be created and transactional producers fail",
              "set KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR to at most " +
                  std::to_string(brokers) + " (and its MIN_ISR below that)",
              env);
    else if (txn_isr.value > txn.value)
      run.add(
          "KT503", subject_of(w.meta), txn_isr.where,
          who + " has transaction.state.log.min.isr=" + shown(txn_isr) +
              " above transaction.state.log.replication.factor=" + shown(txn) +
              ": transactional producers fail",
          "set KAFKA_TRANSACTION_STATE_LOG_MIN_ISR below the transaction log's replication factor",
          env);
  }
}

// ---- KT701-KT702 ----
// One cause, one finding: the workloads whose pods stay Pending for the same scheduler reason
// (the cluster lacks CPU) are one finding, about the first of them by location, naming the rest.
void check_scheduling(AuditRun& run) {
  const Model& model = run.model();
  struct Stuck {
    FindingSubject subject;
    k8s::SourceLocation where;
    std::string what;  // "StatefulSet shop/kafka: 1 of 3 pods"
    std::string env;
  };
  std::map<std::string, std::vector<Stuck>> by_reason;
  for (const Workload& w : model.workloads) {
    if (w.meta.builtin) continue;
    std::map<std::string, std::size_t> reasons;  // reason -> pods
    for (Index p : w.pods) {
      const Pod& pod = model.pods[p];
      if (pod.phase == PodPhase::kPending && !pod.node) ++reasons[pod.reason];
    }
    for (const auto& [reason, count] : reasons)
      by_reason[reason].push_back(Stuck{subject_of(w.meta), w.meta.where,
                                        w.meta.kind + " " + w.meta.qualified() + ": " +
                                            std::to_string(count) + " of " +
                                            plural(w.pods.size(), "pod"),
                                        run.environment_name(w.meta.namespace_name)});
  }
  // Bare pods (no workload).
  for (const Pod& pod : model.pods) {
    if (pod.workload || pod.meta.builtin || pod.phase != PodPhase::kPending || pod.node) continue;
    by_reason[pod.reason].push_back(Stuck{subject_of(pod.meta), pod.meta.where,
                                          "Pod " + pod.meta.qualified(),
                                          run.environment_name(pod.meta.namespace_name)});
  }
  for (auto& [reason, stuck] : by_reason) {
    std::stable_sort(stuck.begin(), stuck.end(), [](const Stuck& a, const Stuck& b) {
      return std::tie(a.where.file(), a.where.line, a.what) <
             std::tie(b.where.file(), b.where.line, b.what);
    });
    const Stuck& first = stuck.front();
    std::string message =
        first.what + " stay Pending: " + (reason.empty() ? std::string("no node fits") : reason);
    for (std::size_t i = 1; i < stuck.size(); ++i) {
      message += (i == 1 ? "; for the same reason " : ", ") + stuck[i].what;
      run.alias("KT701", stuck[i].subject, first.subject);
    }
    run.add("KT701", first.subject, first.where, message,
            "lower the requests, or add nodes/capacity to the cluster profile (--cluster)",
            first.env);
  }
}

void check_admission(AuditRun& run) {
  const Model& model = run.model();
  for (const AdmissionError& e : model.rejected) {
    // KT302 reports NodePort collisions (with both Services named when it can).
    if (e.kind == "Service" && e.message.find("port is already allocated") != std::string::npos)
      continue;
    run.add("KT702", FindingSubject{e.kind, e.namespace_name, e.name}, e.where,
            e.kind + " " + (e.namespace_name.empty() ? "" : e.namespace_name + "/") + e.name +
                " is refused by the API server (" + std::to_string(e.http_status) + " " + e.reason +
                "): " + e.message + (e.field.empty() ? "" : " (the field: " + e.field + ")"),
            "fix the resource; `kubetwin apply` shows the same error",
            run.environment_name(e.namespace_name));
  }
  for (const Workload& w : model.workloads) {
    std::set<std::string> seen;
    for (const std::string& msg : w.failed_create) {
      const std::string l = lower(msg);
      if (l.find("service account") != std::string::npos ||
          l.find("serviceaccount") != std::string::npos)
        continue;  // KT105
      if (!seen.insert(msg).second) continue;
      run.add("KT702", subject_of(w.meta), w.meta.where,
              w.meta.kind + " " + w.meta.qualified() + " cannot create pods: " + msg,
              "fix the quota, limit range or template the API server refers to",
              run.environment_name(w.meta.namespace_name));
    }
  }
}

}  // namespace

void check_availability(AuditRun& run) {
  check_single_points(run);
  check_rwo_deployments(run);
  check_kafka(run);
  check_scheduling(run);
  check_admission(run);
}

}  // namespace kubetwin::topology::audit_internal
