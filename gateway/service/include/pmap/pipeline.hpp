#pragma once
// The gateway pipeline without the network: topic + payload in; accepted frames go through
// ingest → condition → features → (epoch aggregation → store, state → publish).
//
// Stages are composed here: ingest → condition → features → posture (bed mats) → episodes, with
// epoch aggregation and episodes going to the store and the latest result to `state`.
//
// Threading: not thread-safe; owned by the gateway's io_context thread. Publishing and batch
// submission are done through the callbacks given at construction (the service hands batches to a
// StoreWriter thread and publishes through Paho).
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "pmap/chair/chair_posture.hpp"
#include "pmap/condition.hpp"
#include "pmap/episodes.hpp"
#include "pmap/epoch_aggregator.hpp"
#include "pmap/features.hpp"
#include "pmap/ingest.hpp"
#include "pmap/log.hpp"
#include "pmap/occupancy.hpp"
#include "pmap/posture/bed_analyzer.hpp"
#include "pmap/posture/position_smoother.hpp"
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
  std::chrono::milliseconds state_interval{1000};
  bool raw_archive = false;
  std::size_t flush_max_rows = 1000;

  [[nodiscard]] static PipelineConfig from(const GatewayConfig& config);
};

/// Global counters (not attributable to a mat).
struct GlobalCounters {
  std::uint64_t unattributed = 0;     ///< topic not of the form pmap/v1/<valid id>/<channel>
  std::uint64_t ignored_channel = 0;  ///< state/truth messages (not for the gateway)
  std::uint64_t bad_status = 0;       ///< status payload other than online/offline
  std::uint64_t states_published = 0;
  std::uint64_t state_publish_failures = 0;
};

class Pipeline {
 public:
  using Clock = std::chrono::steady_clock;
  /// Publishes a state document on a topic; returns false if it could not be sent.
  using Publisher = std::function<bool(const std::string& topic, const std::string& payload)>;
  using BatchSink = std::function<void(WriteBatch)>;

  Pipeline(PipelineConfig config, Logger* logger, Publisher publisher, BatchSink sink,
           CalibrationLookup calibration = nominal_calibration);

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
  /// Periodic work: drops frames held too long for lack of meta.
  void housekeeping(std::int64_t now_us);

  /// The exit summary: per mat counters and epochs started, global counters.
  [[nodiscard]] nlohmann::json summary() const;
  [[nodiscard]] const GlobalCounters& global() const { return global_; }
  [[nodiscard]] const Ingest& ingest() const { return ingest_; }
  /// Latest features of a mat, if any frame was accepted.
  [[nodiscard]] const FrameFeatures* latest(std::string_view mat_id) const;
  /// Rows waiting for the next flush.
  [[nodiscard]] std::size_t pending_rows() const;

 private:
  struct MatPipelineState {
    std::shared_ptr<const MatDescriptor> meta;
    MatConditioner conditioner;
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
  };

  void on_accepted(std::vector<AcceptedFrame>&& frames, Clock::time_point now);
  void process_frame(const AcceptedFrame& frame, Clock::time_point now);
  void publish_state(const std::string& mat_id, Clock::time_point now);
  MatPipelineState& state_for(const std::shared_ptr<const MatDescriptor>& meta);

  PipelineConfig config_;
  Logger* logger_;
  Publisher publisher_;
  BatchSink sink_;
  CalibrationLookup calibration_;
  Ingest ingest_;
  EpochAggregator epochs_;
  StateThrottle throttle_;
  std::map<std::string, MatPipelineState, std::less<>> mats_;
  WriteBatch pending_;  // mats, statuses, raw frames (epochs live in epochs_)
  std::map<std::string, bool, std::less<>> counters_dirty_;
  GlobalCounters global_;
};

}  // namespace pmap
