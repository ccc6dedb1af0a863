#pragma once
// A strict reader of the Prometheus text exposition format 0.0.4 for the tests: it parses a
// scrape back and lists every rule it breaks (empty = valid). The rules checked:
//  - every line is a "# HELP name text", a "# TYPE name type", another comment, or a sample
//    `name{label="value",...} value` matching the grammar (names, label names, escapes, values:
//    a float, NaN, +Inf or -Inf);
//  - each family has exactly one HELP and one TYPE, TYPE before its samples, samples of one
//    family contiguous;
//  - counters end in _total; sample names belong to their family (histograms: _bucket, _sum,
//    _count);
//  - histograms: per label set, buckets have an `le`, are cumulative (non-decreasing with le),
//    end with le="+Inf", and +Inf equals _count; _sum is present.
#include <map>
#include <string>
#include <vector>

namespace pmap::metrics::test {

struct ParsedSample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct ParsedFamily {
  std::string type;
  std::string help;
  std::vector<ParsedSample> samples;
};

struct ParsedExposition {
  std::map<std::string, ParsedFamily> families;
  std::vector<std::string> errors;  ///< every rule broken, with its line number

  /// The value of the sample `name` with exactly these labels; NaN when absent.
  [[nodiscard]] double value(const std::string& name,
                             const std::map<std::string, std::string>& labels = {}) const;
};

[[nodiscard]] ParsedExposition parse_exposition(const std::string& text);

}  // namespace pmap::metrics::test
