#pragma once
// The bed posture engine for a stream of frames: BedAnalyzer keeps every intermediate image and
// buffer in a workspace of its own, so that after the first frame of a shape a frame allocates
// nothing, and it computes the body image once per frame for the posture and the knee analysis.
// The free functions analyze_bed_frame and analyze_knee_support are wrappers around a fresh
// analyser (docs/posture.md "BedAnalyzer", docs/performance.md).
#include <memory>

#include <Eigen/Core>

#include "pmap/mat_descriptor.hpp"
#include "pmap/posture/bed_posture.hpp"
#include "pmap/posture/knee_support.hpp"

namespace pmap::posture {

struct BedModel;  // pmap/posture/bed_model.hpp

/// Analyses canonical bed frames with one model, reusing its workspace from frame to frame: once
/// it has seen a frame of a given shape, analysing another frame of that shape allocates no memory
/// (only an error result does, for its message). Its answers are those of analyze_bed_frame and
/// analyze_knee_support. One analyser per mat or thread; not thread-safe.
class BedAnalyzer {
 public:
  /// With the built-in model (builtin_bed_model()).
  BedAnalyzer();
  /// With `model`, which must outlive the analyser.
  explicit BedAnalyzer(const BedModel& model);
  ~BedAnalyzer();
  BedAnalyzer(BedAnalyzer&&) noexcept;
  BedAnalyzer& operator=(BedAnalyzer&&) noexcept;
  BedAnalyzer(const BedAnalyzer&) = delete;
  BedAnalyzer& operator=(const BedAnalyzer&) = delete;

  /// The posture of one canonical bed frame (as analyze_bed_frame). `canonical` binds to a
  /// column-major float matrix, map or block without a copy. Never throws.
  [[nodiscard]] BedPostureResult analyze(const Eigen::Ref<const Eigen::MatrixXf>& canonical,
                                         const MatDescriptor& mat,
                                         const BedAnalysisOptions& options = {});

  /// The posture and the knee analysis for its position (knee pillow when side-lying, under-knee
  /// support and pelvic tilt when supine), both from one body image; the posture is in
  /// KneeSupportResult::posture. What the gateway runs per bed frame. Never throws.
  [[nodiscard]] KneeSupportAnalysis analyze_with_knees(
      const Eigen::Ref<const Eigen::MatrixXf>& canonical, const MatDescriptor& mat,
      const KneeSupportModel& knee_model = KneeSupportModel{},
      const BedAnalysisOptions& options = {});

  /// The knee analysis on a posture the caller already has for this frame (it must come from this
  /// frame; as analyze_knee_support with a posture). Never throws.
  [[nodiscard]] KneeSupportAnalysis analyze_knees(
      const Eigen::Ref<const Eigen::MatrixXf>& canonical, const MatDescriptor& mat,
      const BedPosture& posture, const KneeSupportModel& knee_model = KneeSupportModel{});

 private:
  struct Workspace;
  const BedModel* model_;
  std::unique_ptr<Workspace> workspace_;
};

}  // namespace pmap::posture
