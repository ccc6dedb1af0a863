#pragma once
// Posture <-> pain associations over per-day series (pure: no database, no clock).
//
// Every (measure, outcome) pair found in the records is returned, tested or not, in the order
// metric, outcome (sorted by name). The multiple-testing family is all pairs of one analyze() call
// that were tested; a claim needs n >= min_days, a 95 % interval excluding zero and a
// Benjamini-Hochberg adjusted p <= fdr.
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "pmap/associations/association.hpp"
#include "pmap/associations/day_record.hpp"
#include "pmap/associations/variable_label.hpp"

namespace pmap::associations {

struct AssociationConfig {
  int min_days = 14;  ///< fewer days with both values: not tested (must be >= 4)
  double fdr = 0.05;  ///< Benjamini-Hochberg level (0 < fdr < 1)
  std::map<std::string, VariableLabel> measures;  ///< by measure name; optional
  std::map<std::string, VariableLabel> outcomes;  ///< by outcome name; phrase only
  /// Which (measure, outcome) pairs make sense (e.g. a night's measures only with the pain of the
  /// morning after it, never with pain reported before it). Pairs it rejects are neither returned
  /// nor in the multiple-testing family. Empty: every pair.
  std::function<bool(std::string_view metric, std::string_view outcome)> pair_filter;
};

class AssociationAnalyzer {
 public:
  /// Throws AssociationError for an invalid configuration.
  explicit AssociationAnalyzer(AssociationConfig config);

  /// Throws AssociationError for non-finite values or two records of the same date.
  [[nodiscard]] std::vector<Association> analyze(const std::vector<DayRecord>& days) const;

  [[nodiscard]] const AssociationConfig& config() const { return config_; }

 private:
  AssociationConfig config_;
};

}  // namespace pmap::associations
