// The bed posture engine's per-frame estimate (docs/posture.md, docs/performance.md): one 64 x 32
// bed frame through the engine (occupancy, head end, axes, landmarks, position, subtype) and the
// knee analysis for its position, as the gateway pipeline runs them. The frames are rendered by
// the simulator's body and sensor models: random adults supine (with and without a pillow under
// the knees) and on either side (straight, semi-fetal, fetal, partly rolled; with no, an aligned or
// a dropped knee pillow), at random places on the mat, read with sensor noise, baseline and faulty
// taxels; every fourth frame is turned round (head at the last row) so the head-end search turns
// the image.
//
// BM_BedAnalyzerTurnedFrame: the same sleepers lying 20 degrees off the mat's axis.
//
// The argument is the number of different frames cycled through: 16 (128 KB of input, cache
// resident, as in the gateway, where the conditioning stage has just written the image) and 256
// (2 MB, so every frame comes from memory).
#include <benchmark/benchmark.h>

#include <random>
#include <variant>
#include <vector>

#include "pmap/posture/bed_analyzer.hpp"
#include "pmap/posture/bed_posture.hpp"
#include "pmap/posture/frame_image.hpp"
#include "pmap/posture/knee_support.hpp"
#include "pmap/sim/body_model.hpp"
#include "pmap/sim/sensor_model.hpp"

namespace {

pmap::MatDescriptor bed_mat() {
  const pmap::sim::MatGeometry geometry = pmap::sim::MatGeometry::bed();
  pmap::MatDescriptor mat;
  mat.id = "bench-bed";
  mat.kind = pmap::MatKind::kBed;
  mat.rows = geometry.rows;
  mat.cols = geometry.cols;
  mat.row_pitch_mm = geometry.row_pitch_mm;
  mat.col_pitch_mm = geometry.col_pitch_mm;
  mat.sample_rate_hz = 1;
  return mat;
}

std::vector<Eigen::MatrixXf> bed_frames(std::size_t n, double turn_degrees = 0) {
  namespace sim = pmap::sim;
  std::vector<Eigen::MatrixXf> frames;
  for (std::size_t i = 0; i < n; ++i) {
    std::mt19937_64 rng(20261126 + i);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    const sim::BodyParams body = sim::BodyParams::random(rng);
    sim::BedPose pose;
    const double which = unit(rng);
    pose.posture = which < 0.4   ? sim::BedPosture::kSupine
                   : which < 0.7 ? sim::BedPosture::kLeft
                                 : sim::BedPosture::kRight;
    const double kind = unit(rng);
    pose.lateral = kind < 0.3    ? sim::LateralSubtype::kStraight
                   : kind < 0.55 ? sim::LateralSubtype::kSemiFetal
                   : kind < 0.8  ? sim::LateralSubtype::kFetal
                                 : sim::LateralSubtype::kRolledSupine;
    const double pillow = unit(rng);
    pose.knee_pillow = pillow < 1.0 / 3   ? sim::KneePillow::kNone
                       : pillow < 2.0 / 3 ? sim::KneePillow::kAligned
                                          : sim::KneePillow::kDropped;
    pose.under_knee_pillow = unit(rng) < 0.5;
    pose.head_gap_mm = -40 + 100 * unit(rng);
    pose.lateral_offset_mm = 120 * (unit(rng) - 0.5);
    const sim::BodyModel model(pmap::MatKind::kBed, sim::MatGeometry::bed(), body);
    const sim::PressureImage image = model.render(sim::BodyState{pose, pose, 0, {}, 1.0});
    sim::SensorModel sensor(image.rows, image.cols, sim::SensorConfig{}, rng());
    Eigen::MatrixXf canonical = pmap::posture::frame_image(sensor.read(image, 0, 0));
    if (turn_degrees != 0) {
      canonical =
          pmap::posture::turned_image(canonical, bed_mat(), i % 2 ? turn_degrees : -turn_degrees);
    }
    frames.push_back(i % 4 == 3 ? Eigen::MatrixXf(canonical.reverse()) : canonical);
  }
  return frames;
}

/// One frame: `analyse` returns the knee analysis (which holds the posture).
template <typename Analyse>
void run(benchmark::State& state, Analyse analyse, double turn_degrees = 0) {
  const auto frames = bed_frames(static_cast<std::size_t>(state.range(0)), turn_degrees);
  const pmap::MatDescriptor mat = bed_mat();
  std::size_t i = 0;
  int occupied = 0;
  for (auto _ : state) {
    const auto result = analyse(frames[i % frames.size()], mat);
    if (const auto* knee = std::get_if<pmap::posture::KneeSupportResult>(&result))
      occupied += knee->posture.occupied ? 1 : 0;
    benchmark::DoNotOptimize(result);
    ++i;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["occupied"] =
      benchmark::Counter(static_cast<double>(occupied), benchmark::Counter::kAvgIterations);
}

/// Through the free functions, as the pipeline called them before BedAnalyzer: analyze_bed_frame,
/// then analyze_knee_support on its posture.
void BM_BedFrame(benchmark::State& state) {
  run(state,
      [](const Eigen::MatrixXf& frame,
         const pmap::MatDescriptor& mat) -> pmap::posture::KneeSupportAnalysis {
        const auto posture = pmap::posture::analyze_bed_frame(frame, mat);
        if (const auto* error = std::get_if<pmap::posture::PostureError>(&posture)) return *error;
        return pmap::posture::analyze_knee_support(frame, mat,
                                                   std::get<pmap::posture::BedPosture>(posture),
                                                   pmap::posture::KneeSupportModel{});
      });
}
BENCHMARK(BM_BedFrame)->Arg(16)->Arg(256);

/// Through a reused BedAnalyzer (what the gateway does per mat): one body image for the posture
/// and the knees, no allocation.
void BM_BedAnalyzerFrame(benchmark::State& state) {
  pmap::posture::BedAnalyzer analyzer;
  run(state, [&](const Eigen::MatrixXf& frame, const pmap::MatDescriptor& mat) {
    return analyzer.analyze_with_knees(frame, mat);
  });
}
BENCHMARK(BM_BedAnalyzerFrame)->Arg(16)->Arg(256);

/// The same with every sleeper lying 20 degrees off the mat's axis (either way): the position
/// descriptor and classifier run a second time on the body turned straight (docs/posture.md,
/// step 6, "Bodies lying at an angle").
void BM_BedAnalyzerTurnedFrame(benchmark::State& state) {
  pmap::posture::BedAnalyzer analyzer;
  run(
      state,
      [&](const Eigen::MatrixXf& frame, const pmap::MatDescriptor& mat) {
        return analyzer.analyze_with_knees(frame, mat);
      },
      20.0);
}
BENCHMARK(BM_BedAnalyzerTurnedFrame)->Arg(16);

}  // namespace
