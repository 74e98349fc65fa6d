// Helpers shared by the kubectl-shaped verbs: flag parsing, the state path, loading the twin.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "kubetwin/cli/verbs.hpp"
#include "kubetwin/k8s/resource.hpp"
#include "kubetwin/scenario/live.hpp"
#include "kubetwin/topology/cluster.hpp"
#include "kubetwin/topology/model.hpp"
#include "kubetwin/topology/state_store.hpp"

namespace kubetwin::cli {

// A usage mistake (unknown flag, missing value): printed as "error: MESSAGE", exit 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct FlagSpec {
  const char* long_name;  // "namespace"
  char short_name;        // 'n', or 0
  bool takes_value;
};

// Arguments split into flags and positionals; "--" ends flags (the rest is kept apart).
struct ParsedArgs {
  std::vector<std::string> positional;
  std::map<std::string, std::vector<std::string>> values;  // by long name, in order
  std::set<std::string> switches;
  std::vector<std::string> rest;  // after "--"
  bool has_rest = false;

  bool has(const std::string& name) const { return switches.count(name) || values.count(name); }
  std::optional<std::string> value(const std::string& name) const;  // the last one given
};

// Parses `args` against `specs` (plus --state, always accepted). Accepts `--name=value`,
// `--name value`, `-n value`, `-nvalue`. Throws UsageError with cobra's words.
ParsedArgs parse_args(std::span<const std::string> args, std::vector<FlagSpec> specs);

// Runs a verb body, mapping UsageError to "error: ..." and exit 2.
template <typename Fn>
int guarded(const Invocation& inv, Fn&& body) {
  try {
    return body();
  } catch (const UsageError& e) {
    inv.err << "error: " << e.what() << "\n";
    return kExitBadInput;
  }
}

// The state file for this invocation (--state, $KUBETWIN_STATE, .kubetwin/state.db).
std::filesystem::path state_path(const ParsedArgs& args);

// A cluster profile file (kind: ClusterProfile), or the built-in single node when path is "".
topology::ClusterProfile load_cluster_profile(const std::string& path);

// The twin as the read verbs see it: the state, the model built from it, and the running twin
// replayed to its now (scenario/live.hpp) when the state was advanced or `live` asks for it.
struct Twin {
  topology::State state;
  topology::Model model;
  std::unique_ptr<scenario::LiveTwin> live;
};
enum class LiveMode { kIfAdvanced, kAlways };
Twin load_twin(const std::filesystem::path& state_file, LiveMode live = LiveMode::kIfAdvanced);
// The twin of a state already loaded (the model built from its resources, in apply order; the
// running twin replayed as load_twin does).
Twin twin_from_state(topology::State state, LiveMode live = LiveMode::kIfAdvanced);
// scenario::replay_live on the World the running twin started with: when applies were taken
// while it ran (scenario::live_base_state), the model of the manifests before them.
std::unique_ptr<scenario::LiveTwin> replay_running_twin(const topology::State& state,
                                                        const topology::Model& model);

// `kubetwin delete pod NAME`: journals the pod's deletion on the running twin (verb_live.cpp).
int delete_pod_act(const Invocation& inv, const ParsedArgs& args, const std::string& name,
                   const std::string& ns);

// The namespace a resource lands in: its own, else `fallback` for namespaced kinds, else "".
std::string effective_namespace(const k8s::Resource& r, const std::string& fallback);

}  // namespace kubetwin::cli
