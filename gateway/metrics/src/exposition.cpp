#include "pmap/metrics/exposition.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace pmap::metrics {

namespace {

bool alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool digit(char c) {
  return c >= '0' && c <= '9';
}

void escape_into(std::string& out, std::string_view s, bool quote) {
  for (const char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (quote && c == '"') {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

}  // namespace

bool valid_metric_name(std::string_view name) {
  if (name.empty() || !(alpha(name[0]) || name[0] == ':')) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return alpha(c) || digit(c) || c == ':'; });
}

bool valid_label_name(std::string_view name) {
  if (name.empty() || !alpha(name[0]) || name.starts_with("__")) return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return alpha(c) || digit(c); });
}

std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::trunc(v) && std::fabs(v) < 1e15) {
    return std::to_string(static_cast<long long>(v));
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

void Exposition::header(std::string_view name, std::string_view help, std::string_view type) {
  if (!valid_metric_name(name)) throw std::invalid_argument("bad metric name " + std::string(name));
  if (std::find(families_.begin(), families_.end(), name) != families_.end())
    throw std::invalid_argument("metric family written twice: " + std::string(name));
  families_.emplace_back(name);
  text_ += "# HELP ";
  text_ += name;
  text_ += ' ';
  escape_into(text_, help, false);
  text_ += "\n# TYPE ";
  text_ += name;
  text_ += ' ';
  text_ += type;
  text_ += '\n';
}

void Exposition::sample(std::string_view name, const Labels& labels, double value) {
  text_ += name;
  if (!labels.empty()) {
    text_ += '{';
    bool first = true;
    for (const auto& [k, v] : labels) {
      if (!valid_label_name(k)) throw std::invalid_argument("bad label name " + k);
      if (!first) text_ += ',';
      first = false;
      text_ += k;
      text_ += "=\"";
      escape_into(text_, v, true);
      text_ += '"';
    }
    text_ += '}';
  }
  text_ += ' ';
  text_ += format_value(value);
  text_ += '\n';
}

void Exposition::counter(std::string_view name, std::string_view help,
                         const std::vector<Sample>& samples) {
  if (!name.ends_with("_total"))
    throw std::invalid_argument("a counter's name ends in _total: " + std::string(name));
  header(name, help, "counter");
  for (const auto& s : samples) sample(name, s.labels, s.value);
}

void Exposition::gauge(std::string_view name, std::string_view help,
                       const std::vector<Sample>& samples) {
  header(name, help, "gauge");
  for (const auto& s : samples) sample(name, s.labels, s.value);
}

void Exposition::histogram(std::string_view name, std::string_view help,
                           const Histogram::Snapshot& snapshot, const Labels& labels) {
  header(name, help, "histogram");
  const std::string n(name);
  for (std::size_t i = 0; i < snapshot.cumulative.size(); ++i) {
    Labels l = labels;
    l.emplace_back("le", i < snapshot.upper_bounds_s.size()
                             ? format_value(snapshot.upper_bounds_s[i])
                             : std::string("+Inf"));
    sample(n + "_bucket", l, static_cast<double>(snapshot.cumulative[i]));
  }
  sample(n + "_sum", labels, snapshot.sum_s);
  sample(n + "_count", labels, static_cast<double>(snapshot.count));
}

}  // namespace pmap::metrics
