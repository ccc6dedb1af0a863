#pragma once
// Parametric body model: a person of a given height and weight in a given pose on a bed or a seat,
// rendered as the TRUE pressure image (mmHg) on the canonical taxel grid (docs/protocol.md §2).
//
// The body is a set of contact patches (head, scapulae, sacrum, heels, trochanter, ischial
// tuberosities, ...). Each patch carries a fixed share of the supported weight and is spread as an
// axis-aligned Gaussian (or a hard rectangle for a wallet) integrated exactly over each taxel, so
// the total force of the image equals the supported weight whatever the taxel pitch.
// docs/firmware-sim.md lists the shares, sizes and the sources they were tuned against.
#include <cstdint>
#include <optional>
#include <random>
#include <string_view>
#include <vector>

#include "pmap/mat_descriptor.hpp"

namespace pmap::sim {

inline constexpr double kGravity = 9.80665;        // m/s²
inline constexpr double kPascalPerMmHg = 133.322;  // Pa per mmHg
/// Pressure above which a taxel counts as "in contact" in the truth (docs/protocol.md §8).
inline constexpr double kContactThresholdMmHg = 5.0;

/// The taxel grid a simulated mat has, in the canonical orientation.
struct MatGeometry {
  std::uint16_t rows = 0;
  std::uint16_t cols = 0;
  double row_pitch_mm = 0;
  double col_pitch_mm = 0;

  /// Bed: 64 x 32 taxels at 28.6 mm (1.83 m x 0.92 m), the PMD / Vista FSA SoftFlex size.
  [[nodiscard]] static MatGeometry bed();
  /// Seat: 32 x 32 taxels at 14 mm (45 cm square), a typical seat-cushion mat.
  [[nodiscard]] static MatGeometry chair();
  [[nodiscard]] static MatGeometry for_kind(MatKind kind);
  [[nodiscard]] double taxel_area_m2() const { return row_pitch_mm * col_pitch_mm * 1e-6; }
  [[nodiscard]] std::size_t taxel_count() const { return std::size_t{rows} * cols; }
};

/// The person: height and weight. Shape (breadth, soft-tissue spread) follows from the BMI.
struct BodyParams {
  double height_cm = 175;
  double weight_kg = 75;

  [[nodiscard]] double bmi() const;
  /// A random adult: height ~ N(172, 9) cm clamped to 150..200, BMI ~ lognormal around 25
  /// clamped to 18..38; `height_cm` / `weight_kg` override the drawn values.
  [[nodiscard]] static BodyParams random(std::mt19937_64& rng,
                                         std::optional<double> height_cm = std::nullopt,
                                         std::optional<double> weight_kg = std::nullopt);
  friend bool operator==(const BodyParams&, const BodyParams&) = default;
};

enum class BedPosture : std::uint8_t { kEmpty, kSupine, kProne, kLeft, kRight };
enum class LateralSubtype : std::uint8_t {
  kStraight,
  kFetal,
  kSemiFetal,
  kRolledSupine,
  kRolledProne
};
/// Pillow between the knees when side-lying: none (top knee stacked on the bottom one), aligned
/// (top leg resting on the bottom leg through a pillow, hips square), dropped (top knee fallen
/// forward onto the mattress in front of the bottom leg, pelvis rolled forward).
enum class KneePillow : std::uint8_t { kNone, kAligned, kDropped };
enum class Wallet : std::uint8_t { kNone, kLeft, kRight };

[[nodiscard]] std::string_view to_string(BedPosture posture);
[[nodiscard]] std::string_view to_string(LateralSubtype subtype);
[[nodiscard]] std::string_view to_string(KneePillow pillow);
[[nodiscard]] std::string_view to_string(Wallet wallet);

/// How a supine sleeper's legs meet the mattress.
enum class SupineLegs : std::uint8_t {
  /// Matched to the PMD experiment-i flat supine recordings (files 1, 8, 9) as the bed engine
  /// sees them: light thighs past the buttocks, the back of the knee barely touching, two
  /// separate stripes about 28 cm apart; the knee/calf band carries ≈ 5.5 % of the load.
  kSeparate,
  /// The simulator's legs before 2026-11-27: heavier (≈ 12.5 % of the load in the knee/calf
  /// band), closer and wider, so they merge between the knees. Nearer to experiment-ii's legs
  /// (air and foam mattresses, ≈ 10 % in the band) than kSeparate; the position classifier's
  /// simulated training sleepers use them (docs/posture.md).
  kMerged,
};

/// Where and how a person lies on the bed.
struct BedPose {
  BedPosture posture = BedPosture::kEmpty;
  LateralSubtype lateral = LateralSubtype::kStraight;  ///< side-lying only
  KneePillow knee_pillow = KneePillow::kNone;          ///< side-lying only
  bool under_knee_pillow = false;                      ///< supine only: knees flexed over a pillow
  double head_gap_mm = 20;  ///< top of the head from the head edge (negative: on the pillow)
  /// Body midline (side-lying: the load centroid) from the mat centre, + towards column 0.
  double lateral_offset_mm = 0;
  /// Knee flexion (degrees, 0 = straight). Side-lying: the bottom leg's knee, the hip flexes 2/3
  /// of it; unset = the subtype's default (side_lying_knee_flexion_deg). Supine with an
  /// under-knee pillow: the flexion over the pillow, unset = 40°.
  std::optional<double> knee_flexion_deg = std::nullopt;
  /// Side-lying with a dropped knee pillow: how far in front of the bottom knee (perpendicular
  /// to the body) the top knee rests on the mattress, 50..300 mm.
  double top_knee_offset_mm = 150;
  /// Supine with an under-knee pillow: the pillow's footprint on the mat, across the bed and
  /// along the body (mm), centred under the knees. A pillow holding the knees up lies on the mat
  /// and carries part of the legs' weight through that footprint.
  double under_knee_pillow_width_mm = 500;
  double under_knee_pillow_length_mm = 300;
  /// Share (0..1) of the load the raised thighs and calves no longer press into the mattress that
  /// reaches the mat through the pillow; the rest goes to the heels and the pelvis. 0 renders
  /// knees drawn up with the feet planted and nothing under them (the PMD "knees up" recordings).
  double under_knee_pillow_load = 0.7;
  /// Supine, and the supine part of a side-lying sleeper rolled partly towards supine.
  SupineLegs supine_legs = SupineLegs::kSeparate;
  /// Supine: each leg this much further from the midline than `supine_legs` puts it (mm; the
  /// thigh half as far, from the hip; negative = legs closer together, −70 about touching).
  double legs_apart_mm = 0;

  friend bool operator==(const BedPose&, const BedPose&) = default;
};

/// Supported knees for a supine `pose`, drawn at random (evaluations and training draws): three
/// times in four a pillow on the mat (footprint 40–70 cm across and 15–45 cm along the body,
/// 40–90 % of the legs' freed load through it), otherwise knees drawn up with the feet planted
/// and nothing under them (`under_knee_pillow_load` 0); knee flexion 30–50°. Sets
/// `under_knee_pillow`.
void draw_under_knee_support(std::mt19937_64& rng, BedPose& pose);

/// The knee flexion a side-lying pose is rendered with (its own value, or the subtype's default:
/// straight 45°, semi-fetal 75°, fetal 105°, rolled 35°).
[[nodiscard]] double side_lying_knee_flexion_deg(const BedPose& pose);
/// The forward pelvic roll (degrees) the side-lying model renders for a knee-pillow state:
/// aligned 0, none 6, dropped 20. It is what the knee-support analysis estimates.
[[nodiscard]] double side_lying_pelvic_roll_deg(KneePillow pillow);

/// How a person sits on the seat. All values are the true ones reported in the truth.
struct ChairPose {
  double obliquity_deg = 0;  ///< + = sitter's right side lower (more load under the right IT)
  double tilt_deg = 0;       ///< + = posterior tilt / slouched (load moves back to sacrum/coccyx)
  double lean_forward = 0;   ///< 0..1: trunk forward, load moves to the thighs and the feet
  double lean_side = 0;      ///< -1..1: + = leaning towards the sitter's right
  Wallet wallet = Wallet::kNone;
  double shift_x_mm = 0;  ///< pelvis position on the seat, + towards the sitter's right edge
  double shift_y_mm = 0;  ///< + towards the front edge

  friend bool operator==(const ChairPose&, const ChairPose&) = default;
};

/// Everything the renderer needs for one instant. A bed transition is a blend of two poses (the
/// load moves over several seconds while rolling); `support` is the fraction of the person's
/// weight on the mat (ramps while getting in or out).
struct BodyState {
  BedPose bed_from;
  BedPose bed_to;
  double blend = 0;  ///< 0 = bed_from, 1 = bed_to
  ChairPose chair;
  double support = 0;  ///< 0..1

  friend bool operator==(const BodyState&, const BodyState&) = default;
};

/// A pressure image in mmHg, canonical orientation, row-major.
struct PressureImage {
  std::uint16_t rows = 0;
  std::uint16_t cols = 0;
  std::vector<double> mmhg;
  [[nodiscard]] double at(std::size_t row, std::size_t col) const { return mmhg[row * cols + col]; }
};

struct CentreOfPressure {
  double row = 0;
  double col = 0;
};

/// Renders true pressure images for one person on one mat.
class BodyModel {
 public:
  BodyModel(MatKind kind, MatGeometry geometry, BodyParams body);

  [[nodiscard]] PressureImage render(const BodyState& state) const;
  /// The force the mat should carry in `state` (N): the whole weight on a bed; on a seat the share
  /// not carried by the feet (≈ 78 % upright, less when leaning forward), times `support`.
  [[nodiscard]] double supported_force_n(const BodyState& state) const;
  /// Pelvic obliquity including the tilt a wallet under one buttock causes (that side higher).
  [[nodiscard]] static double effective_obliquity_deg(const ChairPose& pose);

  [[nodiscard]] MatKind kind() const { return kind_; }
  [[nodiscard]] const MatGeometry& geometry() const { return geometry_; }
  [[nodiscard]] const BodyParams& body() const { return body_; }

 private:
  MatKind kind_;
  MatGeometry geometry_;
  BodyParams body_;
};

/// Total force of an image in newtons.
[[nodiscard]] double total_force_n(const PressureImage& image, const MatGeometry& geometry);
/// Area (cm²) of the taxels above `threshold_mmhg`.
[[nodiscard]] double contact_area_cm2(const PressureImage& image, const MatGeometry& geometry,
                                      double threshold_mmhg = kContactThresholdMmHg);
/// Centre of pressure in (fractional) canonical taxel coordinates; nullopt for an empty image.
[[nodiscard]] std::optional<CentreOfPressure> centre_of_pressure(const PressureImage& image);

}  // namespace pmap::sim
