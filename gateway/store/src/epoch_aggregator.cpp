#include "pmap/epoch_aggregator.hpp"

#include "pmap/epoch_start.hpp"

#include <algorithm>

namespace pmap {

void EpochAggregator::add(const std::string& mat_id, const FrameFeatures& f) {
  const std::int64_t start = epoch_start_s(f.timestamp_us, epoch_seconds_);
  auto [it, inserted] = pending_.try_emplace({mat_id, start});
  EpochDelta& d = it->second;
  if (inserted) {
    d.mat_id = mat_id;
    d.epoch_start_s = start;
    d.first_seq = d.last_seq = f.sequence;
    auto [n, fresh] = newest_.try_emplace(mat_id, start, 1);
    if (!fresh && start > n->second.first) {
      n->second.first = start;
      ++n->second.second;
    }
  }
  ++d.frames;
  d.load_raw_sum += f.load_raw;
  d.load_raw_max = std::max(d.load_raw_max, f.load_raw);
  if (f.force_n) d.force_n_sum = d.force_n_sum.value_or(0.0) + *f.force_n;
  d.contact_area_cm2_sum += f.contact_area_cm2;
  if (f.occupied) {
    ++d.occupied_frames;
    if (f.cop) {
      d.cop_row_sum += f.cop->row;
      d.cop_col_sum += f.cop->col;
    }
  }
  d.movement_sum += f.movement;
  d.first_seq = std::min<std::int64_t>(d.first_seq, f.sequence);
  d.last_seq = std::max<std::int64_t>(d.last_seq, f.sequence);
  d.last_ts_us = std::max(d.last_ts_us, f.timestamp_us);
}

std::vector<EpochDelta> EpochAggregator::take() {
  std::vector<EpochDelta> out;
  out.reserve(pending_.size());
  for (auto& [k, d] : pending_) out.push_back(std::move(d));
  pending_.clear();
  return out;
}

std::uint64_t EpochAggregator::epochs_started(const std::string& mat_id) const {
  auto it = newest_.find(mat_id);
  return it == newest_.end() ? 0 : it->second.second;
}

}  // namespace pmap
