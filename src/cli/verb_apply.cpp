// `kubetwin apply -k DIR | -f FILE|DIR|- | MODEL`: kubectl apply onto the twin's state.
#include <filesystem>
#include <iterator>
#include <ostream>
#include <sstream>

#include "cli_common.hpp"
#include "kubetwin/k8s/kustomize.hpp"
#include "kubetwin/k8s/loader.hpp"
#include "kubetwin/report/kubectl_apply.hpp"
#include "kubetwin/report/kubectl_kinds.hpp"
#include "kubetwin/scenario/live.hpp"
#include "kubetwin/topology/twin_index.hpp"
#include "verb_functions.hpp"

namespace kubetwin::cli {

namespace {

namespace fs = std::filesystem;

// One apply as kubectl would send it: objects from one -f/-k argument or one index step.
struct Batch {
  std::string source;  // what the state records
  k8s::ResourceList resources;
  bool per_file_source = false;  // -f: errors name each object's file
};

k8s::ResourceList read_kustomization(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec) || !k8s::is_kustomization_dir(dir)) {
    throw UsageError(
        "unable to find one of 'kustomization.yaml', 'kustomization.yml' or "
        "'Kustomization' in directory '" +
        fs::absolute(dir).lexically_normal().string() + "'");
  }
  return k8s::build_kustomization(dir);
}

// Why a change cannot be taken in place by the running twin; "" when it can (scenario/live.hpp
// live_base_state: replicas become a scale act, ConfigMaps, Secrets and ServiceAccounts are
// stored while the pods keep what they started with).
std::string refusal_in_running_twin(const topology::State& state, const topology::PlannedApply& p,
                                    std::optional<int>* replicas, bool* rollout) {
  const std::string kind = p.key.kind;
  if (scenario::applies_in_place(kind, p.key.group)) return "";
  const topology::StoredResource* old = state.find(p.key);
  if (!old) return "it is new, and the running twin does not start objects it did not start with";
  if (kind == "Deployment" || kind == "StatefulSet") {
    k8s::Node before = old->resource.body;
    k8s::Node after = p.resource.body;
    const k8s::Node* given = after.at({"spec", "replicas"});
    const std::optional<int64_t> want = given ? given->as_int() : std::optional<int64_t>(1);
    for (k8s::Node* n : {&before, &after}) {
      if (k8s::Node* spec = n->get("spec"); spec && spec->is_mapping())
        spec->set("replicas", k8s::Node::scalar("0", false));
    }
    if (!(before == after) && kind == "Deployment") {
      // A new pod template is a rollout: the Deployment controller's new ReplicaSet.
      const k8s::Node* old_template = before.at({"spec", "template"});
      const k8s::Node* new_template = after.at({"spec", "template"});
      *rollout = old_template && new_template && !(*old_template == *new_template);
      for (k8s::Node* n : {&before, &after}) {
        if (k8s::Node* spec = n->get("spec"); spec && spec->is_mapping())
          spec->set("template", k8s::Node::scalar("", false));
      }
    }
    if (before == after) {
      const k8s::Node* old_replicas = old->resource.body.at({"spec", "replicas"});
      const std::optional<int64_t> had =
          old_replicas ? old_replicas->as_int() : std::optional<int64_t>(1);
      if (had != want) *replicas = static_cast<int>(want.value_or(1));
      return "";
    }
    return "more than its replicas and pod template changed";
  }
  return "the running twin takes only replicas of Deployments and StatefulSets, ConfigMaps, "
         "Secrets and ServiceAccounts in place";
}

// `kubetwin apply` while the twin runs: each change an act at the twin's now (live.hpp), or the
// whole apply refused before anything is written.
int apply_to_running_twin(const Invocation& inv, topology::StateStore& store,
                          const std::vector<Batch>& batches,
                          const std::optional<std::string>& cluster) {
  const topology::State state = store.load();
  topology::ClusterProfile profile =
      load_cluster_profile(cluster ? *cluster : state.cluster_profile);
  std::vector<std::pair<topology::AdmissionError, std::string>> errors;
  std::vector<std::string> refusals;
  std::string lines;
  topology::StateChange change;
  change.source = "running twin";
  change.record_apply = false;  // the twin keeps running: its start does not move
  std::vector<std::vector<std::string>> scales, stored, rollouts;
  if (cluster && *cluster != state.cluster_profile)
    refusals.push_back(
        "error: the running twin cannot move to the cluster profile " + *cluster + ": it runs on " +
        (state.cluster_profile.empty() ? "the built-in one" : state.cluster_profile) + "\n");
  for (const Batch& b : batches) {
    for (const topology::PlannedApply& p : topology::plan_apply(state, b.resources, profile)) {
      if (p.action == topology::ApplyAction::kRejected) {
        errors.emplace_back(*p.error, b.source == "-" ? "STDIN" : b.source);
        continue;
      }
      lines += report::apply_line(p) + "\n";
      if (p.action == topology::ApplyAction::kUnchanged) continue;
      std::optional<int> replicas;
      bool rollout = false;
      const std::string why = refusal_in_running_twin(state, p, &replicas, &rollout);
      const std::string what = report::kubectl_object_name(p.key.kind, p.key.group, p.key.name);
      if (!why.empty()) {
        refusals.push_back("error: the running twin cannot apply " + what +
                           (p.key.namespace_name.empty() ? "" : " in " + p.key.namespace_name) +
                           " in place: " + why + "\n");
      } else {
        // Stored as applied (a re-apply is unchanged), journaled with the body it replaces so
        // that the World still starts from it; replicas then change by a scale act.
        if (replicas)
          scales.push_back(
              {p.key.kind, p.key.namespace_name, p.key.name, std::to_string(*replicas)});
        if (rollout) rollouts.push_back({p.key.kind, p.key.namespace_name, p.key.name});
        const topology::StoredResource* old = state.find(p.key);
        stored.push_back({p.key.group, p.key.kind, p.key.namespace_name, p.key.name,
                          old ? topology::encode_node(old->resource.body) : ""});
        change.upserts.push_back(p.resource);
      }
    }
  }
  if (!refusals.empty()) {
    for (const std::string& r : refusals) inv.err << r;
    inv.err << "  hint: nothing was applied; to run these manifests from the start, `kubetwin "
               "apply --restart-twin ...` starts the running twin afresh (its acts become "
               "history)\n";
    return static_cast<int>(kExitBadInput);
  }
  if (!errors.empty()) {
    inv.err << report::apply_errors(errors);
    return static_cast<int>(kExitCheckFailed);
  }
  inv.out << lines;
  if (!change.upserts.empty()) store.commit(change);
  for (const auto& a : stored) store.record_act("apply", a);
  for (const auto& a : scales) store.record_act("scale", a);
  for (const auto& a : rollouts) store.record_act("rollout-apply", a);
  return static_cast<int>(kExitOk);
}

}  // namespace

int verb_apply(const Invocation& inv) {
  return guarded(inv, [&] {
    ParsedArgs args = parse_args(inv.args, {{"filename", 'f', true},
                                            {"kustomize", 'k', true},
                                            {"namespace", 'n', true},
                                            {"cluster", 0, true},
                                            {"restart-twin", 0, false}});
    std::vector<Batch> batches;
    // --cluster PROFILE records the cluster profile the state is placed on (a model's own
    // profile applies when a model is applied without --cluster).
    std::optional<std::string> cluster;
    if (auto c = args.value("cluster")) {
      std::error_code ec;
      if (!fs::is_regular_file(*c, ec))
        throw UsageError("the cluster profile \"" + *c + "\" does not exist");
      cluster = fs::absolute(*c).lexically_normal().string();
    }
    for (const std::string& f : args.values["filename"]) {
      Batch b;
      b.source = f;
      if (f == "-") {
        std::string text(std::istreambuf_iterator<char>(inv.in), {});
        b.resources = k8s::parse_resources(text, "STDIN");
      } else {
        std::error_code ec;
        if (!fs::exists(f, ec)) throw UsageError("the path \"" + f + "\" does not exist");
        b.resources = k8s::load_manifests(f);
        b.per_file_source = true;
      }
      batches.push_back(std::move(b));
    }
    for (const std::string& k : args.values["kustomize"]) {
      batches.push_back(Batch{k, read_kustomization(k), false});
    }
    for (const std::string& m : args.positional) {
      if (!topology::is_twin_index(m)) {
        throw UsageError("\"" + m +
                         "\" is not a model index (a twin.yaml or its directory)\n"
                         "  hint: use `kubetwin apply -f FILE|DIR|-` or `-k DIR` for manifests");
      }
      topology::TwinIndex index = topology::load_twin_index(m);
      if (!cluster) cluster = index.cluster;
      for (const topology::TwinEnvironment& env : index.environments) {
        for (const topology::TwinApplyStep& s : env.apply) {
          batches.push_back(
              Batch{s.path, s.kustomize ? read_kustomization(s.path) : k8s::load_manifests(s.path),
                    !s.kustomize});
        }
      }
    }
    if (batches.empty()) {
      throw UsageError("must specify one of -f and -k, or a model (twin.yaml or its directory)");
    }
    std::string ns_flag = args.value("namespace").value_or("");
    std::string fallback_ns = ns_flag.empty() ? "default" : ns_flag;
    // Every input is read before anything is written: bad input leaves the state untouched.
    for (Batch& b : batches) {
      for (k8s::Resource& r : b.resources) {
        std::string own = r.namespace_name();
        if (!ns_flag.empty() && !own.empty() && own != ns_flag) {
          inv.err << "error: the namespace from the provided object \"" << own
                  << "\" does not match the namespace \"" << ns_flag
                  << "\". You must pass '--namespace=" << own << "' to perform this operation.\n";
          return static_cast<int>(kExitCheckFailed);
        }
        std::string ns = effective_namespace(r, fallback_ns);
        if (!ns.empty() && own.empty()) {
          k8s::Node* meta = r.body.get("metadata");
          if (meta) meta->set("namespace", k8s::Node::scalar(ns, false, meta->location()));
        }
      }
    }
    topology::StateStore store = topology::StateStore::open(state_path(args));
    // A running twin (advanced since the last apply) is not carried over: say so, not silently.
    const topology::State before = store.load();
    const bool was_running = scenario::has_live_twin(before);
    if (was_running && !args.has("restart-twin")) {
      std::optional<std::string> explicit_cluster;
      if (args.value("cluster")) explicit_cluster = cluster;
      return apply_to_running_twin(inv, store, batches, explicit_cluster);
    }
    std::vector<std::pair<topology::AdmissionError, std::string>> errors;
    for (const Batch& b : batches) {
      topology::State state = store.load();
      std::string profile_path = cluster ? *cluster : state.cluster_profile;
      topology::ClusterProfile profile = load_cluster_profile(profile_path);
      std::vector<topology::PlannedApply> plan = topology::plan_apply(state, b.resources, profile);
      topology::StateChange change;
      change.source = b.source;
      change.cluster_profile = cluster;
      for (const topology::PlannedApply& p : plan) {
        if (p.action == topology::ApplyAction::kRejected) {
          std::string source = b.source == "-" ? "STDIN" : b.source;
          if (b.per_file_source && !p.resource.location().file().empty()) {
            source = p.resource.location().file();
          }
          errors.emplace_back(*p.error, source);
          continue;
        }
        inv.out << report::apply_line(p) << "\n";
        if (p.action != topology::ApplyAction::kUnchanged) change.upserts.push_back(p.resource);
      }
      store.commit(change);
    }
    if (was_running && store.load().applies.size() > before.applies.size()) {
      size_t acts = 0;
      for (const topology::ActRecord& a : before.acts)
        acts += a.at_ms >= before.live_start_ms() && a.verb != "advance" ? 1 : 0;
      inv.err << "Warning: the running twin (started at "
              << sim::format_duration(sim::millis(before.live_start_ms())) << ", now "
              << sim::format_duration(sim::millis(before.now_ms()))
              << ") starts afresh from the applied manifests; its " << acts
              << " earlier act(s) are history and are not replayed\n";
    }
    if (!errors.empty()) {
      inv.err << report::apply_errors(errors);
      // kubectl's lines name the field (but not a bad quantity's); the twin adds where it is.
      for (const auto& [e, source] : errors)
        if (e.at_field && e.where.line > 0)
          inv.err << "  at " << e.where.str() << (e.field.empty() ? "" : ": " + e.field) << "\n";
      return static_cast<int>(kExitCheckFailed);
    }
    return static_cast<int>(kExitOk);
  });
}

}  // namespace kubetwin::cli
