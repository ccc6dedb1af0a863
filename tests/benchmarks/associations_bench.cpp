// The statistics of the morning report over a year of days (docs/reports.md, "Statistics").
#include <benchmark/benchmark.h>

#include "pmap/associations/association_analyzer.hpp"
#include "pmap/associations/setup_comparator.hpp"
#include "synthetic_days.hpp"

namespace {

using pmap::associations::AssociationAnalyzer;
using pmap::associations::AssociationConfig;

// 365 days x 12 measures x 3 outcomes, AR(1) 0.5 series.
void BM_AssociationsYear(benchmark::State& state) {
  pmap::associations::testing::SyntheticSpec spec;
  spec.days = static_cast<int>(state.range(0));
  spec.noise_measures = 11;
  spec.autocorrelation = 0.5;
  const auto days = pmap::associations::testing::synthetic_days(spec);
  const AssociationAnalyzer analyzer(AssociationConfig{});
  for (auto _ : state) benchmark::DoNotOptimize(analyzer.analyze(days));
}
BENCHMARK(BM_AssociationsYear)->Arg(30)->Arg(365)->Unit(benchmark::kMillisecond);

// The n-of-1 plan's power search (non-central t) for an SD of 2 points: the slowest plan.
void BM_NightsNeeded(benchmark::State& state) {
  const pmap::associations::SetupComparator comparator({});
  for (auto _ : state) benchmark::DoNotOptimize(comparator.nights_needed(1.0, 2.0));
}
BENCHMARK(BM_NightsNeeded)->Unit(benchmark::kMillisecond);

}  // namespace
