// The sweep's surface as HTML: p99 and error-rate curves over the swept rate with CI bands.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <tuple>

#include "kubetwin/report/run_report.hpp"
#include "kubetwin/report/sweep_db.hpp"

namespace kubetwin::report {

namespace {

constexpr const char* kColors[] = {"#4e79a7", "#e15759", "#59a14f", "#f28e2b",
                                   "#b07aa1", "#76b7b2", "#9c755f", "#edc948"};

std::string esc(const std::string& s) {
  return xml_escape(s);
}

std::string n1(double v) {
  return fmt::format("{:.1f}", v);
}

// A "nice" tick step for `range` split in about `count` steps.
double tick_step(double range, double count) {
  const double raw = range / count;
  const double mag = std::pow(10, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 2.5, 5.0})
    if (raw <= m * mag) return m * mag;
  return 10 * mag;
}

std::string number_text(double v) {
  if (std::fabs(v) >= 10000 && std::fmod(v, 1000) == 0) return fmt::format("{}k", v / 1000);
  return fmt::format("{}", v);
}

// One chart: a curve (and its band) per SurfaceCurve; `pick` gives (mean, low, high). With
// `name_bottlenecks`, each curve's first bottleneck is written under its knee: the bottleneck of
// the point before the knee (of the last point when the curve has none).
template <typename Pick>
std::string chart(const SweepSurface& s, const std::string& title, const std::string& unit,
                  bool log_scale, double scale, bool name_bottlenecks, Pick pick) {
  constexpr double W = 720, H = 320, L = 72, R = 16, T = 16, B = 50;
  const double pw = W - L - R, ph = H - T - B;
  double x_min = std::numeric_limits<double>::infinity(), x_max = -x_min;
  double y_max = 0, y_min = std::numeric_limits<double>::infinity();
  for (const SurfaceCurve& c : s.curves)
    for (const SurfacePoint& p : c.points) {
      x_min = std::min(x_min, p.x);
      x_max = std::max(x_max, p.x);
      auto [m, lo, hi] = pick(p);
      for (double v : {m, lo, hi})
        if (std::isfinite(v)) {
          y_max = std::max(y_max, v * scale);
          if (v > 0) y_min = std::min(y_min, v * scale);
        }
    }
  if (!(x_max > x_min)) {
    x_min -= 1;
    x_max += 1;
  }
  const bool log_y = log_scale && std::isfinite(y_min) && y_max / y_min > 20;
  double lo = 0, hi = y_max > 0 ? y_max : 1, step = 1;
  if (log_y) {
    lo = std::floor(std::log10(y_min));
    hi = std::max(lo + 1, std::ceil(std::log10(y_max)));
  } else {
    step = tick_step(hi, 5);
    hi = std::ceil(hi / step) * step;
  }
  auto sx = [&](double x) { return L + pw * (x - x_min) / (x_max - x_min); };
  auto sy = [&](double v) {
    const double f = log_y ? (std::log10(std::max(v, std::pow(10, lo))) - lo) / (hi - lo) : v / hi;
    return T + ph * (1 - std::clamp(f, 0.0, 1.0));
  };
  std::string out = fmt::format(
      "<figure class=\"surface-chart\"><figcaption>{}</figcaption>\n"
      "<svg class=\"surface\" role=\"img\" viewBox=\"0 0 {} {}\" width=\"{}\" height=\"{}\">"
      "<title>{}</title>\n",
      esc(title), W, H, W, H, esc(title));
  auto y_tick = [&](double v) {
    out += fmt::format(
        "<line class=\"grid\" x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\"/><text class=\"tick\" "
        "x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n",
        n1(L), n1(sy(v)), n1(L + pw), n1(sy(v)), n1(L - 6), n1(sy(v) + 4), number_text(v));
  };
  if (log_y) {
    for (double e = lo; e <= hi + 1e-9; e += 1) y_tick(std::pow(10, e));
  } else {
    for (double v = 0; v <= hi + step * 1e-6; v += step) y_tick(v);
  }
  const double xs = tick_step(x_max - x_min, 8);
  for (double x = std::ceil(x_min / xs) * xs; x <= x_max + 1e-9; x += xs)
    out += fmt::format(
        "<line class=\"tickmark\" x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\"/><text "
        "class=\"tick\" x=\"{0}\" y=\"{3}\" text-anchor=\"middle\">{4}</text>\n",
        n1(sx(x)), n1(T + ph), n1(T + ph + 5), n1(T + ph + 18), number_text(x));
  out += fmt::format(
      "<line class=\"axis\" x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\"/><line class=\"axis\" "
      "x1=\"{0}\" y1=\"{2}\" x2=\"{3}\" y2=\"{2}\"/>\n<text class=\"axis-label\" x=\"{4}\" "
      "y=\"{5}\" text-anchor=\"middle\">{6}</text><text class=\"axis-label\" "
      "transform=\"translate(16 {7}) rotate(-90)\" text-anchor=\"middle\">{8}</text>\n",
      n1(L), n1(T), n1(T + ph), n1(L + pw), n1(L + pw / 2), n1(H - 10), esc(s.x_variable),
      n1(T + ph / 2), esc(unit + (log_y ? " (log)" : "")));
  for (size_t k = 0; k < s.curves.size(); ++k) {
    const SurfaceCurve& c = s.curves[k];
    const char* color = kColors[k % std::size(kColors)];
    // The band: the upper bounds left to right, then the lower ones back.
    std::string band;
    for (const SurfacePoint& p : c.points) {
      auto [m, l, h] = pick(p);
      if (std::isfinite(h))
        band += fmt::format("{} {},{} ", band.empty() ? "M" : "L", n1(sx(p.x)), n1(sy(h * scale)));
    }
    for (auto it = c.points.rbegin(); it != c.points.rend(); ++it) {
      auto [m, l, h] = pick(*it);
      if (std::isfinite(l)) band += fmt::format("L {},{} ", n1(sx(it->x)), n1(sy(l * scale)));
    }
    if (!band.empty())
      out += fmt::format(
          "<path class=\"band\" d=\"{}Z\" fill=\"{}\"><title>{} 95% interval</title></path>\n",
          band, color, esc(c.label.empty() ? s.scenario_name : c.label));
    std::string line;
    for (const SurfacePoint& p : c.points) {
      auto [m, l, h] = pick(p);
      if (!std::isfinite(m)) continue;
      line += fmt::format("{} {},{} ", line.empty() ? "M" : "L", n1(sx(p.x)), n1(sy(m * scale)));
      out += fmt::format(
          "<circle class=\"dot\" cx=\"{}\" cy=\"{}\" r=\"3\" fill=\"{}\"><title>{} = {}: {} "
          "{}; first bottleneck: {}</title></circle>\n",
          n1(sx(p.x)), n1(sy(m * scale)), color, esc(s.x_variable), number_text(p.x),
          fmt::format("{:.3g}", m * scale), esc(unit), esc(bottleneck_text(p.bottleneck)));
    }
    if (!line.empty())
      out += fmt::format("<path class=\"curve\" d=\"{}\" stroke=\"{}\"><title>{}</title></path>\n",
                         line, color, esc(c.label.empty() ? s.scenario_name : c.label));
    // Labels stack per curve: the knee, then (name_bottlenecks) the bottleneck under it. A label
    // starts right of its line when it fits there (about 6.3 px a character at 11 px), else ends
    // left of it, else starts at the plot's left edge.
    const double label_y = T + 14 + (name_bottlenecks ? 28 : 14) * static_cast<double>(k);
    auto label_x = [&](double x, const std::string& text) {
      const double width = 6.3 * static_cast<double>(text.size());
      if (x + 4 + width <= L + pw) return fmt::format("x=\"{}\"", n1(x + 4));
      if (x - 4 - width >= L) return fmt::format("x=\"{}\" text-anchor=\"end\"", n1(x - 4));
      return fmt::format("x=\"{}\"", n1(L + 6));
    };
    if (c.knee >= 0) {
      const double x = sx(c.points[static_cast<size_t>(c.knee)].x);
      const std::string text = "knee " + number_text(c.points[static_cast<size_t>(c.knee)].x);
      out += fmt::format(
          "<line class=\"knee\" x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"{3}\"/><text "
          "class=\"knee-label\" {4} y=\"{5}\" style=\"fill:{3}\">{6}</text>\n",
          n1(x), n1(T), n1(T + ph), color, label_x(x, text), n1(label_y), text);
    }
    if (name_bottlenecks && c.limit >= 0) {
      const SurfacePoint& at = c.points[static_cast<size_t>(c.limit)];
      auto [m, l, h] = pick(at);
      if (!at.bottleneck.resource.empty() && std::isfinite(m)) {
        const std::string text =
            fmt::format("{} {}: {}", c.knee >= 0 ? "first bottleneck, at" : "most saturated at",
                        number_text(at.x), bottleneck_text(at.bottleneck));
        // The point named is ringed.
        out += fmt::format(
            "<circle class=\"limit\" cx=\"{}\" cy=\"{}\" r=\"6\" stroke=\"{}\"/><text "
            "class=\"bottleneck-label\" {} y=\"{}\" style=\"fill:{}\">{}</text>\n",
            n1(sx(at.x)), n1(sy(m * scale)), color, label_x(sx(at.x), text),
            n1(label_y + (c.knee >= 0 ? 14 : 0)), color, esc(text));
      }
    }
  }
  out += "</svg>\n<ul class=\"legend\">";
  for (size_t k = 0; k < s.curves.size(); ++k)
    out += fmt::format("<li><span class=\"swatch\" style=\"background:{}\"></span>{}</li>",
                       kColors[k % std::size(kColors)],
                       esc(s.curves[k].label.empty() ? s.scenario_name : s.curves[k].label));
  out += "</ul></figure>\n";
  return out;
}

}  // namespace

std::string render_sweep_html(const SweepSurface& s) {
  std::string out = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>sweep {0}</title>\n"
      "<style>body{{font:14px system-ui,sans-serif;margin:24px;color:#222}}"
      "svg text{{font:11px system-ui,sans-serif;fill:#333}}.grid{{stroke:#eee}}"
      ".axis,.tickmark{{stroke:#555}}.band{{opacity:.18;stroke:none}}"
      ".curve{{fill:none;stroke-width:2}}.limit{{fill:none;stroke-width:1.5}}"
      ".knee-label,.bottleneck-label{{paint-order:stroke;stroke:#fff;stroke-width:3px}}"
      ".knee{{stroke-dasharray:5 4;stroke-width:1.5}}"
      ".legend{{list-style:none;padding:0;display:flex;gap:18px}}"
      ".swatch{{display:inline-block;width:14px;height:4px;margin-right:6px;vertical-align:middle}}"
      "table{{border-collapse:collapse}}td,th{{padding:2px 10px;text-align:right;border-bottom:1px "
      "solid #eee}}td.bottleneck{{text-align:left}}</style></head><body>\n"
      "<h1>Sweep of {0}</h1>\n<p>{1}: {2} over {3}, {4} replications a point, mean and 95% "
      "interval (bands). Knee: {5}.</p>\n",
      esc(s.scenario_name), esc(s.sweep_hash), esc(s.route), esc(s.x_variable), s.replications,
      s.has_checks ? "the first point where fewer than half the runs pass their checks"
                   : "the first point whose p99 passes 3 x the curve's first");
  out += chart(s, "p99 of " + s.route, "ms", true, 1.0, true, [](const SurfacePoint& p) {
    return std::tuple{p.p99_ms, p.p99_low, p.p99_high};
  });
  out += chart(s, "error rate of " + s.route, "%", false, 100.0, false, [](const SurfacePoint& p) {
    return std::tuple{p.error_rate, p.error_low, p.error_high};
  });
  out +=
      "<h2>Points</h2>\n<p>First bottleneck: the resource most of the point's runs find the "
      "most saturated (CPU of its limit, worker pool, PostgreSQL connections, Kafka consumer "
      "lag, disk), as <code>kubetwin capacity</code> names it, with its mean saturation.</p>\n"
      "<table><tr><th>curve</th><th>" +
      esc(s.x_variable) +
      "</th><th>p99 ms</th><th>95% interval</th><th>errors</th><th>passed</th><th>first "
      "bottleneck</th></tr>\n";
  for (const SurfaceCurve& c : s.curves)
    for (size_t i = 0; i < c.points.size(); ++i) {
      const SurfacePoint& p = c.points[i];
      out += fmt::format(
          "<tr{}><td>{}</td><td>{}</td><td>{:.1f}</td><td>{}</td><td>{:.2f}%</td><td>{:.0f}%</td>"
          "<td class=\"bottleneck\">{}</td></tr>\n",
          static_cast<int>(i) == c.knee ? " class=\"knee-row\"" : "", esc(c.label),
          number_text(p.x), p.p99_ms,
          std::isfinite(p.p99_low) ? fmt::format("{:.1f} - {:.1f}", p.p99_low, p.p99_high) : "-",
          p.error_rate * 100, p.passed * 100, esc(bottleneck_text(p.bottleneck)));
    }
  out += "</table>\n</body></html>\n";
  return out;
}

}  // namespace kubetwin::report
