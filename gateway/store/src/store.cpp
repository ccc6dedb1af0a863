#include "pmap/store.hpp"

#include <sqlite3.h>

#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <string_view>

namespace pmap {

namespace {

// Migration i brings the schema from version i to i+1. Never edit a released migration; append.
constexpr std::array<std::string_view, 5> kMigrations = {
    R"sql(
CREATE TABLE mats (
  id            TEXT PRIMARY KEY,
  kind          TEXT,
  rows          INTEGER,
  cols          INTEGER,
  row_pitch_mm  REAL,
  col_pitch_mm  REAL,
  layout        TEXT,
  firmware      TEXT,
  meta_json     TEXT,
  first_seen_us INTEGER NOT NULL,
  last_seen_us  INTEGER NOT NULL,
  last_status   TEXT
);
CREATE TABLE mat_status_events (
  mat_id TEXT NOT NULL,
  ts_us  INTEGER NOT NULL,
  status TEXT NOT NULL
);
CREATE INDEX mat_status_events_by_mat ON mat_status_events (mat_id, ts_us);
CREATE TABLE epochs (
  mat_id               TEXT NOT NULL,
  epoch_start_s        INTEGER NOT NULL,
  frames               INTEGER NOT NULL,
  occupied_frames      INTEGER NOT NULL,
  load_raw_sum         REAL NOT NULL,
  load_raw_max         REAL NOT NULL,
  force_n_sum          REAL,
  contact_area_cm2_sum REAL NOT NULL,
  cop_row_sum          REAL NOT NULL,
  cop_col_sum          REAL NOT NULL,
  movement_sum         REAL NOT NULL,
  first_seq            INTEGER NOT NULL,
  last_seq             INTEGER NOT NULL,
  PRIMARY KEY (mat_id, epoch_start_s)
) WITHOUT ROWID;
CREATE VIEW epoch_means AS
SELECT mat_id,
       epoch_start_s,
       frames,
       occupied_frames,
       CAST(occupied_frames AS REAL) / frames                          AS occupied_fraction,
       load_raw_sum / frames                                           AS load_raw_mean,
       load_raw_max,
       force_n_sum / frames                                            AS force_n_mean,
       contact_area_cm2_sum / frames                                   AS contact_area_cm2_mean,
       CASE WHEN occupied_frames > 0 THEN cop_row_sum / occupied_frames END AS cop_row_mean,
       CASE WHEN occupied_frames > 0 THEN cop_col_sum / occupied_frames END AS cop_col_mean,
       movement_sum / frames                                           AS movement_mean,
       first_seq,
       last_seq
FROM epochs;
CREATE TABLE mat_counters (
  mat_id TEXT NOT NULL,
  reason TEXT NOT NULL,
  count  INTEGER NOT NULL,
  PRIMARY KEY (mat_id, reason)
) WITHOUT ROWID;
CREATE TABLE raw_frames (
  id     INTEGER PRIMARY KEY,
  mat_id TEXT NOT NULL,
  seq    INTEGER NOT NULL,
  ts_us  INTEGER NOT NULL,
  blob   BLOB NOT NULL
);
CREATE INDEX raw_frames_by_mat ON raw_frames (mat_id, ts_us);
)sql",
    // 1 -> 2: episodes (position, presence, long still periods) from the episodes stage.
    R"sql(
CREATE TABLE episodes (
  mat_id          TEXT    NOT NULL,
  stream          TEXT    NOT NULL,
  start_us        INTEGER NOT NULL,
  end_us          INTEGER NOT NULL,
  label           TEXT    NOT NULL,
  frames          INTEGER NOT NULL,
  mean_confidence REAL    NOT NULL,
  PRIMARY KEY (mat_id, stream, start_us)
) WITHOUT ROWID;
)sql",
    // 2 -> 3: the pain diary, movement tests and pillow setups (gateway/diary, docs/diary.md).
    // Times are UTC microseconds with the IANA zone they were entered in and its offset then.
    R"sql(
CREATE TABLE pain_entries (
  id                     INTEGER PRIMARY KEY,
  time_us                INTEGER NOT NULL,
  tz                     TEXT    NOT NULL,
  utc_offset_s           INTEGER NOT NULL,
  back_pain              INTEGER NOT NULL CHECK (back_pain BETWEEN 0 AND 10),
  leg_pain               INTEGER NOT NULL CHECK (leg_pain BETWEEN 0 AND 10),
  extent                 TEXT    NOT NULL,
  tags                   TEXT    NOT NULL,
  note                   TEXT    NOT NULL,
  bladder_bowel          INTEGER NOT NULL CHECK (bladder_bowel IN (0, 1)),
  saddle_numbness        INTEGER NOT NULL CHECK (saddle_numbness IN (0, 1)),
  leg_weakness           INTEGER NOT NULL CHECK (leg_weakness IN (0, 1)),
  red_flag_warning_shown INTEGER NOT NULL CHECK (red_flag_warning_shown IN (0, 1)),
  created_us             INTEGER NOT NULL
);
CREATE INDEX pain_entries_by_time ON pain_entries (time_us);
CREATE TABLE movement_tests (
  id              INTEGER PRIMARY KEY,
  time_us         INTEGER NOT NULL,
  tz              TEXT    NOT NULL,
  utc_offset_s    INTEGER NOT NULL,
  direction       TEXT    NOT NULL,
  repetitions     INTEGER NOT NULL,
  extent_before   TEXT    NOT NULL,
  extent_after    TEXT    NOT NULL,
  leg_pain_before INTEGER NOT NULL CHECK (leg_pain_before BETWEEN 0 AND 10),
  leg_pain_after  INTEGER NOT NULL CHECK (leg_pain_after BETWEEN 0 AND 10),
  note            TEXT    NOT NULL,
  created_us      INTEGER NOT NULL
);
CREATE INDEX movement_tests_by_time ON movement_tests (time_us);
CREATE TABLE pillow_setups (
  name               TEXT    PRIMARY KEY,
  knee_pillow        TEXT    NOT NULL,
  pillow_under_knees INTEGER NOT NULL CHECK (pillow_under_knees IN (0, 1)),
  head_pillow        TEXT    NOT NULL,
  mattress_topper    INTEGER NOT NULL CHECK (mattress_topper IN (0, 1)),
  note               TEXT    NOT NULL,
  created_us         INTEGER NOT NULL
);
CREATE TABLE setup_switches (
  id         INTEGER PRIMARY KEY,
  setup_name TEXT    NOT NULL REFERENCES pillow_setups (name),
  from_us    INTEGER NOT NULL,
  tz         TEXT    NOT NULL,
  created_us INTEGER NOT NULL
);
CREATE INDEX setup_switches_by_time ON setup_switches (from_us);
)sql",
    // 3 -> 4: per-epoch posture measures for the nights and sitting-day summaries
    // (gateway/nights, docs/nights.md). Sums and frame counts, merged by addition.
    R"sql(
CREATE TABLE posture_epochs (
  mat_id                  TEXT    NOT NULL,
  epoch_start_s           INTEGER NOT NULL,
  posture_frames          INTEGER NOT NULL,
  side_frames             INTEGER NOT NULL,
  pelvic_roll_deg_sum     REAL    NOT NULL,
  knee_aligned_frames     INTEGER NOT NULL,
  knee_dropped_frames     INTEGER NOT NULL,
  supine_supported_frames INTEGER NOT NULL,
  supine_flat_frames      INTEGER NOT NULL,
  obliquity_deg_sum       REAL    NOT NULL,
  tilt_deg_sum            REAL    NOT NULL,
  slouched_frames         INTEGER NOT NULL,
  wallet_frames           INTEGER NOT NULL,
  ppi_sum                 REAL    NOT NULL,
  di_pct_sum              REAL    NOT NULL,
  PRIMARY KEY (mat_id, epoch_start_s)
) WITHOUT ROWID;
)sql",
    // 4 -> 5: each mat's learned empty-mat floor (FloorRecord), float32 little-endian.
    R"sql(
CREATE TABLE mat_floors (
  mat_id           TEXT PRIMARY KEY,
  rows             INTEGER NOT NULL,
  cols             INTEGER NOT NULL,
  counts           BLOB    NOT NULL,
  empty_frames     INTEGER NOT NULL,
  last_learned_us  INTEGER,
  last_occupied_us INTEGER,
  saved_us         INTEGER NOT NULL
) WITHOUT ROWID;
)sql",
};
static_assert(kMigrations.size() == Store::kSchemaVersion, "one migration per schema version");

// Floors are stored as float32, little-endian, whatever the host.
void floats_to_le_bytes(const std::vector<float>& values, std::vector<std::uint8_t>& out) {
  out.resize(values.size() * 4);
  for (std::size_t i = 0; i < values.size(); ++i) {
    const auto bits = std::bit_cast<std::uint32_t>(values[i]);
    for (std::size_t b = 0; b < 4; ++b) out[i * 4 + b] = static_cast<std::uint8_t>(bits >> (8 * b));
  }
}

float le_bytes_to_float(const std::uint8_t* p) {
  std::uint32_t bits = 0;
  for (std::size_t b = 0; b < 4; ++b) bits |= static_cast<std::uint32_t>(p[b]) << (8 * b);
  return std::bit_cast<float>(bits);
}

}  // namespace

std::vector<FloorRecord> read_floors(Database& db, std::size_t* skipped) {
  std::vector<FloorRecord> out;
  std::size_t bad = 0;
  try {
    Statement st = db.prepare(
        "SELECT mat_id, rows, cols, counts, empty_frames, last_learned_us, last_occupied_us, "
        "saved_us FROM mat_floors ORDER BY mat_id");
    while (st.step()) {
      FloorRecord f;
      f.mat_id = st.column_text(0);
      f.rows = st.column_int(1);
      f.cols = st.column_int(2);
      const std::vector<std::uint8_t> bytes = st.column_blob(3);
      f.empty_frames = st.column_int(4);
      if (!st.column_is_null(5)) f.last_learned_us = st.column_int(5);
      if (!st.column_is_null(6)) f.last_occupied_us = st.column_int(6);
      f.saved_us = st.column_int(7);
      // The same bounds as a mat's meta (docs/protocol.md): 1-4096 rows and columns.
      const bool shape_ok = f.rows >= 1 && f.cols >= 1 && f.rows <= 4096 && f.cols <= 4096 &&
                            bytes.size() == static_cast<std::size_t>(f.rows * f.cols) * 4 &&
                            f.empty_frames >= 1;
      if (!shape_ok) {
        ++bad;
        continue;
      }
      f.counts.resize(bytes.size() / 4);
      bool values_ok = true;
      for (std::size_t i = 0; i < f.counts.size(); ++i) {
        f.counts[i] = le_bytes_to_float(bytes.data() + i * 4);
        values_ok = values_ok && std::isfinite(f.counts[i]) && f.counts[i] >= 0.0f;
      }
      if (!values_ok) {
        ++bad;
        continue;
      }
      out.push_back(std::move(f));
    }
  } catch (const SqliteError& e) {
    throw StoreError(std::string("reading the stored floors: ") + e.what(), e.code());
  }
  if (skipped != nullptr) *skipped = bad;
  return out;
}

void WriteBatch::append(WriteBatch&& other) {
  auto move_all = [](auto& into, auto& from) {
    into.insert(into.end(), std::make_move_iterator(from.begin()),
                std::make_move_iterator(from.end()));
  };
  move_all(mats, other.mats);
  move_all(statuses, other.statuses);
  move_all(epochs, other.epochs);
  move_all(raw_frames, other.raw_frames);
  move_all(counters, other.counters);
  move_all(episodes, other.episodes);
  move_all(posture_epochs, other.posture_epochs);
  move_all(floors, other.floors);
}

std::size_t WriteBatch::approx_bytes() const {
  std::size_t n = sizeof(WriteBatch);
  for (const auto& m : mats)
    n += sizeof(m) + m.id.size() + m.kind.size() + m.layout.size() + m.firmware.size() +
         m.meta_json.size();
  for (const auto& s : statuses) n += sizeof(s) + s.mat_id.size() + s.status.size();
  for (const auto& e : epochs) n += sizeof(e) + e.mat_id.size();
  for (const auto& r : raw_frames) n += sizeof(r) + r.mat_id.size() + r.blob.size();
  for (const auto& c : counters) {
    n += sizeof(c) + c.mat_id.size();
    // A map node: the key's string, the value and about four pointers of bookkeeping.
    for (const auto& [reason, count] : c.counts) n += 64 + reason.size();
  }
  for (const auto& e : episodes)
    n += sizeof(e) + e.mat_id.size() + e.stream.size() + e.label.size();
  for (const auto& p : posture_epochs) n += sizeof(p) + p.mat_id.size();
  for (const auto& f : floors) n += sizeof(f) + f.mat_id.size() + f.counts.size() * sizeof(float);
  return n;
}

std::size_t WriteBatch::drop_raw_frames() {
  const std::size_t n = raw_frames.size();
  raw_frames.clear();
  raw_frames.shrink_to_fit();
  return n;
}

Store::Store(const std::string& path, StoreConfig config)
    : Store(path, config, Database::Mode::kReadWriteCreate) {}

Store Store::open_read_only(const std::string& path) {
  return Store(path, StoreConfig{}, Database::Mode::kReadOnly);
}

namespace {
Database open_db(const std::string& path, Database::Mode mode) {
  try {
    return Database(path, mode);
  } catch (const SqliteError& e) {
    throw StoreError(e.what());
  }
}
}  // namespace

Store::Store(const std::string& path, StoreConfig config, Database::Mode mode)
    : config_(config), db_(open_db(path, mode)) {
  try {
    db_.exec("PRAGMA busy_timeout = " + std::to_string(config_.busy_timeout_ms));
    // A page cache of up to cache_kib (SQLite's default is 2 MiB): a year's nights read a few
    // million epoch rows, several queries touch the same pages, and with the default every
    // re-read went back to the kernel (a year's report: 1.2 s -> 0.6 s warm).
    db_.exec("PRAGMA cache_size = -" + std::to_string(config_.cache_kib));
    if (config_.mmap_bytes > 0)
      db_.exec("PRAGMA mmap_size = " + std::to_string(config_.mmap_bytes));
    const auto version = db_.query_int("PRAGMA user_version");
    if (version > kSchemaVersion) {
      throw StoreError("database '" + path + "' has schema version " + std::to_string(version) +
                       ", newer than this program knows (" + std::to_string(kSchemaVersion) +
                       "); refusing to open it. Use a newer PostureMap.");
    }
    if (mode == Database::Mode::kReadOnly) {
      if (version < kSchemaVersion) {
        throw StoreError("database '" + path + "' has schema version " + std::to_string(version) +
                         " (expected " + std::to_string(kSchemaVersion) +
                         "); open it once with pmap-gateway to migrate it");
      }
      return;
    }
    const std::string mode_now = db_.query_text("PRAGMA journal_mode = WAL");
    if (mode_now != "wal") throw StoreError("cannot switch '" + path + "' to WAL mode");
    db_.exec("PRAGMA synchronous = NORMAL");
    migrate();
    // Only a connection that keeps the archive needs its size: summing every blob reads the whole
    // archive (gigabytes), which tools such as pmapctl did on every command.
    if (config_.raw_archive_max_bytes) {
      recount_raw_archive();
      enforce_raw_cap();
    }
  } catch (const SqliteError& e) {
    throw StoreError("database '" + path + "': " + e.what());
  }
}

void Store::recount_raw_archive() {
  if (!config_.raw_archive_max_bytes) return;
  raw_bytes_ = db_.query_int("SELECT COALESCE(SUM(length(blob)), 0) FROM raw_frames");
  data_version_ = db_.query_int("PRAGMA data_version");
}

void Store::migrate() {
  for (auto v = static_cast<std::size_t>(db_.query_int("PRAGMA user_version"));
       v < kMigrations.size(); ++v) {
    Transaction tx(db_);
    db_.exec(kMigrations[v]);
    db_.exec("PRAGMA user_version = " + std::to_string(v + 1));
    tx.commit();
  }
}

int Store::schema_version() {
  return static_cast<int>(db_.query_int("PRAGMA user_version"));
}

std::string Store::integrity_check() {
  return db_.query_text("PRAGMA integrity_check");
}

void Store::write(const WriteBatch& batch) {
  if (batch.empty()) return;
  try {
    Transaction tx(db_);
    // Another connection deleted raw frames (pmapctl delete) since our last write: the count
    // would be too high and the cap would delete frames that fit. (Inside the transaction, so
    // nobody deletes between the count and our own writes.)
    if (config_.raw_archive_max_bytes && db_.query_int("PRAGMA data_version") != data_version_)
      recount_raw_archive();
    if (!batch.mats.empty()) {
      Statement st = db_.prepare(
          "INSERT INTO mats (id, kind, rows, cols, row_pitch_mm, col_pitch_mm, layout, firmware, "
          "meta_json, first_seen_us, last_seen_us) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?10) "
          "ON CONFLICT (id) DO UPDATE SET kind=excluded.kind, rows=excluded.rows, "
          "cols=excluded.cols, row_pitch_mm=excluded.row_pitch_mm, "
          "col_pitch_mm=excluded.col_pitch_mm, layout=excluded.layout, "
          "firmware=excluded.firmware, meta_json=excluded.meta_json, "
          "last_seen_us=MAX(last_seen_us, excluded.last_seen_us)");
      for (const auto& m : batch.mats) {
        st.bind(1, m.id).bind(2, m.kind).bind(3, m.rows).bind(4, m.cols).bind(5, m.row_pitch_mm);
        st.bind(6, m.col_pitch_mm).bind(7, m.layout).bind(8, m.firmware).bind(9, m.meta_json);
        st.bind(10, m.seen_us).run();
      }
    }
    if (!batch.statuses.empty()) {
      Statement ev =
          db_.prepare("INSERT INTO mat_status_events (mat_id, ts_us, status) VALUES (?1,?2,?3)");
      Statement mat = db_.prepare(
          "INSERT INTO mats (id, first_seen_us, last_seen_us, last_status) VALUES (?1,?2,?2,?3) "
          "ON CONFLICT (id) DO UPDATE SET last_status=excluded.last_status, "
          "last_seen_us=MAX(last_seen_us, excluded.last_seen_us)");
      for (const auto& s : batch.statuses) {
        ev.bind(1, s.mat_id).bind(2, s.ts_us).bind(3, s.status).run();
        mat.bind(1, s.mat_id).bind(2, s.ts_us).bind(3, s.status).run();
      }
    }
    if (!batch.epochs.empty()) {
      Statement st = db_.prepare(
          "INSERT INTO epochs (mat_id, epoch_start_s, frames, occupied_frames, load_raw_sum, "
          "load_raw_max, force_n_sum, contact_area_cm2_sum, cop_row_sum, cop_col_sum, "
          "movement_sum, first_seq, last_seq) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13) "
          "ON CONFLICT (mat_id, epoch_start_s) DO UPDATE SET "
          "frames = frames + excluded.frames, "
          "occupied_frames = occupied_frames + excluded.occupied_frames, "
          "load_raw_sum = load_raw_sum + excluded.load_raw_sum, "
          "load_raw_max = MAX(load_raw_max, excluded.load_raw_max), "
          "force_n_sum = CASE WHEN force_n_sum IS NULL AND excluded.force_n_sum IS NULL THEN NULL "
          "  ELSE COALESCE(force_n_sum, 0) + COALESCE(excluded.force_n_sum, 0) END, "
          "contact_area_cm2_sum = contact_area_cm2_sum + excluded.contact_area_cm2_sum, "
          "cop_row_sum = cop_row_sum + excluded.cop_row_sum, "
          "cop_col_sum = cop_col_sum + excluded.cop_col_sum, "
          "movement_sum = movement_sum + excluded.movement_sum, "
          "first_seq = MIN(first_seq, excluded.first_seq), "
          "last_seq = MAX(last_seq, excluded.last_seq)");
      Statement seen = db_.prepare(
          "INSERT INTO mats (id, first_seen_us, last_seen_us) VALUES (?1,?2,?2) "
          "ON CONFLICT (id) DO UPDATE SET last_seen_us=MAX(last_seen_us, excluded.last_seen_us)");
      for (const auto& e : batch.epochs) {
        st.bind(1, e.mat_id).bind(2, e.epoch_start_s).bind(3, e.frames).bind(4, e.occupied_frames);
        st.bind(5, e.load_raw_sum).bind(6, e.load_raw_max).bind(7, e.force_n_sum);
        st.bind(8, e.contact_area_cm2_sum).bind(9, e.cop_row_sum).bind(10, e.cop_col_sum);
        st.bind(11, e.movement_sum).bind(12, e.first_seq).bind(13, e.last_seq).run();
        seen.bind(1, e.mat_id).bind(2, e.last_ts_us).run();
      }
    }
    if (!batch.counters.empty()) {
      Statement st = db_.prepare(
          "INSERT INTO mat_counters (mat_id, reason, count) VALUES (?1,?2,?3) "
          "ON CONFLICT (mat_id, reason) DO UPDATE SET count=excluded.count");
      for (const auto& c : batch.counters) {
        for (const auto& [reason, count] : c.counts) {
          st.bind(1, c.mat_id).bind(2, reason).bind(3, static_cast<std::int64_t>(count)).run();
        }
      }
    }
    std::int64_t added = 0;
    if (!batch.episodes.empty()) {
      // An open episode is written as it stands at each flush it grew in (a crash loses only its
      // last flush interval); the closed one, or a replayed one, replaces the stored copy.
      Statement st = db_.prepare(
          "INSERT INTO episodes (mat_id, stream, start_us, end_us, label, frames, "
          "mean_confidence) VALUES (?1,?2,?3,?4,?5,?6,?7) "
          "ON CONFLICT (mat_id, stream, start_us) DO UPDATE SET end_us=excluded.end_us, "
          "label=excluded.label, frames=excluded.frames, "
          "mean_confidence=excluded.mean_confidence");
      for (const auto& e : batch.episodes) {
        st.bind(1, e.mat_id).bind(2, e.stream).bind(3, e.start_us).bind(4, e.end_us);
        st.bind(5, e.label).bind(6, static_cast<std::int64_t>(e.frames));
        st.bind(7, e.mean_confidence).run();
      }
    }
    if (!batch.posture_epochs.empty()) {
      Statement st = db_.prepare(
          "INSERT INTO posture_epochs (mat_id, epoch_start_s, posture_frames, side_frames, "
          "pelvic_roll_deg_sum, knee_aligned_frames, knee_dropped_frames, "
          "supine_supported_frames, supine_flat_frames, obliquity_deg_sum, tilt_deg_sum, "
          "slouched_frames, wallet_frames, ppi_sum, di_pct_sum) "
          "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15) "
          "ON CONFLICT (mat_id, epoch_start_s) DO UPDATE SET "
          "posture_frames = posture_frames + excluded.posture_frames, "
          "side_frames = side_frames + excluded.side_frames, "
          "pelvic_roll_deg_sum = pelvic_roll_deg_sum + excluded.pelvic_roll_deg_sum, "
          "knee_aligned_frames = knee_aligned_frames + excluded.knee_aligned_frames, "
          "knee_dropped_frames = knee_dropped_frames + excluded.knee_dropped_frames, "
          "supine_supported_frames = supine_supported_frames + excluded.supine_supported_frames, "
          "supine_flat_frames = supine_flat_frames + excluded.supine_flat_frames, "
          "obliquity_deg_sum = obliquity_deg_sum + excluded.obliquity_deg_sum, "
          "tilt_deg_sum = tilt_deg_sum + excluded.tilt_deg_sum, "
          "slouched_frames = slouched_frames + excluded.slouched_frames, "
          "wallet_frames = wallet_frames + excluded.wallet_frames, "
          "ppi_sum = ppi_sum + excluded.ppi_sum, "
          "di_pct_sum = di_pct_sum + excluded.di_pct_sum");
      for (const auto& p : batch.posture_epochs) {
        st.bind(1, p.mat_id).bind(2, p.epoch_start_s).bind(3, p.posture_frames);
        st.bind(4, p.side_frames).bind(5, p.pelvic_roll_deg_sum).bind(6, p.knee_aligned_frames);
        st.bind(7, p.knee_dropped_frames).bind(8, p.supine_supported_frames);
        st.bind(9, p.supine_flat_frames).bind(10, p.obliquity_deg_sum).bind(11, p.tilt_deg_sum);
        st.bind(12, p.slouched_frames).bind(13, p.wallet_frames).bind(14, p.ppi_sum);
        st.bind(15, p.di_pct_sum).run();
      }
    }
    if (!batch.floors.empty()) {
      Statement st = db_.prepare(
          "INSERT INTO mat_floors (mat_id, rows, cols, counts, empty_frames, last_learned_us, "
          "last_occupied_us, saved_us) VALUES (?1,?2,?3,?4,?5,?6,?7,?8) "
          "ON CONFLICT (mat_id) DO UPDATE SET rows=excluded.rows, cols=excluded.cols, "
          "counts=excluded.counts, empty_frames=excluded.empty_frames, "
          "last_learned_us=excluded.last_learned_us, last_occupied_us=excluded.last_occupied_us, "
          "saved_us=excluded.saved_us");
      std::vector<std::uint8_t> bytes;
      for (const auto& f : batch.floors) {
        floats_to_le_bytes(f.counts, bytes);
        st.bind(1, f.mat_id).bind(2, f.rows).bind(3, f.cols);
        st.bind(4, std::span<const std::uint8_t>(bytes)).bind(5, f.empty_frames);
        if (f.last_learned_us) {
          st.bind(6, *f.last_learned_us);
        } else {
          st.bind_null(6);
        }
        if (f.last_occupied_us) {
          st.bind(7, *f.last_occupied_us);
        } else {
          st.bind_null(7);
        }
        st.bind(8, f.saved_us).run();
      }
    }
    if (!batch.raw_frames.empty() && config_.raw_archive_max_bytes.value_or(0) > 0) {
      Statement st =
          db_.prepare("INSERT INTO raw_frames (mat_id, seq, ts_us, blob) VALUES (?1,?2,?3,?4)");
      for (const auto& r : batch.raw_frames) {
        st.bind(1, r.mat_id)
            .bind(2, r.seq)
            .bind(3, r.ts_us)
            .bind(4, std::span<const std::uint8_t>(r.blob))
            .run();
        added += static_cast<std::int64_t>(r.blob.size());
      }
    }
    raw_bytes_ += added;
    try {
      enforce_raw_cap();
      tx.commit();
      if (config_.raw_archive_max_bytes) data_version_ = db_.query_int("PRAGMA data_version");
    } catch (...) {
      raw_bytes_ -= added;
      throw;
    }
  } catch (const SqliteError& e) {
    // The transaction was rolled back (by ~Transaction, or by SQLite itself after a full disk or
    // an I/O error); make sure, so that a retry of the same batch starts clean.
    if (sqlite3_get_autocommit(db_.handle()) == 0) {
      try {
        db_.exec("ROLLBACK");
      } catch (const SqliteError&) {  // nothing more to do: the next BEGIN reports it
      }
    }
    if (config_.raw_archive_max_bytes) {
      try {
        recount_raw_archive();
      } catch (const SqliteError&) {  // an unreadable file: counted again after the next write
      }
    }
    throw StoreError(std::string("write failed: ") + e.what(), e.code());
  }
}

void Store::enforce_raw_cap() {
  // No cap given: a tool's view of the database; what is stored stays stored.
  if (!config_.raw_archive_max_bytes || raw_bytes_ <= *config_.raw_archive_max_bytes) return;
  // Delete the oldest rows (lowest id) until the archive fits.
  Statement st = db_.prepare("SELECT id, length(blob) FROM raw_frames ORDER BY id");
  std::int64_t excess = raw_bytes_ - *config_.raw_archive_max_bytes;
  std::int64_t last_id = -1;
  std::int64_t freed = 0;
  while (freed < excess && st.step()) {
    last_id = st.column_int(0);
    freed += st.column_int(1);
  }
  st.reset();
  if (last_id >= 0) {
    Statement del = db_.prepare("DELETE FROM raw_frames WHERE id <= ?1");
    del.bind(1, last_id).run();
    raw_bytes_ -= freed;
  }
}

}  // namespace pmap
