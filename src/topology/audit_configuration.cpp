// Audit rules KT201-KT203 (host names and $(VAR)s in configuration) and KT601-KT603 (secrets
// in plain configuration, placeholder secret values).
#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "audit_internal.hpp"
#include "kubetwin/topology/dns.hpp"
#include "kubetwin/topology/hosts.hpp"

namespace kubetwin::topology::audit_internal {

namespace {

// Is `host` meant to be an in-cluster name? Single labels walk the search path; names under
// cluster.local, `.svc`, or ending in (or passing through) a namespace of the model are
// Service/pod names. Anything else is an external name the twin forwards upstream.
bool looks_in_cluster(const Model& model, const std::string& host, const std::string& from_ns) {
  if (host.find('.') == std::string::npos) return true;
  // hostname.subdomain: the last label is a Service (or a StatefulSet's serviceName) of the
  // pod's namespace, which the search path completes.
  const std::string last = host.substr(host.rfind('.') + 1);
  if (model.find_service(from_ns, last)) return true;
  for (const Workload& w : model.workloads)
    if (w.kind == WorkloadKind::kStatefulSet && w.meta.namespace_name == from_ns &&
        w.service_name == last)
      return true;
  const std::string suffix = std::string(".") + kClusterDomain;
  if (host.ends_with(suffix) || host.ends_with(".svc") || host.find(".svc.") != std::string::npos)
    return true;
  for (const Namespace& ns : model.namespaces) {
    if (host.ends_with("." + ns.meta.name)) return true;
  }
  return false;
}

// The namespace a resolved name lands in.
std::string answer_namespace(const Model& model, const DnsQuery& q) {
  if (q.service) return model.services[*q.service].meta.namespace_name;
  if (q.pod) return model.pods[*q.pod].meta.namespace_name;
  return "";
}

// Does `host` resolve inside `pod` without asking DNS? The kubelet writes the pod's own hostname
// (and, with a subdomain, its FQDN) and spec.hostAliases into /etc/hosts, which glibc reads
// before DNS for each name of the search walk.
bool resolves_in_pod(const Dns& dns, const Pod& pod, const std::string& host) {
  const std::string own = pod.hostname.empty() ? pod.meta.name : pod.hostname;
  std::vector<std::string> names = {lower(own)};
  if (!pod.subdomain.empty()) {
    const std::string fqdn =
        lower(own + "." + pod.subdomain + "." + pod.meta.namespace_name + ".svc." + kClusterDomain);
    names.push_back(fqdn);
  }
  for (const std::string& a : pod.host_aliases) names.push_back(lower(a));
  std::vector<std::string> tried = {host};
  for (const std::string& s : dns.search_path(pod.meta.namespace_name))
    tried.push_back(host + "." + s);
  for (const std::string& t : tried)
    if (std::find(names.begin(), names.end(), t) != names.end()) return true;
  return false;
}

// What an in-cluster name would answer from namespace `ns`: the absolute names of the search walk
// that end in the cluster domain, split into labels before it ("kafka-0", "kafka-headless",
// "shop", "svc").
std::vector<std::vector<std::string>> cluster_candidates(const Dns& dns, const std::string& host,
                                                         const std::string& ns) {
  std::vector<std::string> names = {host};
  for (const std::string& s : dns.search_path(ns)) names.push_back(host + "." + s);
  const std::string suffix = std::string(".") + kClusterDomain;
  std::vector<std::vector<std::string>> out;
  for (const std::string& n : names) {
    if (!n.ends_with(suffix)) continue;
    std::vector<std::string> labels;
    std::string rest = n.substr(0, n.size() - suffix.size());
    for (std::size_t start = 0; start <= rest.size();) {
      std::size_t dot = rest.find('.', start);
      if (dot == std::string::npos) dot = rest.size();
      labels.push_back(rest.substr(start, dot - start));
      start = dot + 1;
    }
    out.push_back(std::move(labels));
  }
  return out;
}

// A per-pod name <hostname>.<subdomain>.<ns>.svc of a headless Service that exists, as `host`
// reads from namespace `ns`: whether a pod of that hostname and subdomain exists (its record
// appears once it is Ready, so its absence today is no configuration mistake), and the hostnames
// that do, for the hint when none does (postgres-1 of a one-replica StatefulSet never exists).
struct PerPodName {
  bool pod_exists = false;
  std::string service;               // "ns/name" of the headless Service
  std::vector<std::string> present;  // hostnames of the pods under it, sorted
};

std::optional<PerPodName> per_pod_name(const Model& model, const Dns& dns, const std::string& host,
                                       const std::string& ns) {
  for (const std::vector<std::string>& l : cluster_candidates(dns, host, ns)) {
    if (l.size() != 4 || l[3] != "svc") continue;
    auto si = model.find_service(l[2], l[1]);
    if (!si || !model.services[*si].headless) continue;
    PerPodName out;
    out.service = model.services[*si].meta.qualified();
    for (const Pod& pod : model.pods) {
      if (pod.meta.namespace_name != l[2] || pod.subdomain != l[1]) continue;
      out.present.push_back(pod.hostname.empty() ? pod.meta.name : pod.hostname);
      out.pod_exists = out.pod_exists || out.present.back() == l[0];
    }
    std::sort(out.present.begin(), out.present.end());
    return out;
  }
  return std::nullopt;
}

bool scheduled(const Pod& pod) {
  return pod.node.has_value();
}

// Why an in-cluster name that does not resolve today is not a broken name of its own: the finding
// it folds into, and the note it adds there. nullopt when the name is simply wrong.
struct Explanation {
  std::string id;
  FindingSubject into;
  std::string note;
};

std::optional<Explanation> explain_unresolved(const Model& model, const Dns& dns,
                                              const std::string& host, const std::string& ns,
                                              const std::string& shown) {
  for (const std::vector<std::string>& l : cluster_candidates(dns, host, ns)) {
    // <hostname>.<subdomain>.<ns>.svc: a StatefulSet pod that is Pending, or whose serviceName
    // has no Service (KT107).
    if (l.size() == 4 && l[3] == "svc") {
      for (const Pod& pod : model.pods) {
        if (pod.meta.namespace_name != l[2] || pod.hostname != l[0] || pod.subdomain != l[1])
          continue;
        if (!model.find_service(l[2], l[1]) && pod.workload)
          return Explanation{"KT107", subject_of(model.workloads[*pod.workload].meta),
                             shown + " does not resolve until Service " + l[1] + " exists"};
        if (!scheduled(pod))
          return Explanation{"KT701", owner_subject(model, pod),
                             shown + " resolves once " + pod.meta.name + " is scheduled"};
      }
    }
    if (l.size() == 3 && l[2] == "svc") {
      if (rejected(model, "Service", l[1], l[0]))
        return Explanation{"KT702", FindingSubject{"Service", l[1], l[0]},
                           shown + " resolves once the Service is admitted"};
      auto si = model.find_service(l[1], l[0]);
      if (!si) {
        // The serviceName of a StatefulSet that has no Service: one cause, KT107.
        for (const Workload& w : model.workloads)
          if (w.kind == WorkloadKind::kStatefulSet && w.meta.namespace_name == l[1] &&
              w.service_name == l[0])
            return Explanation{"KT107", subject_of(w.meta),
                               shown + " does not resolve until Service " + l[0] + " exists"};
        continue;
      }
      // A headless Service whose pods are all Pending: its records appear once they run.
      const Service& svc = model.services[*si];
      if (!svc.headless || !svc.selector || svc.selector->empty()) continue;
      LabelSelector sel;
      sel.match_labels = *svc.selector;
      const Pod* waiting = nullptr;
      bool any_scheduled = false;
      for (Index p : model.select_pods(l[1], sel)) {
        const Pod& pod = model.pods[p];
        if (scheduled(pod))
          any_scheduled = true;
        else if (!waiting)
          waiting = &pod;
      }
      if (waiting && !any_scheduled)
        return Explanation{"KT701", owner_subject(model, *waiting),
                           shown + " resolves once " + waiting->meta.name + " is scheduled"};
    }
  }
  return std::nullopt;
}

// One configured host at one place (a ConfigMap key read by several workloads is one place).
struct HostUse {
  const ConfigHost* first = nullptr;
  std::optional<std::string> config_map;  // set when a ConfigMap holds it
  std::string config_map_field;           // "app-config key DB_HOST"
  std::set<std::string> workloads;        // "Deployment users-api", in name order
  bool pod_user = false;                  // some pod reads it
  bool local_in_every_pod = true;         // /etc/hosts of every such pod has it
};

void check_hosts(AuditRun& run) {
  const Model& model = run.model();
  const Dns dns(model);
  const std::vector<ConfigHost> hosts = config_hosts(model);
  std::map<std::string, HostUse> uses;  // by namespace|host|location
  std::vector<std::string> order;
  for (const ConfigHost& ch : hosts) {
    const HostMention& m = ch.mention;
    if (m.is_ip || m.is_loopback || m.host.empty()) continue;
    const std::string key = ch.namespace_name + "|" + m.host + "|" + ch.where.str() +
                            (ch.where.line ? "" : "|" + ch.field);
    auto [it, fresh] = uses.try_emplace(key);
    if (fresh) order.push_back(key);
    HostUse& use = it->second;
    if (!use.first) use.first = &ch;
    const std::string prefix = "ConfigMap ";
    if (ch.field.starts_with(prefix)) {
      const std::string rest = ch.field.substr(prefix.size());
      use.config_map = rest.substr(0, rest.find(' '));
      use.config_map_field = rest;
    }
    if (ch.workload) {
      const ObjectMeta& wm = model.workloads[*ch.workload].meta;
      use.workloads.insert(wm.kind + " " + wm.name);
    }
    if (ch.pod) {
      use.pod_user = true;
      if (!resolves_in_pod(dns, model.pods[*ch.pod], m.host)) use.local_in_every_pod = false;
    }
  }
  for (const std::string& key : order) {
    const HostUse& use = uses[key];
    const ConfigHost& ch = *use.first;
    const HostMention& m = ch.mention;
    FindingSubject subject;
    std::string what;  // "ConfigMap ns/app-config key DB_HOST (read by Deployment a, Deployment b)"
    if (use.config_map) {
      subject = FindingSubject{"ConfigMap", ch.namespace_name, *use.config_map};
      what = "ConfigMap " + ch.namespace_name + "/" + use.config_map_field;
      if (auto p = what.find(" (mounted)"); p != std::string::npos) what.erase(p);
    } else {
      subject = ch.workload ? subject_of(model.workloads[*ch.workload].meta)
                            : FindingSubject{"ConfigMap", ch.namespace_name, ""};
      what = subject.str() + (ch.container.empty() ? "" : " container " + ch.container) + " " +
             ch.field;
    }
    if (!use.workloads.empty() && (use.config_map || use.workloads.size() > 1)) {
      std::string users;
      for (const std::string& w : use.workloads) users += (users.empty() ? "" : ", ") + w;
      what += " (used by " + users + ")";
    }
    const std::string env = run.environment_name(ch.namespace_name);
    const std::string port = m.port ? ":" + std::to_string(*m.port) : "";
    const DnsResolution res = dns.resolve(m.host, ch.namespace_name);
    if (!res.found) {
      if (use.pod_user && use.local_in_every_pod) continue;  // /etc/hosts answers it
      if (!looks_in_cluster(model, m.host, ch.namespace_name)) continue;
      Finding broken = make_finding(
          "KT201", subject, ch.where,
          what + " names host " + m.host + port + ", which does not resolve from namespace " +
              ch.namespace_name + " (NXDOMAIN)",
          "check the Service name and namespace: `kubetwin dns " + m.host + " -n " +
              ch.namespace_name + "` shows each query tried",
          env);
      if (auto why = explain_unresolved(model, dns, m.host, ch.namespace_name,
                                        m.host + port + " (" + what + ")")) {
        run.fold(why->id, why->into, why->note, std::move(broken));
        continue;
      }
      if (auto pod_name = per_pod_name(model, dns, m.host, ch.namespace_name)) {
        if (pod_name->pod_exists) continue;
        std::string present;
        for (const std::string& h : pod_name->present) present += (present.empty() ? "" : ", ") + h;
        broken.hint = present.empty()
                          ? "no pod has a per-pod name under headless Service " +
                                pod_name->service +
                                " (a StatefulSet gives them when its serviceName is the Service)"
                          : "the pods under headless Service " + pod_name->service + " are " +
                                present + " (a StatefulSet's pods count from 0 to replicas-1)";
      }
      run.add(broken.id, broken.subject, broken.where, broken.message, broken.hint, env);
      continue;
    }
    const DnsQuery* answer = res.answer();
    if (!answer || env.empty()) continue;
    const std::string target_ns = answer_namespace(model, *answer);
    const std::string target_env = run.environment_name(target_ns);
    if (target_env.empty() || target_env == env) continue;
    run.add("KT202", subject, ch.where,
            what + " in environment " + env + " names " + m.host + port +
                ", which resolves into namespace " + target_ns + " of environment " + target_env,
            "point it at " + env + "'s own instance (a name in " + env +
                "'s namespaces), or document the dependency and allow it explicitly",
            env);
  }
}

void check_variables(AuditRun& run) {
  const Model& model = run.model();
  std::set<std::string> seen;
  for (const Pod& pod : model.pods) {
    if (pod.meta.builtin) continue;
    const FindingSubject owner = owner_subject(model, pod);
    for (const UnresolvedRef& ref : pod.unresolved) {
      if (ref.blocking || ref.what.find("$(") == std::string::npos) continue;
      if (!seen.insert(owner.str() + "|" + ref.container + "|" + ref.what).second) continue;
      run.add("KT203", owner, ref.where.line ? ref.where : owner_location(model, pod),
              owner.str() + " container " + ref.container + ": " + ref.what +
                  "; the container sees the text verbatim",
              "define the variable earlier in the same container's env (order matters), or "
              "write $$(VAR) for a literal",
              run.environment_name(pod.meta.namespace_name));
    }
  }
}

// ---- secrets ----
constexpr const char* kSecretWords[] = {"password",    "passwd",     "secret",       "token",
                                        "apikey",      "api_key",    "private_key",  "access_key",
                                        "signing_key", "credential", "client_secret"};
// Key endings that name a reference to a secret rather than the secret itself.
constexpr const char* kReferenceEndings[] = {
    "_file", "_path",    "_dir",    "_name",       "_ref",    "_url",
    "_ttl",  "_timeout", "_expiry", "_expiration", "_length", "_header",
    "_type", "_key_id",  "_mount",  "_enabled",    "_size",   "_count"};
// Values people leave in place of a real secret (case-insensitive, whole value).
constexpr const char* kPlaceholders[] = {
    "changeme", "change-me", "change_me",  "changeit",      "password", "passw0rd",
    "admin",    "secret",    "default",    "test",          "example",  "123456",
    "12345678", "root",      "toor",       "letmein",       "qwerty",   "xxx",
    "todo",     "replaceme", "replace-me", "your-password", "mysecret", "pass"};

std::string normalise_key(std::string_view key) {
  std::string k = lower(key);
  for (char& c : k)
    if (c == '-' || c == '.') c = '_';
  return k;
}

bool is_secret_key(std::string_view key) {
  const std::string k = normalise_key(key);
  for (const char* end : kReferenceEndings)
    if (k.ends_with(end)) return false;
  for (const char* w : kSecretWords)
    if (k.find(w) != std::string::npos) return true;
  return false;
}

bool is_placeholder(std::string_view value) {
  const std::string v = lower(value);
  for (const char* p : kPlaceholders)
    if (v == p) return true;
  return v.size() > 2 && v.front() == '<' && v.back() == '>';
}

// A value that is the secret itself, not a reference to one (path, variable, template).
bool is_literal_secret_value(std::string_view value) {
  if (value.empty()) return false;
  if (value.front() == '/' || value.find("$(") != std::string_view::npos ||
      value.find("${") != std::string_view::npos || value.find("{{") != std::string_view::npos)
    return false;
  return value != "true" && value != "false";
}

void check_secrets(AuditRun& run) {
  const Model& model = run.model();
  for (const ConfigMap& cm : model.config_maps) {
    if (cm.meta.builtin) continue;
    const std::string env = run.environment_name(cm.meta.namespace_name);
    for (const auto& [key, value] : cm.data) {
      if (!is_secret_key(key) || !is_literal_secret_value(value)) continue;
      auto loc = cm.key_locations.find(key);
      const k8s::SourceLocation& where =
          loc != cm.key_locations.end() ? loc->second : cm.meta.where;
      if (is_placeholder(value)) {
        run.add("KT603", subject_of(cm.meta), where,
                "ConfigMap " + cm.meta.qualified() + " key " + key + " holds the placeholder \"" +
                    value + "\"",
                "generate a real secret and keep it in a Secret (or Vault), not in a ConfigMap",
                env);
      } else {
        run.add("KT601", subject_of(cm.meta), where,
                "ConfigMap " + cm.meta.qualified() + " key " + key +
                    " holds a secret in plain text (readable by anyone who can read ConfigMaps)",
                "move it to a Secret and read it with secretKeyRef, or inject it from Vault", env);
      }
    }
  }
  for (const Secret& s : model.secrets) {
    if (s.meta.builtin) continue;
    for (const auto& [key, value] : s.data) {
      if (!is_secret_key(key) || !is_placeholder(value)) continue;
      auto loc = s.key_locations.find(key);
      run.add("KT603", subject_of(s.meta),
              loc != s.key_locations.end() ? loc->second : s.meta.where,
              "Secret " + s.meta.qualified() + " key " + key + " holds the placeholder \"" + value +
                  "\"",
              "generate a real value (e.g. `openssl rand -base64 24`) before deploying",
              run.environment_name(s.meta.namespace_name));
    }
  }
  std::set<std::string> seen;
  for (const Pod& pod : model.pods) {
    if (pod.meta.builtin) continue;
    const FindingSubject owner = owner_subject(model, pod);
    const std::string env = run.environment_name(pod.meta.namespace_name);
    for (const Container& c : pod.containers) {
      if (c.injected) continue;
      for (const EnvVar& e : c.env) {
        if (e.source != EnvSource::kLiteral || !is_secret_key(e.name) ||
            !is_literal_secret_value(e.raw))
          continue;
        if (!seen.insert(owner.str() + "|" + c.name + "|" + e.name).second) continue;
        const k8s::SourceLocation& where = e.where.line ? e.where : owner_location(model, pod);
        if (is_placeholder(e.raw)) {
          run.add("KT603", owner, where,
                  owner.str() + " container " + c.name + " env " + e.name +
                      " holds the placeholder \"" + e.raw + "\"",
                  "generate a real secret, keep it in a Secret and read it with secretKeyRef", env);
        } else {
          run.add("KT602", owner, where,
                  owner.str() + " container " + c.name + " env " + e.name +
                      " holds a secret as a literal value (visible in the manifest and to anyone "
                      "who can read the workload)",
                  "keep it in a Secret and read it with valueFrom.secretKeyRef, or inject it "
                  "from Vault",
                  env);
        }
      }
    }
  }
}

}  // namespace

void check_configuration(AuditRun& run) {
  check_hosts(run);
  check_variables(run);
  check_secrets(run);
}

}  // namespace kubetwin::topology::audit_internal
