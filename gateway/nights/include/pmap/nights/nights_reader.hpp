#pragma once
// Reads a Store (prepared statements only) and computes nights and sitting days.
//
// Errors: StoreError from the store; DiaryError for a local date that cannot be converted.
// Threading: as the Store (one thread at a time).
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "pmap/diary/time_zone.hpp"
#include "pmap/nights/night_summary.hpp"
#include "pmap/nights/nights_config.hpp"
#include "pmap/nights/sitting_day.hpp"
#include "pmap/store.hpp"

namespace pmap::nights {

class NightsReader {
 public:
  NightsReader(Store& store, diary::TimeZone zone, NightsConfig config = {});

  /// Nights whose wake date is in [from, to], per bed mat, in date order. Dates without data have
  /// no entry. With `mat`, only that mat's nights: the cost is then one mat's, not every mat's
  /// (a gateway with ten mats reads a tenth).
  [[nodiscard]] std::vector<NightSummary> nights(std::chrono::sys_days from,
                                                 std::chrono::sys_days to,
                                                 const std::optional<std::string>& mat = {});
  /// Sitting days in [from, to], per chair mat, in date order. Days without sitting have no entry.
  /// With `mat`, only that mat's days.
  [[nodiscard]] std::vector<SittingDay> days(std::chrono::sys_days from, std::chrono::sys_days to,
                                             const std::optional<std::string>& mat = {});

 private:
  [[nodiscard]] std::int64_t local_midnight_us(std::chrono::sys_days day) const;
  Store& store_;
  diary::TimeZone zone_;
  NightsConfig config_;
};

}  // namespace pmap::nights
