#pragma once
// Deleting personal data from the gateway's SQLite file (docs/export.md, "Delete"): everything,
// one mat's data, a time range, or one mat within a range — from every table of the schema, and
// from the file's bytes, not only from its tables.
//
// How the bytes go: the deletion runs with PRAGMA secure_delete = ON (SQLite overwrites deleted
// content with zeros in the pages it frees or rewrites), then PRAGMA wal_checkpoint(TRUNCATE)
// copies the zeroed pages into the database file and truncates the write-ahead log, which held
// the rows' earlier copies. With `compact`, VACUUM then rebuilds the file at its new size.
//
// Which rows (table_rules() lists them; a table of the schema without a rule makes every scoped
// deletion refuse before deleting anything, so a migration cannot add a table that deletions
// silently miss — DataDeletion.EveryTableOfTheSchemaHasARule):
//  - a time range [from_us, to_us) takes the rows whose time is in it; an episode is deleted whole
//    when any part of it overlaps the range (nothing from inside the range may remain);
//    undated rows (mats, counters, setup definitions) stay;
//  - a mat takes the rows of its tables (mats, status events, counters, epochs, posture epochs,
//    episodes, raw frames); the diary (pain, movement tests, setups) is the person's, not a mat's,
//    and stays;
//  - no mat and no range: every row of every table (the schema itself stays).
//
// Error semantics: DeletionError (with SQLite's message) for a failed deletion — the transaction
// is rolled back and nothing is deleted; a busy WAL is not an error (wal_truncated false).
// Threading: like Store, one thread at a time; the Store's connection is used.
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "pmap/store.hpp"

namespace pmap::deletion {

class DeletionError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// What to delete. Empty = everything.
struct DeletionScope {
  std::optional<std::string> mat_id = std::nullopt;
  std::optional<std::int64_t> from_us = std::nullopt;  ///< inclusive, UTC microseconds
  std::optional<std::int64_t> to_us = std::nullopt;    ///< exclusive
  [[nodiscard]] bool everything() const { return !mat_id && !from_us && !to_us; }
  [[nodiscard]] bool has_range() const { return from_us.has_value() || to_us.has_value(); }
};

struct DeletionOptions {
  /// VACUUM after deleting: the file shrinks to its new size. It rewrites the whole file and
  /// holds the write lock meanwhile (a gateway writing the same file waits, or fails its batch
  /// after its busy timeout), so it is asked for, not done by default.
  bool compact = false;
};

struct DeletionResult {
  std::map<std::string, std::int64_t> rows;  ///< every table of the schema, rows deleted (0 too)
  std::int64_t rows_total = 0;
  /// Mats whose `mats` row was deleted (their retained MQTT messages should go too).
  std::vector<std::string> mats_deleted;
  /// The WAL was checkpointed completely and truncated to zero bytes. False when another
  /// connection kept reading for the store's busy timeout (5 s): the deleted rows' old copies
  /// in the WAL are then overwritten by later checkpoints (SQLite runs one every 1000 pages).
  bool wal_truncated = false;
  bool compacted = false;
  std::int64_t file_bytes_before = 0;  ///< the database file (without its WAL)
  std::int64_t file_bytes_after = 0;
};

/// How one table's rows are chosen.
struct TableRule {
  std::string_view table;
  /// The column holding the mat id; empty for the person's tables (diary, setups).
  std::string_view mat_column;
  /// SQL expressions of the row's time interval in UTC microseconds [start, end]; empty when the
  /// rows are undated. end == start for instants.
  std::string_view start_us_sql;
  std::string_view end_us_sql;
};

/// The rules, children before parents (setup_switches before pillow_setups).
[[nodiscard]] std::span<const TableRule> table_rules();

/// The user tables of the database (sqlite_master, without SQLite's own), sorted.
[[nodiscard]] std::vector<std::string> schema_tables(Store& store);

/// Deletes per `scope` (see the header comment). Throws DeletionError.
DeletionResult delete_data(Store& store, const DeletionScope& scope,
                           const DeletionOptions& options = {});

/// What delete_data would delete, counted in one read transaction (rows, rows_total,
/// mats_deleted; the rest stays default). Throws DeletionError.
[[nodiscard]] DeletionResult preview(Store& store, const DeletionScope& scope);

/// The document of DELETE /v1/data and `pmapctl delete --json` (docs/api.md):
/// {"scope": {"everything", "mat", "from_us", "to_us", "description"}, "dry_run", "rows",
///  "deleted": {table: n}, "mats_deleted": [...], "wal_truncated", "compacted",
///  "file_bytes_before", "file_bytes_after"} (the last four only when not a dry run).
[[nodiscard]] nlohmann::json to_json(const DeletionResult& result, const DeletionScope& scope,
                                     bool dry_run);

/// The scope in words, for logs and confirmations: "everything", "mat 'bed1'",
/// "2026-11-01T00:00:00Z .. 2026-11-08T00:00:00Z", "mat 'bed1' from … until …".
[[nodiscard]] std::string describe(const DeletionScope& scope);

}  // namespace pmap::deletion
