// Views of the results database: the `kubetwin runs` table and JSON, the HTML report of a run,
// the page of a capacity search, and two runs compared (text, JSON, HTML).
#include "kubetwin/report/results_views.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "kubetwin/k8s/json.hpp"
#include "kubetwin/report/kubectl_table.hpp"
#include "kubetwin/report/run_report.hpp"

namespace kubetwin::report {

namespace {

constexpr double kNoValue = std::numeric_limits<double>::quiet_NaN();

std::string esc(std::string_view s) {
  return xml_escape(s);
}

std::string num(double v) {
  if (!std::isfinite(v)) return "0";
  return fmt::format("{:.1f}", v);
}

std::string seconds_label(double s) {
  if (s <= 0) return "0";
  const long t = std::lround(s);
  if (t < 60) return fmt::format("{}s", t);
  if (t < 3600) return t % 60 ? fmt::format("{}m{}s", t / 60, t % 60) : fmt::format("{}m", t / 60);
  return t % 3600 ? fmt::format("{}h{}m", t / 3600, (t % 3600) / 60) : fmt::format("{}h", t / 3600);
}

// A tick value for people: 0, 0.25, 12, 1.5k, 2M.
std::string tick_text(double v) {
  const double a = std::fabs(v);
  auto trim = [](std::string s) {
    if (s.find('.') != std::string::npos) {
      while (s.back() == '0') s.pop_back();
      if (s.back() == '.') s.pop_back();
    }
    return s;
  };
  if (a >= 1e9) return trim(fmt::format("{:.2f}", v / 1e9)) + "G";
  if (a >= 1e6) return trim(fmt::format("{:.2f}", v / 1e6)) + "M";
  if (a >= 1e4) return trim(fmt::format("{:.1f}", v / 1e3)) + "k";
  if (a >= 100 || a == 0) return fmt::format("{:.0f}", v);
  if (a >= 1) return trim(fmt::format("{:.2f}", v));
  return trim(fmt::format("{:.3f}", v));
}

// A "nice" step near range / count (1, 2, 2.5 or 5 x 10^n).
double nice_step(double range, int count) {
  if (range <= 0) return 1;
  const double raw = range / count;
  const double mag = std::pow(10, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (raw <= m * mag) return m * mag;
  return 10 * mag;
}

constexpr const char* kPalette[] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                    "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#7f7f7f"};

struct Line {
  std::string name;
  std::vector<double> values;  // one per x
  std::string color;
  bool dashed = false;
  std::string note;             // after the name in the legend
  std::vector<double> x;        // its own x values when not empty (else the chart's)
  bool dots = false;            // a dot at each point (few points: capacity probes)
  std::string end_label;        // written at the line's last point
  std::string kind = "series";  // the path's class: series, projection
};

struct Band {
  double from = 0, to = 0;
  std::string label;
  bool warmup = false;
};

struct Chart {
  std::string title;
  std::string unit;  // the y axis label
  std::vector<double> x;
  std::vector<Line> lines;
  std::vector<Band> bands;
  std::vector<std::pair<double, std::string>> markers;  // vertical lines (the knee)
  std::vector<std::pair<double, std::string>> levels;   // horizontal lines (a limit)
  bool bytes = false;                                   // y ticks as bytes
  bool log_scale = false;
  double x_max = 0;
  std::string caption;
  std::string x_label = "simulated time";  // x ticks as durations unless x_is_time is false
  bool x_is_time = true;
  std::string x_unit;  // after each x tick when not time ("/s")
};

std::string bytes_tick(double v) {
  return format_bytes(v);
}

std::string render_chart(const Chart& c) {
  constexpr double W = 680, H = 290, L = 70, R = 14, T = 14, B = 48;
  const double pw = W - L - R, ph = H - T - B;
  double x_max = c.x_max;
  for (double x : c.x) x_max = std::max(x_max, x);
  if (x_max <= 0) x_max = 1;
  double y_max = 0, y_min_pos = std::numeric_limits<double>::infinity();
  for (const Line& l : c.lines) {
    for (double x : l.x) x_max = std::max(x_max, x);
    for (double v : l.values)
      if (std::isfinite(v)) {
        y_max = std::max(y_max, v);
        if (v > 0) y_min_pos = std::min(y_min_pos, v);
      }
  }
  for (const auto& [v, label] : c.levels) y_max = std::max(y_max, v);
  const bool log_scale = c.log_scale && std::isfinite(y_min_pos) && y_max / y_min_pos > 20;
  double lo = 0, hi = 1, step = 1;
  if (log_scale) {
    lo = std::floor(std::log10(y_min_pos));
    hi = std::ceil(std::log10(y_max));
    if (hi <= lo) hi = lo + 1;
  } else {
    if (y_max <= 0) y_max = 1;
    step = nice_step(y_max, 5);
    hi = std::ceil(y_max / step) * step;
    if (hi < y_max * 1.02) hi += step;
  }
  auto sx = [&](double x) { return L + pw * x / x_max; };
  auto sy = [&](double v) {
    double f = log_scale ? (std::log10(std::max(v, std::pow(10, lo))) - lo) / (hi - lo)
                         : (v - lo) / (hi - lo);
    return T + ph * (1 - std::clamp(f, 0.0, 1.0));
  };
  std::string s = fmt::format(
      "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 {} {}\" width=\"{}\" height=\"{}\" "
      "><title>{}</title>\n",
      W, H, W, H, esc(c.title));
  // Bands (warm-up, faults) under everything.
  for (const Band& b : c.bands) {
    const double a = sx(std::clamp(b.from, 0.0, x_max)), z = sx(std::clamp(b.to, 0.0, x_max));
    s += fmt::format(
        "<rect class=\"{}\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"><title>{}</title></rect>"
        "<text class=\"band-label\" x=\"{}\" y=\"{}\">{}</text>\n",
        b.warmup ? "warmup" : "fault", num(a), num(T), num(std::max(1.0, z - a)), num(ph),
        esc(b.label), num(a + 3), num(T + 11), esc(b.label));
  }
  // Grid and y ticks.
  auto y_label = [&](double v) { return c.bytes ? bytes_tick(v) : tick_text(v); };
  if (log_scale) {
    for (double e = lo; e <= hi + 1e-9; e += 1) {
      const double v = std::pow(10, e);
      s += fmt::format(
          "<line class=\"grid\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/><text class=\"tick\" "
          "x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n",
          num(L), num(sy(v)), num(L + pw), num(sy(v)), num(L - 6), num(sy(v) + 4), y_label(v));
    }
  } else {
    for (double v = 0; v <= hi + step * 1e-6; v += step) {
      s += fmt::format(
          "<line class=\"grid\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/><text class=\"tick\" "
          "x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n",
          num(L), num(sy(v)), num(L + pw), num(sy(v)), num(L - 6), num(sy(v) + 4), y_label(v));
    }
  }
  // X ticks: whole minutes or hours where they fit (time), else a nice step.
  double xs = 10;
  if (c.x_is_time) {
    for (double cand : {10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0,
                        14400.0, 43200.0, 86400.0, 172800.0, 604800.0}) {
      xs = cand;
      if (x_max / cand <= 8) break;
    }
  } else {
    xs = nice_step(x_max, 6);
  }
  for (double x = 0; x <= x_max + 1e-9; x += xs) {
    s += fmt::format(
        "<line class=\"tickmark\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/><text class=\"tick\" "
        "x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
        num(sx(x)), num(T + ph), num(sx(x)), num(T + ph + 5), num(sx(x)), num(T + ph + 18),
        c.x_is_time ? seconds_label(x) : tick_text(x) + c.x_unit);
  }
  s += fmt::format(
      "<line class=\"axis\" x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\"/><line class=\"axis\" "
      "x1=\"{0}\" y1=\"{2}\" x2=\"{3}\" y2=\"{2}\"/>\n",
      num(L), num(T), num(T + ph), num(L + pw));
  s += fmt::format(
      "<text class=\"axis-label\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n"
      "<text class=\"axis-label\" transform=\"translate(16 {}) rotate(-90)\" "
      "text-anchor=\"middle\">{}</text>\n",
      num(L + pw / 2), num(H - 8), esc(c.x_label), num(T + ph / 2),
      esc(c.unit + (log_scale ? " (log)" : "")));
  for (const auto& [v, label] : c.levels) {
    s += fmt::format(
        "<line class=\"level\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/><text class=\"band-label\" "
        "x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n",
        num(L), num(sy(v)), num(L + pw), num(sy(v)), num(L + pw - 4), num(sy(v) - 4), esc(label));
  }
  // Lines, broken where a value is missing.
  for (const Line& l : c.lines) {
    const std::vector<double>& lx = l.x.empty() ? c.x : l.x;
    std::string d, dots;
    bool pen = false;
    double last_x = 0, last_y = 0;
    for (size_t i = 0; i < l.values.size() && i < lx.size(); ++i) {
      if (!std::isfinite(l.values[i]) || (log_scale && l.values[i] <= 0)) {
        pen = false;
        continue;
      }
      last_x = sx(lx[i]);
      last_y = sy(l.values[i]);
      d += fmt::format("{}{} {} ", pen ? "L" : "M", num(last_x), num(last_y));
      if (l.dots)
        dots += fmt::format("<circle class=\"dot\" cx=\"{}\" cy=\"{}\" r=\"3.5\" fill=\"{}\"/>",
                            num(last_x), num(last_y), l.color);
      pen = true;
    }
    if (d.empty()) continue;
    s += fmt::format("<path class=\"{}\" d=\"{}\" stroke=\"{}\"{}><title>{}</title></path>{}\n",
                     l.kind, d, l.color, l.dashed ? " stroke-dasharray=\"6 4\"" : "", esc(l.name),
                     dots);
    if (!l.end_label.empty())
      s += fmt::format(
          "<text class=\"end-label\" x=\"{}\" y=\"{}\" text-anchor=\"end\" "
          "style=\"fill:{}\">{}</text>\n",
          num(std::min(last_x, L + pw - 2)), num(last_y - 6), l.color, esc(l.end_label));
  }
  for (size_t i = 0; i < c.markers.size(); ++i) {
    const auto& [x, label] = c.markers[i];
    // Two markers side by side: the first labelled on its left, the next on its right; a label
    // that would run past the plot's edge goes on the other side (a search's first miss is often
    // its highest probe, at the right edge). Width: about 6.5 px a character at 11 px.
    const double width = 6.5 * static_cast<double>(label.size());
    bool left = c.markers.size() > 1 && i % 2 == 0;
    if (!left && sx(x) + 4 + width > L + pw) left = true;
    if (left && sx(x) - 4 - width < L) left = false;
    s += fmt::format(
        "<line class=\"marker\" x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\"/><text "
        "class=\"marker-label\" x=\"{3}\" y=\"{4}\"{5}>{6}</text>\n",
        num(sx(x)), num(T), num(T + ph), num(sx(x) + (left ? -4 : 4)), num(T + 24 + 14.0 * (i % 2)),
        left ? " text-anchor=\"end\"" : "", esc(label));
  }
  s += "</svg>\n";
  std::string legend = "<ul class=\"legend\">";
  bool projections = false;
  for (const Line& l : c.lines) {
    if (l.kind == "projection") {
      projections = true;
      continue;
    }
    legend += fmt::format("<li><span class=\"swatch{}\" style=\"border-color:{}\"></span>{}{}</li>",
                          l.dashed ? " dashed" : "", l.color, esc(l.name),
                          l.note.empty() ? "" : " <small>" + esc(l.note) + "</small>");
  }
  if (projections)
    legend +=
        "<li><span class=\"swatch dashed\" style=\"border-color:#777\"></span>projection "
        "to full</li>";
  for (const Band& b : c.bands)
    if (!b.warmup) {
      legend += fmt::format("<li><span class=\"swatch fault\"></span>fault {}</li>", esc(b.label));
      break;
    }
  legend += "</ul>";
  return fmt::format("<figure class=\"chart\"><figcaption>{}</figcaption>\n{}{}{}</figure>\n",
                     esc(c.title), s, legend,
                     c.caption.empty() ? "" : "<p class=\"caption\">" + esc(c.caption) + "</p>");
}

// ---- Topology ------------------------------------------------------------------------------

int column_of(const TopologyNode& n) {
  if (n.kind == "workload" && n.role == "gateway") return 0;
  if (n.kind == "service") return 1;
  if (n.kind == "workload" && n.role == "app") return 2;
  if (n.kind == "workload") return 3;
  if (n.kind == "volume") return 4;
  return 2;
}

std::string render_topology(const Topology& t) {
  constexpr double NW = 170, NH = 34, GX = 36, GY = 12, PAD = 14, HEAD = 24, BOX_GAP = 26;
  // Namespaces (and "outside" for hosts with none), per environment, gateways' first.
  struct Box {
    std::string ns, environment;
    std::vector<std::vector<const TopologyNode*>> columns =
        std::vector<std::vector<const TopologyNode*>>(5);
    bool gateway = false;
    double x = 0, y = 0, w = 0, h = 0;
  };
  std::map<std::string, Box> boxes;
  for (const TopologyNode& n : t.nodes) {
    const std::string ns = n.namespace_name.empty() ? "(outside the cluster)" : n.namespace_name;
    Box& b = boxes[ns];
    b.ns = ns;
    b.environment = n.environment;
    b.columns[static_cast<size_t>(column_of(n))].push_back(&n);
    if (n.role == "gateway") b.gateway = true;
  }
  std::map<std::string, std::vector<Box*>> rows;  // environment -> boxes
  for (auto& [ns, b] : boxes) rows[b.environment].push_back(&b);
  std::map<std::string, std::pair<double, double>> at;  // node id -> centre
  double y = 10, width = 0;
  for (auto& [env, list] : rows) {
    std::stable_sort(list.begin(), list.end(),
                     [](const Box* a, const Box* b) { return a->gateway && !b->gateway; });
    double x = 10, row_h = 0;
    y += env.empty() ? 0 : 20;  // the environment's title
    for (Box* b : list) {
      int used = 0;
      size_t tallest = 0;
      for (const auto& col : b->columns)
        if (!col.empty()) {
          ++used;
          tallest = std::max(tallest, col.size());
        }
      b->w = PAD * 2 + used * NW + std::max(0, used - 1) * GX;
      b->h = HEAD + PAD + static_cast<double>(tallest) * (NH + GY);
      b->x = x;
      b->y = y;
      double cx = x + PAD;
      for (const auto& col : b->columns) {
        if (col.empty()) continue;
        double cy = y + HEAD + PAD / 2;
        for (const TopologyNode* n : col) {
          at[n->id] = {cx + NW / 2, cy + NH / 2};
          cy += NH + GY;
        }
        cx += NW + GX;
      }
      x += b->w + BOX_GAP;
      row_h = std::max(row_h, b->h);
    }
    width = std::max(width, x);
    for (Box* b : list) b->y = y;
    y += row_h + BOX_GAP;
  }
  const double height = y;
  std::string s = fmt::format(
      "<svg class=\"topology\" role=\"img\" viewBox=\"0 0 {0} {1}\" width=\"{0}\" height=\"{1}\" "
      "><title>Topology</title>\n"
      "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" "
      "markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0 0 L10 5 L0 10 z\" "
      "fill=\"#555\"/></marker><marker id=\"arrow-red\" viewBox=\"0 0 10 10\" refX=\"10\" "
      "refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path "
      "d=\"M0 0 L10 5 L0 10 z\" fill=\"#d62728\"/></marker></defs>\n",
      num(width), num(height));
  std::set<std::string> titled;
  for (auto& [env, list] : rows) {
    if (!env.empty() && !list.empty())
      s += fmt::format("<text class=\"env-label\" x=\"{}\" y=\"{}\">environment {}</text>\n",
                       num(list.front()->x), num(list.front()->y - 6), esc(env));
    for (Box* b : list)
      s += fmt::format(
          "<g class=\"namespace\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"8\"/>"
          "<text x=\"{}\" y=\"{}\">namespace {}</text></g>\n",
          num(b->x), num(b->y), num(b->w), num(b->h), num(b->x + 10), num(b->y + 16), esc(b->ns));
  }
  // Edges under the nodes: a curve from the source's side to the target's.
  for (const TopologyEdge& e : t.edges) {
    auto a = at.find(e.from), z = at.find(e.to);
    if (a == at.end() || z == at.end()) continue;
    auto [x1, y1] = a->second;
    auto [x2, y2] = z->second;
    const double dir = x2 >= x1 ? 1 : -1;
    if (std::fabs(x2 - x1) > 1) {
      x1 += dir * NW / 2;
      x2 -= dir * NW / 2;
    } else {
      y1 += (y2 > y1 ? 1 : -1) * NH / 2;
      y2 -= (y2 > y1 ? 1 : -1) * NH / 2;
    }
    const double bend = std::max(30.0, std::fabs(x2 - x1) / 2);
    const bool red = e.crosses_environment;
    const std::string cls = e.kind + (red ? " cross" : "");
    s += fmt::format(
        "<path class=\"edge {}\" d=\"M{} {} C{} {} {} {} {} {}\" marker-end=\"url(#{})\">"
        "<title>{}: {}</title></path>\n",
        cls, num(x1), num(y1), num(x1 + dir * bend), num(y1), num(x2 - dir * bend), num(y2),
        num(x2), num(y2), red ? "arrow-red" : "arrow", esc(e.kind), esc(e.label));
    if (e.kind == "flow")
      s += fmt::format("<text class=\"flow-label\" x=\"{}\" y=\"{}\">{}</text>\n",
                       num((x1 + x2) / 2), num((y1 + y2) / 2 - 4), esc(e.label));
  }
  for (const TopologyNode& n : t.nodes) {
    auto p = at.find(n.id);
    if (p == at.end()) continue;
    const auto [cx, cy] = p->second;
    const std::string role = n.kind == "workload" ? n.role : n.kind;
    const std::string sub = n.kind == "workload"   ? (n.role == "app" ? "workload" : n.role)
                            : n.kind == "service"  ? "Service"
                            : n.kind == "volume"   ? "volume (PVC)"
                            : n.kind == "external" ? "external host"
                                                   : "unresolved host";
    std::string name = n.name;
    if (name.size() > 24) name = name.substr(0, 23) + "\u2026";
    s += fmt::format(
        "<g class=\"node {}\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"{}\"/>"
        "<text class=\"node-name\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>"
        "<text class=\"node-kind\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>"
        "<title>{} {}</title></g>\n",
        esc(role), num(cx - NW / 2), num(cy - NH / 2), num(NW), num(NH),
        n.kind == "service" ? 16 : 4, num(cx), num(cy - 1), esc(name), num(cx), num(cy + 11),
        esc(sub), esc(sub), esc(n.namespace_name + "/" + n.name));
  }
  s += "</svg>\n";
  return s;
}

// ---- Sections ------------------------------------------------------------------------------

constexpr const char* kStyle = R"css(
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;margin:24px auto;max-width:1500px;padding:0 24px;color:#222;background:#fff}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}
.meta{color:#555;margin:2px 0}.description{margin:4px 0 8px}
table{border-collapse:collapse;margin:6px 0 12px}th,td{padding:4px 10px;border-bottom:1px solid #e6e6e6;text-align:left;vertical-align:top}
th{background:#f5f5f5;font-weight:600}td.n{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-weight:700;font-size:12px}
.PASS{background:#d9f2dd;color:#1b6e2a}.FAIL{background:#fadbd8;color:#a61b12}.INCOMPLETE{background:#fff0c2;color:#7a5b00}
.overall{font-size:16px;margin:6px 0}
.charts{display:flex;flex-wrap:wrap;gap:10px 24px}
figure.chart{margin:0;flex:0 0 680px}figcaption{font-weight:600;margin:6px 0 2px}
svg text{font:11px system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;fill:#333}
.grid{stroke:#eee}.axis{stroke:#444}.tickmark{stroke:#444}.axis-label{font-size:12px;fill:#222}
.series{fill:none;stroke-width:1.8}.level{stroke:#999;stroke-dasharray:3 3}
rect.fault{fill:#e15759;fill-opacity:.13}rect.warmup{fill:#999;fill-opacity:.10}.band-label{fill:#777;font-size:10px}
.marker{stroke:#b07aa1;stroke-width:1.5;stroke-dasharray:5 3}.marker-label{fill:#7b4d72;font-weight:600}
ul.legend{list-style:none;padding:0;margin:2px 0 0 70px;display:flex;flex-wrap:wrap;gap:2px 14px;font-size:12px}
.swatch{display:inline-block;width:18px;height:0;border-top:3px solid;margin-right:5px;vertical-align:middle}
.swatch.dashed{border-top-style:dashed}.swatch.fault{height:10px;border:0;background:#e15759;opacity:.3}
.caption{color:#666;font-size:12px;margin:2px 0 0 70px}
.topology-wrap{overflow-x:auto;border:1px solid #eee;border-radius:6px;padding:6px}
.namespace rect{fill:#f7f9fc;stroke:#9aa9bd}.namespace text{font-weight:600;fill:#4a5a70}
.env-label{font-weight:700;font-size:13px;fill:#222}
.node rect{fill:#fff;stroke:#4e79a7;stroke-width:1.4}.node.gateway rect{fill:#e8f4ea;stroke:#59a14f}
.node.kafka rect{fill:#fdf0e2;stroke:#f28e2b}.node.postgres rect{fill:#e9eef8;stroke:#4e79a7;stroke-width:2}
.node.service rect{fill:#f6f6f6;stroke:#888}.node.volume rect{fill:#f5efe9;stroke:#9c755f;stroke-dasharray:4 2}
.node.external rect,.node.unresolved rect{fill:#fff;stroke:#b07aa1}
.node-name{font-weight:600;font-size:11px}.node-kind{font-size:9px;fill:#777}
.edge{fill:none;stroke:#888;stroke-width:1.1}.edge.depends{stroke:#4e79a7}.edge.routes{stroke:#59a14f}
.edge.mounts{stroke:#9c755f;stroke-dasharray:3 3}.edge.backs{stroke:#aaa}
.edge.cross{stroke:#d62728;stroke-width:2.2}.edge.flow{stroke:#d62728;stroke-width:3;stroke-dasharray:8 4}
.flow-label{fill:#d62728;font-weight:700}
.key{font-size:12px;color:#555}.key span{margin-right:14px}
code{background:#f4f4f4;padding:1px 4px;border-radius:3px}
tr.changed td{background:#fff4e5}ul.differences li{margin:2px 0}
.sev{display:inline-block;padding:0 6px;border-radius:8px;font-size:12px;font-weight:600}
.sev.error{background:#fadbd8;color:#a61b12}.sev.warning{background:#fff0c2;color:#7a5b00}.sev.info{background:#e8eef7;color:#2f4f7a}
.projection{fill:none;stroke-width:1.6}.end-label{font-weight:600;font-size:11px}.dot{stroke:#fff;stroke-width:1}
)css";

// The start of a page: doctype, title, the shared style, <body> opened.
std::string page_head(const std::string& title) {
  std::string s = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  s += "<title>" + esc(title) + "</title>\n";
  s += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<style>";
  s += kStyle;
  s += "</style>\n</head>\n<body>\n";
  return s;
}

std::string check_location(const scenario::CheckVerdict& v) {
  if (!v.where.path) return "";
  return fmt::format("{}:{}", v.where.file(), v.where.line);
}

std::string verdict_section(const StoredRun& run) {
  const scenario::ScenarioResult& r = run.result;
  std::string s = "<section id=\"verdicts\"><h2>Verdicts</h2>\n";
  s += fmt::format(
      "<p class=\"overall\">verdict <span class=\"badge {0}\">{0}</span> {1} of {2} "
      "checks passed</p>\n",
      run.listing.verdict, run.listing.checks_passed, run.listing.checks);
  s += "<table class=\"verdicts\"><thead><tr><th>RESULT</th><th>CHECK</th><th>MEASURED</th>"
       "<th>WHERE</th></tr></thead><tbody>\n";
  for (const auto& v : r.checks) {
    const char* word = r.incomplete ? "INCOMPLETE" : v.passed ? "PASS" : "FAIL";
    s += fmt::format(
        "<tr><td><span class=\"badge {0}\">{0}</span></td><td>{1}</td><td>{2}</td><td>{3}</td>"
        "</tr>\n",
        word, esc(v.check), esc(v.measured), esc(check_location(v)));
  }
  if (r.checks.empty())
    s += "<tr><td colspan=\"4\">the scenario has no checks: the run completed</td></tr>\n";
  s += "</tbody></table></section>\n";
  return s;
}

std::string faults_section(const scenario::ScenarioResult& r) {
  if (r.faults.empty()) return "";
  std::string s =
      "<section id=\"faults\"><h2>Faults</h2><table><thead><tr><th>FAULT</th><th>ACTION</th>"
      "<th>AT</th><th>LIFTED</th><th>TARGETS</th><th>DETECTED</th><th>RECOVERED</th>"
      "<th>OUTAGE</th></tr></thead><tbody>\n";
  for (const auto& f : r.faults) {
    std::string targets;
    for (const auto& t : f.fault.targets) targets += (targets.empty() ? "" : ", ") + t;
    s += fmt::format(
        "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td>"
        "<td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n",
        esc(f.fault.name), esc(f.fault.action), seconds_label(f.fault.at_s),
        f.fault.lifted_s < 0 ? "-" : seconds_label(f.fault.lifted_s), esc(targets),
        f.detect_s < 0 ? "none" : esc("+" + format_span(f.detect_s)),
        f.recover_s < 0 ? "-" : esc(format_span(f.recover_s)), esc(format_span(f.outage_s)));
  }
  s += "</tbody></table></section>\n";
  return s;
}

std::string findings_section(const StoredRun& run) {
  std::string s = "<section id=\"findings\"><h2>Audit of the model</h2>\n";
  size_t errors = 0, warnings = 0;
  for (const auto& f : run.findings) {
    errors += f.severity == k8s::Severity::kError ? 1 : 0;
    warnings += f.severity == k8s::Severity::kWarning ? 1 : 0;
  }
  s += fmt::format(
      "<p class=\"key\">What <code>kubetwin check</code> finds in the model this run simulated "
      "(its environments, its cluster): {} error{}, {} warning{}, {} note{}.</p>\n",
      errors, errors == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s",
      run.findings.size() - errors - warnings,
      run.findings.size() - errors - warnings == 1 ? "" : "s");
  if (run.findings.empty()) return s + "</section>\n";
  s += "<table class=\"findings\"><thead><tr><th>SEVERITY</th><th>RULE</th><th>RESOURCE</th>"
       "<th>ENVIRONMENT</th><th>FINDING</th><th>WHERE</th></tr></thead><tbody>\n";
  for (const auto& f : run.findings) {
    const char* sev = f.severity == k8s::Severity::kError     ? "error"
                      : f.severity == k8s::Severity::kWarning ? "warning"
                                                              : "info";
    s += fmt::format(
        "<tr><td><span class=\"sev {0}\">{0}</span></td><td>{1} {2}</td><td>{3}</td><td>{4}</td>"
        "<td>{5}<br><small>hint: {6}</small></td><td>{7}</td></tr>\n",
        sev, esc(f.id), esc(f.rule), esc(f.subject.str()), esc(f.environment), esc(f.message),
        esc(f.hint), esc(f.where.path ? f.where.str() : ""));
  }
  s += "</tbody></table></section>\n";
  return s;
}

std::string flows_section(const scenario::ScenarioResult& r) {
  if (r.cross_environment_flows.empty()) return "";
  std::string s =
      "<section id=\"flows\"><h2>Cross-environment flows</h2><table><thead><tr><th>FROM</th>"
      "<th>TO</th><th>KIND</th><th>CALLS</th><th>FIRST</th><th>ISOLATION</th></tr></thead>"
      "<tbody>\n";
  for (const auto& f : r.cross_environment_flows)
    s += fmt::format(
        "<tr><td>{} ({})</td><td>{} ({})</td><td>{}</td><td class=\"n\">{}</td><td "
        "class=\"n\">{}</td><td>{}</td></tr>\n",
        esc(f.from_pod), esc(f.from_environment), esc(f.to_pod), esc(f.to_environment), esc(f.kind),
        f.count, seconds_label(f.first_s),
        f.blocked ? "held: dropped by NetworkPolicy" : "<b>broken</b>: the call went through");
  s += "</tbody></table></section>\n";
  return s;
}

// Shared x axis and bands for every chart of replication 0.
struct Timeline {
  std::vector<double> x;
  double end = 0;
  std::vector<Band> bands;
  std::vector<std::pair<double, std::string>> markers;
};

Timeline timeline_of(const StoredRun& run) {
  const scenario::ScenarioResult& r = run.result;
  Timeline t;
  if (!r.runs.empty()) t.x = r.runs.front().series_times_s;
  t.end = r.runs.empty() ? r.duration_s : r.runs.front().simulated_seconds;
  if (r.warmup_s > 0) t.bands.push_back(Band{0, r.warmup_s, "warm-up", true});
  for (const auto& f : r.faults)
    t.bands.push_back(Band{f.fault.at_s, f.fault.lifted_s < 0 ? t.end : f.fault.lifted_s,
                           f.fault.name.empty() ? f.fault.action : f.fault.name, false});
  if (r.knee.found)
    t.markers.emplace_back(r.knee.at_s,
                           fmt::format("knee {}", format_rate(r.knee.offered_rate_per_s)));
  return t;
}

Chart chart(const Timeline& t, std::string title, std::string unit) {
  Chart c;
  c.title = std::move(title);
  c.unit = std::move(unit);
  c.x = t.x;
  c.x_max = t.end;
  c.bands = t.bands;
  c.markers = t.markers;
  return c;
}

std::vector<const runtime::Series*> series_of(const runtime::RunFigures& run,
                                              const std::string& metric) {
  std::vector<const runtime::Series*> out;
  for (const auto& s : run.series)
    if (s.metric == metric) out.push_back(&s);
  return out;
}

double mean_of(const std::vector<double>& v) {
  double sum = 0;
  int n = 0;
  for (double x : v)
    if (std::isfinite(x)) {
      sum += x;
      ++n;
    }
  return n ? sum / n : 0;
}

// At most `keep` lines, the largest means first; lines that are zero throughout are dropped and
// counted in the caption.
void add_top(Chart& c, std::vector<Line> lines, size_t keep, const char* what) {
  size_t zero = 0;
  std::vector<Line> nonzero;
  for (Line& l : lines) {
    bool any = false;
    for (double v : l.values) any = any || (std::isfinite(v) && v != 0);
    if (any)
      nonzero.push_back(std::move(l));
    else
      ++zero;
  }
  std::stable_sort(nonzero.begin(), nonzero.end(), [](const Line& a, const Line& b) {
    return mean_of(a.values) > mean_of(b.values);
  });
  size_t hidden = nonzero.size() > keep ? nonzero.size() - keep : 0;
  nonzero.resize(std::min(nonzero.size(), keep));
  for (size_t i = 0; i < nonzero.size(); ++i)
    if (nonzero[i].color.empty()) nonzero[i].color = kPalette[i % std::size(kPalette)];
  c.lines = std::move(nonzero);
  std::string cap;
  if (hidden) cap += fmt::format("{} more {} not drawn (the {} largest are). ", hidden, what, keep);
  if (zero) cap += fmt::format("{} {} at zero throughout not drawn.", zero, what);
  c.caption = cap;
}

}  // namespace

DiskProjection project_to_full(const std::vector<double>& t_s, const std::vector<double>& bytes,
                               double from_s, double capacity_bytes) {
  DiskProjection p;
  double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (size_t i = 0; i < t_s.size() && i < bytes.size(); ++i) {
    if (t_s[i] < from_s || !std::isfinite(bytes[i])) continue;
    n += 1;
    sx += t_s[i];
    sy += bytes[i];
    sxx += t_s[i] * t_s[i];
    sxy += t_s[i] * bytes[i];
  }
  const double den = n * sxx - sx * sx;
  if (n < 2 || den <= 0) return p;
  p.slope_bytes_per_s = (n * sxy - sx * sy) / den;
  p.intercept_bytes = (sy - p.slope_bytes_per_s * sx) / n;
  p.fitted = true;
  if (p.slope_bytes_per_s > 0 && capacity_bytes > 0)
    p.full_at_s = (capacity_bytes - p.intercept_bytes) / p.slope_bytes_per_s;
  return p;
}

namespace {

// Disk usage per volume, each growing volume's linear fit (after the warm-up) drawn dashed
// towards its capacity: the x axis runs on past the run (to the first volume full, at most 3x the
// run), the capacity drawn as a level when a projection reaches it, the time to full labelled.
Chart disk_chart(const StoredRun& run, const Timeline& t) {
  const scenario::ScenarioResult& r = run.result;
  const runtime::RunFigures& rep = r.runs.front();
  Chart c = chart(t, "Disk usage per volume", "bytes used");
  std::vector<Line> lines;
  for (const auto* se : series_of(rep, "volume_bytes"))
    lines.push_back(
        Line{se->subject + (se->label.empty() ? "" : " " + se->label), se->values, "", false, ""});
  add_top(c, std::move(lines), 10, "volumes");
  c.bytes = true;
  const double end = t.end > 0 ? t.end : (t.x.empty() ? 0 : t.x.back());
  struct Projected {
    size_t line;
    DiskProjection p;
    double capacity;
  };
  std::vector<Projected> projected;
  double first_full = std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < c.lines.size(); ++i) {
    double capacity = 0;
    for (const auto& v : r.merged.volumes)
      if (c.lines[i].name == v.namespace_name + "/" + v.claim)
        capacity = static_cast<double>(v.capacity_bytes);
    const DiskProjection p = project_to_full(c.x, c.lines[i].values, r.warmup_s, capacity);
    if (p.full_at_s > 0) {
      projected.push_back(Projected{i, p, capacity});
      first_full = std::min(first_full, p.full_at_s);
    }
  }
  c.x_max = end;
  if (!projected.empty()) c.x_max = std::clamp(first_full * 1.04, end * 1.5, end * 3);
  std::string not_growing;
  for (const Projected& pr : projected) {
    Line& l = c.lines[pr.line];
    const double to = std::min(pr.p.full_at_s, c.x_max);
    const double start = c.x.empty() ? 0 : c.x.back();
    const std::string in = format_span(std::max(0.0, pr.p.full_at_s - end));
    double last = 0;
    for (double v : l.values)
      if (std::isfinite(v)) last = v;
    l.note =
        fmt::format("{} of {}, full in {} at the fitted {}/h", format_bytes(last),
                    format_bytes(pr.capacity), in, format_bytes(pr.p.slope_bytes_per_s * 3600));
    Line proj{l.name + " projection", {pr.p.at(start), pr.p.at(to)}, l.color, true, ""};
    proj.x = {start, to};
    proj.kind = "projection";
    proj.end_label = pr.p.full_at_s <= c.x_max ? "full at " + seconds_label(pr.p.full_at_s)
                                               : "full in " + in + " \u2192";
    c.lines.push_back(std::move(proj));
    if (pr.p.full_at_s <= c.x_max)
      c.levels.emplace_back(pr.capacity, l.name + " capacity " + format_bytes(pr.capacity));
  }
  for (Line& l : c.lines)
    if (l.kind == "series" && l.note.empty()) l.note = "not growing";
  c.caption +=
      " Dashed: a least-squares line through each volume's samples after the warm-up, "
      "carried on to its capacity; \"full in\" counts from the end of the run.";
  return c;
}

std::string charts_section(const StoredRun& run) {
  const scenario::ScenarioResult& r = run.result;
  if (r.runs.empty() || r.runs.front().series_times_s.empty())
    return "<section id=\"charts\"><h2>Over time</h2><p>This run has no time series.</p>"
           "</section>\n";
  const runtime::RunFigures& rep = r.runs.front();
  const Timeline t = timeline_of(run);
  std::string s = "<section id=\"charts\"><h2>Over time</h2>\n";
  s += fmt::format(
      "<p class=\"key\">Replication 1 of {} (seed {}), 10 s windows. Shaded: <span>grey = "
      "warm-up (not in the figures)</span><span>red = a fault, from its start to when it was "
      "lifted</span>{}</p>\n",
      r.replications, rep.seed,
      r.knee.found ? "<span>dashed purple = the knee: " + esc(r.knee.reason) + "</span>" : "");
  s += "<div class=\"charts\">\n";
  // Route windows are 10 s long and start at start_s: drawn at their end, like the samples.
  auto window_values = [&](const runtime::RouteFigures& f, auto value) {
    std::vector<double> out(t.x.size(), kNoValue);
    for (const auto& w : f.windows) {
      const double end = w.start_s + 10;
      auto it = std::lower_bound(t.x.begin(), t.x.end(), end - 1e-6);
      if (it == t.x.end()) continue;
      out[static_cast<size_t>(it - t.x.begin())] = value(w);
    }
    return out;
  };
  {
    Chart c = chart(t, "Throughput: requests answered per second", "requests / s");
    std::vector<Line> lines;
    for (const auto& f : rep.routes)
      lines.push_back(Line{f.request,
                           window_values(f,
                                         [](const runtime::RouteWindow& w) {
                                           return static_cast<double>(w.answered) / 10;
                                         }),
                           "", false, f.entry});
    add_top(c, std::move(lines), 9, "routes");
    if (!run.offered_rate_per_s.empty())
      c.lines.push_back(
          Line{"offered (open-loop loads)", run.offered_rate_per_s, "#222", true, ""});
    s += render_chart(c);
  }
  {
    Chart c = chart(t, "Error rate: non-2xx answers and give-ups", "% of answers");
    std::vector<Line> lines;
    for (const auto& f : rep.routes)
      lines.push_back(Line{f.request,
                           window_values(f,
                                         [](const runtime::RouteWindow& w) {
                                           return w.answered
                                                      ? 100.0 * static_cast<double>(w.errors) /
                                                            static_cast<double>(w.answered)
                                                      : kNoValue;
                                         }),
                           "", false, ""});
    add_top(c, std::move(lines), 9, "routes");
    if (c.lines.empty()) c.caption = "No route answered with an error. " + c.caption;
    s += render_chart(c);
  }
  {
    // Answers by status over all routes, errors only (2xx left out).
    std::map<std::string, std::vector<double>> by_status;
    for (const auto* se : series_of(rep, "responses")) {
      const int status = std::atoi(se->label.c_str());
      if (status >= 200 && status < 400) continue;
      auto& v = by_status[se->label == "0" ? "gave up (no answer)" : "HTTP " + se->label];
      v.resize(se->values.size(), 0);
      for (size_t i = 0; i < se->values.size(); ++i)
        v[i] += std::isfinite(se->values[i]) ? se->values[i] / 10 : 0;
    }
    Chart c = chart(t, "Errors by status (requests sent after the warm-up)", "answers / s");
    std::vector<Line> lines;
    for (auto& [name, v] : by_status) lines.push_back(Line{name, v, "", false, ""});
    add_top(c, std::move(lines), 9, "statuses");
    if (c.lines.empty()) c.caption = "No error answer. " + c.caption;
    s += render_chart(c);
  }
  for (const auto& f : rep.routes) {
    const std::string subject = f.entry + " " + f.request;
    Chart c = chart(t, "Latency of " + f.request + " (" + f.entry + ")", "ms");
    c.log_scale = true;
    const char* colors[] = {"#4e79a7", "#f28e2b", "#e15759"};
    int i = 0;
    for (const char* q : {"p50", "p95", "p99"}) {
      for (const auto* se : series_of(rep, "latency_ms"))
        if (se->subject == subject && se->label == q)
          c.lines.push_back(Line{q, se->values, colors[i], false, ""});
      ++i;
    }
    c.caption = "Quantiles of the answers in each window (requests sent after the warm-up).";
    s += render_chart(c);
  }
  auto per_subject = [&](const char* metric, const char* title, const char* unit, size_t keep,
                         const char* what) {
    Chart c = chart(t, title, unit);
    std::vector<Line> lines;
    for (const auto* se : series_of(rep, metric))
      lines.push_back(Line{se->subject + (se->label.empty() ? "" : " " + se->label), se->values, "",
                           false, ""});
    add_top(c, std::move(lines), keep, what);
    return c;
  };
  s += render_chart(
      per_subject("cpu_cores", "CPU per workload (all its pods)", "cores", 8, "workloads"));
  s += render_chart(per_subject("queue", "Requests queued for a worker, per workload", "requests",
                                8, "workloads"));
  {
    Chart c = per_subject("ready_pods", "Ready pods per workload", "pods", 10, "workloads");
    s += render_chart(c);
  }
  if (!series_of(rep, "postgres_connections").empty()) {
    Chart c = per_subject("postgres_connections", "PostgreSQL server connections (open)",
                          "connections", 6, "servers");
    for (const auto& p : r.merged.postgres)
      c.levels.emplace_back(p.max_connections, fmt::format("{}/{} max {}", p.namespace_name, p.name,
                                                           p.max_connections));
    s += render_chart(c);
  }
  if (!series_of(rep, "kafka_isr").empty()) {
    Chart c = per_subject("kafka_isr", "Kafka in-sync replicas per partition", "replicas", 12,
                          "partitions");
    c.caption += " Below min.insync.replicas, acks=all sends fail (NotEnoughReplicas).";
    s += render_chart(c);
  }
  if (!series_of(rep, "kafka_lag").empty()) {
    Chart c =
        per_subject("kafka_lag", "Kafka consumer lag per partition", "records", 10, "partitions");
    s += render_chart(c);
  }
  if (!series_of(rep, "volume_bytes").empty()) s += render_chart(disk_chart(run, t));
  s += "</div></section>\n";
  return s;
}

std::string figures_section(const scenario::ScenarioResult& r) {
  std::string s =
      "<section id=\"figures\"><h2>Routes</h2><table><thead><tr><th>ENTRY</th>"
      "<th>REQUEST</th><th>SENT</th><th>THROUGHPUT</th><th>ERRORS</th><th>P50</th>"
      "<th>P99</th><th>MAX</th></tr></thead><tbody>\n";
  for (const auto& rs : r.routes) {
    const auto& f = rs.merged;
    const bool any = f.latency.count() > 0;
    auto q = [&](double p) {
      return any ? format_latency_ms(static_cast<double>(f.latency.quantile(p)) / 1e6) : "-";
    };
    s += fmt::format(
        "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td "
        "class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td "
        "class=\"n\">{}</td></tr>\n",
        esc(f.entry), esc(f.request), format_count(static_cast<double>(f.sent)),
        format_rate(f.throughput_per_s), format_percent(f.error_rate), q(0.5), q(0.99),
        any ? format_latency_ms(static_cast<double>(f.latency.max()) / 1e6) : "-");
  }
  s += "</tbody></table>\n<h2>Workloads</h2><table><thead><tr><th>WORKLOAD</th><th>PODS</th>"
       "<th>CPU</th><th>OF LIMIT</th><th>THROTTLED</th><th>QUEUE</th><th>OOM KILLS</th>"
       "<th>RESTARTS</th><th>READY</th></tr></thead><tbody>\n";
  for (const auto& w : r.merged.workloads)
    s += fmt::format(
        "<tr><td>{}/{}</td><td class=\"n\">{}</td><td class=\"n\">{:.3f}</td><td "
        "class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{:.1f}</td><td "
        "class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n",
        esc(w.namespace_name), esc(w.name), w.pods, w.cpu_cores_mean,
        w.cpu_limit_milli ? format_percent(w.cpu_utilisation_of_limit) : "no limit",
        format_percent(w.throttled_period_fraction), w.queue_mean, w.oom_kills, w.restarts,
        format_percent(w.ready_fraction));
  s += "</tbody></table></section>\n";
  return s;
}

std::string run_section(const StoredRun& run) {
  const scenario::ScenarioResult& r = run.result;
  std::string s = "<section id=\"run\"><h2>The run</h2><table><tbody>\n";
  auto row = [&](const std::string& k, const std::string& v) {
    s += fmt::format("<tr><th>{}</th><td>{}</td></tr>\n", esc(k), esc(v));
  };
  row("command", run.command_line);
  row("started",
      run.listing.started_at + fmt::format(" (wall {:.2f} s)", run.listing.wall_seconds));
  row("model", run.model_path + "  " + run.model_digest);
  row("kubetwin", run.kubetwin_version);
  row("events", fmt::format("{} over {} replications, fingerprint 0x{:016x}", r.events,
                            r.replications, r.fingerprint));
  for (const auto& [k, v] : run.parameters) row(k, v);
  for (const auto& [k, v] : run.overrides) row("override " + k, v);
  s += "</tbody></table>\n";
  if (!r.notes.empty()) {
    s += "<h2>Notes</h2><ul>\n";
    for (const auto& n : r.notes) s += "<li>" + esc(n) + "</li>\n";
    s += "</ul>\n";
  }
  s += "</section>\n";
  return s;
}

}  // namespace

std::string render_runs_table(const std::vector<RunListing>& runs) {
  TabWriter tw = TabWriter::for_get();
  tw << "ID\tSTARTED\tSCENARIO\tSEED\tREPLICATIONS\tDURATION\tVERDICT\tCHECKS\tWALL\n";
  for (const RunListing& l : runs)
    tw << fmt::format("{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}/{}\t{:.2f}s\n", l.id, l.started_at,
                      l.scenario_name, l.seed, l.replications, seconds_label(l.duration_s),
                      l.verdict, l.checks_passed, l.checks, l.wall_seconds);
  return tw.flush();
}

std::string render_runs_json(const std::vector<RunListing>& runs,
                             const std::vector<StoredCapacitySearch>& searches) {
  std::string out = "{\n  \"runs\": [";
  for (size_t i = 0; i < runs.size(); ++i) {
    const RunListing& l = runs[i];
    out += fmt::format(
        "{}\n    {{\"id\": {}, \"started_at\": {}, \"scenario_name\": {}, \"scenario_path\": {}, "
        "\"seed\": {}, \"replications\": {}, \"duration_s\": {}, \"verdict\": {}, \"checks\": {}, "
        "\"checks_passed\": {}, \"wall_seconds\": {}}}",
        i ? "," : "", l.id, k8s::json_quote(l.started_at), k8s::json_quote(l.scenario_name),
        k8s::json_quote(l.scenario_path), l.seed, l.replications, l.duration_s,
        k8s::json_quote(l.verdict), l.checks, l.checks_passed, l.wall_seconds);
  }
  out += runs.empty() ? "],\n" : "\n  ],\n";
  out += "  \"capacity_searches\": [";
  for (size_t i = 0; i < searches.size(); ++i) {
    const StoredCapacitySearch& c = searches[i];
    out += fmt::format(
        "{}\n    {{\"id\": {}, \"started_at\": {}, \"scenario_name\": {}, \"scenario_path\": {}, "
        "\"slo\": {}, \"probes\": {}, \"found\": {}, \"max_rate_per_s\": {}, "
        "\"wall_seconds\": {}}}",
        i ? "," : "", c.id, k8s::json_quote(c.started_at), k8s::json_quote(c.scenario_name),
        k8s::json_quote(c.scenario_path), k8s::json_quote(c.result.slo.text),
        c.result.probes.size(), c.result.found ? "true" : "false", c.result.max_rate_per_s,
        c.wall_seconds);
  }
  out += searches.empty() ? "]\n}\n" : "\n  ]\n}\n";
  return out;
}

std::string render_html_report(const StoredRun& run) {
  const scenario::ScenarioResult& r = run.result;
  std::string s = page_head(fmt::format("kubetwin run {}: {}", run.listing.id, r.name));
  s += "<header>\n";
  s += fmt::format("<h1>{} <span class=\"badge {}\">{}</span></h1>\n", esc(r.name),
                   run.listing.verdict, run.listing.verdict);
  if (!r.description.empty()) s += "<p class=\"description\">" + esc(r.description) + "</p>\n";
  std::string envs;
  for (const auto& e : r.environments) envs += (envs.empty() ? "" : ", ") + e;
  s += fmt::format(
      "<p class=\"meta\">run {} of {} &middot; started {} &middot; {} &middot; environments {} "
      "&middot; {} simulated, {} warm-up, {} replication{} from seed {}{}</p>\n",
      run.listing.id, esc(r.path), esc(run.listing.started_at), esc(run.model_path), esc(envs),
      seconds_label(r.duration_s), seconds_label(r.warmup_s), r.replications,
      r.replications == 1 ? "" : "s", r.seed,
      r.offered_rate_per_s > 0 ? ", offered " + format_rate(r.offered_rate_per_s) : "");
  s += "</header>\n";
  s += verdict_section(run);
  s += faults_section(r);
  s += findings_section(run);
  s += "<section id=\"topology\"><h2>Topology</h2>\n<p class=\"key\"><span>boxes = "
       "namespaces</span><span>blue = configured dependency</span><span>green = Ingress "
       "route</span><span>grey = Service backed by</span><span>brown dotted = volume</span>"
       "<span style=\"color:#d62728\">red = crosses environments (thick dashed: calls seen at "
       "run time)</span></p>\n<div class=\"topology-wrap\">\n";
  s += render_topology(run.topology);
  s += "</div></section>\n";
  s += flows_section(r);
  s += charts_section(run);
  s += figures_section(r);
  s += run_section(run);
  s += "</body>\n</html>\n";
  return s;
}

}  // namespace kubetwin::report

// ---- Capacity searches -----------------------------------------------------------------------

namespace kubetwin::report {

namespace {

std::string capacity_answer(const scenario::CapacityResult& c) {
  if (c.found) return format_rate(c.max_rate_per_s) + fmt::format(" ({:.2f}x)", c.scale);
  return c.scale > 0 ? ">= " + format_rate(c.max_rate_per_s) : "none";
}

// The probes in the order of their offered rate (the search runs them out of order).
std::vector<const scenario::CapacityProbe*> probes_by_rate(const scenario::CapacityResult& c) {
  std::vector<const scenario::CapacityProbe*> out;
  for (const auto& p : c.probes) out.push_back(&p);
  std::stable_sort(out.begin(), out.end(), [](const auto* x, const auto* y) {
    return x->offered_rate_per_s < y->offered_rate_per_s;
  });
  return out;
}

}  // namespace

std::string render_capacity_searches_table(const std::vector<StoredCapacitySearch>& searches) {
  TabWriter tw = TabWriter::for_get();
  tw << "ID\tSTARTED\tSCENARIO\tSLO\tPROBES\tANSWER\tWALL\n";
  for (const StoredCapacitySearch& s : searches)
    tw << fmt::format("{}\t{}\t{}\t{}\t{}\t{}\t{:.2f}s\n", s.id, s.started_at, s.scenario_name,
                      s.result.slo.text, s.result.probes.size(), capacity_answer(s.result),
                      s.wall_seconds);
  return tw.flush();
}

std::string render_capacity_html(const StoredCapacitySearch& search) {
  const scenario::CapacityResult& c = search.result;
  std::string s =
      page_head(fmt::format("kubetwin capacity search {}: {}", search.id, search.scenario_name));
  const char* badge = c.found ? "PASS" : c.scale > 0 ? "INCOMPLETE" : "FAIL";
  s += fmt::format("<header>\n<h1>Capacity of {} <span class=\"badge {}\">{}</span></h1>\n",
                   esc(search.scenario_name), badge,
                   c.found       ? "FOUND"
                   : c.scale > 0 ? "NO FAILURE FOUND"
                                 : "SLO MISSED");
  s += fmt::format(
      "<p class=\"meta\">search {} of {} &middot; started {} &middot; {} &middot; environments "
      "{} &middot; {} simulated per probe, {} replication{} from seed {}</p>\n</header>\n",
      search.id, esc(search.scenario_path), esc(search.started_at), esc(search.model_path),
      esc(search.environments), seconds_label(search.duration_s), search.replications,
      search.replications == 1 ? "" : "s", search.seed);
  s += "<section id=\"answer\"><h2>Answer</h2><table><tbody>\n";
  auto row = [&](const std::string& k, const std::string& v) {
    s += fmt::format("<tr><th>{}</th><td>{}</td></tr>\n", esc(k), esc(v));
  };
  row("SLO", c.slo.text + (c.slo.route.empty() ? " (every route)" : " on " + c.slo.route));
  row("answer", c.summary);
  row("highest passing load", capacity_answer(c));
  if (!c.bottleneck.resource.empty())
    row(c.bottleneck.saturated() ? "first bottleneck" : "most loaded (none saturated)",
        c.bottleneck.resource + ": " + c.bottleneck.evidence);
  row("command", search.command_line);
  row("model", search.model_path + "  " + search.model_digest);
  s += "</tbody></table></section>\n";

  const std::vector<const scenario::CapacityProbe*> probes = probes_by_rate(c);
  std::vector<double> x;
  for (const auto* p : probes) x.push_back(p->offered_rate_per_s);
  // Routes in the first probe's order.
  std::vector<std::pair<std::string, std::string>> routes;
  for (const auto* p : probes)
    for (const auto& r : p->routes)
      if (std::find(routes.begin(), routes.end(), std::pair(r.entry, r.request)) == routes.end())
        routes.emplace_back(r.entry, r.request);
  auto values = [&](const std::pair<std::string, std::string>& route, auto pick) {
    std::vector<double> v;
    for (const auto* p : probes) {
      double value = kNoValue;
      for (const auto& r : p->routes)
        if (r.entry == route.first && r.request == route.second) value = pick(r);
      v.push_back(value);
    }
    return v;
  };
  const std::string q(scenario::to_string(c.slo.quantile));
  auto base = [&](std::string title, std::string unit) {
    Chart ch;
    ch.title = std::move(title);
    ch.unit = std::move(unit);
    ch.x = x;
    ch.x_is_time = false;
    ch.x_label = "offered load (requests / s)";
    if (c.found || c.scale > 0)
      ch.markers.emplace_back(c.max_rate_per_s, "knee " + format_rate(c.max_rate_per_s));
    double first_fail = std::numeric_limits<double>::infinity();
    for (const auto* p : probes)
      if (!p->passed) first_fail = std::min(first_fail, p->offered_rate_per_s);
    if (std::isfinite(first_fail) && first_fail != c.max_rate_per_s)
      ch.markers.emplace_back(first_fail, "first miss " + format_rate(first_fail));
    return ch;
  };
  s += "<section id=\"charts\"><h2>The probes as curves</h2>\n<p class=\"key\"><span>one dot per "
       "probe (a full run at that load)</span><span>dashed purple = the knee: the highest load "
       "that met the SLO, and the first that missed it</span><span>grey dotted = the SLO's "
       "bound</span></p>\n<div class=\"charts\">\n";
  {
    Chart ch = base(q + " latency against offered load", "ms");
    ch.log_scale = true;
    for (size_t i = 0; i < routes.size(); ++i) {
      Line l{routes[i].second, values(routes[i], [](const auto& r) { return r.quantile_ms; }),
             kPalette[i % std::size(kPalette)], false, routes[i].first};
      l.dots = true;
      ch.lines.push_back(std::move(l));
    }
    if (c.slo.below)
      ch.levels.emplace_back(
          static_cast<double>(*c.slo.below) / 1e6,
          "SLO " + q + " < " + format_latency_ms(static_cast<double>(*c.slo.below) / 1e6));
    ch.caption = "Each route's " + q + " over the probe's replications merged.";
    s += render_chart(ch);
  }
  {
    Chart ch = base("Error rate against offered load", "% of answers");
    for (size_t i = 0; i < routes.size(); ++i) {
      Line l{routes[i].second,
             values(routes[i], [](const auto& r) { return 100.0 * r.error_rate; }),
             kPalette[i % std::size(kPalette)], false, routes[i].first};
      l.dots = true;
      ch.lines.push_back(std::move(l));
    }
    if (c.slo.error_rate_below)
      ch.levels.emplace_back(100.0 * *c.slo.error_rate_below,
                             "SLO errors < " + format_percent(*c.slo.error_rate_below));
    s += render_chart(ch);
  }
  s += "</div></section>\n";
  s += "<section id=\"probes\"><h2>Probes</h2><table><thead><tr><th>#</th><th>SCALE</th>"
       "<th>OFFERED</th><th>RESULT</th><th>REPLICATIONS</th><th>WORST ROUTE</th>";
  for (const auto& r : routes) s += "<th>" + esc(r.second) + " " + esc(q) + "</th>";
  s += "</tr></thead><tbody>\n";
  for (size_t i = 0; i < c.probes.size(); ++i) {
    const scenario::CapacityProbe& p = c.probes[i];
    s += fmt::format(
        "<tr><td class=\"n\">{}</td><td class=\"n\">{:.3g}x</td><td class=\"n\">{}</td><td><span "
        "class=\"badge {}\">{}</span></td><td class=\"n\">{}</td><td>{}</td>",
        i + 1, p.scale, format_rate(p.offered_rate_per_s), p.passed ? "PASS" : "FAIL",
        p.passed ? "PASS" : "FAIL", replications_text(p, c), esc(p.measured));
    for (const auto& route : routes) {
      std::string cell = "-";
      for (const auto& r : p.routes)
        if (r.entry == route.first && r.request == route.second && std::isfinite(r.quantile_ms))
          cell = format_latency_ms(r.quantile_ms) + ", " + format_percent(r.error_rate);
      s += "<td class=\"n\">" + esc(cell) + "</td>";
    }
    s += "</tr>\n";
  }
  s += "</tbody></table><p class=\"caption\">In the order the search ran them: doubling from the "
       "scenario's own load until the SLO breaks, then bisecting.</p></section>\n";
  s += "</body>\n</html>\n";
  return s;
}

}  // namespace kubetwin::report

// ---- Two runs compared -----------------------------------------------------------------------

namespace kubetwin::report {

namespace {

constexpr const char* kMovedRule =
    "A figure moved when the 95% intervals of both runs are apart (two replications or more "
    "each); otherwise when it changed by more than 10% and by more than its floor: 1 ms, 1 req/s, "
    "0.1 point of %, 0.01 cores, 1 s, 1 for mean counts (queue, connections), any whole event "
    "(restarts, OOM kills, refusals, lost writes).";

// The smallest change that counts for a unit (kMovedRule).
double floor_of(const std::string& unit) {
  if (unit == "ms") return 1.0;
  if (unit == "req/s") return 1.0;
  if (unit == "%") return 0.1;
  if (unit == "cores") return 0.01;
  if (unit == "s") return 1.0;
  if (unit == "events") return 0;  // whole events: one more restart, one more write lost
  return 1.0;                      // means of counts (queue)
}

void judge(FigureChange& f) {
  const bool a_ok = std::isfinite(f.a), b_ok = std::isfinite(f.b);
  if (!a_ok || !b_ok) {
    f.moved = a_ok != b_ok;
    f.why = f.moved ? (a_ok ? "only in A" : "only in B") : "";
    return;
  }
  const double delta = f.b - f.a;
  const bool intervals = f.a_half_width >= 0 && f.b_half_width >= 0 &&
                         std::isfinite(f.a_half_width) && std::isfinite(f.b_half_width);
  if (intervals) {
    f.moved =
        f.a + f.a_half_width < f.b - f.b_half_width || f.b + f.b_half_width < f.a - f.a_half_width;
    if (f.moved) f.why = "95% intervals apart";
    return;
  }
  const double larger = std::max(std::fabs(f.a), std::fabs(f.b));
  f.moved = std::fabs(delta) > kCompareRelative * larger && std::fabs(delta) > floor_of(f.unit);
  if (f.moved)
    f.why = f.a != 0 ? fmt::format("{:+.0f}%", 100.0 * delta / std::fabs(f.a)) : "from zero";
}

std::string figure_text(double v, const std::string& unit) {
  if (!std::isfinite(v)) return "-";
  if (unit == "ms") return format_latency_ms(v);
  if (unit == "req/s") return format_rate(v);
  if (unit == "%") return fmt::format("{:.2f}%", v);
  if (unit == "cores") return fmt::format("{:.3f}", v);
  if (unit == "s") return format_span(v);
  if (unit == "events" && v != std::floor(v)) return fmt::format("{:.2f}", v);  // per replication
  return format_count(v);
}

std::string with_interval(double v, double hw, const std::string& unit) {
  std::string s = figure_text(v, unit);
  if (std::isfinite(v) && hw >= 0 && std::isfinite(hw)) s += " \u00b1" + figure_text(hw, unit);
  return s;
}

const runtime::RouteFigures* find_route(const scenario::ScenarioResult& r,
                                        const runtime::RouteFigures& like) {
  for (const auto& x : r.routes)
    if (x.merged.entry == like.entry && x.merged.request == like.request) return &x.merged;
  return nullptr;
}

std::string change_line(const FigureChange& f) {
  return fmt::format("{} {}: {} -> {} ({})", f.subject, f.figure,
                     with_interval(f.a, f.a_half_width, f.unit),
                     with_interval(f.b, f.b_half_width, f.unit), f.why);
}

std::string check_word(const std::optional<bool>& v) {
  return !v ? "-" : *v ? "PASS" : "FAIL";
}

std::vector<std::string> difference_lines(const RunComparison& c) {
  std::vector<std::string> out;
  if (c.a.verdict != c.b.verdict)
    out.push_back(fmt::format("verdict {} -> {}", c.a.verdict, c.b.verdict));
  for (const auto& s : c.settings)
    out.push_back(fmt::format("setting {}: {} -> {}", s.name, s.a.empty() ? "(unset)" : s.a,
                              s.b.empty() ? "(unset)" : s.b));
  if (c.a_model_digest != c.b_model_digest)
    out.push_back(fmt::format("model {} -> {}", c.a_model_digest, c.b_model_digest));
  for (const auto& k : c.checks)
    if (k.changed)
      out.push_back(fmt::format("check {}: {} -> {}", k.check, check_word(k.a), check_word(k.b)));
  for (const auto& f : c.figures)
    if (f.moved) out.push_back(change_line(f));
  return out;
}

}  // namespace

RunComparison compare_runs(const StoredRun& a, const StoredRun& b) {
  RunComparison c;
  c.a = a.listing;
  c.b = b.listing;
  c.a_model_digest = a.model_digest;
  c.b_model_digest = b.model_digest;
  // Settings: parameters and overrides, A's order then B's new ones.
  auto settings_of = [](const StoredRun& r) {
    std::vector<std::pair<std::string, std::string>> out = r.parameters;
    for (const auto& [k, v] : r.overrides) out.emplace_back("override " + k, v);
    return out;
  };
  const auto sa = settings_of(a), sb = settings_of(b);
  auto lookup = [](const auto& list, const std::string& name) {
    for (const auto& [k, v] : list)
      if (k == name) return v;
    return std::string();
  };
  std::set<std::string> seen;
  for (const auto* list : {&sa, &sb})
    for (const auto& [k, v] : *list) {
      if (!seen.insert(k).second) continue;
      const std::string va = lookup(sa, k), vb = lookup(sb, k);
      if (va != vb) c.settings.push_back(SettingChange{k, va, vb});
    }
  // Checks, by their text.
  for (int side = 0; side < 2; ++side) {
    const StoredRun& run = side == 0 ? a : b;
    for (const auto& v : run.result.checks) {
      auto it = std::find_if(c.checks.begin(), c.checks.end(),
                             [&](const CheckChange& k) { return k.check == v.check; });
      if (it == c.checks.end()) {
        c.checks.push_back(CheckChange{v.check, {}, {}, "", "", false});
        it = std::prev(c.checks.end());
      }
      const bool passed = v.passed && !run.result.incomplete;
      (side == 0 ? it->a : it->b) = passed;
      (side == 0 ? it->a_measured : it->b_measured) = v.measured;
    }
  }
  for (auto& k : c.checks) k.changed = k.a != k.b;
  // Figures.
  auto add = [&](std::string subject, std::string figure, std::string unit, double va, double vb,
                 double ha = -1, double hb = -1) {
    FigureChange f{
        std::move(subject), std::move(figure), std::move(unit), va, vb, ha, hb, false, ""};
    judge(f);
    c.figures.push_back(std::move(f));
  };
  auto ms = [](const runtime::RouteFigures* f, double q) {
    return f && f->latency.count() ? static_cast<double>(f->latency.quantile(q)) / 1e6 : kNoValue;
  };
  auto hw = [](const sim::ConfidenceInterval& ci, int replications) {
    return replications >= 2 ? ci.half_width : -1.0;
  };
  std::vector<const runtime::RouteFigures*> routes;
  for (const auto* run : {&a, &b})
    for (const auto& rs : run->result.routes)
      if (std::none_of(routes.begin(), routes.end(), [&](const runtime::RouteFigures* x) {
            return x->entry == rs.merged.entry && x->request == rs.merged.request;
          }))
        routes.push_back(&rs.merged);
  auto summary = [](const scenario::ScenarioResult& r,
                    const runtime::RouteFigures* like) -> const scenario::RouteSummary* {
    for (const auto& x : r.routes)
      if (x.merged.entry == like->entry && x.merged.request == like->request) return &x;
    return nullptr;
  };
  for (const runtime::RouteFigures* like : routes) {
    const runtime::RouteFigures* fa = find_route(a.result, *like);
    const runtime::RouteFigures* fb = find_route(b.result, *like);
    const scenario::RouteSummary* ra = summary(a.result, like);
    const scenario::RouteSummary* rb = summary(b.result, like);
    const std::string subject = "route " + like->request;
    add(subject, "throughput", "req/s", fa ? fa->throughput_per_s : kNoValue,
        fb ? fb->throughput_per_s : kNoValue,
        ra ? hw(ra->throughput_per_s, a.result.replications) : -1,
        rb ? hw(rb->throughput_per_s, b.result.replications) : -1);
    add(subject, "error rate", "%", fa ? 100 * fa->error_rate : kNoValue,
        fb ? 100 * fb->error_rate : kNoValue);
    add(subject, "p50", "ms", ms(fa, 0.5), ms(fb, 0.5));
    // p99: the interval is over the replications' own p99s, so their mean is what is judged.
    FigureChange p99{subject, "p99", "ms", ms(fa, 0.99), ms(fb, 0.99), -1, -1, false, ""};
    if (ra && rb && a.result.replications >= 2 && b.result.replications >= 2) {
      FigureChange means{subject,
                         "p99",
                         "ms",
                         ra->p99_ms.mean,
                         rb->p99_ms.mean,
                         ra->p99_ms.half_width,
                         rb->p99_ms.half_width,
                         false,
                         ""};
      judge(means);
      p99 = means;
    } else {
      judge(p99);
    }
    c.figures.push_back(std::move(p99));
  }
  auto workload = [](const scenario::ScenarioResult& r,
                     const runtime::WorkloadFigures& like) -> const runtime::WorkloadFigures* {
    for (const auto& w : r.merged.workloads)
      if (w.namespace_name == like.namespace_name && w.name == like.name) return &w;
    return nullptr;
  };
  // Events are totals over a run's replications: compared per replication when the counts differ.
  const bool per_replication = a.result.replications != b.result.replications;
  const double na = per_replication ? std::max(1, a.result.replications) : 1;
  const double nb = per_replication ? std::max(1, b.result.replications) : 1;
  auto events = [&](std::string subject, std::string figure, double va, double vb) {
    add(std::move(subject), figure + (per_replication ? " per replication" : ""), "events", va / na,
        vb / nb);
  };
  std::vector<const runtime::WorkloadFigures*> workloads;
  for (const auto* run : {&a, &b})
    for (const auto& w : run->result.merged.workloads)
      if (std::none_of(workloads.begin(), workloads.end(), [&](const auto* x) {
            return x->namespace_name == w.namespace_name && x->name == w.name;
          }))
        workloads.push_back(&w);
  for (const auto* like : workloads) {
    const auto* wa = workload(a.result, *like);
    const auto* wb = workload(b.result, *like);
    const std::string subject = "workload " + like->namespace_name + "/" + like->name;
    auto v = [](const runtime::WorkloadFigures* w, auto pick) { return w ? pick(*w) : kNoValue; };
    add(subject, "CPU", "cores", v(wa, [](const auto& w) { return w.cpu_cores_mean; }),
        v(wb, [](const auto& w) { return w.cpu_cores_mean; }));
    add(subject, "queue", "count", v(wa, [](const auto& w) { return w.queue_mean; }),
        v(wb, [](const auto& w) { return w.queue_mean; }));
    add(subject, "ready", "%", v(wa, [](const auto& w) { return 100 * w.ready_fraction; }),
        v(wb, [](const auto& w) { return 100 * w.ready_fraction; }));
    events(subject, "restarts",
           v(wa, [](const auto& w) { return static_cast<double>(w.restarts); }),
           v(wb, [](const auto& w) { return static_cast<double>(w.restarts); }));
    events(subject, "OOM kills",
           v(wa, [](const auto& w) { return static_cast<double>(w.oom_kills); }),
           v(wb, [](const auto& w) { return static_cast<double>(w.oom_kills); }));
  }
  for (const auto& pa : a.result.merged.postgres)
    for (const auto& pb : b.result.merged.postgres)
      if (pa.namespace_name == pb.namespace_name && pa.name == pb.name) {
        const std::string subject = "postgres " + pa.namespace_name + "/" + pa.name;
        add(subject, "connections at peak", "count", pa.connections_max, pb.connections_max);
        events(subject, "refused connections", static_cast<double>(pa.connection_refusals),
               static_cast<double>(pb.connection_refusals));
        events(subject, "commits lost", static_cast<double>(pa.commits_lost),
               static_cast<double>(pb.commits_lost));
      }
  for (const auto& ka : a.result.merged.kafka_lost_writes)
    for (const auto& kb : b.result.merged.kafka_lost_writes)
      if (ka.namespace_name == kb.namespace_name && ka.topic == kb.topic)
        events("kafka " + ka.namespace_name + " " + ka.topic, "acknowledged writes lost",
               static_cast<double>(ka.lost), static_cast<double>(kb.lost));
  for (const auto& fa : a.result.faults)
    for (const auto& fb : b.result.faults)
      if (fa.fault.name == fb.fault.name && fa.fault.action == fb.fault.action) {
        const std::string subject = "fault " + fa.fault.name;
        add(subject, "detected after", "s", fa.detect_s < 0 ? kNoValue : fa.detect_s,
            fb.detect_s < 0 ? kNoValue : fb.detect_s);
        add(subject, "outage", "s", fa.outage_s, fb.outage_s);
      }
  c.differences = 0;
  for (const std::string& line : difference_lines(c)) {
    (void)line;
    ++c.differences;
  }
  return c;
}

std::string render_comparison_text(const RunComparison& c) {
  std::string s = fmt::format(
      "Run {} ({}, seed {}, {} replication{}, {}) against run {} ({}, seed {}, {} "
      "replication{}, {})\n",
      c.a.id, c.a.scenario_name, c.a.seed, c.a.replications, c.a.replications == 1 ? "" : "s",
      c.a.verdict, c.b.id, c.b.scenario_name, c.b.seed, c.b.replications,
      c.b.replications == 1 ? "" : "s", c.b.verdict);
  const std::vector<std::string> diffs = difference_lines(c);
  s += fmt::format("\n{} difference{}{}\n", diffs.size(), diffs.size() == 1 ? "" : "s",
                   diffs.empty() ? "." : ":");
  for (const std::string& d : diffs) s += "  " + d + "\n";
  s += "\nCHECKS\n";
  TabWriter checks = TabWriter::for_get();
  checks << "A\tB\tCHECK\tA MEASURED\tB MEASURED\n";
  for (const auto& k : c.checks)
    checks << fmt::format("{}\t{}\t{}\t{}\t{}\n", check_word(k.a), check_word(k.b), k.check,
                          k.a_measured.empty() ? "-" : k.a_measured,
                          k.b_measured.empty() ? "-" : k.b_measured);
  s += c.checks.empty() ? "(none)\n" : checks.flush();
  s += "\nFIGURES\n";
  TabWriter figures = TabWriter::for_get();
  figures << "SUBJECT\tFIGURE\tA\tB\tMOVED\n";
  for (const auto& f : c.figures)
    figures << fmt::format("{}\t{}\t{}\t{}\t{}\n", f.subject, f.figure,
                           with_interval(f.a, f.a_half_width, f.unit),
                           with_interval(f.b, f.b_half_width, f.unit), f.moved ? f.why : "-");
  s += figures.flush();
  s += "\n" + std::string(kMovedRule) + "\n";
  return s;
}

std::string render_comparison_json(const RunComparison& c) {
  auto num_or_null = [](double v) { return std::isfinite(v) ? fmt::format("{}", v) : "null"; };
  auto run = [](const RunListing& l, const std::string& digest) {
    return fmt::format(
        "{{\"id\": {}, \"scenario_name\": {}, \"scenario_path\": {}, \"seed\": {}, "
        "\"replications\": {}, \"verdict\": {}, \"model_digest\": {}}}",
        l.id, k8s::json_quote(l.scenario_name), k8s::json_quote(l.scenario_path), l.seed,
        l.replications, k8s::json_quote(l.verdict), k8s::json_quote(digest));
  };
  std::string s = "{\n  \"a\": " + run(c.a, c.a_model_digest) +
                  ",\n  \"b\": " + run(c.b, c.b_model_digest) + ",\n";
  s += fmt::format("  \"verdict_changed\": {},\n  \"model_changed\": {},\n",
                   c.a.verdict != c.b.verdict ? "true" : "false",
                   c.a_model_digest != c.b_model_digest ? "true" : "false");
  s += "  \"settings\": [";
  for (size_t i = 0; i < c.settings.size(); ++i)
    s += fmt::format("{}\n    {{\"name\": {}, \"a\": {}, \"b\": {}}}", i ? "," : "",
                     k8s::json_quote(c.settings[i].name), k8s::json_quote(c.settings[i].a),
                     k8s::json_quote(c.settings[i].b));
  s += c.settings.empty() ? "],\n" : "\n  ],\n";
  s += "  \"checks\": [";
  auto b = [](const std::optional<bool>& v) { return !v ? "null" : *v ? "true" : "false"; };
  for (size_t i = 0; i < c.checks.size(); ++i) {
    const auto& k = c.checks[i];
    s += fmt::format(
        "{}\n    {{\"check\": {}, \"a_passed\": {}, \"b_passed\": {}, \"a_measured\": {}, "
        "\"b_measured\": {}, \"changed\": {}}}",
        i ? "," : "", k8s::json_quote(k.check), b(k.a), b(k.b), k8s::json_quote(k.a_measured),
        k8s::json_quote(k.b_measured), k.changed ? "true" : "false");
  }
  s += c.checks.empty() ? "],\n" : "\n  ],\n";
  s += "  \"figures\": [";
  for (size_t i = 0; i < c.figures.size(); ++i) {
    const auto& f = c.figures[i];
    s += fmt::format(
        "{}\n    {{\"subject\": {}, \"figure\": {}, \"unit\": {}, \"a\": {}, \"b\": {}, "
        "\"a_ci95_half_width\": {}, \"b_ci95_half_width\": {}, \"moved\": {}, \"why\": {}}}",
        i ? "," : "", k8s::json_quote(f.subject), k8s::json_quote(f.figure),
        k8s::json_quote(f.unit), num_or_null(f.a), num_or_null(f.b),
        f.a_half_width >= 0 ? num_or_null(f.a_half_width) : "null",
        f.b_half_width >= 0 ? num_or_null(f.b_half_width) : "null", f.moved ? "true" : "false",
        k8s::json_quote(f.why));
  }
  s += c.figures.empty() ? "],\n" : "\n  ],\n";
  s += fmt::format("  \"differences\": {}\n}}\n", c.differences);
  return s;
}

std::string render_comparison_html(const RunComparison& c, const StoredRun& a, const StoredRun& b) {
  std::string s = page_head(fmt::format("kubetwin runs {} and {} compared", c.a.id, c.b.id));
  s += fmt::format(
      "<header>\n<h1>Run {} <span class=\"badge {}\">{}</span> against run {} <span "
      "class=\"badge {}\">{}</span></h1>\n",
      c.a.id, c.a.verdict, c.a.verdict, c.b.id, c.b.verdict, c.b.verdict);
  for (int side = 0; side < 2; ++side) {
    const StoredRun* r = side == 0 ? &a : &b;
    s += fmt::format(
        "<p class=\"meta\"><b>{}</b> run {}: {} ({}) &middot; started {} &middot; seed {}, {} "
        "replication{} &middot; {}</p>\n",
        side == 0 ? "A" : "B", r->listing.id, esc(r->result.name), esc(r->result.path),
        esc(r->listing.started_at), r->result.seed, r->result.replications,
        r->result.replications == 1 ? "" : "s", esc(r->model_digest));
  }
  s += "</header>\n";
  const std::vector<std::string> diffs = difference_lines(c);
  s += fmt::format("<section id=\"differences\"><h2>{} difference{}</h2>\n", diffs.size(),
                   diffs.size() == 1 ? "" : "s");
  if (diffs.empty()) {
    s += "<p>No verdict, check, setting or figure moved.</p>\n";
  } else {
    s += "<ul class=\"differences\">\n";
    for (const std::string& d : diffs) s += "<li>" + esc(d) + "</li>\n";
    s += "</ul>\n";
  }
  s += "<p class=\"caption\">" + esc(kMovedRule) + "</p></section>\n";
  s += "<section id=\"verdicts\"><h2>Checks</h2><table class=\"verdicts\"><thead><tr><th>A</th>"
       "<th>B</th><th>CHECK</th><th>A MEASURED</th><th>B MEASURED</th></tr></thead><tbody>\n";
  auto badge = [](const std::optional<bool>& v) -> std::string {
    if (!v) return "-";
    return *v ? "<span class=\"badge PASS\">PASS</span>" : "<span class=\"badge FAIL\">FAIL</span>";
  };
  for (const auto& k : c.checks)
    s += fmt::format("<tr{}><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                     k.changed ? " class=\"changed\"" : "", badge(k.a), badge(k.b), esc(k.check),
                     esc(k.a_measured), esc(k.b_measured));
  s += "</tbody></table></section>\n";
  s += "<section id=\"figures\"><h2>Figures side by side</h2><table><thead><tr><th>SUBJECT</th>"
       "<th>FIGURE</th><th>A</th><th>B</th><th>MOVED</th></tr></thead><tbody>\n";
  for (const auto& f : c.figures)
    s += fmt::format(
        "<tr{}><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td>"
        "</tr>\n",
        f.moved ? " class=\"changed\"" : "", esc(f.subject), esc(f.figure),
        esc(with_interval(f.a, f.a_half_width, f.unit)),
        esc(with_interval(f.b, f.b_half_width, f.unit)), f.moved ? esc(f.why) : "");
  s += "</tbody></table></section>\n";
  // Charts: replication 0 of each run, A solid and B dashed on one time axis.
  s += "<section id=\"charts\"><h2>Over time, overlaid</h2>\n<p class=\"key\"><span>solid = run "
       "A</span><span>dashed = run B</span><span>shaded = A's warm-up and faults</span></p>\n"
       "<div class=\"charts\">\n";
  const bool a_series = !a.result.runs.empty() && !a.result.runs.front().series_times_s.empty();
  const bool b_series = !b.result.runs.empty() && !b.result.runs.front().series_times_s.empty();
  if (!a_series || !b_series) {
    s += "<p>One of the runs has no time series.</p>\n";
  } else {
    const Timeline ta = timeline_of(a);
    const Timeline tb = timeline_of(b);
    const runtime::RunFigures& ra = a.result.runs.front();
    const runtime::RunFigures& rb = b.result.runs.front();
    auto overlay = [&](Chart& ch, const std::string& name, const std::string& color,
                       const std::vector<double>& va, const std::vector<double>& vb) {
      Line la{"A " + name, va, color, false, ""};
      Line lb{"B " + name, vb, color, true, ""};
      lb.x = tb.x;
      ch.lines.push_back(std::move(la));
      ch.lines.push_back(std::move(lb));
    };
    auto total_per_s = [](const runtime::RunFigures& r, const std::vector<double>& x, bool errors) {
      std::vector<double> out(x.size(), 0);
      for (const auto& f : r.routes)
        for (const auto& w : f.windows) {
          auto it = std::lower_bound(x.begin(), x.end(), w.start_s + 10 - 1e-6);
          if (it == x.end()) continue;
          out[static_cast<size_t>(it - x.begin())] +=
              static_cast<double>(errors ? w.errors : w.answered) / 10;
        }
      return out;
    };
    {
      Chart ch = chart(ta, "Throughput: requests answered per second, all routes", "requests / s");
      ch.x_max = std::max(ta.end, tb.end);
      overlay(ch, "answered", kPalette[0], total_per_s(ra, ta.x, false),
              total_per_s(rb, tb.x, false));
      overlay(ch, "errors", kPalette[2], total_per_s(ra, ta.x, true), total_per_s(rb, tb.x, true));
      s += render_chart(ch);
    }
    for (const auto& f : ra.routes) {
      const std::string subject = f.entry + " " + f.request;
      auto p99 = [&](const runtime::RunFigures& r) {
        for (const auto* se : series_of(r, "latency_ms"))
          if (se->subject == subject && se->label == "p99") return se->values;
        return std::vector<double>{};
      };
      const std::vector<double> pa = p99(ra), pb = p99(rb);
      if (pa.empty() && pb.empty()) continue;
      Chart ch = chart(ta, "p99 latency of " + f.request, "ms");
      ch.x_max = std::max(ta.end, tb.end);
      ch.log_scale = true;
      overlay(ch, "p99", kPalette[1], pa, pb);
      s += render_chart(ch);
    }
    {
      Chart ch = chart(ta, "CPU per workload (all its pods)", "cores");
      ch.x_max = std::max(ta.end, tb.end);
      std::vector<Line> lines;
      for (const auto* se : series_of(ra, "cpu_cores"))
        lines.push_back(Line{se->subject, se->values, "", false, ""});
      add_top(ch, std::move(lines), 4, "workloads");
      std::vector<Line> b_lines;
      for (const Line& l : ch.lines)
        for (const auto* se : series_of(rb, "cpu_cores"))
          if (se->subject == l.name) {
            Line lb{"B " + l.name, se->values, l.color, true, ""};
            lb.x = tb.x;
            b_lines.push_back(std::move(lb));
          }
      for (Line& l : ch.lines) l.name = "A " + l.name;
      for (Line& l : b_lines) ch.lines.push_back(std::move(l));
      s += render_chart(ch);
    }
  }
  s += "</div></section>\n</body>\n</html>\n";
  return s;
}

}  // namespace kubetwin::report
