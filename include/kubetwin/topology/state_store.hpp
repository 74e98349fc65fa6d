// StateStore: the twin's applied state, a SQLite file holding what was applied, in order.
//
// The state is what `kubetwin apply` has accepted: every resource document with its source
// location (path:line:col of each value survives a round trip), the apply sequence number that
// created it and the one that last changed it, the twin time of those applies, and the cluster
// profile in use. Resources are identified like the API server does: (group, kind, namespace,
// name). Every write runs in one transaction: a failed write leaves the previous state intact.
// Not safe for concurrent writers in one process; SQLite's file lock serialises processes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kubetwin/k8s/resource.hpp"
#include "kubetwin/topology/cluster.hpp"
#include "kubetwin/topology/model.hpp"

struct sqlite3;

namespace kubetwin::topology {

// The identity of a resource in the state: (group, kind, namespace, name).
struct ResourceKey {
  std::string group;  // "" for core
  std::string kind;
  std::string namespace_name;  // "" for cluster-scoped kinds
  std::string name;

  auto operator<=>(const ResourceKey&) const = default;
};

// One resource as the state holds it.
struct StoredResource {
  k8s::Resource resource;
  ResourceKey key;
  int64_t created_seq = 0;         // the apply that created it
  int64_t updated_seq = 0;         // the apply that last changed it
  int64_t created_at_seconds = 0;  // twin time of the creating apply
};

// One apply as recorded: its sequence number, twin time, and what was applied (a path or "-").
struct ApplyRecord {
  int64_t seq = 0;
  int64_t at_seconds = 0;
  std::string source;
};

// One act on the running twin, journaled in order with the twin time it was taken at (the twin's
// now then): `advance`, a pod deleted, a node cordoned or drained, a fault, a load set. The live
// twin (scenario/live.hpp) replays them; the state stores them as given.
struct ActRecord {
  int64_t seq = 0;
  int64_t at_ms = 0;
  std::string verb;  // "advance", "delete-pod", "cordon", "uncordon", "drain", "fault", ...
  std::vector<std::string> args;
};

// Everything the state holds, loaded at once (states are small: thousands of resources at most).
struct State {
  std::vector<StoredResource> resources;  // in creation order
  std::vector<ApplyRecord> applies;       // in order
  std::vector<ActRecord> acts;            // in order
  std::string cluster_profile;            // path of the cluster profile, "" for the built-in one
  // The twin's clock. Each apply is one step of kApplyStepSeconds, starting at 0; the running
  // twin starts one step after the last apply (live_start_ms), and each `advance` act moves
  // "now" forward from there. Without advances "now" is one step after the last apply.
  int64_t now_seconds() const { return now_ms() / 1000; }
  int64_t now_ms() const;
  int64_t live_start_ms() const;
  const StoredResource* find(const ResourceKey& key) const;
};

// One batch of changes, written in a single transaction by StateStore::commit.
struct StateChange {
  std::string source;                  // what was applied ("k8s/overlays/dev", "-")
  std::vector<k8s::Resource> upserts;  // created or configured, in apply order
  std::vector<ResourceKey> deletes;
  std::optional<std::string> cluster_profile;  // set when the apply names one
  bool record_apply = true;  // false for deletes: no apply sequence number is consumed
};

inline constexpr int64_t kApplyStepSeconds = 60;

// The identity of a resource; namespace_name is taken as given (callers default it first).
ResourceKey key_of(const k8s::Resource& r);

// Resolves the state path: --state value if given, else $KUBETWIN_STATE, else .kubetwin/state.db.
std::filesystem::path resolve_state_path(const std::optional<std::string>& flag_value);

class StateStore {
 public:
  // Opens (creating if needed, with its parent directory) the state file. Throws k8s::InputError
  // naming the path when it cannot be created or is not a kubetwin state.
  static StateStore open(const std::filesystem::path& path);
  // Opens an existing state read-only; returns an empty State view when the file does not exist.
  static State load_or_empty(const std::filesystem::path& path);

  StateStore(StateStore&&) noexcept;
  StateStore& operator=(StateStore&&) noexcept;
  ~StateStore();

  State load() const;
  // Applies the change in one transaction. Upserts keep their creation sequence when the
  // resource already exists. Returns the apply sequence number used (0 when none was recorded).
  int64_t commit(const StateChange& change);
  // Journals an act at the twin's current time (State::now_ms). Returns it as recorded.
  ActRecord record_act(const std::string& verb, const std::vector<std::string>& args);
  // Removes a journaled act (one that turned out not to run: a load whose target is unknown).
  void drop_act(int64_t seq);
  // Empties the state (resources, applies, acts, cluster profile) in one transaction.
  void reset();

  const std::filesystem::path& path() const { return path_; }

 private:
  StateStore(std::filesystem::path path, sqlite3* db);
  std::filesystem::path path_;
  struct Closer {
    void operator()(sqlite3* db) const;
  };
  std::unique_ptr<sqlite3, Closer> db_;
};

// What `apply` does with one incoming resource, as kubectl reports it.
enum class ApplyAction { kCreated, kConfigured, kUnchanged, kRejected };
const char* to_string(ApplyAction action);  // "created", "configured", "unchanged", "rejected"

struct PlannedApply {
  k8s::Resource resource;
  ResourceKey key;
  ApplyAction action = ApplyAction::kCreated;
  std::optional<AdmissionError> error;  // set when kRejected: the API server's refusal
};

// Decides, for each incoming resource (namespaces already defaulted by the caller), whether it
// is created, configured, unchanged (structurally equal to the stored document, locations
// ignored) or rejected by admission. Admission is build_model over the state with the incoming
// resources in place (replacing stored ones with the same key, new ones appended in order), so
// NodePort collisions, missing namespaces and quotas are judged against everything applied.
std::vector<PlannedApply> plan_apply(const State& state, const k8s::ResourceList& incoming,
                                     const ClusterProfile& cluster);

// The body encoding used in the state (exposed for tests): a compact text form that keeps every
// node's kind, scalar text, quoting and source location.
std::string encode_node(const k8s::Node& node);
k8s::Node decode_node(std::string_view encoded);

}  // namespace kubetwin::topology
