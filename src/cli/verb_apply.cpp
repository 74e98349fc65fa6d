// `kubetwin apply -k DIR | -f FILE|DIR|- | MODEL`: kubectl apply onto the twin's state.
#include <filesystem>
#include <iterator>
#include <ostream>
#include <sstream>

#include "cli_common.hpp"
#include "kubetwin/k8s/kustomize.hpp"
#include "kubetwin/k8s/loader.hpp"
#include "kubetwin/report/kubectl_apply.hpp"
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

}  // namespace

int verb_apply(const Invocation& inv) {
  return guarded(inv, [&] {
    ParsedArgs args = parse_args(inv.args, {{"filename", 'f', true},
                                            {"kustomize", 'k', true},
                                            {"namespace", 'n', true},
                                            {"cluster", 0, true}});
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
