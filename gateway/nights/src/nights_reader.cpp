#include "pmap/nights/nights_reader.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "pmap/diary/diary_error.hpp"
#include "pmap/diary/diary_repository.hpp"
#include "pmap/nights/sleep_period.hpp"

namespace pmap::nights {

namespace {

using OneDay = std::chrono::days;  // (the member days() hides the name)
using std::chrono::sys_days;

constexpr std::int64_t kUsPerS = 1'000'000;

/// The longest gap between two stored epochs of a mat that is its frame rate, not missing data:
/// an epoch stands for the time until the next one with frames, up to this (docs/nights.md).
constexpr std::int64_t kMaxEpochSpanS = 60;

/// How long a stored epoch starting at `start_s` stands for, given the start of the mat's next
/// stored epoch: a mat that sends a frame at least every epoch has every epoch, each standing for
/// epoch_seconds; one that sends a frame every 10 s has every other, each standing for 10 s. A
/// gap longer than kMaxEpochSpanS (or none: the last epoch) counts epoch_seconds.
std::int64_t epoch_span_s(std::int64_t start_s, std::optional<std::int64_t> next_s,
                          std::int64_t epoch_seconds) {
  if (!next_s) return epoch_seconds;
  const std::int64_t gap = *next_s - start_s;
  return gap > epoch_seconds && gap <= std::max(kMaxEpochSpanS, epoch_seconds) ? gap
                                                                              : epoch_seconds;
}

/// Nearest-rank percentile (p in (0, 1]) of a non-empty, sorted vector.
double percentile(const std::vector<double>& sorted, double p) {
  const auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(sorted.size())));
  return sorted[std::max<std::size_t>(rank, 1) - 1];
}

double median(const std::vector<double>& sorted) {
  const std::size_t n = sorted.size();
  return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
}

struct Interval {
  std::string label;
  std::int64_t start_us = 0;
  std::int64_t end_us = 0;
};

/// Every mat with episodes, via the primary key (mat_id, stream, start_us): one index lookup per
/// mat instead of a scan of the table. With `only`, that mat alone (without episodes it has no
/// nights).
std::vector<std::string> episode_mats(Database& db, const std::optional<std::string>& only) {
  if (only) return {*only};
  Statement st = db.prepare(
      "WITH RECURSIVE m(id) AS (SELECT MIN(mat_id) FROM episodes UNION ALL "
      "SELECT (SELECT MIN(mat_id) FROM episodes WHERE mat_id > m.id) FROM m WHERE m.id IS NOT "
      "NULL) SELECT id FROM m WHERE id IS NOT NULL");
  std::vector<std::string> out;
  while (st.step()) out.push_back(st.column_text(0));
  return out;
}

/// The episodes of one stream of one mat with start_us < to_us and end_us >= from_us, in start
/// order, read through the primary key: from the last episode that started before from_us (the
/// only earlier one that can still overlap — episodes of a stream do not overlap each other) to
/// to_us. Reading from the start of the mat's history instead made a year's report quadratic.
template <typename Row>
void for_stream_episodes(Database& db, const std::string& mat_id, std::string_view stream,
                         std::int64_t from_us, std::int64_t to_us, Row row) {
  Statement first = db.prepare(
      "SELECT MAX(start_us) FROM episodes WHERE mat_id = ?1 AND stream = ?2 AND start_us < ?3");
  first.bind(1, mat_id).bind(2, stream).bind(3, from_us);
  std::int64_t lo = from_us;
  if (first.step() && !first.column_is_null(0)) lo = first.column_int(0);
  Statement st = db.prepare(
      "SELECT label, start_us, end_us FROM episodes WHERE mat_id = ?1 AND stream = ?2 "
      "AND start_us >= ?3 AND start_us < ?4 AND end_us >= ?5 ORDER BY start_us");
  st.bind(1, mat_id).bind(2, stream).bind(3, lo).bind(4, to_us).bind(5, from_us);
  while (st.step()) row(st);
}

/// The episodes of one stream of one mat that overlap [from_us, to_us], clipped to it.
std::vector<Interval> stream_episodes(Database& db, const std::string& mat_id,
                                      std::string_view stream, std::int64_t from_us,
                                      std::int64_t to_us) {
  std::vector<Interval> out;
  for_stream_episodes(db, mat_id, stream, from_us, to_us + 1, [&](Statement& st) {
    out.push_back(Interval{st.column_text(0), std::max(st.column_int(1), from_us),
                           std::min(st.column_int(2), to_us)});
  });
  return out;
}

std::int64_t seconds(std::int64_t us) {
  return us / kUsPerS;
}

double per_hour(double count, std::int64_t over_s) {
  return over_s > 0 ? count * 3600.0 / static_cast<double>(over_s) : 0.0;
}

}  // namespace

NightsReader::NightsReader(Store& store, diary::TimeZone zone, NightsConfig config)
    : store_(store), zone_(std::move(zone)), config_(config) {}

std::int64_t NightsReader::local_midnight_us(sys_days day) const {
  const std::chrono::year_month_day ymd(day);
  try {
    return zone_.to_utc_us(diary::LocalDateTime{ymd, 0, 0, 0});
  } catch (const diary::DiaryError&) {
    // A few zones skip midnight itself when clocks go forward; the day then starts at 01:00.
    return zone_.to_utc_us(diary::LocalDateTime{ymd, 1, 0, 0});
  }
}

std::vector<NightSummary> NightsReader::nights(sys_days from, sys_days to,
                                               const std::optional<std::string>& only_mat) {
  Database& db = store_.db();
  // A night of wake date D ends before D's evening hour and starts at most a day or so before:
  // read from two days ahead so the first night's periods are all seen.
  const std::int64_t lo = local_midnight_us(from - OneDay(2));
  const std::int64_t hi = local_midnight_us(to + OneDay(1));
  std::vector<Episode> presence;
  for (const std::string& mat : episode_mats(db, only_mat)) {
    for_stream_episodes(db, mat, "presence", lo, hi, [&](Statement& st) {
      if (st.column_text(0) != "in_bed") return;
      presence.push_back(
          Episode{mat, "presence", "in_bed", st.column_int(1), st.column_int(2), 0, 0});
    });
  }
  // Group the periods by (mat, wake date).
  std::map<std::pair<std::string, sys_days>, std::vector<SleepPeriod>> grouped;
  for (SleepPeriod& p : find_sleep_periods(std::move(presence), config_)) {
    sys_days wake = zone_.local_day(p.end_us);
    if (zone_.to_local(p.end_us).hour >= config_.evening_hour) wake += OneDay(1);
    if (wake < from || wake > to) continue;
    grouped[{p.mat_id, wake}].push_back(std::move(p));
  }
  const diary::SetupTimeline setups = diary::DiaryRepository(store_).timeline();
  std::vector<NightSummary> out;
  for (auto& [key, periods] : grouped) {
    NightSummary n;
    n.mat_id = key.first;
    n.wake_date = key.second;
    n.start_us = periods.front().start_us;
    n.end_us = periods.back().end_us;
    n.time_in_bed_s = seconds(n.end_us - n.start_us);
    std::int64_t occupied_us = 0;
    for (const auto& p : periods) {
      occupied_us += p.occupied_us;
      n.bed_exits += p.exits;
    }
    n.occupied_s = seconds(occupied_us);
    n.sleep_periods = static_cast<int>(periods.size());
    n.long_exits = n.sleep_periods - 1;
    n.bed_exits += n.long_exits;

    const auto positions = stream_episodes(db, n.mat_id, "position", n.start_us, n.end_us);
    for (std::size_t i = 0; i < positions.size(); ++i) {
      n.position_s[positions[i].label] += seconds(positions[i].end_us - positions[i].start_us);
      if (i > 0 && positions[i].label != positions[i - 1].label) ++n.turns;
    }
    for (const char* p : {"supine", "prone", "left", "right"}) n.position_s.try_emplace(p, 0);
    n.turns_per_h = per_hour(n.turns, n.occupied_s);

    const auto knees = stream_episodes(db, n.mat_id, "knee", n.start_us, n.end_us);
    for (std::size_t i = 0; i < knees.size(); ++i) {
      const std::int64_t s = seconds(knees[i].end_us - knees[i].start_us);
      const std::string& label = knees[i].label;
      if (label == "aligned") n.side_knee_aligned_s += s;
      if (label == "dropped") n.side_knee_dropped_s += s;
      if (label == "flexed_supported") n.supine_knees_supported_s += s;
      if (label == "flat") n.supine_knees_flat_s += s;
      // The knee stream's dwell (minutes) already keeps a moment of shifting from counting.
      if (i > 0 && label == "dropped" && knees[i - 1].label == "aligned") ++n.pillow_slips;
    }

    // Epochs: stillness and restlessness over the occupied epochs, each standing for the time
    // until the mat's next stored epoch (epoch_span_s); an unoccupied epoch or a gap longer than
    // kMaxEpochSpanS breaks a still run.
    Statement ep = db.prepare(
        "SELECT epoch_start_s, frames, occupied_frames, movement_sum FROM epochs "
        "WHERE mat_id = ?1 AND epoch_start_s >= ?2 AND epoch_start_s <= ?3 AND frames > 0 "
        "ORDER BY epoch_start_s");
    ep.bind(1, n.mat_id).bind(2, n.start_us / kUsPerS).bind(3, n.end_us / kUsPerS);
    struct EpochRow {
      std::int64_t start_s;
      bool occupied;
      bool still;
    };
    std::vector<EpochRow> rows;
    while (ep.step()) {
      const std::int64_t frames = ep.column_int(1);
      const bool occupied = ep.column_int(2) * 2 > frames;
      const bool still =
          ep.column_double(3) / static_cast<double>(frames) < config_.still_movement;
      rows.push_back(EpochRow{ep.column_int(0), occupied, still});
    }
    std::int64_t run_s = 0;
    std::int64_t moving_s = 0;
    std::int64_t longest_s = 0;
    bool run_goes_on = false;  // the previous epoch was still and its span reached this one
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const std::optional<std::int64_t> next =
          i + 1 < rows.size() ? std::optional(rows[i + 1].start_s) : std::nullopt;
      const std::int64_t span = epoch_span_s(rows[i].start_s, next, config_.epoch_seconds);
      const bool reaches_next = next && rows[i].start_s + span == *next;
      if (rows[i].occupied && !rows[i].still) moving_s += span;
      if (rows[i].occupied && rows[i].still) {
        run_s = (run_goes_on ? run_s : 0) + span;
        longest_s = std::max(longest_s, run_s);
        run_goes_on = reaches_next;
      } else {
        run_goes_on = false;
      }
    }
    n.longest_still_s = longest_s;
    n.restlessness_moving_min_per_h = per_hour(static_cast<double>(moving_s) / 60.0, n.occupied_s);

    // Posture epochs: knee-pillow share and pelvic roll while side-lying.
    Statement pe = db.prepare(
        "SELECT side_frames, pelvic_roll_deg_sum, knee_aligned_frames, knee_dropped_frames "
        "FROM posture_epochs WHERE mat_id = ?1 AND epoch_start_s >= ?2 AND epoch_start_s <= ?3 "
        "AND side_frames > 0");
    pe.bind(1, n.mat_id).bind(2, n.start_us / kUsPerS).bind(3, n.end_us / kUsPerS);
    std::int64_t side = 0;
    std::int64_t aligned = 0;
    std::int64_t dropped = 0;
    double roll_sum = 0;
    std::vector<double> roll_means;
    while (pe.step()) {
      const std::int64_t f = pe.column_int(0);
      if (f == 0) continue;
      side += f;
      roll_sum += pe.column_double(1);
      roll_means.push_back(pe.column_double(1) / static_cast<double>(f));
      aligned += pe.column_int(2);
      dropped += pe.column_int(3);
    }
    if (aligned + dropped > 0)
      n.side_knee_aligned_share =
          static_cast<double>(aligned) / static_cast<double>(aligned + dropped);
    if (side > 0) {
      n.side_pelvic_roll_mean_deg = roll_sum / static_cast<double>(side);
      std::sort(roll_means.begin(), roll_means.end());
      n.side_pelvic_roll_p90_deg = percentile(roll_means, 0.9);
    }
    n.setup = setups.for_night(n.wake_date, zone_);
    out.push_back(std::move(n));
  }
  std::stable_sort(out.begin(), out.end(), [](const NightSummary& a, const NightSummary& b) {
    return a.wake_date < b.wake_date;
  });
  return out;
}

std::vector<SittingDay> NightsReader::days(sys_days from, sys_days to,
                                           const std::optional<std::string>& only_mat) {
  Database& db = store_.db();
  Statement pe = db.prepare(
      "SELECT posture_frames, obliquity_deg_sum, tilt_deg_sum, slouched_frames, wallet_frames, "
      "ppi_sum, di_pct_sum, epoch_start_s FROM posture_epochs WHERE mat_id = ?1 "
      "AND epoch_start_s >= ?2 AND epoch_start_s < ?3 ORDER BY epoch_start_s");
  // The mat's stored epochs (any frames) of the day, for the time each posture epoch stands for.
  Statement starts = db.prepare(
      "SELECT epoch_start_s FROM epochs WHERE mat_id = ?1 AND epoch_start_s >= ?2 "
      "AND epoch_start_s < ?3 AND frames > 0 ORDER BY epoch_start_s");
  std::vector<std::int64_t> epoch_starts;
  std::vector<SittingDay> out;
  // Sitting bouts of the whole range, once, by the local day they started on.
  std::map<sys_days, std::map<std::string, std::vector<std::pair<std::int64_t, std::int64_t>>>>
      by_day;
  {
    const std::int64_t range_lo = local_midnight_us(from);
    const std::int64_t range_hi = local_midnight_us(to + OneDay(1));
    for (const std::string& mat : episode_mats(db, only_mat)) {
      for_stream_episodes(db, mat, "presence", range_lo, range_hi, [&](Statement& st) {
        const std::int64_t start = st.column_int(1);
        if (st.column_text(0) != "sitting" || start < range_lo) return;
        by_day[zone_.local_day(start)][mat].emplace_back(start, st.column_int(2));
      });
    }
  }
  for (const auto& [d, per_mat] : by_day) {
    if (d < from || d > to) continue;
    const std::int64_t lo = local_midnight_us(d);
    const std::int64_t hi = local_midnight_us(d + OneDay(1));
    for (const auto& [mat, list] : per_mat) {
      SittingDay day;
      day.mat_id = mat;
      day.date = d;
      day.bouts = static_cast<int>(list.size());
      day.breaks = day.bouts - 1;
      for (const auto& [s, e] : list) {
        const std::int64_t len = seconds(e - s);
        day.sitting_s += len;
        day.longest_bout_s = std::max(day.longest_bout_s, len);
        if (len > config_.bout_limit_s) ++day.bouts_over_limit;
      }
      day.breaks_per_sitting_h = per_hour(day.breaks, day.sitting_s);

      epoch_starts.clear();
      // One more epoch's length past the day: the day's last epoch spans to the next day's first.
      starts.bind(1, mat).bind(2, lo / kUsPerS).bind(3, hi / kUsPerS + kMaxEpochSpanS);
      while (starts.step()) epoch_starts.push_back(starts.column_int(0));
      starts.reset();
      const auto span_of = [&](std::int64_t start_s) {
        const auto it = std::upper_bound(epoch_starts.begin(), epoch_starts.end(), start_s);
        return static_cast<double>(epoch_span_s(
            start_s, it == epoch_starts.end() ? std::nullopt : std::optional(*it),
            config_.epoch_seconds));
      };
      pe.bind(1, mat).bind(2, lo / kUsPerS).bind(3, hi / kUsPerS);
      std::vector<double> ppi;
      std::vector<double> di;
      double tilt_sum = 0;
      std::int64_t frames_sum = 0;
      while (pe.step()) {
        const std::int64_t f = pe.column_int(0);
        if (f == 0) continue;
        const double frames = static_cast<double>(f);
        // Each epoch with a posture stands for its span of sitting (epoch_span_s: epoch_seconds
        // when the mat sends a frame every epoch), shared by its frames.
        const double span_s = span_of(pe.column_int(7));
        const double obliquity = pe.column_double(1) / frames;
        if (obliquity > config_.obliquity_threshold_deg)
          day.oblique_right_low_s += static_cast<std::int64_t>(span_s);
        if (obliquity < -config_.obliquity_threshold_deg)
          day.oblique_left_low_s += static_cast<std::int64_t>(span_s);
        tilt_sum += pe.column_double(2);
        frames_sum += f;
        day.slouched_s += span_s * static_cast<double>(pe.column_int(3)) / frames;
        day.wallet_min += span_s * static_cast<double>(pe.column_int(4)) / frames / 60.0;
        ppi.push_back(pe.column_double(5) / frames);
        di.push_back(pe.column_double(6) / frames);
      }
      pe.reset();
      if (day.oblique_right_low_s > 0 || day.oblique_left_low_s > 0)
        day.oblique_side =
            day.oblique_right_low_s >= day.oblique_left_low_s ? "right_low" : "left_low";
      if (frames_sum > 0) {
        day.posterior_tilt_mean_deg = tilt_sum / static_cast<double>(frames_sum);
        std::sort(ppi.begin(), ppi.end());
        std::sort(di.begin(), di.end());
        day.ppi_median = median(ppi);
        day.ppi_p90 = percentile(ppi, 0.9);
        day.di_median_pct = median(di);
        day.di_p90_pct = percentile(di, 0.9);
      }
      out.push_back(std::move(day));
    }
  }
  return out;
}

}  // namespace pmap::nights
