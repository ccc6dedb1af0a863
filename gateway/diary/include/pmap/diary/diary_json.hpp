#pragma once
// JSON forms of the diary (nlohmann::json), shared by pmapctl, the export and later the API and
// the report. Field names are those of docs/diary.md; times appear both as UTC microseconds
// (time_us) and as local ISO 8601 with offset (time) in the zone they were entered in.
#include <nlohmann/json.hpp>

#include "pmap/diary/centralization.hpp"
#include "pmap/diary/diary_repository.hpp"
#include "pmap/diary/directional_preference.hpp"
#include "pmap/diary/two_week_rule.hpp"

namespace pmap::diary {

[[nodiscard]] nlohmann::json to_json(const PainEntry& entry);
[[nodiscard]] nlohmann::json to_json(const MovementTest& test);
[[nodiscard]] nlohmann::json to_json(const PillowSetup& setup);
[[nodiscard]] nlohmann::json to_json(const SetupSwitch& setup_switch);
[[nodiscard]] nlohmann::json to_json(const CentralizationResult& result);
[[nodiscard]] nlohmann::json to_json(const TwoWeekResult& result);
[[nodiscard]] nlohmann::json to_json(const DirectionalPreference& preference);

}  // namespace pmap::diary
