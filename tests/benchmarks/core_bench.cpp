// Hot paths of core: every frame on every mat goes through decode and to_canonical.
#include <benchmark/benchmark.h>

#include <random>

#include "pmap/layout.hpp"
#include "pmap/wire_codec.hpp"

namespace {

pmap::PressureFrame bed_frame() {
  pmap::PressureFrame f;
  f.rows = 64;
  f.cols = 32;
  f.sequence = 1;
  f.timestamp_us = 1'700'000'000'000'000;
  std::mt19937 rng(1);
  std::uniform_int_distribution<int> d(0, 1000);
  for (std::size_t i = 0; i < f.taxel_count(); ++i)
    f.values.push_back(static_cast<std::uint16_t>(d(rng)));
  return f;
}

void BM_DecodeBinaryBedFrame(benchmark::State& state) {
  const auto bytes = pmap::encode_binary(bed_frame());
  for (auto _ : state) {
    auto r = pmap::decode_frame(std::span<const std::uint8_t>(bytes));
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes.size()));
}
BENCHMARK(BM_DecodeBinaryBedFrame);

void BM_DecodeJsonBedFrame(benchmark::State& state) {
  const auto text = pmap::encode_json(bed_frame());
  for (auto _ : state) {
    auto r = pmap::decode_frame(text);
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}
BENCHMARK(BM_DecodeJsonBedFrame);

void BM_EncodeBinaryBedFrame(benchmark::State& state) {
  const auto f = bed_frame();
  for (auto _ : state) {
    auto b = pmap::encode_binary(f);
    benchmark::DoNotOptimize(b);
  }
}
BENCHMARK(BM_EncodeBinaryBedFrame);

void BM_ToCanonicalTurnedRound(benchmark::State& state) {
  const auto f = bed_frame();
  const pmap::MatLayout layout{pmap::RowOrigin::kFar, true};
  for (auto _ : state) {
    auto c = pmap::to_canonical(f, layout);
    benchmark::DoNotOptimize(c);
  }
}
BENCHMARK(BM_ToCanonicalTurnedRound);

}  // namespace
