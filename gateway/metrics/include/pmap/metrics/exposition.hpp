#pragma once
// Writer of the Prometheus text exposition format 0.0.4 (docs/metrics.md).
//
// One call per metric family writes its # HELP and # TYPE lines and every sample, so a family can
// never appear twice with different metadata. Names are checked against the Prometheus grammar
// ([a-zA-Z_:][a-zA-Z0-9_:]*, labels [a-zA-Z_][a-zA-Z0-9_]*, no reserved "__" label prefix);
// a bad name throws std::invalid_argument (a programming error, not an outside input). Label
// values and HELP texts are escaped (\\, \", \n).
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pmap/metrics/histogram.hpp"

namespace pmap::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

struct Sample {
  Labels labels;
  double value = 0;
};

/// The Content-Type of the text format.
inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

class Exposition {
 public:
  void counter(std::string_view name, std::string_view help, const std::vector<Sample>& samples);
  void gauge(std::string_view name, std::string_view help, const std::vector<Sample>& samples);
  void histogram(std::string_view name, std::string_view help, const Histogram::Snapshot& snapshot,
                 const Labels& labels = {});

  [[nodiscard]] const std::string& text() const { return text_; }

 private:
  void header(std::string_view name, std::string_view help, std::string_view type);
  void sample(std::string_view name, const Labels& labels, double value);
  std::string text_;
  std::vector<std::string> families_;
};

/// A sample value as the format writes it: integers without exponent, NaN, +Inf, -Inf.
[[nodiscard]] std::string format_value(double v);
[[nodiscard]] bool valid_metric_name(std::string_view name);
[[nodiscard]] bool valid_label_name(std::string_view name);

}  // namespace pmap::metrics
