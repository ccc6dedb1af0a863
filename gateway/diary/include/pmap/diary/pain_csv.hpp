#pragma once
// The pain diary as CSV (RFC 4180 quoting), for import and export. Header (exactly, in order):
//
//   time,tz,back_pain,leg_pain,extent,tags,bladder_bowel,saddle_numbness,leg_weakness,note
//
// time: local "YYYY-MM-DDTHH:MM[:SS]" in tz, or absolute with "Z"/"+HH:MM"; tz: IANA name (empty:
// the default zone); pains 0-10; extent: none|back|buttock|thigh|knee|calf|foot; tags: names
// separated by ';'; the three red-flag answers yes|no (required); note: free text (quoted when it
// holds a comma, quote or newline).
#include <string>
#include <string_view>
#include <vector>

#include "pmap/diary/pain_entry.hpp"
#include "pmap/diary/time_zone.hpp"

namespace pmap::diary {

inline constexpr std::string_view kPainCsvHeader =
    "time,tz,back_pain,leg_pain,extent,tags,bladder_bowel,saddle_numbness,leg_weakness,note";

class PainCsv {
 public:
  /// Parses and validates every row (all-or-nothing). red_flag_warning_shown is set for rows with
  /// a red flag: the caller must show kRedFlagWarning before storing them. Throws DiaryError with
  /// line() (1-based, the header is line 1) and field() of the first bad row; a quoted field may
  /// span lines, and the line reported is where its row starts.
  [[nodiscard]] static std::vector<PainEntry> parse(std::string_view text,
                                                    const TimeZone& default_zone,
                                                    std::int64_t now_us);
  /// Header plus one row per entry, times local to each entry's zone with their offset.
  [[nodiscard]] static std::string write(const std::vector<PainEntry>& entries);
};

}  // namespace pmap::diary
