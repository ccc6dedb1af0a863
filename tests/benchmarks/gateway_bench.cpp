// Hot paths of the gateway: every frame of every mat passes through the pipeline
// (decode, validate, canonical, condition, features, epoch aggregation, state), and the store
// writes one batch per flush.
#include <benchmark/benchmark.h>

#include <unistd.h>
#include <chrono>
#include <filesystem>
#include <random>

#include "pmap/mat_descriptor.hpp"
#include "pmap/pipeline.hpp"
#include "pmap/store.hpp"
#include "pmap/wire_codec.hpp"

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

void BM_PipelineBedFrame(benchmark::State& state) {
  const auto frames = bed_frames(4096);
  const auto meta = bed_meta();
  pmap::PipelineConfig config;
  config.ingest.clock_skew_future_us = std::int64_t{1} << 50;  // synthetic clock: never skewed
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
}
BENCHMARK(BM_PipelineBedFrame);

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
