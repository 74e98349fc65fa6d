// Kubernetes quantities (250m, 1.5, 64Mi, 1G, 1e3) as the API server reads them, exactly.
#include <cctype>
#include <cstdint>
#include <regex>
#include <string>

#include "kubetwin/topology/model.hpp"

namespace kubetwin::topology {

namespace {

using Wide = __int128;

// The API server's quantity grammar (apimachinery resource.Quantity).
const std::regex& quantity_regex() {
  static const std::regex re(R"(^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$)");
  return re;
}

// value = mantissa * 10^exp10 * 2^exp2; ceil(value * scale).
bool parse_scaled(const std::string& text, int64_t scale, int64_t& out) {
  std::smatch m;
  if (!std::regex_match(text, m, quantity_regex())) return false;
  std::string number = m[1].str(), suffix = m[2].str();
  bool negative = false;
  if (!number.empty() && (number[0] == '+' || number[0] == '-')) {
    negative = number[0] == '-';
    number.erase(0, 1);
  }
  Wide mantissa = 0;
  int exp10 = 0, exp2 = 0, digits = 0;
  bool dot = false;
  for (char c : number) {
    if (c == '.') {
      if (dot) return false;
      dot = true;
      continue;
    }
    if (++digits > 30) return false;
    mantissa = mantissa * 10 + (c - '0');
    if (dot) --exp10;
  }
  if (digits == 0) return false;
  if (suffix.empty()) {
  } else if (suffix == "Ki") exp2 = 10;
  else if (suffix == "Mi") exp2 = 20;
  else if (suffix == "Gi") exp2 = 30;
  else if (suffix == "Ti") exp2 = 40;
  else if (suffix == "Pi") exp2 = 50;
  else if (suffix == "Ei") exp2 = 60;
  else if (suffix == "n") exp10 -= 9;
  else if (suffix == "u") exp10 -= 6;
  else if (suffix == "m") exp10 -= 3;
  else if (suffix == "k") exp10 += 3;
  else if (suffix == "M") exp10 += 6;
  else if (suffix == "G") exp10 += 9;
  else if (suffix == "T") exp10 += 12;
  else if (suffix == "P") exp10 += 15;
  else if (suffix == "E") exp10 += 18;
  else if (suffix[0] == 'e' || suffix[0] == 'E') {
    std::string e = suffix.substr(1);
    if (e.empty() || e == "+" || e == "-") return false;
    int v = 0;
    try {
      v = std::stoi(e);
    } catch (...) {
      return false;
    }
    if (v > 30 || v < -30) return false;
    exp10 += v;
  } else {
    return false;
  }
  Wide num = mantissa * scale, den = 1;
  for (int i = 0; i < exp2; ++i) {
    num *= 2;
    if (num > (Wide{1} << 100)) return false;
  }
  for (; exp10 > 0; --exp10) {
    num *= 10;
    if (num > (Wide{1} << 100)) return false;
  }
  for (; exp10 < 0; ++exp10) den *= 10;
  Wide v = (num + den - 1) / den;  // the API server rounds up to its smallest unit
  if (v > INT64_MAX) return false;
  out = static_cast<int64_t>(negative ? -v : v);
  return true;
}

}  // namespace

bool parse_cpu_milli(const std::string& text, int64_t& out) { return parse_scaled(text, 1000, out); }

bool parse_memory_bytes(const std::string& text, int64_t& out) { return parse_scaled(text, 1, out); }

std::string format_cpu_milli(int64_t milli) {
  if (milli % 1000 == 0) return std::to_string(milli / 1000);
  return std::to_string(milli) + "m";
}

std::string format_bytes(int64_t bytes) {
  static const char* kSuffix[] = {"Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
  if (bytes == 0) return "0";
  int i = -1;
  int64_t v = bytes;
  while (i < 5 && v % 1024 == 0) {
    v /= 1024;
    ++i;
  }
  return std::to_string(v) + (i >= 0 ? kSuffix[i] : "");
}

}  // namespace kubetwin::topology
