// Helpers shared by the topology sources: stable hashes, names, base64, $(VAR) expansion.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "kubetwin/k8s/node.hpp"

namespace kubetwin::topology::internal {

// FNV-1a 64: stable across platforms and runs (never std::hash).
uint64_t stable_hash(std::string_view text, uint64_t seed = 0);

// Kubernetes' SafeEncodeString alphabet (no vowels, no confusable digits):
// "bcdfghjklmnpqrstvwxz2456789".
std::string safe_encode(uint64_t value, std::size_t length);

// Base64 (standard alphabet, padding optional); false when invalid.
bool base64_decode(std::string_view in, std::string& out);

// The kubelet's $(VAR) expansion: `$(NAME)` -> lookup(NAME) when found, kept verbatim when not;
// `$$` -> `$`. Each unexpanded reference name is appended to `missing`.
std::string expand_vars(std::string_view text,
                        const std::function<const std::string*(const std::string&)>& lookup,
                        std::vector<std::string>* missing);

// Scalar text at key, or "" (null-safe).
std::string text_at(const k8s::Node* n, std::string_view key);
// Parses a string map (labels, selectors, ConfigMap data).
std::map<std::string, std::string> string_map(const k8s::Node* n);

// IPv4 helpers.
bool parse_ipv4(std::string_view text, uint32_t& out);
std::string format_ipv4(uint32_t ip);
// "10.0.0.0/8" contains ip.
bool cidr_contains(std::string_view cidr, uint32_t ip);

}  // namespace kubetwin::topology::internal
