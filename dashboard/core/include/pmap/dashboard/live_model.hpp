#pragma once
// Live data from the broker: the MQTT thread drops messages into a `Mailbox` (frames coalesced to
// the newest per mat, so a slow screen never builds a backlog), and the GUI thread drains it into
// the `LiveModel` at display rate. Decoding uses pmap::core's codec and meta parser.
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "pmap/dashboard/mat_state.hpp"
#include "pmap/frame.hpp"
#include "pmap/mat_descriptor.hpp"

namespace pmap::dashboard {

struct RawMessage {
  std::string topic;
  std::string payload;
};

/// Thread-safe hand-over from the MQTT client's thread to the GUI thread.
class Mailbox {
 public:
  /// Bounded backlog of non-frame messages (meta, state, status, alert): beyond it the oldest is
  /// dropped and counted.
  static constexpr std::size_t kMaxOther = 512;

  void put(RawMessage message);
  struct Batch {
    std::vector<RawMessage> messages;  ///< non-frame messages in arrival order, then the frames
    std::map<std::string, std::uint64_t> frames_arrived;  ///< per mat, including coalesced ones
    std::uint64_t coalesced = 0;  ///< frames replaced by a newer one before the GUI took them
    std::uint64_t dropped_other = 0;
  };
  /// Everything since the last take.
  [[nodiscard]] Batch take();

 private:
  std::mutex mutex_;
  std::deque<RawMessage> other_;
  std::map<std::string, RawMessage> latest_frame_;  // mat id -> newest frame message
  std::map<std::string, std::uint64_t> arrived_;
  std::uint64_t coalesced_ = 0;
  std::uint64_t dropped_other_ = 0;
};

/// One point of the rolling load / centre-of-pressure chart (from `state`).
struct LoadSample {
  std::int64_t ts_us = 0;
  std::optional<double> force_n;
  std::optional<TaxelPoint> cop;
};

struct MatLive {
  std::string id;
  std::optional<MatDescriptor> meta;
  std::optional<PressureFrame> canonical_frame;  ///< newest frame, in the canonical orientation
  std::optional<MatState> state;
  std::string status = "unknown";  ///< online / offline / unknown (retained `status`)
  /// Frames per second over the last window's arrivals; -1 during the first window after the
  /// mat's first frame (not known yet).
  double frame_rate_hz = -1;
  std::optional<std::chrono::steady_clock::time_point> first_arrival;
  std::deque<LoadSample> history;  ///< newest last, at most kHistory
  std::uint64_t frames = 0;        ///< frames decoded and shown-able
  std::map<std::string, std::uint64_t> rejected;  ///< reason -> count
  std::chrono::steady_clock::time_point last_message{};
  std::deque<std::pair<std::chrono::steady_clock::time_point, std::uint64_t>> arrivals;
};

struct LiveAlert {
  std::string mat;
  std::string type;
  std::string text;  ///< in words
  std::int64_t ts_us = 0;
};

class LiveModel {
 public:
  static constexpr std::size_t kHistory = 600;  ///< 10 minutes at the state's 1 Hz
  static constexpr std::chrono::milliseconds kRateWindow{2000};

  /// Applies a drained batch. Bad messages are counted (per mat and reason, or globally) and
  /// never throw. Returns the ids of mats whose frame or state changed.
  std::vector<std::string> apply(const Mailbox::Batch& batch,
                                 std::chrono::steady_clock::time_point now);
  /// One message (tests; `apply` calls it).
  void apply_message(const RawMessage& message, std::chrono::steady_clock::time_point now);

  [[nodiscard]] const std::map<std::string, MatLive>& mats() const { return mats_; }
  [[nodiscard]] const std::deque<LiveAlert>& alerts() const { return alerts_; }
  /// Counters of messages refused without a mat to charge them to (bad topic, bad alert).
  [[nodiscard]] const std::map<std::string, std::uint64_t>& global_rejected() const {
    return global_rejected_;
  }
  [[nodiscard]] std::uint64_t coalesced_frames() const { return coalesced_; }

 private:
  MatLive& mat(const std::string& id);
  void on_frame(MatLive& m, const std::string& payload);
  void on_state(MatLive& m, const std::string& payload);
  void on_alert(const std::string& mat_id, const std::string& payload);
  void update_rate(MatLive& m, std::uint64_t arrived, std::chrono::steady_clock::time_point now);

  std::map<std::string, MatLive> mats_;
  std::deque<LiveAlert> alerts_;
  std::map<std::string, std::uint64_t> global_rejected_;
  std::uint64_t coalesced_ = 0;
};

}  // namespace pmap::dashboard
