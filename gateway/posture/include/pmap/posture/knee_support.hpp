#pragma once
// Knee pillow (side-lying) and under-knee support / pelvic tilt (supine) from one canonical bed
// frame, on top of the posture engine (analyze_bed_frame: position, head end, landmarks).
// docs/posture.md "Knee pillow and under-knee support" describes the measures and models;
// docs/accuracy.md says what is validated on real data and what only on the simulator.
#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

#include <Eigen/Core>

#include "pmap/mat_descriptor.hpp"
#include "pmap/posture/bed_posture.hpp"

namespace pmap::posture {

/// Side-lying: is the top knee held over the bottom one (by a pillow or resting on the bottom
/// knee: no top-knee contact on the mattress) or has it dropped forward onto the mattress? A
/// pressure map cannot see the pillow itself, so "knees together without a pillow" is kAligned.
enum class KneePillowState : std::uint8_t { kUnknown, kAligned, kDropped };

/// Supine: knees flexed and supported (pillow, bolster, feet drawn up) vs legs flat on the bed.
enum class KneeSupport : std::uint8_t { kUnknown, kFlat, kFlexedSupported };

[[nodiscard]] std::string_view to_string(KneePillowState state);
[[nodiscard]] std::string_view to_string(KneeSupport support);

/// The measures behind the side-lying decision (head-up body frame; "forward" = the direction
/// the person faces, perpendicular to the shoulder→pelvis axis).
struct SideKneeMeasures {
  bool knees_resolved = false;    ///< a clear knee contact was found in front of the pelvis
  double second_knee_score = 0;   ///< prominence of a second knee contact behind the front one
  double knee_spacing_mm = 0;     ///< forward distance between the two knee contacts (0 if one)
  double pelvis_asymmetry = 0;    ///< pelvis-band load centroid minus its peak, / its spread
  double pelvis_line_offset = 0;  ///< pelvis centroid forward of the shoulder–knee line / trunk
  double trunk_length_mm = 0;     ///< shoulders landmark to pelvis landmark (T)
  double front_knee_forward_mm = 0;  ///< front knee contact forward of the pelvis landmark
  double front_knee_along_mm = 0;    ///< front knee contact below the pelvis along the trunk axis
  /// Load-weighted spread of the knee neighbourhood (taxels within 10 cm of the front knee along
  /// the body, from 30 cm behind to 10 cm in front of it), forward and along the body. A top
  /// knee dropped 10–14 cm in front of the bottom one often makes no separate peak, but it
  /// widens the contact forward.
  double knee_forward_spread_mm = 0;
  double knee_along_spread_mm = 0;
};

/// Number of terms of the knee-pillow classifier (see side_knee_features).
inline constexpr int kKneePillowFeatures = 9;
using KneePillowWeights = Eigen::Matrix<double, kKneePillowFeatures, 1>;

/// The classifier's inputs from the measures, all free of scale (lengths / trunk length T):
/// 1, second_knee_score, knee_spacing/T, forward/along spread, the forward excess
/// 2·√(forward² − along² spread)/T, front knee forward/T, front knee along/T, pelvis_asymmetry,
/// pelvis_line_offset.
[[nodiscard]] KneePillowWeights side_knee_features(const SideKneeMeasures& measures);

/// How far in front of the bottom knee a dropped top knee lies, mm: the distance between the two
/// knee peaks, or, when the two contacts merged into one, from how much wider the contact is
/// forward than along the body.
[[nodiscard]] double top_knee_offset_mm(const SideKneeMeasures& measures);

/// Log-odds that the top knee has dropped: weights · side_knee_features(measures).
[[nodiscard]] double knee_pillow_logit(const SideKneeMeasures& measures,
                                       const KneePillowWeights& weights);

struct SideKneeResult {
  KneePillowState state = KneePillowState::kUnknown;
  /// How far forward of the bottom knee the top knee rests on the mattress, cm (0 if it does not).
  double top_knee_offset_cm = 0;
  /// Forward pelvic roll, degrees (0 = hips square). An ESTIMATE from a linear model fitted on
  /// the simulator (docs/posture.md); not validated on real data.
  double pelvic_roll_deg = 0;
  double confidence = 0;  ///< in [0, 1]; 0 when unknown
  SideKneeMeasures measures;
};

struct SupineKneeMeasures {
  bool resolved = false;
  /// Knee/calf band load of the weaker leg (×2) relative to half the buttocks + heels load.
  double knee_band_ratio = 0;
  /// Fraction of the knee/calf band's rows showing two legs (two runs of contact, or one run at
  /// least 26 cm wide: the legs lying together): with one knee drawn up only the flat leg (and
  /// the planted foot) remains.
  double two_leg_fraction = 0;
  /// knee_band_ratio × two_leg_fraction: both fall when a knee is drawn up; the first sign.
  double flexion_score = 0;
  /// Knee/calf band load of the weaker leg (×2) relative to the heels' load alone: the second
  /// sign of flexed knees, blind to load moving between trunk and buttocks (a bed inclined
  /// 30–60°, PMD files 15–17, loads the buttocks and empties knee_band_ratio; the legs, and this,
  /// stay as they were). Infinite when the heels carry nothing.
  double knee_to_heel_ratio = 0;
  /// (sacrum + lumbar − buttocks) / (sacrum + lumbar + buttocks) in the pelvis region.
  double pelvic_load_index = 0;
  /// A pillow under both knees lies on the mat and joins them into one broad contact across the
  /// body's midline (the line from pelvis to heels); flat legs, and knees drawn up with the feet
  /// planted, leave a gap there or touch over a leg's width. The second-widest such run of the
  /// knee rows (between 0.35 and 0.75 of the way from pelvis to heels), mm: two rows must bridge,
  /// so one row of noise cannot. 0 when no knee row has contact on the midline.
  double knee_bridge_mm = 0;
};

struct SupineKneeResult {
  KneeSupport support = KneeSupport::kUnknown;
  double confidence = 0;  ///< in [0, 1]; 0 when unknown
  /// Pelvic tilt in bed, degrees, + = posterior (lumbar curve flattened), − = anterior. An
  /// ESTIMATE: a nominal linear scale on the pelvic load index (docs/posture.md).
  double pelvic_tilt_deg = 0;
  SupineKneeMeasures measures;
};

/// Thresholds and coefficients. The defaults are the values fitted as docs/posture.md says
/// (knee band on PMD experiment-i, knee pillow and roll on the simulator); tests refit them.
struct KneeSupportModel {
  /// Dropped iff knee_pillow_logit > 0. Logistic regression fitted by fit_knee_pillow_classifier
  /// on 2000 simulated side-lying sleepers, seeds 100000–101999 of the knee test's generator
  /// (`KneePillowSimulated.BuiltInClassifierIsReproducedByRefitting` refits and compares).
  KneePillowWeights knee_pillow_weights =
      (KneePillowWeights() << -38.3623001, 14.0180449, 15.9059445, 11.0479671, -15.3676396,
       4.00514432, 27.0503475, 3.3465396, -17.073183)
          .finished();
  /// Pelvic roll = roll[0] + roll[1]·asymmetry + roll[2]·line offset, clamped to 0..45°.
  Eigen::Vector3d roll_coefficients{14.76, 18.93, 24.94};
  double flexion_score_threshold = 0.1206;  ///< flexed iff flexion_score below this
  /// Flexed iff knee_to_heel_ratio below this as well (docs/posture.md, "Knee pillow and under-knee
  /// support").
  double knee_to_heel_threshold = 0.4;
  /// A pillow under the knees iff knee_bridge_mm reaches this (docs/posture.md).
  double knee_bridge_threshold_mm = 400;
  double neutral_pelvic_index = -0.175;  ///< the index of a flat-lying supine sleeper
  double tilt_deg_per_index = 40.0;      ///< nominal scale, see docs/posture.md
};

struct KneeSupportResult {
  BedPosture posture;                      ///< the engine's answer the analysis builds on
  std::optional<SideKneeResult> side;      ///< set when the position is left or right side
  std::optional<SupineKneeResult> supine;  ///< set when the position is supine
};

using KneeSupportAnalysis = std::variant<KneeSupportResult, PostureError>;

/// Runs analyze_bed_frame and the knee analysis for its position. Never throws.
[[nodiscard]] KneeSupportAnalysis analyze_knee_support(
    const Eigen::MatrixXf& canonical, const MatDescriptor& mat,
    const KneeSupportModel& model = KneeSupportModel{});

/// The same on a posture the caller already has for this frame (must come from this frame).
[[nodiscard]] KneeSupportAnalysis analyze_knee_support(const Eigen::MatrixXf& canonical,
                                                       const MatDescriptor& mat,
                                                       const BedPosture& posture,
                                                       const KneeSupportModel& model);

/// The threshold on `scores` that best separates `positive` (true) from the rest, as the midpoint
/// between neighbouring sorted scores maximising balanced accuracy. `positive_above` says which
/// side of the threshold is positive. Empty input or a single class gives nullopt.
[[nodiscard]] std::optional<double> fit_threshold(const std::vector<double>& scores,
                                                  const std::vector<bool>& positive,
                                                  bool positive_above);

/// Logistic regression (Newton iterations, a small ridge on the standardised terms) of dropped
/// (true) against aligned on side_knee_features. nullopt with fewer than 20 samples, one class
/// only, or sizes that differ.
[[nodiscard]] std::optional<KneePillowWeights> fit_knee_pillow_classifier(
    const std::vector<SideKneeMeasures>& measures, const std::vector<bool>& dropped);

/// Least-squares fit of the pelvic roll model from side-lying measures and true roll angles.
/// nullopt with fewer than 3 samples or a singular design.
[[nodiscard]] std::optional<Eigen::Vector3d> fit_pelvic_roll(
    const std::vector<SideKneeMeasures>& measures, const std::vector<double>& roll_deg);

}  // namespace pmap::posture
