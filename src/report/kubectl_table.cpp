// kubectl's table text: a port of Go's text/tabwriter formatting, HumanDuration and table rows.
#include "kubetwin/report/kubectl_table.hpp"

#include <algorithm>
#include <cctype>

namespace kubetwin::report {

namespace {

struct Cell {
  std::string text;
  int width = 0;
};

using Line = std::vector<Cell>;

class Formatter {
 public:
  Formatter(const std::vector<Line>& lines, int minwidth, int padding, bool last_complete)
      : lines_(lines), minwidth_(minwidth), padding_(padding), last_complete_(last_complete) {}

  std::string run() {
    format(0, lines_.size());
    return std::move(out_);
  }

 private:
  // Go's tabwriter.format: finds the column blocks to the right of the known widths.
  void format(size_t line0, size_t line1) {
    size_t column = widths_.size();
    for (size_t cur = line0; cur < line1; ++cur) {
      if (column + 1 >= lines_[cur].size()) continue;
      write_lines(line0, cur);
      line0 = cur;
      int width = minwidth_;
      for (; cur < line1; ++cur) {
        if (column + 1 >= lines_[cur].size()) break;
        width = std::max(width, lines_[cur][column].width + padding_);
      }
      widths_.push_back(width);
      format(line0, cur);
      widths_.pop_back();
      line0 = cur;
      if (cur == line1) return;
    }
    write_lines(line0, line1);
  }

  void write_lines(size_t line0, size_t line1) {
    for (size_t i = line0; i < line1; ++i) {
      const Line& line = lines_[i];
      for (size_t j = 0; j < line.size(); ++j) {
        const Cell& c = line[j];
        out_ += c.text;
        if (j < widths_.size()) out_.append(static_cast<size_t>(widths_[j] - c.width), ' ');
      }
      if (i + 1 < lines_.size() || last_complete_) out_ += '\n';
    }
  }

  const std::vector<Line>& lines_;
  int minwidth_;
  int padding_;
  bool last_complete_;
  std::vector<int> widths_;
  std::string out_;
};

}  // namespace

int display_width(std::string_view s) {
  int n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

std::string TabWriter::flush() {
  std::vector<Line> lines;
  Line current;
  std::string cell;
  auto end_cell = [&] {
    int w = display_width(cell);
    current.push_back(Cell{std::move(cell), w});
    cell.clear();
  };
  for (char ch : buffer_) {
    if (ch == '\t') {
      end_cell();
    } else if (ch == '\n') {
      end_cell();
      lines.push_back(std::move(current));
      current.clear();
    } else {
      cell += ch;
    }
  }
  bool last_complete = true;
  if (!cell.empty() || !current.empty()) {
    end_cell();
    lines.push_back(std::move(current));
    last_complete = false;
  }
  buffer_.clear();
  return Formatter(lines, minwidth_, padding_, last_complete).run();
}

std::string render_table(const Table& table, bool no_headers) {
  if (table.rows.empty()) return "";
  TabWriter tw = TabWriter::for_get();
  auto row_text = [](const std::vector<std::string>& cells, bool upper) {
    std::string line;
    for (size_t i = 0; i < cells.size(); ++i) {
      if (i) line += '\t';
      std::string c = cells[i];
      if (size_t cut = c.find_first_of("\n\r\f"); cut != std::string::npos)
        c = c.substr(0, cut) + "...";
      if (upper) {
        for (char& ch : c) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      }
      line += c;
    }
    return line + "\n";
  };
  if (!no_headers) tw << row_text(table.columns, true);
  for (const auto& r : table.rows) tw << row_text(r, false);
  return tw.flush();
}

std::string human_duration(int64_t seconds) {
  auto s = [](int64_t v) { return std::to_string(v); };
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 120) return s(seconds) + "s";
  int64_t minutes = seconds / 60;
  if (minutes < 10) {
    int64_t rest = seconds % 60;
    return rest == 0 ? s(minutes) + "m" : s(minutes) + "m" + s(rest) + "s";
  }
  if (minutes < 180) return s(minutes) + "m";
  int64_t hours = seconds / 3600;
  if (hours < 8) {
    int64_t rest = minutes % 60;
    return rest == 0 ? s(hours) + "h" : s(hours) + "h" + s(rest) + "m";
  }
  if (hours < 48) return s(hours) + "h";
  if (hours < 24 * 8) {
    int64_t rest = hours % 24;
    return rest == 0 ? s(hours / 24) + "d" : s(hours / 24) + "d" + s(rest) + "h";
  }
  if (hours < 24 * 365 * 2) return s(hours / 24) + "d";
  if (hours < 24 * 365 * 8) {
    int64_t dy = (hours / 24) % 365;
    return dy == 0 ? s(hours / 24 / 365) + "y" : s(hours / 24 / 365) + "y" + s(dy) + "d";
  }
  return s(hours / 24 / 365) + "y";
}

}  // namespace kubetwin::report
