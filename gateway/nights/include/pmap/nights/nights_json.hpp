#pragma once
// JSON of the summaries (docs/nights.md, "JSON"): units in the field names, null when unknown.
#include <nlohmann/json.hpp>

#include "pmap/diary/time_zone.hpp"
#include "pmap/nights/night_summary.hpp"
#include "pmap/nights/sitting_day.hpp"

namespace pmap::nights {

[[nodiscard]] nlohmann::json to_json(const NightSummary& night, const diary::TimeZone& zone);
[[nodiscard]] nlohmann::json to_json(const SittingDay& day);

}  // namespace pmap::nights
