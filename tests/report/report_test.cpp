// The morning report from real SQLite files: exact numbers of every section, the red-flag banner,
// a planted posture <-> pain effect claimed end to end, pillow-setup advice, DST and empty nights,
// the HTML form and `pmapctl report`.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <random>
#include <sstream>

#include "pmap/category_colours.hpp"
#include "pmap/pmapctl.hpp"
#include "pmap/report/report_builder.hpp"
#include "pmap/report/report_error.hpp"
#include "pmap/report/report_html.hpp"
#include "report_fixture.hpp"

namespace pmap::report {
namespace {

using diary::ContextTag;
using diary::Extent;
using nlohmann::json;
using testing::date;
using testing::kMinUs;
using testing::ReportStore;

const json* find_item(const json& items, const std::string& key, const std::string& value) {
  for (const auto& i : items)
    if (i.value(key, "") == value) return &i;
  return nullptr;
}

const json& association(const json& report, const std::string& metric, const std::string& outcome) {
  for (const auto& a : report["associations"]["items"])
    if (a["metric"] == metric && a["outcome"] == outcome) return a;
  throw std::runtime_error("no association " + metric + " / " + outcome);
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(ReportBuilder, LastNightYesterdaysSittingAndGuidanceWithExactNumbers) {
  ReportStore s;
  const auto day = date(2026, 11, 20);
  s.night(day, 45);
  s.sitting(day - std::chrono::days(1), 70);
  s.write();
  s.pain(s.at(day, 7, 30), 4, 6, Extent::kCalf, {ContextTag::kOnWaking});
  const json r = ReportBuilder(s.store_, s.zone_).build(day, s.at(day, 8));

  EXPECT_EQ(r["format"], "pmap-report");
  EXPECT_EQ(r["format_version"], 1);
  EXPECT_EQ(r["date"], "2026-11-20");
  EXPECT_EQ(r["tz"], "Europe/Berlin");
  EXPECT_EQ(r["mats"]["bed"], "bed1");
  EXPECT_EQ(r["mats"]["chair"], "chair1");
  EXPECT_FALSE(r["red_flag"]["active"]);
  EXPECT_EQ(r["disclaimer"], std::string(kDisclaimer));

  const json& n = r["last_night"];
  ASSERT_TRUE(n.is_object());
  EXPECT_EQ(n["time_in_bed_s"], 8 * 3600);
  EXPECT_EQ(n["position_s"]["supine"], 4 * 3600);
  EXPECT_EQ(n["position_s"]["left"], 4 * 3600);
  EXPECT_EQ(n["side_knee_dropped_s"], 45 * 60);
  EXPECT_EQ(n["side_knee_aligned_s"], 4 * 3600 - 45 * 60);
  EXPECT_EQ(n["pillow_slips"], 1);
  EXPECT_EQ(n["supine_knees_flat_s"], 3600);
  // 00:00 … 06:00: seven whole local hours inside 23:00-07:00.
  ASSERT_EQ(n["hour_ticks"].size(), 7U);
  EXPECT_EQ(n["hour_ticks"][0]["label"], "00:00");
  EXPECT_EQ(n["hour_ticks"][6]["label"], "06:00");
  ASSERT_EQ(n["pillow_events"].size(), 2U);
  EXPECT_EQ(n["pillow_events"][0]["event"], "slipped");
  EXPECT_EQ(n["pillow_events"][0]["time"], "2026-11-20T02:00:00+01:00");
  EXPECT_EQ(n["pillow_events"][1]["event"], "back_in_place");
  EXPECT_EQ(n["pillow_events"][1]["time"], "2026-11-20T02:45:00+01:00");
  EXPECT_EQ(n["sentences"][0], "You were in bed for 8 h (23:00 to 07:00), without getting up.");
  EXPECT_EQ(n["sentences"][2],
            "On your side, the knee pillow was between your knees for 3 h 15 min and not for "
            "45 min; it slipped once.");

  const json& sit = r["yesterday_sitting"];
  ASSERT_TRUE(sit.is_object());
  EXPECT_EQ(sit["date"], "2026-11-19");
  EXPECT_EQ(sit["sitting_s"], 130 * 60);
  EXPECT_EQ(sit["bouts"], 2);
  EXPECT_EQ(sit["longest_bout_s"], 70 * 60);
  EXPECT_EQ(sit["bouts_over_limit"], 2);  // 70 and 60 min, both over 45
  EXPECT_EQ(sit["sentences"][0],
            "You sat for 2 h 10 min in 2 bouts; the longest lasted 1 h 10 min.");

  ASSERT_EQ(r["pain"]["today"].size(), 1U);
  EXPECT_EQ(r["pain"]["today"][0]["leg_pain"], 6);
  EXPECT_EQ(r["pain"]["centralization"]["trend"], "not_enough_data");
  EXPECT_EQ(r["trends"]["daily"].size(), 1U);
  EXPECT_EQ(r["trends"]["daily"][0]["worst_extent"], "calf");
  EXPECT_EQ(r["trends"]["back_14"]["n"], 1);
  EXPECT_EQ(r["trends"]["nights"].size(), 1U);

  // Guidance: 45 min unaligned side-lying, 60 min flat supine, a bout over 45 min; one slip is not
  // enough for the pillow advice.
  const json& g = r["guidance"];
  EXPECT_NE(find_item(g, "id", "side_knee_pillow"), nullptr);
  EXPECT_NE(find_item(g, "id", "supine_knee_support"), nullptr);
  EXPECT_NE(find_item(g, "id", "break_up_sitting"), nullptr);
  EXPECT_EQ(find_item(g, "id", "pillow_slips"), nullptr);
  EXPECT_EQ(find_item(g, "id", "wallet"), nullptr);
  EXPECT_EQ(find_item(g, "id", "red_flag_emergency"), nullptr);
  EXPECT_EQ(find_item(g, "id", "side_knee_pillow")
                ->at("text")
                .get<std::string>()
                .rfind("You lay on your side for 45 min without a pillow", 0),
            0U);

  // One day cannot test anything; every pair is listed, none claimed.
  EXPECT_EQ(r["associations"]["tested"], 0);
  EXPECT_EQ(r["associations"]["claimed"], 0);
  for (const auto& a : r["associations"]["items"]) {
    for (const char* key : {"metric", "outcome", "effect", "ci_low", "ci_high", "n", "claimed"})
      EXPECT_TRUE(a.contains(key)) << key;
  }
  // Night measures are only paired with the morning's pain.
  for (const auto& a : r["associations"]["items"]) {
    if (a["metric"] == "side_unaligned_min") {
      EXPECT_TRUE(a["outcome"] == "morning_back_pain" || a["outcome"] == "morning_leg_pain");
    }
  }
}

TEST(ReportBuilder, NoDataSaysSoEverywhere) {
  ReportStore s;
  const auto day = date(2026, 11, 20);
  const json r = ReportBuilder(s.store_, s.zone_).build(day, s.at(day, 8));
  EXPECT_TRUE(r["last_night"].is_null());
  EXPECT_EQ(r["last_night_missing"], "No bed mat has recorded a night yet.");
  EXPECT_TRUE(r["yesterday_sitting"].is_null());
  EXPECT_EQ(r["yesterday_sitting_missing"], "No sitting recorded on 2026-11-19.");
  EXPECT_TRUE(r["mats"]["bed"].is_null());
  EXPECT_TRUE(r["pain"]["today"].empty());
  EXPECT_TRUE(r["associations"]["items"].empty());
  EXPECT_TRUE(r["setups"]["comparison"].is_null());
  EXPECT_NE(r["setups"]["advice"].get<std::string>().find("No pillow setups are defined yet"),
            std::string::npos);
  EXPECT_TRUE(r["guidance"].empty());
  // The HTML renders every "missing" sentence.
  const std::string html = render_html(r);
  EXPECT_NE(html.find("No bed mat has recorded a night yet."), std::string::npos);
  EXPECT_NE(html.find("No diary entry today yet."), std::string::npos);
}

TEST(ReportBuilder, ANightWithoutDataAmongOthers) {
  ReportStore s;
  const auto day = date(2026, 11, 20);
  s.night(day - std::chrono::days(1), 0);
  s.write();
  const json r = ReportBuilder(s.store_, s.zone_).build(day, s.at(day, 9));
  EXPECT_TRUE(r["last_night"].is_null());
  EXPECT_EQ(r["last_night_missing"],
            "No bed data for the night ending on 2026-11-20 (the mat was off, unplugged or not "
            "slept on).");
  EXPECT_EQ(r["trends"]["nights"].size(), 1U);
}

TEST(ReportBuilder, ANightAcrossTheAutumnDstChangeIsNineRealHours) {
  ReportStore s;  // Europe/Berlin: 2026-10-25 03:00 CEST -> 02:00 CET
  const auto day = date(2026, 10, 25);
  s.night(day, 0);
  s.write();
  const json r = ReportBuilder(s.store_, s.zone_).build(day, s.at(day, 9));
  const json& n = r["last_night"];
  ASSERT_TRUE(n.is_object());
  EXPECT_EQ(n["time_in_bed_s"], 9 * 3600);
  // 00:00, 01:00, 02:00 (CEST), 02:00 (CET), 03:00 … 06:00.
  ASSERT_EQ(n["hour_ticks"].size(), 8U);
  EXPECT_EQ(n["hour_ticks"][2]["label"], "02:00");
  EXPECT_EQ(n["hour_ticks"][3]["label"], "02:00");
  EXPECT_EQ(n["sentences"][0], "You were in bed for 9 h (23:00 to 07:00), without getting up.");
}

TEST(ReportBuilder, RedFlagBannerForSevenDaysOnEverySurface) {
  ReportStore s;
  const auto day = date(2026, 11, 20);
  s.pain(s.at(day - std::chrono::days(6), 10), 5, 7, Extent::kFoot, {}, true);
  ReportBuilder builder(s.store_, s.zone_);
  const json r = builder.build(day, s.at(day, 8));
  EXPECT_TRUE(r["red_flag"]["active"]);
  EXPECT_EQ(r["red_flag"]["warning"], std::string(diary::kRedFlagWarning));
  ASSERT_EQ(r["red_flag"]["entries"].size(), 1U);
  EXPECT_EQ(r["red_flag"]["entries"][0]["flags"][0], "saddle_numbness");
  EXPECT_EQ(r["guidance"][0]["id"], "red_flag_emergency");
  const std::string html = render_html(r);
  // At the top and again at the end of the page.
  EXPECT_EQ(count(html, "RED FLAG: SEEK EMERGENCY CARE NOW"), 2U);
  EXPECT_LT(html.find("RED FLAG"), html.find("<h1>"));
  // A week later the banner is gone.
  const json later = builder.build(day + std::chrono::days(1), s.at(day + std::chrono::days(1), 8));
  EXPECT_FALSE(later["red_flag"]["active"]);
  EXPECT_EQ(count(render_html(later), "RED FLAG"), 0U);
}

/// A month of nights whose unaligned side-lying varies, and morning leg pain that rises with it.
ReportStore& planted_month(ReportStore& s, double slope_per_min, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> dropped(0, 120);
  std::normal_distribution<double> noise(0.0, 0.8);
  const auto first = date(2026, 10, 22);
  for (int i = 0; i < 30; ++i) {
    const auto wake = first + std::chrono::days(i);
    const int minutes = dropped(rng);
    s.night(wake, minutes);
    const double leg = 2.0 + slope_per_min * minutes + noise(rng);
    const double back = 3.0 + noise(rng);
    s.pain(s.at(wake, 7, 30), std::clamp(static_cast<int>(std::lround(back)), 0, 10),
           std::clamp(static_cast<int>(std::lround(leg)), 0, 10), Extent::kThigh,
           {ContextTag::kOnWaking});
  }
  s.write();
  return s;
}

TEST(ReportBuilder, PlantedEffectIsClaimedWithTheRightSignAndNothingElse) {
  ReportStore s;
  planted_month(s, 0.04, 11);  // +1.2 leg-pain points per 30 min
  const auto day = date(2026, 11, 20);
  const json r = ReportBuilder(s.store_, s.zone_).build(day, s.at(day, 8));
  const json& a = association(r, "side_unaligned_min", "morning_leg_pain");
  std::printf("planted: %s\n", a["sentence"].get<std::string>().c_str());
  EXPECT_EQ(a["n"], 30);
  EXPECT_TRUE(a["claimed"]);
  EXPECT_GT(a["ci_low"].get<double>(), 0.0);
  EXPECT_LT(a["ci_low"].get<double>(), 1.2);
  EXPECT_GT(a["ci_high"].get<double>(), 1.2);
  EXPECT_EQ(a["per_text"], "30 min");
  EXPECT_EQ(r["associations"]["claimed"], 1);
  // pillow_slips follows side_unaligned_min here (a slip whenever minutes > 0) but only 0/1: it
  // may or may not be tested; no other measure varies, so no other claim.
  for (const auto& item : r["associations"]["items"]) {
    if (item["metric"] != "side_unaligned_min" && item["metric"] != "pillow_slips") {
      EXPECT_FALSE(item["claimed"]) << item["sentence"];
    }
  }
  const std::string html = render_html(r);
  EXPECT_NE(html.find("class=\"claimed\""), std::string::npos);
}

TEST(ReportBuilder, PureNoiseIsClaimedInAtMostOneOfTwentySeeds) {
  int runs_with_claim = 0;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    ReportStore s;
    planted_month(s, 0.0, seed);
    const auto day = date(2026, 11, 20);
    const json r = ReportBuilder(s.store_, s.zone_).build(day, s.at(day, 8));
    runs_with_claim += r["associations"]["claimed"].get<int>() > 0 ? 1 : 0;
  }
  std::printf("pure noise: %d of 20 runs with a claim\n", runs_with_claim);
  EXPECT_LE(runs_with_claim, 1);
}

TEST(ReportBuilder, SetupAdviceComparesLastNightsSetupWithTheOther) {
  ReportStore s;
  s.setup("thin", diary::KneePillow::kThin);
  s.setup("thick", diary::KneePillow::kThick);
  const auto first = date(2026, 11, 1);
  for (int i = 0; i < 20; ++i) {
    const auto wake = first + std::chrono::days(i);
    const bool thick = (i / 2) % 2 == 1;
    if (i % 2 == 0)
      s.diary_.use_setup(thick ? "thick" : "thin", s.at(wake - std::chrono::days(1), 20),
                         "Europe/Berlin");
    s.night(wake, thick ? 10 : 60);
    s.pain(s.at(wake, 7), 3, thick ? 2 + i % 2 : 5 + i % 2, Extent::kKnee, {ContextTag::kOnWaking});
  }
  s.write();
  const auto day = first + std::chrono::days(19);
  const json r = ReportBuilder(s.store_, s.zone_).build(day, s.at(day, 8));
  const json& setups = r["setups"];
  EXPECT_EQ(setups["last_night"], "thick");
  ASSERT_EQ(setups["summaries"].size(), 2U);
  EXPECT_EQ(setups["summaries"][0]["setup"], "thick");
  EXPECT_EQ(setups["summaries"][0]["nights"], 10);
  ASSERT_TRUE(setups["comparison"].is_object());
  EXPECT_EQ(setups["comparison"]["a"]["setup"], "thick");
  EXPECT_EQ(setups["comparison"]["b"]["setup"], "thin");
  ASSERT_TRUE(setups["comparison"]["recommendation"].is_string());
  EXPECT_NE(setups["advice"].get<std::string>().find("Prefer setup thick"), std::string::npos)
      << setups["advice"];
}

TEST(ReportBuilder, RefusesDatesOutOfRangeAndBadConfig) {
  ReportStore s;
  const auto day = date(2026, 11, 20);
  ReportBuilder builder(s.store_, s.zone_);
  EXPECT_THROW((void)builder.build(day + std::chrono::days(2), s.at(day, 8)), ReportError);
  EXPECT_THROW((void)builder.build(date(1999, 12, 31), s.at(day, 8)), ReportError);
  ReportConfig bad;
  bad.history_days = 3;
  EXPECT_THROW(ReportBuilder(s.store_, s.zone_, bad), ReportError);
  EXPECT_THROW((void)render_html(json{{"format", "other"}}), ReportError);
  EXPECT_THROW((void)render_html(json{{"format", "pmap-report"}, {"format_version", 99}}),
               ReportError);
}

TEST(ReportHtml, SelfContainedWithInlineSvgAndEscapedText) {
  ReportStore s;
  const auto day = date(2026, 11, 20);
  s.night(day, 45);
  s.write();
  s.pain(s.at(day, 7), 4, 6, Extent::kCalf, {ContextTag::kOnWaking});
  diary::PainEntry e;
  e.time_us = s.at(day, 7, 5);
  e.tz = "Europe/Berlin";
  e.back_pain = 1;
  e.note = "<script>alert(1)</script> & \"quotes\"";
  s.diary_.add_pain(e);
  const std::string html = render_html(ReportBuilder(s.store_, s.zone_).build(day, s.at(day, 8)));
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0U);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;"),
            std::string::npos);
  EXPECT_EQ(html.find("http://www.w3.org/2000/svg"), html.find("http://"));  // the only URL
  EXPECT_EQ(html.find(" src="), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_GE(count(html, "<svg "), 2U);  // timeline and pain chart (no tested links yet)
  EXPECT_NE(html.find(std::string(kDisclaimer)), std::string::npos);
  // The dashboard's colours (pmap/category_colours.hpp): leg pain is drawn as in Trends.
  EXPECT_NE(html.find("stroke=\"" + std::string(colours::of_category("leg")) + "\""),
            std::string::npos);
  EXPECT_EQ(html.find("#4e79a7"), std::string::npos);  // the report's old, separate palette
}

int run_pmapctl(const std::vector<std::string>& args, std::string& out, std::string& err) {
  std::istringstream in;
  std::ostringstream o;
  std::ostringstream e;
  const int rc = pmapctl::run(args, in, o, e);
  out = o.str();
  err = e.str();
  return rc;
}

TEST(PmapctlReport, FormatsFilesAndErrors) {
  ReportStore s;
  const auto day = date(2026, 11, 20);
  s.night(day, 45);
  s.write();
  std::string out, err;
  ASSERT_EQ(run_pmapctl({"report", "--db", s.path_, "--tz", "Europe/Berlin", "--date", "2026-11-20",
                         "--format", "json"},
                        out, err),
            0)
      << err;
  const json r = json::parse(out);
  EXPECT_EQ(r["last_night"]["side_knee_dropped_s"], 45 * 60);
  ASSERT_EQ(
      run_pmapctl({"report", "--db", s.path_, "--tz", "Europe/Berlin", "--date", "2026-11-20"}, out,
                  err),
      0);
  EXPECT_EQ(out.rfind("<!DOCTYPE html>", 0), 0U);
  const std::string file = s.dir_.file("r.html");
  ASSERT_EQ(run_pmapctl({"report", "--db", s.path_, "--tz", "Europe/Berlin", "--date", "2026-11-20",
                         "-o", file},
                        out, err),
            0);
  EXPECT_EQ(out, "report 2026-11-20 written to " + file + "\n");
  const std::string pdf = s.dir_.file("r.pdf");
  ASSERT_EQ(run_pmapctl({"report", "--db", s.path_, "--tz", "Europe/Berlin", "--date", "2026-11-20",
                         "--format", "pdf", "-o", pdf},
                        out, err),
            0)
      << err;
  std::ifstream pdf_in(pdf, std::ios::binary);
  const std::string pdf_bytes((std::istreambuf_iterator<char>(pdf_in)), {});
  EXPECT_EQ(pdf_bytes.rfind("%PDF-", 0), 0U);
  EXPECT_GT(pdf_bytes.size(), 5000U);
  EXPECT_NE(pdf_bytes.find("%%EOF"), std::string::npos);
  EXPECT_EQ(run_pmapctl({"report", "--db", s.path_, "--format", "xml"}, out, err), 2);
  EXPECT_NE(err.find("--format must be"), std::string::npos);
  EXPECT_EQ(run_pmapctl({"report", "--db", s.path_, "--date", "2026-13-01"}, out, err), 1);
  EXPECT_EQ(run_pmapctl({"report", "--db", s.path_, "--date", "2999-01-01"}, out, err), 1);
  EXPECT_NE(err.find("in the future"), std::string::npos);
  EXPECT_EQ(run_pmapctl({"report", "--db", s.dir_.file("missing.db")}, out, err), 1);
  EXPECT_EQ(run_pmapctl({"report", "--db", s.path_, "--history-days", "3"}, out, err), 1);
  // A red flag: the report is written and the warning goes to stderr, exit 3.
  s.pain(s.at(day, 7), 5, 7, Extent::kFoot, {}, true);
  EXPECT_EQ(run_pmapctl({"report", "--db", s.path_, "--tz", "Europe/Berlin", "--date", "2026-11-20",
                         "--format", "json"},
                        out, err),
            3);
  EXPECT_NE(err.find("SEEK EMERGENCY CARE NOW"), std::string::npos);
  EXPECT_TRUE(json::parse(out)["red_flag"]["active"]);
}

}  // namespace
}  // namespace pmap::report
