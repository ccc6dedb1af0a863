#pragma once
// The report's words: durations, counts and the self-care guidance (docs/reports.md, "Guidance").
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pmap/associations/association.hpp"
#include "pmap/diary/centralization.hpp"
#include "pmap/diary/time_zone.hpp"
#include "pmap/report/report_config.hpp"

namespace pmap::report {

/// "0 min", "35 min", "2 h", "7 h 05 min" (rounded to the minute).
[[nodiscard]] std::string duration_text(std::int64_t seconds);
/// "once", "twice", "3 times".
[[nodiscard]] std::string times_text(int count);
/// "1.5", "-0.3".
[[nodiscard]] std::string one_decimal(double value);
/// "06:50".
[[nodiscard]] std::string clock_time(const diary::LocalDateTime& local);
/// "Over the last 14 days your pain has been centralizing …" or "not enough days".
[[nodiscard]] std::string centralization_sentence(const diary::CentralizationResult& result);
/// "3 of 40 links were tested …".
[[nodiscard]] std::string associations_summary(
    int tested, int claimed, const std::vector<associations::Association>& results);

/// The self-care advice that applies, from the report document built so far (last_night,
/// yesterday_sitting, pain, setups): an array of {id, text, based_on}. Ids are stable
/// (docs/reports.md lists them).
[[nodiscard]] nlohmann::json guidance_items(const nlohmann::json& report,
                                            const ReportConfig& config);

}  // namespace pmap::report
