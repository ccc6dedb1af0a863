#pragma once
// Chair (seat mat) posture engine: what one canonical seat pressure image says about the sitter.
//
// Input: a canonical chair image (docs/protocol.md §2: seen from above, row 0 at the back edge /
// backrest, the last row at the front edge, column 0 under the SITTER'S RIGHT) in any non-negative
// unit (counts above the idle floor, or mmHg). Angles, shares, areas and classes depend only on
// the shape of the image, never on its unit; pressure-valued outputs (PPI) are in the input unit.
// Every model and threshold is documented in docs/chair.md; the mappings to angles are calibrated
// on the PostureMap simulator only.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <Eigen/Core>

#include "pmap/mat_descriptor.hpp"

namespace pmap::chair {

/// A taxel counts as "in contact" when its value is at least this fraction of the robust peak
/// (mean of the top 2 % of taxels, at least 4 taxels).
inline constexpr double kContactFractionOfPeak = 0.05;
/// Occupied needs at least this much contact area ...
inline constexpr double kOccupiedMinAreaCm2 = 150.0;
/// ... and a spatially coherent image: lag-1 autocorrelation of the taxel values (averaged over
/// rows and columns) of at least this. A body is smooth at 14 mm pitch; sensor noise is not.
inline constexpr double kOccupiedMinAutocorrelation = 0.5;
/// Plausible distance between the ischial tuberosity peaks (mm), and how far apart front to back
/// they may be.
inline constexpr double kItMinSeparationMm = 80.0;
inline constexpr double kItMaxSeparationMm = 160.0;
inline constexpr double kItMaxRowOffsetMm = 45.0;
/// Weight-shift detection (ChairShiftTracker): the centre of pressure must move at least this far
/// from its settled position ...
inline constexpr double kShiftMinDistanceMm = 30.0;
/// ... and come back within this distance of it ...
inline constexpr double kShiftReturnMm = 12.0;
/// ... within this time for the excursion to count as a pressure-relief weight shift.
inline constexpr double kShiftMaxDurationS = 120.0;

enum class SittingClass : std::uint8_t {
  kUpright,
  kSlouched,
  kLeaningForward,
  kLeaningLeft,
  kLeaningRight
};
/// The sitter's side (not the image's): right = the column-0 side.
enum class Side : std::uint8_t { kRight, kLeft };

/// "upright", "slouched", "leaning_forward", "leaning_left", "leaning_right" (the simulator's
/// truth names).
[[nodiscard]] std::string_view to_string(SittingClass sitting_class);
[[nodiscard]] std::string_view to_string(Side side);

/// A position on the seat: fractional canonical taxel coordinates of the taxel-centre grid and the
/// same point in mm (y from the back edge, x from the sitter's right edge).
struct SeatPoint {
  double row = 0;
  double col = 0;
  double y_mm = 0;
  double x_mm = 0;
};

/// One ischial tuberosity (IT) peak.
struct IschialPeak {
  bool found = false;
  SeatPoint position;              ///< sub-taxel peak of the smoothed image
  double load_share_pct = 0;       ///< load in the 70 x 70 mm IT region / total load, %
  double peak_pressure_index = 0;  ///< PPI: mean of the ~10 cm² window at the peak, input unit
};

/// A hard object (wallet, phone, keys) under one buttock.
struct WalletDetection {
  bool detected = false;
  Side side = Side::kRight;  ///< meaningful when detected
  double confidence = 0;     ///< 0..1 that there is a hard object (on `side` when detected)
};

/// The shape measurements the angles and classes are computed from (exposed so that the
/// calibration in docs/chair.md can be reproduced).
struct ChairFeatures {
  double thigh_right_share = 0.5;    ///< right share of the load in front of the ITs (+90 mm on)
  double sacral_share = 0;           ///< share of the load in the sacral/coccyx region
  double it_line_y_mm = 0;           ///< mean y of the IT peaks (or of the pelvic load)
  double thigh_to_pelvis_ratio = 0;  ///< thigh-region load / pelvic-region load
  double edge_sharpness_right = 0;   ///< steepest neighbour step near each IT / local peak
  double edge_sharpness_left = 0;
};

struct ChairPostureResult {
  bool occupied = false;
  IschialPeak right_it;  ///< under the sitter's right buttock (smaller columns)
  IschialPeak left_it;
  double it_separation_mm = 0;  ///< 0 unless both peaks were found
  double it_confidence = 0;     ///< 1 = clear pair, lower for one peak or a weak pair, 0 = none
  double obliquity_deg = 0;     ///< + = the sitter's right side lower
  double tilt_deg = 0;          ///< + = posterior (slouched / sacral sitting), - = anterior
  SittingClass sitting_class = SittingClass::kUpright;
  WalletDetection wallet;
  double peak_pressure_index = 0;   ///< the larger of the two IT PPIs, input unit
  double dispersion_index_pct = 0;  ///< (IT regions + sacral region) load / total load, %
  double contact_area_cm2 = 0;
  SeatPoint centre_of_pressure;
  ChairFeatures features;
};

struct ChairPostureError {
  std::string message;
};

/// Analyses canonical chair frames, reusing its workspace from frame to frame: once it has seen a
/// frame of a given shape, analysing another frame of that shape allocates no memory (only an
/// error result does, for its message). One analyser per mat or thread; not thread-safe.
class ChairAnalyzer {
 public:
  ChairAnalyzer();
  ~ChairAnalyzer();
  ChairAnalyzer(ChairAnalyzer&&) noexcept;
  ChairAnalyzer& operator=(ChairAnalyzer&&) noexcept;
  ChairAnalyzer(const ChairAnalyzer&) = delete;
  ChairAnalyzer& operator=(const ChairAnalyzer&) = delete;

  /// Analyses one canonical chair frame. Never throws: wrong shapes, non-finite or negative values
  /// and an unusable descriptor give a ChairPostureError. An empty seat gives occupied == false
  /// with every other field at its default. `canonical` binds to a column-major float matrix, map
  /// or block without a copy.
  [[nodiscard]] std::variant<ChairPostureResult, ChairPostureError> analyze(
      const Eigen::Ref<const Eigen::MatrixXf>& canonical, const MatDescriptor& mat);

 private:
  struct Workspace;
  std::unique_ptr<Workspace> workspace_;
};

/// Convenience wrapper: ChairAnalyzer{}.analyze(canonical, mat) (a fresh workspace per call; keep
/// a ChairAnalyzer for a stream of frames).
[[nodiscard]] std::variant<ChairPostureResult, ChairPostureError> analyze_chair_frame(
    const Eigen::MatrixXf& canonical, const MatDescriptor& mat);

/// A completed pressure-relief weight shift.
struct WeightShift {
  double start_s = 0;
  double end_s = 0;
  double max_excursion_mm = 0;  ///< furthest the centre of pressure went from its settled position
};

/// Frame-to-frame weight-shift detection: the centre of pressure leaves its settled position by at
/// least kShiftMinDistanceMm and returns within kShiftReturnMm of it within kShiftMaxDurationS.
/// A move that does not come back in time re-settles at the new position (a change of posture,
/// not a relief manoeuvre). Unoccupied frames reset the tracker.
class ChairShiftTracker {
 public:
  /// Feeds one analysed frame taken at `time_s` (monotonic seconds). Returns the shift that ended
  /// with this frame, if any.
  [[nodiscard]] std::optional<WeightShift> update(const ChairPostureResult& frame, double time_s);
  [[nodiscard]] int shift_count() const { return shift_count_; }
  [[nodiscard]] bool in_excursion() const { return excursion_start_s_.has_value(); }

 private:
  std::optional<SeatPoint> settled_;
  std::optional<double> excursion_start_s_;
  double max_excursion_mm_ = 0;
  int shift_count_ = 0;
};

}  // namespace pmap::chair
