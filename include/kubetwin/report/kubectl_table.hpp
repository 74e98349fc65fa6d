// kubectl's table text: Go's text/tabwriter, kubectl's AGE format, and `get` tables.
//
// TabWriter reproduces Go's text/tabwriter (as kubectl uses it) byte for byte for padchar ' ':
// cells are tab-terminated, a column block is a run of consecutive lines that have a cell in that
// column, its width is max(minwidth, longest cell + padding), and the last cell of a line (the
// text after its last tab) is printed as is. Widths are counted in UTF-8 code points.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kubetwin::report {

class TabWriter {
 public:
  // kubectl get: minwidth 6, tabwidth 4, padding 3. kubectl describe: 0, 8, 2.
  TabWriter(int minwidth, int padding) : minwidth_(minwidth), padding_(padding) {}
  static TabWriter for_get() { return TabWriter(6, 3); }
  static TabWriter for_describe() { return TabWriter(0, 2); }

  // Appends text; lines end with '\n', cells with '\t'.
  void write(std::string_view text) { buffer_ += text; }
  TabWriter& operator<<(std::string_view text) {
    write(text);
    return *this;
  }
  // Formats everything written so far and clears the buffer.
  std::string flush();

 private:
  int minwidth_;
  int padding_;
  std::string buffer_;
};

// One `get` table: column names (as kubectl names them, e.g. "Port(s)") and rows of cells.
struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
};

// Renders a table the way kubectl's human printer does: header upper-cased (omitted when
// no_headers), cells cut at their first '\n', '\r' or '\f' with "..." appended, tabwriter
// spacing of `get`. Returns "" for a table with no rows.
std::string render_table(const Table& table, bool no_headers = false);

// kubectl's AGE (apimachinery HumanDuration): "45s", "5m30s", "120m", "2d3h", "<invalid>"...
std::string human_duration(int64_t seconds);

// Counts the UTF-8 code points of s (how tabwriter measures a cell).
int display_width(std::string_view s);

}  // namespace kubetwin::report
