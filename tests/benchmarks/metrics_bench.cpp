// The cost of one histogram observation on the per-frame path (docs/performance.md, "Metrics"):
// alone, and with four threads observing into the same histogram (contended cache line).
#include <benchmark/benchmark.h>

#include <chrono>

#include "pmap/metrics/histogram.hpp"

namespace {

pmap::metrics::Histogram& shared_histogram() {
  static pmap::metrics::Histogram h(pmap::metrics::Histogram::frame_bounds());
  return h;
}

void BM_HistogramObserve(benchmark::State& state) {
  auto& h = shared_histogram();
  // A typical decode time (a few hundred µs): the scan passes the first bounds.
  std::chrono::nanoseconds d(300'000);
  for (auto _ : state) {
    h.observe(d);
    d += std::chrono::nanoseconds(1);
  }
  benchmark::DoNotOptimize(h.snapshot().count);
}
BENCHMARK(BM_HistogramObserve);
BENCHMARK(BM_HistogramObserve)->Threads(4);

// The two clock reads that surround every timed stage.
void BM_SteadyClockPair(benchmark::State& state) {
  auto& h = shared_histogram();
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    h.observe(std::chrono::steady_clock::now() - t0);
  }
}
BENCHMARK(BM_SteadyClockPair);

}  // namespace
