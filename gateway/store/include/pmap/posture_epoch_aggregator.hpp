#pragma once
// Accumulates per-frame posture measures (PostureSample) into per-mat, per-epoch sums
// (PostureEpochDelta), the same way EpochAggregator does for the frame features: late frames give
// another delta for an older epoch and the store adds them up.
//
// Per frame: one map lookup; a new entry (allocation) only when a mat starts an epoch.
// Threading: used by one thread (the gateway's io_context thread).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "pmap/store.hpp"

namespace pmap {

/// What the posture engines said about one occupied frame. Only the fields of the mat's kind are
/// read.
struct PostureSample {
  std::int64_t timestamp_us = 0;
  bool bed = true;
  // Bed, side-lying with a knee-pillow analysis.
  bool side = false;
  double pelvic_roll_deg = 0;
  bool knee_aligned = false;
  bool knee_dropped = false;
  // Bed, supine with a knee-support analysis.
  bool supine_supported = false;
  bool supine_flat = false;
  // Chair.
  double obliquity_deg = 0;
  double tilt_deg = 0;
  bool slouched = false;
  bool wallet = false;
  double ppi = 0;
  double di_pct = 0;
};

class PostureEpochAggregator {
 public:
  explicit PostureEpochAggregator(std::int64_t epoch_seconds = 5) : epoch_seconds_(epoch_seconds) {}

  void add(const std::string& mat_id, const PostureSample& sample);
  /// Returns and clears the accumulated deltas.
  [[nodiscard]] std::vector<PostureEpochDelta> take();
  [[nodiscard]] std::size_t pending() const { return pending_count_; }

 private:
  std::int64_t epoch_seconds_;
  // mat → epoch start → sums; the mat lookup takes the id by reference (no key string per frame).
  std::map<std::string, std::map<std::int64_t, PostureEpochDelta>, std::less<>> pending_;
  std::size_t pending_count_ = 0;
};

}  // namespace pmap
