// `kubetwin kustomize DIR`: renders a kustomization exactly as `kubectl kustomize DIR` prints it.
#include <ostream>

#include "kubetwin/k8s/emitter.hpp"
#include "kubetwin/k8s/kustomize.hpp"
#include "verb_functions.hpp"

namespace kubetwin::cli {

int verb_kustomize(const Invocation& inv) {
  if (inv.args.size() != 1 || inv.args[0].starts_with("-")) {
    inv.err << "usage: kubetwin kustomize DIR\n  hint: DIR holds a kustomization.yaml\n";
    return kExitBadInput;
  }
  std::vector<std::string> warnings;
  k8s::KustomizeOptions options;
  options.warnings = &warnings;
  k8s::ResourceList resources = k8s::build_kustomization(inv.args[0], options);
  for (const std::string& w : warnings) inv.err << w << "\n";
  inv.out << k8s::emit_stream(resources);
  return kExitOk;
}

}  // namespace kubetwin::cli
