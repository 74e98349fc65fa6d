// Emitter: a re-implementation of the visible behaviour of go-yaml v2's emitter after a JSON
// round trip (sigs.k8s.io/yaml.JSONToYAML), which is what kubectl kustomize prints.
#include "kubetwin/k8s/emitter.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace kubetwin::k8s {

namespace internal {
std::optional<int64_t> parse_go_int(std::string_view in);
bool plain_is_float(std::string_view s);
}  // namespace internal

namespace {

constexpr int kBestWidth = 80;

// Decodes one UTF-8 code point at s[i]; returns its byte width (1 for invalid bytes).
int utf8_width(unsigned char c) {
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) return 2;
  if ((c & 0xF0) == 0xE0) return 3;
  if ((c & 0xF8) == 0xF0) return 4;
  return 1;
}

uint32_t utf8_decode(std::string_view s, size_t i, int* width) {
  unsigned char c = s[i];
  int w = utf8_width(c);
  if (i + w > s.size()) w = 1;
  *width = w;
  if (w == 1) return c;
  uint32_t cp = c & (0xFF >> (w + 1));
  for (int k = 1; k < w; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  return cp;
}

bool valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    unsigned char c = s[i];
    int w = utf8_width(c);
    if (w == 1 && c >= 0x80) return false;
    if (i + w > s.size()) return false;
    for (int k = 1; k < w; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += w;
  }
  return true;
}

// go-yaml's is_printable, on code points.
bool is_printable(uint32_t cp) {
  return cp == 0x0A || (cp >= 0x20 && cp <= 0x7E) || (cp >= 0xA0 && cp <= 0xD7FF) ||
         (cp >= 0xE000 && cp <= 0xFFFD && cp != 0xFEFF);
}
bool is_break(uint32_t cp) {
  return cp == '\r' || cp == '\n' || cp == 0x85 || cp == 0x2028 || cp == 0x2029;
}

bool is_letter(uint32_t cp) {
  return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || cp >= 0xC0;
}
bool is_digit(uint32_t cp) {
  return cp >= '0' && cp <= '9';
}

// Go's strconv.FormatFloat(f, 'g', -1, 64).
std::string go_format_g(double f) {
  if (std::isinf(f)) return f > 0 ? "+Inf" : "-Inf";
  if (std::isnan(f)) return "NaN";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, f, std::chars_format::scientific);
  std::string sci(buf, r.ptr);
  auto epos = sci.find('e');
  int exp = std::stoi(sci.substr(epos + 1));
  if (exp < -4 || exp >= 6) {  // 'g' with shortest precision decides with precision 6
    // Go prints at least two exponent digits, as C++ does.
    return sci;
  }
  r = std::to_chars(buf, buf + sizeof buf, f, std::chars_format::fixed);
  return std::string(buf, r.ptr);
}

// Reads 1..max digits at s[i]; returns the count (0 when none).
size_t read_digits(std::string_view s, size_t i, size_t max, std::string* out) {
  size_t n = 0;
  while (i + n < s.size() && n < max && is_digit(uint32_t(s[i + n]))) ++n;
  if (out) *out = std::string(s.substr(i, n));
  return n;
}

// A YAML-1.1/go-yaml-v2 date or timestamp, as its resolver recognises them:
// YYYY-M-D, optionally followed by [Tt ]H:M:S[.frac][Z|+hh:mm|-hh:mm].
bool looks_timestamp(std::string_view s, std::string* rfc3339) {
  if (s.size() < 8 || !is_digit(uint32_t(s[0])) || s[4] != '-') return false;
  std::string year, month, day, hour, minute, second;
  size_t i = 0, n;
  if ((n = read_digits(s, i, 4, &year)) != 4) return false;
  i += 4;
  if (s[i++] != '-' || (n = read_digits(s, i, 2, &month)) == 0) return false;
  i += n;
  if (i >= s.size() || s[i++] != '-' || (n = read_digits(s, i, 2, &day)) == 0) return false;
  i += n;
  auto two = [](const std::string& v) { return v.size() == 1 ? "0" + v : v; };
  std::string date = year + "-" + two(month) + "-" + two(day);
  if (i == s.size()) {
    if (rfc3339) *rfc3339 = date + "T00:00:00Z";
    return true;
  }
  if (s[i] != 'T' && s[i] != 't' && s[i] != ' ') return false;
  ++i;
  if ((n = read_digits(s, i, 2, &hour)) == 0) return false;
  i += n;
  if (i >= s.size() || s[i++] != ':' || (n = read_digits(s, i, 2, &minute)) == 0) return false;
  i += n;
  if (i >= s.size() || s[i++] != ':' || (n = read_digits(s, i, 2, &second)) == 0) return false;
  i += n;
  std::string frac;
  if (i < s.size() && s[i] == '.') {
    std::string digits;
    if ((n = read_digits(s, i + 1, 64, &digits)) == 0) return false;
    i += 1 + n;
    while (!digits.empty() && digits.back() == '0') digits.pop_back();
    if (!digits.empty()) frac = "." + digits;
  }
  std::string zone = "Z";
  if (i < s.size()) {
    if (s[i] == 'Z' && i + 1 == s.size()) {
      ++i;
    } else if ((s[i] == '+' || s[i] == '-') && s.size() - i == 6 && is_digit(uint32_t(s[i + 1])) &&
               is_digit(uint32_t(s[i + 2])) && s[i + 3] == ':' && is_digit(uint32_t(s[i + 4])) &&
               is_digit(uint32_t(s[i + 5]))) {
      zone = std::string(s.substr(i));
      if (zone == "+00:00") zone = "Z";
      i = s.size();
    } else {
      return false;
    }
  }
  if (rfc3339)
    *rfc3339 = date + "T" + two(hour) + ":" + two(minute) + ":" + two(second) + frac + zone;
  return true;
}

// YAML 1.1 base-60 floats ("1:20", "-1_0:05.5"): [-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?
bool is_base60_float(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  if (i >= s.size() || !is_digit(uint32_t(s[i]))) return false;
  while (i < s.size() && (is_digit(uint32_t(s[i])) || s[i] == '_')) ++i;
  int groups = 0;
  while (i < s.size() && s[i] == ':') {
    ++i;
    size_t n = read_digits(s, i, 2, nullptr);
    if (n == 0) return false;
    if (n == 2 && s[i] > '5') return false;
    i += n;
    ++groups;
  }
  if (groups == 0) return false;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && (is_digit(uint32_t(s[i])) || s[i] == '_')) ++i;
  }
  return i == s.size();
}

}  // namespace

// Would go-yaml v2 (YAML 1.1) resolve this plain text to something other than a string?
bool internal_v2_resolves_non_string(std::string_view s);
bool internal_v2_resolves_non_string(std::string_view s) {
  static constexpr std::string_view kWords[] = {
      "y",     "Y",     "yes",  "Yes",   "YES",   "on",    "On",    "ON",    "n",     "N",
      "no",    "No",    "NO",   "off",   "Off",   "OFF",   "true",  "True",  "TRUE",  "false",
      "False", "FALSE", "",     "~",     "null",  "Null",  "NULL",  ".nan",  ".NaN",  ".NAN",
      ".inf",  ".Inf",  ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", "<<"};
  if (std::find(std::begin(kWords), std::end(kWords), s) != std::end(kWords)) return true;
  char c = s[0];
  if (c == '.') {
    return internal::plain_is_float(s) && s.find('_') == std::string_view::npos;
  }
  if (!(is_digit(c) || c == '-' || c == '+')) return false;
  if (looks_timestamp(s, nullptr)) return true;
  if (internal::parse_go_int(s)) return true;
  // ParseUint for values above int64.
  std::string plain;
  for (char ch : s)
    if (ch != '_') plain.push_back(ch);
  if (!plain.empty() &&
      std::all_of(plain.begin(), plain.end(), [](char ch) { return is_digit(ch); }))
    return true;
  if (internal::plain_is_float(plain)) return true;
  return is_base60_float(s);  // YAML 1.1 "1:20"
}

namespace {

bool v2_resolves_non_string(std::string_view s) {
  return internal_v2_resolves_non_string(s);
}

struct Analysis {
  bool multiline = false;
  bool flow_plain_allowed = true;
  bool block_plain_allowed = true;
  bool single_quoted_allowed = true;
  bool block_allowed = true;
};

// go-yaml's yaml_emitter_analyze_scalar.
Analysis analyze(std::string_view v) {
  Analysis a;
  if (v.empty()) {
    a.flow_plain_allowed = false;
    a.block_allowed = false;
    return a;
  }
  bool block_indicators = false, flow_indicators = false, line_breaks = false, special = false;
  bool leading_space = false, leading_break = false, trailing_space = false, trailing_break = false;
  bool break_space = false, space_break = false, previous_space = false, previous_break = false;
  if (v.size() >= 3 && (v.starts_with("---") || v.starts_with("...")))
    block_indicators = flow_indicators = true;
  bool preceded_by_whitespace = true;
  for (size_t i = 0; i < v.size();) {
    int w;
    uint32_t cp = utf8_decode(v, i, &w);
    bool followed_by_whitespace = i + w >= v.size() || v[i + w] == ' ' || v[i + w] == '\t';
    if (i == 0) {
      switch (cp) {
        case '#':
        case ',':
        case '[':
        case ']':
        case '{':
        case '}':
        case '&':
        case '*':
        case '!':
        case '|':
        case '>':
        case '\'':
        case '"':
        case '%':
        case '@':
        case '`':
          flow_indicators = block_indicators = true;
          break;
        case '?':
        case ':':
          flow_indicators = true;
          if (followed_by_whitespace) block_indicators = true;
          break;
        case '-':
          if (followed_by_whitespace) flow_indicators = block_indicators = true;
          break;
        default:
          break;
      }
    } else {
      switch (cp) {
        case ',':
        case '?':
        case '[':
        case ']':
        case '{':
        case '}':
          flow_indicators = true;
          break;
        case ':':
          flow_indicators = true;
          if (followed_by_whitespace) block_indicators = true;
          break;
        case '#':
          if (preceded_by_whitespace) flow_indicators = block_indicators = true;
          break;
        default:
          break;
      }
    }
    if (!is_printable(cp)) special = true;
    if (cp == ' ') {
      if (i == 0) leading_space = true;
      if (i + w == v.size()) trailing_space = true;
      if (previous_break) break_space = true;
      previous_space = true;
      previous_break = false;
    } else if (is_break(cp)) {
      line_breaks = true;
      if (i == 0) leading_break = true;
      if (i + w == v.size()) trailing_break = true;
      if (previous_space) space_break = true;
      previous_space = false;
      previous_break = true;
    } else {
      previous_space = previous_break = false;
    }
    preceded_by_whitespace = cp == ' ' || cp == '\t' || is_break(cp) || cp == 0;
    i += w;
  }
  a.multiline = line_breaks;
  if (leading_space || leading_break || trailing_space || trailing_break)
    a.flow_plain_allowed = a.block_plain_allowed = false;
  if (trailing_space) a.block_allowed = false;
  if (break_space) a.flow_plain_allowed = a.block_plain_allowed = a.single_quoted_allowed = false;
  if (space_break || special)
    a.flow_plain_allowed = a.block_plain_allowed = a.single_quoted_allowed = a.block_allowed =
        false;
  if (line_breaks) a.flow_plain_allowed = a.block_plain_allowed = false;
  if (flow_indicators) a.flow_plain_allowed = false;
  if (block_indicators) a.block_plain_allowed = false;
  return a;
}

enum class Style { kPlain, kSingle, kDouble, kLiteral };

class Writer {
 public:
  std::string out;

  void put(char c) {
    out.push_back(c);
    if (c == '\n') {
      column_ = 0;
    } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
      ++column_;
    }
  }
  void put(std::string_view s) {
    for (char c : s) put(c);
  }
  // go-yaml's write_break: '\n' as itself, any other line break (U+0085, U+2028, U+2029) copied
  // as it is; either way the next character starts a line.
  void put_break(std::string_view line_break) {
    out.append(line_break);
    column_ = 0;
  }
  int column() const { return column_; }
  // go-yaml's write_indent: a new line unless already at the start of one, then pad.
  void indent(int n) {
    if (column_ > n || (column_ > 0 && column_ == n && !whitespace_)) put('\n');
    if (column_ > n) put('\n');
    while (column_ < n) put(' ');
    whitespace_ = true;
  }
  void mark_text() { whitespace_ = false; }

 private:
  int column_ = 0;
  bool whitespace_ = true;
};

void write_double(Writer& w, std::string_view v, int indent, bool allow_breaks) {
  w.put('"');
  bool spaces = false;
  for (size_t i = 0; i < v.size();) {
    int width;
    uint32_t cp = utf8_decode(v, i, &width);
    if (!is_printable(cp) || cp == 0xFEFF || is_break(cp) || cp == '"' || cp == '\\') {
      w.put('\\');
      char buf[16];
      switch (cp) {
        case 0x00:
          w.put('0');
          break;
        case 0x07:
          w.put('a');
          break;
        case 0x08:
          w.put('b');
          break;
        case 0x09:
          w.put('t');
          break;
        case 0x0A:
          w.put('n');
          break;
        case 0x0B:
          w.put('v');
          break;
        case 0x0C:
          w.put('f');
          break;
        case 0x0D:
          w.put('r');
          break;
        case 0x1B:
          w.put('e');
          break;
        case 0x22:
          w.put('"');
          break;
        case 0x5C:
          w.put('\\');
          break;
        case 0x85:
          w.put('N');
          break;
        case 0xA0:
          w.put('_');
          break;
        case 0x2028:
          w.put('L');
          break;
        case 0x2029:
          w.put('P');
          break;
        default:
          if (cp <= 0xFF)
            std::snprintf(buf, sizeof buf, "x%02X", cp);
          else if (cp <= 0xFFFF)
            std::snprintf(buf, sizeof buf, "u%04X", cp);
          else
            std::snprintf(buf, sizeof buf, "U%08X", cp);
          w.put(buf);
      }
      spaces = false;
    } else if (cp == ' ') {
      if (allow_breaks && !spaces && w.column() > kBestWidth && i != 0 && i != v.size() - 1) {
        w.indent(indent);
        if (i + 1 < v.size() && v[i + 1] == ' ') w.put('\\');
      } else {
        w.put(' ');
      }
      spaces = true;
    } else {
      w.put(v.substr(i, width));
      spaces = false;
    }
    i += width;
  }
  w.put('"');
  w.mark_text();
}

void write_single(Writer& w, std::string_view v, int indent, bool allow_breaks) {
  w.put('\'');
  bool spaces = false, breaks = false;
  for (size_t i = 0; i < v.size();) {
    int width;
    uint32_t cp = utf8_decode(v, i, &width);
    if (cp == ' ') {
      if (allow_breaks && !spaces && w.column() > kBestWidth && i != 0 && i != v.size() - 1 &&
          !(i + 1 < v.size() && v[i + 1] == ' ')) {
        w.indent(indent);
      } else {
        w.put(' ');
      }
      spaces = true;
    } else if (is_break(cp)) {
      if (!breaks && cp == '\n') w.put('\n');
      w.put_break(v.substr(i, width));
      breaks = true;
    } else {
      if (breaks) w.indent(indent);
      if (cp == '\'') w.put('\'');
      w.put(v.substr(i, width));
      spaces = breaks = false;
    }
    i += width;
  }
  w.put('\'');
  w.mark_text();
}

void write_plain(Writer& w, std::string_view v, int indent, bool allow_breaks) {
  bool spaces = false;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == ' ') {
      if (allow_breaks && !spaces && w.column() > kBestWidth &&
          !(i + 1 < v.size() && v[i + 1] == ' ')) {
        w.indent(indent);
      } else {
        w.put(' ');
      }
      spaces = true;
    } else {
      w.put(v[i]);
      spaces = false;
    }
  }
  w.mark_text();
}

void write_literal(Writer& w, std::string_view v, int indent) {
  w.put('|');
  if (!v.empty() && (v[0] == ' ' || v[0] == '\n')) w.put('2');
  char chomp = 0;
  if (v.empty() || v.back() != '\n') {
    chomp = '-';
  } else if (v.size() == 1 || v[v.size() - 2] == '\n') {
    chomp = '+';
  }
  if (chomp) w.put(chomp);
  w.put('\n');
  bool breaks = true;
  for (size_t i = 0; i < v.size();) {
    int width;
    uint32_t cp = utf8_decode(v, i, &width);
    if (is_break(cp)) {
      w.put_break(v.substr(i, width));
      breaks = true;
    } else {
      if (breaks) {
        while (w.column() < indent) w.put(' ');
      }
      w.put(v.substr(i, width));
      breaks = false;
    }
    i += width;
  }
  w.mark_text();
}

// Writes a string scalar in the style go-yaml v2 would choose. `indent` is where continuation
// lines go; `key` is true for mapping keys (simple key context: no folding, no block styles).
void write_string(Writer& w, std::string_view v, int indent, bool key) {
  Style style;
  Analysis a = analyze(v);
  if (!valid_utf8(v)) {
    style = Style::kDouble;
  } else if (v.empty() || v2_resolves_non_string(v)) {
    style = Style::kDouble;
  } else if (v.find('\n') != std::string_view::npos) {
    style = (!a.block_allowed || key) ? Style::kDouble : Style::kLiteral;
  } else {
    style = Style::kPlain;
  }
  if (style == Style::kPlain) {
    if (!a.block_plain_allowed) style = Style::kSingle;
  }
  if (style == Style::kSingle && !a.single_quoted_allowed) style = Style::kDouble;
  switch (style) {
    case Style::kPlain:
      write_plain(w, v, indent, !key);
      break;
    case Style::kSingle:
      write_single(w, v, indent, !key);
      break;
    case Style::kDouble:
      write_double(w, v, indent, !key);
      break;
    case Style::kLiteral:
      write_literal(w, v, indent);
      break;
  }
}

void write_scalar(Writer& w, const Node& n, int indent) {
  bool is_string = false;
  std::string text = normalized_scalar(n, &is_string);
  if (is_string) {
    write_string(w, text, indent, false);
  } else {
    w.put(text);
    w.mark_text();
  }
}

std::vector<const std::pair<std::string, Node>*> sorted_fields(const Node& m) {
  std::vector<const std::pair<std::string, Node>*> out;
  out.reserve(m.fields().size());
  for (const auto& f : m.fields()) out.push_back(&f);
  // go-yaml's order is not a strict weak ordering for every key set (digit runs past 2^63 wrap,
  // as Go's int64 does). kubectl then prints such keys in a different order from run to run (it
  // sorts them from a Go map's random iteration order); the twin prints one, whatever the input
  // order: the keys are put in byte order first, then merge-sorted, which stays inside the array
  // whatever the comparator says (std::sort's unguarded insertion may not).
  std::sort(out.begin(), out.end(), [](auto* a, auto* b) { return a->first < b->first; });
  std::stable_sort(out.begin(), out.end(),
                   [](auto* a, auto* b) { return natural_key_less(a->first, b->first); });
  return out;
}

bool is_empty_collection(const Node& n) {
  return (n.is_mapping() && n.fields().empty()) || (n.is_sequence() && n.items().empty());
}

void write_node(Writer& w, const Node& n, int indent, bool in_mapping_value);

void write_mapping(Writer& w, const Node& m, int indent, bool first_inline) {
  bool first = true;
  for (const auto* f : sorted_fields(m)) {
    if (!(first && first_inline)) w.indent(indent);
    first = false;
    write_string(w, f->first, indent, true);
    w.put(':');
    w.mark_text();
    const Node& v = f->second;
    if ((v.is_mapping() || v.is_sequence()) && !is_empty_collection(v)) {
      if (v.is_mapping()) {
        write_mapping(w, v, indent + 2, false);
      } else {
        write_node(w, v, indent, true);
      }
    } else {
      w.put(' ');
      write_node(w, v, indent, true);
    }
  }
}

void write_sequence(Writer& w, const Node& s, int indent, bool first_inline) {
  bool first = true;
  for (const Node& item : s.items()) {
    if (!(first && first_inline)) w.indent(indent);
    first = false;
    w.put("- ");
    if (item.is_mapping() && !item.fields().empty()) {
      write_mapping(w, item, indent + 2, true);
    } else if (item.is_sequence() && !item.items().empty()) {
      write_sequence(w, item, indent + 2, true);
    } else {
      write_node(w, item, indent, false);
    }
  }
}

// Scalars and empty collections on the current line; a non-empty sequence as a mapping value
// is "indentless" (its dashes at the mapping's indent).
void write_node(Writer& w, const Node& n, int indent, bool in_mapping_value) {
  switch (n.kind()) {
    case Node::Kind::kNull:
      w.put("null");
      w.mark_text();
      return;
    case Node::Kind::kScalar:
      write_scalar(w, n, indent + 2);
      return;
    case Node::Kind::kMapping:
      if (n.fields().empty()) {
        w.put("{}");
        w.mark_text();
      } else {
        write_mapping(w, n, indent + 2, false);
      }
      return;
    case Node::Kind::kSequence:
      if (n.items().empty()) {
        w.put("[]");
        w.mark_text();
      } else {
        write_sequence(w, n, in_mapping_value ? indent : indent + 2, false);
      }
      return;
  }
}

}  // namespace

namespace {

// go-yaml v2's keyList.Less on two code point sequences.
template <typename Seq>
bool natural_less_seq(const Seq& ar, const Seq& br) {
  for (size_t i = 0; i < ar.size() && i < br.size(); ++i) {
    uint32_t ca = uint32_t(ar[i]) & (sizeof(ar[i]) == 1 ? 0xFFu : 0xFFFFFFFFu);
    uint32_t cb = uint32_t(br[i]) & (sizeof(br[i]) == 1 ? 0xFFu : 0xFFFFFFFFu);
    if (ca == cb) continue;
    bool al = is_letter(ca), bl = is_letter(cb);
    if (al && bl) return ca < cb;
    if (al || bl) return bl;
    // Go's int64 arithmetic wraps on overflow: done in uint64 (which wraps the same way) and
    // compared as int64, a key with 20 digits sorts as kubectl sorts it (a signed overflow here
    // was undefined behaviour, found by tests/fuzz yaml).
    uint64_t an = 0, bn = 0;
    if (ca == '0' || cb == '0') {
      for (size_t j = i; j-- > 0 && is_digit(uint32_t(ar[j]));) {
        if (uint32_t(ar[j]) != '0') {
          an = bn = 1;
          break;
        }
      }
    }
    size_t ai = i, bi = i;
    for (; ai < ar.size() && is_digit(uint32_t(ar[ai])); ++ai)
      an = an * 10 + uint64_t(uint32_t(ar[ai]) - '0');
    for (; bi < br.size() && is_digit(uint32_t(br[bi])); ++bi)
      bn = bn * 10 + uint64_t(uint32_t(br[bi]) - '0');
    if (an != bn) return int64_t(an) < int64_t(bn);
    if (ai != bi) return ai < bi;
    return ca < cb;
  }
  return ar.size() < br.size();
}

bool is_ascii(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

}  // namespace

bool natural_key_less(std::string_view a, std::string_view b) {
  if (is_ascii(a) && is_ascii(b)) return natural_less_seq(a, b);
  std::vector<uint32_t> ar, br;
  for (size_t i = 0; i < a.size();) {
    int w;
    ar.push_back(utf8_decode(a, i, &w));
    i += w;
  }
  for (size_t i = 0; i < b.size();) {
    int w;
    br.push_back(utf8_decode(b, i, &w));
    i += w;
  }
  return natural_less_seq(ar, br);
}

std::string normalized_scalar(const Node& n, bool* is_string) {
  *is_string = false;
  if (n.is_null()) return "null";
  switch (n.scalar_type()) {
    case Node::ScalarType::kNull:
      return "null";
    case Node::ScalarType::kBool:
      return *n.as_bool() ? "true" : "false";
    case Node::ScalarType::kInt:
      return std::to_string(*n.as_int());
    case Node::ScalarType::kFloat: {
      std::string plain;
      for (char c : n.text())
        if (c != '_') plain.push_back(c);
      double d = 0;
      if (plain == ".inf" || plain == ".Inf" || plain == ".INF" || plain == "+.inf" ||
          plain == "+.Inf" || plain == "+.INF")
        d = INFINITY;
      else if (plain == "-.inf" || plain == "-.Inf" || plain == "-.INF")
        d = -INFINITY;
      else if (plain[0] == '.' && (plain == ".nan" || plain == ".NaN" || plain == ".NAN"))
        d = NAN;
      else
        d = std::strtod(plain.c_str(), nullptr);
      if (std::isfinite(d) && d == std::trunc(d) && std::fabs(d) < 9.2e18)
        return std::to_string(int64_t(d));
      return go_format_g(d);
    }
    case Node::ScalarType::kString:
      break;
  }
  std::string ts;
  if (!n.quoted() && looks_timestamp(n.text(), &ts)) {
    *is_string = true;
    return ts;
  }
  *is_string = true;
  return n.text();
}

std::string emit_document(const Node& doc) {
  Writer w;
  if (doc.is_mapping()) {
    const Node* annotations = doc.at({"metadata", "annotations"});
    if (annotations &&
        (annotations->is_null() || (annotations->is_mapping() && annotations->fields().empty()))) {
      Node copy = doc;
      copy.get("metadata")->erase("annotations");
      return emit_document(copy);
    }
    if (doc.fields().empty()) return "{}\n";
    write_mapping(w, doc, 0, true);
  } else if (doc.is_sequence() && !doc.items().empty()) {
    write_sequence(w, doc, 0, true);
  } else {
    write_node(w, doc, -2, false);
  }
  if (w.column() != 0) w.put('\n');
  return std::move(w.out);
}

std::string emit_stream(const ResourceList& resources) {
  std::string out;
  bool first = true;
  for (const Resource& r : resources) {
    if (!first) out += "---\n";
    first = false;
    out += emit_document(r.body);
  }
  return out;
}

}  // namespace kubetwin::k8s
