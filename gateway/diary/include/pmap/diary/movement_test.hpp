#pragma once
// A movement test (McKenzie-style repeated movements): the pain's extent and leg pain before and
// after repeating one movement. Pain that retreats towards the spine ("centralizes") after a
// direction is the best predictor that exercises in that direction will help.
#include <cstdint>
#include <string>
#include <string_view>

#include "pmap/diary/extent.hpp"

namespace pmap::diary {

enum class Direction { kExtension, kFlexion, kNerveGlide, kSideGlide, kOther };

/// "extension" (prone press-ups), "flexion" (knees-to-chest), "nerve_glide", "side_glide", "other".
[[nodiscard]] std::string_view to_string(Direction direction);
/// Throws DiaryError (field "direction").
[[nodiscard]] Direction parse_direction(std::string_view text);

struct MovementTest {
  std::int64_t id = 0;
  std::int64_t time_us = 0;
  std::string tz = "UTC";
  std::int32_t utc_offset_s = 0;
  Direction direction = Direction::kOther;
  int repetitions = 0;  ///< 0 = not recorded; at most 100
  Extent extent_before = Extent::kNone;
  Extent extent_after = Extent::kNone;
  int leg_pain_before = 0;  ///< 0-10
  int leg_pain_after = 0;   ///< 0-10
  std::string note;

  [[nodiscard]] bool centralized() const { return rank(extent_after) < rank(extent_before); }
  [[nodiscard]] bool peripheralized() const { return rank(extent_after) > rank(extent_before); }
};

/// Throws DiaryError naming the first invalid field (as validate(PainEntry)).
void validate(const MovementTest& test, std::int64_t now_us);

}  // namespace pmap::diary
