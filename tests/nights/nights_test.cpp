// Nights and sitting days from synthetic episodes and epochs written through the Store API, with
// exact expected numbers (docs/nights.md).
#include <gtest/gtest.h>

#include <sstream>

#include "pmap/diary/diary_repository.hpp"
#include "pmap/nights/nights_json.hpp"
#include "pmap/nights/nights_reader.hpp"
#include "pmap/nights/sleep_period.hpp"
#include "pmap/pmapctl.hpp"
#include "pmap/store.hpp"
#include "test_util.hpp"

namespace pmap::nights {
namespace {

using diary::LocalDateTime;
using diary::TimeZone;
using std::chrono::sys_days;
using namespace std::chrono_literals;

constexpr std::int64_t kH = 3600;
constexpr std::int64_t kMin = 60;

sys_days date(int y, unsigned m, unsigned d) {
  return sys_days(std::chrono::year(y) / std::chrono::month(m) / std::chrono::day(d));
}

class NightsTest : public ::testing::Test {
 protected:
  NightsTest() : store_(dir_.file("n.db")), zone_("Europe/Berlin") {}

  /// UTC µs of a local time in the test's zone.
  std::int64_t at(int y, unsigned m, unsigned d, int hour, int minute = 0) const {
    return zone_.to_utc_us(LocalDateTime{
        std::chrono::year(y) / std::chrono::month(m) / std::chrono::day(d), hour, minute, 0});
  }
  void episode(const std::string& mat, const std::string& stream, const std::string& label,
               std::int64_t start_us, std::int64_t end_us) {
    batch_.episodes.push_back(Episode{mat, stream, label, start_us, end_us, 1, 1.0});
  }
  void in_bed(std::int64_t start_us, std::int64_t end_us) {
    episode("bed", "presence", "in_bed", start_us, end_us);
  }
  void write() {
    store_.write(batch_);
    batch_ = WriteBatch{};
  }
  std::vector<NightSummary> nights(sys_days from, sys_days to, NightsConfig config = {}) {
    write();
    return NightsReader(store_, zone_, config).nights(from, to);
  }

  /// Four chair posture epochs from 09:00 on 2026-11-20, `spacing_s` apart with `frames` frames
  /// each: mean obliquity +6, +8, -7, +2 degrees, tilt 10 degrees, half the first epoch's frames
  /// slouched, wallet in the first two, PPI 10..40, DI 40..70 %. `stored_epochs`: with their
  /// `epochs` rows (the frames' time; without them each counts epoch_seconds).
  void chair_epochs(std::int64_t spacing_s, std::int64_t frames, bool stored_epochs) {
    const std::int64_t e0 = at(2026, 11, 20, 9) / 1'000'000;
    const double obliquity[] = {6, 8, -7, 2};
    const auto n = static_cast<double>(frames);
    for (int i = 0; i < 4; ++i) {
      PostureEpochDelta p;
      p.mat_id = "chair";
      p.epoch_start_s = e0 + spacing_s * i;
      p.posture_frames = frames;
      p.obliquity_deg_sum = obliquity[i] * n;
      p.tilt_deg_sum = 10 * n;
      p.slouched_frames = i == 0 ? frames / 2 : 0;
      p.wallet_frames = i < 2 ? frames : 0;
      p.ppi_sum = 10.0 * (i + 1) * n;
      p.di_pct_sum = (40.0 + 10.0 * i) * n;
      batch_.posture_epochs.push_back(p);
      if (!stored_epochs) continue;
      EpochDelta d;
      d.mat_id = "chair";
      d.epoch_start_s = p.epoch_start_s;
      d.frames = d.occupied_frames = frames;
      batch_.epochs.push_back(d);
    }
  }

  test::TempDir dir_;
  Store store_;
  TimeZone zone_;
  WriteBatch batch_;
};

TEST_F(NightsTest, PlainNight) {
  in_bed(at(2026, 11, 19, 23), at(2026, 11, 20, 7));
  episode("bed", "position", "supine", at(2026, 11, 19, 23), at(2026, 11, 20, 1));
  episode("bed", "position", "left", at(2026, 11, 20, 1), at(2026, 11, 20, 4));
  episode("bed", "position", "supine", at(2026, 11, 20, 4), at(2026, 11, 20, 7));
  episode("bed", "knee", "aligned", at(2026, 11, 20, 1), at(2026, 11, 20, 2));
  episode("bed", "knee", "dropped", at(2026, 11, 20, 2), at(2026, 11, 20, 3));
  episode("bed", "knee", "aligned", at(2026, 11, 20, 3), at(2026, 11, 20, 3, 30));
  episode("bed", "knee", "dropped", at(2026, 11, 20, 3, 30), at(2026, 11, 20, 4));
  episode("bed", "knee", "flexed_supported", at(2026, 11, 20, 4), at(2026, 11, 20, 6));
  episode("bed", "knee", "flat", at(2026, 11, 20, 6), at(2026, 11, 20, 7));
  // Epochs: 10 still, 1 moving, 5 still (5 s each), all occupied.
  const std::int64_t e0 = at(2026, 11, 20, 2) / 1'000'000;
  for (int i = 0; i < 16; ++i) {
    EpochDelta d;
    d.mat_id = "bed";
    d.epoch_start_s = e0 + 5 * i;
    d.frames = 10;
    d.occupied_frames = 10;
    d.movement_sum = i == 10 ? 1.0 : 0.0;
    batch_.epochs.push_back(d);
  }
  // Posture epochs: three side-lying epochs with mean rolls 2, 4, 12 degrees.
  const double rolls[] = {2, 4, 12};
  for (int i = 0; i < 3; ++i) {
    PostureEpochDelta p;
    p.mat_id = "bed";
    p.epoch_start_s = e0 + 5 * i;
    p.posture_frames = p.side_frames = 10;
    p.pelvic_roll_deg_sum = rolls[i] * 10;
    p.knee_aligned_frames = i == 0 ? 10 : 0;
    p.knee_dropped_frames = i == 0 ? 0 : 10;
    batch_.posture_epochs.push_back(p);
  }
  diary::DiaryRepository repo(store_);
  diary::PillowSetup thick;
  thick.name = "thick";
  thick.knee_pillow = diary::KneePillow::kThick;
  repo.add_setup(thick);
  repo.use_setup("thick", at(2026, 11, 19, 20), "Europe/Berlin");

  const auto all = nights(date(2026, 11, 1), date(2026, 11, 30));
  ASSERT_EQ(all.size(), 1U);
  const NightSummary& n = all[0];
  EXPECT_EQ(n.mat_id, "bed");
  EXPECT_EQ(n.wake_date, date(2026, 11, 20));
  EXPECT_EQ(n.time_in_bed_s, 8 * kH);
  EXPECT_EQ(n.occupied_s, 8 * kH);
  EXPECT_EQ(n.bed_exits, 0);
  EXPECT_EQ(n.sleep_periods, 1);
  EXPECT_EQ(n.position_s.at("supine"), 5 * kH);
  EXPECT_EQ(n.position_s.at("left"), 3 * kH);
  EXPECT_EQ(n.position_s.at("prone"), 0);
  EXPECT_EQ(n.turns, 2);
  EXPECT_DOUBLE_EQ(n.turns_per_h, 0.25);
  EXPECT_EQ(n.longest_still_s, 50);
  EXPECT_DOUBLE_EQ(n.restlessness_moving_min_per_h, (5.0 / 60.0) / 8.0);
  EXPECT_EQ(n.side_knee_aligned_s, 90 * kMin);
  EXPECT_EQ(n.side_knee_dropped_s, 90 * kMin);
  EXPECT_EQ(n.pillow_slips, 2);
  EXPECT_EQ(n.supine_knees_supported_s, 2 * kH);
  EXPECT_EQ(n.supine_knees_flat_s, 1 * kH);
  ASSERT_TRUE(n.side_knee_aligned_share);
  EXPECT_DOUBLE_EQ(*n.side_knee_aligned_share, 1.0 / 3.0);
  ASSERT_TRUE(n.side_pelvic_roll_mean_deg);
  EXPECT_DOUBLE_EQ(*n.side_pelvic_roll_mean_deg, 6.0);
  EXPECT_DOUBLE_EQ(*n.side_pelvic_roll_p90_deg, 12.0);
  EXPECT_EQ(n.setup, "thick");

  const auto j = to_json(n, zone_);
  EXPECT_EQ(j["wake_date"], "2026-11-20");
  EXPECT_EQ(j["time_in_bed_s"], 8 * kH);
  EXPECT_EQ(j["position_s"]["left"], 3 * kH);
  EXPECT_EQ(j["start"], "2026-11-19T23:00:00+01:00");
  EXPECT_EQ(j["setup"], "thick");
}

// A mat that sends a frame every 10 s leaves every other 5-s epoch empty: each stored epoch
// stands for the 10 s until the next one (docs/nights.md, "Limits"), so stillness and moving
// minutes are those of a mat sending every epoch; a gap over 60 s is missing data and breaks a
// still run.
TEST_F(NightsTest, SparseFramesCountTheTimeTheirEpochsStandFor) {
  in_bed(at(2026, 11, 19, 23), at(2026, 11, 20, 7));
  const std::int64_t e0 = at(2026, 11, 20, 2) / 1'000'000;
  auto epoch = [&](std::int64_t start_s, bool moving) {
    EpochDelta d;
    d.mat_id = "bed";
    d.epoch_start_s = start_s;
    d.frames = 1;
    d.occupied_frames = 1;
    d.movement_sum = moving ? 0.1 : 0.0;
    batch_.epochs.push_back(d);
  };
  // 10 still, 1 moving, 5 still, one frame per 10 s.
  for (int i = 0; i < 16; ++i) epoch(e0 + 10 * i, i == 10);
  // Later: 5 still, 2 minutes without a frame, 5 still.
  const std::int64_t e1 = e0 + 3600;
  for (int i = 0; i < 5; ++i) epoch(e1 + 10 * i, false);
  for (int i = 0; i < 5; ++i) epoch(e1 + 40 + 120 + 10 * i, false);
  const auto all = nights(date(2026, 11, 20), date(2026, 11, 20));
  ASSERT_EQ(all.size(), 1U);
  // 10 epochs x 10 s; the run after the moving epoch is 4 x 10 + 5 s (the hour's gap ends it).
  EXPECT_EQ(all[0].longest_still_s, 100);
  EXPECT_DOUBLE_EQ(all[0].restlessness_moving_min_per_h, (10.0 / 60.0) / 8.0);

  // Only the gapped part: two runs of 4 x 10 + 5 s, not one bridged over the 2 minutes.
  store_.db().prepare("DELETE FROM epochs WHERE epoch_start_s < ?1").bind(1, e1).run();
  const auto gapped = nights(date(2026, 11, 20), date(2026, 11, 20));
  ASSERT_EQ(gapped.size(), 1U);
  EXPECT_EQ(gapped[0].longest_still_s, 45);
  EXPECT_DOUBLE_EQ(gapped[0].restlessness_moving_min_per_h, 0.0);
}

TEST_F(NightsTest, SparseChairFramesCountTheTimeTheirEpochsStandFor) {
  episode("chair", "presence", "sitting", at(2026, 11, 20, 9), at(2026, 11, 20, 10));
  chair_epochs(10, 2, true);  // two frames per 10 s (one epoch in two)
  write();
  const auto days = NightsReader(store_, zone_).days(date(2026, 11, 20), date(2026, 11, 20));
  ASSERT_EQ(days.size(), 1U);
  EXPECT_EQ(days[0].oblique_right_low_s, 20);  // two epochs of 10 s
  EXPECT_EQ(days[0].oblique_left_low_s, 10);
  EXPECT_DOUBLE_EQ(days[0].slouched_s, 5.0);  // half of 10 s
  EXPECT_DOUBLE_EQ(days[0].wallet_min, 20.0 / 60.0);
  EXPECT_DOUBLE_EQ(*days[0].posterior_tilt_mean_deg, 10.0);
}

TEST_F(NightsTest, NoDataNoNight) {
  in_bed(at(2026, 11, 19, 23), at(2026, 11, 20, 7));
  // A pain entry on a morning without a night is fine: it is simply not linked to one.
  diary::PainEntry pain;
  pain.time_us = at(2026, 11, 22, 8);
  pain.tz = "Europe/Berlin";
  pain.back_pain = 4;
  diary::DiaryRepository(store_).add_pain(pain);
  EXPECT_TRUE(nights(date(2026, 11, 21), date(2026, 11, 25)).empty());
  EXPECT_TRUE(NightsReader(store_, zone_).days(date(2026, 11, 19), date(2026, 11, 20)).empty());
}

TEST_F(NightsTest, SpringForwardNightIsAnHourShorter) {
  // Europe/Berlin: 2026-03-29 02:00 → 03:00.
  in_bed(at(2026, 3, 28, 23), at(2026, 3, 29, 7));
  const auto all = nights(date(2026, 3, 28), date(2026, 3, 30));
  ASSERT_EQ(all.size(), 1U);
  EXPECT_EQ(all[0].wake_date, date(2026, 3, 29));
  EXPECT_EQ(all[0].time_in_bed_s, 7 * kH);
}

TEST_F(NightsTest, FallBackNightIsAnHourLonger) {
  // Europe/Berlin: 2026-10-25 03:00 → 02:00.
  in_bed(at(2026, 10, 24, 23), at(2026, 10, 25, 7));
  const auto all = nights(date(2026, 10, 24), date(2026, 10, 26));
  ASSERT_EQ(all.size(), 1U);
  EXPECT_EQ(all[0].wake_date, date(2026, 10, 25));
  EXPECT_EQ(all[0].time_in_bed_s, 9 * kH);
  EXPECT_EQ(all[0].occupied_s, 9 * kH);
}

TEST_F(NightsTest, ShortExitsMergedAndCounted) {
  in_bed(at(2026, 11, 19, 23), at(2026, 11, 20, 2));
  in_bed(at(2026, 11, 20, 2, 5), at(2026, 11, 20, 4));
  in_bed(at(2026, 11, 20, 4, 14), at(2026, 11, 20, 7));
  const auto all = nights(date(2026, 11, 20), date(2026, 11, 20));
  ASSERT_EQ(all.size(), 1U);
  EXPECT_EQ(all[0].sleep_periods, 1);
  EXPECT_EQ(all[0].bed_exits, 2);
  EXPECT_EQ(all[0].long_exits, 0);
  EXPECT_EQ(all[0].time_in_bed_s, 8 * kH);
  EXPECT_EQ(all[0].occupied_s, 8 * kH - 19 * kMin);
}

TEST_F(NightsTest, LongExitSplitsPeriodsButNotTheNight) {
  // Up at 23:30 for 90 minutes: two sleep periods, both keyed to the morning of the 20th (the
  // first ends after the evening hour, so it belongs to the next date).
  in_bed(at(2026, 11, 19, 22), at(2026, 11, 19, 23, 30));
  in_bed(at(2026, 11, 20, 1), at(2026, 11, 20, 7));
  const auto all = nights(date(2026, 11, 19), date(2026, 11, 21));
  ASSERT_EQ(all.size(), 1U);
  EXPECT_EQ(all[0].wake_date, date(2026, 11, 20));
  EXPECT_EQ(all[0].sleep_periods, 2);
  EXPECT_EQ(all[0].long_exits, 1);
  EXPECT_EQ(all[0].bed_exits, 1);
  EXPECT_EQ(all[0].time_in_bed_s, 9 * kH);
  EXPECT_EQ(all[0].occupied_s, 7 * kH + 30 * kMin);
}

TEST_F(NightsTest, ShortInBedPeriodsAreNotSleep) {
  in_bed(at(2026, 11, 20, 14), at(2026, 11, 20, 14, 10));  // sat on the bed to dress
  EXPECT_TRUE(nights(date(2026, 11, 19), date(2026, 11, 21)).empty());
}

TEST(SleepPeriods, ThresholdIsConfigurable) {
  std::vector<Episode> presence = {
      Episode{"bed", "presence", "in_bed", 0, 3600'000'000, 1, 1},
      Episode{"bed", "presence", "out_of_bed", 3600'000'000, 4200'000'000, 1, 1},
      Episode{"bed", "presence", "in_bed", 4200'000'000, 7200'000'000, 1, 1}};
  NightsConfig config;
  EXPECT_EQ(find_sleep_periods(presence, config).size(), 1U);  // a 10-minute exit
  config.merge_exit_max_s = 5 * 60;
  const auto split = find_sleep_periods(presence, config);
  ASSERT_EQ(split.size(), 2U);
  EXPECT_EQ(split[0].exits, 0);
}

TEST_F(NightsTest, SittingDay) {
  episode("chair", "presence", "sitting", at(2026, 11, 20, 9), at(2026, 11, 20, 10));
  episode("chair", "presence", "sitting", at(2026, 11, 20, 10, 10), at(2026, 11, 20, 10, 40));
  episode("chair", "presence", "sitting", at(2026, 11, 20, 11), at(2026, 11, 20, 11, 20));
  episode("chair", "presence", "sitting", at(2026, 11, 21, 9), at(2026, 11, 21, 9, 30));
  chair_epochs(5, 10, false);
  write();
  const auto days = NightsReader(store_, zone_).days(date(2026, 11, 20), date(2026, 11, 21));
  ASSERT_EQ(days.size(), 2U);
  const SittingDay& d = days[0];
  EXPECT_EQ(d.date, date(2026, 11, 20));
  EXPECT_EQ(d.bouts, 3);
  EXPECT_EQ(d.sitting_s, 110 * kMin);
  EXPECT_EQ(d.longest_bout_s, kH);
  EXPECT_EQ(d.bouts_over_limit, 1);
  EXPECT_EQ(d.breaks, 2);
  EXPECT_DOUBLE_EQ(d.breaks_per_sitting_h, 2.0 * 3600.0 / (110.0 * 60.0));
  EXPECT_EQ(d.oblique_right_low_s, 10);
  EXPECT_EQ(d.oblique_left_low_s, 5);
  EXPECT_EQ(d.oblique_side, "right_low");
  EXPECT_DOUBLE_EQ(d.slouched_s, 2.5);
  EXPECT_DOUBLE_EQ(d.wallet_min, 10.0 / 60.0);
  EXPECT_DOUBLE_EQ(*d.posterior_tilt_mean_deg, 10.0);
  EXPECT_DOUBLE_EQ(*d.ppi_median, 25.0);
  EXPECT_DOUBLE_EQ(*d.ppi_p90, 40.0);
  EXPECT_DOUBLE_EQ(*d.di_median_pct, 55.0);
  EXPECT_DOUBLE_EQ(*d.di_p90_pct, 70.0);
  EXPECT_EQ(days[1].bouts, 1);
  EXPECT_EQ(days[1].breaks, 0);
  EXPECT_FALSE(days[1].ppi_median);
  const auto j = to_json(d);
  EXPECT_EQ(j["date"], "2026-11-20");
  EXPECT_EQ(j["oblique_side"], "right_low");
  EXPECT_TRUE(to_json(days[1])["ppi_median"].is_null());
}

struct CtlResult {
  int code = 0;
  std::string out;
  std::string err;
};

CtlResult ctl(const std::vector<std::string>& args) {
  std::istringstream in;
  std::ostringstream out;
  std::ostringstream err;
  const int code = pmapctl::run(args, in, out, err);
  return {code, out.str(), err.str()};
}

TEST_F(NightsTest, PmapctlNightsAndDays) {
  in_bed(at(2026, 11, 19, 23), at(2026, 11, 20, 7));
  episode("bed", "position", "left", at(2026, 11, 19, 23), at(2026, 11, 20, 7));
  episode("chair", "presence", "sitting", at(2026, 11, 20, 9), at(2026, 11, 20, 10));
  write();
  const std::string db = dir_.file("n.db");
  auto r = ctl({"nights", "--db", db, "--tz", "Europe/Berlin", "--from", "2026-11-19", "--to",
                "2026-11-20", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["tz"], "Europe/Berlin");
  ASSERT_EQ(j["nights"].size(), 1U);
  EXPECT_EQ(j["nights"][0]["wake_date"], "2026-11-20");
  EXPECT_EQ(j["nights"][0]["position_s"]["left"], 8 * kH);
  EXPECT_EQ(j["dates_without_data"], nlohmann::json::array({"2026-11-19"}));

  r = ctl({"nights", "--db", db, "--tz", "Europe/Berlin", "--from", "2026-11-19", "--to",
           "2026-11-20"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("2026-11-19  no data"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("2026-11-20  bed     8h00"), std::string::npos) << r.out;

  r = ctl({"days", "--db", db, "--tz", "Europe/Berlin", "--from", "2026-11-20", "--to",
           "2026-11-20", "--bout-limit-min", "30", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto d = nlohmann::json::parse(r.out);
  ASSERT_EQ(d["days"].size(), 1U);
  EXPECT_EQ(d["days"][0]["sitting_s"], kH);
  EXPECT_EQ(d["days"][0]["bouts_over_limit"], 1);
  EXPECT_EQ(d["bout_limit_s"], 1800);

  // Errors: bad range or value → 1; bad command line → 2; --help → 0.
  EXPECT_EQ(ctl({"nights", "--db", db, "--from", "2026-11-21", "--to", "2026-11-20"}).code, 1);
  EXPECT_EQ(ctl({"nights", "--db", db, "--from", "2026-13-01"}).code, 1);
  EXPECT_EQ(ctl({"days", "--db", db, "--obliquity-deg", "-1"}).code, 1);
  EXPECT_EQ(ctl({"nights", "--db", dir_.file("missing.db")}).code, 1);
  EXPECT_EQ(ctl({"nights", "--db", db, "--tz", "Mars/Base"}).code, 1);
  EXPECT_EQ(ctl({"nights", "--db", db, "--bogus"}).code, 2);
  EXPECT_EQ(ctl({"days", "--db", db, "--bout-limit-min", "x"}).code, 2);
  EXPECT_EQ(ctl({"nights", "--help"}).code, 0);
}

// One mat's history read alone (a gateway with ten mats reads a tenth): exactly that mat's nights
// and days of the unfiltered answer, nothing of the others; an unknown mat has none.
TEST_F(NightsTest, OneMatIsReadAloneAndGivesExactlyItsShareOfTheAnswer) {
  for (const std::string mat : {"bed_a", "bed_b", "bed_c"}) {
    const int shift = mat == "bed_a" ? 0 : mat == "bed_b" ? 30 : 45;
    episode(mat, "presence", "in_bed", at(2026, 11, 19, 23, shift), at(2026, 11, 20, 7));
    episode(mat, "position", "left", at(2026, 11, 19, 23, shift), at(2026, 11, 20, 7));
    episode(mat, "presence", "in_bed", at(2026, 11, 20, 22), at(2026, 11, 21, 6, shift));
  }
  episode("chair_a", "presence", "sitting", at(2026, 11, 20, 9), at(2026, 11, 20, 10));
  episode("chair_b", "presence", "sitting", at(2026, 11, 20, 9), at(2026, 11, 20, 9, 20));
  write();
  NightsReader reader(store_, zone_);
  const auto all = reader.nights(date(2026, 11, 19), date(2026, 11, 21));
  ASSERT_EQ(all.size(), 6U);
  const auto b = reader.nights(date(2026, 11, 19), date(2026, 11, 21), std::string("bed_b"));
  ASSERT_EQ(b.size(), 2U);
  std::vector<nlohmann::json> expected;
  for (const auto& n : all)
    if (n.mat_id == "bed_b") expected.push_back(to_json(n, zone_));
  ASSERT_EQ(expected.size(), 2U);
  EXPECT_EQ(to_json(b[0], zone_), expected[0]);
  EXPECT_EQ(to_json(b[1], zone_), expected[1]);
  EXPECT_EQ(b[0].time_in_bed_s, 7 * kH + 30 * kMin);
  EXPECT_EQ(b[1].time_in_bed_s, 8 * kH + 30 * kMin);
  EXPECT_TRUE(reader.nights(date(2026, 11, 19), date(2026, 11, 21), std::string("nobody")).empty());

  const auto days = reader.days(date(2026, 11, 20), date(2026, 11, 20), std::string("chair_b"));
  ASSERT_EQ(days.size(), 1U);
  EXPECT_EQ(days[0].mat_id, "chair_b");
  EXPECT_EQ(days[0].sitting_s, 20 * kMin);
  EXPECT_EQ(reader.days(date(2026, 11, 20), date(2026, 11, 20)).size(), 2U);

  // pmapctl nights/days --mat: the same, and a bad id is refused (exit 1) before any read.
  const std::string db = dir_.file("n.db");
  auto r = ctl({"nights", "--db", db, "--tz", "Europe/Berlin", "--mat", "bed_c", "--from",
                "2026-11-20", "--to", "2026-11-21", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["nights"].size(), 2U);
  EXPECT_EQ(j["nights"][0]["mat_id"], "bed_c");
  EXPECT_EQ(j["nights"][1]["time_in_bed_s"], 8 * kH + 45 * kMin);
  EXPECT_EQ(j["dates_without_data"], nlohmann::json::array());
  r = ctl({"days", "--db", db, "--tz", "Europe/Berlin", "--mat", "chair_a", "--from", "2026-11-20",
           "--to", "2026-11-20", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["days"].size(), 1U);
  EXPECT_EQ(j["days"][0]["sitting_s"], kH);
  r = ctl({"nights", "--db", db, "--mat", "bed a"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("mat: 'bed a' is not a mat id"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace pmap::nights
