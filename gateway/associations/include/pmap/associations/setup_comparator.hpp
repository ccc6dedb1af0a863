#pragma once
// Pillow setups: per-setup summaries and the comparison of two setups (docs/reports.md).
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "pmap/associations/setup_comparison.hpp"
#include "pmap/associations/setup_night.hpp"
#include "pmap/associations/setup_summary.hpp"
#include "pmap/associations/variable_label.hpp"

namespace pmap::associations {

struct SetupComparatorConfig {
  double target_difference = 1.0;  ///< pain points the n-of-1 plan should detect (> 0)
  double power = 0.8;              ///< (0.5, 1)
  double alpha = 0.05;             ///< two-sided (0, 0.5)
  double default_sd = 2.0;         ///< pain SD assumed while a setup has < 2 nights with pain
  int block_nights = 2;            ///< nights per ABBA period (>= 1)
  int max_nights_per_setup = 180;  ///< beyond this the plan is reported as not feasible
  std::uint64_t seed = 1;          ///< the schedule is a pure function of the seed
  std::map<std::string, VariableLabel> pain_labels;  ///< phrase per pain variable
};

class SetupComparator {
 public:
  /// Throws AssociationError for an invalid configuration.
  explicit SetupComparator(SetupComparatorConfig config);

  /// One summary per setup found in `nights`, sorted by name. Throws AssociationError for
  /// non-finite values, an empty setup name or two nights of the same date.
  [[nodiscard]] std::vector<SetupSummary> summarize(const std::vector<SetupNight>& nights) const;

  /// Setup `b` against setup `a` (differences are B - A). `plan_from` is the first date of the
  /// n-of-1 schedule (usually tomorrow). Throws AssociationError as summarize(), or when a == b.
  [[nodiscard]] SetupComparison compare(const std::vector<SetupNight>& nights, const std::string& a,
                                        const std::string& b,
                                        std::chrono::sys_days plan_from) const;

  /// Nights per setup for a two-sided two-sample t test of `difference` with pain SD `sd`
  /// (non-central t power, equal group sizes); 0 when more than max_nights_per_setup.
  [[nodiscard]] int nights_needed(double difference, double sd) const;

  /// Balanced schedule of `cycles` ABBA or BAAB cycles (seeded coin per cycle).
  [[nodiscard]] std::vector<ScheduledNight> abba_schedule(const std::string& a,
                                                          const std::string& b,
                                                          std::chrono::sys_days from,
                                                          int cycles) const;

  [[nodiscard]] const SetupComparatorConfig& config() const { return config_; }

 private:
  SetupComparatorConfig config_;
};

}  // namespace pmap::associations
