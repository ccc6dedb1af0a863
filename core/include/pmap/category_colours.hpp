#pragma once
// One colour per meaning, the same in every place that draws it (the dashboard's views, the
// morning report's charts): the Okabe & Ito set, which stays apart for the common colour-vision
// deficiencies. A sleeper who sees "left side" orange in the night view sees it orange in the
// report too.
#include <array>
#include <string_view>
#include <utility>

namespace pmap::colours {

inline constexpr std::string_view kBlue = "#0072B2";
inline constexpr std::string_view kOrange = "#E69F00";
inline constexpr std::string_view kSkyBlue = "#56B4E9";
inline constexpr std::string_view kReddishPurple = "#CC79A7";
inline constexpr std::string_view kVermillion = "#D55E00";
inline constexpr std::string_view kBluishGreen = "#009E73";
inline constexpr std::string_view kYellow = "#F0E442";
inline constexpr std::string_view kGrey = "#999999";

inline constexpr std::string_view kGood = kBluishGreen;    ///< pillow in place, knees supported
inline constexpr std::string_view kWarning = kVermillion;  ///< pillow slipped, slouching, leg pain
inline constexpr std::string_view kNeutral = kGrey;        ///< unknown, unsure

/// The colour of an episode label or a pain kind: positions (supine, left, right, prone,
/// out_of_bed), knee states (aligned, dropped, flexed_supported, flat) and pain (back, leg);
/// kNeutral for anything else.
[[nodiscard]] constexpr std::string_view of_category(std::string_view label) {
  constexpr std::array<std::pair<std::string_view, std::string_view>, 11> table{{
      {"supine", kBlue},
      {"left", kOrange},
      {"right", kSkyBlue},
      {"prone", kReddishPurple},
      {"out_of_bed", kVermillion},
      {"aligned", kGood},
      {"dropped", kWarning},
      {"flexed_supported", kGood},
      {"flat", kYellow},  // on the back, knees unsupported: worth a look, not an alarm
      {"back", kBlue},
      {"leg", kWarning},
  }};
  for (const auto& [name, colour] : table) {
    if (name == label) return colour;
  }
  return kNeutral;
}

}  // namespace pmap::colours
