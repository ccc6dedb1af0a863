// End to end, in process: the simulator's "night" scenario → the gateway pipeline → the store →
// the nights summary, against the simulator's truth.
#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>

#include "pmap/nights/nights_reader.hpp"
#include "pmap/pipeline.hpp"
#include "pmap/sim/body_model.hpp"
#include "pmap/sim/scenario.hpp"
#include "pmap/sim/sensor_model.hpp"
#include "pmap/wire_codec.hpp"
#include "test_util.hpp"

namespace pmap::nights {
namespace {

using test::kNowUs;

TEST(SimulatedNight, SummaryFollowsTheTruth) {
  test::TempDir dir;
  Store store(dir.file("night.db"));
  Pipeline pipeline(
      PipelineConfig{}, nullptr, [](const std::string&, const std::string&) { return true; },
      [&](WriteBatch b) { store.write(b); });
  pipeline.handle("pmap/v1/bed1/meta",
                  test::bytes(test::meta_json("bed", 64, 32, "head", true, 28.6)), kNowUs,
                  std::chrono::steady_clock::now());
  auto made = sim::Scenario::make("night", MatKind::kBed, std::nullopt, 21);
  const auto& scenario = std::get<sim::Scenario>(made);
  const sim::BodyModel body(MatKind::kBed, sim::MatGeometry::bed(), sim::BodyParams{});
  sim::SensorModel sensor(64, 32, sim::SensorConfig{}, 5);
  const auto t0 = std::chrono::steady_clock::now();
  std::optional<sim::BodyState> cached;
  sim::PressureImage image;
  std::int64_t first_in = -1;
  std::int64_t last_in = -1;
  std::int64_t transition_s = 0;  // the truth's seconds of rolling over (1 frame per second)
  std::int64_t still_run_s = 0;   // the truth's body unchanged for this long, lying
  std::int64_t longest_still_truth_s = 0;
  const auto frames = static_cast<std::uint32_t>(scenario.duration_s());
  for (std::uint32_t seq = 0; seq < frames; ++seq) {
    const sim::BodyState state = scenario.state_at(seq);
    const bool same = cached && *cached == state;
    if (!same) {
      image = body.render(state);
      cached = state;
    }
    const std::int64_t ts_us = kNowUs + seq * 1'000'000LL;
    pipeline.handle("pmap/v1/bed1/frame", encode_binary(sensor.read(image, seq, ts_us)), ts_us,
                    t0 + std::chrono::seconds(seq));
    const std::string truth = sim::posture_label(MatKind::kBed, state);
    if (truth == "transition") ++transition_s;
    const bool lying = truth != "empty" && truth != "transition";
    still_run_s = lying && same ? still_run_s + 1 : 0;
    longest_still_truth_s = std::max(longest_still_truth_s, still_run_s);
    if (lying) {
      if (first_in < 0) first_in = seq;
      last_in = seq;
    }
  }
  pipeline.close_episodes();
  pipeline.flush();

  const diary::TimeZone utc("UTC");
  const auto wake = utc.local_day(kNowUs + static_cast<std::int64_t>(frames) * 1'000'000LL);
  const auto nights = NightsReader(store, utc).nights(wake - std::chrono::days(2), wake);
  ASSERT_EQ(nights.size(), 1U);
  const NightSummary& n = nights[0];
  const auto& stats = scenario.stats();
  std::int64_t in_positions = 0;
  for (const auto& [p, s] : n.position_s) in_positions += s;
  std::cout << "simulated night: in bed " << n.time_in_bed_s << " s (truth lying "
            << last_in - first_in << " s), exits " << n.bed_exits << " (truth " << stats.bed_exits
            << "), turns " << n.turns << " (truth " << stats.position_changes << "), pillow slips "
            << n.pillow_slips << " (truth " << stats.knee_pillow_drops << "), positions "
            << in_positions << " s of " << n.occupied_s << " s occupied, restlessness "
            << n.restlessness_moving_min_per_h << " moving min/h (truth: " << transition_s
            << " s rolling over), longest still " << n.longest_still_s << " s (truth "
            << longest_still_truth_s << " s)\n";
  EXPECT_EQ(n.wake_date, wake);
  EXPECT_EQ(n.bed_exits, stats.bed_exits);
  EXPECT_EQ(n.sleep_periods, 1);
  // Getting in and out take tens of seconds in the simulator; the mat sees the person for part.
  EXPECT_NEAR(static_cast<double>(n.time_in_bed_s), static_cast<double>(last_in - first_in), 120.0);
  EXPECT_GE(in_positions, n.occupied_s * 8 / 10);
  EXPECT_LE(in_positions, n.occupied_s + 60);
  EXPECT_GE(n.turns, stats.position_changes / 2);
  EXPECT_LE(n.turns, stats.position_changes * 2);
  // Stillness follows the body, not the sensor's noise: the moving time is the rolling over (each
  // roll touches one or two more 5-s epochs), and the longest still run is the truth's within an
  // epoch or two. With the movement index taken per taxel, the read noise alone made this night
  // 28.9 moving min/h (3.6 h) and its longest still run 2 295 s of 2 905.
  const double moving_s =
      n.restlessness_moving_min_per_h * 60.0 * static_cast<double>(n.occupied_s) / 3600.0;
  EXPECT_GE(moving_s, static_cast<double>(transition_s) / 2);
  EXPECT_LE(moving_s,
            static_cast<double>(transition_s) +
                10.0 * (stats.position_changes + 2 * stats.bed_exits + stats.knee_pillow_drops) +
                60.0);
  EXPECT_NEAR(static_cast<double>(n.longest_still_s), static_cast<double>(longest_still_truth_s),
              60.0);
  // Measured: 3 of 3 slips, 15 of 16 turns, 1 of 1 exits, in bed 25 s longer than the truth's
  // lying time (getting in and out), on seed 21.
  EXPECT_LE(std::abs(n.pillow_slips - stats.knee_pillow_drops), 2);
}

}  // namespace
}  // namespace pmap::nights
