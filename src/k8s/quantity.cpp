// Quantities: exact parsing of Kubernetes resource amounts into milli-units.
#include "kubetwin/k8s/quantity.hpp"

#include "kubetwin/k8s/loader.hpp"

namespace kubetwin::k8s {

namespace {

using Int128 = __int128;
constexpr Int128 kMax = Int128(INT64_MAX);

bool is_ascii_digit(char c) {
  return c >= '0' && c <= '9';
}

Int128 pow10(int n) {
  Int128 r = 1;
  while (n-- > 0) r *= 10;
  return r;
}

}  // namespace

int64_t Quantity::value() const {
  if (milli_ >= 0) return milli_ / 1000 + (milli_ % 1000 != 0 ? 1 : 0);
  return milli_ / 1000;  // toward +inf for negatives
}

std::optional<Quantity> try_parse_quantity(std::string_view s, std::string* error) {
  auto fail = [&](std::string_view msg) -> std::optional<Quantity> {
    if (error) *error = std::string(msg);
    return std::nullopt;
  };
  if (s.empty()) return fail("quantities must not be empty");
  size_t i = 0;
  bool negative = false;
  if (s[i] == '+' || s[i] == '-') negative = s[i++] == '-';
  // Number: digits with at most one '.', at least one digit.
  Int128 mantissa = 0;
  int frac_digits = 0, digits = 0;
  bool seen_dot = false;
  for (; i < s.size() && (is_ascii_digit(s[i]) || s[i] == '.'); ++i) {
    if (s[i] == '.') {
      if (seen_dot) return fail(kQuantityFormatError);
      seen_dot = true;
      continue;
    }
    if (digits >= 30) {  // keep exactness bounded; such precision never matters
      if (!seen_dot) return fail("quantity is too large");
      continue;
    }
    mantissa = mantissa * 10 + (s[i] - '0');
    ++digits;
    if (seen_dot) ++frac_digits;
  }
  if (digits == 0) return fail(kQuantityFormatError);
  std::string_view suffix = s.substr(i);
  {  // The grammar's suffix part: [eEinumkKMGTP]*[-+]?[0-9]*
    size_t j = 0;
    while (j < suffix.size() &&
           std::string_view("eEinumkKMGTP").find(suffix[j]) != std::string_view::npos)
      ++j;
    if (j < suffix.size() && (suffix[j] == '+' || suffix[j] == '-')) ++j;
    while (j < suffix.size() && is_ascii_digit(suffix[j])) ++j;
    if (j != suffix.size()) return fail(kQuantityFormatError);
  }
  int exp10 = 0, exp2 = 0;
  if (suffix.empty()) {
  } else if (suffix.size() == 2 && suffix[1] == 'i') {
    const std::string_view kBinary = "KMGTPE";
    auto pos = kBinary.find(suffix[0]);
    if (pos == std::string_view::npos) return fail("unable to parse quantity's suffix");
    exp2 = 10 * int(pos + 1);
  } else if (suffix.size() == 1 &&
             std::string_view("numkMGTPE").find(suffix[0]) != std::string_view::npos) {
    switch (suffix[0]) {
      case 'n':
        exp10 = -9;
        break;
      case 'u':
        exp10 = -6;
        break;
      case 'm':
        exp10 = -3;
        break;
      case 'k':
        exp10 = 3;
        break;
      case 'M':
        exp10 = 6;
        break;
      case 'G':
        exp10 = 9;
        break;
      case 'T':
        exp10 = 12;
        break;
      case 'P':
        exp10 = 15;
        break;
      case 'E':
        exp10 = 18;
        break;
    }
  } else if (suffix[0] == 'e' || suffix[0] == 'E') {
    size_t j = 1;
    bool neg_exp = false;
    if (j < suffix.size() && (suffix[j] == '+' || suffix[j] == '-')) neg_exp = suffix[j++] == '-';
    if (j >= suffix.size()) return fail(kQuantityFormatError);
    int e = 0;
    for (; j < suffix.size(); ++j) {
      if (!is_ascii_digit(suffix[j])) return fail(kQuantityFormatError);
      if (e < 1000) e = e * 10 + (suffix[j] - '0');
    }
    exp10 = neg_exp ? -e : e;
  } else {
    return fail("unable to parse quantity's suffix");
  }
  // milli = mantissa * 2^exp2 * 10^(exp10 + 3 - frac_digits), rounded up.
  int scale = exp10 + 3 - frac_digits;
  Int128 value = mantissa;
  if (value != 0) {
    if (exp2 > 0) {
      // Checked before shifting and multiplying: a 30-digit mantissa times 2^60 or 10^20 would
      // overflow even 128 bits (found by tests/fuzz quantity: "-2222222222222222222222P").
      if (exp2 >= 64 || value > (Int128(kMax) * 1000) >> exp2) return fail("quantity is too large");
      value <<= exp2;
    }
    if (scale > 0) {
      if (scale > 20 || value > Int128(kMax) / pow10(scale)) return fail("quantity is too large");
      value *= pow10(scale);
    } else if (scale < 0) {
      if (scale < -36) {
        value = 1;
      } else {
        Int128 d = pow10(-scale);
        value = value / d + (value % d != 0 ? 1 : 0);
      }
    }
    if (value > kMax) return fail("quantity is too large");
  }
  int64_t milli = int64_t(value);
  return Quantity::from_milli(negative ? -milli : milli);
}

Quantity parse_quantity(const Node& node, std::string_view field) {
  if (!node.is_scalar())
    throw InputError(node.location(),
                     std::string(field) + ": a quantity must be a string or a number, found " +
                         describe_node(node),
                     "write e.g. 250m, 0.5, 64Mi or 1Gi");
  std::string error;
  auto q = try_parse_quantity(node.text(), &error);
  if (!q)
    throw InputError(
        node.location(), std::string(field) + ": Invalid value: \"" + node.text() + "\": " + error,
        "cpu takes cores (1, 0.5, 250m); memory and storage take bytes (64Mi, 1Gi, 1G)");
  return *q;
}

}  // namespace kubetwin::k8s
