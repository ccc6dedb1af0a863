// pmapctl export and pmap::data_export (docs/export.md) on real SQLite files filled through the
// Store and the DiaryRepository with known rows: every table with exact values, CSV files, the
// pain.csv round trip, date filtering, refusing to overwrite, a missing database, forget, raw
// frames, and that a large export streams (the program's peak memory does not grow with it).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "diary_test_util.hpp"
#include "pmapctl_run.hpp"
#include "pmap/diary/diary_json.hpp"
#include "pmap/diary/diary_repository.hpp"
#include "pmap/diary/pain_csv.hpp"
#include "pmap/diary/red_flags.hpp"
#include "pmap/export/base64.hpp"
#include "pmap/export/csv.hpp"
#include "pmap/export/exporter.hpp"
#include "pmap/export/time_formatter.hpp"
#include "pmap/nights/nights_json.hpp"
#include "pmap/nights/nights_reader.hpp"
#include "pmap/pmapctl.hpp"
#include "pmap/store.hpp"

namespace pmap::data_export {
namespace {

using diary::LocalDateTime;
using diary::TimeZone;
using diary::test::read_all;
using diary::test::TempDir;
using nlohmann::json;
namespace fs = std::filesystem;

constexpr const char* kZone = "Europe/Berlin";
constexpr const char* kNote = "woke at 3, \"stiff\"\nthen better";

using Result = pmapctl::test::CtlResult;
using pmapctl::test::ctl;
using pmapctl::test::has;

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

std::int64_t at(int y, unsigned m, unsigned d, int hour, int minute = 0) {
  return TimeZone(kZone).to_utc_us(LocalDateTime{
      std::chrono::year(y) / std::chrono::month(m) / std::chrono::day(d), hour, minute, 0});
}

/// The file names an export directory holds (temporary leftovers included).
std::set<std::string> names_in(const fs::path& dir) {
  std::set<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.insert(e.path().filename().string());
  return out;
}

/// No temporary ".<name>.tmp-<pid>" or moved-aside ".<name>.old-<pid>" left in `dir`.
bool no_temporaries(const fs::path& dir) {
  for (const auto& name : names_in(dir)) {
    if (name.starts_with(".") && (has(name, ".tmp-") || has(name, ".old-"))) return false;
  }
  return true;
}

// ----------------------------------------------------------------------------- the pieces

TEST(DataExportPieces, Base64MatchesRfc4648) {
  auto b64 = [](std::string_view s) {
    const std::vector<std::uint8_t> bytes(s.begin(), s.end());
    return base64_encode(bytes);
  };
  // RFC 4648 §10 test vectors.
  EXPECT_EQ(b64(""), "");
  EXPECT_EQ(b64("f"), "Zg==");
  EXPECT_EQ(b64("fo"), "Zm8=");
  EXPECT_EQ(b64("foo"), "Zm9v");
  EXPECT_EQ(b64("foob"), "Zm9vYg==");
  EXPECT_EQ(b64("fooba"), "Zm9vYmE=");
  EXPECT_EQ(b64("foobar"), "Zm9vYmFy");
  const std::vector<std::uint8_t> high = {0xFF, 0xFE, 0x00, 0x3E, 0x3F};
  EXPECT_EQ(base64_encode(high), "//4APj8=");
}

TEST(DataExportPieces, CsvQuotingFollowsRfc4180) {
  EXPECT_EQ(csv_field("plain text"), "plain text");
  EXPECT_EQ(csv_field(""), "");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_field("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(csv_field("cr\rhere"), "\"cr\rhere\"");
  EXPECT_EQ(csv_cell(json(nullptr)), "");
  EXPECT_EQ(csv_cell(json(true)), "yes");
  EXPECT_EQ(csv_cell(json(false)), "no");
  EXPECT_EQ(csv_cell(json(std::int64_t{1795161600000000})), "1795161600000000");
  EXPECT_EQ(csv_cell(json(0.1)), "0.1");
  EXPECT_EQ(csv_cell(json(-2.5)), "-2.5");
  EXPECT_EQ(csv_cell(json::array({"on_waking", "at_night"})), "on_waking;at_night");
  EXPECT_EQ(csv_cell(json("x,y")), "\"x,y\"");
}

TEST(DataExportPieces, TimeFormatterAgreesWithTheZoneAcrossDstChanges) {
  // Every 7 minutes over the two days around each change (and zones with :30 and :45 offsets).
  const std::vector<std::pair<std::string, std::int64_t>> around = {
      {"Europe/Berlin", at(2026, 3, 29, 0)},      {"Europe/Berlin", at(2026, 10, 25, 0)},
      {"America/St_Johns", at(2026, 3, 8, 0)},    {"Asia/Kathmandu", at(2026, 6, 1, 0)},
      {"Australia/Lord_Howe", at(2026, 4, 5, 0)}, {"UTC", at(2026, 11, 20, 0)}};
  for (const auto& [name, middle_us] : around) {
    const TimeZone zone(name);
    TimeFormatter f(zone);
    const std::int64_t middle = middle_us / 1'000'000;
    for (std::int64_t s = middle - 86'400; s < middle + 86'400; s += 7 * 60 + 13) {
      ASSERT_EQ(f.local(s), zone.format(s * 1'000'000)) << name << ' ' << s;
      ASSERT_EQ(TimeFormatter::utc(s), ZoneClock::format_utc(s)) << s;
    }
  }
  EXPECT_EQ(TimeFormatter::utc(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(TimeFormatter::utc(-1), "1969-12-31T23:59:59Z");
  EXPECT_FALSE(representable(kLastRepresentableS + 1));
}

// ------------------------------------------------------------------- a database of known rows

class DataExport : public ::testing::Test {
 protected:
  TempDir dir;
  std::string db = dir.file("p.db");
  std::int64_t night_epoch_s = at(2026, 11, 20, 2) / 1'000'000;
  std::vector<std::uint8_t> blob = {0x50, 0x4D, 0x00, 0xFF, 0x10, 0x20, 0x30};

  void SetUp() override {
    // The gateway's view: raw frames are archived only with a cap.
    StoreConfig config;
    config.raw_archive_max_bytes = 1 << 20;
    Store store(db, config);
    WriteBatch b;
    b.mats.push_back(MatRecord{"bed1", "bed", 4, 3, 10.0, 12.5, R"({"first_row":"head"})", "fw-1.2",
                               R"({"v":1,"kind":"bed"})", at(2026, 11, 19, 20)});
    b.statuses.push_back(StatusEvent{"bed1", at(2026, 11, 19, 20), "online"});
    b.statuses.push_back(StatusEvent{"bed1", at(2026, 11, 21, 9), "offline"});
    EpochDelta e;
    e.mat_id = "bed1";
    e.epoch_start_s = night_epoch_s;
    e.frames = 5;
    e.occupied_frames = 4;
    e.load_raw_sum = 1234.5;
    e.load_raw_max = 400;
    e.force_n_sum = 0.1;
    e.contact_area_cm2_sum = 2500.25;
    e.cop_row_sum = 10;
    e.cop_col_sum = 6;
    e.movement_sum = 0.05;
    e.first_seq = 100;
    e.last_seq = 104;
    e.last_ts_us = at(2026, 11, 20, 2);
    b.epochs.push_back(e);
    e.epoch_start_s = night_epoch_s + 5;
    e.force_n_sum.reset();  // unknown force: null
    e.first_seq = 105;
    e.last_seq = 109;
    b.epochs.push_back(e);
    e.epoch_start_s = at(2026, 11, 21, 10) / 1'000'000;  // a later day (date filter)
    b.epochs.push_back(e);
    b.counters.push_back(CounterSnapshot{"bed1", {{"received", 12}, {"rejected", 2}}});
    b.episodes.push_back(
        Episode{"bed1", "presence", "in_bed", at(2026, 11, 19, 23), at(2026, 11, 20, 7), 100, 1.0});
    b.episodes.push_back(
        Episode{"bed1", "position", "left", at(2026, 11, 19, 23), at(2026, 11, 20, 7), 100, 0.875});
    b.episodes.push_back(Episode{"chair1", "presence", "sitting", at(2026, 11, 20, 9),
                                 at(2026, 11, 20, 10), 60, 1.0});
    PostureEpochDelta p;
    p.mat_id = "bed1";
    p.epoch_start_s = night_epoch_s;
    p.posture_frames = 4;
    p.side_frames = 4;
    p.pelvic_roll_deg_sum = 8.5;
    p.knee_aligned_frames = 3;
    p.knee_dropped_frames = 1;
    b.posture_epochs.push_back(p);
    b.raw_frames.push_back(RawFrameRecord{"bed1", 100, at(2026, 11, 20, 2), blob});
    store.write(b);

    diary::DiaryRepository repo(store);
    auto pain = [](const std::string& time, diary::Extent extent, int back, int leg) {
      diary::PainEntry x;
      x.tz = kZone;
      x.time_us = TimeZone(kZone).parse_time(time, "time");
      x.extent = extent;
      x.back_pain = back;
      x.leg_pain = leg;
      return x;
    };
    auto first = pain("2026-11-20T07:30", diary::Extent::kCalf, 3, 6);
    first.note = kNote;
    first.tags = {diary::ContextTag::kOnWaking, diary::ContextTag::kAtNight};
    repo.add_pain(first);
    repo.add_pain(pain("2026-11-22T18:00", diary::Extent::kThigh, 2, 4));
    diary::MovementTest t;
    t.tz = kZone;
    t.time_us = at(2026, 11, 20, 8);
    t.direction = diary::Direction::kExtension;
    t.repetitions = 10;
    t.extent_before = diary::Extent::kCalf;
    t.extent_after = diary::Extent::kThigh;
    t.leg_pain_before = 6;
    t.leg_pain_after = 4;
    t.note = "press-ups, slow";
    repo.add_test(t);
    diary::PillowSetup s;
    s.name = "thick";
    s.knee_pillow = diary::KneePillow::kThick;
    s.note = "the blue one";
    repo.add_setup(s);
    repo.use_setup("thick", at(2026, 11, 19, 20), kZone);
  }

  json export_json_doc(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"export", "--db", db, "--tz", kZone};
    args.insert(args.end(), extra.begin(), extra.end());
    const Result r = ctl(args);
    EXPECT_EQ(r.code, pmapctl::kOk) << r.err;
    return json::parse(r.out);
  }
};

TEST_F(DataExport, JsonHoldsEveryTableWithExactValues) {
  const json j = export_json_doc();
  EXPECT_EQ(j["format"], "pmapctl-export");
  EXPECT_EQ(j["format_version"], kFormatVersion);
  EXPECT_EQ(j["schema_version"], Store::kSchemaVersion);
  EXPECT_EQ(j["time_zone"], kZone);
  EXPECT_TRUE(j["from"].is_null());
  EXPECT_FALSE(j["raw_frames_included"].get<bool>());
  EXPECT_TRUE(j["exported_at"].get<std::string>().ends_with("Z"));

  const std::map<std::string, std::size_t> counts = {
      {"pain_entries", 2}, {"movement_tests", 1}, {"pillow_setups", 1}, {"setup_switches", 1},
      {"nights", 1},       {"sitting_days", 1},   {"mats", 1},          {"mat_status_events", 2},
      {"mat_counters", 2}, {"episodes", 3},       {"epochs", 3},        {"posture_epochs", 1},
      {"raw_frames", 1}};
  for (const auto& [table, n] : counts) {
    ASSERT_TRUE(j.contains(table)) << table;
    EXPECT_EQ(j[table].size(), n) << table;
  }

  // The diary as pmapctl pain list --json shows it, plus created_us and time_utc.
  const json pain = j["pain_entries"][0];
  EXPECT_EQ(pain["note"], kNote);
  EXPECT_EQ(pain["time"], "2026-11-20T07:30:00+01:00");
  EXPECT_EQ(pain["time_utc"], "2026-11-20T06:30:00Z");
  EXPECT_EQ(pain["tags"], json::array({"on_waking", "at_night"}));
  EXPECT_EQ(pain["extent"], "calf");
  EXPECT_EQ(pain["leg_pain"], 6);
  EXPECT_TRUE(pain["created_us"].is_number_integer());
  json listed = json::parse(ctl({"pain", "list", "--db", db, "--json"}).out);
  for (std::size_t i = 0; i < 2; ++i) {
    json exported = j["pain_entries"][i];
    exported.erase("created_us");
    exported.erase("time_utc");
    EXPECT_EQ(exported, listed[i]);
  }
  EXPECT_EQ(j["movement_tests"][0]["direction"], "extension");
  EXPECT_EQ(j["movement_tests"][0]["centralized"], true);
  EXPECT_EQ(j["pillow_setups"][0]["knee_pillow"], "thick");
  EXPECT_EQ(j["setup_switches"][0]["setup"], "thick");
  EXPECT_EQ(j["setup_switches"][0]["from"], "2026-11-19T20:00:00+01:00");
  EXPECT_EQ(j["setup_switches"][0]["from_utc"], "2026-11-19T19:00:00Z");

  // Nights and days: the same objects as pmapctl nights/days --json.
  const json nights = json::parse(ctl({"nights", "--db", db, "--tz", kZone, "--from", "2026-11-01",
                                       "--to", "2026-11-30", "--json"})
                                      .out);
  EXPECT_EQ(j["nights"], nights["nights"]);
  EXPECT_EQ(j["nights"][0]["wake_date"], "2026-11-20");
  EXPECT_EQ(j["nights"][0]["position_s"]["left"], 8 * 3600);
  EXPECT_EQ(j["nights"][0]["setup"], "thick");
  const json days = json::parse(ctl({"days", "--db", db, "--tz", kZone, "--from", "2026-11-01",
                                     "--to", "2026-11-30", "--json"})
                                    .out);
  EXPECT_EQ(j["sitting_days"], days["days"]);
  EXPECT_EQ(j["sitting_days"][0]["sitting_s"], 3600);

  // The stored tables, exactly.
  const json mat = j["mats"][0];
  EXPECT_EQ(mat, (json{{"id", "bed1"},
                       {"kind", "bed"},
                       {"rows", 4},
                       {"cols", 3},
                       {"row_pitch_mm", 10.0},
                       {"col_pitch_mm", 12.5},
                       {"layout", R"({"first_row":"head"})"},
                       {"firmware", "fw-1.2"},
                       {"meta_json", R"({"v":1,"kind":"bed"})"},
                       {"first_seen_us", at(2026, 11, 19, 20)},
                       {"first_seen_utc", "2026-11-19T19:00:00Z"},
                       {"first_seen_local", "2026-11-19T20:00:00+01:00"},
                       {"last_seen_us", at(2026, 11, 21, 9)},
                       {"last_seen_utc", "2026-11-21T08:00:00Z"},
                       {"last_seen_local", "2026-11-21T09:00:00+01:00"},
                       {"last_status", "offline"}}));
  EXPECT_EQ(j["mat_status_events"][0], (json{{"mat_id", "bed1"},
                                             {"ts_us", at(2026, 11, 19, 20)},
                                             {"ts_utc", "2026-11-19T19:00:00Z"},
                                             {"ts_local", "2026-11-19T20:00:00+01:00"},
                                             {"status", "online"}}));
  EXPECT_EQ(j["mat_counters"][0],
            (json{{"mat_id", "bed1"}, {"reason", "received"}, {"count", 12}}));
  EXPECT_EQ(j["mat_counters"][1], (json{{"mat_id", "bed1"}, {"reason", "rejected"}, {"count", 2}}));
  EXPECT_EQ(j["episodes"][0]["stream"], "position");  // by start, then mat, then stream
  EXPECT_EQ(j["episodes"][0]["mean_confidence"], 0.875);
  EXPECT_EQ(j["episodes"][1]["label"], "in_bed");
  EXPECT_EQ(j["episodes"][1]["start_local"], "2026-11-19T23:00:00+01:00");
  EXPECT_EQ(j["episodes"][1]["end_utc"], "2026-11-20T06:00:00Z");
  EXPECT_EQ(j["episodes"][1]["frames"], 100);
  EXPECT_EQ(j["epochs"][0], (json{{"mat_id", "bed1"},
                                  {"epoch_start_s", night_epoch_s},
                                  {"epoch_start_utc", "2026-11-20T01:00:00Z"},
                                  {"epoch_start_local", "2026-11-20T02:00:00+01:00"},
                                  {"frames", 5},
                                  {"occupied_frames", 4},
                                  {"load_raw_sum", 1234.5},
                                  {"load_raw_max", 400.0},
                                  {"force_n_sum", 0.1},
                                  {"contact_area_cm2_sum", 2500.25},
                                  {"cop_row_sum", 10.0},
                                  {"cop_col_sum", 6.0},
                                  {"movement_sum", 0.05},
                                  {"first_seq", 100},
                                  {"last_seq", 104}}));
  EXPECT_TRUE(j["epochs"][1]["force_n_sum"].is_null());
  EXPECT_EQ(j["posture_epochs"][0]["pelvic_roll_deg_sum"], 8.5);
  EXPECT_EQ(j["posture_epochs"][0]["knee_aligned_frames"], 3);
  EXPECT_EQ(j["posture_epochs"][0]["wallet_frames"], 0);
  EXPECT_EQ(j["raw_frames"][0], (json{{"id", 1},
                                      {"mat_id", "bed1"},
                                      {"seq", 100},
                                      {"ts_us", at(2026, 11, 20, 2)},
                                      {"ts_utc", "2026-11-20T01:00:00Z"},
                                      {"ts_local", "2026-11-20T02:00:00+01:00"},
                                      {"bytes", 7}}));
}

TEST_F(DataExport, EveryTableOfTheSchemaIsExported) {
  // A migration that adds a table must add it to the export (and to forget, which is generic).
  Store store(db);
  std::set<std::string> schema;
  Statement st = store.db().prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
  while (st.step()) schema.insert(st.column_text(0));
  const auto listed = Exporter::stored_tables();
  EXPECT_EQ(schema, std::set<std::string>(listed.begin(), listed.end()));
}

TEST_F(DataExport, CsvHasEveryFileHeaderAndExactRows) {
  const std::string out = dir.file("csv");
  const Result r = ctl({"export", "--db", db, "--tz", kZone, "--format", "csv", "-o", out});
  ASSERT_EQ(r.code, pmapctl::kOk) << r.err;
  EXPECT_TRUE(has(r.out, "tables to " + out)) << r.out;
  EXPECT_EQ(names_in(out),
            (std::set<std::string>{"pain.csv", "movement_tests.csv", "pillow_setups.csv",
                                   "setup_switches.csv", "nights.csv", "sitting_days.csv",
                                   "mats.csv", "mat_status_events.csv", "mat_counters.csv",
                                   "mat_floors.csv",
                                   "episodes.csv", "epochs.csv", "posture_epochs.csv",
                                   "raw_frames.csv", "export_info.csv"}));
  EXPECT_TRUE(no_temporaries(dir.file("")));

  // pain.csv: the import format, the note quoted (comma, doubled quote, newline inside quotes).
  const std::string pain = read_all(out + "/pain.csv");
  EXPECT_EQ(pain,
            "time,tz,back_pain,leg_pain,extent,tags,bladder_bowel,saddle_numbness,leg_weakness,"
            "note\n"
            "2026-11-20T07:30:00+01:00,Europe/Berlin,3,6,calf,on_waking;at_night,no,no,no,"
            "\"woke at 3, \"\"stiff\"\"\nthen better\"\n"
            "2026-11-22T18:00:00+01:00,Europe/Berlin,2,4,thigh,,no,no,no,\n");
  {
    Store store(db);
    diary::DiaryRepository repo(store);
    EXPECT_EQ(pain, diary::PainCsv::write(repo.pains()));  // as the diary's own writer
  }
  const auto tests = lines(read_all(out + "/movement_tests.csv"));
  ASSERT_EQ(tests.size(), 2U);
  EXPECT_EQ(tests[0],
            "time,tz,direction,repetitions,extent_before,extent_after,leg_pain_before,"
            "leg_pain_after,note,id,time_us,time_utc,utc_offset_s,centralized,peripheralized,"
            "created_us");
  EXPECT_TRUE(tests[1].starts_with(
      "2026-11-20T08:00:00+01:00,Europe/Berlin,extension,10,calf,"
      "thigh,6,4,\"press-ups, slow\",1," +
      std::to_string(at(2026, 11, 20, 8)) + ",2026-11-20T07:00:00Z,3600,yes,no,"))
      << tests[1];
  EXPECT_EQ(lines(read_all(out + "/pillow_setups.csv"))[0],
            "name,knee_pillow,pillow_under_knees,head_pillow,mattress_topper,note,created_us");
  EXPECT_TRUE(lines(read_all(out + "/pillow_setups.csv"))[1].starts_with(
      "thick,thick,no,medium,no,the blue one,"));
  EXPECT_TRUE(lines(read_all(out + "/setup_switches.csv"))[1].starts_with(
      "2026-11-19T20:00:00+01:00,Europe/Berlin,thick,1," + std::to_string(at(2026, 11, 19, 20)) +
      ",2026-11-19T19:00:00Z,"));

  const auto epochs = lines(read_all(out + "/epochs.csv"));
  ASSERT_EQ(epochs.size(), 4U);
  EXPECT_EQ(epochs[0],
            "mat_id,epoch_start_s,epoch_start_utc,epoch_start_local,frames,occupied_frames,"
            "load_raw_sum,load_raw_max,force_n_sum,contact_area_cm2_sum,cop_row_sum,cop_col_sum,"
            "movement_sum,first_seq,last_seq");
  EXPECT_EQ(epochs[1], "bed1," + std::to_string(night_epoch_s) +
                           ",2026-11-20T01:00:00Z,2026-11-20T02:00:00+01:00,5,4,1234.5,400.0,0.1,"
                           "2500.25,10.0,6.0,0.05,100,104");
  EXPECT_EQ(epochs[2], "bed1," + std::to_string(night_epoch_s + 5) +
                           ",2026-11-20T01:00:05Z,2026-11-20T02:00:05+01:00,5,4,1234.5,400.0,,"
                           "2500.25,10.0,6.0,0.05,105,109");
  const auto mats = lines(read_all(out + "/mats.csv"));
  EXPECT_EQ(mats[0],
            "id,kind,rows,cols,row_pitch_mm,col_pitch_mm,layout,firmware,meta_json,first_seen_us,"
            "first_seen_utc,first_seen_local,last_seen_us,last_seen_utc,last_seen_local,"
            "last_status");
  // JSON text in a cell: its quotes doubled, its commas inside the quotes.
  EXPECT_TRUE(has(mats[1], R"("{""first_row"":""head""}",fw-1.2,"{""v"":1,""kind"":""bed""}")"))
      << mats[1];
  EXPECT_EQ(
      lines(read_all(out + "/mat_status_events.csv")),
      (std::vector<std::string>{"mat_id,ts_us,ts_utc,ts_local,status",
                                "bed1," + std::to_string(at(2026, 11, 19, 20)) +
                                    ",2026-11-19T19:00:00Z,2026-11-19T20:00:00+01:00,online",
                                "bed1," + std::to_string(at(2026, 11, 21, 9)) +
                                    ",2026-11-21T08:00:00Z,2026-11-21T09:00:00+01:00,offline"}));
  EXPECT_EQ(
      lines(read_all(out + "/mat_counters.csv")),
      (std::vector<std::string>{"mat_id,reason,count", "bed1,received,12", "bed1,rejected,2"}));
  EXPECT_EQ(lines(read_all(out + "/raw_frames.csv")),
            (std::vector<std::string>{"id,mat_id,seq,ts_us,ts_utc,ts_local,bytes",
                                      "1,bed1,100," + std::to_string(at(2026, 11, 20, 2)) +
                                          ",2026-11-20T01:00:00Z,2026-11-20T02:00:00+01:00,7"}));
  const auto nights = lines(read_all(out + "/nights.csv"));
  ASSERT_EQ(nights.size(), 2U);
  EXPECT_TRUE(nights[0].starts_with("mat_id,wake_date,start,end,start_us,end_us,time_in_bed_s,"));
  EXPECT_TRUE(has(nights[0], ",supine_s,prone_s,left_s,right_s,"));
  EXPECT_TRUE(
      nights[1].starts_with("bed1,2026-11-20,2026-11-19T23:00:00+01:00,"
                            "2026-11-20T07:00:00+01:00,"))
      << nights[1];
  EXPECT_TRUE(nights[1].ends_with(",thick")) << nights[1];
  const auto days = lines(read_all(out + "/sitting_days.csv"));
  ASSERT_EQ(days.size(), 2U);
  EXPECT_TRUE(days[1].starts_with("chair1,2026-11-20,3600,1,3600,1,0,")) << days[1];
  const std::string info = read_all(out + "/export_info.csv");
  EXPECT_TRUE(has(info, "key,value\nformat,pmapctl-export\nformat_version,2\n")) << info;
  EXPECT_TRUE(has(info, "\ntime_zone,Europe/Berlin\n"));
  EXPECT_TRUE(has(info, "\nrows.epochs,3\n"));
}

TEST_F(DataExport, PainCsvReimportsIntoIdenticalEntries) {
  const std::string out = dir.file("csv");
  ASSERT_EQ(ctl({"export", "--db", db, "--format", "csv", "-o", out}).code, pmapctl::kOk);
  const std::string copy = dir.file("copy.db");
  const Result r = ctl({"import", "--db", copy, "--csv", out + "/pain.csv"});
  ASSERT_EQ(r.code, pmapctl::kOk) << r.err;
  const json a = json::parse(ctl({"pain", "list", "--db", db, "--json"}).out);
  const json b = json::parse(ctl({"pain", "list", "--db", copy, "--json"}).out);
  EXPECT_EQ(a.size(), 2U);
  EXPECT_EQ(a, b);
}

TEST_F(DataExport, FromAndToSelectLocalDates) {
  const json j = export_json_doc({"--from", "2026-11-20", "--to", "2026-11-20"});
  EXPECT_EQ(j["from"], "2026-11-20");
  EXPECT_EQ(j["to"], "2026-11-20");
  EXPECT_EQ(j["pain_entries"].size(), 1U);  // not the one of the 22nd
  EXPECT_EQ(j["movement_tests"].size(), 1U);
  EXPECT_EQ(j["pillow_setups"].size(), 1U);   // definitions are not dated
  EXPECT_EQ(j["setup_switches"].size(), 0U);  // made on the 19th
  EXPECT_EQ(j["nights"].size(), 1U);          // woke up on the 20th
  EXPECT_EQ(j["sitting_days"].size(), 1U);
  EXPECT_EQ(j["mats"].size(), 1U);
  EXPECT_EQ(j["mat_status_events"].size(), 0U);  // the 19th and the 21st
  EXPECT_EQ(j["mat_counters"].size(), 2U);       // totals, not dated
  EXPECT_EQ(j["episodes"].size(), 1U);           // starts on the 20th: the chair's bout
  EXPECT_EQ(j["epochs"].size(), 2U);             // not the 21st's
  EXPECT_EQ(j["posture_epochs"].size(), 1U);
  EXPECT_EQ(j["raw_frames"].size(), 1U);

  const json later = export_json_doc({"--from", "2026-11-21"});
  EXPECT_EQ(later["epochs"].size(), 1U);
  EXPECT_EQ(later["nights"].size(), 0U);
  EXPECT_EQ(later["mat_status_events"].size(), 1U);
  EXPECT_EQ(export_json_doc({"--to", "2026-11-19"})["setup_switches"].size(), 1U);

  EXPECT_EQ(ctl({"export", "--db", db, "--from", "2026-11-21", "--to", "2026-11-20"}).code,
            pmapctl::kRefused);
  const Result bad = ctl({"export", "--db", db, "--from", "20.11.2026"});
  EXPECT_EQ(bad.code, pmapctl::kRefused);
  EXPECT_TRUE(has(bad.err, "from")) << bad.err;
}

TEST_F(DataExport, RefusesToOverwriteUnlessForced) {
  // A directory that is not empty.
  const std::string out = dir.file("csv");
  fs::create_directories(out);
  diary::test::write_all(out + "/mine.txt", "keep me");
  Result r = ctl({"export", "--db", db, "--format", "csv", "-o", out});
  EXPECT_EQ(r.code, pmapctl::kRefused);
  EXPECT_TRUE(has(r.err, "not empty")) << r.err;
  EXPECT_TRUE(has(r.err, "--force")) << r.err;
  EXPECT_EQ(names_in(out), std::set<std::string>{"mine.txt"});
  EXPECT_TRUE(no_temporaries(dir.file("")));
  r = ctl({"export", "--db", db, "--format", "csv", "-o", out, "--force"});
  ASSERT_EQ(r.code, pmapctl::kOk) << r.err;
  EXPECT_FALSE(fs::exists(out + "/mine.txt"));
  EXPECT_TRUE(fs::exists(out + "/epochs.csv"));
  EXPECT_TRUE(no_temporaries(dir.file("")));

  // An empty directory is fine; so is a new one under missing parents.
  fs::create_directories(dir.file("empty"));
  EXPECT_EQ(ctl({"export", "--db", db, "--format", "csv", "-o", dir.file("empty")}).code,
            pmapctl::kOk);
  EXPECT_EQ(ctl({"export", "--db", db, "--format", "csv", "-o", dir.file("a/b/c")}).code,
            pmapctl::kOk);
  EXPECT_TRUE(fs::exists(dir.file("a/b/c/pain.csv")));

  // A JSON file that exists.
  const std::string file = dir.file("all.json");
  diary::test::write_all(file, "old");
  r = ctl({"export", "--db", db, "-o", file});
  EXPECT_EQ(r.code, pmapctl::kRefused);
  EXPECT_EQ(read_all(file), "old");
  r = ctl({"export", "--db", db, "-o", file, "--force"});
  ASSERT_EQ(r.code, pmapctl::kOk) << r.err;
  EXPECT_EQ(json::parse(read_all(file))["epochs"].size(), 3U);
  // A file where a directory goes and the other way round, even with --force.
  EXPECT_EQ(ctl({"export", "--db", db, "--format", "csv", "-o", file, "--force"}).code,
            pmapctl::kRefused);
  EXPECT_EQ(ctl({"export", "--db", db, "-o", out, "--force"}).code, pmapctl::kRefused);

  // Never the database itself, nor a directory that holds it.
  r = ctl({"export", "--db", db, "-o", db, "--force"});
  EXPECT_EQ(r.code, pmapctl::kRefused);
  EXPECT_TRUE(has(r.err, "database itself")) << r.err;
  r = ctl({"export", "--db", db, "-o", db + "-wal", "--force"});
  EXPECT_EQ(r.code, pmapctl::kRefused);
  EXPECT_TRUE(has(r.err, "the database's wal file")) << r.err;
  r = ctl({"export", "--db", db, "--format", "csv", "-o", dir.file(""), "--force"});
  EXPECT_EQ(r.code, pmapctl::kRefused);
  EXPECT_TRUE(fs::exists(db));
}

// An export is health data: the JSON file is 0600 and the CSV directory 0700 whatever the umask.
TEST_F(DataExport, ExportsAreOwnerOnly) {
  const mode_t old_umask = ::umask(022);
  const std::string file = dir.file("private.json");
  ASSERT_EQ(ctl({"export", "--db", db, "-o", file}).code, pmapctl::kOk);
  EXPECT_EQ(fs::status(file).permissions() & fs::perms::all, fs::perms(0600));
  const std::string out = dir.file("private-csv");
  ASSERT_EQ(ctl({"export", "--db", db, "--format", "csv", "-o", out}).code, pmapctl::kOk);
  EXPECT_EQ(fs::status(out).permissions() & fs::perms::all, fs::perms(0700));
  ::umask(old_umask);
}

TEST_F(DataExport, UnwritablePathsAndAMissingDatabaseAreClearErrors) {
  diary::test::write_all(dir.file("plain"), "x");
  Result r = ctl({"export", "--db", db, "-o", dir.file("plain/inside.json")});
  EXPECT_EQ(r.code, pmapctl::kRefused);
  EXPECT_TRUE(has(r.err, "cannot write")) << r.err;
  r = ctl({"export", "--db", db, "--format", "csv", "-o", dir.file("plain/sub")});
  EXPECT_EQ(r.code, pmapctl::kRefused);
  EXPECT_TRUE(has(r.err, "refused: ")) << r.err;
  if (::geteuid() != 0) {  // root writes anywhere
    fs::create_directories(dir.file("ro"));
    fs::permissions(dir.file("ro"), fs::perms::owner_read | fs::perms::owner_exec);
    r = ctl({"export", "--db", db, "-o", dir.file("ro/x.json")});
    EXPECT_EQ(r.code, pmapctl::kRefused);
    fs::permissions(dir.file("ro"), fs::perms::owner_all);
  }
  r = ctl({"export", "--db", dir.file("missing.db")});
  EXPECT_EQ(r.code, pmapctl::kRefused);
  EXPECT_TRUE(has(r.err, "no database at")) << r.err;
  EXPECT_TRUE(r.out.empty());
  EXPECT_FALSE(fs::exists(dir.file("missing.db")));  // not created by looking
  EXPECT_EQ(ctl({"export", "--db", db, "--format", "xml"}).code, pmapctl::kUsage);
  EXPECT_EQ(ctl({"export", "--db", db, "--format", "csv"}).code, pmapctl::kUsage);
  EXPECT_EQ(ctl({"export", "--db", db, "--bogus"}).code, pmapctl::kUsage);

  // The program itself.
  const std::string bin = std::string(PMAP_TEST_BIN_DIR) + "/pmapctl";
  auto exit_of = [&](const std::string& args) {
    const int status = std::system((bin + " " + args + " >/dev/null 2>&1").c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  EXPECT_EQ(exit_of("export --db " + dir.file("missing.db")), 1);
  EXPECT_EQ(exit_of("export --db " + db), 0);
  EXPECT_EQ(exit_of("export --db " + db + " --format csv"), 2);
  EXPECT_EQ(exit_of("export --help"), 0);
}

TEST_F(DataExport, RawFramesOnlyWithRaw) {
  json j = export_json_doc({"--raw"});
  EXPECT_TRUE(j["raw_frames_included"].get<bool>());
  EXPECT_EQ(j["raw_frames"][0]["blob_base64"], base64_encode(blob));
  EXPECT_EQ(j["raw_frames"][0]["blob_base64"], "UE0A/xAgMA==");
  EXPECT_FALSE(export_json_doc()["raw_frames"][0].contains("blob_base64"));
  const std::string out = dir.file("csv");
  ASSERT_EQ(ctl({"export", "--db", db, "--format", "csv", "-o", out, "--raw"}).code, pmapctl::kOk);
  const auto rows = lines(read_all(out + "/raw_frames.csv"));
  EXPECT_EQ(rows[0], "id,mat_id,seq,ts_us,ts_utc,ts_local,bytes,blob_base64");
  EXPECT_TRUE(rows[1].ends_with(",7,UE0A/xAgMA==")) << rows[1];
  // Exporting leaves the archive as it was (the default StoreConfig).
  Store after(db);
  EXPECT_EQ(after.db().query_int("SELECT COUNT(*) FROM raw_frames"), 1);
}

TEST_F(DataExport, AfterForgetEveryTableIsEmpty) {
  ASSERT_EQ(ctl({"forget", "--db", db, "--yes"}).code, pmapctl::kOk);
  const json j = export_json_doc();
  for (const auto& table : Exporter::stored_tables()) {
    ASSERT_TRUE(j.contains(table)) << table;
    EXPECT_TRUE(j[table].empty()) << table;
  }
  EXPECT_TRUE(j["nights"].empty());
  EXPECT_TRUE(j["sitting_days"].empty());
  const std::string out = dir.file("csv");
  ASSERT_EQ(ctl({"export", "--db", db, "--format", "csv", "-o", out}).code, pmapctl::kOk);
  for (const auto& name : names_in(out)) {
    if (name == "export_info.csv") continue;
    EXPECT_EQ(lines(read_all(out + "/" + name)).size(), 1U) << name;  // the header only
  }
}

TEST_F(DataExport, TextThatIsNotUtf8IsReplacedInJsonAndKeptInCsv) {
  {
    Store store(db);
    WriteBatch b;
    b.mats.push_back(MatRecord{"bed1", "bed", 4, 3, 10.0, 12.5, "{}", "fw\xff\xfe-9", "{}",
                               at(2026, 11, 19, 20)});
    store.write(b);
  }
  const json j = export_json_doc();
  EXPECT_EQ(j["mats"][0]["firmware"], "fw\xEF\xBF\xBD\xEF\xBF\xBD-9");  // two U+FFFD
  const std::string out = dir.file("csv");
  ASSERT_EQ(ctl({"export", "--db", db, "--format", "csv", "-o", out}).code, pmapctl::kOk);
  EXPECT_TRUE(has(read_all(out + "/mats.csv"), ",fw\xff\xfe-9,"));
}

/// Counts rows per table; on the first pain entry, writes an epoch through another connection (as
/// the gateway would while an export runs).
class WritingSink final : public TableSink {
 public:
  explicit WritingSink(std::string db) : db_(std::move(db)) {}
  void begin_table(const TableLayout& layout) override { table_ = layout.name; }
  void row(const json&) override {
    ++rows[table_];
    if (table_ != "pain_entries" || wrote) return;
    StoreConfig quick;
    quick.busy_timeout_ms = 200;  // a blocked writer fails fast instead of waiting
    Store gateway(db_, quick);
    WriteBatch b;
    EpochDelta e;
    e.mat_id = "bed9";
    e.epoch_start_s = at(2026, 11, 20, 3) / 1'000'000;
    e.frames = 1;
    b.epochs.push_back(e);
    gateway.write(b);
    wrote = true;
  }
  void end_table() override {}
  void finish() override {}
  std::map<std::string, std::int64_t> rows;
  bool wrote = false;

 private:
  std::string db_;
  std::string table_;
};

TEST_F(DataExport, ReadsOneSnapshotWithoutBlockingTheGateway) {
  {
    Store store(db);
    Exporter exporter(store, TimeZone(kZone), ExportOptions{});
    WritingSink sink(db);
    const ExportCounts counts = exporter.write(sink);
    EXPECT_TRUE(sink.wrote);            // the write went through while the export was reading
    EXPECT_EQ(sink.rows["epochs"], 3);  // and the export did not see it
    EXPECT_EQ(counts.rows("epochs"), 3);
    EXPECT_EQ(sink.rows["mats"], 1);
  }
  EXPECT_EQ(export_json_doc()["epochs"].size(), 4U);
}

TEST_F(DataExport, ARedFlagInTheExportedEntriesRepeatsTheWarning) {
  // None yet: no warning.
  Result r = ctl({"export", "--db", db});
  EXPECT_FALSE(has(r.err, std::string(diary::kRedFlagWarning)));
  ASSERT_EQ(ctl({"pain", "add", "--db", db, "--back", "2", "--leg", "7", "--extent", "foot",
                 "--bladder-bowel", "yes", "--saddle-numbness", "no", "--leg-weakness", "no",
                 "--time", "2026-11-21T08:00"})
                .code,
            pmapctl::kRedFlag);
  r = ctl({"export", "--db", db});
  EXPECT_EQ(r.code, pmapctl::kOk);
  EXPECT_TRUE(has(r.err, std::string(diary::kRedFlagWarning))) << r.err;  // stdout: the JSON
  EXPECT_EQ(json::parse(r.out)["pain_entries"][1]["red_flag"], true);
  r = ctl({"export", "--db", db, "--format", "csv", "-o", dir.file("csv")});
  EXPECT_EQ(r.code, pmapctl::kOk);
  EXPECT_TRUE(has(r.out, "1 exported entries answered yes to a red-flag question"));
  EXPECT_TRUE(has(r.out, std::string(diary::kRedFlagWarning)));
  EXPECT_TRUE(has(read_all(dir.file("csv") + "/pain.csv"), ",foot,,yes,no,no,"));
  // Outside --from/--to it is not exported, and not repeated.
  r = ctl({"export", "--db", db, "--to", "2026-11-20"});
  EXPECT_FALSE(has(r.err, std::string(diary::kRedFlagWarning)));
}

TEST_F(DataExport, HelpDescribesTheOptions) {
  const Result r = ctl({"export", "--help"});
  EXPECT_EQ(r.code, pmapctl::kOk);
  for (const char* o : {"--format", "--output", "--from", "--to", "--raw", "--force", "--tz"})
    EXPECT_TRUE(has(r.out, o)) << o;
  EXPECT_TRUE(has(ctl({"--help"}).out, "[--raw]"));
}

// ------------------------------------------------------------------------------ streaming

/// Runs the built pmapctl with `args`; returns its peak resident set in KiB (−1 on failure).
long peak_rss_kib_of_program(const std::vector<std::string>& args) {
  const std::string bin = std::string(PMAP_TEST_BIN_DIR) + "/pmapctl";
  std::vector<std::string> all = {bin};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int null_fd = ::open("/dev/null", O_WRONLY);
    if (null_fd >= 0) ::dup2(null_fd, STDOUT_FILENO);
    ::execv(bin.c_str(), argv.data());
    ::_exit(127);
  }
  if (pid < 0) return -1;
  int status = 0;
  rusage usage{};
  if (::wait4(pid, &status, 0, &usage) != pid) return -1;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return -1;
  return usage.ru_maxrss;
}

void fill_epochs(const std::string& path, int count) {
  Store store(path);
  const std::int64_t start = at(2026, 1, 1, 0) / 1'000'000;
  for (int done = 0; done < count;) {
    WriteBatch b;
    for (int i = 0; i < 10'000 && done < count; ++i, ++done) {
      EpochDelta e;
      e.mat_id = "bed1";
      e.epoch_start_s = start + 5 * std::int64_t{done};
      e.frames = 5;
      e.occupied_frames = done % 6;
      e.load_raw_sum = 1000.0 + done;
      e.load_raw_max = 300;
      e.force_n_sum = 0.25 * done;
      e.contact_area_cm2_sum = 2000;
      e.cop_row_sum = 31.5;
      e.cop_col_sum = 15.5;
      e.movement_sum = 0.01 * (done % 7);
      e.first_seq = 5 * std::int64_t{done};
      e.last_seq = 5 * std::int64_t{done} + 4;
      e.last_ts_us = e.epoch_start_s * 1'000'000;
      b.epochs.push_back(e);
    }
    store.write(b);
  }
}

TEST(DataExportStreaming, AHundredThousandEpochsExportWithBoundedMemory) {
  TempDir dir;
  const std::string small = dir.file("small.db");
  const std::string large = dir.file("large.db");
  fill_epochs(small, 10'000);
  fill_epochs(large, 100'000);
  for (const std::string format : {"json", "csv"}) {
    const std::string small_out = dir.file("small." + format);
    const std::string large_out = dir.file("large." + format);
    const long small_kib = peak_rss_kib_of_program(
        {"export", "--db", small, "--tz", kZone, "--format", format, "-o", small_out});
    const long large_kib = peak_rss_kib_of_program(
        {"export", "--db", large, "--tz", kZone, "--format", format, "-o", large_out});
    ASSERT_GT(small_kib, 0) << format;
    ASSERT_GT(large_kib, 0) << format;
    const auto size_of = [&](const std::string& p) -> std::uintmax_t {
      if (fs::is_regular_file(p)) return fs::file_size(p);
      return fs::file_size(p + "/epochs.csv");
    };
    const double grew_mib =
        static_cast<double>(size_of(large_out) - size_of(small_out)) / 1048576.0;
    const double rss_grew_mib = static_cast<double>(large_kib - small_kib) / 1024.0;
    std::cout << "[ measured ] " << format << ": output +" << grew_mib << " MiB for 90 000 more "
              << "epochs, peak RSS " << small_kib / 1024 << " -> " << large_kib / 1024 << " MiB\n";
    // Held in memory, 90 000 more rows would cost far more than the text they make.
    EXPECT_GT(grew_mib, 8.0) << format;
    EXPECT_LT(rss_grew_mib, 8.0) << format;
  }
  const auto rows = lines(read_all(dir.file("large.csv") + "/epochs.csv"));
  ASSERT_EQ(rows.size(), 100'001U);
  EXPECT_TRUE(rows.back().starts_with("bed1,")) << rows.back();
  // Counted by lines (one row a line) rather than parsed: the test need not hold it either.
  const auto json_lines = lines(read_all(dir.file("large.json")));
  const auto begin = std::find(json_lines.begin(), json_lines.end(), "  \"epochs\": [");
  ASSERT_NE(begin, json_lines.end());
  const auto end = std::find(begin, json_lines.end(), "  ],");
  EXPECT_EQ(end - begin - 1, 100'000);
}

}  // namespace
}  // namespace pmap::data_export
