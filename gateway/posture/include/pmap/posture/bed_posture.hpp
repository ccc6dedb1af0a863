#pragma once
// Bed posture engine: what one canonical pressure image says about the person lying on the mat.
//
// The input is a canonical image (docs/protocol.md §2: row 0 at the head end when the mat lies the
// right way round, column 0 under the sleeper's right side when supine) in any non-negative unit:
// raw counts, counts above baseline or mmHg. Everything is computed on the image divided by its own
// robust peak, so the answer does not depend on the unit. See docs/posture.md.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <Eigen/Core>

#include "pmap/mat_descriptor.hpp"

namespace pmap::posture {

/// A taxel counts as "in contact" when its normalised value (value above the estimated baseline,
/// divided by the mean of the top 2% of taxels) is at least this.
inline constexpr double kContactThreshold = 0.05;
/// Above this position novelty (BedPosture::position_novelty) a frame lies outside what the
/// position classifier learned: its probabilities are mixed with "all four equally likely", the
/// mix reaching kPositionNoveltyWidth further on to the floor kMinPositionWeight.
inline constexpr double kPositionNoveltyOnset = 0.5;
inline constexpr double kPositionNoveltyWidth = 0.2;
inline constexpr double kMinPositionWeight = 0.1;
/// Occupied needs a body-sized contact: at least this much contact area ...
inline constexpr double kOccupiedMinAreaCm2 = 300.0;
/// ... covering at most this fraction of the mat (a flat noise floor covers nearly all of it) ...
inline constexpr double kOccupiedMaxMatFraction = 0.75;
/// ... with at least this fraction of the normalised load in the largest connected contact region
/// (noise spikes scatter; a body is one or a few large regions).
inline constexpr double kOccupiedMinLoadInLargestRegion = 0.4;

enum class SleepPosition : std::uint8_t { kSupine = 0, kProne = 1, kLeftSide = 2, kRightSide = 3 };
inline constexpr std::size_t kSleepPositionCount = 4;

/// Second field for side-lying: how the person lies on that side.
enum class LateralSubtype : std::uint8_t {
  kNotLateral,    ///< supine or prone
  kStraight,      ///< on the side, legs roughly in line with the trunk
  kFetal,         ///< on the side, hips and knees flexed (fetal / semi-fetal)
  kRolledPartly,  ///< partly rolled between back and side (e.g. a wedge behind the back)
};

/// Which end of the canonical image the head was found at. kFirstRow is the normal case (the mat
/// lies as declared); kLastRow means the mat (or the person) is the other way round.
enum class HeadEnd : std::uint8_t { kFirstRow, kLastRow };

[[nodiscard]] std::string_view to_string(SleepPosition position);
[[nodiscard]] std::string_view to_string(LateralSubtype subtype);
[[nodiscard]] std::string_view to_string(HeadEnd end);

/// A body landmark on the canonical image, in fractional taxel coordinates (row, col of the taxel
/// centre grid). `confidence` is in [0, 1]; 0 means not found (row/col are then meaningless).
struct Landmark {
  double row = 0;
  double col = 0;
  double confidence = 0;
};

struct BedLandmarks {
  Landmark head;
  Landmark shoulders;
  Landmark pelvis;  ///< sacrum when supine, greater trochanter / iliac crest when on the side
  Landmark knees;
  Landmark heels;
};

/// Everything the engine reports for one frame. When `occupied` is false only the occupancy
/// fields are meaningful.
struct BedPosture {
  bool occupied = false;
  double contact_area_cm2 = 0;
  double contact_mat_fraction = 0;  ///< contact taxels / all taxels
  double load_in_largest_region = 0;

  HeadEnd head_end = HeadEnd::kFirstRow;
  double head_end_confidence = 0;  ///< probability of the reported end, in [0.5, 1]

  /// Centre of pressure in mm: x across the mat from the column-0 edge, y along it from the row-0
  /// edge (docs/protocol.md §2 physical positions).
  Eigen::Vector2d centre_of_pressure_mm = Eigen::Vector2d::Zero();
  /// Principal (major) axis of the pressure distribution, in degrees from the row direction
  /// (head -> foot) towards increasing columns, in (-90, 90]. 0 = lying straight along the bed.
  double axis_angle_deg = 0;
  /// Standard deviations of the pressure distribution along the major and minor axes, mm.
  Eigen::Vector2d axis_spread_mm = Eigen::Vector2d::Zero();

  BedLandmarks landmarks;

  SleepPosition position = SleepPosition::kSupine;
  double position_confidence = 0;
  /// How unlike everything the position classifier learned from this frame is: γ · the squared
  /// distance from its descriptor to the nearest support vector (0 = on one). Training frames and
  /// held-out simulated adults stay below kPositionNoveltyOnset; children and other bodies the
  /// engine never saw go above it, and their position probabilities are then pulled towards
  /// "don't know" (docs/posture.md, "Novelty"). 0 when the classifier did not run.
  double position_novelty = 0;
  /// Probability of each position, indexed by SleepPosition's value; sums to 1.
  std::array<double, kSleepPositionCount> position_probabilities{};

  LateralSubtype subtype = LateralSubtype::kNotLateral;
  double subtype_confidence = 0;
};

/// Why a frame could not be analysed (wrong kind of mat, shape mismatch, non-finite values).
struct PostureError {
  std::string message;
};

using BedPostureResult = std::variant<BedPosture, PostureError>;

struct BedModel;  // pmap/posture/bed_model.hpp

/// Analyses one canonical bed frame with the built-in model (fitted on PMD experiment-i).
/// `mat` supplies the kind (must be a bed), shape (must match the image) and taxel pitch.
/// Negative values (baseline-subtracted noise) are treated as zero. Never throws.
[[nodiscard]] BedPostureResult analyze_bed_frame(const Eigen::MatrixXf& canonical,
                                                 const MatDescriptor& mat);

/// Same with an explicit model (leave-one-subject-out evaluation, retraining).
[[nodiscard]] BedPostureResult analyze_bed_frame(const Eigen::MatrixXf& canonical,
                                                 const MatDescriptor& mat, const BedModel& model);

/// What the caller already knows about a frame.
struct BedAnalysisOptions {
  /// Where the head is, when known (`pmap-analyze --head first|last`); nullopt = find it. A given
  /// end is reported with confidence 1.
  std::optional<HeadEnd> head_end;
  /// False only for the ablation in docs/calibration.md ("PMD experiment-ii"): the engine then
  /// keeps the bare mat's idle reading (its 20th percentile) in the image instead of removing it.
  bool remove_baseline = true;
};

[[nodiscard]] BedPostureResult analyze_bed_frame(const Eigen::MatrixXf& canonical,
                                                 const MatDescriptor& mat, const BedModel& model,
                                                 const BedAnalysisOptions& options);

}  // namespace pmap::posture
