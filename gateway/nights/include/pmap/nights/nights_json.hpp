#pragma once
// JSON of the summaries (docs/nights.md, "JSON"): units in the field names, null when unknown.
#include <chrono>
#include <vector>

#include <nlohmann/json.hpp>

#include "pmap/diary/time_zone.hpp"
#include "pmap/nights/night_summary.hpp"
#include "pmap/nights/nights_config.hpp"
#include "pmap/nights/sitting_day.hpp"

namespace pmap::nights {

[[nodiscard]] nlohmann::json to_json(const NightSummary& night, const diary::TimeZone& zone);
[[nodiscard]] nlohmann::json to_json(const SittingDay& day);

/// The whole answer of `pmapctl nights --json` and `GET /v1/nights` (one function, so the two are
/// the same by construction): tz, from, to, the nights, and the dates in [from, to] without one.
[[nodiscard]] nlohmann::json nights_document(const std::vector<NightSummary>& nights,
                                             const diary::TimeZone& zone,
                                             std::chrono::sys_days from, std::chrono::sys_days to);
/// The same for `pmapctl days --json` and `GET /v1/days`, with the thresholds the days used.
[[nodiscard]] nlohmann::json days_document(const std::vector<SittingDay>& days,
                                           const diary::TimeZone& zone, std::chrono::sys_days from,
                                           std::chrono::sys_days to, const NightsConfig& config);

}  // namespace pmap::nights
