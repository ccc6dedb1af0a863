// Deleting data while the disk refuses writes (a full disk, a failing disk, a file system
// remounted read-only), injected through the wrapping SQLite VFS (tests/gateway/fault_vfs.hpp)
// under the real deletion code, pmapctl delete and DELETE /v1/data: the deletion says clearly that
// it failed and that nothing was deleted, nothing is half-deleted (every table keeps every row,
// integrity_check ok), and once the disk accepts writes again the same deletion succeeds
// completely. Its own executable: the VFS is the process's default.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "diary_test_util.hpp"
#include "fault_vfs.hpp"
#include "http_client.hpp"
#include "pmap/api/api_server.hpp"
#include "pmap/deletion/data_deletion.hpp"
#include "pmap/diary/diary_repository.hpp"
#include "pmap/pmapctl.hpp"
#include "pmap/store.hpp"
#include "pmapctl_run.hpp"

namespace pmap::deletion {
namespace {

using diary::test::TempDir;
using nlohmann::json;
using pmapctl::test::ctl;
using pmapctl::test::has;
using test::DiskFault;
using test::FaultVfs;
using test::ScopedDiskFault;

constexpr std::int64_t kS = 1'000'000;
constexpr std::int64_t kH = 3600 * kS;
// 2026-11-20T00:00:00Z (the tests run in UTC).
constexpr std::int64_t kDay1 = 1'795'132'800LL * kS;
constexpr int kEpochsPerDay = 2000;  // enough pages that the deletion touches many of them

/// Two mats over two days: epochs, posture epochs, episodes, status events and a diary entry per
/// day — rows in most tables, so a half-done deletion would show in the counts.
void seed(const std::string& path) {
  Store store(path);
  WriteBatch b;
  for (const std::string mat : {"bed1", "bed2"}) {
    b.mats.push_back(MatRecord{mat, "bed", 4, 3, 10, 10, "{}", "fw", "{}", kDay1});
    b.counters.push_back(CounterSnapshot{mat, {{"accepted", 7}}});
    for (int day = 0; day < 2; ++day) {
      const std::int64_t t0 = kDay1 + day * 24 * kH + 2 * kH;
      b.statuses.push_back(StatusEvent{mat, t0, "online"});
      b.episodes.push_back(Episode{mat, "presence", "in_bed", t0, t0 + kH, 10, 0.9});
      for (int i = 0; i < kEpochsPerDay; ++i) {
        EpochDelta e;
        e.mat_id = mat;
        e.epoch_start_s = t0 / kS + 5 * i;
        e.frames = 5;
        e.last_ts_us = t0 + 5 * i * kS;
        b.epochs.push_back(e);
        PostureEpochDelta p;
        p.mat_id = mat;
        p.epoch_start_s = e.epoch_start_s;
        p.posture_frames = 5;
        b.posture_epochs.push_back(p);
      }
    }
  }
  store.write(b);
  diary::DiaryRepository repo(store);
  for (int day = 0; day < 2; ++day) {
    diary::PainEntry e;
    e.time_us = kDay1 + day * 24 * kH + 8 * kH;
    e.tz = "UTC";
    e.back_pain = 3;
    repo.add_pain(e);
  }
}

/// Rows per table, read on a connection of its own (reads go through while writes fail).
std::map<std::string, std::int64_t> rows_of(const std::string& path) {
  Store store = Store::open_read_only(path);
  std::map<std::string, std::int64_t> rows;
  for (const auto& table : schema_tables(store))
    rows[table] = store.db().query_int("SELECT COUNT(*) FROM \"" + table + "\"");
  return rows;
}

std::int64_t total(const std::map<std::string, std::int64_t>& rows) {
  std::int64_t n = 0;
  for (const auto& [table, count] : rows) n += count;
  return n;
}

class DeletionFaults : public ::testing::TestWithParam<DiskFault> {
 protected:
  void SetUp() override {
    FaultVfs::install();
    path = dir.file("pmap.db");
    seed(path);
    before = rows_of(path);
  }
  /// Nothing deleted, the file intact.
  void expect_untouched(const std::string& what) {
    EXPECT_EQ(rows_of(path), before) << what;
    EXPECT_EQ(Store::open_read_only(path).integrity_check(), "ok") << what;
  }
  TempDir dir;
  std::string path;
  std::map<std::string, std::int64_t> before;
};

// The library: DeletionError saying nothing was deleted, every row still there; then the same
// deletion on the same connection (the Store a gateway or the API keeps open) completes.
TEST_P(DeletionFaults, AFailedDeletionDeletesNothingAndTheSameDeletionSucceedsAfter) {
  Store store(path);
  const DeletionScope scope{"bed1", kDay1, kDay1 + 24 * kH};
  const DeletionResult planned = preview(store, scope);
  ASSERT_EQ(planned.rows.at("epochs"), kEpochsPerDay);
  const auto refused_before = FaultVfs::refused_writes();
  {
    const ScopedDiskFault fault(GetParam());
    try {
      (void)delete_data(store, scope);
      ADD_FAILURE() << "the deletion succeeded on a disk that refuses writes";
    } catch (const DeletionError& e) {
      EXPECT_TRUE(has(e.what(), "delete failed: ")) << e.what();
      EXPECT_TRUE(has(e.what(), "nothing was deleted")) << e.what();
    }
    EXPECT_GT(FaultVfs::refused_writes(), refused_before);
    expect_untouched("while failing");
  }
  expect_untouched("after the fault cleared");
  const DeletionResult done = delete_data(store, scope);
  EXPECT_EQ(done.rows, planned.rows);
  EXPECT_EQ(done.rows_total, planned.rows_total);
  EXPECT_TRUE(done.wal_truncated);
  const auto after = rows_of(path);
  EXPECT_EQ(total(after), total(before) - planned.rows_total);
  EXPECT_EQ(after.at("epochs"), before.at("epochs") - kEpochsPerDay);
  EXPECT_EQ(Store::open_read_only(path).integrity_check(), "ok");
}

// Everything, with compaction: the largest deletion (every page rewritten) fails whole too.
TEST_P(DeletionFaults, EverythingWithCompactFailsWholeAndSucceedsAfter) {
  Store store(path);
  DeletionOptions compact;
  compact.compact = true;
  {
    const ScopedDiskFault fault(GetParam());
    EXPECT_THROW((void)delete_data(store, DeletionScope{}, compact), DeletionError);
    expect_untouched("while failing");
  }
  const DeletionResult done = delete_data(store, DeletionScope{}, compact);
  EXPECT_EQ(done.rows_total, total(before));
  EXPECT_TRUE(done.compacted);
  EXPECT_EQ(total(rows_of(path)), 0);
  EXPECT_EQ(Store::open_read_only(path).integrity_check(), "ok");
}

// pmapctl delete: exit code "refused", the reason on stderr; then the same command deletes.
TEST_P(DeletionFaults, PmapctlSaysItFailedAndDeletesOnceTheDiskIsBack) {
  const std::vector<std::string> cmd = {"delete", "--db", path, "--mat", "bed2", "--yes", "--json"};
  {
    const ScopedDiskFault fault(GetParam());
    const auto r = ctl(cmd);
    EXPECT_EQ(r.code, pmapctl::kRefused);
    EXPECT_TRUE(has(r.err, "nothing was deleted")) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
    expect_untouched("while failing");
  }
  const auto r = ctl(cmd);
  ASSERT_EQ(r.code, pmapctl::kOk) << r.err;
  const json doc = json::parse(r.out);
  EXPECT_EQ(doc["deleted"]["epochs"], 2 * kEpochsPerDay);
  EXPECT_EQ(doc["mats_deleted"], json::array({"bed2"}));
  const auto after = rows_of(path);
  EXPECT_EQ(after.at("epochs"), before.at("epochs") - 2 * kEpochsPerDay);
  EXPECT_EQ(after.at("pain_entries"), before.at("pain_entries"));  // the person's, kept
  EXPECT_EQ(Store::open_read_only(path).integrity_check(), "ok");
}

// DELETE /v1/data: 500 delete_failed with the reason; the same request succeeds afterwards.
TEST_P(DeletionFaults, ApiAnswersDeleteFailedThenDeletesOnceTheDiskIsBack) {
  const std::string token = "delete-token-0123456789";
  api::ApiConfig c;
  c.db_path = path;
  c.listen = "127.0.0.1:0";
  c.tz = "UTC";
  c.token = token;
  Logger logger{LogLevel::kOff};
  api::ApiServer server(c, logger, nullptr);
  server.start();
  const auto del = [&] {
    return api::test::http(server.port(), "DELETE",
                           "/v1/data?mat=bed1&from=2026-11-21&to=2026-11-21", "",
                           {{"Authorization", "Bearer " + token}});
  };
  {
    const ScopedDiskFault fault(GetParam());
    const auto r = del();
    EXPECT_EQ(r.status, 500) << r.body;
    EXPECT_EQ(r.json()["error"]["code"], "delete_failed") << r.body;
    EXPECT_TRUE(has(r.json()["error"]["message"].get<std::string>(), "nothing was deleted"))
        << r.body;
    expect_untouched("while failing");
  }
  const auto r = del();
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["deleted"]["epochs"], kEpochsPerDay);
  EXPECT_EQ(r.json()["wal_truncated"], true);
  server.stop();
  EXPECT_EQ(rows_of(path).at("epochs"), before.at("epochs") - kEpochsPerDay);
  EXPECT_EQ(Store::open_read_only(path).integrity_check(), "ok");
}

INSTANTIATE_TEST_SUITE_P(Faults, DeletionFaults,
                         ::testing::Values(DiskFault::kFull, DiskFault::kIoError,
                                           DiskFault::kReadOnly),
                         [](const ::testing::TestParamInfo<DiskFault>& info) {
                           switch (info.param) {
                             case DiskFault::kFull:
                               return std::string("DiskFull");
                             case DiskFault::kIoError:
                               return std::string("IoError");
                             case DiskFault::kReadOnly:
                               return std::string("ReadOnly");
                             case DiskFault::kNone:
                               break;
                           }
                           return std::string("None");
                         });

}  // namespace
}  // namespace pmap::deletion
