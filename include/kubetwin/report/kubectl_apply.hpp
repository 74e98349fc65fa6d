// `kubetwin apply` text: kubectl's per-object lines and its collected errors (section 3).
#pragma once

#include <string>
#include <vector>

#include "kubetwin/topology/model.hpp"
#include "kubetwin/topology/state_store.hpp"

namespace kubetwin::report {

// "deployment.apps/shop created", "service/shop unchanged".
std::string apply_line(const topology::PlannedApply& planned);

// The errors kubectl prints at the end, one per line. `source` is the file, directory or
// "STDIN" the object came from. Exactly one Invalid error prints `The <message>`.
std::string apply_errors(
    const std::vector<std::pair<topology::AdmissionError, std::string>>& errors);

}  // namespace kubetwin::report
