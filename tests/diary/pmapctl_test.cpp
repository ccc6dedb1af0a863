// pmapctl in-process (pmap::pmapctl::run) and, for the exit status, as the built program.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <sstream>

#include <nlohmann/json.hpp>

#include "diary_test_util.hpp"
#include "pmapctl_run.hpp"
#include "pmap/diary/red_flags.hpp"
#include "pmap/pmapctl.hpp"
#include "pmap/store.hpp"

namespace pmap::pmapctl {
namespace {

using diary::test::TempDir;
using nlohmann::json;

using Result = test::CtlResult;
using test::ctl;
using test::has;

class Pmapctl : public ::testing::Test {
 protected:
  TempDir dir;
  std::string db = dir.file("p.db");

  Result add(std::vector<std::string> extra) {
    std::vector<std::string> args = {"pain", "add", "--db", db, "--tz", "Europe/London"};
    args.insert(args.end(), extra.begin(), extra.end());
    return ctl(args);
  }
  static std::vector<std::string> no_flags() {
    return {"--bladder-bowel", "no", "--saddle-numbness", "no", "--leg-weakness", "no"};
  }
  Result add_ok(const std::string& time, const std::string& extent, int back, int leg) {
    auto a = no_flags();
    for (const std::string s : {"--time", time.c_str(), "--extent", extent.c_str()}) a.push_back(s);
    a.insert(a.end(), {"--back", std::to_string(back), "--leg", std::to_string(leg)});
    return add(a);
  }
};

TEST_F(Pmapctl, PainAddStoresAnEntry) {
  auto r = add({"--time", "2026-11-20T07:30", "--back", "3", "--leg", "6", "--extent", "calf",
                "--tags", "on_waking,at_night", "--note", "stiff", "--bladder-bowel", "no",
                "--saddle-numbness", "no", "--leg-weakness", "no"});
  EXPECT_EQ(r.code, kOk) << r.err;
  EXPECT_TRUE(has(r.out, "stored pain entry 1 at 2026-11-20T07:30:00+00:00 (Europe/London)"))
      << r.out;
  EXPECT_FALSE(has(r.out + r.err, "EMERGENCY"));
  r = ctl({"pain", "list", "--db", db, "--json", "--tz", "UTC"});
  ASSERT_EQ(r.code, kOk) << r.err;
  const auto j = json::parse(r.out);
  ASSERT_EQ(j.size(), 1U);
  EXPECT_EQ(j[0]["leg_pain"], 6);
  EXPECT_EQ(j[0]["extent"], "calf");
  EXPECT_EQ(j[0]["tags"], json({"on_waking", "at_night"}));
  EXPECT_EQ(j[0]["tz"], "Europe/London");
  EXPECT_EQ(j[0]["red_flag_warning_shown"], false);
}

TEST_F(Pmapctl, RedFlagYesPrintsTheWarningOnBothStreamsStoresItAndExits3) {
  auto r = add({"--back", "5", "--leg", "8", "--extent", "foot", "--bladder-bowel", "no",
                "--saddle-numbness", "YES", "--leg-weakness", "no"});
  EXPECT_EQ(r.code, kRedFlag);
  EXPECT_TRUE(has(r.out, std::string(diary::kRedFlagWarning))) << r.out;
  EXPECT_TRUE(has(r.err, std::string(diary::kRedFlagWarning))) << r.err;
  EXPECT_TRUE(has(r.out, "stored pain entry 1"));
  Store store(db);
  EXPECT_EQ(store.db().query_int("SELECT saddle_numbness FROM pain_entries"), 1);
  EXPECT_EQ(store.db().query_int("SELECT red_flag_warning_shown FROM pain_entries"), 1);
  // The listing and the trend repeat it; with --json on stderr, so stdout stays JSON.
  r = ctl({"pain", "list", "--db", db});
  EXPECT_EQ(r.code, kOk);
  EXPECT_TRUE(has(r.out, "SEEK EMERGENCY CARE NOW"));
  r = ctl({"pain", "list", "--db", db, "--json"});
  EXPECT_TRUE(json::parse(r.out)[0]["red_flags"]["saddle_numbness"].get<bool>());
  EXPECT_TRUE(has(r.err, "SEEK EMERGENCY CARE NOW"));
  r = ctl({"pain", "trend", "--db", db, "--json"});
  ASSERT_EQ(r.code, kOk) << r.err;
  const auto j = json::parse(r.out);
  EXPECT_EQ(j["red_flag_in_window"], true);
  EXPECT_EQ(j["red_flag_warning"], std::string(diary::kRedFlagWarning));
  EXPECT_TRUE(has(r.err, "SEEK EMERGENCY CARE NOW"));
  r = ctl({"pain", "trend", "--db", db});
  EXPECT_TRUE(has(r.out, "SEEK EMERGENCY CARE NOW"));
}

TEST_F(Pmapctl, MissingRedFlagAnswersAreACommandLineErrorAndStoreNothing) {
  auto r = add({"--back", "3", "--leg", "6", "--extent", "calf", "--bladder-bowel", "no",
                "--leg-weakness", "no"});
  EXPECT_EQ(r.code, kUsage);
  EXPECT_TRUE(has(r.err, "--saddle-numbness is required")) << r.err;
  EXPECT_TRUE(has(r.err, "red-flag questions must be answered")) << r.err;
  EXPECT_FALSE(std::filesystem::exists(db));  // not even created
}

TEST_F(Pmapctl, ExitCodesForBadInputAndBadCommandLines) {
  auto base = no_flags();
  auto with = [&](std::vector<std::string> extra) {
    auto a = base;
    a.insert(a.end(), extra.begin(), extra.end());
    return add(a);
  };
  // Refused (1): well-formed but invalid.
  for (const auto& bad : std::vector<std::vector<std::string>>{
           {"--back", "11", "--leg", "1", "--extent", "calf"},
           {"--back", "1", "--leg", "-1", "--extent", "calf"},
           {"--back", "1", "--leg", "1", "--extent", "ankle"},
           {"--back", "1", "--leg", "1", "--extent", "calf", "--tags", "gardening"},
           {"--back", "1", "--leg", "1", "--extent", "calf", "--time", "2026-13-01T08:00"},
           {"--back", "1", "--leg", "1", "--extent", "calf", "--time", "2030-01-01T08:00"},
           {"--back", "1", "--leg", "1", "--extent", "calf", "--time", "2026-03-29T01:30"},
           {"--back", "1", "--leg", "1", "--extent", "calf", "--note", std::string(1001, 'x')}}) {
    const auto r = with(bad);
    EXPECT_EQ(r.code, kRefused) << bad[1] << ' ' << bad[3] << ' ' << r.err;
    EXPECT_TRUE(has(r.err, "refused")) << r.err;
  }
  EXPECT_EQ(
      ctl({"pain", "add", "--db", db, "--tz", "Moon/Base", "--back", "1", "--leg", "1", "--extent",
           "calf", "--bladder-bowel", "no", "--saddle-numbness", "no", "--leg-weakness", "no"})
          .code,
      kRefused);
  auto r = with({"--back", "1", "--leg", "1", "--extent", "calf", "--bladder-bowel", "perhaps"});
  EXPECT_EQ(r.code, kUsage);  // given twice: a command line error
  auto a = base;
  a[1] = "perhaps";
  a.insert(a.end(), {"--back", "1", "--leg", "1", "--extent", "calf"});
  r = add(a);
  EXPECT_EQ(r.code, kRefused);
  EXPECT_TRUE(has(r.err, "bladder-bowel: 'perhaps' is not yes or no")) << r.err;
  // Bad command lines (2).
  EXPECT_EQ(with({"--back", "x", "--leg", "1", "--extent", "calf"}).code, kUsage);
  EXPECT_EQ(with({"--leg", "1", "--extent", "calf"}).code, kUsage);  // --back missing
  EXPECT_EQ(with({"--back", "1", "--leg", "1", "--extent", "calf", "--colour", "red"}).code,
            kUsage);
  EXPECT_EQ(ctl({}).code, kUsage);
  EXPECT_EQ(ctl({"pain"}).code, kUsage);
  EXPECT_EQ(ctl({"pain", "remove"}).code, kUsage);
  EXPECT_EQ(ctl({"nights"}).code, kUsage);        // not this tool's yet
  EXPECT_EQ(ctl({"pain", "list"}).code, kUsage);  // no --db
  EXPECT_EQ(ctl({"export", "--db", db, "--format", "xml"}).code, kUsage);
  EXPECT_EQ(ctl({"export", "--db", db, "--format", "csv"}).code, kUsage);  // needs -o DIR
  // Reading a database that does not exist is refused, and does not create it.
  EXPECT_EQ(ctl({"pain", "list", "--db", db}).code, kRefused);
  EXPECT_FALSE(std::filesystem::exists(db));
}

TEST_F(Pmapctl, EverySubcommandHasHelp) {
  EXPECT_EQ(ctl({"--help"}).code, kOk);
  EXPECT_TRUE(has(ctl({"--help"}).out, "Exit codes"));
  for (const auto& cmd : std::vector<std::vector<std::string>>{{"pain", "add"},
                                                               {"pain", "list"},
                                                               {"pain", "trend"},
                                                               {"test", "add"},
                                                               {"test", "summary"},
                                                               {"setup", "add"},
                                                               {"setup", "use"},
                                                               {"setup", "list"},
                                                               {"setup", "show"},
                                                               {"import"},
                                                               {"export"},
                                                               {"forget"}}) {
    auto args = cmd;
    args.push_back("--help");
    const auto r = ctl(args);
    EXPECT_EQ(r.code, kOk) << cmd[0];
    EXPECT_TRUE(has(r.out, "pmapctl " + cmd[0])) << r.out;
    EXPECT_TRUE(has(r.out, "--db")) << r.out;
  }
  EXPECT_TRUE(has(ctl({"pain", "add", "--help"}).out, "--saddle-numbness"));
}

TEST_F(Pmapctl, TrendReportsCentralizationAndTheTwoWeekRule) {
  // 14 days, the daily extent falling from foot to back; pain hardly better than two weeks ago.
  const std::vector<std::string> extents = {"foot",    "foot",    "calf",  "calf",  "calf",
                                            "knee",    "knee",    "thigh", "thigh", "thigh",
                                            "buttock", "buttock", "back",  "back"};
  for (int d = 0; d < 14; ++d) {
    const std::string day =
        std::string("2026-11-") + (d + 1 < 10 ? "0" : "") + std::to_string(d + 1);
    ASSERT_EQ(add_ok(day + "T08:00", extents[static_cast<std::size_t>(d)], 4, 6).code, kOk);
  }
  auto r =
      ctl({"pain", "trend", "--db", db, "--tz", "Europe/London", "--to", "2026-11-14", "--json"});
  ASSERT_EQ(r.code, kOk) << r.err;
  const auto j = json::parse(r.out);
  EXPECT_EQ(j["centralization"]["trend"], "centralizing");
  EXPECT_EQ(j["centralization"]["days_with_entries"], 14);
  EXPECT_DOUBLE_EQ(j["centralization"]["kendall_s"].get<double>(), -81);
  EXPECT_NEAR(j["centralization"]["p_value"].get<double>(), 8.3534e-6, 1e-8);
  // Two-week rule to 14 Nov: baseline 29 Oct-1 Nov (1 Nov, worst 6), recent 12-14 Nov (worst 6).
  EXPECT_EQ(j["two_week_rule"]["enough_data"], true);
  EXPECT_DOUBLE_EQ(j["two_week_rule"]["baseline_mean_worst_pain"].get<double>(), 6);
  EXPECT_DOUBLE_EQ(j["two_week_rule"]["change"].get<double>(), 0);
  EXPECT_EQ(j["two_week_rule"]["not_better"], true);
  EXPECT_EQ(j["two_week_rule"]["advice"],
            "Your pain is not better after two weeks: see a physiotherapist or doctor.");
  EXPECT_EQ(j["red_flag_in_window"], false);
  r = ctl({"pain", "trend", "--db", db, "--tz", "Europe/London", "--to", "2026-11-15"});
  EXPECT_EQ(r.code, kOk);
  EXPECT_TRUE(has(r.out, "centralizing"));
  EXPECT_TRUE(has(r.out, "Mann-Kendall S -")) << r.out;
  // To 17 Nov: no entries in the last three days, so the rule cannot say anything.
  r = ctl({"pain", "trend", "--db", db, "--tz", "Europe/London", "--to", "2026-11-17", "--json"});
  const auto k = json::parse(r.out);
  EXPECT_EQ(k["two_week_rule"]["enough_data"], false);
  EXPECT_EQ(k["two_week_rule"]["not_better"], false);
  EXPECT_TRUE(k["two_week_rule"]["advice"].is_null());
  EXPECT_EQ(ctl({"pain", "trend", "--db", db, "--days", "1"}).code, kRefused);
  EXPECT_EQ(ctl({"pain", "trend", "--db", db, "--days", "many"}).code, kUsage);
  // --from/--to by local day.
  r = ctl({"pain", "list", "--db", db, "--tz", "Europe/London", "--from", "2026-11-03", "--to",
           "2026-11-04", "--json"});
  EXPECT_EQ(json::parse(r.out).size(), 2U);
  EXPECT_EQ(ctl({"pain", "list", "--db", db, "--from", "2026-11-05", "--to", "2026-11-04"}).code,
            kRefused);
}

TEST_F(Pmapctl, MovementTestsAndTheirSummary) {
  for (int i = 0; i < 5; ++i) {
    const auto r = ctl({"test", "add", "--db", db, "--direction", "extension", "--extent-before",
                        "calf", "--extent-after", "thigh", "--leg-before", "6", "--leg-after", "4",
                        "--reps", "10", "--time", "2026-11-2" + std::to_string(i) + "T09:00"});
    ASSERT_EQ(r.code, kOk) << r.err;
    EXPECT_TRUE(has(r.out, "(centralized)"));
  }
  ASSERT_EQ(ctl({"test", "add", "--db", db, "--direction", "flexion", "--extent-before", "thigh",
                 "--extent-after", "foot", "--leg-before", "4", "--leg-after", "7"})
                .code,
            kOk);
  EXPECT_EQ(ctl({"test", "add", "--db", db, "--direction", "twist", "--extent-before", "thigh",
                 "--extent-after", "foot", "--leg-before", "4", "--leg-after", "7"})
                .code,
            kRefused);
  EXPECT_EQ(ctl({"test", "add", "--db", db, "--direction", "flexion", "--extent-before", "thigh",
                 "--leg-before", "4", "--leg-after", "7"})
                .code,
            kUsage);
  auto r = ctl({"test", "summary", "--db", db, "--json"});
  ASSERT_EQ(r.code, kOk);
  const auto j = json::parse(r.out);
  EXPECT_EQ(j["preferred"], "extension");
  EXPECT_EQ(j["directions"][0]["n"], 5);
  EXPECT_EQ(j["directions"][0]["centralized"], 5);
  EXPECT_NEAR(j["directions"][0]["sign_test_p"].get<double>(), 0.03125, 1e-12);
  EXPECT_EQ(j["directions"][1]["peripheralized"], 1);
  r = ctl({"test", "summary", "--db", db});
  EXPECT_TRUE(has(r.out, "Directional preference: extension")) << r.out;
}

TEST_F(Pmapctl, SetupsSwitchAndAnswerWhichWasInUse) {
  EXPECT_EQ(
      ctl({"setup", "add", "thin", "--db", db, "--knee-pillow", "thin", "--head-pillow", "low"})
          .code,
      kOk);
  EXPECT_EQ(ctl({"setup", "add", "body", "--db", db, "--knee-pillow", "body", "--under-knees",
                 "yes", "--head-pillow", "12cm", "--topper", "yes", "--note", "new pillow"})
                .code,
            kOk);
  EXPECT_EQ(ctl({"setup", "add", "body", "--db", db}).code, kRefused);  // exists
  EXPECT_EQ(ctl({"setup", "add", "x y", "--db", db}).code, kRefused);
  EXPECT_EQ(ctl({"setup", "add", "big", "--db", db, "--knee-pillow", "huge"}).code, kRefused);
  EXPECT_EQ(ctl({"setup", "add", "--db", db}).code, kUsage);  // no name
  EXPECT_EQ(ctl({"setup", "use", "nope", "--db", db}).code, kRefused);
  const std::vector<std::string> tz = {"--tz", "Europe/London"};
  auto use = [&](const std::string& name, const std::string& from) {
    std::vector<std::string> a = {"setup", "use", name, "--db", db, "--from", from};
    a.insert(a.end(), tz.begin(), tz.end());
    return ctl(a);
  };
  ASSERT_EQ(use("thin", "2026-11-01T21:00").code, kOk);
  ASSERT_EQ(use("body", "2026-11-10T22:30").code, kOk);
  auto show = [&](std::vector<std::string> extra) {
    std::vector<std::string> a = {"setup", "show", "--db", db, "--json"};
    a.insert(a.end(), tz.begin(), tz.end());
    a.insert(a.end(), extra.begin(), extra.end());
    return ctl(a);
  };
  auto r = show({"--night", "2026-11-10"});
  ASSERT_EQ(r.code, kOk) << r.err;
  EXPECT_EQ(json::parse(r.out)["name"], "thin");
  r = show({"--night", "2026-11-11"});
  EXPECT_EQ(json::parse(r.out)["name"], "body");
  EXPECT_EQ(json::parse(r.out)["head_pillow"], "12cm");
  r = show({"--at", "2026-11-01T20:00"});
  EXPECT_TRUE(json::parse(r.out)["setup"].is_null());
  r = show({"thin"});
  const auto j = json::parse(r.out);
  ASSERT_EQ(j["in_use"].size(), 1U);
  EXPECT_EQ(j["in_use"][0]["from"], "2026-11-01T21:00:00+00:00");
  EXPECT_EQ(j["in_use"][0]["to"], "2026-11-10T22:30:00+00:00");
  EXPECT_EQ(show({"thin", "--night", "2026-11-10"}).code, kUsage);  // one question at a time
  EXPECT_EQ(show({"--night", "2026-11-31"}).code, kRefused);
  r = ctl({"setup", "list", "--db", db});
  EXPECT_TRUE(has(r.out, "* body")) << r.out;
  EXPECT_TRUE(has(r.out, "2 setups"));
}

TEST_F(Pmapctl, ImportIsAllOrNothingAndNamesLineAndField) {
  const std::string header =
      "time,tz,back_pain,leg_pain,extent,tags,bladder_bowel,saddle_numbness,leg_weakness,note\n";
  const std::string csv = dir.file("in.csv");
  diary::test::write_all(csv, header + "2026-11-20T07:30,UTC,3,6,calf,on_waking,no,no,no,a\n" +
                                  "2026-11-20T19:30,UTC,3,6,calf,,no,no,no,b\n" +
                                  "2026-11-21T07:30,UTC,3,6,shin,,no,no,no,c\n");
  auto r = ctl({"import", "--db", db, "--csv", csv});
  EXPECT_EQ(r.code, kRefused);
  EXPECT_TRUE(has(r.err, "line 4: extent: 'shin' is not one of")) << r.err;
  EXPECT_FALSE(std::filesystem::exists(db));  // refused before anything was opened or created
  ASSERT_EQ(add_ok("2026-11-19T08:00", "back", 1, 1).code, kOk);
  EXPECT_EQ(ctl({"import", "--db", db, "--csv", csv}).code, kRefused);
  EXPECT_EQ(json::parse(ctl({"pain", "list", "--db", db, "--json"}).out).size(), 1U);
  diary::test::write_all(csv, header + "2026-11-20T07:30,UTC,3,6,calf,on_waking,no,no,no,a\n" +
                                  "2026-11-21T07:30,UTC,3,6,calf,,yes,no,no,c\n");
  r = ctl({"import", "--db", db, "--csv", csv});
  EXPECT_EQ(r.code, kRedFlag);
  EXPECT_TRUE(has(r.out, "imported 2 entries")) << r.out;
  EXPECT_TRUE(has(r.err, std::string(diary::kRedFlagWarning)));
  EXPECT_EQ(json::parse(ctl({"pain", "list", "--db", db, "--json"}).out).size(), 3U);
  EXPECT_EQ(ctl({"import", "--db", db, "--csv", dir.file("missing.csv")}).code, kRefused);
  EXPECT_EQ(ctl({"import", "--db", db}).code, kUsage);
}

TEST_F(Pmapctl, ExportThenImportRoundTrips) {
  ASSERT_EQ(add_ok("2026-07-01T08:00", "knee", 2, 5).code, kOk);
  ASSERT_EQ(add({"--time", "2026-11-20T08:00", "--back", "1", "--leg", "3", "--extent", "thigh",
                 "--note", "comma, \"quote\"", "--tags", "after_walking", "--bladder-bowel", "no",
                 "--saddle-numbness", "no", "--leg-weakness", "no"})
                .code,
            kOk);
  ASSERT_EQ(ctl({"setup", "add", "s1", "--db", db}).code, kOk);
  ASSERT_EQ(ctl({"setup", "use", "s1", "--db", db, "--from", "2026-11-01T20:00"}).code, kOk);
  ASSERT_EQ(ctl({"test", "add", "--db", db, "--direction", "side_glide", "--extent-before", "calf",
                 "--extent-after", "calf", "--leg-before", "5", "--leg-after", "5"})
                .code,
            kOk);
  auto r = ctl({"export", "--db", db});
  ASSERT_EQ(r.code, kOk) << r.err;
  const auto j = json::parse(r.out);
  EXPECT_EQ(j["format"], "pmapctl-export");
  EXPECT_EQ(j["pain_entries"].size(), 2U);
  EXPECT_EQ(j["movement_tests"].size(), 1U);
  EXPECT_EQ(j["pillow_setups"].size(), 1U);
  EXPECT_EQ(j["setup_switches"].size(), 1U);
  const std::string out_dir = dir.file("export");
  r = ctl({"export", "--db", db, "--format", "csv", "-o", out_dir});
  ASSERT_EQ(r.code, kOk) << r.err;
  for (const char* f :
       {"pain.csv", "movement_tests.csv", "pillow_setups.csv", "setup_switches.csv"}) {
    EXPECT_TRUE(std::filesystem::exists(out_dir + "/" + f)) << f;
  }
  const std::string db2 = dir.file("copy.db");
  r = ctl({"import", "--db", db2, "--csv", out_dir + "/pain.csv"});
  ASSERT_EQ(r.code, kOk) << r.err;
  auto a = json::parse(ctl({"pain", "list", "--db", db, "--json"}).out);
  auto b = json::parse(ctl({"pain", "list", "--db", db2, "--json"}).out);
  EXPECT_EQ(a, b);
  r = ctl({"export", "--db", db, "-o", dir.file("all.json")});
  EXPECT_EQ(r.code, kOk);
  EXPECT_EQ(json::parse(diary::test::read_all(dir.file("all.json")))["pain_entries"],
            j["pain_entries"]);
}

TEST_F(Pmapctl, ForgetNeedsConfirmation) {
  ASSERT_EQ(add_ok("2026-11-20T08:00", "calf", 3, 6).code, kOk);
  auto r = ctl({"forget", "--db", db}, "no\n");
  EXPECT_EQ(r.code, kRefused);
  EXPECT_TRUE(has(r.out, "Type 'forget' to confirm"));
  EXPECT_TRUE(has(r.err, "nothing was deleted"));
  EXPECT_EQ(json::parse(ctl({"pain", "list", "--db", db, "--json"}).out).size(), 1U);
  r = ctl({"forget", "--db", db}, "");  // end of input is not a yes
  EXPECT_EQ(r.code, kRefused);
  r = ctl({"forget", "--db", db}, "forget\n");
  EXPECT_EQ(r.code, kOk) << r.err;
  EXPECT_TRUE(has(r.out, "pain_entries=1")) << r.out;
  EXPECT_EQ(json::parse(ctl({"pain", "list", "--db", db, "--json"}).out).size(), 0U);
  ASSERT_EQ(add_ok("2026-11-20T08:00", "calf", 3, 6).code, kOk);
  r = ctl({"forget", "--db", db, "--yes"});
  EXPECT_EQ(r.code, kOk);
  EXPECT_EQ(json::parse(ctl({"pain", "list", "--db", db, "--json"}).out).size(), 0U);
  EXPECT_EQ(ctl({"forget", "--db", dir.file("none.db"), "--yes"}).code, kRefused);
}

TEST_F(Pmapctl, OpeningTheGatewaysDatabaseKeepsItsRawFrameArchive) {
  {
    StoreConfig config;
    config.raw_archive_max_bytes = 1 << 20;
    Store gateway(db, config);
    WriteBatch b;
    b.raw_frames.push_back(RawFrameRecord{"bed1", 1, 1'000'000, std::vector<std::uint8_t>(64, 7)});
    gateway.write(b);
  }
  ASSERT_EQ(add_ok("2026-11-20T08:00", "calf", 3, 6).code, kOk);
  ASSERT_EQ(ctl({"export", "--db", db}).code, kOk);
  Store after(db, StoreConfig{1 << 20, 5000});
  EXPECT_EQ(after.db().query_int("SELECT COUNT(*) FROM raw_frames"), 1);
  // forget, of course, deletes it.
  ASSERT_EQ(ctl({"forget", "--db", db, "--yes"}).code, kOk);
  EXPECT_EQ(after.db().query_int("SELECT COUNT(*) FROM raw_frames"), 0);
}

int program_exit(const std::string& args) {
  const std::string cmd = std::string(PMAP_TEST_BIN_DIR) + "/pmapctl " + args + " >/dev/null 2>&1";
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST_F(Pmapctl, TheProgramReturnsTheDocumentedExitCodes) {
  EXPECT_EQ(program_exit("--help"), 0);
  EXPECT_EQ(program_exit("pain add --help"), 0);
  EXPECT_EQ(program_exit("pain add --db " + db + " --back 1 --leg 1 --extent calf"), 2);
  EXPECT_EQ(program_exit("pain add --db " + db +
                         " --back 1 --leg 1 --extent calf --bladder-bowel no "
                         "--saddle-numbness no --leg-weakness no --time 2026-11-20T08:00"),
            0);
  EXPECT_EQ(program_exit("pain add --db " + db +
                         " --back 1 --leg 12 --extent calf --bladder-bowel no "
                         "--saddle-numbness no --leg-weakness no"),
            1);
  EXPECT_EQ(program_exit("pain add --db " + db +
                         " --back 1 --leg 1 --extent calf --bladder-bowel yes "
                         "--saddle-numbness no --leg-weakness no"),
            3);
  EXPECT_EQ(program_exit("forget --db " + db + " </dev/null"), 1);
  EXPECT_EQ(program_exit("forget --db " + db + " --yes"), 0);
}

}  // namespace
}  // namespace pmap::pmapctl
