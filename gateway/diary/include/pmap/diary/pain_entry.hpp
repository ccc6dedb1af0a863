#pragma once
// One pain diary entry in the person's own words.
#include <cstdint>
#include <string>
#include <vector>

#include "pmap/diary/context_tag.hpp"
#include "pmap/diary/extent.hpp"
#include "pmap/diary/red_flags.hpp"

namespace pmap::diary {

inline constexpr std::size_t kMaxNoteBytes = 1000;
inline constexpr int kMaxPain = 10;

struct PainEntry {
  std::int64_t id = 0;            ///< assigned by the repository
  std::int64_t time_us = 0;       ///< when the pain was felt, UTC microseconds
  std::string tz = "UTC";         ///< IANA zone it was entered in
  std::int32_t utc_offset_s = 0;  ///< the zone's offset at time_us (set by the repository)
  int back_pain = 0;              ///< 0-10
  int leg_pain = 0;               ///< 0-10
  Extent extent = Extent::kNone;
  std::vector<ContextTag> tags;
  std::string note;
  RedFlags red_flags;
  /// True when kRedFlagWarning was shown for this entry; the repository refuses an entry with a
  /// red flag whose warning was not shown.
  bool red_flag_warning_shown = false;

  /// The worse of back and leg pain (what the two-week rule follows).
  [[nodiscard]] int worst_pain() const { return back_pain > leg_pain ? back_pain : leg_pain; }
};

/// Throws DiaryError naming the first invalid field: pain outside 0-10, a time before 2000 or more
/// than a day in the future (relative to `now_us`), an unknown zone, a note over kMaxNoteBytes or
/// with control characters other than tab/newline, duplicate tags, a red flag without the warning.
void validate(const PainEntry& entry, std::int64_t now_us);

/// Validates a note (shared by entries, tests and setups). Throws DiaryError naming `field`.
void validate_note(const std::string& note, std::string_view field);

}  // namespace pmap::diary
