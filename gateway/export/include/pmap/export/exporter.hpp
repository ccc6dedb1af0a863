#pragma once
// Everything personal in PostureMap's SQLite file, as one JSON document or a directory of CSV
// files (docs/export.md): the diary (pain entries, movement tests, pillow setups, setup
// switches), the nights and sitting days computed from the stored data (pmap::nights, as
// `pmapctl nights --json` / `days --json`), and the stored tables (mats, status events, counters,
// episodes, epochs, posture epochs, raw frame metadata and, with `raw`, the frames).
//
// Streaming: the stored tables are read with prepared statements and each row is written as it
// is read, so a year of epochs never sits in memory. The diary (a few rows a day) and the
// summaries (one row per night or day) are read whole. Everything is read in one read
// transaction: a consistent snapshot even while the gateway writes (WAL), without blocking it.
//
// Errors: ExportError (sinks.hpp) for output problems; StoreError / DiaryError from reading.
// Threading: as the Store (one thread at a time).
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "pmap/diary/time_zone.hpp"
#include "pmap/export/sinks.hpp"
#include "pmap/nights/nights_config.hpp"
#include "pmap/store.hpp"

namespace pmap::data_export {

/// The export format's version (the JSON document's `format_version`, export_info.csv). Version 1
/// was the diary-only export (`version`: 1).
inline constexpr int kFormatVersion = 2;

struct ExportOptions {
  /// Local dates in the export's zone, inclusive: rows whose time is in
  /// [local midnight of `from`, local midnight after `to`); nights by wake date and sitting days
  /// by date. Unset: no bound.
  std::optional<std::chrono::sys_days> from;
  std::optional<std::chrono::sys_days> to;
  /// Include the raw frames' bytes (base64 of the binary wire form) in raw_frames.
  bool raw = false;
  /// Thresholds of the nights and sitting days (the defaults of `pmapctl nights`).
  nights::NightsConfig nights;
};

/// Rows written per table, in output order.
struct ExportCounts {
  std::vector<std::pair<std::string, std::int64_t>> tables;
  /// Exported pain entries that answered yes to a red-flag question (the caller repeats
  /// pmap::diary::kRedFlagWarning, as every surface that shows entries does).
  std::int64_t red_flag_entries = 0;
  [[nodiscard]] std::int64_t rows(const std::string& table) const;
};

class Exporter {
 public:
  /// `store` must outlive the exporter. Throws ExportError when from > to.
  Exporter(Store& store, diary::TimeZone zone, ExportOptions options);

  /// The document's header: format, format_version, exported_at, exported_us, schema_version,
  /// time_zone, from, to, raw_frames_included.
  [[nodiscard]] nlohmann::ordered_json header() const;
  /// Writes every table into `sink` (begin/rows/end per table, then finish).
  ExportCounts write(TableSink& sink);

  /// The table names of the database that the export reads (every table of the schema).
  [[nodiscard]] static std::vector<std::string> stored_tables();

 private:
  Store& store_;
  diary::TimeZone zone_;
  ExportOptions options_;
  std::int64_t exported_us_ = 0;
  std::int64_t from_us_ = INT64_MIN;
  std::int64_t to_us_ = INT64_MAX;
};

/// The JSON document on `out` (e.g. stdout).
ExportCounts export_json(Exporter& exporter, std::ostream& out);
/// The JSON document in `file`, written atomically (atomic_output.hpp; `force` replaces a file).
ExportCounts export_json_file(Exporter& exporter, const std::filesystem::path& file, bool force);
/// One CSV file per table and export_info.csv in `directory`, written atomically as a whole
/// (atomic_output.hpp; `force` replaces a non-empty directory). Missing parents are created.
ExportCounts export_csv_directory(Exporter& exporter, const std::filesystem::path& directory,
                                  bool force);

}  // namespace pmap::data_export
