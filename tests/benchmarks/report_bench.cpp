// The morning report over a year of data (docs/reports.md, "Performance"): 365 nights with the
// gateway's 5-second epochs and posture epochs (8 h a night: 5760 of each), their episodes, a
// workday of sitting per day and a diary entry every morning, in a real SQLite file.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <random>

#include "pmap/report/report_builder.hpp"
#include "pmap/report/report_html.hpp"
#include "report_fixture.hpp"

namespace {

using pmap::report::testing::date;
using pmap::report::testing::ReportStore;

ReportStore& year_store(int nights) {
  static std::map<int, std::unique_ptr<ReportStore>> stores;
  auto& s = stores[nights];
  if (s) return *s;
  s = std::make_unique<ReportStore>("UTC");  // the fixture's fixed hours must exist every day
  std::mt19937_64 rng(1);
  std::uniform_int_distribution<int> dropped(0, 120);
  const auto last = date(2026, 11, 20);
  for (int i = nights - 1; i >= 0; --i) {
    const auto wake = last - std::chrono::days(i);
    s->night(wake, dropped(rng));
    s->sitting(wake - std::chrono::days(1), 50 + dropped(rng) / 4);
    const std::int64_t start_s = s->at(wake - std::chrono::days(1), 23) / 1'000'000;
    for (int e = 0; e < 8 * 720; ++e) {
      pmap::EpochDelta d;
      d.mat_id = "bed1";
      d.epoch_start_s = start_s + 5 * e;
      d.frames = d.occupied_frames = 5;
      d.movement_sum = (e % 97 == 0) ? 1.0 : 0.01;
      s->batch_.epochs.push_back(d);
      pmap::PostureEpochDelta p;
      p.mat_id = "bed1";
      p.epoch_start_s = d.epoch_start_s;
      p.posture_frames = 5;
      if (e >= 720 * 2 && e < 720 * 6) {
        p.side_frames = 5;
        p.pelvic_roll_deg_sum = 40;
        p.knee_aligned_frames = 4;
        p.knee_dropped_frames = 1;
      }
      s->batch_.posture_epochs.push_back(p);
    }
    s->write();
    s->pain(s->at(wake, 7, 30), 3, 2 + static_cast<int>(rng() % 4), pmap::diary::Extent::kThigh,
            {pmap::diary::ContextTag::kOnWaking});
  }
  return *s;
}

void BM_ReportYear(benchmark::State& state) {
  ReportStore& s = year_store(static_cast<int>(state.range(0)));
  const auto day = date(2026, 11, 20);
  if (std::getenv("PMAP_BENCH_MMAP") != nullptr) {
    if (std::getenv("PMAP_BENCH_MMAP")[0] == 'm') s.store_.db().exec("PRAGMA mmap_size = 1073741824");
    s.store_.db().exec("PRAGMA cache_size = -262144");
  }
  // PMAP_BENCH_COPY_DB=FILE keeps a copy of the database (to time `pmapctl report` on it).
  if (const char* copy = std::getenv("PMAP_BENCH_COPY_DB"); copy != nullptr && state.range(0) == 365)
    s.store_.db().exec("VACUUM INTO '" + std::string(copy) + "'");
  pmap::report::ReportBuilder builder(s.store_, s.zone_);
  for (auto _ : state) benchmark::DoNotOptimize(builder.build(day, s.at(day, 9)));
}
BENCHMARK(BM_ReportYear)->Arg(30)->Arg(365)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_ReportHtml(benchmark::State& state) {
  ReportStore& s = year_store(365);
  const auto day = date(2026, 11, 20);
  const auto doc = pmap::report::ReportBuilder(s.store_, s.zone_).build(day, s.at(day, 9));
  for (auto _ : state) benchmark::DoNotOptimize(pmap::report::render_html(doc));
}
BENCHMARK(BM_ReportHtml)->Unit(benchmark::kMillisecond);

}  // namespace
