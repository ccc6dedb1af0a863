#pragma once
// One tested (or untestable) posture/sitting measure <-> pain outcome pair.
//
// effect = OLS slope of the outcome on the measure, times the measure's step (VariableLabel), in
// outcome points per step; ci_low/ci_high its 95 % interval; p two-sided. See docs/reports.md,
// "Statistics", for the standard error (allowing for day-to-day autocorrelation) and the claim
// rule.
#include <optional>
#include <string>
#include <string_view>

namespace pmap::associations {

enum class AssociationStatus {
  kTested,           ///< effect, interval and p computed; in the multiple-testing family
  kTooFewDays,       ///< n < min_days: not tested
  kConstantMeasure,  ///< the measure did not vary over the days with both values
  kConstantOutcome,  ///< the outcome did not vary over those days
};

[[nodiscard]] std::string_view to_string(AssociationStatus status);

struct Association {
  std::string metric;
  std::string outcome;
  AssociationStatus status = AssociationStatus::kTooFewDays;
  int n = 0;                     ///< days with both values
  double step = 1.0;             ///< measure units per effect step
  std::string step_phrase;       ///< "30 min", "standard deviation (12.3)"
  std::optional<double> effect;  ///< outcome points per step
  std::optional<double> ci_low;  ///< 95 % interval
  std::optional<double> ci_high;
  std::optional<double> p;           ///< two-sided, t with effective-n - 2 df
  std::optional<double> p_adjusted;  ///< Benjamini-Hochberg over all kTested pairs of the call
  bool claimed = false;
  std::string sentence;  ///< plain language, states n and the uncertainty
};

}  // namespace pmap::associations
