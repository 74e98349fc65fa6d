// Diagnostics: formatting of locations and input errors.
#include "kubetwin/k8s/diagnostic.hpp"

namespace kubetwin::k8s {

const std::string& SourceLocation::file() const {
  static const std::string kNone;
  return path ? *path : kNone;
}

std::string SourceLocation::str() const {
  if (!path) return "<generated>";
  if (line <= 0) return *path;
  return *path + ":" + std::to_string(line) + ":" + std::to_string(column > 0 ? column : 1);
}

std::string Diagnostic::format() const {
  std::string out = where.str() + ": " + message;
  if (!hint.empty()) out += "\n  hint: " + hint;
  return out;
}

InputError::InputError(Diagnostic d) : std::runtime_error(d.format()), diagnostic_(std::move(d)) {}

InputError::InputError(SourceLocation where, std::string message, std::string hint)
    : InputError(Diagnostic{std::move(where), std::move(message), std::move(hint)}) {}

}  // namespace kubetwin::k8s
