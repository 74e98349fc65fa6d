// `kubetwin apply` text: success lines and the API server's errors, as kubectl prints them.
#include "kubetwin/report/kubectl_apply.hpp"

#include "kubetwin/report/kubectl_kinds.hpp"

namespace kubetwin::report {

std::string apply_line(const topology::PlannedApply& planned) {
  return kubectl_object_name(planned.key.kind, planned.key.group, planned.key.name) + " " +
         topology::to_string(planned.action);
}

std::string apply_errors(
    const std::vector<std::pair<topology::AdmissionError, std::string>>& errors) {
  if (errors.size() == 1 && errors.front().first.reason == "Invalid") {
    return "The " + errors.front().first.message + "\n";
  }
  std::string out;
  for (const auto& [e, source] : errors) {
    out += "Error from server (" + e.reason + "): error when creating \"" + source +
           "\": " + e.message + "\n";
  }
  return out;
}

}  // namespace kubetwin::report
