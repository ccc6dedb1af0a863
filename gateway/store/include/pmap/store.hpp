#pragma once
// SQLite store of the gateway (docs/gateway.md, "Database").
//
// WAL journal, synchronous=NORMAL (a power cut can lose the last committed transactions but never
// corrupts the file), busy timeout, schema versioned with PRAGMA user_version: each migration runs
// in its own transaction; a database newer than this code knows is refused (StoreError) and never
// modified. Migrations only add; they never drop data.
//
// Error semantics: the constructor and write() throw StoreError (with the SQLite message) on any
// failure; a failed write() is rolled back as a whole.
// Threading: a Store is used by one thread at a time (the StoreWriter's thread in the gateway).
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "pmap/episodes.hpp"
#include "pmap/sqlite.hpp"

namespace pmap {

class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
  StoreError(const std::string& message, int sqlite_code)
      : std::runtime_error(message), sqlite_code_(sqlite_code) {}
  /// The SQLite result code that caused it (primary or extended); 0 when not from SQLite.
  [[nodiscard]] int sqlite_code() const { return sqlite_code_; }

 private:
  int sqlite_code_ = 0;
};

/// A mat as described by its meta (upserted when meta changes).
struct MatRecord {
  std::string id;
  std::string kind;
  std::int64_t rows = 0;
  std::int64_t cols = 0;
  double row_pitch_mm = 0;
  double col_pitch_mm = 0;
  std::string layout;  ///< JSON, e.g. {"first_row":"head","mirrored":false}
  std::string firmware;
  std::string meta_json;
  std::int64_t seen_us = 0;
};

struct StatusEvent {
  std::string mat_id;
  std::int64_t ts_us = 0;
  std::string status;
};

/// Sums over the frames of one mat in one epoch, merged into the stored row by addition.
struct EpochDelta {
  std::string mat_id;
  std::int64_t epoch_start_s = 0;
  std::int64_t frames = 0;
  std::int64_t occupied_frames = 0;
  double load_raw_sum = 0;
  double load_raw_max = 0;
  std::optional<double> force_n_sum;  ///< null when no frame had a force
  double contact_area_cm2_sum = 0;
  double cop_row_sum = 0;  ///< over occupied frames
  double cop_col_sum = 0;
  double movement_sum = 0;
  std::int64_t first_seq = 0;
  std::int64_t last_seq = 0;
  std::int64_t last_ts_us = 0;
};

/// Posture measures of one mat in one epoch, as sums and frame counts (merged by addition like
/// EpochDelta, so late frames are exact). Bed columns are zero on a chair and vice versa. Counts
/// are of frames the posture engine analysed; a mean is a sum over its count.
struct PostureEpochDelta {
  std::string mat_id;
  std::int64_t epoch_start_s = 0;
  std::int64_t posture_frames = 0;  ///< occupied frames with a posture result
  // Bed.
  std::int64_t side_frames = 0;  ///< side-lying frames with a knee-pillow analysis
  double pelvic_roll_deg_sum = 0;
  std::int64_t knee_aligned_frames = 0;
  std::int64_t knee_dropped_frames = 0;
  std::int64_t supine_supported_frames = 0;
  std::int64_t supine_flat_frames = 0;
  // Chair.
  double obliquity_deg_sum = 0;  ///< signed, + = the sitter's right side lower
  double tilt_deg_sum = 0;       ///< + = posterior
  std::int64_t slouched_frames = 0;
  std::int64_t wallet_frames = 0;
  double ppi_sum = 0;  ///< in the image's unit (mmHg when calibrated)
  double di_pct_sum = 0;
};

struct RawFrameRecord {
  std::string mat_id;
  std::int64_t seq = 0;
  std::int64_t ts_us = 0;
  std::vector<std::uint8_t> blob;  ///< canonical frame, binary wire form (pmap::encode_binary)
};

struct CounterSnapshot {
  std::string mat_id;
  std::map<std::string, std::uint64_t> counts;  ///< absolute values
};

/// A mat's learned empty-mat floor (zero tracking, MatConditioner), kept so that a restarted
/// gateway does not fall back to a one-number floor until the mat is next empty — in the middle
/// of a night that would be the rest of the night (docs/gateway.md, "Conditioning").
struct FloorRecord {
  std::string mat_id;
  std::int64_t rows = 0;
  std::int64_t cols = 0;
  std::vector<float> counts;        ///< rows × cols, row-major, canonical taxel order
  std::int64_t empty_frames = 0;    ///< empty frames learned into it so far
  std::optional<std::int64_t> last_learned_us;   ///< frame clock of the newest one
  std::optional<std::int64_t> last_occupied_us;  ///< frame clock of the last occupied frame
  std::int64_t saved_us = 0;                     ///< gateway clock when it was written
};

/// Reads every stored floor; rows that are not a valid floor (shape and size disagree, a value
/// not finite or negative) are skipped and counted in `skipped`. Throws StoreError.
[[nodiscard]] std::vector<FloorRecord> read_floors(Database& db, std::size_t* skipped = nullptr);

/// Everything written in one transaction.
struct WriteBatch {
  std::vector<MatRecord> mats;
  std::vector<StatusEvent> statuses;
  std::vector<EpochDelta> epochs;
  std::vector<RawFrameRecord> raw_frames;
  std::vector<CounterSnapshot> counters;
  std::vector<Episode> episodes;
  std::vector<PostureEpochDelta> posture_epochs;
  std::vector<FloorRecord> floors;  ///< replace the stored floor of their mats

  [[nodiscard]] std::size_t rows() const {
    return mats.size() + statuses.size() + epochs.size() + raw_frames.size() + counters.size() +
           episodes.size() + posture_epochs.size() + floors.size();
  }
  [[nodiscard]] bool empty() const { return rows() == 0; }
  /// Estimated heap and object bytes (the StoreWriter's memory cap while the disk cannot keep up
  /// or refuses writes).
  [[nodiscard]] std::size_t approx_bytes() const;
  /// Removes the raw frames; returns how many there were.
  std::size_t drop_raw_frames();
  /// Appends `other` (used to write several queued batches in one transaction).
  void append(WriteBatch&& other);
};

struct StoreConfig {
  /// The raw-frame archive's cap: 0 — raw frames are not archived (the gateway deletes any it
  /// finds); n — the oldest are deleted beyond n bytes. nullopt (the default, for tools such as
  /// pmapctl): the archive is left exactly as it is and no raw frame is written.
  std::optional<std::int64_t> raw_archive_max_bytes;
  int busy_timeout_ms = 5000;
  /// SQLite page cache per connection, KiB (allocated only as pages are read).
  int cache_kib = 64 * 1024;
  /// Memory-mapped reads up to this many bytes of the file; 0 = off (SQLite's default). The
  /// readers of long histories (pmapctl, the API, the morning report) use kReaderMmapBytes: a
  /// year's report reads ~2 million epoch rows, and copying every page out of the kernel and
  /// into the page cache cost a third of its time (1.15 s -> 0.8 s).
  std::int64_t mmap_bytes = 0;
};

inline constexpr std::int64_t kReaderMmapBytes = 256LL * 1024 * 1024;

/// The configuration of a connection that reads long histories (see mmap_bytes).
[[nodiscard]] inline StoreConfig reader_store_config() {
  StoreConfig c;
  c.mmap_bytes = kReaderMmapBytes;
  return c;
}

class Store {
 public:
  static constexpr int kSchemaVersion = 5;

  /// Opens or creates the database and migrates it. Throws StoreError.
  explicit Store(const std::string& path, StoreConfig config = {});
  /// Opens read-only, without migrating (pmap-db). Throws StoreError if missing or too new.
  static Store open_read_only(const std::string& path);

  /// Writes a batch in one transaction. Throws StoreError (nothing written).
  void write(const WriteBatch& batch);

  [[nodiscard]] int schema_version();
  /// "ok" when PRAGMA integrity_check passes.
  [[nodiscard]] std::string integrity_check();
  /// Bytes in the raw-frame archive; only kept by a connection with raw_archive_max_bytes set
  /// (0 otherwise).
  [[nodiscard]] std::int64_t raw_archive_bytes() const { return raw_bytes_; }
  /// Counts the archive's bytes again (after rows were deleted outside write(), e.g. by
  /// pmap::deletion on this connection). No-op for a connection that keeps no archive.
  void recount_raw_archive();
  [[nodiscard]] Database& db() { return db_; }

 private:
  Store(const std::string& path, StoreConfig config, Database::Mode mode);
  void migrate();
  void enforce_raw_cap();
  StoreConfig config_;
  Database db_;
  std::int64_t raw_bytes_ = 0;
  /// PRAGMA data_version after this connection's last write: a different value means another
  /// connection committed meanwhile (e.g. pmapctl delete), and raw_bytes_ is counted again.
  std::int64_t data_version_ = 0;
};

}  // namespace pmap
