#pragma once
// Times of exported rows as text: UTC ("2026-11-20T06:30:00Z") and local with the offset in the
// export's zone ("2026-11-20T07:30:00+01:00", as pmap::diary::TimeZone::format writes).
//
// Converting a time to local time switches TZ under a process-wide mutex (core's ZoneClock); a
// year of epochs would do that millions of times. The formatter asks the zone for the offsets at
// the two ends of the 15-minute UTC slot a time falls in and remembers the last slot: when both
// ends agree, no DST change happens inside and the offset holds for the whole slot; otherwise the
// zone is asked for the exact time.
//
// Not thread-safe (its cache); one per export.
#include <cstdint>
#include <string>

#include "pmap/diary/time_zone.hpp"

namespace pmap::data_export {

class TimeFormatter {
 public:
  explicit TimeFormatter(diary::TimeZone zone);

  [[nodiscard]] const diary::TimeZone& zone() const { return zone_; }
  /// UTC ISO 8601 with "Z" of `utc_s` (Unix seconds; representable()).
  [[nodiscard]] static std::string utc(std::int64_t utc_s);
  /// Local ISO 8601 with the offset in force at `utc_s` (representable()), in the formatter's
  /// zone.
  [[nodiscard]] std::string local(std::int64_t utc_s);
  /// Seconds east of UTC at `utc_s` (cached as above).
  [[nodiscard]] int offset_s(std::int64_t utc_s);

 private:
  static constexpr std::int64_t kSlotS = 15 * 60;
  diary::TimeZone zone_;
  bool has_slot_ = false;
  std::int64_t slot_ = 0;      ///< the cached slot (its start / kSlotS)
  bool slot_uniform_ = false;  ///< no offset change inside the cached slot
  int slot_offset_s_ = 0;
};

/// Times the formatter writes: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z. A stored time
/// outside (a corrupt row) is exported as its number only, its text forms null.
inline constexpr std::int64_t kFirstRepresentableS = -62'135'596'800;
inline constexpr std::int64_t kLastRepresentableS = 253'402'300'799;
[[nodiscard]] bool representable(std::int64_t utc_s);

/// `utc_s` + `offset_s` written as "YYYY-MM-DDTHH:MM:SS" followed by "Z" when `zulu`, else
/// "+HH:MM"/"-HH:MM".
[[nodiscard]] std::string format_iso(std::int64_t utc_s, int offset_s, bool zulu);

}  // namespace pmap::data_export
