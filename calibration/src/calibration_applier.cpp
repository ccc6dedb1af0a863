#include "pmap/calibration/calibration_applier.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace pmap::calibration {
namespace {

// Taxels converted together: x and the running sums stay in L1, and a block whose taxels are all
// below their gate costs one pass over 64 values.
constexpr std::size_t kBlock = 64;

struct Table {
  const float* constant;
  const float* lo;
  const float* hi;
  const float* slope;
  std::size_t taxels;
  std::size_t segments;
};

// acc[j] = curve of taxel b + j at x[j], j < len. Compiled twice (AVX2 and baseline x86-64); the
// loader picks the one the CPU runs. The clamps are comparisons, so a NaN x stays NaN (and is
// then gated to 0 by the caller).
__attribute__((target_clones("avx2", "default"))) void evaluate(const Table& t, std::size_t b,
                                                                std::size_t len,
                                                                const float* __restrict x,
                                                                float* __restrict acc) {
  const float* constant = t.constant + b;
  for (std::size_t j = 0; j < len; ++j) acc[j] = constant[j];
  for (std::size_t s = 0; s < t.segments; ++s) {
    const float* lo = t.lo + s * t.taxels + b;
    const float* hi = t.hi + s * t.taxels + b;
    const float* slope = t.slope + s * t.taxels + b;
    for (std::size_t j = 0; j < len; ++j) {
      float v = x[j] < lo[j] ? lo[j] : x[j];
      v = v > hi[j] ? hi[j] : v;
      acc[j] += slope[j] * v;
    }
  }
}

}  // namespace

CalibrationApplier::Segments CalibrationApplier::segments_for(const MatCalibration& c,
                                                              const std::vector<float>& knots) {
  const std::size_t n = c.taxel_count();
  const std::size_t m = c.knots();
  const std::size_t segments = m + 1;
  Segments t;
  t.constant.assign(n, 0.0f);
  t.lo.assign(segments * n, 0.0f);
  t.hi.assign(segments * n, 0.0f);
  t.slope.assign(segments * n, 0.0f);
  for (std::size_t i = 0; i < n; ++i) {
    if (c.status[i] != TaxelStatus::kOk) continue;  // all zero: the fill decides
    double constant = 0;
    double previous_counts = c.offset_counts[i];
    double previous_mmhg = 0;
    double last_slope = 0;
    for (std::size_t s = 0; s < segments; ++s) {
      const double lo = previous_counts;
      double hi;
      double slope;
      if (s < m) {
        hi = knots[i * m + s];
        slope = (c.knot_mmhg[s] - previous_mmhg) / (hi - lo);
        previous_counts = hi;
        previous_mmhg = c.knot_mmhg[s];
        last_slope = slope;
      } else {
        // Above the calibrated range, up to the ADC's full scale: the last segment's slope, but
        // no steeper than the chord from the zero to the top knot. Near saturation the last
        // segment can be almost vertical, and a few counts of noise would read as tens of mmHg.
        hi = std::max(lo, c.full_scale_counts);
        const double chord = previous_mmhg / std::max(previous_counts - c.offset_counts[i], 1e-3);
        slope = std::min(last_slope, chord);
      }
      t.lo[s * n + i] = static_cast<float>(lo);
      t.hi[s * n + i] = static_cast<float>(hi);
      t.slope[s * n + i] = static_cast<float>(slope);
      constant -= slope * lo;
    }
    t.constant[i] = static_cast<float>(constant);
  }
  return t;
}

CalibrationApplier::CalibrationApplier(const MatCalibration& c) {
  if (!c.has_curves()) throw std::invalid_argument("calibration has no pressure curves");
  if (auto reason = validate(c, AcceptanceLimits{1.0, 1e9})) throw std::invalid_argument(*reason);
  taxels_ = c.taxel_count();
  const std::size_t m = c.knots();
  segments_ = m + 1;
  full_scale_mmhg_ = c.full_scale_mmhg();
  offset_ = c.offset_counts;
  gate_.assign(taxels_, std::numeric_limits<float>::infinity());
  for (std::size_t i = 0; i < taxels_; ++i) {
    if (c.status[i] == TaxelStatus::kOk) {
      gate_[i] = c.offset_counts[i] + std::max(1.0f, 3.0f * c.noise_counts[i]);
    }
  }
  band_.assign(taxels_, 0.0f);
  for (std::size_t i = 0; i < taxels_; ++i) band_[i] = std::max(1.0f, 4.0f * c.noise_counts[i]);
  midline_ = segments_for(c, c.knot_counts);
  branches_ = c.has_branches();
  if (branches_) {
    loading_ = segments_for(c, c.loading_knot_counts);
    unloading_ = segments_for(c, c.unloading_knot_counts);
    top_counts_.assign(taxels_, 0.0f);
    for (std::size_t i = 0; i < taxels_; ++i) top_counts_[i] = c.loading_knot_counts[i * m + m - 1];
  }
  fill_begin_.push_back(0);
  for (std::size_t i = 0; i < taxels_; ++i) {
    if (c.status[i] == TaxelStatus::kOk) continue;
    const auto row = static_cast<std::ptrdiff_t>(i / c.cols);
    const auto col = static_cast<std::ptrdiff_t>(i % c.cols);
    fill_target_.push_back(i);
    for (std::ptrdiff_t dr = -1; dr <= 1; ++dr) {
      for (std::ptrdiff_t dc = -1; dc <= 1; ++dc) {
        const std::ptrdiff_t r = row + dr;
        const std::ptrdiff_t cc = col + dc;
        if ((dr == 0 && dc == 0) || r < 0 || cc < 0 || r >= c.rows || cc >= c.cols) continue;
        const auto j = static_cast<std::size_t>(r * c.cols + cc);
        if (c.status[j] == TaxelStatus::kOk) fill_source_.push_back(j);
      }
    }
    fill_begin_.push_back(fill_source_.size());
  }
}

bool CalibrationApplier::apply(std::span<const float> raw, std::span<float> mmhg,
                               std::span<const float> zero_shift, State* state) const noexcept {
  if (raw.size() != taxels_ || mmhg.size() != taxels_ ||
      (!zero_shift.empty() && zero_shift.size() != taxels_) ||
      (state != nullptr && state->peak_counts.size() != taxels_)) {
    return false;
  }
  const bool follow = state != nullptr && branches_;
  const auto table = [this](const Segments& s) {
    return Table{s.constant.data(), s.lo.data(), s.hi.data(), s.slope.data(), taxels_, segments_};
  };
  const Table curve = table(follow ? loading_ : midline_);
  const Table load = table(loading_);
  const Table unload = table(unloading_);
  float* peak = state != nullptr ? state->peak_counts.data() : nullptr;
  for (std::size_t b = 0; b < taxels_; b += kBlock) {
    const std::size_t len = std::min(kBlock, taxels_ - b);
    float x[kBlock];
    float acc[kBlock];
    const float* gate = gate_.data() + b;
    for (std::size_t j = 0; j < len; ++j) x[j] = raw[b + j];
    if (!zero_shift.empty()) {
      for (std::size_t j = 0; j < len; ++j) x[j] -= zero_shift[b + j];
    }
    int loaded = 0;
    for (std::size_t j = 0; j < len; ++j) loaded += x[j] > gate[j] ? 1 : 0;
    if (loaded == 0) {
      for (std::size_t j = 0; j < len; ++j) mmhg[b + j] = 0.0f;
      if (peak != nullptr) std::fill(peak + b, peak + b + len, 0.0f);
      continue;
    }
    evaluate(curve, b, len, x, acc);
    if (follow) {
      // Descending taxels: map x onto the major loop (x̃) and add the scaled gap between the
      // branches there. Rising taxels get x̃ = their top, where the branches meet (gap 0).
      float mapped[kBlock];
      float weight[kBlock];
      int descending = 0;
      for (std::size_t j = 0; j < len; ++j) {
        const std::size_t i = b + j;
        const float o = offset_[i];
        const float top = top_counts_[i];
        if (!(x[j] > gate[j])) {
          peak[i] = 0.0f;
          mapped[j] = top;
          weight[j] = 0.0f;
          continue;
        }
        if (x[j] >= peak[i]) {
          peak[i] = x[j];
          mapped[j] = top;
          weight[j] = 0.0f;
          continue;
        }
        // Within the noise band below the peak the taxel is not descending: read noise alone
        // would otherwise pull it onto the steep start of the unloading branch.
        const float descent = std::min(x[j] + band_[i], peak[i]);
        if (descent >= peak[i]) {
          mapped[j] = top;
          weight[j] = 0.0f;
          continue;
        }
        ++descending;
        const float reach = std::max(peak[i] - o, 1e-3f);
        const float scale = std::max(1.0f, (top - o) / reach);
        mapped[j] = o + (descent - o) * scale;
        weight[j] = std::min(1.0f, reach / std::max(top - o, 1e-3f));
      }
      if (descending > 0) {
        float up[kBlock];
        float down[kBlock];
        evaluate(load, b, len, mapped, up);
        evaluate(unload, b, len, mapped, down);
        for (std::size_t j = 0; j < len; ++j) acc[j] += weight[j] * (down[j] - up[j]);
      }
    }
    for (std::size_t j = 0; j < len; ++j) mmhg[b + j] = x[j] > gate[j] ? acc[j] : 0.0f;
  }
  for (std::size_t t = 0; t < fill_target_.size(); ++t) {
    const std::size_t begin = fill_begin_[t];
    const std::size_t end = fill_begin_[t + 1];
    float sum = 0;
    for (std::size_t s = begin; s < end; ++s) sum += mmhg[fill_source_[s]];
    mmhg[fill_target_[t]] = end > begin ? sum / static_cast<float>(end - begin) : 0.0f;
  }
  return true;
}

std::size_t CalibrationApplier::above_range(std::span<const float> mmhg) const noexcept {
  const auto top = static_cast<float>(full_scale_mmhg_);
  return static_cast<std::size_t>(
      std::count_if(mmhg.begin(), mmhg.end(), [top](float p) { return p > top * 1.0001f; }));
}

}  // namespace pmap::calibration
