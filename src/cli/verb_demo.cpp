// `kubetwin demo`: the main job of `make run`.
#include <ostream>

#include "verb_functions.hpp"

namespace kubetwin::cli {

int verb_demo(const Invocation& inv) {
  inv.out << "kubetwin\n";
  return kExitOk;
}

}  // namespace kubetwin::cli
