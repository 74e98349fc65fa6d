// Helpers shared by the topology sources: stable hashes, names, base64, $(VAR) expansion.
#include "internal.hpp"

#include <charconv>

namespace kubetwin::topology::internal {

uint64_t stable_hash(std::string_view text, uint64_t seed) {
  uint64_t h = 1469598103934665603ULL ^ (seed * 1099511628211ULL);
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  // Final avalanche so nearby inputs spread over the whole range.
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  return h;
}

std::string safe_encode(uint64_t value, std::size_t length) {
  static constexpr std::string_view kAlphabet = "bcdfghjklmnpqrstvwxz2456789";
  std::string out;
  for (std::size_t i = 0; i < length; ++i) {
    out += kAlphabet[value % kAlphabet.size()];
    value /= kAlphabet.size();
    if (value == 0) value = stable_hash(out);
  }
  return out;
}

bool base64_decode(std::string_view in, std::string& out) {
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  std::string result;
  uint32_t buf = 0;
  int bits = 0;
  bool padding = false;
  for (char c : in) {
    if (c == '\n' || c == '\r' || c == ' ') continue;
    if (c == '=') {
      padding = true;
      continue;
    }
    if (padding) return false;
    int v = val(c);
    if (v < 0) return false;
    buf = (buf << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      result += static_cast<char>((buf >> bits) & 0xff);
    }
  }
  out = std::move(result);
  return true;
}

std::string expand_vars(std::string_view text,
                        const std::function<const std::string*(const std::string&)>& lookup,
                        std::vector<std::string>* missing) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c != '$' || i + 1 >= text.size()) {
      out += c;
      continue;
    }
    char next = text[i + 1];
    if (next == '$') {
      out += '$';
      ++i;
      continue;
    }
    if (next == '(') {
      std::size_t close = text.find(')', i + 2);
      if (close == std::string_view::npos) {
        out += text.substr(i);
        break;
      }
      std::string name(text.substr(i + 2, close - i - 2));
      if (const std::string* v = lookup(name)) {
        out += *v;
      } else {
        out += text.substr(i, close - i + 1);
        if (missing) missing->push_back(name);
      }
      i = close;
      continue;
    }
    out += c;
  }
  return out;
}

std::string text_at(const k8s::Node* n, std::string_view key) {
  if (!n) return "";
  const k8s::Node* v = n->get(key);
  return v && v->is_scalar() ? v->text() : "";
}

std::map<std::string, std::string> string_map(const k8s::Node* n) {
  std::map<std::string, std::string> out;
  if (!n || !n->is_mapping()) return out;
  for (const auto& [k, v] : n->fields()) out[k] = v.is_scalar() ? v.text() : "";
  return out;
}

bool parse_ipv4(std::string_view text, uint32_t& out) {
  uint32_t ip = 0;
  int parts = 0;
  std::size_t i = 0;
  while (parts < 4) {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(text.data() + i, text.data() + text.size(), v);
    if (ec != std::errc() || v > 255 || p == text.data() + i) return false;
    ip = (ip << 8) | v;
    ++parts;
    i = static_cast<std::size_t>(p - text.data());
    if (parts < 4) {
      if (i >= text.size() || text[i] != '.') return false;
      ++i;
    }
  }
  if (i != text.size()) return false;
  out = ip;
  return true;
}

std::string format_ipv4(uint32_t ip) {
  return std::to_string(ip >> 24) + "." + std::to_string((ip >> 16) & 255) + "." +
         std::to_string((ip >> 8) & 255) + "." + std::to_string(ip & 255);
}

bool cidr_contains(std::string_view cidr, uint32_t ip) {
  std::size_t slash = cidr.find('/');
  uint32_t base = 0;
  if (!parse_ipv4(cidr.substr(0, slash), base)) return false;
  int bits = 32;
  if (slash != std::string_view::npos) {
    auto s = cidr.substr(slash + 1);
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), bits);
    if (ec != std::errc() || bits < 0 || bits > 32) return false;
  }
  uint32_t mask = bits == 0 ? 0 : ~uint32_t{0} << (32 - bits);
  return (base & mask) == (ip & mask);
}

}  // namespace kubetwin::topology::internal
