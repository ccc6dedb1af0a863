#pragma once
// The three red-flag questions asked with every pain entry. Any "yes" can mean cauda equina
// syndrome or severe nerve compression, which needs emergency care within hours; PostureMap then
// shows kRedFlagWarning on every surface and stores that it did.
#include <optional>
#include <string_view>

namespace pmap::diary {

/// The one warning text, never reworded per surface.
inline constexpr std::string_view kRedFlagWarning =
    "!!! RED FLAG: SEEK EMERGENCY CARE NOW !!!\n"
    "You answered yes to a red-flag question (loss of bladder or bowel control, numbness in the\n"
    "saddle area, or new or worsening leg weakness / foot drop). These can be signs of cauda\n"
    "equina syndrome or serious nerve compression. Go to an emergency department or call your\n"
    "local emergency number (112 / 999 / 911) now. Do not wait for a report or an appointment.";

struct RedFlags {
  bool bladder_bowel = false;    ///< new loss of bladder or bowel control
  bool saddle_numbness = false;  ///< numbness in the saddle area
  bool leg_weakness = false;     ///< new or worsening leg weakness / foot drop

  [[nodiscard]] bool any() const { return bladder_bowel || saddle_numbness || leg_weakness; }
};

/// "yes"/"no" (also "y"/"n", "true"/"false", "1"/"0", any case). Throws DiaryError naming `field`
/// for anything else, including an empty answer: the questions must be answered.
[[nodiscard]] bool parse_yes_no(std::string_view text, std::string_view field);

}  // namespace pmap::diary
