#pragma once
// The gateway pipeline without the network: topic + payload in; accepted frames go through
// ingest → condition → features → (epoch aggregation → store, state → publish).
//
// Stages are composed here: ingest → condition → features → posture (bed mats) → episodes, with
// epoch aggregation and episodes going to the store and the latest result to `state`.
//
// Calibration: with `calibration_dir`, each mat's `<calibration_dir>/<mat id>.json` is loaded at
// its first frame and whenever its meta changes, and again for every mat on reload_calibrations()
// (the service calls it on SIGHUP, between two messages). A refused file leaves the calibration in
// use unchanged (docs/gateway.md, "Calibration").
//
// Threading: not thread-safe; owned by the gateway's io_context thread. Publishing and batch
// submission are done through the callbacks given at construction (the service hands batches to a
// StoreWriter thread and publishes through Paho).
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "pmap/chair/chair_posture.hpp"
#include "pmap/condition.hpp"
#include "pmap/episodes.hpp"
#include "pmap/epoch_aggregator.hpp"
#include "pmap/features.hpp"
#include "pmap/ingest.hpp"
#include "pmap/log.hpp"
#include "pmap/mat_metrics.hpp"
#include "pmap/metrics/histogram.hpp"
#include "pmap/occupancy.hpp"
#include "pmap/posture/bed_analyzer.hpp"
#include "pmap/posture/position_smoother.hpp"
#include "pmap/posture_epoch_aggregator.hpp"
#include "pmap/serve.hpp"
#include "pmap/store.hpp"

namespace pmap {

struct GatewayConfig;

struct PipelineConfig {
  IngestConfig ingest;
  ConditionConfig condition;
  FeaturesConfig features;
  EpisodeConfig episodes;
  std::int64_t epoch_seconds = 5;
  /// Chair mats: a sitting bout longer than this publishes one alert (docs/protocol.md, §7a);
  /// 0 = off.
  std::int64_t sitting_alert_us = 45LL * 60 * 1'000'000;
  std::chrono::milliseconds state_interval{1000};
  bool raw_archive = false;
  std::size_t flush_max_rows = 1000;
  std::string calibration_dir;  ///< empty: no calibrations (every mat uncalibrated)
  /// The local time zone's UTC offset at a UTC time, seconds: where "today" (chair sitting time)
  /// and "tonight" (turns, noon to noon) begin in `state.live`. Empty: UTC.
  std::function<std::int32_t(std::int64_t utc_us)> utc_offset_s;

  [[nodiscard]] static PipelineConfig from(const GatewayConfig& config);
};

/// Global counters (not attributable to a mat).
struct GlobalCounters {
  std::uint64_t unattributed = 0;     ///< topic not of the form pmap/v1/<valid id>/<channel>
  std::uint64_t ignored_channel = 0;  ///< state/truth messages (not for the gateway)
  std::uint64_t bad_status = 0;       ///< status payload other than online/offline
  std::uint64_t states_published = 0;
  std::uint64_t state_publish_failures = 0;
  std::uint64_t calibration_loads = 0;     ///< calibration files loaded and put to use
  std::uint64_t calibration_refusals = 0;  ///< calibration files refused (bad, or not this mat's)
};

/// Where the pipeline observes its per-frame latencies (either may be null: not observed).
struct PipelineLatency {
  metrics::Histogram* decode = nullptr;    ///< ingest of one frame message (decode + validation)
  metrics::Histogram* estimate = nullptr;  ///< one accepted frame: conditioning to state
};

/// What loading (or reloading) one mat's calibration file did.
struct CalibrationReload {
  enum class Outcome : std::uint8_t {
    kNone,       ///< no calibration_dir, or no file for the mat (and none before): uncalibrated
    kLoaded,     ///< a new calibration is in use
    kUnchanged,  ///< the file is the one in use (or the one refused before)
    kRefused,    ///< the file was refused; the previous calibration, if any, stays in use
    kRemoved,    ///< the file is gone: the mat is uncalibrated now
  };
  std::string mat_id;
  Outcome outcome = Outcome::kNone;
  std::string message;  ///< the log line
};
[[nodiscard]] std::string_view to_string(CalibrationReload::Outcome outcome);

class Pipeline {
 public:
  using Clock = std::chrono::steady_clock;
  /// Publishes a state document on a topic; returns false if it could not be sent.
  using Publisher = std::function<bool(const std::string& topic, const std::string& payload)>;
  using BatchSink = std::function<void(WriteBatch)>;

  Pipeline(PipelineConfig config, Logger* logger, Publisher publisher, BatchSink sink);

  /// Handles one MQTT message. `now_us`: gateway wall clock; `now`: steady clock.
  void handle(std::string_view topic, std::span<const std::uint8_t> payload, std::int64_t now_us,
              Clock::time_point now);
  /// Publishes the states that are pending and due (call periodically).
  void publish_due(Clock::time_point now);
  /// Hands everything pending (epochs, counters, mats, status events, raw frames, episodes) to
  /// the sink.
  void flush();
  /// Closes every mat's open episodes (call at shutdown, before the last flush).
  void close_episodes();
  /// After a deletion removed a mat's stored rows (DELETE /v1/data, docs/export.md): a mat whose
  /// meta is known — it is live — gets its `mats` row back with the next flush (kind, layout:
  /// what its next nights are found by), and its live counters (turns tonight, sitting time
  /// today) start again from zero. False when the mat is not known.
  bool forget_history(const std::string& mat_id, std::int64_t now_us);
  /// Periodic work: drops frames held too long for lack of meta.
  void housekeeping(std::int64_t now_us);
  /// Re-reads the calibration file of every mat seen so far (SIGHUP), logs one line per mat and
  /// marks their states for publishing. Frames are not touched: call it between two messages.
  std::vector<CalibrationReload> reload_calibrations();

  /// Told when a mat's meta is accepted and new or changed (its first meta included), and when a
  /// mat's retained meta is cleared (an empty `meta` payload: the mat is removed, docs/gateway.md
  /// "Removing a mat"). Set before the first message; called on the pipeline's thread.
  struct MatListener {
    std::function<void(const MatDescriptor&)> meta;
    std::function<void(const std::string& mat_id)> removed;
  };
  void set_mat_listener(MatListener listener) { mat_listener_ = std::move(listener); }
  /// Latency histograms to observe into from now on (set before the first message).
  void set_latency(PipelineLatency latency) { latency_ = latency; }
  /// Every known mat's counters and newest frame time (GET /metrics).
  [[nodiscard]] std::vector<MatMetrics> mat_metrics() const;

  /// The exit summary: per mat counters and epochs started, global counters.
  [[nodiscard]] nlohmann::json summary() const;
  [[nodiscard]] const GlobalCounters& global() const { return global_; }
  [[nodiscard]] const Ingest& ingest() const { return ingest_; }
  /// A mat's meta from the database, in force until the broker's retained one arrives
  /// (Ingest::restore_meta). Before the first message.
  std::string restore_meta(std::string_view mat_id, std::string_view meta_json) {
    return ingest_.restore_meta(mat_id, meta_json);
  }
  /// A mat's learned floor from the database (FloorRecord, written by flush()): its conditioner
  /// starts from it when the mat's frames have that shape, instead of a one-number floor until
  /// the mat is next empty. Before the first message. A record whose counts are not rows × cols
  /// values is ignored.
  void restore_floor(FloorRecord floor);
  /// Latest features of a mat, if any frame was accepted.
  [[nodiscard]] const FrameFeatures* latest(std::string_view mat_id) const;
  /// Rows waiting for the next flush.
  [[nodiscard]] std::size_t pending_rows() const;
  /// The newest conditioned frame of a mat (the mat's reused workspace), if any.
  [[nodiscard]] const ConditionedFrame* conditioned(std::string_view mat_id) const;
  /// The `calibration` object of a mat's state (protocol §7); null for an unknown mat.
  [[nodiscard]] nlohmann::json calibration_state(std::string_view mat_id) const;

 private:
  /// A mat's calibration bookkeeping (the calibration in use lives in its conditioner).
  struct CalibrationRecord {
    enum class Status : std::uint8_t { kUncalibrated, kCalibrated, kRefused };
    Status status = Status::kUncalibrated;
    std::string error;         ///< why the file was refused (kRefused)
    std::string refused_file;  ///< the refused file (kRefused)
    std::optional<std::uint64_t> refused_fingerprint;
    std::uint64_t loads = 0;
    std::uint64_t refusals = 0;
  };

  struct MatPipelineState {
    std::shared_ptr<const MatDescriptor> meta;
    MatConditioner conditioner;
    ConditionedFrame conditioned;  ///< the newest frame, reused (no per-frame allocation)
    CalibrationRecord calibration;
    FeatureExtractor features;
    MatEpisodes episodes;
    std::optional<FrameFeatures> latest;
    nlohmann::json latest_posture;           ///< null unless an occupied frame was analysed
    chair::ChairShiftTracker weight_shifts;  ///< chair mats: pressure-relief manoeuvres
    chair::ChairAnalyzer chair_analyzer;     ///< chair mats: the engine's reusable workspace
    posture::BedAnalyzer bed_analyzer;       ///< bed mats: the engine's reusable workspace
    /// Bed mats: the causal HMM filter over the engine's per-frame positions; what the state and
    /// the position episodes report.
    posture::PositionSmoother position_smoother;
    OccupancyTracker occupancy;                      ///< empty / occupied / getting in or out
    Occupancy latest_occupancy = Occupancy::kEmpty;  ///< of the latest frame (state)
    std::int64_t sitting_alerted_start_us = -1;      ///< the bout already alerted (once per bout)
    std::int64_t last_frame_us = -1;  ///< gateway wall clock when the newest frame was processed
    // state.live (docs/protocol.md §7): turns tonight (bed), sitting time today (chair).
    std::int64_t turns_night = INT64_MIN;  ///< local noon-to-noon night the turns count
    std::int64_t turns = 0;
    std::int64_t position_seen_start_us = -1;  ///< the open position episode already seen
    std::string last_position{};               ///< label of the previous position episode
    std::int64_t sitting_day = INT64_MIN;      ///< local day of sitting_closed_us
    std::int64_t sitting_closed_us = 0;        ///< closed sitting bouts' time in that day
  };
  /// Updates the turn and sitting counters of state.live from a frame's episodes.
  void track_live(MatPipelineState& st, const std::vector<Episode>& closed);
  /// UTC µs of the local midnight that starts the day holding `utc_us`.
  [[nodiscard]] std::int64_t local_day_start_us(std::int64_t utc_us) const;
  [[nodiscard]] nlohmann::json live_json(const MatPipelineState& st) const;
  /// Local day number (days since 1970-01-01 local) of a UTC time, shifted by `shift_us`.
  [[nodiscard]] std::int64_t local_day(std::int64_t utc_us, std::int64_t shift_us = 0) const;
  /// Chair mats: publishes the sitting alert once the open bout passes the limit.
  void check_sitting_alert(MatPipelineState& st);

  void on_accepted(std::vector<AcceptedFrame>&& frames, Clock::time_point now);
  void process_frame(const AcceptedFrame& frame, Clock::time_point now);
  void publish_state(const std::string& mat_id, Clock::time_point now);
  MatPipelineState& state_for(const std::shared_ptr<const MatDescriptor>& meta);
  /// Loads the mat's calibration file if it changed (`force`: whatever its fingerprint).
  CalibrationReload resolve_calibration(MatPipelineState& st, bool force);
  [[nodiscard]] nlohmann::json calibration_json(const MatPipelineState& st) const;

  PipelineConfig config_;
  Logger* logger_;
  Publisher publisher_;
  BatchSink sink_;
  std::optional<CalibrationDirectory> calibrations_;
  Ingest ingest_;
  EpochAggregator epochs_;
  PostureEpochAggregator posture_epochs_;  // per-epoch posture measures (docs/nights.md)
  StateThrottle throttle_;
  std::map<std::string, MatPipelineState, std::less<>> mats_;
  WriteBatch pending_;  // mats, statuses, raw frames (epochs live in epochs_)
  std::map<std::string, bool, std::less<>> counters_dirty_;
  GlobalCounters global_;
  std::int64_t wall_now_us_ = 0;  ///< the newest wall clock handed in (calibration age)
  PipelineLatency latency_;
  MatListener mat_listener_;
  /// "<mat>/<stream>" → (start, end) of the open episode as last written by flush().
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> open_episodes_written_;
  /// Floors read from the database, taken up when the mat's state is made.
  std::map<std::string, FloorRecord, std::less<>> restored_floors_;
  /// Per mat: empty frames learned and gateway time when its floor was last written.
  struct FloorWritten {
    std::uint64_t empty_frames = 0;
    std::int64_t at_us = 0;
  };
  std::map<std::string, FloorWritten, std::less<>> floors_written_;
  bool closing_ = false;  ///< close_episodes() was called: the next flush writes every floor
};

}  // namespace pmap
