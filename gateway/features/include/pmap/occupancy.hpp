#pragma once
// Occupancy with its transitional state: empty, occupied, or getting in / out of the bed or chair
// (docs/gateway.md, "Occupancy"). Causal: decided from this mat's frames so far.
//
// Getting in: from the first occupied frame until the body has settled — total load and contact
// area both stay within ±kSettledBand of their mean over the last kSettleWindowS seconds.
// Getting out: an occupied mat whose load and contact area have both fallen below
// kLeavingFraction of the settled values (sitting up on the edge, standing up), until it is empty
// or settles again. A roll in bed changes the contact area (side-lying covers about 60 % of the
// supine area) but not the load, so it is not mistaken for leaving; after any change the settled
// values are re-learned once the body is still for kSettleWindowS.
//
// Threading: one tracker per mat, used by one thread.
#include <cstdint>
#include <deque>
#include <optional>
#include <string_view>

namespace pmap {

enum class Occupancy : std::uint8_t { kEmpty, kOccupied, kGettingInOrOut };

/// "empty", "occupied", "getting_in_or_out".
[[nodiscard]] std::string_view to_string(Occupancy occupancy);

inline constexpr double kSettleWindowS = 5.0;
inline constexpr double kSettledBand = 0.15;
inline constexpr double kLeavingFraction = 0.6;

class OccupancyTracker {
 public:
  /// One frame: `occupied` as the features stage decided it, the total load (any unit, e.g.
  /// counts above the floor) and the contact area, at `time_s` (monotonic seconds). Frames older
  /// than the last one are answered with the current state and otherwise ignored.
  Occupancy update(bool occupied, double load, double contact_area_cm2, double time_s);
  [[nodiscard]] Occupancy current() const { return state_; }

 private:
  struct Sample {
    double time_s;
    double load;
    double area;
  };
  [[nodiscard]] bool settled_window(double& mean_load, double& mean_area) const;

  Occupancy state_ = Occupancy::kEmpty;
  std::deque<Sample> window_;  ///< the last kSettleWindowS seconds of occupied frames
  std::optional<double> settled_load_;
  std::optional<double> settled_area_;
  std::optional<double> last_time_s_;
};

}  // namespace pmap
