// Diagnostics: a user's mistake as a value with path:line:col, a sentence and a hint.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace kubetwin::k8s {

// Where a value came from. Lines and columns are 1-based; 0 means "unknown" (a generated value).
struct SourceLocation {
  std::shared_ptr<const std::string> path;  // shared by every node of one file
  int line = 0;
  int column = 0;

  const std::string& file() const;
  // "path:line:col", "path" when the position is unknown, "<generated>" with no path.
  std::string str() const;
};

enum class Severity { kError, kWarning, kInfo };

// One finding about an input: rendered as "path:line:col: message\n  hint: hint".
struct Diagnostic {
  SourceLocation where;
  std::string message;
  std::string hint;
  Severity severity = Severity::kError;

  std::string format() const;
};

// Thrown at the edges (loading, parsing, validation) for bad input; the CLI maps it to exit code 2.
// Never thrown on a simulation hot path.
class InputError : public std::runtime_error {
 public:
  explicit InputError(Diagnostic d);
  InputError(SourceLocation where, std::string message, std::string hint);
  const Diagnostic& diagnostic() const { return diagnostic_; }

 private:
  Diagnostic diagnostic_;
};

}  // namespace kubetwin::k8s
