#pragma once
// A night (or a sitting day) as bands on a time axis: the episodes the API returns
// (GET /v1/episodes) clipped to a window, the markers a person looks for (turns, bed exits), and
// the hour ticks of the axis in local time.
#include <cstdint>
#include <QTimeZone>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pmap::dashboard {

struct EpisodeRow {
  std::string mat;
  std::string stream;  ///< presence / position / knee / activity / weight_shift
  std::string label;
  std::int64_t start_us = 0;
  std::int64_t end_us = 0;
};

struct EpisodesParse {
  std::vector<EpisodeRow> episodes;
  bool truncated = false;
  std::size_t refused = 0;  ///< rows with missing fields or end before start
  std::string error;        ///< the whole document was refused; empty on success
};

/// Parses the body of GET /v1/episodes. Never throws.
[[nodiscard]] EpisodesParse parse_episodes(std::string_view json_text);

struct Band {
  std::int64_t start_us = 0;
  std::int64_t end_us = 0;
  std::string label;
};

struct Marker {
  std::int64_t at_us = 0;
  std::string what;  ///< "turn" or "exit"
};

/// One mat's episodes laid out for the hypnogram-like view.
struct Timeline {
  std::int64_t start_us = 0;
  std::int64_t end_us = 0;
  std::map<std::string, std::vector<Band>> streams;  ///< stream -> bands, clipped, by start
  std::vector<Marker> markers;                       ///< turns and exits, by time
  std::map<std::string, double> seconds_per_label(std::string_view stream) const;
  [[nodiscard]] bool empty() const;
};

/// Bands of `mat`'s episodes clipped to [start_us, end_us]. A turn is a change between two
/// different lying positions that follow each other within a minute; an exit is an `out_of_bed`
/// presence band (or a gap between `in_bed` bands) inside the window.
[[nodiscard]] Timeline build_timeline(const std::vector<EpisodeRow>& episodes, std::string_view mat,
                                      std::int64_t start_us, std::int64_t end_us);

struct Tick {
  std::int64_t at_us = 0;
  std::string label;  ///< "23:00" in local time
};

/// Hour-aligned ticks (every 15 min, 30 min, 1, 2, 3 or 6 h: the smallest step that gives at
/// most `max_ticks`) over [start_us, end_us], labelled in the local time `utc_offset_s` away
/// from UTC.
[[nodiscard]] std::vector<Tick> time_ticks(std::int64_t start_us, std::int64_t end_us,
                                           int utc_offset_s, int max_ticks);
/// The same in a zone whose offset changes (a night across a DST change): `utc_offset_at(us)` is
/// the offset in seconds at a UTC time. Ticks sit where the local clock shows a multiple of the
/// step, so the hour that repeats in autumn is labelled twice and the one skipped in spring not
/// at all.
[[nodiscard]] std::vector<Tick> time_ticks(std::int64_t start_us, std::int64_t end_us,
                                           const std::function<int(std::int64_t)>& utc_offset_at,
                                           int max_ticks);

/// The gateway's zone by its IANA name (the "tz" of its nights and days documents), or
/// `fallback` when the name is empty or unknown here.
[[nodiscard]] QTimeZone zone_or(const std::string& iana, const QTimeZone& fallback);

/// The zone's UTC offset in seconds at a UTC time in microseconds (for time_ticks).
[[nodiscard]] std::function<int(std::int64_t)> offset_function(const QTimeZone& zone);

/// The UTC offset of an ISO 8601 time with offset ("2026-11-26T07:30:00+01:00" -> 3600,
/// "…Z" -> 0); nullopt when it has none.
[[nodiscard]] std::optional<int> utc_offset_of(std::string_view iso_time);

/// Where a bed position sits on the hypnogram's vertical axis (0 = top row): out of bed, then
/// right, supine, left, prone, unknown; -1 for other labels.
[[nodiscard]] int position_row(std::string_view label);
inline constexpr int kPositionRows = 6;
[[nodiscard]] std::string_view position_row_name(int row);

}  // namespace pmap::dashboard
