// Helpers for the tests of kubetwin's HTML pages: tag balance and counting.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

namespace kubetwin::report {

// "" when the tags of an HTML document balance (void elements and self-closed SVG elements
// aside), else what is wrong first.
inline std::string unbalanced_tag(const std::string& html) {
  static const std::vector<std::string> kVoid = {"meta", "br", "hr", "img", "input", "link"};
  std::vector<std::string> open;
  for (size_t at = html.find('<'); at != std::string::npos; at = html.find('<', at + 1)) {
    if (html.compare(at, 2, "<!") == 0) continue;
    const size_t end = html.find('>', at);
    if (end == std::string::npos) return "unterminated tag";
    std::string tag = html.substr(at + 1, end - at - 1);
    const bool closing = !tag.empty() && tag[0] == '/';
    const bool self = !tag.empty() && tag.back() == '/';
    std::string name = tag.substr(closing ? 1 : 0);
    name = name.substr(0, name.find_first_of(" \t\n/"));
    if (self || std::find(kVoid.begin(), kVoid.end(), name) != kVoid.end()) continue;
    if (!closing) {
      open.push_back(name);
    } else if (open.empty() || open.back() != name) {
      return "</" + name + "> closes <" + (open.empty() ? "" : open.back()) + ">";
    } else {
      open.pop_back();
    }
  }
  return open.empty() ? "" : "<" + open.back() + "> never closed";
}

inline size_t occurrences(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Nothing fetched, nothing run: no script, no URL, no external resource.
inline bool self_contained(const std::string& html) {
  for (const char* bad : {"http://", "https://", "<script", "src=", "<link"})
    if (html.find(bad) != std::string::npos) return false;
  return true;
}

}  // namespace kubetwin::report
