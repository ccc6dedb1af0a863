#include "pmap/posture/bed_analyzer.hpp"

#include <string>

#include "bed_image.hpp"
#include "bed_workspace.hpp"
#include "pmap/posture/bed_model.hpp"

namespace pmap::posture {

struct BedAnalyzer::Workspace : detail::BedWorkspace {};

BedAnalyzer::BedAnalyzer() : BedAnalyzer(builtin_bed_model()) {}
BedAnalyzer::BedAnalyzer(const BedModel& model)
    : model_(&model), workspace_(std::make_unique<Workspace>()) {}
BedAnalyzer::~BedAnalyzer() = default;
BedAnalyzer::BedAnalyzer(BedAnalyzer&&) noexcept = default;
BedAnalyzer& BedAnalyzer::operator=(BedAnalyzer&&) noexcept = default;

BedPostureResult BedAnalyzer::analyze(const Eigen::Ref<const Eigen::MatrixXf>& canonical,
                                      const MatDescriptor& mat, const BedAnalysisOptions& options) {
  std::string error;
  if (!detail::prepare_bed_image(canonical, mat, *workspace_, &error, options.remove_baseline)) {
    return PostureError{error};
  }
  return detail::estimate_posture(*workspace_, *model_, options);
}

KneeSupportAnalysis BedAnalyzer::analyze_with_knees(
    const Eigen::Ref<const Eigen::MatrixXf>& canonical, const MatDescriptor& mat,
    const KneeSupportModel& knee_model, const BedAnalysisOptions& options) {
  std::string error;
  if (!detail::prepare_bed_image(canonical, mat, *workspace_, &error, options.remove_baseline)) {
    return PostureError{error};
  }
  const BedPosture posture = detail::estimate_posture(*workspace_, *model_, options);
  // estimate_posture left the head-up image of the reported head end in the workspace.
  const Eigen::MatrixXd& head_up =
      posture.head_end == HeadEnd::kLastRow ? workspace_->turned : workspace_->image.body;
  return detail::analyze_knees(head_up, posture, knee_model, *workspace_);
}

KneeSupportAnalysis BedAnalyzer::analyze_knees(const Eigen::Ref<const Eigen::MatrixXf>& canonical,
                                               const MatDescriptor& mat, const BedPosture& posture,
                                               const KneeSupportModel& knee_model) {
  std::string error;
  if (!detail::prepare_bed_image(canonical, mat, *workspace_, &error)) return PostureError{error};
  if (!posture.occupied) return KneeSupportResult{posture, std::nullopt, std::nullopt};
  const Eigen::MatrixXd& head_up = detail::head_up_image(*workspace_, posture.head_end);
  return detail::analyze_knees(head_up, posture, knee_model, *workspace_);
}

}  // namespace pmap::posture
