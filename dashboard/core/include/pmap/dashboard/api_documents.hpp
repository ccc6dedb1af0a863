#pragma once
// The gateway API's JSON documents as the dashboard uses them (docs/api.md): nights, sitting
// days, pain entries and the pain entry a person submits. Parsers never throw; a document that
// is not what the API documents is refused with a reason, a bad row is skipped and counted.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pmap::dashboard {

struct NightSummary {
  std::string wake_date;  ///< YYYY-MM-DD
  std::string mat;
  std::int64_t start_us = 0;
  std::int64_t end_us = 0;
  int utc_offset_s = 0;  ///< of the night's start (the time axis when `tz` is unknown)
  std::string tz;        ///< the gateway's IANA zone (the nights document's "tz"), may be empty
  double time_in_bed_s = 0;
  std::map<std::string, double> position_s;
  int turns = 0;
  int bed_exits = 0;
  int pillow_slips = 0;
  double supine_knees_supported_s = 0;
  double supine_knees_flat_s = 0;
  std::optional<double> side_knee_aligned_share;
  std::optional<double> longest_still_s;
  std::optional<std::string> setup;
  std::map<std::string, double> numbers;  ///< every numeric field, for the trends' scatter
};

struct SittingDay {
  std::string date;
  std::string mat;
  double sitting_s = 0;
  int bouts = 0;
  int bouts_over_limit = 0;
  double longest_bout_s = 0;
  double oblique_right_low_s = 0;
  double oblique_left_low_s = 0;
  double slouched_s = 0;
  double wallet_min = 0;
  std::optional<double> posterior_tilt_mean_deg;
};

struct PainEntry {
  std::int64_t id = 0;
  std::string time;  ///< local ISO 8601
  std::int64_t time_us = 0;
  int back_pain = 0;
  int leg_pain = 0;
  std::string extent;
  bool red_flag = false;
};

template <typename T>
struct Parsed {
  std::vector<T> rows;
  std::size_t refused = 0;
  std::string error;                            ///< whole document refused; empty on success
  std::optional<std::string> red_flag_warning;  ///< pain lists: the API's warning text
};

[[nodiscard]] Parsed<NightSummary> parse_nights(std::string_view json_text);
[[nodiscard]] Parsed<SittingDay> parse_days(std::string_view json_text);
[[nodiscard]] Parsed<PainEntry> parse_pain(std::string_view json_text);

/// The API's error object ({"error":{"code","message","field"}}) as one line, or "" if the body
/// is not one.
[[nodiscard]] std::string api_error_text(std::string_view json_text);

/// What the diary form collects (docs/diary.md; POST /v1/pain).
struct PainForm {
  int back_pain = 0;
  int leg_pain = 0;
  std::string extent = "none";
  bool bladder_bowel = false;
  bool saddle_numbness = false;
  bool leg_weakness = false;
  std::vector<std::string> tags;
  std::string note;
};

/// True when any red-flag question was answered yes: the form shows the emergency warning at
/// once, before anything is sent.
[[nodiscard]] bool any_red_flag(const PainForm& form);

/// The warning the dashboard shows itself the moment a red flag is ticked (the API's own text,
/// `red_flag_warning`, is shown as well once the entry is stored).
[[nodiscard]] std::string_view red_flag_banner_text();

/// Checks the form as the API would (scores 0-10, extent, tags, note) and returns the POST body,
/// or nullopt with the first problem in `error`.
[[nodiscard]] std::optional<std::string> pain_body(const PainForm& form, std::string& error);

/// One bin of GET /v1/posture (the stored 5-s posture epochs summed over bin_s seconds).
struct PostureBin {
  std::int64_t start_us = 0;
  std::int64_t frames = 0;  ///< frames the posture engine analysed in the bin
  std::optional<double> obliquity_deg;  ///< chair: mean, + = the sitter's right side lower
  std::optional<double> tilt_deg;       ///< chair: mean, + = posterior
  std::optional<double> slouched_share;
  std::optional<double> wallet_share;
};
[[nodiscard]] Parsed<PostureBin> parse_posture(std::string_view json_text);

/// A movement test (docs/diary.md; POST /v1/tests).
struct MovementTestForm {
  std::string direction = "extension";  ///< extension|flexion|nerve_glide|side_glide|other
  int repetitions = 10;                 ///< 0-100, 0: not recorded
  std::string extent_before = "none";
  std::string extent_after = "none";
  int leg_pain_before = 0;
  int leg_pain_after = 0;
  std::string note;
};

/// Checks the form as the API would and returns the POST /v1/tests body, or nullopt with the
/// first problem in `error`.
[[nodiscard]] std::optional<std::string> movement_test_body(const MovementTestForm& form,
                                                            std::string& error);

/// GET /v1/tests in words: per direction how many tests centralized, and whether a directional
/// preference can be claimed. Never throws.
[[nodiscard]] std::string movement_tests_text(std::string_view json_text);

/// Pillow setups: the body of POST /v1/setups/use.
[[nodiscard]] std::string setup_use_body(std::string_view name);

/// One value per local date: the mean of that date's entries (back and leg pain).
struct DailyPain {
  std::string date;
  double back = 0;
  double leg = 0;
};
[[nodiscard]] std::vector<DailyPain> daily_pain(const std::vector<PainEntry>& entries);

}  // namespace pmap::dashboard
