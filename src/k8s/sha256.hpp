// SHA-256 (FIPS 180-4), for kustomize's generator name hashes. Internal to the k8s layer.
#pragma once

#include <string>
#include <string_view>

namespace kubetwin::k8s::internal {

// Lowercase hex digest of data.
std::string sha256_hex(std::string_view data);

}  // namespace kubetwin::k8s::internal
