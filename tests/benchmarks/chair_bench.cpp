// The chair posture engine's per-frame estimate (docs/chair.md, docs/performance.md): one 32 x 32
// seat frame through analyze_chair_frame and the weight-shift tracker. The frames are rendered by
// the simulator's body and sensor models (tests/chair/chair_sim.hpp): random adults in the five
// sitting classes, with and without a wallet, noise and faulty taxels, idle floor removed.
#include <benchmark/benchmark.h>

#include <random>
#include <variant>
#include <vector>

#include "chair_sim.hpp"
#include "pmap/chair/chair_posture.hpp"

namespace {

using pmap::chair::test::PoseFamily;

/// 256 different occupied frames: the class set and the wallet set, as the accuracy tests make
/// them (different seeds).
std::vector<Eigen::MatrixXf> chair_frames() {
  std::mt19937_64 rng(20261125);
  std::vector<Eigen::MatrixXf> frames;
  for (int i = 0; i < 256; ++i) {
    const PoseFamily family = i % 2 == 0 ? PoseFamily::kClasses : PoseFamily::kWallet;
    const pmap::sim::BodyParams body = pmap::sim::BodyParams::random(rng);
    const pmap::sim::ChairPose pose = pmap::chair::test::random_pose(family, rng);
    frames.push_back(pmap::chair::test::render_chair(body, pose, rng()).counts_above_floor);
  }
  return frames;
}

/// analyze_chair_frame (the free function) + ChairShiftTracker::update, 2 Hz frame clock.
void BM_ChairFrame(benchmark::State& state) {
  const auto frames = chair_frames();
  const pmap::MatDescriptor mat = pmap::chair::test::chair_descriptor();
  pmap::chair::ChairShiftTracker tracker;
  std::size_t i = 0;
  int occupied = 0;
  for (auto _ : state) {
    const auto result = pmap::chair::analyze_chair_frame(frames[i % frames.size()], mat);
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
BENCHMARK(BM_ChairFrame);

}  // namespace
