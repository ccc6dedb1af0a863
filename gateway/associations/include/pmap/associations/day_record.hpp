#pragma once
// One local day of inputs for the association analysis.
//
// Alignment is the caller's job and is kept deliberately simple: the record of day D holds the
// measures of the night that ended on the morning of D (night D-1 -> D) and of the sitting day D,
// and the outcomes reported on D (next-morning pain = the morning of D; "after sitting" pain = D).
// A missing value is an absent key or std::nullopt; non-finite values are refused.
#include <chrono>
#include <map>
#include <optional>
#include <string>

namespace pmap::associations {

struct DayRecord {
  std::chrono::sys_days date{};
  std::map<std::string, std::optional<double>> measures;  ///< e.g. "side_unaligned_min"
  std::map<std::string, std::optional<double>> outcomes;  ///< e.g. "morning_leg_pain"
};

}  // namespace pmap::associations
