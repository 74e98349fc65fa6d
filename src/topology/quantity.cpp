// Quantities for the model: CPU in milli-cores and memory in bytes, via the k8s layer's parser.
#include "kubetwin/k8s/quantity.hpp"

#include <cstdint>
#include <string>

#include "kubetwin/topology/model.hpp"

namespace kubetwin::topology {

bool parse_cpu_milli(const std::string& text, int64_t& out) {
  auto q = k8s::try_parse_quantity(text);
  if (!q) return false;
  out = q->milli();
  return true;
}

bool parse_memory_bytes(const std::string& text, int64_t& out) {
  auto q = k8s::try_parse_quantity(text);
  if (!q) return false;
  out = q->value();
  return true;
}

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
