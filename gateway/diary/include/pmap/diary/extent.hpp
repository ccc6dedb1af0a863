#pragma once
// How far down the leg the pain reaches, ordered from central to peripheral. The order is the
// point: a falling extent over days is centralization, the most reliable sign of progress.
#include <string>
#include <string_view>

namespace pmap::diary {

enum class Extent { kNone = 0, kBack, kButtock, kThigh, kKnee, kCalf, kFoot };

inline constexpr int kExtentLevels = 7;

/// "none", "back", "buttock", "thigh", "knee", "calf", "foot".
[[nodiscard]] std::string_view to_string(Extent extent);
/// 0 (none) … 6 (foot).
[[nodiscard]] constexpr int rank(Extent extent) {
  return static_cast<int>(extent);
}
/// Parses one of the names above. Throws DiaryError naming `field` otherwise.
[[nodiscard]] Extent parse_extent(std::string_view text, std::string_view field = "extent");

}  // namespace pmap::diary
