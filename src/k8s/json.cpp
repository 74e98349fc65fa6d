// JSON string quoting: one implementation for the plain and the Go (HTML-safe) styles.
#include "kubetwin/k8s/json.hpp"

#include <cstdint>
#include <cstdio>

namespace kubetwin::k8s {

std::string json_quote(std::string_view s, JsonEscape style) {
  const bool go = style == JsonEscape::kGo;
  std::string out = "\"";
  out.reserve(s.size() + 2);
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        continue;
      case '\\':
        out += "\\\\";
        continue;
      case '\n':
        out += "\\n";
        continue;
      case '\r':
        out += "\\r";
        continue;
      case '\t':
        out += "\\t";
        continue;
      default:
        break;
    }
    if (go && (c == '<' || c == '>' || c == '&')) {
      out += c == '<' ? "\\u003c" : c == '>' ? "\\u003e" : "\\u0026";
    } else if (!go && (c == '\b' || c == '\f')) {
      out += c == '\b' ? "\\b" : "\\f";
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else if (go && c == 0xE2 && i + 2 < s.size() && static_cast<uint8_t>(s[i + 1]) == 0x80 &&
               (static_cast<uint8_t>(s[i + 2]) == 0xA8 || static_cast<uint8_t>(s[i + 2]) == 0xA9)) {
      out += static_cast<uint8_t>(s[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029";
      i += 2;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out + "\"";
}

}  // namespace kubetwin::k8s
