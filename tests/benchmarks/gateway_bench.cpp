// Hot paths of the gateway: every frame of every mat passes through the pipeline
// (decode, validate, canonical, condition, features, epoch aggregation, state), and the store
// writes one batch per flush.
#include <benchmark/benchmark.h>

#include <unistd.h>
#include <chrono>
#include <filesystem>
#include <random>

#include "pmap/calibration/calibration_applier.hpp"
#include "pmap/calibration/calibration_file.hpp"
#include "pmap/condition.hpp"
#include "pmap/ingest.hpp"
#include "pmap/layout.hpp"
#include "pmap/log.hpp"
#include "pmap/mat_descriptor.hpp"
#include "pmap/pipeline.hpp"
#include "pmap/store.hpp"
#include "pmap/wire_codec.hpp"
#include "test_calibration.hpp"

namespace {

constexpr std::int64_t kStartUs = 1'700'000'000'000'000;

std::string bed_meta() {
  pmap::MatDescriptor m;
  m.id = "bed1";
  m.kind = pmap::MatKind::kBed;
  m.rows = 64;
  m.cols = 32;
  m.row_pitch_mm = 28.6;
  m.col_pitch_mm = 28.6;
  m.sample_rate_hz = 1;
  m.layout = {pmap::RowOrigin::kFar, true};  // exercise the canonical transform
  m.full_scale_counts = 1000;
  m.nominal_full_scale_mmhg = 100;
  return pmap::to_meta_json(m);
}

/// A body-sized loaded region on a noisy baseline, different in every frame.
std::vector<std::vector<std::uint8_t>> bed_frames(std::size_t n) {
  std::mt19937 rng(3);
  std::normal_distribution<double> noise(45, 3);
  std::vector<std::vector<std::uint8_t>> out;
  for (std::size_t s = 0; s < n; ++s) {
    pmap::PressureFrame f;
    f.rows = 64;
    f.cols = 32;
    f.sequence = static_cast<std::uint32_t>(s);
    f.timestamp_us = kStartUs + static_cast<std::int64_t>(s) * 1'000'000;
    f.values.resize(f.taxel_count());
    for (auto& v : f.values) v = static_cast<std::uint16_t>(std::max(0.0, noise(rng)));
    for (std::size_t r = 4; r < 58; ++r) {
      for (std::size_t c = 10; c < 22; ++c)
        f.at(r, c) = static_cast<std::uint16_t>(200 + (r * 7 + c * 3 + s) % 400);
    }
    out.push_back(pmap::encode_binary(f));
  }
  return out;
}

/// The pipeline over bed frames; with `calibration_dir`, with a per-taxel calibration (with
/// hysteresis branches) of the mat.
void run_pipeline(benchmark::State& state, const std::string& calibration_dir) {
  const auto frames = bed_frames(4096);
  const auto meta = bed_meta();
  pmap::PipelineConfig config;
  config.ingest.clock_skew_future_us = std::int64_t{1} << 50;  // synthetic clock: never skewed
  config.calibration_dir = calibration_dir;
  std::size_t batches = 0;
  pmap::Pipeline pipeline(
      config, nullptr, [](const std::string&, const std::string&) { return true; },
      [&](pmap::WriteBatch) { ++batches; });
  const auto now = std::chrono::steady_clock::now();
  pipeline.handle("pmap/v1/bed1/meta",
                  {reinterpret_cast<const std::uint8_t*>(meta.data()), meta.size()}, kStartUs, now);
  std::size_t i = 0;
  for (auto _ : state) {
    // Past the prepared frames, start over as a new mat so every frame is accepted.
    const auto& f = frames[i % frames.size()];
    pipeline.handle("pmap/v1/bed1/frame", f, kStartUs, now);
    if (++i % frames.size() == 0) {
      state.PauseTiming();
      pipeline.handle("pmap/v1/bed1/meta",
                      {reinterpret_cast<const std::uint8_t*>(meta.data()), meta.size()}, kStartUs,
                      now);
      state.ResumeTiming();
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["accepted"] = static_cast<double>(pipeline.ingest().counters("bed1").accepted);
  state.counters["calibrated"] = pipeline.calibration_state("bed1")["in_use"].get<bool>() ? 1 : 0;
}

void BM_PipelineBedFrame(benchmark::State& state) {
  run_pipeline(state, "");
}
BENCHMARK(BM_PipelineBedFrame);

/// A calibration directory holding a 64 x 32 calibration of bed1, removed at exit.
struct CalibrationDir {
  std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("pmap-bench-cal-" + std::to_string(::getpid()));
  CalibrationDir() {
    std::filesystem::create_directories(path);
    std::vector<float> gains(64 * 32);
    for (std::size_t i = 0; i < gains.size(); ++i) gains[i] = 0.6f + 0.004f * (i % 200);
    const std::string error = pmap::calibration::save_calibration(
        pmap::test::make_calibration("bed1", 64, 32, gains, /*branches=*/true), path / "bed1.json");
    if (!error.empty()) throw std::runtime_error(error);
  }
  ~CalibrationDir() { std::filesystem::remove_all(path); }
};

void BM_PipelineBedFrameCalibrated(benchmark::State& state) {
  const CalibrationDir dir;
  run_pipeline(state, dir.path.string());
}
BENCHMARK(BM_PipelineBedFrameCalibrated);

/// The conditioning stage alone on a canonical 64 x 32 bed frame (raw image, floor, noise gate,
/// pressure), into a reused ConditionedFrame. range(0) = 1: with a per-taxel calibration
/// (hysteresis branches, zero shift tracked), 0: the nominal linear scale.
void BM_ConditionBedFrame(benchmark::State& state) {
  const bool calibrated = state.range(0) != 0;
  const pmap::MatDescriptor mat = *pmap::parse_meta("bed1", bed_meta()).descriptor;
  pmap::MatConditioner conditioner;
  if (calibrated) {
    std::vector<float> gains(64 * 32);
    for (std::size_t i = 0; i < gains.size(); ++i) gains[i] = 0.6f + 0.004f * (i % 200);
    auto made = pmap::CanonicalCalibration::make(
        pmap::test::make_calibration("bed1", 64, 32, gains, /*branches=*/true), mat, {"b", 1});
    conditioner.use_calibration(
        std::get<std::shared_ptr<const pmap::CanonicalCalibration>>(std::move(made)));
  }
  std::vector<pmap::PressureFrame> frames;
  for (const auto& bytes : bed_frames(64)) {
    auto decoded = pmap::decode_frame(bytes);
    frames.push_back(pmap::to_canonical(std::get<pmap::PressureFrame>(decoded), mat.layout));
  }
  pmap::ConditionedFrame out;
  conditioner.condition(frames[0], mat, out);
  conditioner.learn_empty(out);  // the zero is tracked: the shift is applied
  std::size_t i = 0;
  for (auto _ : state) {
    conditioner.condition(frames[i++ % frames.size()], mat, out);
    benchmark::DoNotOptimize(out.pressure_mmhg->data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_ConditionBedFrame)->Arg(0)->Arg(1);

/// The calibration applier alone on the same frames (what BM_ConditionBedFrame/1 spends in it):
/// range(0) = 1 with the hysteresis history (as the gateway runs it), 0 the midline curve.
void BM_CalibrationApplierBedFrame(benchmark::State& state) {
  const pmap::MatDescriptor mat = *pmap::parse_meta("bed1", bed_meta()).descriptor;
  std::vector<float> gains(64 * 32);
  for (std::size_t i = 0; i < gains.size(); ++i) gains[i] = 0.6f + 0.004f * (i % 200);
  const pmap::calibration::CalibrationApplier applier(
      pmap::test::make_calibration("bed1", 64, 32, gains, /*branches=*/true));
  auto history = applier.make_state();
  std::vector<std::vector<float>> frames;
  for (const auto& bytes : bed_frames(64)) {
    const auto f =
        pmap::to_canonical(std::get<pmap::PressureFrame>(pmap::decode_frame(bytes)), mat.layout);
    frames.emplace_back(f.values.begin(), f.values.end());
  }
  std::vector<float> mmhg(64 * 32);
  const std::vector<float> shift(64 * 32, 1.5f);
  std::size_t i = 0;
  for (auto _ : state) {
    applier.apply(frames[i++ % frames.size()], mmhg, shift,
                  state.range(0) != 0 ? &history : nullptr);
    benchmark::DoNotOptimize(mmhg.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_CalibrationApplierBedFrame)->Arg(0)->Arg(1);
/// What a flooding mat's frame costs once over its rate limit (docs/performance.md, "Rate
/// limits"): the ingest refuses it from the binary header, before the CRC and the decode. The
/// bucket is empty and every frame repeats the timestamp, so none earns a token.
void BM_IngestRateLimitedBedFrame(benchmark::State& state) {
  pmap::IngestConfig cfg;
  cfg.max_frame_rate_hz = 250;
  cfg.max_frame_burst = 1;
  // As in the gateway: a logger at warn, so every refusal asks the log rate limiter (which lets
  // one line per 10 s through; the sink drops it).
  pmap::Logger logger(pmap::LogLevel::kWarn, [](pmap::LogLevel, std::string_view) {});
  pmap::Ingest ingest(cfg, &logger);
  const std::string meta = bed_meta();
  (void)ingest.on_meta("bed1", {reinterpret_cast<const std::uint8_t*>(meta.data()), meta.size()},
                       kStartUs);
  const auto frame = bed_frames(1).front();
  (void)ingest.on_frame("bed1", frame, kStartUs);  // spends the burst
  for (auto _ : state) benchmark::DoNotOptimize(ingest.on_frame("bed1", frame, kStartUs));
  state.counters["rate_limited"] =
      static_cast<double>(ingest.counters("bed1").rejected_by_reason.at("rate_limited"));
}
BENCHMARK(BM_IngestRateLimitedBedFrame);

/// The same frame when the limit lets it in: header, CRC, decode, validation, canonical copy
/// (the ingest's share of BM_PipelineBedFrame), for the ratio.
void BM_IngestAcceptedBedFrame(benchmark::State& state) {
  pmap::IngestConfig cfg;
  cfg.max_frame_rate_hz = 100000;  // the bucket is checked, and always holds a token
  cfg.max_frame_burst = 1e6;
  pmap::Ingest ingest(cfg);
  const std::string meta = bed_meta();
  // 2048 frames (sequence s, stamped s seconds after kStartUs), all within the clock skew of a
  // gateway clock just after the last; going round again is one sequence restart, no duplicate.
  const auto frames = bed_frames(2048);
  const std::int64_t now = kStartUs + 2048LL * 1'000'000;
  (void)ingest.on_meta("bed1", {reinterpret_cast<const std::uint8_t*>(meta.data()), meta.size()},
                       now);
  std::size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(ingest.on_frame("bed1", frames[i++ % 2048], now));
  state.counters["accepted"] = static_cast<double>(ingest.counters("bed1").accepted);
}
BENCHMARK(BM_IngestAcceptedBedFrame);

/// One flush of a typical batch: 2 mats × 1 s of 5-s epochs plus counters (what the gateway
/// writes every second), in a WAL database on the local disk.
void BM_StoreFlushBatch(benchmark::State& state) {
  const auto path =
      std::filesystem::temp_directory_path() / ("pmap-bench-" + std::to_string(::getpid()) + ".db");
  std::filesystem::remove(path);
  {
    pmap::Store store(path.string());
    std::int64_t epoch = 1'700'000'000;
    for (auto _ : state) {
      pmap::WriteBatch b;
      for (const char* mat : {"bed1", "chair1"}) {
        pmap::EpochDelta e;
        e.mat_id = mat;
        e.epoch_start_s = epoch;
        e.frames = 5;
        e.occupied_frames = 5;
        e.load_raw_sum = 5e5;
        e.force_n_sum = 3500;
        b.epochs.push_back(e);
        b.counters.push_back({mat, {{"received", 100}, {"accepted", 100}}});
      }
      epoch += 5;
      store.write(b);
    }
  }
  std::filesystem::remove(path);
  std::filesystem::remove(path.string() + "-wal");
  std::filesystem::remove(path.string() + "-shm");
}
BENCHMARK(BM_StoreFlushBatch)->Unit(benchmark::kMicrosecond);

}  // namespace
