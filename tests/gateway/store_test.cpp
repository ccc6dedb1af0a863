#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <limits>
#include <thread>

#include "pmap/epoch_aggregator.hpp"
#include "pmap/posture_epoch_aggregator.hpp"
#include "pmap/store.hpp"
#include "pmap/store_writer.hpp"
#include "test_util.hpp"

namespace pmap {
namespace {

EpochDelta delta(const std::string& mat, std::int64_t epoch, std::int64_t frames, double load,
                 std::optional<double> force = std::nullopt) {
  EpochDelta d;
  d.mat_id = mat;
  d.epoch_start_s = epoch;
  d.frames = frames;
  d.occupied_frames = frames;
  d.load_raw_sum = load * static_cast<double>(frames);
  d.load_raw_max = load;
  d.force_n_sum = force;
  d.contact_area_cm2_sum = 100.0 * static_cast<double>(frames);
  d.cop_row_sum = 10.0 * static_cast<double>(frames);
  d.cop_col_sum = 5.0 * static_cast<double>(frames);
  d.movement_sum = 0.1 * static_cast<double>(frames);
  d.first_seq = 1;
  d.last_seq = frames;
  d.last_ts_us = epoch * 1'000'000;
  return d;
}

TEST(Store, MigratesFromEmptyAndReopens) {
  test::TempDir dir;
  const auto path = dir.file("a.db");
  {
    Store s(path);
    EXPECT_EQ(s.schema_version(), Store::kSchemaVersion);
    EXPECT_EQ(s.db().query_text("PRAGMA journal_mode"), "wal");
    EXPECT_EQ(s.db().query_int("PRAGMA synchronous"), 1);  // NORMAL
    WriteBatch b;
    b.epochs.push_back(delta("m", 100, 5, 10));
    s.write(b);
  }
  Store again(path);
  EXPECT_EQ(again.schema_version(), Store::kSchemaVersion);
  EXPECT_EQ(again.db().query_int("SELECT frames FROM epochs"), 5);
  EXPECT_EQ(again.integrity_check(), "ok");
  for (const char* t : {"mats", "mat_status_events", "epochs", "epoch_means", "mat_counters",
                        "raw_frames", "episodes", "pain_entries", "movement_tests", "pillow_setups",
                        "setup_switches", "posture_epochs"}) {
    EXPECT_EQ(again.db().query_int(std::string("SELECT COUNT(*) FROM sqlite_master WHERE name='") +
                                   t + "'"),
              1)
        << t;
  }
}

// Health data: a new database and its WAL are readable by their owner only, whatever the umask;
// an existing file's permissions are left alone.
TEST(Store, NewDatabaseFilesAreOwnerOnly) {
  test::TempDir dir;
  const auto path = dir.file("private.db");
  const mode_t old_umask = ::umask(022);
  {
    Store s(path);
    WriteBatch b;
    b.epochs.push_back(delta("m", 100, 5, 10));
    s.write(b);
    for (const std::string& f : {path, path + "-wal", path + "-shm"}) {
      ASSERT_TRUE(std::filesystem::exists(f)) << f;
      const auto perms = std::filesystem::status(f).permissions();
      EXPECT_EQ(perms & std::filesystem::perms::all,
                std::filesystem::perms::owner_read | std::filesystem::perms::owner_write)
          << f;
    }
  }
  const auto shared = dir.file("shared.db");
  { std::ofstream(shared).flush(); }
  std::filesystem::permissions(shared, std::filesystem::perms(0640));
  { Store s(shared); }
  EXPECT_EQ(std::filesystem::status(shared).permissions() & std::filesystem::perms::all,
            std::filesystem::perms(0640));
  ::umask(old_umask);
}

/// A database of today's schema with `rows`, made old by `make_old` (dropping what later
/// migrations add and setting user_version).
void old_database(const std::string& path, const WriteBatch& rows, const char* make_old) {
  Store s(path);
  s.write(rows);
  s.db().exec(make_old);
}

WriteBatch one_epoch() {
  WriteBatch b;
  b.epochs.push_back(delta("m", 100, 5, 10));
  return b;
}

TEST(Store, MigratesAVersion1DatabaseKeepingItsData) {
  test::TempDir dir;
  const auto path = dir.file("v1.db");
  // What schema version 1 left: no episodes table, and none of the later tables (the diary's,
  // from migration 3).
  old_database(path, one_epoch(),
               "DROP TABLE posture_epochs; DROP TABLE episodes; DROP TABLE setup_switches; "
               "DROP TABLE pillow_setups; DROP TABLE movement_tests; DROP TABLE pain_entries; "
               "DROP TABLE mat_floors; PRAGMA user_version = 1;");
  Store migrated(path);
  EXPECT_EQ(migrated.schema_version(), Store::kSchemaVersion);
  EXPECT_EQ(migrated.db().query_int("SELECT frames FROM epochs"), 5);
  WriteBatch b;
  b.episodes.push_back(Episode{"m", "position", "left", 1'000'000, 61'000'000, 61, 0.8});
  migrated.write(b);
  b.episodes[0].end_us = 91'000'000;  // written again (e.g. replay): replaced, not duplicated
  migrated.write(b);
  EXPECT_EQ(migrated.db().query_int("SELECT COUNT(*) FROM episodes"), 1);
  EXPECT_EQ(migrated.db().query_int("SELECT end_us FROM episodes"), 91'000'000);
  EXPECT_EQ(migrated.integrity_check(), "ok");
}

TEST(Store, MigratesAVersion3DatabaseKeepingItsData) {
  test::TempDir dir;
  const auto path = dir.file("v3.db");
  WriteBatch rows = one_epoch();
  rows.episodes.push_back(Episode{"m", "presence", "in_bed", 1'000'000, 61'000'000, 61, 1.0});
  old_database(path, rows,
               "INSERT INTO pillow_setups VALUES ('thick', 'thick', 0, 'medium', 0, '', 1);"
               "DROP TABLE posture_epochs; DROP TABLE mat_floors; PRAGMA user_version = 3;");
  Store migrated(path);
  EXPECT_EQ(migrated.schema_version(), Store::kSchemaVersion);
  EXPECT_EQ(migrated.db().query_int("SELECT frames FROM epochs"), 5);
  EXPECT_EQ(migrated.db().query_int("SELECT end_us FROM episodes"), 61'000'000);
  EXPECT_EQ(migrated.db().query_text("SELECT name FROM pillow_setups"), "thick");
  EXPECT_EQ(migrated.db().query_int("SELECT COUNT(*) FROM posture_epochs"), 0);
  EXPECT_EQ(migrated.integrity_check(), "ok");
}

TEST(Store, MigratesAVersion4DatabaseKeepingItsData) {
  test::TempDir dir;
  const auto path = dir.file("v4.db");
  old_database(path, one_epoch(), "DROP TABLE mat_floors; PRAGMA user_version = 4;");
  Store migrated(path);
  EXPECT_EQ(migrated.schema_version(), 5);
  EXPECT_EQ(migrated.db().query_int("SELECT frames FROM epochs"), 5);
  EXPECT_EQ(migrated.db().query_int("SELECT COUNT(*) FROM mat_floors"), 0);
  EXPECT_EQ(migrated.integrity_check(), "ok");
}

FloorRecord floor_of(const std::string& mat, std::int64_t rows, std::int64_t cols, float base) {
  FloorRecord f;
  f.mat_id = mat;
  f.rows = rows;
  f.cols = cols;
  for (std::int64_t i = 0; i < rows * cols; ++i)
    f.counts.push_back(base + 0.25f * static_cast<float>(i % 7));
  f.empty_frames = 42;
  f.last_learned_us = 1'000'000;
  f.saved_us = 2'000'000;
  return f;
}

TEST(Store, FloorsAreReplacedPerMatAndReadBackExactly) {
  test::TempDir dir;
  Store s(dir.file("floors.db"));
  WriteBatch b;
  b.floors.push_back(floor_of("bed1", 64, 32, 45.5f));
  b.floors.push_back(floor_of("chair1", 32, 32, 12.0f));
  s.write(b);
  WriteBatch again;
  FloorRecord newer = floor_of("bed1", 64, 32, 47.0f);
  newer.empty_frames = 100;
  newer.last_occupied_us = 3'000'000;
  again.floors.push_back(newer);
  s.write(again);

  std::size_t skipped = 99;
  const auto floors = read_floors(s.db(), &skipped);
  EXPECT_EQ(skipped, 0U);
  ASSERT_EQ(floors.size(), 2U);
  EXPECT_EQ(floors[0].mat_id, "bed1");
  EXPECT_EQ(floors[0].counts, newer.counts);  // bit for bit
  EXPECT_EQ(floors[0].empty_frames, 100);
  EXPECT_EQ(floors[0].last_learned_us, 1'000'000);
  EXPECT_EQ(floors[0].last_occupied_us, 3'000'000);
  EXPECT_EQ(floors[1].mat_id, "chair1");
  EXPECT_EQ(floors[1].rows, 32);
  EXPECT_EQ(floors[1].counts.size(), 1024U);
  EXPECT_FALSE(floors[1].last_occupied_us.has_value());
  // Stored little-endian float32: 45.5 at taxel 0 of the first version was 0x42360000.
  EXPECT_EQ(s.db().query_int("SELECT length(counts) FROM mat_floors WHERE mat_id='chair1'"), 4096);
}

TEST(Store, StoredFloorsThatAreNotFloorsAreSkippedAndCounted) {
  test::TempDir dir;
  Store s(dir.file("bad-floors.db"));
  WriteBatch b;
  b.floors.push_back(floor_of("good", 4, 4, 10.0f));
  FloorRecord nan = floor_of("nan", 4, 4, 10.0f);
  nan.counts[5] = std::numeric_limits<float>::quiet_NaN();
  b.floors.push_back(nan);
  FloorRecord negative = floor_of("negative", 4, 4, 10.0f);
  negative.counts[0] = -1.0f;
  b.floors.push_back(negative);
  s.write(b);
  // Shapes that disagree with the blob, written by hand (another program, a damaged file).
  s.db().exec(
      "INSERT INTO mat_floors VALUES ('short', 4, 4, x'00000000', 3, NULL, NULL, 0);"
      "INSERT INTO mat_floors VALUES ('huge', 100000, 4, x'00000000', 3, NULL, NULL, 0);"
      "INSERT INTO mat_floors VALUES ('unlearned', 1, 1, x'00002842', 0, NULL, NULL, 0);");
  std::size_t skipped = 0;
  const auto floors = read_floors(s.db(), &skipped);
  ASSERT_EQ(floors.size(), 1U);
  EXPECT_EQ(floors[0].mat_id, "good");
  EXPECT_EQ(skipped, 5U);
}

TEST(Store, PostureEpochsMergeByAddition) {
  test::TempDir dir;
  Store s(dir.file("p.db"));
  PostureEpochAggregator agg(5);
  PostureSample side{.timestamp_us = 100'000'000,
                     .bed = true,
                     .side = true,
                     .pelvic_roll_deg = 4.0,
                     .knee_aligned = true};
  agg.add("bed", side);
  side.timestamp_us = 101'000'000;
  side.pelvic_roll_deg = 6.0;
  side.knee_aligned = false;
  side.knee_dropped = true;
  agg.add("bed", side);
  agg.add("chair", PostureSample{.timestamp_us = 102'000'000,
                                 .bed = false,
                                 .obliquity_deg = -6,
                                 .tilt_deg = 10,
                                 .slouched = true,
                                 .wallet = true,
                                 .ppi = 80,
                                 .di_pct = 40});
  EXPECT_EQ(agg.pending(), 2U);
  WriteBatch b;
  b.posture_epochs = agg.take();
  EXPECT_EQ(agg.pending(), 0U);
  s.write(b);
  // A late frame for the same epoch merges into the stored row.
  side.timestamp_us = 103'000'000;
  side.pelvic_roll_deg = 2.0;
  agg.add("bed", side);
  WriteBatch late;
  late.posture_epochs = agg.take();
  s.write(late);
  Statement q = s.db().prepare(
      "SELECT epoch_start_s, posture_frames, side_frames, pelvic_roll_deg_sum, "
      "knee_aligned_frames, knee_dropped_frames FROM posture_epochs WHERE mat_id='bed'");
  ASSERT_TRUE(q.step());
  EXPECT_EQ(q.column_int(0), 100);
  EXPECT_EQ(q.column_int(1), 3);
  EXPECT_EQ(q.column_int(2), 3);
  EXPECT_DOUBLE_EQ(q.column_double(3), 12.0);
  EXPECT_EQ(q.column_int(4), 1);
  EXPECT_EQ(q.column_int(5), 2);
  Statement c = s.db().prepare(
      "SELECT obliquity_deg_sum, slouched_frames, wallet_frames, ppi_sum, di_pct_sum "
      "FROM posture_epochs WHERE mat_id='chair'");
  ASSERT_TRUE(c.step());
  EXPECT_DOUBLE_EQ(c.column_double(0), -6.0);
  EXPECT_EQ(c.column_int(1), 1);
  EXPECT_EQ(c.column_int(2), 1);
  EXPECT_DOUBLE_EQ(c.column_double(3), 80.0);
  EXPECT_DOUBLE_EQ(c.column_double(4), 40.0);
}

TEST(Store, RefusesNewerSchema) {
  test::TempDir dir;
  const auto path = dir.file("new.db");
  { Database(path, Database::Mode::kReadWriteCreate).exec("PRAGMA user_version = 99"); }
  try {
    Store s(path);
    FAIL() << "opened a newer database";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("newer"), std::string::npos) << e.what();
  }
  EXPECT_EQ(Database(path, Database::Mode::kReadOnly).query_int("PRAGMA user_version"), 99);
}

TEST(Store, UnusablePathsGiveErrorsNotCrashes) {
  test::TempDir dir;
  EXPECT_THROW(Store(dir.file("no/such/dir/x.db")), StoreError);
  EXPECT_THROW(Store(dir.path().string()), StoreError);  // a directory
  if (::geteuid() != 0) {                                // root ignores permissions
    const auto ro = dir.file("ro.db");
    { Store s(ro); }
    std::filesystem::remove(ro + "-wal");
    std::filesystem::remove(ro + "-shm");
    std::filesystem::permissions(ro, std::filesystem::perms::owner_read);
    std::filesystem::permissions(
        dir.path(), std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
    EXPECT_THROW(
        {
          Store s(ro);
          WriteBatch b;
          b.epochs.push_back(delta("m", 1, 1, 1));
          s.write(b);
        },
        StoreError);
  }
  EXPECT_THROW(Store::open_read_only(dir.file("missing.db")), StoreError);
}

TEST(Store, LateFramesMergeExactlyIntoExistingEpoch) {
  test::TempDir dir;
  Store s(dir.file("m.db"));
  WriteBatch b1;
  b1.epochs.push_back(delta("m", 100, 3, 10, 30.0));
  s.write(b1);
  WriteBatch b2;
  auto late = delta("m", 100, 2, 40);
  late.first_seq = 0;
  late.last_seq = 9;
  b2.epochs.push_back(late);  // no force known for the late frames
  s.write(b2);
  auto st = s.db().prepare(
      "SELECT frames, load_raw_sum, load_raw_max, force_n_sum, first_seq, last_seq FROM epochs");
  ASSERT_TRUE(st.step());
  EXPECT_EQ(st.column_int(0), 5);
  EXPECT_DOUBLE_EQ(st.column_double(1), 30.0 + 80.0);
  EXPECT_DOUBLE_EQ(st.column_double(2), 40.0);
  EXPECT_DOUBLE_EQ(st.column_double(3), 30.0);
  EXPECT_EQ(st.column_int(4), 0);
  EXPECT_EQ(st.column_int(5), 9);
  EXPECT_DOUBLE_EQ(s.db().query_int("SELECT CAST(load_raw_mean AS INTEGER) FROM epoch_means"), 22);
  // force stays NULL when never known
  WriteBatch b3;
  b3.epochs.push_back(delta("n", 100, 1, 1));
  b3.epochs.push_back(delta("n", 100, 1, 1));
  s.write(b3);
  EXPECT_EQ(s.db().query_int("SELECT force_n_sum IS NULL FROM epochs WHERE mat_id='n'"), 1);
}

TEST(Store, AggregatorSumsPerEpochAndCountsEpochs) {
  EpochAggregator agg(5);
  FrameFeatures f;
  f.occupied = true;
  f.cop = CentreOfPressure{2, 3, 0, 0};
  f.load_raw = 10;
  for (int i = 0; i < 12; ++i) {
    f.sequence = static_cast<std::uint32_t>(i);
    f.timestamp_us = test::kNowUs + i * 1'000'000LL;  // kNowUs is on a 5 s boundary
    agg.add("m", f);
  }
  auto d = agg.take();
  ASSERT_EQ(d.size(), 3U);
  EXPECT_EQ(d[0].frames, 5);
  EXPECT_EQ(d[2].frames, 2);
  EXPECT_DOUBLE_EQ(d[0].cop_row_sum, 10.0);
  EXPECT_FALSE(d[0].force_n_sum.has_value());
  EXPECT_EQ(agg.epochs_started("m"), 3U);
  f.timestamp_us = test::kNowUs;  // late frame into the first epoch: no new epoch counted
  agg.add("m", f);
  EXPECT_EQ(agg.take().size(), 1U);
  EXPECT_EQ(agg.epochs_started("m"), 3U);
}

TEST(Store, CountersStatusAndMatsUpserted) {
  test::TempDir dir;
  Store s(dir.file("c.db"));
  WriteBatch b;
  b.mats.push_back(MatRecord{"m", "bed", 4, 3, 10, 10, "{}", "fw", "{}", 5});
  b.statuses.push_back(StatusEvent{"m", 6, "online"});
  b.counters.push_back(CounterSnapshot{"m", {{"received", 10}, {"bad_crc", 2}}});
  s.write(b);
  WriteBatch b2;
  b2.counters.push_back(CounterSnapshot{"m", {{"received", 12}, {"bad_crc", 2}}});
  b2.statuses.push_back(StatusEvent{"m", 9, "offline"});
  s.write(b2);
  EXPECT_EQ(s.db().query_int("SELECT count FROM mat_counters WHERE reason='received'"), 12);
  EXPECT_EQ(s.db().query_text("SELECT last_status FROM mats"), "offline");
  EXPECT_EQ(s.db().query_int("SELECT last_seen_us FROM mats"), 9);
  EXPECT_EQ(s.db().query_int("SELECT first_seen_us FROM mats"), 5);
  EXPECT_EQ(s.db().query_int("SELECT COUNT(*) FROM mat_status_events"), 2);
}

// A tool opening the gateway's database (default StoreConfig: no cap) keeps every raw frame; a
// gateway configured with 0 (archive off) still clears it, as documented.
TEST(Store, DefaultConfigLeavesTheRawArchiveAlone) {
  test::TempDir dir;
  const auto path = dir.file("a.db");
  {
    StoreConfig cfg;
    cfg.raw_archive_max_bytes = 1'000'000;
    Store s(path, cfg);
    WriteBatch b;
    for (int i = 0; i < 5; ++i) {
      b.raw_frames.push_back(RawFrameRecord{"m", i, 0, std::vector<std::uint8_t>(400, 1)});
    }
    s.write(b);
  }
  {
    Store tool(path);
    EXPECT_EQ(tool.db().query_int("SELECT COUNT(*) FROM raw_frames"), 5);
    WriteBatch b;
    b.raw_frames.push_back(RawFrameRecord{"m", 9, 0, std::vector<std::uint8_t>(400, 1)});
    tool.write(b);  // a tool writes no raw frame
    EXPECT_EQ(tool.db().query_int("SELECT COUNT(*) FROM raw_frames"), 5);
  }
  StoreConfig off;
  off.raw_archive_max_bytes = 0;
  Store gateway(path, off);
  EXPECT_EQ(gateway.db().query_int("SELECT COUNT(*) FROM raw_frames"), 0);
}

TEST(Store, RawArchiveCapEnforcedOldestFirst) {
  test::TempDir dir;
  StoreConfig cfg;
  cfg.raw_archive_max_bytes = 10'000;
  Store s(dir.file("r.db"), cfg);
  for (int batch = 0; batch < 10; ++batch) {
    WriteBatch b;
    for (int i = 0; i < 10; ++i) {
      b.raw_frames.push_back(
          RawFrameRecord{"m", batch * 10 + i, 0, std::vector<std::uint8_t>(400, 1)});
    }
    s.write(b);
    EXPECT_LE(s.raw_archive_bytes(), 10'000);
  }
  EXPECT_EQ(s.db().query_int("SELECT SUM(length(blob)) FROM raw_frames"), s.raw_archive_bytes());
  EXPECT_EQ(s.db().query_int("SELECT COUNT(*) FROM raw_frames"), 25);
  EXPECT_EQ(s.db().query_int("SELECT MIN(seq) FROM raw_frames"), 75);
  EXPECT_EQ(s.db().query_int("SELECT MAX(seq) FROM raw_frames"), 99);
  // Archive off: nothing stored.
  Store off(dir.file("off.db"));
  WriteBatch b;
  b.raw_frames.push_back(RawFrameRecord{"m", 1, 0, std::vector<std::uint8_t>(10, 1)});
  off.write(b);
  EXPECT_EQ(off.db().query_int("SELECT COUNT(*) FROM raw_frames"), 0);
}

TEST(StoreWriter, BatchesOffThreadAndFlushesOnStop) {
  test::TempDir dir;
  const auto path = dir.file("w.db");
  {
    StoreWriter w(std::make_unique<Store>(path), nullptr);
    for (int i = 0; i < 100; ++i) {
      WriteBatch b;
      b.epochs.push_back(delta("m", i, 1, 1));
      w.submit(std::move(b));
    }
    w.flush();
    EXPECT_EQ(Store::open_read_only(path).db().query_int("SELECT COUNT(*) FROM epochs"), 100);
    for (int i = 100; i < 150; ++i) {
      WriteBatch b;
      b.epochs.push_back(delta("m", i, 1, 1));
      w.submit(std::move(b));
    }
    w.stop();
    const auto st = w.stats();
    EXPECT_EQ(st.rows, 150U);
    EXPECT_LE(st.transactions, 150U);
    EXPECT_EQ(st.write_errors, 0U);
  }
  EXPECT_EQ(Store::open_read_only(path).db().query_int("SELECT COUNT(*) FROM epochs"), 150);
}

TEST(StoreWriter, FailedTransactionIsCountedAndWriterContinues) {
  test::TempDir dir;
  const auto path = dir.file("f.db");
  auto store = std::make_unique<Store>(path);
  store->db().exec(
      "CREATE TRIGGER boom BEFORE INSERT ON epochs WHEN NEW.mat_id = 'bad' "
      "BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
  std::vector<std::string> errors;
  Logger logger(LogLevel::kInfo, [&](LogLevel l, std::string_view line) {
    if (l == LogLevel::kError) errors.emplace_back(line);
  });
  StoreWriter w(std::move(store), &logger);
  WriteBatch bad;
  bad.epochs.push_back(delta("bad", 1, 1, 1));
  w.submit(std::move(bad));
  w.flush();
  WriteBatch good;
  good.epochs.push_back(delta("good", 1, 1, 1));
  w.submit(std::move(good));
  w.stop();
  EXPECT_EQ(w.stats().write_errors, 1U);
  EXPECT_NE(w.stats().last_error.find("injected failure"), std::string::npos);
  ASSERT_EQ(errors.size(), 1U);
  EXPECT_EQ(Store::open_read_only(path).db().query_int("SELECT COUNT(*) FROM epochs"), 1);
}

TEST(Store, SurvivesKill9MidWrite) {
  test::TempDir dir;
  const auto path = dir.file("k.db");
  { Store s(path); }  // created and migrated before the child starts
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    try {
      StoreConfig cfg;
      cfg.raw_archive_max_bytes = 200'000;
      Store s(path, cfg);
      for (std::int64_t i = 0;; ++i) {
        WriteBatch b;
        for (int k = 0; k < 20; ++k) b.epochs.push_back(delta("m" + std::to_string(k), i, 1, 1));
        b.raw_frames.push_back(RawFrameRecord{"m0", i, i, std::vector<std::uint8_t>(2000, 7)});
        b.counters.push_back(CounterSnapshot{"m0", {{"received", static_cast<std::uint64_t>(i)}}});
        s.write(b);
      }
    } catch (...) {
    }
    ::_exit(3);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child ended by itself: " << status;
  Store s(path);
  EXPECT_EQ(s.integrity_check(), "ok");
  const auto rows = s.db().query_int("SELECT COUNT(*) FROM epochs");
  EXPECT_GT(rows, 0);
  EXPECT_EQ(rows % 20, 0);  // whole transactions only
  EXPECT_EQ(s.db().query_int("SELECT count FROM mat_counters WHERE mat_id='m0'") + 1,
            s.db().query_int("SELECT COUNT(*) FROM epochs WHERE mat_id='m0'"));
}

}  // namespace
}  // namespace pmap

namespace pmap {
namespace {

// Measures the size of one 8-hour night of one mat at 1 Hz with the default 5 s epochs,
// written as the gateway does (one delta per epoch per flush, counters every flush).
TEST(Store, EightHourNightSizeMeasured) {
  test::TempDir dir;
  const auto path = dir.file("night.db");
  std::int64_t before = 0;
  {
    Store s(path);
    s.db().exec("PRAGMA wal_checkpoint(TRUNCATE)");
    before = s.db().query_int("PRAGMA page_count") * s.db().query_int("PRAGMA page_size");
    EpochAggregator agg(5);
    FrameFeatures f;
    f.occupied = true;
    f.cop = CentreOfPressure{30.25, 15.5, 450.1, 880.7};
    f.force_n = 702.5;
    f.contact_area_cm2 = 3120.4;
    f.movement = 0.0123;
    const std::int64_t t0 = 1'700'000'000'000'000;
    WriteBatch mats;
    mats.mats.push_back(MatRecord{"bed1", "bed", 64, 32, 28.6, 28.6, "{}", "pmap-sim 0.1.0",
                                  test::meta_json("bed", 64, 32), t0});
    s.write(mats);
    for (std::int64_t sec = 0; sec < 8 * 3600; ++sec) {
      f.sequence = static_cast<std::uint32_t>(sec);
      f.timestamp_us = t0 + sec * 1'000'000;
      f.load_raw = 150000.0 + static_cast<double>(sec % 97);
      agg.add("bed1", f);
      if (sec % 60 == 59) {
        WriteBatch b;
        b.epochs = agg.take();
        b.counters.push_back(CounterSnapshot{"bed1",
                                             {{"received", static_cast<std::uint64_t>(sec)},
                                              {"accepted", static_cast<std::uint64_t>(sec)},
                                              {"rejected", 0},
                                              {"missing", 0}}});
        s.write(b);
      }
    }
    s.db().exec("PRAGMA wal_checkpoint(TRUNCATE)");
    EXPECT_EQ(s.db().query_int("SELECT COUNT(*) FROM epochs"), 8 * 3600 / 5);
    const auto after = s.db().query_int("PRAGMA page_count") * s.db().query_int("PRAGMA page_size");
    const auto night = after - before;
    std::printf("one 8-h night, 1 mat, 5 s epochs: %lld bytes (%lld epochs)\n",
                static_cast<long long>(night), static_cast<long long>(8 * 3600 / 5));
    RecordProperty("bytes_per_mat_night", static_cast<int>(night));
    EXPECT_LT(night, 2'000'000);
  }
}

}  // namespace
}  // namespace pmap
