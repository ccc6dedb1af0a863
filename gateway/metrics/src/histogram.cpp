#include "pmap/metrics/histogram.hpp"

#include <cmath>
#include <stdexcept>

namespace pmap::metrics {

Histogram::Histogram(std::vector<double> upper_bounds_s)
    : bounds_s_(std::move(upper_bounds_s)),
      buckets_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_s_.size() + 1)) {
  bounds_ns_.reserve(bounds_s_.size());
  for (std::size_t i = 0; i < bounds_s_.size(); ++i) {
    const double b = bounds_s_[i];
    if (!std::isfinite(b) || b <= 0 || (i > 0 && b <= bounds_s_[i - 1]))
      throw std::invalid_argument("histogram bounds must be finite, positive and increasing");
    bounds_ns_.push_back(static_cast<std::int64_t>(std::llround(b * 1e9)));
  }
  for (std::size_t i = 0; i <= bounds_s_.size(); ++i) buckets_[i].store(0);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot s;
  s.upper_bounds_s = bounds_s_;
  s.cumulative.reserve(bounds_s_.size() + 1);
  std::uint64_t running = 0;
  for (std::size_t i = 0; i <= bounds_s_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    s.cumulative.push_back(running);
  }
  s.count = running;
  s.sum_s = static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9;
  return s;
}

std::vector<double> Histogram::frame_bounds() {
  return {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
          0.01,    0.025,  0.05,    0.1,    0.25,  1.0};
}

std::vector<double> Histogram::write_bounds() {
  return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0};
}

}  // namespace pmap::metrics
