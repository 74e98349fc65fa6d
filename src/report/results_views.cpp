// Views of the results database: the `kubetwin runs` table and JSON, and the HTML report.
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

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

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
  std::string note;  // after the name in the legend
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
  for (const Line& l : c.lines)
    for (double v : l.values)
      if (std::isfinite(v)) {
        y_max = std::max(y_max, v);
        if (v > 0) y_min_pos = std::min(y_min_pos, v);
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
  // X ticks: whole minutes or hours where they fit.
  double xs = 10;
  for (double cand : {10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0,
                      14400.0, 43200.0, 86400.0}) {
    xs = cand;
    if (x_max / cand <= 8) break;
  }
  for (double x = 0; x <= x_max + 1e-9; x += xs) {
    s += fmt::format(
        "<line class=\"tickmark\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/><text class=\"tick\" "
        "x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>\n",
        num(sx(x)), num(T + ph), num(sx(x)), num(T + ph + 5), num(sx(x)), num(T + ph + 18),
        seconds_label(x));
  }
  s += fmt::format(
      "<line class=\"axis\" x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\"/><line class=\"axis\" "
      "x1=\"{0}\" y1=\"{2}\" x2=\"{3}\" y2=\"{2}\"/>\n",
      num(L), num(T), num(T + ph), num(L + pw));
  s += fmt::format(
      "<text class=\"axis-label\" x=\"{}\" y=\"{}\" text-anchor=\"middle\">simulated time</text>\n"
      "<text class=\"axis-label\" transform=\"translate(16 {}) rotate(-90)\" "
      "text-anchor=\"middle\">{}</text>\n",
      num(L + pw / 2), num(H - 8), num(T + ph / 2), esc(c.unit + (log_scale ? " (log)" : "")));
  for (const auto& [v, label] : c.levels) {
    s += fmt::format(
        "<line class=\"level\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/><text class=\"band-label\" "
        "x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n",
        num(L), num(sy(v)), num(L + pw), num(sy(v)), num(L + pw - 4), num(sy(v) - 4), esc(label));
  }
  // Lines, broken where a value is missing.
  for (const Line& l : c.lines) {
    std::string d;
    bool pen = false;
    for (size_t i = 0; i < l.values.size() && i < c.x.size(); ++i) {
      if (!std::isfinite(l.values[i]) || (log_scale && l.values[i] <= 0)) {
        pen = false;
        continue;
      }
      d += fmt::format("{}{} {} ", pen ? "L" : "M", num(sx(c.x[i])), num(sy(l.values[i])));
      pen = true;
    }
    if (d.empty()) continue;
    s += fmt::format("<path class=\"series\" d=\"{}\" stroke=\"{}\"{}><title>{}</title></path>\n",
                     d, l.color, l.dashed ? " stroke-dasharray=\"6 4\"" : "", esc(l.name));
  }
  for (const auto& [x, label] : c.markers) {
    s += fmt::format(
        "<line class=\"marker\" x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\"/><text "
        "class=\"marker-label\" x=\"{3}\" y=\"{4}\">{5}</text>\n",
        num(sx(x)), num(T), num(T + ph), num(sx(x) + 4), num(T + 24), esc(label));
  }
  s += "</svg>\n";
  std::string legend = "<ul class=\"legend\">";
  for (const Line& l : c.lines) {
    legend += fmt::format("<li><span class=\"swatch{}\" style=\"border-color:{}\"></span>{}{}</li>",
                          l.dashed ? " dashed" : "", l.color, esc(l.name),
                          l.note.empty() ? "" : " <small>" + esc(l.note) + "</small>");
  }
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
)css";

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
    std::vector<double> out(t.x.size(), kNaN);
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
                                                      : kNaN;
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
  if (!series_of(rep, "volume_bytes").empty()) {
    Chart c = per_subject("volume_bytes", "Disk usage per volume", "bytes used", 10, "volumes");
    c.bytes = true;
    for (Line& l : c.lines)
      for (const auto& v : r.merged.volumes)
        if (l.name == v.namespace_name + "/" + v.claim)
          l.note = fmt::format("{} of {}{}", format_bytes(static_cast<double>(v.used_bytes)),
                               format_bytes(static_cast<double>(v.capacity_bytes)),
                               v.seconds_until_full < 0
                                   ? ", not growing"
                                   : ", full in " + format_span(v.seconds_until_full));
    c.caption += " Projection to full: at the growth measured after the warm-up.";
    s += render_chart(c);
  }
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

std::string render_runs_json(const std::vector<RunListing>& runs) {
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
  out += runs.empty() ? "]\n}\n" : "\n  ]\n}\n";
  return out;
}

std::string render_html_report(const StoredRun& run) {
  const scenario::ScenarioResult& r = run.result;
  std::string s = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  s += fmt::format("<title>kubetwin run {}: {}</title>\n", run.listing.id, esc(r.name));
  s += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<style>";
  s += kStyle;
  s += "</style>\n</head>\n<body>\n<header>\n";
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
