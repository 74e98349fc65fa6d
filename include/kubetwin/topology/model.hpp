// The typed model of a cluster: what a set of manifests declares once the API server, the
// controllers, the scheduler and the kubelet have done their static work.
//
// build_model() admits resources as the API server would (rejections keep its messages), expands
// workloads into pods with deterministic names and IPs, schedules them onto the profile's nodes,
// resolves container environments as the kubelet does, computes Service endpoints, binds PVCs
// and decides which gateway serves each Ingress. The result is a read-only value: every entity
// keeps the SourceLocation of the resource it came from, cross references are indexes into the
// vectors of the same Model, and the same input always gives the same Model (names, IPs,
// placement, order). Nothing here knows about time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kubetwin/k8s/diagnostic.hpp"
#include "kubetwin/k8s/resource.hpp"
#include "kubetwin/topology/cluster.hpp"
#include "kubetwin/topology/selector.hpp"

namespace kubetwin::topology {

// ---- Kubernetes defaults used while building (each cites domain-facts) ----
// domain-facts 2 "NodePort": the default service-node-port-range.
inline constexpr int kNodePortMin = 30000;
inline constexpr int kNodePortMax = 32767;
// The default service-cluster-ip-range (kubeadm/kind) and the two addresses it reserves by
// convention: the `kubernetes` Service and kube-dns (domain-facts 1 "Pod resolver" nameserver).
inline constexpr const char* kServiceCidr = "10.96.0.0/12";
inline constexpr const char* kKubernetesServiceIp = "10.96.0.1";
inline constexpr const char* kClusterDnsIp = "10.96.0.10";
// Pod CIDR (ClusterProfile::pod_cidr, default 10.244.0.0/16): node i gets 10.244.i.0/24; pods
// take .2, .3, ... in scheduling order (kind/flannel).
inline constexpr const char* kClusterDomain = "cluster.local";  // domain-facts 1
// domain-facts 7 "Vault Agent Injector": resources the injected agent adds to a pod (VK8S).
inline constexpr int64_t kVaultAgentCpuRequestMilli = 250;
inline constexpr int64_t kVaultAgentMemoryRequestBytes = 64LL * 1024 * 1024;
inline constexpr int64_t kVaultAgentCpuLimitMilli = 500;
inline constexpr int64_t kVaultAgentMemoryLimitBytes = 128LL * 1024 * 1024;
inline constexpr const char* kVaultInjectAnnotation = "vault.hashicorp.com/agent-inject";
// Built-in CoreDNS (kubeadm's manifest: 2 replicas, 100m CPU / 70Mi requests, label
// k8s-app=kube-dns; replicas from ClusterProfile::core_dns_replicas). Present unless
// BuildOptions::builtin_cluster_dns is false. [U: kubeadm]
inline constexpr int64_t kCoreDnsCpuRequestMilli = 100;
inline constexpr int64_t kCoreDnsMemoryRequestBytes = 70LL * 1024 * 1024;
// Deployment replicas when spec.replicas is omitted (API default).
inline constexpr int kDefaultReplicas = 1;

using Index = std::size_t;

// What every entity carries: identity and where it was declared.
struct ObjectMeta {
  std::string kind;  // "Deployment", "Pod", "Service"...
  std::string name;
  std::string namespace_name;  // "" for cluster-scoped objects
  Labels labels;
  std::map<std::string, std::string> annotations;
  k8s::SourceLocation where;  // the resource's document (a pod: its workload's)
  bool builtin = false;       // supplied by the twin (default namespaces, kubernetes, CoreDNS)

  std::string qualified() const;  // "ns/name" or "name"
};

struct ResourceAmounts {
  int64_t cpu_milli = 0;
  int64_t memory_bytes = 0;
  bool has_cpu = false;
  bool has_memory = false;
};

// ---- Cluster ----
struct Namespace {
  ObjectMeta meta;  // labels include kubernetes.io/metadata.name (set by the API server)
};

struct ClusterNode {
  ObjectMeta meta;  // labels: kubernetes.io/hostname, topology.kubernetes.io/zone, pool labels
  std::string pool;
  std::string zone;
  std::string internal_ip;  // 172.18.0.<2+i>, as kind's docker network hands them out
  int64_t allocatable_cpu_milli = 0;
  int64_t allocatable_memory_bytes = 0;
  int max_pods = 0;
  int pod_cidr_index = 0;  // 10.244.<index>.0/24
  // Filled by scheduling.
  int64_t requested_cpu_milli = 0;
  int64_t requested_memory_bytes = 0;
  std::vector<Index> pods;
};

// ---- Workloads ----
enum class WorkloadKind {
  kDeployment,
  kStatefulSet,
  kDaemonSet,
  kJob,
  kCronJob,
  kReplicaSet,
  kPod
};
const char* to_string(WorkloadKind kind);

struct Workload {
  ObjectMeta meta;
  WorkloadKind kind = WorkloadKind::kDeployment;
  int replicas = kDefaultReplicas;  // declared (DaemonSet: one per node; Pod: 1)
  LabelSelector selector;
  Labels template_labels;
  std::map<std::string, std::string> template_annotations;
  std::string service_name;  // StatefulSet spec.serviceName
  std::optional<Index> hpa;  // into Model::hpas
  std::vector<Index> pods;   // into Model::pods, in ordinal/creation order
  // Pods the controller could not create (quota...): the FailedCreate events kubectl describe
  // shows.
  std::vector<std::string> failed_create;
};

struct Hpa {
  ObjectMeta meta;
  std::string target_kind;
  std::string target_name;
  std::optional<Index> target;  // into Model::workloads
  int min_replicas = 1;
  int max_replicas = 1;
  std::optional<int> target_cpu_utilization_percent;
};

// ---- Pods and containers ----
struct ContainerPort {
  std::string name;
  int port = 0;
  std::string protocol = "TCP";
};

enum class EnvSource {
  kLiteral,
  kConfigMapKey,
  kSecretKey,
  kConfigMapEnvFrom,
  kSecretEnvFrom,
  kFieldRef,
  kResourceFieldRef
};
const char* to_string(EnvSource source);

struct EnvVar {
  std::string name;
  std::string value;  // after resolution and $(VAR) expansion ("" when unresolved)
  std::string raw;    // as written (literal text, or "configmap app-config key DB_HOST")
  EnvSource source = EnvSource::kLiteral;
  std::string source_name;  // ConfigMap/Secret name for key refs and envFrom
  std::string source_key;   // key, or the fieldPath
  bool resolved = true;
  k8s::SourceLocation where;
};

// Something the kubelet could not resolve. `blocking` ones stop the container from starting
// (CreateContainerConfigError), as a missing non-optional ConfigMap/Secret or key does;
// a $(VAR) that cannot expand is kept verbatim and is not blocking.
struct UnresolvedRef {
  std::string container;
  std::string what;  // kubelet's words: `configmap "x" not found`, `couldn't find key K in
                     // ConfigMap ns/x`, `$(VAR) in env FOO is not defined before it`
  bool blocking = false;
  k8s::SourceLocation where;
};

// A container's probe as the kubelet runs it (domain-facts 2, PROBES). Fields left out, or 0 where
// the API server defaults 0, take Kubernetes' defaults: initialDelaySeconds 0, periodSeconds 10,
// timeoutSeconds 1, successThreshold 1, failureThreshold 3. Admission refuses negative values
// (422), values that are not integers (400), and a probe with no handler or more than one.
inline constexpr int kProbeInitialDelaySeconds = 0;
inline constexpr int kProbePeriodSeconds = 10;
inline constexpr int kProbeTimeoutSeconds = 1;
inline constexpr int kProbeSuccessThreshold = 1;
inline constexpr int kProbeFailureThreshold = 3;

enum class ProbeHandler { kHttpGet, kTcpSocket, kExec, kGrpc };
const char* to_string(ProbeHandler handler);  // "httpGet", "tcpSocket", "exec", "grpc"

struct Probe {
  ProbeHandler handler = ProbeHandler::kHttpGet;
  std::string path;                  // httpGet
  std::string scheme = "HTTP";       // httpGet
  std::string port;                  // httpGet, tcpSocket, grpc: a number or a port's name
  int port_number = 0;               // resolved against the container's ports (0: no such name)
  std::vector<std::string> command;  // exec
  int initial_delay_seconds = kProbeInitialDelaySeconds;
  int period_seconds = kProbePeriodSeconds;
  int timeout_seconds = kProbeTimeoutSeconds;
  int success_threshold = kProbeSuccessThreshold;
  int failure_threshold = kProbeFailureThreshold;
  k8s::SourceLocation where;  // the probe's mapping

  // What the kubelet reaches: "GET http://:8080/health/ready", "tcp :9092", "exec pg_isready ...".
  std::string target() const;
};

struct VolumeMount {
  std::string name;
  std::string mount_path;
};

struct Container {
  std::string name;
  std::string image;
  bool init = false;
  bool injected = false;  // added by a mutating webhook (Vault agent)
  ResourceAmounts requests;
  ResourceAmounts limits;
  std::vector<EnvVar> env;           // in kubelet order: envFrom first, then env
  std::vector<std::string> command;  // $(VAR)-expanded
  std::vector<std::string> args;     // $(VAR)-expanded
  std::vector<ContainerPort> ports;
  std::vector<VolumeMount> volume_mounts;
  std::optional<Probe> startup_probe;
  std::optional<Probe> readiness_probe;
  std::optional<Probe> liveness_probe;
  k8s::SourceLocation where;

  const EnvVar* find_env(const std::string& name) const;
};

struct PodVolume {
  std::string name;
  std::string kind;          // "persistentVolumeClaim", "configMap", "secret", "emptyDir", ...
  std::string source;        // claim / ConfigMap / Secret name
  std::optional<Index> pvc;  // into Model::pvcs
};

enum class PodPhase { kPending, kRunning };

struct VaultInjection {
  std::string role;
  std::vector<std::string> secrets;  // file names under /vault/secrets (agent-inject-secret-*)
  bool sidecar = true;               // false with agent-pre-populate-only
};

struct Pod {
  ObjectMeta meta;
  std::optional<Index> workload;  // into Model::workloads
  int ordinal = -1;               // StatefulSet ordinal
  std::string hostname;           // set for StatefulSet pods (= pod name)
  std::string subdomain;          // StatefulSet serviceName
  // Names the kubelet writes to the pod's /etc/hosts from spec.hostAliases: they resolve in the
  // pod without DNS.
  std::vector<std::string> host_aliases;
  std::string service_account = "default";
  std::vector<Container> containers;  // init containers first (init == true), then app ones
  std::vector<PodVolume> volumes;
  ResourceAmounts requests;  // effective: max(sum of app containers, max of init)
  ResourceAmounts limits;
  std::optional<VaultInjection> vault;
  std::vector<UnresolvedRef> unresolved;
  // Scheduling and status.
  std::optional<Index> node;  // into Model::nodes
  std::string ip;             // "" while Pending
  PodPhase phase = PodPhase::kPending;
  std::string reason;  // Pending: scheduler's message; not ready: kubelet's reason
  bool ready = false;
};

// ---- Services ----
struct ServicePort {
  std::string name;
  std::string protocol = "TCP";
  int port = 0;
  int target_port_number = 0;    // when targetPort is a number (default: port)
  std::string target_port_name;  // when targetPort names a container port
  int node_port = 0;             // 0 when none
};

enum class ServiceType { kClusterIP, kNodePort, kLoadBalancer, kExternalName };
const char* to_string(ServiceType type);

struct EndpointAddress {
  Index pod;
  std::string ip;
  bool ready = true;
  std::vector<int> ports;  // resolved target port per ServicePort (0 = unresolvable)
};

struct Service {
  ObjectMeta meta;
  ServiceType type = ServiceType::kClusterIP;
  std::string cluster_ip;  // "None" when headless
  bool headless = false;
  std::optional<Labels> selector;  // nullopt: no selector (manually managed endpoints)
  std::vector<ServicePort> ports;
  bool publish_not_ready_addresses = false;
  std::string external_name;
  std::vector<EndpointAddress> endpoints;  // ready ones, plus not-ready if published

  // The target port on `pod` for service port `port_index` (named ports via the pod's
  // containers); 0 when the pod has no such named port.
  int target_port_on(const Pod& pod, std::size_t port_index) const;
};

// ---- Ingress and gateways ----
struct IngressBackend {
  std::string service;
  int port_number = 0;
  std::string port_name;
  std::optional<Index> service_index;  // into Model::services, nullopt when dangling
};

struct IngressPath {
  std::string path = "/";
  std::string path_type = "Prefix";
  IngressBackend backend;
  k8s::SourceLocation where;
};

struct IngressRule {
  std::string host;  // "" = any host
  std::vector<IngressPath> paths;
};

// Kong's router on Ingress rules, the one definition the World routes by (runtime/world_flow.cpp)
// and the scenario check refuses unroutable loads by (scenario/semantic_check.cpp). A rule's host
// matches the Host header when empty, equal, or a `*.` wildcard over it (Kong's wildcard spans
// one or more labels: `*.example.com` matches a.example.com and x.y.example.com).
bool ingress_host_matches(std::string_view pattern, std::string_view host);
// A path of type Exact matches when equal; a Prefix path when it is "/" or a prefix of whole
// segments ("/orders" matches "/orders" and "/orders/7", not "/ordersx"; a trailing '/' is
// ignored).
bool ingress_path_matches(std::string_view prefix, bool exact, std::string_view path);

struct IngressClass {
  ObjectMeta meta;
  std::string controller;  // e.g. ingress-controllers.konghq.com/kong
  bool is_default = false;
};

// An ingress controller deployment (Kong Ingress Controller, ingress-nginx), found from images,
// env and args.
struct Gateway {
  std::string name;           // "ns/workload"
  Index workload = 0;         // into Model::workloads
  std::string product;        // "kong", "ingress-nginx"
  std::string controller;     // the IngressClass controller string it implements
  std::string ingress_class;  // class it serves (CONTROLLER_INGRESS_CLASS, --ingress-class)
  std::vector<std::string> watch_namespaces;  // empty = all namespaces
  std::vector<Index> proxy_services;          // Services selecting its pods (NodePort entry points)
};

// Kong's rate-limiting plugin as configured by a KongPlugin / KongClusterPlugin (KIC CRDs,
// configuration.konghq.com/v1), attached to an Ingress or a Service by the annotation
// `konghq.com/plugins: name[,name...]`. Fixed windows per second, minute, hour, day; over any limit
// Kong answers 429 (domain-facts 6, KRL).
struct KongRateLimit {
  int64_t second = 0;  // requests per window; 0 = no limit for that window
  int64_t minute = 0;
  int64_t hour = 0;
  int64_t day = 0;
  std::string policy = "local";       // counters per Kong node ("local", the default since 3.0)
                                      // or shared by every node ("cluster", "redis")
  std::string limit_by = "consumer";  // whose requests a counter holds
  int error_code = 429;               // the status over the limit (config.error_code)
};

struct KongPlugin {
  ObjectMeta meta;     // kind KongPlugin (namespaced) or KongClusterPlugin
  std::string plugin;  // "rate-limiting", "cors", ...
  bool disabled = false;
  std::optional<KongRateLimit> rate_limit;  // set when plugin is rate-limiting
};

// Kong's passive health checks (the circuit breaker, domain-facts 6 KHC) from a KongUpstreamPolicy
// (KIC CRD configuration.konghq.com/v1beta1, spec.healthchecks.passive), attached to a Service by
// the annotation `konghq.com/upstream-policy: name` in its namespace. Each Kong node counts, per
// target, the failures it sees in its own traffic; a counter reaching its threshold takes the
// target out of that node's ring-balancer. Passive checks only disable: no traffic reaches a
// disabled target, so nothing re-enables it (only active checks, or a new target, would). A
// threshold of 0 turns that counter off (Kong's default for all three).
struct KongPassiveHealth {
  int http_failures = 0;                                  // unhealthy.httpFailures
  int tcp_failures = 0;                                   // unhealthy.tcpFailures
  int timeouts = 0;                                       // unhealthy.timeouts
  std::vector<int> unhealthy_statuses = {429, 500, 503};  // unhealthy.httpStatuses (Kong's default)
};

struct KongUpstreamPolicy {
  ObjectMeta meta;
  std::optional<KongPassiveHealth> passive;  // set when a passive threshold is above 0
  bool active = false;                       // spec.healthchecks.active given (not simulated)
};

struct Ingress {
  ObjectMeta meta;
  std::string class_name;    // effective: spec.ingressClassName, annotation, or default
  std::string class_source;  // "spec.ingressClassName", "annotation", "default class", ""
  std::vector<IngressRule> rules;
  std::optional<IngressBackend> default_backend;
  std::vector<Index> gateways;  // into Model::gateways: every gateway that serves it
};

// ---- Storage ----
struct StorageClass {
  ObjectMeta meta;
  std::string provisioner;
  bool is_default = false;
  std::string volume_binding_mode = "Immediate";
};

struct PersistentVolumeClaim {
  ObjectMeta meta;
  std::string storage_class;  // effective class ("" = none)
  std::vector<std::string> access_modes;
  int64_t request_bytes = 0;
  std::string request_text;  // "20Gi" as written
  bool bound = false;
  std::string volume_name;                 // dynamic PV "pvc-<hash>" when bound
  std::string pending_reason;              // why not bound
  std::optional<Index> owner_pod;          // volumeClaimTemplate claims: their pod
  std::optional<Index> template_workload;  // StatefulSet owning the template
};

// ---- Policy, config, identity ----
struct IpBlock {
  std::string cidr;
  std::vector<std::string> except;
};

struct PolicyPeer {
  std::optional<LabelSelector> pod_selector;
  std::optional<LabelSelector> namespace_selector;
  std::optional<IpBlock> ip_block;
};

struct PolicyPort {
  std::string protocol = "TCP";
  int port = 0;  // 0 = all ports (when port_name is empty too)
  std::string port_name;
  int end_port = 0;
};

struct PolicyRule {
  std::vector<PolicyPeer> peers;  // empty = all peers
  std::vector<PolicyPort> ports;  // empty = all ports
  k8s::SourceLocation where;
};

struct NetworkPolicy {
  ObjectMeta meta;
  LabelSelector pod_selector;
  bool affects_ingress = false;  // policyTypes, defaulted per domain-facts 3
  bool affects_egress = false;
  std::vector<PolicyRule> ingress;
  std::vector<PolicyRule> egress;
};

// policy/v1 PodDisruptionBudget (domain-facts 2, PDB): how many of the pods it selects must stay
// healthy (Ready) through voluntary disruptions, the Eviction API's (EVICT) drains. minAvailable
// or maxUnavailable (never both), each an integer or a percentage of the pods' controllers' scale.
struct IntOrPercent {
  int value = 0;
  bool percent = false;      // value is a percentage (0-100)
  std::string text() const;  // "2", "50%"
};

struct PodDisruptionBudget {
  ObjectMeta meta;
  // policy/v1: an empty selector selects every pod of the namespace; a missing one none.
  std::optional<LabelSelector> selector;
  std::optional<IntOrPercent> min_available;
  std::optional<IntOrPercent> max_unavailable;
  std::vector<Index> pods;  // into Model::pods: the pods it selects
};

struct ConfigMap {
  ObjectMeta meta;
  std::map<std::string, std::string> data;  // data and binaryData keys
  std::map<std::string, k8s::SourceLocation> key_locations;
};

struct Secret {
  ObjectMeta meta;
  std::string type = "Opaque";
  std::map<std::string, std::string> data;  // decoded (data base64-decoded, stringData as is)
  std::map<std::string, k8s::SourceLocation> key_locations;
};

struct ServiceAccount {
  ObjectMeta meta;
};

struct RbacSubject {
  std::string kind;  // ServiceAccount, User, Group
  std::string name;
  std::string namespace_name;
};

struct Role {  // Role and ClusterRole (meta.kind tells)
  ObjectMeta meta;
  std::size_t rule_count = 0;
};

struct RoleBinding {  // RoleBinding and ClusterRoleBinding
  ObjectMeta meta;
  std::string role_kind;
  std::string role_name;
  std::vector<RbacSubject> subjects;
};

struct ResourceQuota {
  ObjectMeta meta;
  std::map<std::string, std::string> hard;  // as written: requests.cpu=2, pods=10 ...
};

// ---- Admission ----
// A resource (or a controller-created pod) the API server refused; nothing of it is in the model.
struct AdmissionError {
  std::string kind;
  std::string name;
  std::string namespace_name;
  int http_status = 0;  // 404, 422, 403, 400
  std::string reason;   // "NotFound", "Invalid", "Forbidden", "BadRequest"
  std::string message;  // the API server's text, e.g. `namespaces "x" not found`
  // The offending field and value when one field is at fault and the message does not name it
  // (a bad quantity): `spec.template.spec.containers[0].resources.requests[cpu]: "lots"`.
  std::string field;
  k8s::SourceLocation where;  // the offending field's scalar when known, else the resource
  bool at_field = false;      // `where` is the offending field's

  // kubectl's line: `Error from server (NotFound): error when creating "PATH": MESSAGE`.
  std::string kubectl_line() const;
};

// A resource kept but not interpreted (CRDs, custom resources, kinds the twin does not model).
struct NotSimulated {
  ObjectMeta meta;
  std::string api_version;
};

struct BuildOptions {
  // Admit in kustomize's legacy kind order (Namespace, ResourceQuota, ..., then workloads), as
  // `kubectl apply -k` receives them. Off: strictly in the given order.
  bool sort_by_kind = true;
  // Add CoreDNS (kube-system/coredns, Service kube-dns at kClusterDnsIp) and the default
  // namespaces' `kubernetes` Service.
  bool builtin_cluster_dns = true;
};

struct Model {
  ClusterProfile cluster;
  std::vector<Namespace> namespaces;
  std::vector<ClusterNode> nodes;
  std::vector<Workload> workloads;
  std::vector<Hpa> hpas;
  std::vector<Pod> pods;
  std::vector<Service> services;
  std::vector<IngressClass> ingress_classes;
  std::vector<Ingress> ingresses;
  std::vector<Gateway> gateways;
  std::vector<StorageClass> storage_classes;
  std::vector<PersistentVolumeClaim> pvcs;
  std::vector<NetworkPolicy> network_policies;
  std::vector<PodDisruptionBudget> pod_disruption_budgets;
  std::vector<ConfigMap> config_maps;
  std::vector<Secret> secrets;
  std::vector<ServiceAccount> service_accounts;
  std::vector<Role> roles;
  std::vector<RoleBinding> role_bindings;
  std::vector<ResourceQuota> resource_quotas;
  std::vector<KongPlugin> kong_plugins;
  std::vector<KongUpstreamPolicy> kong_upstream_policies;
  std::vector<AdmissionError> rejected;
  std::vector<NotSimulated> not_simulated;

  // Lookups by identity; nullopt when absent. Linear or map-backed: fine for thousands.
  std::optional<Index> find_namespace(const std::string& name) const;
  std::optional<Index> find_pod(const std::string& ns, const std::string& name) const;
  std::optional<Index> find_service(const std::string& ns, const std::string& name) const;
  // The KongPlugin `name` in namespace `ns`, else the KongClusterPlugin `name`; nullptr if none.
  const KongPlugin* find_kong_plugin(const std::string& ns, const std::string& name) const;
  // The KongUpstreamPolicy `name` in namespace `ns`; nullptr if none.
  const KongUpstreamPolicy* find_kong_upstream_policy(const std::string& ns,
                                                      const std::string& name) const;
  std::optional<Index> find_workload(const std::string& ns, const std::string& name) const;
  std::optional<Index> find_workload(WorkloadKind kind, const std::string& ns,
                                     const std::string& name) const;
  std::optional<Index> find_node(const std::string& name) const;
  std::optional<Index> find_pod_by_ip(const std::string& ip) const;
  std::optional<Index> find_service_by_ip(const std::string& ip) const;
  const ConfigMap* find_config_map(const std::string& ns, const std::string& name) const;
  const Secret* find_secret(const std::string& ns, const std::string& name) const;
  // The node a pod runs on ("" while Pending).
  std::string node_name(const Pod& pod) const;
  // Pods of a namespace matching a selector.
  std::vector<Index> select_pods(const std::string& ns, const LabelSelector& selector) const;
};

// Builds the model. Never throws for semantic problems (they become `rejected`, pod reasons and
// `unresolved` refs); throws k8s::InputError only for documents that are not objects at all
// (no kind or name).
Model build_model(const k8s::ResourceList& resources, const ClusterProfile& cluster,
                  const BuildOptions& options = {});

// Quantities as the API server reads them, for callers that need the same rounding.
// CPU in milli-cores (rounded up, as the API server does for sub-milli values), memory in bytes.
bool parse_cpu_milli(const std::string& text, int64_t& out);
bool parse_memory_bytes(const std::string& text, int64_t& out);
// kubectl's rendering: 250m, 2, 64Mi, 1Gi.
std::string format_cpu_milli(int64_t milli);
std::string format_bytes(int64_t bytes);

}  // namespace kubetwin::topology
