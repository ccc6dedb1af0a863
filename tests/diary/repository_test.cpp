// The repository on real SQLite files: storage, red flags, CSV import/export, forget, migration.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "diary_test_util.hpp"
#include "pmap/diary/diary_error.hpp"
#include "pmap/diary/diary_json.hpp"
#include "pmap/diary/diary_repository.hpp"
#include "pmap/diary/pain_csv.hpp"
#include "pmap/store.hpp"

namespace pmap::diary {
namespace {

using test::entry;
using test::TempDir;

TEST(DiaryRepository, StoresAndReadsBackEveryField) {
  TempDir dir;
  Store store(dir.file("d.db"));
  DiaryRepository repo(store);
  PainEntry e = entry("Europe/London", "2026-07-01T08:15:30", Extent::kKnee, 2, 7);
  e.tags = {ContextTag::kOnWaking, ContextTag::kAtNight};
  e.note = "woke at 4, \"stiff\"\nbetter after walk";
  const auto id = repo.add_pain(e);
  EXPECT_GT(id, 0);
  const auto all = repo.pains();
  ASSERT_EQ(all.size(), 1U);
  const auto& r = all[0];
  EXPECT_EQ(r.id, id);
  EXPECT_EQ(r.time_us, e.time_us);
  EXPECT_EQ(r.tz, "Europe/London");
  EXPECT_EQ(r.utc_offset_s, 3600);  // BST, filled in by the repository
  EXPECT_EQ(r.back_pain, 2);
  EXPECT_EQ(r.leg_pain, 7);
  EXPECT_EQ(r.extent, Extent::kKnee);
  EXPECT_EQ(r.tags, e.tags);
  EXPECT_EQ(r.note, e.note);
  EXPECT_FALSE(r.red_flags.any());
  EXPECT_FALSE(r.red_flag_warning_shown);
  // Range queries are half-open [from, to).
  EXPECT_EQ(repo.pains(e.time_us, e.time_us + 1).size(), 1U);
  EXPECT_EQ(repo.pains(e.time_us + 1).size(), 0U);
  EXPECT_EQ(repo.pains(INT64_MIN, e.time_us).size(), 0U);
}

TEST(DiaryRepository, RedFlagEntriesStoreThatTheWarningWasShown) {
  TempDir dir;
  Store store(dir.file("d.db"));
  DiaryRepository repo(store);
  PainEntry e = entry("UTC", "2026-11-20T08:00", Extent::kFoot, 5, 9);
  e.red_flags.leg_weakness = true;
  EXPECT_THROW(repo.add_pain(e), DiaryError);  // a red flag nobody was warned about
  EXPECT_EQ(store.db().query_int("SELECT COUNT(*) FROM pain_entries"), 0);
  e.red_flag_warning_shown = true;
  repo.add_pain(e);
  EXPECT_EQ(store.db().query_int("SELECT leg_weakness FROM pain_entries"), 1);
  EXPECT_EQ(store.db().query_int("SELECT bladder_bowel FROM pain_entries"), 0);
  EXPECT_EQ(store.db().query_int("SELECT red_flag_warning_shown FROM pain_entries"), 1);
  const auto j = to_json(repo.pains().at(0));
  EXPECT_TRUE(j["red_flag"].get<bool>());
  EXPECT_TRUE(j["red_flag_warning_shown"].get<bool>());
  EXPECT_TRUE(j["red_flags"]["leg_weakness"].get<bool>());
}

TEST(DiaryRepository, InvalidEntriesAreRefusedAndNothingIsWritten) {
  TempDir dir;
  Store store(dir.file("d.db"));
  DiaryRepository repo(store);
  std::vector<PainEntry> batch = {entry("UTC", "2026-11-20T08:00", Extent::kBack),
                                  entry("UTC", "2026-11-20T09:00", Extent::kBack, 3, 12)};
  try {
    repo.add_pains(batch, 2);
    FAIL() << "accepted leg pain 12";
  } catch (const DiaryError& e) {
    EXPECT_EQ(e.line(), 3);
    EXPECT_EQ(e.field(), "leg_pain");
  }
  EXPECT_EQ(repo.pains().size(), 0U);
}

TEST(DiaryRepository, MovementTestsAndSetupsRoundTrip) {
  TempDir dir;
  Store store(dir.file("d.db"));
  DiaryRepository repo(store);
  MovementTest t;
  t.time_us = TimeZone("UTC").parse_time("2026-11-20T08:00", "time");
  t.direction = Direction::kNerveGlide;
  t.extent_before = Extent::kCalf;
  t.extent_after = Extent::kKnee;
  t.leg_pain_before = 6;
  t.leg_pain_after = 5;
  t.repetitions = 10;
  t.note = "slow";
  repo.add_test(t);
  const auto tests = repo.tests();
  ASSERT_EQ(tests.size(), 1U);
  EXPECT_EQ(tests[0].direction, Direction::kNerveGlide);
  EXPECT_EQ(tests[0].extent_after, Extent::kKnee);
  EXPECT_EQ(tests[0].repetitions, 10);
  EXPECT_EQ(tests[0].note, "slow");

  PillowSetup a{"thin-knee", KneePillow::kThin, false, HeadPillow::parse("low"), true, "", 0};
  PillowSetup b{"body", KneePillow::kBodyPillow, true, HeadPillow::parse("11cm"), false, "new", 0};
  repo.add_setup(a);
  repo.add_setup(b);
  EXPECT_THROW(repo.add_setup(a), DiaryError);  // names are unique
  const auto setups = repo.setups();
  ASSERT_EQ(setups.size(), 2U);
  EXPECT_EQ(setups[0].name, "body");  // by name
  EXPECT_EQ(setups[0].head_pillow.to_string(), "11cm");
  EXPECT_TRUE(setups[0].pillow_under_knees);
  EXPECT_EQ(setups[1].knee_pillow, KneePillow::kThin);
  EXPECT_TRUE(setups[1].mattress_topper);
  EXPECT_FALSE(repo.find_setup("nope").has_value());

  const TimeZone utc("UTC");
  try {
    repo.use_setup("nope", utc.parse_time("2026-11-01T20:00", "t"), "UTC");
    FAIL();
  } catch (const DiaryError& e) {
    EXPECT_EQ(e.field(), "name");
  }
  repo.use_setup("thin-knee", utc.parse_time("2026-11-01T20:00", "t"), "UTC");
  repo.use_setup("body", utc.parse_time("2026-11-10T20:00", "t"), "UTC");
  const auto tl = repo.timeline();
  EXPECT_EQ(tl.at(utc.parse_time("2026-11-05T12:00", "t")), "thin-knee");
  EXPECT_EQ(tl.for_night(std::chrono::sys_days(std::chrono::year(2026) / 11 / 11), utc), "body");
  EXPECT_THROW(repo.use_setup("body", 0, "UTC"), DiaryError);  // before 2000
}

TEST(DiaryCsv, ImportsAGoodFile) {
  const std::string csv = std::string(kPainCsvHeader) +
                          "\r\n2026-11-20T07:30,Europe/London,3,6,calf,on_waking;at_night,no,no,no,"
                          "\"stiff, then \"\"ok\"\"\nafter walk\"\r\n"
                          "2026-11-20T18:00,,2,4,thigh,,no,no,no,\n"
                          "2026-11-21T08:00+01:00,UTC,1,2,back,after_sitting,no,yes,no,numb\n";
  const auto e = PainCsv::parse(csv, TimeZone("America/New_York"),
                                TimeZone("UTC").parse_time("2026-11-26T00:00Z", "now"));
  ASSERT_EQ(e.size(), 3U);
  EXPECT_EQ(e[0].note, "stiff, then \"ok\"\nafter walk");
  EXPECT_EQ(e[0].tags.size(), 2U);
  EXPECT_EQ(e[1].tz, "America/New_York");  // empty tz: the default zone
  EXPECT_EQ(TimeZone("UTC").format(e[1].time_us), "2026-11-20T23:00:00+00:00");
  EXPECT_EQ(TimeZone("UTC").format(e[2].time_us), "2026-11-21T07:00:00+00:00");
  EXPECT_TRUE(e[2].red_flags.saddle_numbness);
  EXPECT_TRUE(e[2].red_flag_warning_shown);
}

// The DiaryError of parsing `csv`: "line:field".
std::string csv_error(const std::string& body) {
  try {
    (void)PainCsv::parse(std::string(kPainCsvHeader) + "\n" + body, TimeZone("UTC"),
                         TimeZone("UTC").parse_time("2026-11-26T00:00Z", "now"));
  } catch (const DiaryError& e) {
    EXPECT_NE(std::string(e.what()).find("line " + std::to_string(e.line())), std::string::npos)
        << e.what();
    return std::to_string(e.line()) + ":" + e.field();
  }
  return "accepted";
}

TEST(DiaryCsv, BadRowsNameTheirLineAndField) {
  const std::string good = "2026-11-20T07:30,UTC,3,6,calf,,no,no,no,\n";
  EXPECT_EQ(csv_error(good), "accepted");
  EXPECT_EQ(csv_error(good + "2026-11-20T07:30,UTC,3,11,calf,,no,no,no,\n"), "3:leg_pain");
  EXPECT_EQ(csv_error(good + good + "2026-11-20T07:30,UTC,x,1,calf,,no,no,no,\n"), "4:back_pain");
  EXPECT_EQ(csv_error(good + "2026-11-20T07:30,UTC,3,6,ankle,,no,no,no,\n"), "3:extent");
  EXPECT_EQ(csv_error(good + "2026-11-20T07:30,UTC,3,6,calf,dancing,no,no,no,\n"), "3:tags");
  EXPECT_EQ(csv_error(good + "2026-11-20T07:30,UTC,3,6,calf,,no,,no,\n"), "3:saddle_numbness");
  EXPECT_EQ(csv_error(good + "2026-11-20T07:30,UTC,3,6,calf,,maybe,no,no,\n"), "3:bladder_bowel");
  EXPECT_EQ(csv_error(good + "2026-11-20T07:30,UTC,3,6,calf,,no,no,perhaps,\n"), "3:leg_weakness");
  EXPECT_EQ(csv_error(good + "20.11.2026 07:30,UTC,3,6,calf,,no,no,no,\n"), "3:time");
  EXPECT_EQ(csv_error(good + "2030-01-01T07:30,UTC,3,6,calf,,no,no,no,\n"), "3:time");
  EXPECT_EQ(csv_error(good + "2026-11-20T07:30,Atlantis,3,6,calf,,no,no,no,\n"), "3:tz");
  EXPECT_EQ(csv_error(good + "2026-11-20T07:30,UTC,3,6,calf,,no,no,no,\"" + std::string(1001, 'n') +
                      "\"\n"),
            "3:note");
  EXPECT_EQ(csv_error(good + "2026-11-20T07:30,UTC,3,6,calf,,no,no\n"), "3:");  // 9 fields
  // A multi-line quoted note: the error names the line its row starts on.
  EXPECT_EQ(csv_error("2026-11-20T07:30,UTC,3,6,calf,,no,no,no,\"a\nb\nc\"\n" +
                      std::string("2026-11-20T07:30,UTC,3,6,calf,,no,no,no,\"open\n")),
            "5:note");
  // Wrong or missing header.
  try {
    (void)PainCsv::parse("time,tz,back\n", TimeZone("UTC"), 0);
    FAIL();
  } catch (const DiaryError& e) {
    EXPECT_EQ(e.line(), 1);
    EXPECT_EQ(e.field(), "header");
  }
  EXPECT_THROW((void)PainCsv::parse("", TimeZone("UTC"), 0), DiaryError);
}

TEST(DiaryCsv, ExportThenImportGivesTheSameDiary) {
  TempDir dir;
  Store a(dir.file("a.db"));
  DiaryRepository repo_a(a);
  std::vector<PainEntry> in = {entry("Europe/London", "2026-07-01T08:00", Extent::kCalf, 3, 6),
                               entry("America/New_York", "2026-11-20T23:30", Extent::kNone, 0, 0),
                               entry("UTC", "2026-11-21T12:00:59", Extent::kFoot, 8, 9)};
  in[0].tags = {ContextTag::kAfterDriving, ContextTag::kOther};
  in[0].note = "commas, \"quotes\"\nand lines";
  in[2].red_flags.bladder_bowel = true;
  in[2].red_flag_warning_shown = true;
  repo_a.add_pains(in);
  const std::string csv = PainCsv::write(repo_a.pains());

  Store b(dir.file("b.db"));
  DiaryRepository repo_b(b);
  repo_b.add_pains(PainCsv::parse(csv, TimeZone("UTC"), now_us()), 2);
  const auto x = repo_a.pains();
  const auto y = repo_b.pains();
  ASSERT_EQ(x.size(), y.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    auto jx = to_json(x[i]);
    auto jy = to_json(y[i]);
    jx.erase("id");
    jy.erase("id");
    EXPECT_EQ(jx, jy) << i;
  }
  EXPECT_EQ(PainCsv::write(y), csv);
}

TEST(DiaryMigration, AVersion2DatabaseGainsTheDiaryAndKeepsItsData) {
  TempDir dir;
  const auto path = dir.file("v2.db");
  {
    Store s(path);
    WriteBatch b;
    EpochDelta d;
    d.mat_id = "bed1";
    d.epoch_start_s = 100;
    d.frames = 7;
    b.epochs.push_back(d);
    b.episodes.push_back(Episode{"bed1", "position", "supine", 1'000'000, 9'000'000, 9, 0.9});
    s.write(b);
    // What schema version 2 left: no diary tables.
    s.db().exec(
        "DROP TABLE posture_epochs; DROP TABLE setup_switches; DROP TABLE pillow_setups; "
        "DROP TABLE movement_tests; "
        "DROP TABLE pain_entries; DROP TABLE mat_floors; PRAGMA user_version = 2;");
  }
  {
    Database raw(path, Database::Mode::kReadOnly);
    EXPECT_EQ(raw.query_int("PRAGMA user_version"), 2);
    EXPECT_EQ(raw.query_int("SELECT COUNT(*) FROM sqlite_master WHERE name='pain_entries'"), 0);
  }
  // The read-only opener does not migrate: it says what to do.
  EXPECT_THROW((void)Store::open_read_only(path), StoreError);
  Store migrated(path);
  EXPECT_EQ(migrated.schema_version(), Store::kSchemaVersion);
  EXPECT_EQ(migrated.db().query_int("SELECT frames FROM epochs"), 7);
  EXPECT_EQ(migrated.db().query_text("SELECT label FROM episodes"), "supine");
  DiaryRepository repo(migrated);
  repo.add_pain(entry("UTC", "2026-11-20T08:00", Extent::kThigh));
  EXPECT_EQ(repo.pains().size(), 1U);
  EXPECT_EQ(migrated.integrity_check(), "ok");
}

}  // namespace
}  // namespace pmap::diary
