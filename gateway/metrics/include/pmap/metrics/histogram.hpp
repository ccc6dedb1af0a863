#pragma once
// A Prometheus histogram of durations, cheap enough for the per-frame path (docs/metrics.md).
//
// observe() is lock-free: one linear scan over the (few) upper bounds, then three relaxed atomic
// increments (the bucket, the count, the sum in nanoseconds). Buckets are stored per interval,
// not cumulatively; snapshot() adds them up. A snapshot taken while other threads observe may be
// off by the observations in flight, never inconsistent within itself: its cumulative counts are
// non-decreasing and its +Inf bucket equals its count (both derived from the same bucket reads).
//
// Threading: observe() and snapshot() from any thread.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

namespace pmap::metrics {

class Histogram {
 public:
  /// `upper_bounds_s`: strictly increasing, finite, positive upper bounds in seconds (the +Inf
  /// bucket is implicit). Throws std::invalid_argument otherwise.
  explicit Histogram(std::vector<double> upper_bounds_s);

  void observe(std::chrono::nanoseconds duration) noexcept {
    const std::int64_t ns = duration.count() < 0 ? 0 : duration.count();
    std::size_t i = 0;
    while (i < bounds_ns_.size() && ns > bounds_ns_[i]) ++i;
    buckets_[i].fetch_add(1, std::memory_order_relaxed);
    sum_ns_.fetch_add(static_cast<std::uint64_t>(ns), std::memory_order_relaxed);
  }

  struct Snapshot {
    std::vector<double> upper_bounds_s;     ///< without +Inf
    std::vector<std::uint64_t> cumulative;  ///< one per bound, then +Inf (== count)
    std::uint64_t count = 0;
    double sum_s = 0;
  };
  [[nodiscard]] Snapshot snapshot() const;

  /// Bounds for per-frame stages: 50 µs … 1 s.
  [[nodiscard]] static std::vector<double> frame_bounds();
  /// Bounds for database transactions: 1 ms … 10 s.
  [[nodiscard]] static std::vector<double> write_bounds();

 private:
  std::vector<double> bounds_s_;
  std::vector<std::int64_t> bounds_ns_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  ///< bounds + 1 (+Inf)
  std::atomic<std::uint64_t> sum_ns_{0};
};

}  // namespace pmap::metrics
