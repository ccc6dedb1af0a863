#pragma once
// Episodes: per-frame labels smoothed over time into intervals a person can read ("on the left
// side 01:12–02:40", "out of bed 03:05–03:11", "sitting 09:00–10:25").
//
// Each mat has several label streams (presence, position, activity, and later e.g. knee pillow
// or sitting class). A stream changes its current label only after the new label has held for
// the stream's minimum dwell time (hysteresis), so a few ambiguous frames — a turn in progress,
// a misclassified frame — neither end an episode nor start a new one. Frames below a stream's
// confidence floor are ignored by that stream: they neither confirm nor break anything.
//
// Threading: not thread-safe; one instance per mat, owned by the pipeline's thread.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pmap {

/// A closed (or, from `current()`, still open) interval of one label on one stream.
struct Episode {
  std::string mat_id;
  std::string stream;  ///< e.g. "presence", "position", "activity"
  std::string label;   ///< e.g. "in_bed", "left", "still"
  std::int64_t start_us = 0;
  std::int64_t end_us = 0;  ///< timestamp of the last frame that belonged to it
  std::uint32_t frames = 0;
  double mean_confidence = 0;

  [[nodiscard]] double seconds() const { return static_cast<double>(end_us - start_us) / 1e6; }
  friend bool operator==(const Episode&, const Episode&) = default;
};

/// One label stream with hysteresis.
class LabelStream {
 public:
  LabelStream(std::string mat_id, std::string stream, std::int64_t min_dwell_us,
              double min_confidence = 0.0);

  /// Feeds the label of the frame at `ts_us` (timestamps non-decreasing; older frames are
  /// ignored). Returns the episode that this frame closed, if any.
  std::optional<Episode> add(std::int64_t ts_us, std::string_view label, double confidence = 1.0);
  /// Closes the open episode (end of data, shutdown) and returns it.
  std::optional<Episode> close();
  /// The open episode, if any.
  [[nodiscard]] const std::optional<Episode>& current() const { return current_; }

 private:
  std::string mat_id_;
  std::string stream_;
  std::int64_t min_dwell_us_;
  double min_confidence_;
  std::optional<Episode> current_;
  std::optional<Episode> candidate_;  ///< a different label that has not yet held long enough
  double confidence_sum_ = 0;
  double candidate_confidence_sum_ = 0;
};

/// Minimum dwell (and confidence floor) per stream.
struct EpisodeConfig {
  std::int64_t presence_dwell_us = 30'000'000;  ///< a bed exit / chair break lasts ≥ 30 s
  std::int64_t position_dwell_us = 30'000'000;  ///< a position held ≥ 30 s counts
  double position_min_confidence = 0.6;
  std::int64_t activity_dwell_us = 60'000'000;         ///< still/moving changes after 60 s
  double still_movement = 0.02;                        ///< movement below this is "still"
  std::int64_t long_still_us = 30LL * 60 * 1'000'000;  ///< still periods worth reporting
  /// Knee stream (bed): a knee pillow that slipped (aligned → dropped) must stay dropped for
  /// minutes to count as a pillow-slip episode, not a moment of shifting.
  std::int64_t knee_dwell_us = 120'000'000;
  double knee_min_confidence = 0.5;
};

/// What one frame says, for the streams of one mat. Unset streams are not fed.
struct FrameLabels {
  std::int64_t timestamp_us = 0;
  bool occupied = false;
  double movement = 0;
  std::optional<std::string> position = std::nullopt;  ///< bed: position; chair: sitting class
  double position_confidence = 0;
  /// Bed: side-lying knee-pillow state (aligned/dropped) or supine knee support (flat/
  /// flexed_supported).
  std::optional<std::string> knee = std::nullopt;
  double knee_confidence = 0;
};

/// The streams of one mat: presence (in_bed/out_of_bed or sitting/away), position (while
/// present), knee (bed, while present), activity (still/moving while present). Emits closed
/// episodes; activity episodes are emitted only when they are long still periods (`long_still_us`).
class MatEpisodes {
 public:
  MatEpisodes(std::string mat_id, bool is_bed, EpisodeConfig config = {});

  /// Feeds one frame; returns the episodes it closed.
  std::vector<Episode> add(const FrameLabels& labels);
  /// Closes every open episode (shutdown, end of a recording).
  std::vector<Episode> close();
  /// The open episodes that close() would return now (as they stand): what the pipeline writes
  /// at each flush so that a crash does not lose them.
  [[nodiscard]] std::vector<Episode> open_to_store() const;
  /// The open episode of each stream (for `state`).
  [[nodiscard]] std::map<std::string, Episode> current() const;
  /// The open presence episode (per frame, without the copies current() makes).
  [[nodiscard]] const std::optional<Episode>& presence() const { return presence_.current(); }
  /// The open position episode (bed position or chair sitting class), without copies.
  [[nodiscard]] const std::optional<Episode>& position() const { return position_.current(); }

 private:
  void keep(std::optional<Episode> episode, std::vector<Episode>& out) const;

  EpisodeConfig config_;
  bool is_bed_;
  LabelStream presence_;
  LabelStream position_;
  LabelStream knee_;
  LabelStream activity_;
};

}  // namespace pmap
