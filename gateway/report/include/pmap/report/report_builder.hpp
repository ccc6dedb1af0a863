#pragma once
// Builds the morning report of one local date from the gateway's SQLite database: last night,
// yesterday's sitting, today's pain, trends, posture <-> pain associations, pillow-setup advice,
// self-care guidance, the red-flag banner and the disclaimer (docs/reports.md, "Morning report").
//
// The report is a JSON document (format "pmap-report", format_version 1; fields in
// docs/reports.md). The HTML and PDF forms are rendered from exactly this document, so every
// surface shows the same numbers.
//
// Errors: ReportError for an invalid configuration or date; StoreError / DiaryError from the
// database. Threading: like the Store it reads (one thread at a time).
#include <chrono>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "pmap/diary/time_zone.hpp"
#include "pmap/report/report_config.hpp"
#include "pmap/store.hpp"

namespace pmap::report {

inline constexpr int kReportFormatVersion = 1;

/// The disclaimer every surface of the report carries.
inline constexpr std::string_view kDisclaimer =
    "PostureMap is not a medical device and this report is not medical advice. Its figures come "
    "from a pressure mat and your own diary; they can be wrong, and an association between a "
    "posture and your pain is not proof that one causes the other. Talk to a physiotherapist or "
    "doctor about your treatment.";

class ReportBuilder {
 public:
  /// `store` must outlive the builder. Throws ReportError for an invalid configuration.
  ReportBuilder(Store& store, diary::TimeZone zone, ReportConfig config = {});

  /// The report of local date `date` (the morning after night date-1 → date). `now_us` is the
  /// generation time (UTC µs): data after it is not used, and it is printed in the report.
  /// Throws ReportError for a date before 2000 or more than a day after `now_us`.
  [[nodiscard]] nlohmann::json build(std::chrono::sys_days date, std::int64_t now_us);

  [[nodiscard]] const ReportConfig& config() const { return config_; }
  [[nodiscard]] const diary::TimeZone& zone() const { return zone_; }

 private:
  Store& store_;
  diary::TimeZone zone_;
  ReportConfig config_;
};

}  // namespace pmap::report
