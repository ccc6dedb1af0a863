// Deleting data (docs/export.md, "Delete"): pmap::deletion on real SQLite files — every table of
// the schema has a rule, each scope takes exactly its rows, the deleted text is gone from the
// file's bytes (database and WAL) while what is kept stays; the store writer's exclusive jobs;
// the raw archive's count after another connection deleted; pmapctl delete and DELETE /v1/data
// in-process.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <sstream>
#include <thread>

#include "diary_test_util.hpp"
#include "pmapctl_run.hpp"
#include "http_client.hpp"
#include "pmap/api/api_server.hpp"
#include "pmap/deletion/data_deletion.hpp"
#include "pmap/diary/diary_repository.hpp"
#include "pmap/diary/time_zone.hpp"
#include "pmap/pmapctl.hpp"
#include "pmap/store.hpp"
#include "pmap/store_writer.hpp"

namespace pmap::deletion {
namespace {

using diary::test::read_all;
using diary::test::TempDir;
using nlohmann::json;
using namespace std::chrono_literals;

constexpr std::int64_t kS = 1'000'000;
constexpr std::int64_t kH = 3600 * kS;
// 2026-11-20T00:00:00Z and the next midnight (the tests run in UTC).
constexpr std::int64_t kDay1 = 1'795'132'800LL * kS;
constexpr std::int64_t kDay2 = kDay1 + 24 * kH;

std::int64_t count(Store& s, const std::string& table) {
  return s.db().query_int("SELECT COUNT(*) FROM \"" + table + "\"");
}

bool file_has(const std::string& path, const std::string& marker) {
  return read_all(path).find(marker) != std::string::npos ||
         read_all(path + "-wal").find(marker) != std::string::npos;
}

std::vector<std::uint8_t> bytes_of(const std::string& text, std::size_t size) {
  std::vector<std::uint8_t> b(size, 0x5a);
  std::copy(text.begin(), text.end(), b.begin());
  return b;
}

/// Two mats over two days (one row in every table per mat and day, an episode across midnight),
/// a diary with entries on both days. Text markers: MARK-<mat>-d<day> in meta and raw frames
/// (mat rows: MARK-<mat>-meta), MARK-pain-d<day> in notes, MARK-setup in the setup's note.
void seed(const std::string& path) {
  Store store(path);
  WriteBatch b;
  for (const std::string mat : {"bed1", "chair1"}) {
    b.mats.push_back(MatRecord{mat, mat == "bed1" ? "bed" : "chair", 4, 3, 10, 10, "{}", "fw",
                               "{\"note\":\"MARK-" + mat + "-meta\"}", kDay1});
    b.counters.push_back(CounterSnapshot{mat, {{"accepted", 7}}});
    FloorRecord floor;
    floor.mat_id = mat;
    floor.rows = 4;
    floor.cols = 3;
    floor.counts.assign(12, 45.0f);
    floor.empty_frames = 10;
    floor.saved_us = kDay1;
    b.floors.push_back(floor);
    for (int day = 0; day < 2; ++day) {
      const std::int64_t t0 = kDay1 + day * 24 * kH + 2 * kH;
      b.statuses.push_back(StatusEvent{mat, t0, "online"});
      EpochDelta e;
      e.mat_id = mat;
      e.epoch_start_s = t0 / kS;
      e.frames = 5;
      e.last_ts_us = t0;
      b.epochs.push_back(e);
      PostureEpochDelta p;
      p.mat_id = mat;
      p.epoch_start_s = t0 / kS;
      p.posture_frames = 5;
      b.posture_epochs.push_back(p);
      b.episodes.push_back(Episode{mat, "presence", "in_bed", t0, t0 + kH, 10, 0.9});
      b.raw_frames.push_back(RawFrameRecord{
          mat, day, t0, bytes_of("MARK-" + mat + "-d" + std::to_string(day + 1), 3000)});
    }
    // 23:00 on day 1 to 01:00 on day 2: overlaps both days.
    b.episodes.push_back(
        Episode{mat, "position", "left", kDay2 - kH, kDay2 + kH, 10, 0.9});
  }
  store.write(b);
  // The archive is written only by a connection that keeps one.
  StoreConfig archive;
  archive.raw_archive_max_bytes = 1LL << 30;
  Store writer(path, archive);
  WriteBatch raw;
  raw.raw_frames = b.raw_frames;
  writer.write(raw);

  diary::DiaryRepository repo(store);
  for (int day = 0; day < 2; ++day) {
    diary::PainEntry e;
    e.time_us = kDay1 + day * 24 * kH + 8 * kH;
    e.tz = "UTC";
    e.back_pain = 3;
    e.leg_pain = 4;
    e.note = "MARK-pain-d" + std::to_string(day + 1);
    repo.add_pain(e);
    diary::MovementTest t;
    t.time_us = e.time_us;
    t.tz = "UTC";
    repo.add_test(t);
  }
  diary::PillowSetup s;
  s.name = "thick";
  s.note = "MARK-setup";
  repo.add_setup(s);
  repo.use_setup("thick", kDay1 + kH, "UTC");
  repo.use_setup("thick", kDay2 + kH, "UTC");
}

class DataDeletion : public ::testing::Test {
 protected:
  void SetUp() override {
    path = dir.file("pmap.db");
    seed(path);
  }
  TempDir dir;
  std::string path;
};

TEST(DataDeletionRules, EveryTableOfTheSchemaHasARule) {
  // A migration that adds a table must say how its rows are scoped (the export has the same
  // guard: DataExport.EveryTableOfTheSchemaIsExported).
  TempDir dir;
  Store store(dir.file("x.db"));
  std::set<std::string> ruled;
  for (const auto& r : table_rules()) ruled.emplace(r.table);
  const auto tables = schema_tables(store);
  EXPECT_EQ(std::set<std::string>(tables.begin(), tables.end()), ruled);
  // Children before parents: switches name a setup.
  const auto rules = table_rules();
  const auto pos = [&](std::string_view t) {
    return std::find_if(rules.begin(), rules.end(), [&](const TableRule& r) { return r.table == t; });
  };
  EXPECT_LT(pos("setup_switches"), pos("pillow_setups"));
}

TEST_F(DataDeletion, EverythingLeavesNoRowAndNoTextInTheFile) {
  for (const char* m : {"MARK-bed1-meta", "MARK-bed1-d1", "MARK-pain-d2", "MARK-setup"})
    ASSERT_TRUE(file_has(path, m)) << m;  // so their absence afterwards means something
  Store store(path);
  const auto r = delete_data(store, DeletionScope{});
  EXPECT_EQ(r.rows.at("pain_entries"), 2);
  EXPECT_EQ(r.rows.at("raw_frames"), 4);
  EXPECT_EQ(r.rows.at("episodes"), 6);
  EXPECT_EQ(r.rows.at("pillow_setups"), 1);
  EXPECT_EQ(r.mats_deleted, (std::vector<std::string>{"bed1", "chair1"}));
  EXPECT_TRUE(r.wal_truncated);
  std::int64_t total = 0;
  for (const auto& table : schema_tables(store)) {
    EXPECT_EQ(count(store, table), 0) << table;
    ASSERT_TRUE(r.rows.contains(table)) << table;
    total += r.rows.at(table);
  }
  EXPECT_EQ(total, r.rows_total);
  EXPECT_EQ(store.schema_version(), Store::kSchemaVersion);
  EXPECT_EQ(store.integrity_check(), "ok");
  EXPECT_EQ(read_all(path + "-wal").size(), 0U);
  for (const char* m : {"MARK-", "chair1"}) EXPECT_FALSE(file_has(path, m)) << m;
}

TEST_F(DataDeletion, AMatTakesItsRowsAndLeavesTheOtherMatAndTheDiary) {
  Store store(path);
  const auto r = delete_data(store, DeletionScope{.mat_id = "bed1"});
  EXPECT_EQ(r.mats_deleted, std::vector<std::string>{"bed1"});
  for (const auto& rule : table_rules()) {
    const std::string t(rule.table);
    if (rule.mat_column.empty()) {
      EXPECT_EQ(r.rows.at(t), 0) << t;
      continue;
    }
    EXPECT_EQ(store.db().query_int("SELECT COUNT(*) FROM " + t + " WHERE " +
                                   std::string(rule.mat_column) + " = 'bed1'"),
              0)
        << t;
    EXPECT_GT(store.db().query_int("SELECT COUNT(*) FROM " + t + " WHERE " +
                                   std::string(rule.mat_column) + " = 'chair1'"),
              0)
        << t;
  }
  EXPECT_EQ(r.rows.at("epochs"), 2);
  EXPECT_EQ(r.rows.at("episodes"), 3);
  EXPECT_EQ(count(store, "pain_entries"), 2);
  EXPECT_EQ(count(store, "pillow_setups"), 1);
  // Gone from the bytes; the other mat's and the diary's text is still there.
  for (const char* m : {"MARK-bed1-meta", "MARK-bed1-d1", "MARK-bed1-d2"})
    EXPECT_FALSE(file_has(path, m)) << m;
  for (const char* m : {"MARK-chair1-meta", "MARK-chair1-d2", "MARK-pain-d1", "MARK-setup"})
    EXPECT_TRUE(file_has(path, m)) << m;
  EXPECT_EQ(store.integrity_check(), "ok");
}

TEST_F(DataDeletion, ARangeTakesItsRowsAndEveryEpisodeThatOverlapsIt) {
  Store store(path);
  // Day 1 only: [kDay1, kDay2).
  const auto r = delete_data(store, DeletionScope{.from_us = kDay1, .to_us = kDay2});
  EXPECT_TRUE(r.mats_deleted.empty());  // undated rows stay
  EXPECT_EQ(r.rows.at("mats"), 0);
  EXPECT_EQ(r.rows.at("mat_counters"), 0);
  EXPECT_EQ(r.rows.at("pillow_setups"), 0);
  EXPECT_EQ(r.rows.at("epochs"), 2);          // both mats' day-1 epochs
  EXPECT_EQ(r.rows.at("posture_epochs"), 2);
  EXPECT_EQ(r.rows.at("raw_frames"), 2);
  EXPECT_EQ(r.rows.at("mat_status_events"), 2);
  EXPECT_EQ(r.rows.at("episodes"), 4);  // day-1 presence, and the one across midnight, per mat
  EXPECT_EQ(r.rows.at("pain_entries"), 1);
  EXPECT_EQ(r.rows.at("movement_tests"), 1);
  EXPECT_EQ(r.rows.at("setup_switches"), 1);
  EXPECT_EQ(count(store, "episodes"), 2);  // day-2 presence per mat
  EXPECT_EQ(store.db().query_int("SELECT MIN(start_us) FROM episodes"), kDay2 + 2 * kH);
  EXPECT_EQ(store.db().query_int("SELECT MIN(epoch_start_s) FROM epochs"), (kDay2 + 2 * kH) / kS);
  EXPECT_EQ(store.db().query_int("SELECT MIN(time_us) FROM pain_entries"), kDay2 + 8 * kH);
  EXPECT_FALSE(file_has(path, "MARK-pain-d1"));
  EXPECT_FALSE(file_has(path, "MARK-bed1-d1"));
  EXPECT_TRUE(file_has(path, "MARK-pain-d2"));
  EXPECT_TRUE(file_has(path, "MARK-bed1-d2"));
  EXPECT_TRUE(file_has(path, "MARK-bed1-meta"));
}

TEST_F(DataDeletion, AMatWithinARangeAndOpenEndedRanges) {
  Store store(path);
  auto r = delete_data(store, DeletionScope{.mat_id = "chair1", .from_us = kDay2});
  EXPECT_TRUE(r.mats_deleted.empty());
  EXPECT_EQ(r.rows.at("epochs"), 1);
  EXPECT_EQ(r.rows.at("episodes"), 2);  // day-2 presence and the one ending on day 2
  EXPECT_EQ(r.rows.at("pain_entries"), 0);
  EXPECT_EQ(store.db().query_int("SELECT COUNT(*) FROM epochs WHERE mat_id = 'bed1'"), 2);
  r = delete_data(store, DeletionScope{.to_us = kDay2});  // everything before day 2
  EXPECT_EQ(r.rows.at("epochs"), 2);
  EXPECT_EQ(r.rows.at("pain_entries"), 1);
  EXPECT_EQ(count(store, "epochs"), 1);  // bed1, day 2
  // A range that is empty, or a mat id that is empty, is refused.
  EXPECT_THROW(delete_data(store, DeletionScope{.from_us = kDay2, .to_us = kDay2}), DeletionError);
  EXPECT_THROW(delete_data(store, DeletionScope{.mat_id = ""}), DeletionError);
}

TEST_F(DataDeletion, PreviewCountsExactlyWhatIsDeletedAndChangesNothing) {
  Store store(path);
  for (const DeletionScope& scope :
       {DeletionScope{}, DeletionScope{.mat_id = "bed1"}, DeletionScope{.from_us = kDay1 + kH},
        DeletionScope{.mat_id = "chair1", .from_us = kDay1, .to_us = kDay2}}) {
    TempDir copy_dir;
    const std::string copy = copy_dir.file("copy.db");
    store.db().exec("VACUUM INTO '" + copy + "'");
    Store other(copy);
    const auto before = count(other, "epochs") + count(other, "pain_entries");
    const auto p = preview(other, scope);
    EXPECT_EQ(count(other, "epochs") + count(other, "pain_entries"), before);
    const auto d = delete_data(other, scope);
    EXPECT_EQ(p.rows, d.rows) << describe(scope);
    EXPECT_EQ(p.rows_total, d.rows_total);
    EXPECT_EQ(p.mats_deleted, d.mats_deleted);
  }
}

TEST_F(DataDeletion, ATableWithoutARuleRefusesScopedDeletionsBeforeDeletingAnything) {
  Store store(path);
  store.db().exec("CREATE TABLE future_table (x TEXT); INSERT INTO future_table VALUES ('x')");
  try {
    (void)delete_data(store, DeletionScope{.mat_id = "bed1"});
    FAIL() << "no error";
  } catch (const DeletionError& e) {
    EXPECT_NE(std::string(e.what()).find("future_table"), std::string::npos) << e.what();
  }
  EXPECT_EQ(count(store, "epochs"), 4);
  EXPECT_THROW((void)preview(store, DeletionScope{.to_us = kDay2}), DeletionError);
  // Everything needs no rule: every row of every table goes.
  const auto r = delete_data(store, DeletionScope{});
  EXPECT_EQ(r.rows.at("future_table"), 1);
  EXPECT_EQ(count(store, "future_table"), 0);
}

TEST_F(DataDeletion, CompactShrinksTheFileToItsRows) {
  {
    StoreConfig archive;
    archive.raw_archive_max_bytes = 1LL << 30;
    Store writer(path, archive);
    WriteBatch b;
    for (int i = 0; i < 2000; ++i)
      b.raw_frames.push_back(RawFrameRecord{"bed1", 100 + i, kDay1 + i * kS,
                                            bytes_of("frame", 4096)});
    writer.write(b);
  }
  Store store(path);
  const auto plain = delete_data(store, DeletionScope{.mat_id = "bed1", .to_us = kDay1 + kH * 2});
  EXPECT_EQ(plain.rows.at("raw_frames"), 2000);
  EXPECT_FALSE(plain.compacted);
  EXPECT_GE(plain.file_bytes_after, 2000 * 4096);  // zeroed, not given back
  const auto compact =
      delete_data(store, DeletionScope{.mat_id = "nobody"}, DeletionOptions{.compact = true});
  EXPECT_TRUE(compact.compacted);
  EXPECT_EQ(compact.rows_total, 0);
  EXPECT_LT(compact.file_bytes_after, plain.file_bytes_after / 20);
  EXPECT_EQ(store.integrity_check(), "ok");
  EXPECT_EQ(count(store, "epochs"), 4);
}

TEST_F(DataDeletion, AReaderDelaysTheWalTruncationAndSaysSo) {
  Store store(path);
  Store reader(path);
  reader.db().exec("BEGIN");
  (void)count(reader, "epochs");  // holds a read snapshot
  // The checkpoint waits for the reader for the store's busy timeout (5 s), then gives up.
  auto r = delete_data(store, DeletionScope{.mat_id = "bed1"});
  EXPECT_FALSE(r.wal_truncated);
  EXPECT_EQ(count(store, "epochs"), 2);
  reader.db().exec("COMMIT");
  r = delete_data(store, DeletionScope{.mat_id = "bed1"});
  EXPECT_TRUE(r.wal_truncated);
  EXPECT_EQ(r.rows_total, 0);
  EXPECT_FALSE(file_has(path, "MARK-bed1-d1"));
}

TEST(DataDeletionDescribe, SaysTheScopeInUtc) {
  EXPECT_EQ(describe(DeletionScope{}), "everything");
  EXPECT_EQ(describe(DeletionScope{.mat_id = "bed1"}), "mat 'bed1'");
  EXPECT_EQ(describe(DeletionScope{.mat_id = "bed1", .from_us = kDay1, .to_us = kDay2}),
            "mat 'bed1' from 2026-11-20T00:00:00Z until 2026-11-21T00:00:00Z");
  EXPECT_EQ(describe(DeletionScope{.to_us = kDay2}), "until 2026-11-21T00:00:00Z");
}

// ------------------------------------------------------------------------- the store's side

TEST(DeletionStoreWriter, AnExclusiveJobRunsAfterTheBatchesBeforeItAndRethrows) {
  TempDir dir;
  auto store = std::make_unique<Store>(dir.file("w.db"));
  StoreWriter writer(std::move(store), nullptr);
  for (int i = 0; i < 50; ++i) {
    WriteBatch b;
    EpochDelta e;
    e.mat_id = "bed1";
    e.epoch_start_s = 1000 + i;
    e.frames = 1;
    b.epochs.push_back(e);
    writer.submit(std::move(b));
  }
  std::int64_t seen = -1;
  writer.run_exclusive([&](Store& s) { seen = s.db().query_int("SELECT COUNT(*) FROM epochs"); });
  EXPECT_EQ(seen, 50);
  EXPECT_THROW(writer.run_exclusive([](Store&) { throw std::runtime_error("boom"); }),
               std::runtime_error);
  // The writer goes on.
  WriteBatch b;
  b.statuses.push_back(StatusEvent{"bed1", 1, "online"});
  writer.submit(std::move(b));
  writer.flush();
  writer.run_exclusive(
      [&](Store& s) { seen = s.db().query_int("SELECT COUNT(*) FROM mat_status_events"); });
  EXPECT_EQ(seen, 1);
  writer.stop();
  EXPECT_THROW(writer.run_exclusive([](Store&) {}), StoreError);
}

TEST(DeletionRawArchive, TheCapCountsAgainAfterAnotherConnectionDeleted) {
  // The gateway's connection keeps the archive's size in memory. Had it not noticed a deletion
  // by pmapctl, it would think the archive still full and delete frames that fit.
  TempDir dir;
  const std::string path = dir.file("raw.db");
  StoreConfig cap;
  cap.raw_archive_max_bytes = 10'000;
  Store gateway(path, cap);
  const auto frames = [](int first, int n) {
    WriteBatch b;
    for (int i = 0; i < n; ++i)
      b.raw_frames.push_back(RawFrameRecord{"bed1", first + i, (first + i) * kS,
                                            std::vector<std::uint8_t>(1000, 1)});
    return b;
  };
  gateway.write(frames(0, 8));
  EXPECT_EQ(gateway.raw_archive_bytes(), 8000);
  {
    Store tool(path);
    (void)delete_data(tool, DeletionScope{.mat_id = "bed1"});
  }
  gateway.write(frames(100, 8));
  EXPECT_EQ(count(gateway, "raw_frames"), 8);  // not 2: nothing that fits was deleted
  EXPECT_EQ(gateway.raw_archive_bytes(), 8000);
  // Deleting on the gateway's own connection recounts too.
  (void)delete_data(gateway, DeletionScope{.mat_id = "bed1"});
  EXPECT_EQ(gateway.raw_archive_bytes(), 0);
}

// --------------------------------------------------------------------------- pmapctl delete

using pmapctl::test::ctl;
using pmapctl::test::has;

TEST_F(DataDeletion, PmapctlDeleteAsksCountsAndDeletes) {
  // Say what: nothing, or --all with a scope, is a usage error.
  EXPECT_EQ(ctl({"delete", "--db", path}).code, pmapctl::kUsage);
  EXPECT_EQ(ctl({"delete", "--db", path, "--all", "--mat", "bed1"}).code, pmapctl::kUsage);
  EXPECT_EQ(ctl({"delete", "--db", path, "--mat", "bed 1"}).code, pmapctl::kRefused);
  EXPECT_EQ(ctl({"delete", "--db", path, "--from", "2026-11-21", "--to", "2026-11-20"}).code,
            pmapctl::kRefused);
  EXPECT_EQ(ctl({"delete", "--db", dir.file("none.db"), "--all", "--yes"}).code,
            pmapctl::kRefused);
  // A dry run counts and changes nothing.
  auto r = ctl({"delete", "--db", path, "--mat", "bed1", "--dry-run", "--tz", "UTC"});
  ASSERT_EQ(r.code, pmapctl::kOk) << r.err;
  EXPECT_TRUE(has(r.out, "would delete 14 rows (mat 'bed1'): ")) << r.out;
  EXPECT_TRUE(has(r.out, "epochs=2")) << r.out;
  // Not confirmed: nothing happens.
  r = ctl({"delete", "--db", path, "--mat", "bed1", "--tz", "UTC"}, "yes\n");
  EXPECT_EQ(r.code, pmapctl::kRefused);
  EXPECT_TRUE(has(r.out, "This deletes mat 'bed1' from '" + path + "':\n  14 rows: ")) << r.out;
  EXPECT_TRUE(has(r.out, "Type 'delete' to confirm")) << r.out;
  EXPECT_TRUE(has(r.err, "nothing was deleted")) << r.err;
  {
    Store s(path);
    EXPECT_EQ(count(s, "epochs"), 4);
  }
  // Day 1 of both mats, in the person's zone; confirmed; JSON.
  r = ctl({"delete", "--db", path, "--from", "2026-11-20", "--to", "2026-11-20", "--tz", "UTC",
           "--json"},
          "delete\n");
  ASSERT_EQ(r.code, pmapctl::kOk) << r.err;
  const json doc = json::parse(r.out.substr(r.out.find('{')));
  EXPECT_EQ(doc["deleted"]["epochs"], 2);
  EXPECT_EQ(doc["deleted"]["pain_entries"], 1);
  EXPECT_EQ(doc["scope"]["from_us"], kDay1);
  EXPECT_EQ(doc["scope"]["to_us"], kDay2);
  EXPECT_EQ(doc["wal_truncated"], true);
  EXPECT_FALSE(file_has(path, "MARK-pain-d1"));
  // A mat with --yes, text.
  r = ctl({"delete", "--db", path, "--mat", "bed1", "--yes"});
  ASSERT_EQ(r.code, pmapctl::kOk) << r.err;
  EXPECT_TRUE(has(r.out, "deleted 8 rows (mat 'bed1'): ")) << r.out;
  EXPECT_TRUE(has(r.out, "mats removed: [\"bed1\"]")) << r.out;
  // forget is delete --all, confirmed by 'forget'.
  r = ctl({"forget", "--db", path}, "forget\n");
  ASSERT_EQ(r.code, pmapctl::kOk) << r.err;
  EXPECT_TRUE(has(r.out, "deleted ")) << r.out;
  EXPECT_TRUE(has(r.out, "(everything)")) << r.out;
  EXPECT_FALSE(file_has(path, "MARK-"));
}

TEST_F(DataDeletion, PmapctlRefusesToRemoveAMatAGatewayIsRecording) {
  {
    Store s(path);
    const auto now = std::chrono::duration_cast<std::chrono::microseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    s.db().exec("UPDATE mats SET last_seen_us = " + std::to_string(now - 5 * kS) +
                " WHERE id = 'bed1'");
  }
  auto r = ctl({"delete", "--db", path, "--mat", "bed1", "--yes"});
  EXPECT_EQ(r.code, pmapctl::kRefused);
  EXPECT_TRUE(has(r.err, "mat 'bed1' was recorded 5 s ago: a gateway is writing")) << r.err;
  EXPECT_TRUE(has(r.err, "--api")) << r.err;
  EXPECT_EQ(ctl({"delete", "--db", path, "--all", "--yes"}).code, pmapctl::kRefused);
  // Compacting would hold the gateway's writes: refused too.
  EXPECT_EQ(ctl({"delete", "--db", path, "--mat", "chair1", "--compact", "--yes"}).code,
            pmapctl::kRefused);
  // A range keeps the mats' rows: the gateway may go on.
  r = ctl({"delete", "--db", path, "--to", "2026-11-20", "--tz", "UTC", "--yes"});
  EXPECT_EQ(r.code, pmapctl::kOk) << r.err;
  // Only a dry run for the others.
  EXPECT_EQ(ctl({"delete", "--db", path, "--mat", "bed1", "--dry-run"}).code, pmapctl::kOk);
}

// ------------------------------------------------------------------ DELETE /v1/data in-process

constexpr const char* kToken = "delete-token-0123456789";

class DataDeletionApi : public DataDeletion {
 protected:
  void start(std::string token) {
    api::ApiConfig c;
    c.db_path = path;
    c.listen = "127.0.0.1:0";
    c.tz = "UTC";
    c.token = std::move(token);
    server = std::make_unique<api::ApiServer>(c, logger, nullptr);
    server->start();
    port = server->port();
  }
  api::test::HttpResult del(const std::string& target, bool auth = true) {
    std::vector<std::pair<std::string, std::string>> h;
    if (auth) h.emplace_back("Authorization", std::string("Bearer ") + kToken);
    return api::test::http(port, "DELETE", target, "", h);
  }
  Logger logger{LogLevel::kOff};
  std::unique_ptr<api::ApiServer> server;
  std::uint16_t port = 0;
};

TEST_F(DataDeletionApi, NeedsATokenAndASaidScope) {
  start("");
  auto r = del("/v1/data?all=true", false);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.json()["error"]["code"], "token_required");
  server->stop();
  start(kToken);
  EXPECT_EQ(del("/v1/data?all=true", false).status, 401);
  r = del("/v1/data");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.json()["error"]["code"], "missing_param");
  r = del("/v1/data?all=true&mat=bed1");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.json()["error"]["field"], "all");
  EXPECT_EQ(del("/v1/data?mat=bed%201").json()["error"]["field"], "mat");
  EXPECT_EQ(del("/v1/data?from=2026-13-01").json()["error"]["field"], "from");
  EXPECT_EQ(del("/v1/data?from=2026-11-21&to=2026-11-20").json()["error"]["field"], "to");
  EXPECT_EQ(del("/v1/data?mat=bed1&compact=yes").json()["error"]["field"], "compact");
  EXPECT_EQ(del("/v1/data?mat=bed1&force=true").json()["error"]["code"], "unknown_param");
  EXPECT_EQ(api::test::http(port, "PUT", "/v1/data", "",
                            {{"Authorization", std::string("Bearer ") + kToken}})
                .status,
            405);
  Store s(path);
  EXPECT_EQ(count(s, "epochs"), 4);  // nothing refused deleted anything
}

TEST_F(DataDeletionApi, DryRunThenDeleteADayOfAMat) {
  start(kToken);
  auto r = del("/v1/data?mat=bed1&from=2026-11-21&to=2026-11-21&dry_run=true");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["dry_run"], true);
  EXPECT_EQ(r.json()["deleted"]["epochs"], 1);
  EXPECT_EQ(r.json()["deleted"]["episodes"], 2);
  EXPECT_FALSE(r.json().contains("wal_truncated"));
  r = del("/v1/data?mat=bed1&from=2026-11-21&to=2026-11-21");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["dry_run"], false);
  EXPECT_EQ(r.json()["rows"], 6);  // status, epoch, posture epoch, 2 episodes, raw frame
  EXPECT_EQ(r.json()["scope"]["description"],
            "mat 'bed1' from 2026-11-21T00:00:00Z until 2026-11-22T00:00:00Z");
  EXPECT_EQ(r.json()["wal_truncated"], true);
  EXPECT_FALSE(file_has(path, "MARK-bed1-d2"));
  EXPECT_TRUE(file_has(path, "MARK-bed1-d1"));
  r = del("/v1/data?all=true&compact=true");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["compacted"], true);
  EXPECT_FALSE(file_has(path, "MARK-"));
}

}  // namespace
}  // namespace pmap::deletion
