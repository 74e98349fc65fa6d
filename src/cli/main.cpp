// kubetwin: the process entry point.
#include <iostream>
#include <string>
#include <vector>

#include "kubetwin/cli/verbs.hpp"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return kubetwin::cli::run_main(args, std::cin, std::cout, std::cerr);
}
