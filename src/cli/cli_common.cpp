// Helpers shared by the kubectl-shaped verbs: flags, state path, twin and model index loading.
#include "cli_common.hpp"

#include <algorithm>
#include <filesystem>

#include "kubetwin/k8s/loader.hpp"
#include "kubetwin/report/kubectl_kinds.hpp"

namespace kubetwin::cli {

namespace fs = std::filesystem;

std::optional<std::string> ParsedArgs::value(const std::string& name) const {
  auto it = values.find(name);
  if (it == values.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

ParsedArgs parse_args(std::span<const std::string> args, std::vector<FlagSpec> specs) {
  specs.push_back({"state", 0, true});
  ParsedArgs out;
  auto by_long = [&](const std::string& n) -> const FlagSpec* {
    for (const FlagSpec& s : specs) {
      if (n == s.long_name) return &s;
    }
    return nullptr;
  };
  auto by_short = [&](char c) -> const FlagSpec* {
    for (const FlagSpec& s : specs) {
      if (s.short_name == c) return &s;
    }
    return nullptr;
  };
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      out.has_rest = true;
      out.rest.assign(args.begin() + static_cast<long>(i) + 1, args.end());
      break;
    }
    if (a.size() > 2 && a.rfind("--", 0) == 0) {
      std::string name = a.substr(2);
      std::optional<std::string> inline_value;
      if (size_t eq = name.find('='); eq != std::string::npos) {
        inline_value = name.substr(eq + 1);
        name = name.substr(0, eq);
      }
      const FlagSpec* s = by_long(name);
      if (!s) throw UsageError("unknown flag: --" + name);
      if (!s->takes_value) {
        out.switches.insert(name);
        continue;
      }
      if (inline_value) {
        out.values[name].push_back(*inline_value);
      } else if (i + 1 < args.size()) {
        out.values[name].push_back(args[++i]);
      } else {
        throw UsageError("flag needs an argument: --" + name);
      }
      continue;
    }
    if (a.size() > 1 && a[0] == '-' && a != "-") {
      // Short flags, possibly grouped (-it) or with a glued value (-nprod).
      for (size_t j = 1; j < a.size(); ++j) {
        const FlagSpec* s = by_short(a[j]);
        if (!s) throw UsageError(std::string("unknown shorthand flag: '") + a[j] + "' in " + a);
        if (!s->takes_value) {
          out.switches.insert(s->long_name);
          continue;
        }
        std::string v = a.substr(j + 1);
        if (!v.empty() && v[0] == '=') v = v.substr(1);
        if (v.empty()) {
          if (i + 1 >= args.size()) {
            throw UsageError(std::string("flag needs an argument: '") + a[j] + "' in -" + a[j]);
          }
          v = args[++i];
        }
        out.values[s->long_name].push_back(v);
        break;
      }
      continue;
    }
    out.positional.push_back(a);
  }
  return out;
}

fs::path state_path(const ParsedArgs& args) {
  return topology::resolve_state_path(args.value("state"));
}

topology::ClusterProfile load_cluster_profile(const std::string& path) {
  if (path.empty()) return topology::single_node_cluster();
  std::string text = k8s::read_file(path);
  std::vector<k8s::Node> docs = k8s::parse_yaml_documents(text, path);
  if (docs.empty()) {
    k8s::SourceLocation where{std::make_shared<const std::string>(path), 0, 0};
    throw k8s::InputError(where, "the cluster profile is empty",
                          "write a `kind: ClusterProfile` document (see models/clusters/)");
  }
  return topology::cluster_profile_from_node(docs.front());
}

Twin load_twin(const fs::path& state_file, LiveMode live) {
  return twin_from_state(topology::StateStore::load_or_empty(state_file), live);
}

std::unique_ptr<scenario::LiveTwin> replay_running_twin(const topology::State& state,
                                                        const topology::Model& model) {
  const bool applied_while_running =
      std::any_of(state.acts.begin(), state.acts.end(), [&](const topology::ActRecord& a) {
        return a.verb == "apply" && a.at_ms >= state.live_start_ms();
      });
  if (!applied_while_running) return scenario::replay_live(state, model);
  // The World runs what the pods started with: the manifests before the applies it took.
  const topology::State base = scenario::live_base_state(state);
  k8s::ResourceList resources;
  for (const topology::StoredResource& r : base.resources) resources.push_back(r.resource);
  topology::BuildOptions options;
  options.sort_by_kind = false;
  const topology::Model base_model =
      topology::build_model(resources, load_cluster_profile(base.cluster_profile), options);
  return scenario::replay_live(state, base_model, -1, &model);
}

Twin twin_from_state(topology::State state, LiveMode live) {
  Twin twin;
  twin.state = std::move(state);
  k8s::ResourceList resources;
  for (const topology::StoredResource& r : twin.state.resources) resources.push_back(r.resource);
  topology::BuildOptions options;
  options.sort_by_kind = false;  // the state is already in apply order
  twin.model =
      topology::build_model(resources, load_cluster_profile(twin.state.cluster_profile), options);
  if (!twin.state.resources.empty() &&
      (live == LiveMode::kAlways || scenario::has_live_twin(twin.state))) {
    twin.live = replay_running_twin(twin.state, twin.model);
  }
  return twin;
}

std::string effective_namespace(const k8s::Resource& r, const std::string& fallback) {
  if (!report::is_namespaced_kind(r.kind(), r.group())) return "";
  std::string ns = r.namespace_name();
  return ns.empty() ? fallback : ns;
}

}  // namespace kubetwin::cli
