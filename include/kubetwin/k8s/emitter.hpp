// Emitter: resources -> YAML text exactly as `kubectl kustomize` prints them.
//
// kustomize serialises through JSON and sigs.k8s.io/yaml (the go-yaml v2 emitter); this emitter
// reproduces the visible effects (kustomize-facts.md section 8): keys in go-yaml's natural
// order, numbers normalised (1.0 -> 1, 1e3 -> 1000, 0x10 -> 16), unquoted dates to RFC 3339,
// YAML 1.1 quoting ("yes", "0123"), single quotes where possible, `|`/`|-`/`|+` for multi-line
// strings, folding at spaces past column 80, empty metadata.annotations dropped.
// The output depends only on the value tree (not on source quoting except for typing).
#pragma once

#include <string>
#include <string_view>

#include "kubetwin/k8s/node.hpp"
#include "kubetwin/k8s/resource.hpp"

namespace kubetwin::k8s {

// One document, without a `---` separator.
std::string emit_document(const Node& doc);

// Documents joined with "---\n", no leading separator (kubectl kustomize's stream).
std::string emit_stream(const ResourceList& resources);

// go-yaml v2's key order ("natural" order: letters before other characters, digit runs compared
// as numbers). Exposed for tests and for callers that must list keys as kubectl does.
bool natural_key_less(std::string_view a, std::string_view b);

// The JSON value kustomize's round trip gives a scalar: "1" for `1.0`, "1000" for `1e3`,
// "2024-01-01T00:00:00Z" for an unquoted date; strings unchanged. Sets *is_string.
std::string normalized_scalar(const Node& scalar, bool* is_string);

}  // namespace kubetwin::k8s
