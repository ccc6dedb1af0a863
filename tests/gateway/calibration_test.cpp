// The gateway with per-mat calibrations (docs/gateway.md, "Calibration"): loading from
// calibration_dir, canonical reordering, zero tracking, refusals, reloads and state.calibration.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <variant>

#include "pmap/calibration/calibration_applier.hpp"
#include "pmap/calibration/calibration_file.hpp"
#include "pmap/condition.hpp"
#include "pmap/layout.hpp"
#include "pmap/pipeline.hpp"
#include "pmap/wire_codec.hpp"
#include "test_calibration.hpp"
#include "test_util.hpp"

namespace pmap {
namespace {

using calibration::CalibrationApplier;
using nlohmann::json;
using test::bytes;
using test::kNowUs;
using Outcome = CalibrationReload::Outcome;

constexpr std::uint16_t kRows = 16;
constexpr std::uint16_t kCols = 8;

std::string meta(std::string_view first_row = "head", bool mirrored = false,
                 std::uint16_t rows = kRows, std::uint16_t cols = kCols) {
  return R"({"v":1,"kind":"bed","rows":)" + std::to_string(rows) + R"(,"cols":)" +
         std::to_string(cols) + R"(,"pitch_mm":28.6,"sample_rate_hz":1,"layout":{"first_row":")" +
         std::string(first_row) + R"(","mirrored":)" + (mirrored ? "true" : "false") +
         R"(},"full_scale_counts":1000,"nominal_full_scale_mmhg":100})";
}

void write(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

void save(const calibration::MatCalibration& c, const std::filesystem::path& path) {
  ASSERT_EQ(calibration::save_calibration(c, path), "");
}

/// A pipeline with a calibration directory that records what it publishes.
struct Gateway {
  std::vector<std::pair<std::string, std::string>> published;
  Pipeline pipeline;
  std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
  std::uint32_t seq = 0;

  explicit Gateway(const std::string& calibration_dir)
      : pipeline(
            config(calibration_dir), nullptr,
            [this](const std::string& t, const std::string& p) {
              published.emplace_back(t, p);
              return true;
            },
            [](WriteBatch) {}) {}
  static PipelineConfig config(const std::string& dir) {
    PipelineConfig c;
    c.calibration_dir = dir;
    return c;
  }
  void send_meta(const std::string& json_text) {
    pipeline.handle("pmap/v1/bed1/meta", bytes(json_text), kNowUs, t0);
  }
  /// Sends a frame (the mat's own order) 2 s after the previous one: every frame publishes.
  void send(PressureFrame f) {
    f.sequence = seq;
    f.timestamp_us = kNowUs + std::int64_t{seq} * 1'000'000;
    pipeline.handle("pmap/v1/bed1/frame", encode_binary(f), kNowUs,
                    t0 + std::chrono::seconds(2 * seq));
    ++seq;
  }
  json state() const { return json::parse(published.back().second); }
};

PressureFrame uniform(std::uint16_t value, std::uint16_t rows = kRows, std::uint16_t cols = kCols) {
  return test::make_frame(0, kNowUs, rows, cols, value);
}

/// Empty mat reading `floor`, with a lying body (a block of 10 x 6 taxels, ≥ 400 cm²) of varied
/// counts.
PressureFrame body(std::uint16_t floor, int phase = 0) {
  PressureFrame f = uniform(floor);
  for (std::size_t r = 3; r < 13; ++r) {
    for (std::size_t c = 1; c < 7; ++c) {
      f.at(r, c) = static_cast<std::uint16_t>(floor + 120 + (r * 37 + c * 53 + phase * 11) % 600);
    }
  }
  return f;
}

std::vector<float> to_floats(const PressureFrame& f) {
  return {f.values.begin(), f.values.end()};
}

// A calibration with a creep model: the gateway compensates with the frames' timestamps, so a
// body lying still while its raw counts creep up (a lag of 30 s, 10 %) keeps the same pressure;
// the applier with the same times gives the same numbers, and state.calibration says so.
TEST(GatewayCalibration, CompensatesCreepWithTheFramesTimestamps) {
  test::TempDir dir;
  std::vector<float> gains(kRows * kCols, 1.0f);
  auto cal = test::make_calibration("bed1", kRows, kCols, gains, /*branches=*/false);
  cal.creep = calibration::CreepModel{30, std::vector<float>(gains.size(), 0.1f / 1.1f)};
  save(cal, dir.path() / "bed1.json");
  Gateway gw(dir.path().string());
  gw.send_meta(meta());
  const auto from_file = calibration::load_calibration(dir.path() / "bed1.json");
  ASSERT_TRUE(std::holds_alternative<calibration::MatCalibration>(from_file));
  const CalibrationApplier applier(std::get<calibration::MatCalibration>(from_file));
  ASSERT_TRUE(applier.compensates_creep());
  auto history = applier.make_state();
  std::vector<float> expected(applier.taxel_count());
  const PressureFrame fresh = body(45);
  std::vector<double> lag(fresh.values.size(), 0.0);
  std::vector<float> first;
  float uncompensated_rise = 0;
  // send() spaces frames 1 s apart; frames more than 5 min ahead of the gateway's clock would be
  // refused (clock skew), so the whole run stays within 290 s.
  for (int t = 0; t < 290; ++t) {
    PressureFrame f = fresh;
    for (std::size_t i = 0; i < f.values.size(); ++i) {
      const double signal = fresh.values[i] - 45.0;
      if (t > 0) lag[i] += (signal - lag[i]) * (1.0 - std::exp(-1.0 / 30.0));
      f.values[i] = static_cast<std::uint16_t>(std::lround(fresh.values[i] + 0.1 * lag[i]));
    }
    gw.send(f);
    const auto raw = to_floats(f);
    ASSERT_TRUE(applier.apply(raw, expected, {}, &history,
                              static_cast<double>(kNowUs + std::int64_t{t} * 1'000'000) * 1e-6));
    const ConditionedFrame* cf = gw.pipeline.conditioned("bed1");
    ASSERT_NE(cf, nullptr);
    ASSERT_TRUE(cf->pressure_mmhg.has_value());
    const float* p = cf->pressure_mmhg->data();
    for (std::size_t i = 0; i < expected.size(); ++i) {
      ASSERT_FLOAT_EQ(p[i], expected[i]) << "taxel " << i << " at " << t << " s";
    }
    if (t == 0) first.assign(p, p + expected.size());
    uncompensated_rise =
        std::max(uncompensated_rise, static_cast<float>(f.at(8, 3) - fresh.at(8, 3)));
  }
  // After 290 s (9.7 τ) the raw counts have crept 10 %; the pressure has not moved.
  EXPECT_GT(uncompensated_rise, 0.09f * static_cast<float>(fresh.at(8, 3) - 45));
  const float* last = gw.pipeline.conditioned("bed1")->pressure_mmhg->data();
  for (std::size_t i = 0; i < first.size(); ++i) {
    EXPECT_NEAR(last[i], first[i], 0.01f * std::max(first[i], 10.0f)) << "taxel " << i;
  }
  EXPECT_TRUE(gw.state()["calibration"]["creep_compensated"].get<bool>());
}

TEST(GatewayCalibration, PressureIsWhatTheApplierGivesForTheSameRawFrames) {
  test::TempDir dir;
  // With loading/unloading branches, so that the history (hysteresis) matters too.
  std::vector<float> gains(kRows * kCols);
  for (std::size_t i = 0; i < gains.size(); ++i)
    gains[i] = 0.8f + 0.01f * static_cast<float>(i % 37);
  const auto cal = test::make_calibration("bed1", kRows, kCols, gains, /*branches=*/true);
  save(cal, dir.path() / "bed1.json");
  Gateway gw(dir.path().string());
  gw.send_meta(meta());

  // The same frames through an applier of the file's calibration (the file rounds to 0.01 count)
  // with a State of its own: no zero shift until the floor is learned, then (learned floor −
  // offset).
  const auto from_file = calibration::load_calibration(dir.path() / "bed1.json");
  ASSERT_TRUE(std::holds_alternative<calibration::MatCalibration>(from_file));
  const CalibrationApplier applier(std::get<calibration::MatCalibration>(from_file));
  auto history = applier.make_state();
  std::vector<float> expected(applier.taxel_count());
  auto check = [&](const PressureFrame& f, const std::vector<float>& shift) {
    gw.send(f);
    const auto raw = to_floats(f);
    ASSERT_TRUE(applier.apply(raw, expected, shift, &history));
    const ConditionedFrame* cf = gw.pipeline.conditioned("bed1");
    ASSERT_NE(cf, nullptr);
    ASSERT_TRUE(cf->calibrated);
    ASSERT_TRUE(cf->pressure_mmhg.has_value());
    for (std::size_t i = 0; i < expected.size(); ++i) {
      ASSERT_FLOAT_EQ(cf->pressure_mmhg->data()[i], expected[i]) << "taxel " << i;
    }
  };
  // Loaded first: the zero is the calibration's (no shift), the floor is not learned.
  check(body(45, 0), {});
  check(body(45, 1), {});
  // Frames loaded at different levels follow each taxel's branch.
  for (int k = 2; k < 6; ++k) check(body(45, k), {});
  const json state = gw.state();
  EXPECT_TRUE(state["calibrated"].get<bool>());
  const json& c = state["calibration"];
  EXPECT_EQ(c["status"], "calibrated");
  EXPECT_EQ(c["error"], nullptr);
  EXPECT_EQ(c["file"], (dir.path() / "bed1.json").string());
  EXPECT_EQ(c["created_utc"], "2023-11-01T00:00:00Z");
  // kNowUs is 2023-11-14T22:13:20Z.
  EXPECT_NEAR(c["age_days"].get<double>(), 13 + (22 * 3600 + 13 * 60 + 20) / 86400.0, 0.01);
  EXPECT_EQ(c["family"], "piecewise_linear");
  EXPECT_TRUE(c["hysteresis_following"].get<bool>());
  EXPECT_EQ(c["dead_taxels"], 0);
  EXPECT_EQ(c["stuck_taxels"], 0);
  EXPECT_FALSE(c["zero"]["tracked"].get<bool>());
  EXPECT_EQ(c["loads"], 1);
  EXPECT_EQ(c["refusals"], 0);
  // Contact area in mmHg terms: the 60 body taxels are all well above 5 mmHg.
  EXPECT_NEAR(state["contact_area_cm2"].get<double>(), 60 * 2.86 * 2.86, 1e-6);

  // Once the empty mat is learned (reading 3 counts above the calibrated zero; after the
  // hold-off), the shift is applied.
  PressureFrame empty = uniform(48);
  for (int i = 0; i < 130; ++i) gw.send(empty);  // 130 s: past the 120 s hold-off
  // Replay the empty frames into the reference history (they only reset it: below every gate).
  for (int i = 0; i < 130; ++i) {
    const auto raw = to_floats(empty);
    applier.apply(raw, expected, {}, &history);
  }
  const json z = gw.state()["calibration"]["zero"];
  EXPECT_TRUE(z["tracked"].get<bool>());
  EXPECT_NEAR(z["median_shift_counts"].get<double>(), 3.0, 1e-4);
  EXPECT_NEAR(z["max_abs_shift_counts"].get<double>(), 3.0, 1e-4);
  EXPECT_FALSE(z["excessive"].get<bool>());
  const std::vector<float> shift(kRows * kCols, 3.0f);
  check(body(48, 7), shift);
  check(body(48, 8), shift);
}

TEST(GatewayCalibration, TurnedMirroredMatPutsEachTaxelsCurveInItsCanonicalPlace) {
  test::TempDir dir;
  // Own taxel (2, 1) is twice as sensitive as the others (half the counts per mmHg).
  std::vector<float> gains(kRows * kCols, 1.0f);
  gains[2 * kCols + 1] = 0.5f;
  save(test::make_calibration("bed1", kRows, kCols, gains), dir.path() / "bed1.json");
  Gateway gw(dir.path().string());
  gw.send_meta(meta("foot", /*mirrored=*/true));
  // Every taxel reads 245 counts, 200 above its zero: 27.5 mmHg on the common curve
  // (20 + 50/200 × 30), 58.33 mmHg on the sensitive taxel's (50 + 25/150 × 50).
  gw.send(uniform(245));
  const ConditionedFrame* cf = gw.pipeline.conditioned("bed1");
  ASSERT_NE(cf, nullptr);
  ASSERT_TRUE(cf->pressure_mmhg.has_value());
  const TaxelImage& p = *cf->pressure_mmhg;
  // Turned round (180°) and mirrored: own (r, c) lies at canonical (rows − 1 − r, c).
  const std::size_t row = kRows - 1 - 2;
  const std::size_t col = 1;
  EXPECT_EQ(canonical_to_mat({row, col}, kRows, kCols, MatLayout{RowOrigin::kFar, true}),
            (TaxelIndex{2, 1}));
  for (std::size_t r = 0; r < kRows; ++r) {
    for (std::size_t c = 0; c < kCols; ++c) {
      const float want = (r == row && c == col) ? 50.0f + 25.0f / 150.0f * 50.0f : 27.5f;
      EXPECT_NEAR(p(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c)), want, 1e-3)
          << "canonical (" << r << ", " << c << ")";
    }
  }
}

// Zero tracking on the conditioner: a drifting empty mat is followed slowly, the zero is frozen
// while the mat is occupied and for the hold-off after, and the shift is clamped.
TEST(GatewayCalibration, ZeroShiftFollowsADriftingEmptyMatSlowlyAndIsFrozenWhileOccupied) {
  const MatDescriptor mat = *parse_meta("bed1", meta("head", false, 8, 8)).descriptor;
  auto made = CanonicalCalibration::make(test::make_calibration("bed1", 8, 8), mat, {"f", 1});
  ASSERT_TRUE(std::holds_alternative<std::shared_ptr<const CanonicalCalibration>>(made));
  MatConditioner cond;  // defaults: τ = 600 s, hold-off 120 s
  cond.use_calibration(std::get<std::shared_ptr<const CanonicalCalibration>>(made));
  std::int64_t t = kNowUs;
  ConditionedFrame cf;
  auto feed = [&](std::uint16_t value, bool occupied, int seconds) {
    for (int s = 0; s < seconds; ++s) {
      PressureFrame f = uniform(value, 8, 8);
      f.timestamp_us = (t += 1'000'000);
      cond.condition(f, mat, cf);
      cond.observe(cf, occupied);
    }
  };
  auto shift = [&] { return cond.calibration()->zero().median_shift_counts; };
  EXPECT_FALSE(cond.calibration()->zero().tracked);
  // Ten minutes empty at the calibrated zero.
  feed(45, false, 600);
  ASSERT_TRUE(cond.calibration()->zero().tracked);
  EXPECT_NEAR(shift(), 0.0, 1e-3);
  // The empty mat now reads 8 counts higher (drift). A minute later the zero has moved by less
  // than a quarter of it; after 30 minutes by more than 90 %.
  feed(53, false, 60);
  EXPECT_GT(shift(), 0.2);
  EXPECT_LT(shift(), 2.0);
  feed(53, false, 1740);
  EXPECT_GT(shift(), 7.2);
  EXPECT_LT(shift(), 8.0);
  // A load on the drifted mat gives what it gives on a mat at the calibrated zero: 200 counts
  // above the zero → 27.5 mmHg (within the residual 0.4 count of lag).
  PressureFrame loaded = uniform(53 + 200, 8, 8);
  loaded.timestamp_us = t;
  cond.condition(loaded, mat, cf);
  EXPECT_NEAR((*cf.pressure_mmhg)(3, 3), 27.5f, 0.1f);
  // An hour occupied (the readings say nothing about the zero): frozen.
  const double before = shift();
  feed(90, true, 3600);
  EXPECT_DOUBLE_EQ(shift(), before);
  // Just out of bed, the mat reads high while it recovers: not learned during the hold-off.
  feed(75, false, 110);
  EXPECT_DOUBLE_EQ(shift(), before);
  // After the hold-off, learned again.
  feed(53, false, 600);
  EXPECT_NEAR(shift(), 8.0, 0.5);
  EXPECT_FALSE(cond.calibration()->zero().excessive());
  EXPECT_DOUBLE_EQ(cond.calibration()->zero().limit_counts, 50.0);  // 5 % of 1000 counts
}

TEST(GatewayCalibration, ExcessiveZeroDriftIsClampedAndReported) {
  const MatDescriptor mat = *parse_meta("bed1", meta("head", false, 8, 8)).descriptor;
  auto made = CanonicalCalibration::make(test::make_calibration("bed1", 8, 8), mat, {"f", 1});
  ConditionConfig fast;
  fast.floor_time_constant_s = 1;
  MatConditioner cond(fast);
  cond.use_calibration(std::get<std::shared_ptr<const CanonicalCalibration>>(made));
  ConditionedFrame cf;
  PressureFrame f = uniform(45 + 80, 8, 8);  // 80 counts above the calibrated zero
  for (int s = 0; s < 30; ++s) {
    f.timestamp_us = kNowUs + s * 1'000'000LL;
    cond.condition(f, mat, cf);
    cond.observe(cf, false);
  }
  const ZeroTracking& z = cond.calibration()->zero();
  EXPECT_NEAR(z.max_abs_shift_counts, 80.0, 1e-3);
  EXPECT_TRUE(z.excessive());
  EXPECT_EQ(z.excessive_taxels, 64U);
  for (const float s : cond.calibration()->zero_shift()) EXPECT_FLOAT_EQ(s, 50.0f);
}

TEST(GatewayCalibration, WithoutAFileTheMatIsUncalibratedAndSaysSo) {
  test::TempDir dir;
  for (const std::string& calibration_dir : {dir.path().string(), std::string()}) {
    Gateway gw(calibration_dir);
    gw.send_meta(meta());
    gw.send(body(45));
    const json state = gw.state();
    EXPECT_FALSE(state["calibrated"].get<bool>());
    const json& c = state["calibration"];
    EXPECT_EQ(c["status"], "uncalibrated");
    EXPECT_FALSE(c["in_use"].get<bool>());
    EXPECT_EQ(c["file"], nullptr);
    EXPECT_EQ(c["created_utc"], nullptr);
    EXPECT_FALSE(c["hysteresis_following"].get<bool>());
    EXPECT_FALSE(c["creep_compensated"].get<bool>());
    // Raw counts above an automatic baseline, with the nominal scale of meta.
    const ConditionedFrame* cf = gw.pipeline.conditioned("bed1");
    ASSERT_TRUE(cf->pressure_mmhg.has_value());
    EXPECT_FALSE(cf->calibrated);
    EXPECT_FALSE(cf->floor_learned);
    EXPECT_NE(state["total_load"]["force_n"], nullptr);
  }
}

TEST(GatewayCalibration, RefusedFilesSayWhyAndKeepThePreviousCalibration) {
  test::TempDir dir;
  const auto file = dir.path() / "bed1.json";
  Gateway gw(dir.path().string());
  gw.send_meta(meta());
  gw.send(body(45));
  EXPECT_EQ(gw.state()["calibration"]["status"], "uncalibrated");

  auto reload = [&] {
    const auto results = gw.pipeline.reload_calibrations();
    EXPECT_EQ(results.size(), 1U);
    gw.send(body(45, static_cast<int>(gw.seq)));
    return results.empty() ? Outcome::kNone : results[0].outcome;
  };
  auto calibration = [&] { return gw.state()["calibration"]; };

  // A calibration of another mat size, with none in use before: refused, raw counts.
  save(test::make_calibration("bed1", 8, 8), file);
  EXPECT_EQ(reload(), Outcome::kRefused);
  EXPECT_EQ(calibration()["status"], "refused");
  EXPECT_NE(calibration()["error"].get<std::string>().find("calibration is for a 8 x 8 mat"),
            std::string::npos)
      << calibration()["error"];
  EXPECT_EQ(calibration()["file"], file.string());
  EXPECT_FALSE(calibration()["in_use"].get<bool>());
  EXPECT_FALSE(gw.state()["calibrated"].get<bool>());

  // A good one: loaded.
  save(test::make_calibration("bed1", kRows, kCols), file);
  EXPECT_EQ(reload(), Outcome::kLoaded);
  EXPECT_EQ(calibration()["status"], "calibrated");
  EXPECT_EQ(calibration()["created_utc"], "2023-11-01T00:00:00Z");
  EXPECT_TRUE(gw.state()["calibrated"].get<bool>());
  EXPECT_EQ(reload(), Outcome::kUnchanged);

  // Replaced by a broken file: refused with the reason, the previous calibration stays in use.
  write(file, "{\"format\": \"pmap-calibration\", ");
  EXPECT_EQ(reload(), Outcome::kRefused);
  EXPECT_EQ(calibration()["status"], "refused");
  EXPECT_NE(calibration()["error"].get<std::string>().find("not valid JSON"), std::string::npos);
  EXPECT_TRUE(calibration()["in_use"].get<bool>());
  EXPECT_EQ(calibration()["created_utc"], "2023-11-01T00:00:00Z");
  EXPECT_TRUE(gw.state()["calibrated"].get<bool>());
  EXPECT_TRUE(gw.pipeline.conditioned("bed1")->calibrated);
  // The same broken file again: still refused, not counted twice.
  EXPECT_EQ(reload(), Outcome::kUnchanged);
  EXPECT_EQ(calibration()["status"], "refused");
  EXPECT_EQ(calibration()["refusals"], 2);

  // A non-monotone curve (written past save_calibration, which refuses to write it).
  auto bad = test::make_calibration("bed1", kRows, kCols);
  bad.knot_counts[5 * 3 + 1] = bad.knot_counts[5 * 3];
  write(file, calibration::to_json(bad));
  EXPECT_EQ(reload(), Outcome::kRefused);
  EXPECT_NE(calibration()["error"].get<std::string>().find("non-monotone"), std::string::npos)
      << calibration()["error"];
  EXPECT_TRUE(calibration()["in_use"].get<bool>());

  // A zero-only calibration cannot give mmHg.
  auto zero_only = test::make_calibration("bed1", kRows, kCols);
  zero_only.family = calibration::CurveFamily::kNone;
  zero_only.knot_mmhg.clear();
  zero_only.knot_counts.clear();
  save(zero_only, file);
  EXPECT_EQ(reload(), Outcome::kRefused);
  EXPECT_NE(calibration()["error"].get<std::string>().find("zero-only"), std::string::npos);

  // A new good calibration is taken.
  auto newer = test::make_calibration("bed1", kRows, kCols);
  newer.created_utc = "2023-11-10T00:00:00Z";
  save(newer, file);
  EXPECT_EQ(reload(), Outcome::kLoaded);
  EXPECT_EQ(calibration()["status"], "calibrated");
  EXPECT_EQ(calibration()["error"], nullptr);
  EXPECT_EQ(calibration()["created_utc"], "2023-11-10T00:00:00Z");
  EXPECT_EQ(calibration()["loads"], 2);
  EXPECT_EQ(calibration()["refusals"], 4);
  EXPECT_EQ(gw.pipeline.summary()["global"]["calibration_loads"], 2);
  EXPECT_EQ(gw.pipeline.summary()["global"]["calibration_refusals"], 4);

  // The file removed: uncalibrated.
  std::filesystem::remove(file);
  EXPECT_EQ(reload(), Outcome::kRemoved);
  EXPECT_EQ(calibration()["status"], "uncalibrated");
  EXPECT_FALSE(gw.state()["calibrated"].get<bool>());
  EXPECT_EQ(reload(), Outcome::kNone);
  // No frame was lost on the way.
  EXPECT_EQ(gw.state()["frames"]["accepted"], gw.seq);
  EXPECT_EQ(gw.state()["frames"]["rejected"], 0);
}

TEST(GatewayCalibration, AMetaChangeReordersOrDropsTheCalibration) {
  test::TempDir dir;
  std::vector<float> gains(kRows * kCols, 1.0f);
  gains[0] = 0.5f;  // own (0, 0)
  save(test::make_calibration("bed1", kRows, kCols, gains), dir.path() / "bed1.json");
  Gateway gw(dir.path().string());
  gw.send_meta(meta());
  gw.send(uniform(245));
  EXPECT_GT((*gw.pipeline.conditioned("bed1")->pressure_mmhg)(0, 0), 58.0f);
  // The mat was turned round: own (0, 0) is now canonical (15, 7).
  gw.send_meta(meta("foot"));
  gw.send(uniform(245));
  const TaxelImage& p = *gw.pipeline.conditioned("bed1")->pressure_mmhg;
  EXPECT_NEAR(p(0, 0), 27.5f, 1e-3);
  EXPECT_GT(p(kRows - 1, kCols - 1), 58.0f);
  EXPECT_EQ(gw.state()["calibration"]["status"], "calibrated");
  // A meta of another size: the calibration does not fit any more.
  gw.send_meta(meta("head", false, 8, 8));
  gw.send(uniform(245, 8, 8));
  EXPECT_EQ(gw.state()["calibration"]["status"], "refused");
  EXPECT_FALSE(gw.state()["calibration"]["in_use"].get<bool>());
  EXPECT_FALSE(gw.pipeline.conditioned("bed1")->calibrated);
}

TEST(GatewayCalibration, UtcTimesParse) {
  EXPECT_EQ(parse_utc_seconds("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_utc_seconds("2023-11-14T22:13:20Z"), 1'700'000'000);
  EXPECT_EQ(parse_utc_seconds("2023-11-14T22:13:20.250+00:00"), 1'700'000'000);
  EXPECT_EQ(parse_utc_seconds("2024-02-29T00:00:00Z"), 1'709'164'800);
  EXPECT_FALSE(parse_utc_seconds("2023-11-14T22:13:20+01:00").has_value());
  EXPECT_FALSE(parse_utc_seconds("yesterday").has_value());
}

}  // namespace
}  // namespace pmap
