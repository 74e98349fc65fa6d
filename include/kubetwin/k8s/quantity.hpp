// Quantities: Kubernetes resource amounts ("250m", "1.5", "64Mi", "1G", "20Gi", "1e3") as integers.
//
// Parsing follows k8s.io/apimachinery resource.ParseQuantity: the same grammar, the same suffixes
// (binary Ki..Ei, decimal n u m k M G T P E, exponents e3/E-2) and the API server's error text.
// Values are kept exactly in milli-units; conversions to whole units round up, as the API's
// Value() and MilliValue() do. Sizes are bounded by int64 milli-units (about 9.2 PB).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "kubetwin/k8s/node.hpp"

namespace kubetwin::k8s {

class Quantity {
 public:
  Quantity() = default;
  static Quantity from_milli(int64_t milli) { return Quantity(milli); }

  // Milli-units: cpu "250m" -> 250; memory "1Ki" -> 1024000.
  int64_t milli() const { return milli_; }
  // Whole units rounded up: cpu "250m" -> 1; memory "64Mi" -> 67108864 (bytes).
  int64_t value() const;

  auto operator<=>(const Quantity&) const = default;

 private:
  explicit Quantity(int64_t milli) : milli_(milli) {}
  int64_t milli_ = 0;
};

// The API server's message for text that is not a quantity.
inline constexpr std::string_view kQuantityFormatError =
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

// Parses text; on failure returns nullopt and, if `error` is given, the API server's message.
std::optional<Quantity> try_parse_quantity(std::string_view text, std::string* error = nullptr);

// Parses a scalar node (numbers are accepted as written); throws InputError at the node's
// location, naming `field` (e.g. "resources.requests.cpu").
Quantity parse_quantity(const Node& node, std::string_view field);

}  // namespace kubetwin::k8s
