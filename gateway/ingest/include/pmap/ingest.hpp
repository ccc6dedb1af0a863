#pragma once
// Ingest stage: per-mat registry that validates every `meta` and `frame` message
// (docs/protocol.md §6) and hands accepted frames, in canonical orientation, to the next stage.
//
// Errors are values: nothing here throws on bad input; every rejection is counted per mat and
// reason key (exactly the keys of protocol §6) and logged at most once per mat+reason per
// `log_interval` with the number suppressed.
//
// Threading: not thread-safe. One Ingest is owned by the gateway's io_context thread.
#include <bitset>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pmap/frame.hpp"
#include "pmap/log.hpp"
#include "pmap/mat_descriptor.hpp"

namespace pmap {

/// Rejection reason keys of protocol §6 that the ingest stage itself produces (the decode errors
/// come from `reason_name(DecodeError)`).
namespace reason {
inline constexpr std::string_view kDimensionMismatch = "dimension_mismatch";
inline constexpr std::string_view kValueOutOfRange = "value_out_of_range";
inline constexpr std::string_view kDuplicate = "duplicate";
inline constexpr std::string_view kClockSkew = "clock_skew";
inline constexpr std::string_view kNoMeta = "no_meta";
inline constexpr std::string_view kTooManyMats = "too_many_mats";
inline constexpr std::string_view kRateLimited = "rate_limited";
}  // namespace reason

/// Every frame rejection key of protocol §6, in the protocol's order.
[[nodiscard]] std::span<const std::string_view> rejection_reasons();

struct IngestConfig {
  std::size_t max_mats = 1024;                 ///< distinct mat ids tracked; more → too_many_mats
  std::size_t hold_max_frames = 64;            ///< frames held per mat while it has no meta
  std::size_t hold_max_total_frames = 4096;    ///< held frames over all mats (memory bound)
  std::int64_t hold_max_age_us = 120'000'000;  ///< ... and for at most this long
  std::int64_t clock_skew_future_us = 300'000'000;                ///< 5 min
  std::int64_t clock_skew_past_us = 7LL * 24 * 3600 * 1'000'000;  ///< 7 days
  std::uint32_t duplicate_window = 1024;  ///< fixed by the protocol; kept here for documentation
  /// Per-mat frame rate limit (token bucket; docs/protocol.md §6, `rate_limited`). 0 = no limit:
  /// the library default, so tools replaying files and unit tests are never limited; the
  /// gateway's config turns it on (GatewayConfig::max_frame_rate_hz).
  double max_frame_rate_hz = 0;
  double max_frame_burst = 500;  ///< bucket size, frames (>= 1)
  std::chrono::milliseconds log_interval{10'000};
};

/// Counters of one mat since the gateway started.
struct MatCounters {
  std::uint64_t received = 0;  ///< every message on `frame`
  std::uint64_t accepted = 0;
  std::uint64_t rejected = 0;  ///< sum of rejected_by_reason
  std::uint64_t missing = 0;   ///< sequence gaps (reduced again when a late frame fills one)
  std::uint64_t sequence_restart = 0;  ///< accepted frames taken as a mat restart
  std::uint64_t bad_meta = 0;          ///< `meta` documents rejected
  std::uint64_t meta_updates = 0;      ///< valid `meta` documents received
  std::map<std::string, std::uint64_t, std::less<>> rejected_by_reason;

  /// Flat key → count map: received, accepted, rejected, missing, sequence_restart, bad_meta
  /// and every reason with a non-zero count.
  [[nodiscard]] std::map<std::string, std::uint64_t> flat() const;
};

/// A frame that passed validation, in canonical orientation.
struct AcceptedFrame {
  std::shared_ptr<const MatDescriptor> mat;  ///< the meta in force for this frame
  PressureFrame canonical;
  bool restart = false;  ///< taken as a sequence restart
};

/// What happened to a `meta` message.
struct MetaOutcome {
  bool accepted = false;
  bool changed = false;                 ///< differs from the previous valid meta
  std::string error;                    ///< parse error when !accepted
  std::vector<AcceptedFrame> released;  ///< held frames processed now that meta is known
};

class Ingest {
 public:
  explicit Ingest(IngestConfig config = {}, Logger* logger = nullptr);

  /// Handles a `meta` payload for `mat_id` (already a valid id from the topic).
  MetaOutcome on_meta(std::string_view mat_id, std::span<const std::uint8_t> payload,
                      std::int64_t now_us);
  /// Puts in force a meta the gateway stored before a restart (the `mats` table), until the
  /// broker's retained meta arrives: frames the broker queued for the gateway's session while it
  /// was away come before that retained meta, and without a meta they would overflow the hold
  /// queue (no_meta). Not counted as a meta update; the next live meta counts as new (logged,
  /// stored, announced) even when equal. Does nothing for a mat that already has a meta. Returns
  /// the reason the meta cannot be used, empty when it is in force.
  std::string restore_meta(std::string_view mat_id, std::string_view meta_json);
  /// Handles a `frame` payload. Returns the accepted frames (0 or 1; frames held for lack of meta
  /// come back from on_meta later).
  std::vector<AcceptedFrame> on_frame(std::string_view mat_id,
                                      std::span<const std::uint8_t> payload, std::int64_t now_us);
  /// Drops held frames older than hold_max_age (as no_meta). Call periodically.
  void housekeeping(std::int64_t now_us);

  /// The meta in force for a mat, or null.
  [[nodiscard]] std::shared_ptr<const MatDescriptor> meta(std::string_view mat_id) const;
  /// Counters of a mat (a zero set for unknown mats).
  [[nodiscard]] MatCounters counters(std::string_view mat_id) const;
  /// Every known mat id.
  [[nodiscard]] std::vector<std::string> mat_ids() const;
  /// Frames dropped because the mat limit was reached (not attributable to a tracked mat).
  [[nodiscard]] std::uint64_t too_many_mats() const { return too_many_mats_; }
  /// True when `mat_id` is tracked or could be (limit not reached).
  [[nodiscard]] bool can_track(std::string_view mat_id) const;
  [[nodiscard]] std::size_t held_frames(std::string_view mat_id) const;

 private:
  struct Held {
    PressureFrame frame;  ///< decoded (decode errors are counted at receipt)
    std::int64_t received_us;
  };
  struct SequenceWindow {
    bool started = false;
    std::uint32_t newest = 0;
    std::int64_t newest_ts_us = 0;
    std::bitset<1024> seen;  ///< slot seq % 1024 for seq in (newest-1024, newest]
  };
  /// Token bucket of one mat's frames (see Ingest::on_frame for why it runs on two clocks).
  struct RateBucket {
    bool started = false;
    bool stamped = false;  ///< stamp_us holds a frame timestamp
    double tokens = 0;
    std::int64_t arrival_us = 0;         ///< gateway clock at the last message
    std::int64_t stamp_us = 0;           ///< newest frame timestamp, never ahead of arrival_us
    bool catching_up = false;            ///< catch_up_us holds a timestamp
    std::int64_t catch_up_us = 0;        ///< newest timestamp among frames older than stamp_us
    std::int64_t arrival_credit_us = 0;  ///< arrival time credited since stamp_us last moved
  };
  struct MatEntry {
    std::shared_ptr<const MatDescriptor> meta;
    bool meta_restored = false;  ///< `meta` is from the database, not yet from the broker
    RateBucket rate;
    MatCounters counters;
    std::deque<Held> held;
    SequenceWindow seq;
  };

  MatEntry* entry(std::string_view mat_id);  // creates; null when over the limit
  /// Refills the bucket by the gateway clock; true while it holds a token.
  bool refill_by_arrival(RateBucket& b, std::int64_t now_us) const;
  /// Refills by the advance of the frame's own timestamp (beyond what arrival time gave).
  void refill_by_stamp(RateBucket& b, std::int64_t timestamp_us, std::int64_t now_us) const;
  void reject(MatEntry& e, std::string_view mat_id, std::string_view reason,
              std::string_view detail);
  std::vector<AcceptedFrame> process(MatEntry& e, std::string_view mat_id, PressureFrame frame,
                                     std::int64_t now_us);

  IngestConfig config_;
  Logger* logger_;
  LogRateLimiter limiter_;
  std::map<std::string, MatEntry, std::less<>> mats_;
  std::uint64_t too_many_mats_ = 0;
  std::size_t held_total_ = 0;
};

}  // namespace pmap
