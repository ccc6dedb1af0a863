// Applying a per-taxel calibration to a 64 x 32 bed frame (docs/performance.md, "Calibration").
// The curves are built in code: `knots` knots per taxel at shared pressures, a saturating shape
// with per-taxel gain; 2 dead taxels. Frames: a body lying still (about a third of the mat loaded,
// the rest at the empty mat's reading) and every taxel loaded. With hysteresis, a still body has
// few descending taxels; the worst case (everyone getting up) is measured apart.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <random>
#include <vector>

#include "pmap/calibration/calibration_applier.hpp"

namespace {

using pmap::calibration::CalibrationApplier;
using pmap::calibration::MatCalibration;

MatCalibration bed_calibration(std::size_t knots, bool branches, bool creep = false) {
  MatCalibration c;
  c.mat_id = "bed1";
  c.rows = 64;
  c.cols = 32;
  c.full_scale_counts = 1000;
  c.family = pmap::calibration::CurveFamily::kMonotoneCubic;
  const std::size_t n = c.taxel_count();
  for (std::size_t k = 1; k <= knots; ++k) c.knot_mmhg.push_back(200.0 * k / knots);
  std::mt19937 rng(7);
  std::lognormal_distribution<double> gain(0.0, 0.1);
  std::normal_distribution<double> offset(45, 4);
  c.status.assign(n, pmap::calibration::TaxelStatus::kOk);
  c.status[100] = c.status[1500] = pmap::calibration::TaxelStatus::kDead;
  for (std::size_t i = 0; i < n; ++i) {
    const double o = offset(rng);
    const double g = gain(rng);
    c.offset_counts.push_back(static_cast<float>(o));
    c.noise_counts.push_back(2.0f);
    const double top = o + 900 * std::tanh(g * c.knot_mmhg.back() / 150);
    if (branches) c.loop_peak_counts.push_back(static_cast<float>(top));
    for (const double p : c.knot_mmhg) {
      const double r = o + 900 * std::tanh(g * p / 150);
      c.knot_counts.push_back(static_cast<float>(r));
      if (branches) {
        // Unloading reads up to 30 counts more, meeting the loading branch at the top.
        c.loading_knot_counts.push_back(static_cast<float>(r));
        c.unloading_knot_counts.push_back(static_cast<float>(r + std::min(30.0, 0.5 * (top - r))));
      }
    }
  }
  if (creep) c.creep = pmap::calibration::CreepModel{480, std::vector<float>(n, 0.065f)};
  return c;
}

// A body lying still: the same pressure image every frame plus read noise (2 counts). With
// `whole_mat` every taxel is loaded.
std::vector<std::vector<float>> frames(std::size_t count, bool whole_mat) {
  std::mt19937 rng(3);
  std::normal_distribution<double> noise(0, 2);
  std::vector<std::vector<float>> out;
  for (std::size_t s = 0; s < count; ++s) {
    std::vector<float> f(64 * 32);
    for (std::size_t r = 0; r < 64; ++r) {
      for (std::size_t c = 0; c < 32; ++c) {
        const bool body = whole_mat || (r >= 4 && r < 58 && c >= 10 && c < 22);
        const double mean = body ? 200 + (r * 7 + c * 3) % 400 : 45;
        f[r * 32 + c] = static_cast<float>(std::max(0.0, mean + noise(rng)));
      }
    }
    out.push_back(std::move(f));
  }
  return out;
}

// `follow`: with a State (hysteresis when `branches`); `creep`: a creep model, frames 0.1 s apart
// (a mat's 10 Hz: the lag is advanced once a second, in one frame of ten).
void run(benchmark::State& state, bool whole_mat, bool follow, bool branches, bool creep = false) {
  const CalibrationApplier applier(
      bed_calibration(static_cast<std::size_t>(state.range(0)), branches, creep));
  auto input = frames(64, whole_mat);
  std::vector<float> out(64 * 32);
  auto history = applier.make_state();
  std::size_t i = 0;
  if (creep) {
    // A body that has lain still for long: it lay down at time 0 and its readings crept up as a
    // lag (τ 480 s) towards their steady state, 1 / (1 − fraction) of the fresh signal; timing
    // starts after 20 τ.
    const float crept = 1.0f / (1.0f - 0.065f) - 1.0f;
    std::vector<float> frame;
    for (; i < 20 * 480 * 10; ++i) {
      const auto growth =
          static_cast<float>(1.0 + crept * -std::expm1(-0.1 * static_cast<double>(i) / 480));
      frame = input[i % input.size()];
      for (auto& v : frame) v = 45.0f + (v - 45.0f) * growth;
      applier.apply(frame, out, {}, &history, 0.1 * static_cast<double>(i));
    }
    for (auto& f : input) {
      for (auto& v : f) v = 45.0f + (v - 45.0f) * (1.0f + crept);
    }
  }
  for (auto _ : state) {
    applier.apply(input[i % input.size()], out, {}, follow ? &history : nullptr,
                  0.1 * static_cast<double>(i));
    ++i;
    benchmark::DoNotOptimize(out.data());
  }
  if (follow) {
    // Taxels on the slow, per-taxel descending path in the last frame (a still body: few).
    state.counters["descending"] = static_cast<double>(
        std::accumulate(history.descending.begin(), history.descending.end(), 0,
                        [](int n, std::uint8_t bits) { return n + std::popcount(bits); }));
  }
}

// Every loaded taxel descending in every frame (a body leaving the mat): the per-taxel pass.
void BM_CalibrationApplyAllDescending(benchmark::State& state) {
  const CalibrationApplier applier(bed_calibration(static_cast<std::size_t>(state.range(0)), true));
  auto high = frames(1, true).front();
  auto low = high;
  for (auto& v : low) v = 45 + (v - 45) * 0.5f;
  std::vector<float> out(64 * 32);
  auto history = applier.make_state();
  for (auto _ : state) {
    state.PauseTiming();
    applier.apply(high, out, {}, &history);  // back up to the peak
    state.ResumeTiming();
    applier.apply(low, out, {}, &history);
    benchmark::DoNotOptimize(out.data());
  }
}

void BM_CalibrationApplyBed(benchmark::State& state) {
  run(state, false, false, false);
}
void BM_CalibrationApplyBedHysteresis(benchmark::State& state) {
  run(state, false, true, true);
}
void BM_CalibrationApplyWholeMat(benchmark::State& state) {
  run(state, true, false, false);
}
void BM_CalibrationApplyWholeMatHysteresis(benchmark::State& state) {
  run(state, true, true, true);
}
// Creep compensation on top: the lag of every taxel advanced each frame.
void BM_CalibrationApplyBedCreep(benchmark::State& state) {
  run(state, false, true, false, true);
}
void BM_CalibrationApplyBedHysteresisCreep(benchmark::State& state) {
  run(state, false, true, true, true);
}

}  // namespace

BENCHMARK(BM_CalibrationApplyBed)->Arg(9)->Arg(16);
BENCHMARK(BM_CalibrationApplyBedHysteresis)->Arg(9)->Arg(16);
BENCHMARK(BM_CalibrationApplyWholeMat)->Arg(9)->Arg(16);
BENCHMARK(BM_CalibrationApplyWholeMatHysteresis)->Arg(9)->Arg(16);
BENCHMARK(BM_CalibrationApplyAllDescending)->Arg(9)->Arg(16);
BENCHMARK(BM_CalibrationApplyBedCreep)->Arg(9)->Arg(16);
BENCHMARK(BM_CalibrationApplyBedHysteresisCreep)->Arg(9)->Arg(12)->Arg(16);
