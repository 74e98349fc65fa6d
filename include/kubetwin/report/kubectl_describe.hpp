// `kubetwin describe`: kubectl describe's text for pods and services (kubectl-output.md section 4).
#pragma once

#include <string>

#include "kubetwin/report/kubectl_get.hpp"

namespace kubetwin::report {

// kind is a type alias as typed ("pod", "svc"...); NotFound and unsupported types are errors.
CommandOutput render_describe(const TwinView& view, const std::string& kind,
                              const std::string& name, const std::string& ns);

}  // namespace kubetwin::report
