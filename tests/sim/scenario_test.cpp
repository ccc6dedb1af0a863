#include "pmap/sim/scenario.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "mat_simulator.hpp"

namespace pmap::sim {
namespace {

Scenario make(const std::string& name, MatKind kind, std::optional<double> duration,
              std::uint64_t seed) {
  auto made = Scenario::make(name, kind, duration, seed);
  EXPECT_TRUE(std::holds_alternative<Scenario>(made));
  return std::get<Scenario>(made);
}

TEST(Scenario, NightHasPositionChangesAndOneBedExit) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    for (const std::optional<double> duration :
         {std::optional<double>{}, std::optional<double>{600}}) {
      const Scenario night = make("night", MatKind::kBed, duration, seed);
      EXPECT_GE(night.stats().position_changes, 10);
      EXPECT_LE(night.stats().position_changes, 30);
      EXPECT_EQ(night.stats().bed_exits, 1);
      EXPECT_DOUBLE_EQ(night.duration_s(), duration.value_or(28800));
      EXPECT_EQ(posture_label(MatKind::kBed, night.state_at(1)), "empty");
      EXPECT_EQ(posture_label(MatKind::kBed, night.state_at(night.duration_s() - 1)), "empty");
    }
  }
}

TEST(Scenario, WorkdayHasBoutsBreaksAndAWalletPeriod) {
  const Scenario day = make("workday", MatKind::kChair, std::nullopt, 3);
  EXPECT_GE(day.stats().sitting_bouts, 3);
  EXPECT_GE(day.stats().breaks, 2);
  EXPECT_EQ(day.stats().wallet_bouts, 1);
  bool wallet_seen = false, empty_seen = false;
  for (double t = 0; t < day.duration_s(); t += 30) {
    const BodyState s = day.state_at(t);
    wallet_seen |= s.support >= 1 && s.chair.wallet != Wallet::kNone;
    empty_seen |= s.support <= 0 && t > 600;
  }
  EXPECT_TRUE(wallet_seen);
  EXPECT_TRUE(empty_seen);
}

TEST(Scenario, RejectsWrongKindAndUnknownNames) {
  EXPECT_TRUE(std::holds_alternative<std::string>(Scenario::make("night", MatKind::kChair, {}, 1)));
  EXPECT_TRUE(std::holds_alternative<std::string>(Scenario::make("sitting", MatKind::kBed, {}, 1)));
  EXPECT_TRUE(std::holds_alternative<std::string>(Scenario::make("dance", MatKind::kBed, {}, 1)));
}

TEST(MatSimulator, DeterministicPerSeedAndMat) {
  MatConfig config;
  config.id = "bed1";
  config.duration_s = 300;
  config.with_truth = true;
  auto run = [](const MatConfig& c, std::uint64_t seed) {
    auto sim = std::get<MatSimulator>(MatSimulator::make(c, seed));
    std::vector<PressureFrame> frames;
    while (!sim.done()) {
      MatStep step = sim.step(1'700'000'000'000'000);
      for (auto& f : step.frames) frames.push_back(f);
    }
    return frames;
  };
  const auto a = run(config, 7), b = run(config, 7), c = run(config, 8);
  ASSERT_EQ(a.size(), 300u);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  MatConfig other = config;
  other.id = "bed2";
  EXPECT_NE(run(other, 7), a);
  EXPECT_NE(mat_seed(7, "bed1"), mat_seed(7, "bed2"));
}

TEST(MatSimulator, TruthMatchesFrameAndProtocolFields) {
  MatConfig config;
  config.id = "bed1";
  config.scenario = "left";
  config.duration_s = 3;
  config.with_truth = true;
  config.dup_rate = 0.5;
  auto sim = std::get<MatSimulator>(MatSimulator::make(config, 1));
  const MatStep step = sim.step(1'700'000'000'000'000);
  ASSERT_TRUE(step.truth);
  const auto truth = nlohmann::json::parse(*step.truth);
  for (const char* field :
       {"v", "mat", "seq", "ts_us", "kind", "posture", "lateral_subtype", "occupied",
        "total_force_n", "contact_area_cm2", "cop", "knee_pillow", "under_knee_pillow",
        "pelvic_obliquity_deg", "pelvic_tilt_deg", "sitting_class", "wallet", "sensor"}) {
    EXPECT_TRUE(truth.contains(field)) << field;
  }
  EXPECT_EQ(truth["seq"], step.sequence);
  EXPECT_EQ(truth["ts_us"], step.timestamp_us);
  EXPECT_EQ(truth["posture"], "left");
  EXPECT_EQ(truth["lateral_subtype"], "straight");
  EXPECT_NEAR(truth["total_force_n"].get<double>(), sim.body().weight_kg * kGravity,
              0.02 * sim.body().weight_kg * kGravity);
  EXPECT_EQ(step.frames.size(), step.fate.duplicated ? 2u : 1u);
}

}  // namespace
}  // namespace pmap::sim
