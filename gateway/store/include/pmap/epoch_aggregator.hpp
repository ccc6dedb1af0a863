#pragma once
// Accumulates per-frame features into per-mat, per-epoch sums (EpochDelta) between flushes.
// Late frames simply produce another delta for an older epoch; the store merges deltas by
// addition, so the stored sums are exact whatever the arrival order.
//
// Threading: used by one thread (the gateway's io_context thread).
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "pmap/features.hpp"
#include "pmap/store.hpp"

namespace pmap {

class EpochAggregator {
 public:
  explicit EpochAggregator(std::int64_t epoch_seconds = 5) : epoch_seconds_(epoch_seconds) {}

  void add(const std::string& mat_id, const FrameFeatures& features);
  /// Returns and clears the accumulated deltas.
  [[nodiscard]] std::vector<EpochDelta> take();
  [[nodiscard]] std::size_t pending() const { return pending_.size(); }
  /// Distinct epochs started per mat during this run (late frames into an epoch already
  /// flushed are not counted again).
  [[nodiscard]] std::uint64_t epochs_started(const std::string& mat_id) const;
  [[nodiscard]] std::int64_t epoch_seconds() const { return epoch_seconds_; }

 private:
  std::int64_t epoch_seconds_;
  std::map<std::pair<std::string, std::int64_t>, EpochDelta> pending_;
  std::map<std::string, std::pair<std::int64_t, std::uint64_t>, std::less<>>
      newest_;  // newest epoch, count
};

}  // namespace pmap
