// JSON string quoting shared by every layer that writes JSON (kustomize's hashes, kubectl -o json,
// findings, run reports).
#pragma once

#include <string>
#include <string_view>

namespace kubetwin::k8s {

enum class JsonEscape {
  kPlain,  // RFC 8259: quotes, backslash, control characters
  kGo,     // Go's encoding/json as kubectl and kustomize use it: also <, >, & and U+2028/U+2029
};

// `text` as a quoted JSON string. Bytes >= 0x80 pass through (UTF-8 stays UTF-8).
std::string json_quote(std::string_view text, JsonEscape style = JsonEscape::kPlain);

}  // namespace kubetwin::k8s
