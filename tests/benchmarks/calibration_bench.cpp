// Applying a per-taxel calibration to a 64 x 32 bed frame (docs/performance.md, "Calibration").
// The curves are built in code: `knots` knots per taxel at shared pressures, a saturating shape
// with per-taxel gain; 2 dead taxels. Frames: a body lying still (about a third of the mat loaded,
// the rest at the empty mat's reading) and every taxel loaded. With hysteresis, a still body has
// few descending taxels; the worst case (everyone getting up) is measured apart.
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <vector>

#include "pmap/calibration/calibration_applier.hpp"

namespace {

using pmap::calibration::CalibrationApplier;
using pmap::calibration::MatCalibration;

MatCalibration bed_calibration(std::size_t knots, bool branches) {
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

void run(benchmark::State& state, bool whole_mat, bool follow) {
  const CalibrationApplier applier(
      bed_calibration(static_cast<std::size_t>(state.range(0)), follow));
  const auto input = frames(64, whole_mat);
  std::vector<float> out(64 * 32);
  auto history = applier.make_state();
  std::size_t i = 0;
  for (auto _ : state) {
    applier.apply(input[i++ % input.size()], out, {}, follow ? &history : nullptr);
    benchmark::DoNotOptimize(out.data());
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
  run(state, false, false);
}
void BM_CalibrationApplyBedHysteresis(benchmark::State& state) {
  run(state, false, true);
}
void BM_CalibrationApplyWholeMat(benchmark::State& state) {
  run(state, true, false);
}
void BM_CalibrationApplyWholeMatHysteresis(benchmark::State& state) {
  run(state, true, true);
}

}  // namespace

BENCHMARK(BM_CalibrationApplyBed)->Arg(9)->Arg(16);
BENCHMARK(BM_CalibrationApplyBedHysteresis)->Arg(9)->Arg(16);
BENCHMARK(BM_CalibrationApplyWholeMat)->Arg(9)->Arg(16);
BENCHMARK(BM_CalibrationApplyWholeMatHysteresis)->Arg(9)->Arg(16);
BENCHMARK(BM_CalibrationApplyAllDescending)->Arg(9)->Arg(16);
