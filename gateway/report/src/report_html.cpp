#include "pmap/report/report_html.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "pmap/category_colours.hpp"
#include "pmap/diary/two_week_rule.hpp"
#include "pmap/report/report_builder.hpp"
#include "pmap/report/report_error.hpp"
#include "pmap/report/report_text.hpp"

namespace pmap::report {

using nlohmann::json;

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

namespace {

std::string esc(const json& j) {
  if (j.is_string()) return html_escape(j.get<std::string>());
  if (j.is_null()) return "–";
  return html_escape(j.dump());
}

std::string num(double v, int digits = 1) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string signed_num(const json& j) {
  if (!j.is_number()) return "–";
  const double v = j.get<double>();
  char buf[32];
  std::snprintf(buf, sizeof buf, "%+.1f", std::round(v * 10) / 10 == 0 ? 0.0 : v);
  return buf;
}

std::string opt_num(const json& j, int digits = 1) {
  return j.is_number() ? num(j.get<double>(), digits) : "–";
}

/// The shared colour per meaning (pmap/category_colours.hpp), as the dashboard draws it.
std::string colour(const std::string& label) {
  return std::string(colours::of_category(label));
}

std::string svg_open(int w, int h, const std::string& title) {
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(w) + "\" height=\"" +
         std::to_string(h) + "\" viewBox=\"0 0 " + std::to_string(w) + " " + std::to_string(h) +
         "\" role=\"img\" aria-label=\"" + html_escape(title) + "\">";
}

std::string text_el(double x, double y, const std::string& text, const char* anchor = "start",
                    int size = 11, const char* fill = "#333") {
  return "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" font-size=\"" + std::to_string(size) +
         "\" text-anchor=\"" + anchor + "\" fill=\"" + fill +
         "\" font-family=\"DejaVu Sans, sans-serif\">" + html_escape(text) + "</text>";
}

std::string rect_el(double x, double y, double w, double h, const std::string& fill,
                    const char* stroke = "none") {
  return "<rect x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"" + num(std::max(w, 0.0)) +
         "\" height=\"" + num(std::max(h, 0.0)) + "\" fill=\"" + fill + "\" stroke=\"" + stroke +
         "\"/>";
}

std::string line_el(double x1, double y1, double x2, double y2, const char* stroke = "#999",
                    double width = 1) {
  return "<line x1=\"" + num(x1) + "\" y1=\"" + num(y1) + "\" x2=\"" + num(x2) + "\" y2=\"" +
         num(y2) + "\" stroke=\"" + stroke + "\" stroke-width=\"" + num(width) + "\"/>";
}

/// Last night: position band, knee band, out-of-bed gaps, local hour ticks.
std::string timeline_svg(const json& night) {
  const int w = 720, h = 120, left = 90, right = 30;
  const double t0 = night["start_us"].get<double>();
  const double t1 = std::max(night["end_us"].get<double>(), t0 + 1);
  const auto x = [&](double t) { return left + (t - t0) / (t1 - t0) * (w - left - right); };
  std::string s = svg_open(w, h, "position timeline of last night");
  s += text_el(4, 32, "position") + text_el(4, 62, "knees") + text_el(4, 92, "in bed");
  s += rect_el(left, 20, w - left - right, 20, colour("unknown"));
  for (const auto& e : night["timeline"]) {
    const std::string stream = e["stream"].get<std::string>();
    const std::string label = e["label"].get<std::string>();
    const double a = x(e["start_us"].get<double>());
    const double b = x(e["end_us"].get<double>());
    if (stream == "position") s += rect_el(a, 20, b - a, 20, colour(label));
    if (stream == "knee") s += rect_el(a, 50, b - a, 16, colour(label));
    if (stream == "presence")
      s += rect_el(a, 80, b - a, 14, label == "in_bed" ? "#9c755f" : "#eeeeee");
  }
  for (const auto& t : night["hour_ticks"]) {
    const double xt = x(t["time_us"].get<double>());
    s += line_el(xt, 16, xt, 98, "#666", 0.5) +
         text_el(xt, 112, t["label"].get<std::string>(), "middle", 10);
  }
  s += "</svg>";
  return s;
}

std::string legend(const std::vector<std::pair<std::string, std::string>>& items) {
  std::string s = "<p class=\"legend\">";
  for (const auto& [label, text] : items) {
    s += "<span style=\"color:" + colour(label) + "\">&#9632;</span> " + html_escape(text) +
         " &nbsp; ";
  }
  return s + "</p>";
}

/// 30 days of daily worst back and leg pain (0-10) with the extent under each day.
std::string pain_svg(const json& daily, const std::string& last_date) {
  const int w = 720, h = 200, left = 40, right = 40, top = 10, plot_h = 130;
  std::string s = svg_open(w, h, "daily worst back and leg pain, last 30 days");
  const auto day_index = [&](const std::string& date) {
    // Days before the report's date, from the ISO strings (both valid dates).
    const auto parse = [](const std::string& d) {
      std::tm tm{};
      tm.tm_year = std::stoi(d.substr(0, 4)) - 1900;
      tm.tm_mon = std::stoi(d.substr(5, 2)) - 1;
      tm.tm_mday = std::stoi(d.substr(8, 2));
      return static_cast<double>(timegm(&tm)) / 86400.0;
    };
    return 29 - static_cast<int>(std::lround(parse(last_date) - parse(date)));
  };
  const auto x = [&](int i) { return left + (i + 0.5) * (w - left - right) / 30.0; };
  const auto y = [&](double v) { return top + plot_h - v / 10.0 * plot_h; };
  for (int v = 0; v <= 10; v += 2) {
    s += line_el(left, y(v), w - right, y(v), "#e0e0e0") +
         text_el(left - 6, y(v) + 4, std::to_string(v), "end", 10);
  }
  for (const char* which : {"back", "leg"}) {
    std::string points;
    for (const auto& d : daily) {
      const int i = day_index(d["date"].get<std::string>());
      if (i < 0 || i > 29) continue;
      const double v = d[std::string("worst_") + which].get<double>();
      points += num(x(i)) + "," + num(y(v)) + " ";
      s += "<circle cx=\"" + num(x(i)) + "\" cy=\"" + num(y(v)) + "\" r=\"3\" fill=\"" +
           colour(which) + "\"/>";
    }
    if (!points.empty())
      s += "<polyline points=\"" + points + "\" fill=\"none\" stroke=\"" + colour(which) +
           "\" stroke-width=\"2\"/>";
  }
  // Extent strip: bar height by rank (0 none … 6 foot).
  const double strip_top = top + plot_h + 14;
  s += text_el(left - 6, strip_top + 20, "extent", "end", 9);
  for (const auto& d : daily) {
    const int i = day_index(d["date"].get<std::string>());
    if (i < 0 || i > 29) continue;
    const double rank = d["worst_extent_rank"].get<double>();
    s += rect_el(x(i) - 6, strip_top + 24 - rank * 4, 12, rank * 4, "#8c6d8c");
  }
  s += text_el(x(0), h - 2, "30 days ago", "start", 9) + text_el(x(29), h - 2, last_date, "end", 9);
  s += "</svg>";
  return s;
}

/// The last 14 nights: stacked hours per position.
std::string nights_svg(const json& nights) {
  const int w = 720, h = 170, left = 40, right = 40, top = 10, plot_h = 120;
  std::string s = svg_open(w, h, "hours per position, last 14 nights");
  double max_h = 8;
  for (const auto& n : nights) max_h = std::max(max_h, n["time_in_bed_s"].get<double>() / 3600.0);
  max_h = std::ceil(max_h);
  const auto y = [&](double hours) { return top + plot_h - hours / max_h * plot_h; };
  for (int v = 0; v <= static_cast<int>(max_h); v += 2)
    s += line_el(left, y(v), w - right, y(v), "#e0e0e0") +
         text_el(left - 6, y(v) + 4, std::to_string(v) + " h", "end", 10);
  const double slot = (w - left - right) / 14.0;
  int i = 14 - static_cast<int>(nights.size());
  for (const auto& n : nights) {
    double base = 0;
    for (const char* label : {"supine", "left", "right", "prone", "unknown"}) {
      const auto& pos = n["position_s"];
      const double hours = pos.contains(label) ? pos[label].get<double>() / 3600.0 : 0.0;
      s += rect_el(left + i * slot + 4, y(base + hours), slot - 8, y(base) - y(base + hours),
                   colour(label));
      base += hours;
    }
    s += text_el(left + (i + 0.5) * slot, h - 24, n["wake_date"].get<std::string>().substr(5),
                 "middle", 9);
    ++i;
  }
  s += "</svg>";
  return s;
}

/// Tested associations: effect and 95 % interval per pair, claimed pairs in red.
std::string forest_svg(const json& items) {
  std::vector<const json*> tested;
  double extent = 0.5;
  for (const auto& a : items) {
    if (a["status"] != "tested") continue;
    tested.push_back(&a);
    extent = std::max(
        {extent, std::abs(a["ci_low"].get<double>()), std::abs(a["ci_high"].get<double>())});
  }
  if (tested.empty()) return {};
  const int row = 16, left = 330, right = 70, w = 720;
  const int h = static_cast<int>(tested.size()) * row + 40;
  const auto x = [&](double v) { return left + (v + extent) / (2 * extent) * (w - left - right); };
  std::string s =
      svg_open(w, h, "effects of the tested posture and pain links with 95 % intervals");
  s += line_el(x(0), 4, x(0), h - 26, "#666");
  int r = 0;
  for (const json* a : tested) {
    const double yy = 12 + r * row;
    const bool claimed = (*a)["claimed"].get<bool>();
    const char* c = claimed ? "#c0392b" : "#555";
    s += text_el(4, yy + 4,
                 (*a)["metric"].get<std::string>() + " → " + (*a)["outcome"].get<std::string>(),
                 "start", 9, c);
    s += line_el(x((*a)["ci_low"].get<double>()), yy, x((*a)["ci_high"].get<double>()), yy, c, 2);
    s += "<circle cx=\"" + num(x((*a)["effect"].get<double>())) + "\" cy=\"" + num(yy) +
         "\" r=\"3\" fill=\"" + c + "\"/>";
    ++r;
  }
  s += text_el(x(-extent), h - 12, num(-extent) + " points", "start", 9) +
       text_el(x(0), h - 12, "0", "middle", 9) +
       text_el(x(extent), h - 12, "+" + num(extent) + " points", "end", 9);
  s += "</svg>";
  return s;
}

/// A highlighted box: a one-cell table, because the PDF renderer draws borders and padding on table
/// cells only (docs/report_pdf.md).
std::string advice_box(std::string_view text) {
  return "<table class=\"box\" width=\"100%\"><tr><td class=\"advice\">" + html_escape(text) +
         "</td></tr></table>\n";
}

void sentences(std::ostringstream& o, const json& list) {
  for (const auto& line : list) o << "<p>" << esc(line) << "</p>\n";
}

constexpr const char* kStyle = R"(
body { font-family: 'DejaVu Sans', Arial, sans-serif; font-size: 11pt; color: #222; margin: 24px; max-width: 780px; }
h1 { font-size: 18pt; margin-bottom: 2px; }
h2 { font-size: 14pt; border-bottom: 1px solid #ccc; margin-top: 22px; }
.meta { color: #666; font-size: 9pt; }
table.box { border-collapse: collapse; margin: 8px 0; }
td.redflag { background-color: #b00020; color: #ffffff; padding: 12px; font-size: 13pt; font-weight: bold; border: 3px solid #600010; }
.redflag pre { white-space: pre-wrap; font-family: 'DejaVu Sans', Arial, sans-serif; color: #ffffff; }
td.advice { background-color: #fff8e1; border: 1px solid #e0c060; padding: 6px; font-size: 11pt; }
.claimed { color: #c0392b; font-weight: bold; }
.legend { font-size: 9pt; color: #555; }
.disclaimer { font-size: 9pt; color: #555; border-top: 1px solid #ccc; padding-top: 6px; }
table { border-collapse: collapse; font-size: 9pt; }
td, th { border: 1px solid #ddd; padding: 2px 6px; text-align: left; }
th { background-color: #f2f2f2; }
)";

}  // namespace

std::string render_html(const json& report) {
  if (!report.is_object() || report.value("format", "") != "pmap-report")
    throw ReportError("not a PostureMap report document");
  if (report.value("format_version", 0) != kReportFormatVersion)
    throw ReportError("unknown report format_version " +
                      report.value("format_version", json()).dump());

  std::ostringstream o;
  const std::string date = report["date"].get<std::string>();
  o << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    << "<title>PostureMap morning report " << html_escape(date) << "</title>\n<style>" << kStyle
    << "</style>\n</head>\n<body>\n";

  const json& flag = report["red_flag"];
  if (flag["active"].get<bool>()) {
    o << "<table class=\"box\" width=\"100%\"><tr><td class=\"redflag\"><pre>"
      << esc(flag["warning"]) << "</pre>";
    for (const auto& e : flag["entries"]) o << "<p>Answered yes on " << esc(e["time"]) << ".</p>";
    o << "</td></tr></table>\n";
  }
  o << "<h1>Morning report, " << html_escape(date) << "</h1>\n<p class=\"meta\">Generated "
    << esc(report["generated_at"]) << " (" << esc(report["tz"]) << "); bed mat "
    << esc(report["mats"]["bed"]) << ", chair mat " << esc(report["mats"]["chair"]) << ".</p>\n";

  // What to try first: it is what the person came for.
  o << "<h2>What to try</h2>\n";
  if (report["guidance"].empty()) {
    o << "<p>Nothing in last night or yesterday calls for a change.</p>\n";
  } else {
    o << "<ul>\n";
    for (const auto& g : report["guidance"]) o << "<li>" << esc(g["text"]) << "</li>\n";
    o << "</ul>\n";
  }

  o << "<h2>Last night</h2>\n";
  const json& night = report["last_night"];
  if (night.is_object()) {
    o << timeline_svg(night) << "\n"
      << legend({{"supine", "back"},
                 {"left", "left side"},
                 {"right", "right side"},
                 {"prone", "front"},
                 {"unknown", "unsure"},
                 {"aligned", "knee pillow aligned"},
                 {"dropped", "pillow off / slipped"},
                 {"flexed_supported", "knees supported"},
                 {"flat", "legs flat"}});
    sentences(o, night["sentences"]);
    if (!night["pillow_events"].empty()) {
      o << "<table><tr><th>time</th><th>knee pillow</th></tr>\n";
      for (const auto& e : night["pillow_events"])
        o << "<tr><td>" << esc(e["time"]) << "</td><td>"
          << (e["event"] == "slipped" ? "slipped" : "back in place") << "</td></tr>\n";
      o << "</table>\n";
    }
    if (night["setup"].is_string()) o << "<p>Setup: " << esc(night["setup"]) << ".</p>\n";
  } else {
    o << "<p>" << esc(report["last_night_missing"]) << "</p>\n";
  }

  o << "<h2>Yesterday's sitting</h2>\n";
  if (report["yesterday_sitting"].is_object()) {
    sentences(o, report["yesterday_sitting"]["sentences"]);
  } else {
    o << "<p>" << esc(report["yesterday_sitting_missing"]) << "</p>\n";
  }

  o << "<h2>Your pain</h2>\n";
  const json& pain = report["pain"];
  if (pain["today"].empty()) {
    o << "<p>No diary entry today yet.</p>\n";
  } else {
    o << "<table><tr><th>time</th><th>back</th><th>leg</th><th>reaches</th><th>when</th><th>note</"
         "th></tr>\n";
    for (const auto& e : pain["today"]) {
      std::string tags;
      for (const auto& t : e.value("tags", json::array()))
        tags += (tags.empty() ? "" : ", ") + t.get<std::string>();
      o << "<tr><td>" << esc(e["time"]) << "</td><td>" << esc(e["back_pain"]) << "</td><td>"
        << esc(e["leg_pain"]) << "</td><td>" << esc(e["extent"]) << "</td><td>" << html_escape(tags)
        << "</td><td>" << esc(e.value("note", json(""))) << "</td></tr>\n";
    }
    o << "</table>\n";
  }
  o << "<p><b>Centralization:</b> " << esc(pain["centralization_sentence"]) << "</p>\n";
  if (pain["two_week_rule"].value("not_better", false)) o << advice_box(diary::kSeeClinicianAdvice);

  o << "<h2>Trends</h2>\n"
    << pain_svg(report["trends"]["daily"], date) << "\n"
    << legend({{"back", "worst back pain of the day"}, {"leg", "worst leg pain of the day"}})
    // Centralization is the most reliable marker of progress: shown wherever pain trends are.
    << "<p><b>How far the pain reaches:</b> " << esc(pain["centralization_sentence"]) << "</p>\n"
    << "<table><tr><th>window</th><th>days</th><th>mean back</th><th>back per week (95 "
       "%)</th><th>mean leg</th><th>leg per week (95 %)</th></tr>\n";
  for (const char* window : {"14", "30"}) {
    const json& b = report["trends"][std::string("back_") + window];
    const json& l = report["trends"][std::string("leg_") + window];
    o << "<tr><td>" << window << " days</td><td>" << esc(b["n"]) << "</td><td>"
      << opt_num(b["mean"]) << "</td><td>" << signed_num(b["slope_per_week"]) << " ("
      << signed_num(b["ci_low"]) << " to " << signed_num(b["ci_high"]) << ")</td><td>"
      << opt_num(l["mean"]) << "</td><td>" << signed_num(l["slope_per_week"]) << " ("
      << signed_num(l["ci_low"]) << " to " << signed_num(l["ci_high"]) << ")</td></tr>\n";
  }
  o << "</table>\n";
  if (!report["trends"]["nights"].empty()) {
    o << "<p>Hours per position, last 14 nights:</p>\n"
      << nights_svg(report["trends"]["nights"]) << "\n";
  }

  o << "<h2>Pillow setups</h2>\n";
  const json& setups = report["setups"];
  if (!setups["summaries"].empty()) {
    o << "<table><tr><th>setup</th><th>nights</th><th>knee pillow "
         "aligned</th><th>slips</th><th>morning back pain</th><th>morning leg pain</th></tr>\n";
    for (const auto& s : setups["summaries"]) {
      const auto mean = [&](const char* group, const char* var, int digits) {
        return s[group].contains(var) ? opt_num(s[group][var]["mean"], digits) : std::string("–");
      };
      o << "<tr><td>" << esc(s["setup"]) << "</td><td>" << esc(s["nights"]) << "</td><td>"
        << mean("alignment", "knee_pillow_aligned_share", 2) << "</td><td>"
        << mean("alignment", "pillow_slips", 1) << "</td><td>"
        << mean("pain", "morning_back_pain", 1) << "</td><td>"
        << mean("pain", "morning_leg_pain", 1) << "</td></tr>\n";
    }
    o << "</table>\n";
  }
  for (const auto& line : setups["alignment_sentences"]) o << "<p>" << esc(line) << "</p>\n";
  o << advice_box(setups["advice"].is_string() ? setups["advice"].get<std::string>() : "");
  if (setups["comparison"].is_object() && setups["comparison"]["plan"].is_object() &&
      !setups["comparison"]["plan"]["schedule"].empty()) {
    o << "<table><tr><th>night ending</th><th>setup</th></tr>\n";
    for (const auto& n : setups["comparison"]["plan"]["schedule"])
      o << "<tr><td>" << esc(n["date"]) << "</td><td>" << esc(n["setup"]) << "</td></tr>\n";
    o << "</table>\n";
  }

  o << "<h2>Posture and pain</h2>\n<p>" << esc(report["associations"]["summary"]) << " (days "
    << esc(report["associations"]["first"]) << " to " << esc(report["associations"]["last"])
    << ")</p>\n";
  for (const auto& a : report["associations"]["items"])
    if (a["claimed"].get<bool>()) o << "<p class=\"claimed\">" << esc(a["sentence"]) << "</p>\n";
  o << forest_svg(report["associations"]["items"]) << "\n";
  o << "<table><tr><th>measure</th><th>pain</th><th>effect</th><th>95 % "
       "interval</th><th>per</th><th>n</th><th>claimed</th></tr>\n";
  for (const auto& a : report["associations"]["items"]) {
    o << "<tr" << (a["claimed"].get<bool>() ? " class=\"claimed\"" : "") << "><td>"
      << esc(a["metric"]) << "</td><td>" << esc(a["outcome"]) << "</td><td>"
      << signed_num(a["effect"]) << "</td><td>" << signed_num(a["ci_low"]) << " to "
      << signed_num(a["ci_high"]) << "</td><td>" << esc(a["per_text"]) << "</td><td>" << esc(a["n"])
      << "</td><td>" << (a["claimed"].get<bool>() ? "yes" : "no") << "</td></tr>\n";
  }
  o << "</table>\n";

  o << "<h2>How sure are these numbers?</h2>\n<ul>\n";
  for (const auto& c : report["caveats"]) o << "<li>" << esc(c) << "</li>\n";
  o << "</ul>\n<p class=\"disclaimer\">" << esc(report["disclaimer"]) << "</p>\n";
  if (flag["active"].get<bool>())
    o << "<table class=\"box\" width=\"100%\"><tr><td class=\"redflag\"><pre>"
      << esc(flag["warning"]) << "</pre></td></tr></table>\n";
  o << "</body>\n</html>\n";
  return o.str();
}

}  // namespace pmap::report
