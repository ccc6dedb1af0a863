#include "pmap/posture_epoch_aggregator.hpp"

#include "pmap/epoch_start.hpp"

namespace pmap {

void PostureEpochAggregator::add(const std::string& mat_id, const PostureSample& s) {
  const std::int64_t start = epoch_start_s(s.timestamp_us, epoch_seconds_);
  auto mat = pending_.find(mat_id);
  if (mat == pending_.end()) mat = pending_.try_emplace(mat_id).first;
  auto [it, inserted] = mat->second.try_emplace(start);
  PostureEpochDelta& d = it->second;
  if (inserted) {
    d.mat_id = mat_id;
    d.epoch_start_s = start;
    ++pending_count_;
  }
  ++d.posture_frames;
  if (s.bed) {
    if (s.side) {
      ++d.side_frames;
      d.pelvic_roll_deg_sum += s.pelvic_roll_deg;
      d.knee_aligned_frames += s.knee_aligned ? 1 : 0;
      d.knee_dropped_frames += s.knee_dropped ? 1 : 0;
    }
    d.supine_supported_frames += s.supine_supported ? 1 : 0;
    d.supine_flat_frames += s.supine_flat ? 1 : 0;
  } else {
    d.obliquity_deg_sum += s.obliquity_deg;
    d.tilt_deg_sum += s.tilt_deg;
    d.slouched_frames += s.slouched ? 1 : 0;
    d.wallet_frames += s.wallet ? 1 : 0;
    d.ppi_sum += s.ppi;
    d.di_pct_sum += s.di_pct;
  }
}

std::vector<PostureEpochDelta> PostureEpochAggregator::take() {
  std::vector<PostureEpochDelta> out;
  out.reserve(pending_count_);
  for (auto& [mat, epochs] : pending_) {
    for (auto& [start, d] : epochs) out.push_back(std::move(d));
  }
  pending_.clear();
  pending_count_ = 0;
  return out;
}

}  // namespace pmap
