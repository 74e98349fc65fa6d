// `kubetwin reset`: empties the twin's state (resources, applies, cluster profile).
#include <ostream>

#include "cli_common.hpp"
#include "verb_functions.hpp"

namespace kubetwin::cli {

int verb_reset(const Invocation& inv) {
  return guarded(inv, [&] {
    ParsedArgs args = parse_args(inv.args, {});
    if (!args.positional.empty()) throw UsageError("reset takes no arguments");
    topology::StateStore store = topology::StateStore::open(state_path(args));
    store.reset();
    inv.out << "state reset: " << store.path().string() << "\n";
    return static_cast<int>(kExitOk);
  });
}

}  // namespace kubetwin::cli
