// `kubetwin check`: the static audit of a model index, kustomize directories, manifests or the
// applied state, printed as text, JSON or SARIF.
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "kubetwin/k8s/kustomize.hpp"
#include "kubetwin/k8s/loader.hpp"
#include "kubetwin/report/findings.hpp"
#include "kubetwin/topology/audit.hpp"
#include "kubetwin/topology/cluster.hpp"
#include "kubetwin/topology/model.hpp"
#include "kubetwin/topology/state_store.hpp"
#include "kubetwin/topology/twin_index.hpp"
#include "verb_functions.hpp"

namespace kubetwin::cli {

namespace {

constexpr const char* kCheckUsage =
    "usage: kubetwin check [MODEL | -k DIR | -f FILE|DIR]... [-o text|json|sarif] "
    "[--sarif FILE] [--cluster PROFILE] [--state PATH]";

struct CheckArgs {
  std::vector<std::string> models;                   // positionals
  std::vector<std::pair<bool, std::string>> inputs;  // (kustomize?, path), in order
  report::FindingsFormat format = report::FindingsFormat::kText;
  std::optional<std::string> sarif_file;
  std::optional<std::string> cluster;
  std::optional<std::string> state;
};

// Returns false (after printing why) on a usage mistake.
bool parse_check_args(const Invocation& inv, CheckArgs& out) {
  const auto& args = inv.args;
  auto bad = [&](const std::string& msg) {
    inv.err << "error: " << msg << "\n  hint: " << kCheckUsage << "\n";
    return false;
  };
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    std::optional<std::string> inline_value;
    if (a.starts_with("--") && a.find('=') != std::string::npos) {
      inline_value = a.substr(a.find('=') + 1);
      a = a.substr(0, a.find('='));
    }
    auto value = [&](std::string& v) {
      if (inline_value) {
        v = *inline_value;
        return true;
      }
      if (i + 1 >= args.size()) return false;
      v = args[++i];
      return true;
    };
    std::string v;
    if (a == "-k" || a == "--kustomize" || a == "-f" || a == "--filename") {
      if (!value(v)) return bad("flag needs an argument: " + a);
      out.inputs.emplace_back(a == "-k" || a == "--kustomize", v);
    } else if (a == "-o" || a == "--output") {
      if (!value(v)) return bad("flag needs an argument: " + a);
      if (!report::parse_findings_format(v, out.format))
        return bad("unknown output format \"" + v + "\" (text, json or sarif)");
    } else if (a == "--sarif") {
      if (!value(v)) return bad("flag needs an argument: --sarif");
      out.sarif_file = v;
    } else if (a == "--cluster") {
      if (!value(v)) return bad("flag needs an argument: --cluster");
      out.cluster = v;
    } else if (a == "--state") {
      if (!value(v)) return bad("flag needs an argument: --state");
      out.state = v;
    } else if (a == "-h" || a == "--help") {
      inv.out << kCheckUsage << "\n";
      return false;
    } else if (a.size() > 1 && a.front() == '-') {
      return bad("unknown flag: " + a);
    } else {
      out.models.push_back(a);
    }
  }
  if (!out.models.empty() && !out.inputs.empty())
    return bad("give either a MODEL or -k/-f paths, not both");
  return true;
}

topology::ClusterProfile load_profile(const std::string& path) {
  if (path.empty()) return topology::single_node_cluster();
  std::vector<k8s::Node> docs = k8s::parse_yaml_documents(k8s::read_file(path), path);
  if (docs.empty())
    throw k8s::InputError(k8s::SourceLocation{std::make_shared<const std::string>(path), 0, 0},
                          "the cluster profile is empty", "see models/clusters/local.yaml");
  return topology::cluster_profile_from_node(docs.front());
}

k8s::ResourceList load_path(bool kustomize, const std::string& path) {
  return kustomize ? k8s::build_kustomization(path) : k8s::load_manifests(path);
}

}  // namespace

int verb_check(const Invocation& inv) {
  CheckArgs args;
  if (!parse_check_args(inv, args)) {
    for (const std::string& a : inv.args)
      if (a == "-h" || a == "--help") return kExitOk;
    return kExitBadInput;
  }
  topology::AuditContext context;
  std::string cluster_path = args.cluster.value_or("");
  std::string target;
  topology::BuildOptions build;
  if (!args.models.empty()) {
    for (const std::string& m : args.models) {
      target += (target.empty() ? "" : " ") + m;
      if (topology::is_twin_index(m)) {
        const topology::TwinIndex index = topology::load_twin_index(m);
        if (!args.cluster && cluster_path.empty()) cluster_path = index.cluster;
        topology::AuditContext part = topology::audit_context(index);
        context.applied.insert(context.applied.end(), part.applied.begin(), part.applied.end());
        for (topology::AuditEnvironment& e : part.environments)
          context.environments.push_back(std::move(e));
      } else {
        // A plain path: a kustomization directory or manifests.
        k8s::ResourceList r = load_path(k8s::is_kustomization_dir(m), m);
        context.applied.insert(context.applied.end(), r.begin(), r.end());
      }
    }
  } else if (!args.inputs.empty()) {
    for (const auto& [kustomize, path] : args.inputs) {
      target += std::string(target.empty() ? "" : " ") + (kustomize ? "-k " : "-f ") + path;
      k8s::ResourceList r = load_path(kustomize, path);
      context.applied.insert(context.applied.end(), r.begin(), r.end());
    }
  } else {
    const auto state_file = topology::resolve_state_path(args.state);
    const topology::State state = topology::StateStore::load_or_empty(state_file);
    target = "state " + state_file.string();
    for (const topology::StoredResource& r : state.resources) context.applied.push_back(r.resource);
    if (!args.cluster) cluster_path = state.cluster_profile;
    build.sort_by_kind = false;  // the state is in apply order already
  }
  const topology::Model model =
      topology::build_model(context.applied, load_profile(cluster_path), build);
  std::vector<topology::Finding> findings = topology::audit(model, context);
  report::relativise_paths(findings);
  inv.out << report::render_findings(findings, target, args.format);
  if (args.sarif_file) {
    std::ofstream f(*args.sarif_file);
    f << report::render_findings_sarif(findings, target);
    if (!f) {
      inv.err << "error: cannot write " << *args.sarif_file << "\n";
      return kExitBadInput;
    }
  }
  return topology::count_findings(findings).errors > 0 ? kExitCheckFailed : kExitOk;
}

}  // namespace kubetwin::cli
