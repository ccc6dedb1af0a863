#pragma once
// Setup B against setup A: per variable, the difference of means (B - A) with a Welch 95 %
// interval; a recommendation only when a pain difference's interval excludes zero, otherwise an
// n-of-1 plan.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pmap/associations/n_of_1_plan.hpp"
#include "pmap/associations/setup_summary.hpp"

namespace pmap::associations {

struct SetupDifference {
  std::string variable;
  bool is_pain = false;
  int n_a = 0;
  int n_b = 0;
  std::optional<double> difference;  ///< mean B - mean A
  std::optional<double> ci_low;      ///< 95 %, Welch t
  std::optional<double> ci_high;
  std::optional<double> df;  ///< Welch-Satterthwaite degrees of freedom
  std::optional<double> p;
  bool excludes_zero = false;
};

struct SetupComparison {
  SetupSummary a;
  SetupSummary b;
  std::vector<SetupDifference> differences;   ///< alignment variables, then pain variables
  std::optional<std::string> recommendation;  ///< only when a pain interval excludes zero
  std::optional<NOf1Plan> plan;               ///< when no recommendation could be made
};

}  // namespace pmap::associations
