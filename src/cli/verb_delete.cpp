// `kubetwin delete KIND NAME [-n NS]` and `delete -f FILE|DIR|- | -k DIR`: removes resources.
#include <filesystem>
#include <iterator>
#include <ostream>

#include "cli_common.hpp"
#include "kubetwin/k8s/kustomize.hpp"
#include "kubetwin/k8s/loader.hpp"
#include "kubetwin/report/kubectl_kinds.hpp"
#include "verb_functions.hpp"

namespace kubetwin::cli {

int verb_delete(const Invocation& inv) {
  return guarded(inv, [&] {
    namespace fs = std::filesystem;
    ParsedArgs args = parse_args(inv.args, {{"filename", 'f', true},
                                            {"kustomize", 'k', true},
                                            {"namespace", 'n', true},
                                            {"grace-period", 0, true}});
    std::string ns_flag = args.value("namespace").value_or("default");
    // A pod is an act on the running twin: its controller replaces it (verb_live.cpp).
    if (args.positional.size() == 2 && args.values["filename"].empty() &&
        args.values["kustomize"].empty()) {
      const report::ResourceType* type = report::find_resource_type(args.positional[0]);
      if (type && std::string(type->plural) == "pods")
        return delete_pod_act(inv, args, args.positional[1], ns_flag);
    }
    if (args.positional.size() == 1 && args.positional[0].rfind("pod/", 0) == 0)
      return delete_pod_act(inv, args, args.positional[0].substr(4), ns_flag);
    // What to delete: keys, with the type used to name them in messages.
    std::vector<topology::ResourceKey> wanted;
    for (const std::string& f : args.values["filename"]) {
      k8s::ResourceList list;
      if (f == "-") {
        std::string text(std::istreambuf_iterator<char>(inv.in), {});
        list = k8s::parse_resources(text, "STDIN");
      } else {
        std::error_code ec;
        if (!fs::exists(f, ec)) throw UsageError("the path \"" + f + "\" does not exist");
        list = k8s::load_manifests(f);
      }
      for (const k8s::Resource& r : list) {
        wanted.push_back({r.group(), r.kind(), effective_namespace(r, ns_flag), r.name()});
      }
    }
    for (const std::string& k : args.values["kustomize"]) {
      if (!k8s::is_kustomization_dir(k)) {
        throw UsageError(
            "unable to find one of 'kustomization.yaml', 'kustomization.yml' or "
            "'Kustomization' in directory '" +
            k + "'");
      }
      for (const k8s::Resource& r : k8s::build_kustomization(k)) {
        wanted.push_back({r.group(), r.kind(), effective_namespace(r, ns_flag), r.name()});
      }
    }
    if (wanted.empty()) {
      if (args.positional.size() != 2) {
        throw UsageError("delete needs KIND NAME, or -f FILE|DIR|- or -k DIR");
      }
      const report::ResourceType* type = report::find_resource_type(args.positional[0]);
      if (!type) {
        inv.err << "error: the server doesn't have a resource type \"" << args.positional[0]
                << "\"\n";
        return static_cast<int>(kExitCheckFailed);
      }
      wanted.push_back(
          {type->group, type->kind, type->namespaced ? ns_flag : "", args.positional[1]});
    }
    topology::StateStore store = topology::StateStore::open(state_path(args));
    topology::State state = store.load();
    topology::StateChange change;
    change.record_apply = false;
    std::string errors;
    for (const topology::ResourceKey& k : wanted) {
      const report::ResourceType* type = report::resource_type_for_kind(k.kind, k.group);
      std::string plural = type ? type->qualified_plural() : k.kind;
      std::string shown = report::kubectl_object_name(k.kind, k.group, "");
      shown.pop_back();
      if (!state.find(k)) {
        errors += "Error from server (NotFound): " + plural + " \"" + k.name + "\" not found\n";
        continue;
      }
      change.deletes.push_back(k);
      // Deleting a namespace deletes what lives in it, as the namespace controller does.
      if (k.kind == "Namespace" && k.group.empty()) {
        for (const topology::StoredResource& r : state.resources) {
          if (r.key.namespace_name == k.name) change.deletes.push_back(r.key);
        }
      }
      inv.out << shown << " \"" << k.name << "\" deleted\n";
    }
    store.commit(change);
    inv.err << errors;
    return static_cast<int>(errors.empty() ? kExitOk : kExitCheckFailed);
  });
}

}  // namespace kubetwin::cli
