// The chair posture engine's per-frame estimate (docs/chair.md, docs/performance.md): one 32 x 32
// seat frame through the engine and the weight-shift tracker. The frames are rendered by the
// simulator's body and sensor models (tests/chair/chair_sim.hpp): random adults in the five sitting
// classes, with and without a wallet, with sensor noise and faulty taxels, idle floor removed.
//
// The argument is the number of different frames cycled through: 16 (64 KB of input, cache
// resident, as in the gateway, where the conditioning stage has just written the image) and 256
// (1 MB, so every frame comes from memory: that variant measures memory traffic as well).
#include <benchmark/benchmark.h>

#include <random>
#include <variant>
#include <vector>

#include "chair_sim.hpp"
#include "pmap/chair/chair_posture.hpp"

namespace {

using pmap::chair::test::PoseFamily;

/// `n` different occupied frames, alternately from the class set and the wallet set the accuracy
/// tests use (other seeds).
std::vector<Eigen::MatrixXf> chair_frames(std::size_t n) {
  std::mt19937_64 rng(20261125);
  std::vector<Eigen::MatrixXf> frames;
  for (std::size_t i = 0; i < n; ++i) {
    const PoseFamily family = i % 2 == 0 ? PoseFamily::kClasses : PoseFamily::kWallet;
    const pmap::sim::BodyParams body = pmap::sim::BodyParams::random(rng);
    const pmap::sim::ChairPose pose = pmap::chair::test::random_pose(family, rng);
    frames.push_back(pmap::chair::test::render_chair(body, pose, rng()).counts_above_floor);
  }
  return frames;
}

/// One frame: `analyse` + ChairShiftTracker::update at a 2 Hz frame clock.
template <typename Analyse>
void run(benchmark::State& state, Analyse analyse) {
  const auto frames = chair_frames(static_cast<std::size_t>(state.range(0)));
  const pmap::MatDescriptor mat = pmap::chair::test::chair_descriptor();
  pmap::chair::ChairShiftTracker tracker;
  std::size_t i = 0;
  int occupied = 0;
  for (auto _ : state) {
    const auto result = analyse(frames[i % frames.size()], mat);
    if (const auto* seat = std::get_if<pmap::chair::ChairPostureResult>(&result)) {
      occupied += seat->occupied ? 1 : 0;
      auto shift = tracker.update(*seat, 0.5 * static_cast<double>(i));
      benchmark::DoNotOptimize(shift);
    }
    ++i;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["occupied"] =
      benchmark::Counter(static_cast<double>(occupied), benchmark::Counter::kAvgIterations);
}

/// Through a reused ChairAnalyzer (what the gateway does per mat): no allocation.
void BM_ChairAnalyzerFrame(benchmark::State& state) {
  pmap::chair::ChairAnalyzer analyzer;
  run(state, [&](const Eigen::MatrixXf& frame, const pmap::MatDescriptor& mat) {
    return analyzer.analyze(frame, mat);
  });
}
BENCHMARK(BM_ChairAnalyzerFrame)->Arg(16)->Arg(256);

/// Through the analyze_chair_frame convenience function (a new workspace per frame).
void BM_ChairFrame(benchmark::State& state) {
  run(state, [](const Eigen::MatrixXf& frame, const pmap::MatDescriptor& mat) {
    return pmap::chair::analyze_chair_frame(frame, mat);
  });
}
BENCHMARK(BM_ChairFrame)->Arg(16)->Arg(256);

}  // namespace
