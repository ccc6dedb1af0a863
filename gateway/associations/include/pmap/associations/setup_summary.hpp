#pragma once
// Per setup: how many nights and the mean (and SD) of every alignment and pain variable.
#include <map>
#include <optional>
#include <string>

namespace pmap::associations {

struct VariableSummary {
  int n = 0;  ///< nights with a value
  std::optional<double> mean;
  std::optional<double> sd;  ///< sample SD (n - 1); needs n >= 2
};

struct SetupSummary {
  std::string setup;
  int nights = 0;
  std::map<std::string, VariableSummary> alignment;
  std::map<std::string, VariableSummary> pain;
};

}  // namespace pmap::associations
