// Helpers for scenario-layer tests: one-line YAML values, captured InputErrors, testdata paths.
#pragma once

#include <string>

#include "kubetwin/k8s/diagnostic.hpp"
#include "kubetwin/k8s/loader.hpp"
#include "kubetwin/k8s/node.hpp"

namespace kubetwin::scenario::testing {

// The value of `v:` in a one-line document named values.yaml: errors point at line 1, col 4.
inline k8s::Node value(const std::string& yaml) {
  auto docs = k8s::parse_yaml_documents("v: " + yaml + "\n", "values.yaml");
  return *docs.at(0).get("v");
}

// The formatted InputError thrown by f, or "no error".
template <typename F>
std::string error_of(F f) {
  try {
    f();
  } catch (const k8s::InputError& e) {
    return e.diagnostic().format();
  }
  return "no error";
}

inline std::string source_path(const std::string& relative) {
  return std::string(KUBETWIN_SOURCE_DIR) + "/" + relative;
}
inline std::string testdata(const std::string& name) {
  return source_path("tests/scenario/testdata/" + name);
}

}  // namespace kubetwin::scenario::testing
