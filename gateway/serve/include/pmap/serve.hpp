#pragma once
// Serve stage: the `state` JSON of docs/protocol.md §7 and the policy of when to publish it
// (at most once per interval per mat, plus immediately when occupancy changes).
//
// Threading: StateThrottle is used by one thread (the gateway's io_context thread).
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "pmap/features.hpp"
#include "pmap/ingest.hpp"
#include "pmap/mat_descriptor.hpp"

namespace pmap {

/// Builds the state document. Later stages (posture engine) add fields to the returned object.
[[nodiscard]] nlohmann::json make_state_json(const MatDescriptor& mat,
                                             const FrameFeatures& features,
                                             const MatCounters& counters);

/// Serialises compactly (what goes on the wire).
[[nodiscard]] std::string dump_state(const nlohmann::json& state);

class StateThrottle {
 public:
  using Clock = std::chrono::steady_clock;
  explicit StateThrottle(std::chrono::milliseconds interval = std::chrono::seconds(1))
      : interval_(interval) {}

  /// A new state is available for `mat_id`. Returns true when it must be published now (first
  /// state, occupancy change, or nine tenths of the interval elapsed); otherwise the mat is
  /// marked pending.
  [[nodiscard]] bool offer(const std::string& mat_id, bool occupied, Clock::time_point now);
  /// True when a pending state of `mat_id` is due now (for the periodic timer): the whole
  /// interval has elapsed. Clears pending.
  [[nodiscard]] bool due(const std::string& mat_id, Clock::time_point now);
  /// Only the counters of `mat_id` changed (e.g. a rejected frame): republish its last state,
  /// with the new counters, when the interval allows. No-op for a mat never published.
  void counters_changed(const std::string& mat_id);
  /// Mats with a pending (not yet published) state.
  [[nodiscard]] std::vector<std::string> pending() const;
  /// Records that a state was published for `mat_id` at `now`.
  void published(const std::string& mat_id, bool occupied, Clock::time_point now);

 private:
  struct Entry {
    Clock::time_point last{};
    bool has_last = false;
    bool occupied = false;
    bool pending = false;
  };
  std::chrono::milliseconds interval_;
  std::map<std::string, Entry, std::less<>> mats_;
};

}  // namespace pmap
