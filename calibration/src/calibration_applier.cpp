#include "pmap/calibration/calibration_applier.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace pmap::calibration {
namespace {

// The arrays are padded to a multiple of this many taxels (padding taxels never pass the gate).
constexpr std::size_t kChunk = 16;

// The noise band below a taxel's peak, in σ of its read noise. The peak is the highest noisy
// reading since the taxel was loaded (after n frames about √(2 ln n) σ above the mean: 3.7 σ
// after 1000), and a reading may lie 3 σ below the mean, so 8 σ keeps a still body's taxels
// from counting as descending.
constexpr float kBandSigmas = 8.0f;

struct Table {
  const float* constant;
  const float* knot;
  const float* slope;
};

// out[i] = the curve of taxel i at x = raw[i] − shift[i] for every taxel, gated: 0 at or below the
// gate (and for NaN, whose comparisons are false). Segment-major passes over the whole frame: the
// loops are plain streams the compiler vectorises, and the cost is the bytes of the curves
// (docs/performance.md, "Calibration"). Compiled for AVX2 and baseline x86-64; the loader picks.
__attribute__((target_clones("avx2", "default"))) void convert(
    const Table& t, std::size_t padded, std::size_t segments, const float* __restrict gate,
    const float* __restrict raw, const float* __restrict shift, float* __restrict out,
    std::size_t taxels) {
  for (std::size_t i = 0; i < taxels; ++i) out[i] = t.constant[i];
  for (std::size_t s = 0; s < segments; ++s) {
    const float* __restrict lo = t.knot + s * padded;
    const float* __restrict hi = lo + padded;
    const float* __restrict slope = t.slope + s * padded;
    if (shift != nullptr) {
      for (std::size_t i = 0; i < taxels; ++i) {
        const float x = raw[i] - shift[i];
        float v = x < lo[i] ? lo[i] : x;
        v = v > hi[i] ? hi[i] : v;
        out[i] += slope[i] * v;
      }
    } else {
      for (std::size_t i = 0; i < taxels; ++i) {
        float v = raw[i] < lo[i] ? lo[i] : raw[i];
        v = v > hi[i] ? hi[i] : v;
        out[i] += slope[i] * v;
      }
    }
  }
  if (shift != nullptr) {
    for (std::size_t i = 0; i < taxels; ++i) out[i] = raw[i] - shift[i] > gate[i] ? out[i] : 0.0f;
  } else {
    for (std::size_t i = 0; i < taxels; ++i) out[i] = raw[i] > gate[i] ? out[i] : 0.0f;
  }
}

// The hysteresis screen over the whole frame (vectorised): updates each taxel's peak since it was
// last unloaded and marks the taxels that descend more than their noise band below it. Returns
// how many descend.
__attribute__((target_clones("avx2", "default"))) std::size_t screen(
    std::size_t taxels, const float* __restrict raw, const float* __restrict shift,
    const float* __restrict gate, const float* __restrict offset, const float* __restrict band,
    float band_growth, float* __restrict peak, std::uint8_t* __restrict descending) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < taxels; ++i) {
    const float x = shift != nullptr ? raw[i] - shift[i] : raw[i];
    const bool loaded = x > gate[i];
    const float signal = x - offset[i] > 0.0f ? x - offset[i] : 0.0f;
    const bool down = loaded && peak[i] - x > band[i] + band_growth * signal;
    const float higher = x > peak[i] ? x : peak[i];
    peak[i] = loaded ? higher : 0.0f;
    descending[i] = down ? 1 : 0;
    count += down ? 1 : 0;
  }
  return count;
}

// One taxel's curve at x (the few descending taxels of the hysteresis pass).
float curve_at(const Table& t, std::size_t padded, std::size_t segments, std::size_t i, float x) {
  float p = t.constant[i];
  for (std::size_t s = 0; s < segments; ++s) {
    const float lo = t.knot[s * padded + i];
    const float hi = t.knot[(s + 1) * padded + i];
    p += t.slope[s * padded + i] * std::clamp(x, lo, hi);
  }
  return p;
}

}  // namespace

CalibrationApplier::Segments CalibrationApplier::segments_for(
    const MatCalibration& c, const std::vector<float>& knots) const {
  const std::size_t m = c.knots();
  Segments t;
  t.constant.assign(padded_, 0.0f);
  t.knot.assign((segments_ + 1) * padded_, 0.0f);
  t.slope.assign(segments_ * padded_, 0.0f);
  for (std::size_t i = 0; i < taxels_; ++i) {
    if (c.status[i] != TaxelStatus::kOk) continue;  // all zero: the fill decides
    double constant = 0;
    double previous_counts = c.offset_counts[i];
    double previous_mmhg = 0;
    double last_slope = 0;
    t.knot[i] = c.offset_counts[i];
    for (std::size_t s = 0; s < segments_; ++s) {
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
      t.knot[(s + 1) * padded_ + i] = static_cast<float>(hi);
      t.slope[s * padded_ + i] = static_cast<float>(slope);
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
  padded_ = (taxels_ + kChunk - 1) / kChunk * kChunk;
  const std::size_t m = c.knots();
  segments_ = m + 1;
  full_scale_mmhg_ = c.full_scale_mmhg();
  offset_.assign(padded_, 0.0f);
  gate_.assign(padded_, std::numeric_limits<float>::infinity());
  band_.assign(padded_, 1.0f);
  top_counts_.assign(padded_, 0.0f);
  for (std::size_t i = 0; i < taxels_; ++i) {
    offset_[i] = c.offset_counts[i];
    band_[i] = std::max(1.0f, kBandSigmas * c.noise_counts[i]);
    band_growth_ = static_cast<float>(kBandSigmas * c.noise_fraction);
    if (c.status[i] == TaxelStatus::kOk) {
      gate_[i] = c.offset_counts[i] + std::max(1.0f, 3.0f * c.noise_counts[i]);
    }
  }
  midline_ = segments_for(c, c.knot_counts);
  branches_ = c.has_branches();
  if (branches_) {
    loading_ = segments_for(c, c.loading_knot_counts);
    unloading_ = segments_for(c, c.unloading_knot_counts);
    knot_mmhg_ = c.knot_mmhg;
    loading_knots_.assign(taxels_ * (m + 1), 0.0f);
    for (std::size_t i = 0; i < taxels_; ++i) {
      loading_knots_[i * (m + 1)] = c.offset_counts[i];
      for (std::size_t k = 0; k < m; ++k) {
        loading_knots_[i * (m + 1) + k + 1] = c.loading_knot_counts[i * m + k];
      }
    }
    for (std::size_t i = 0; i < taxels_; ++i) {
      // The major loop starts at the session's peak reading (at least the top knot's).
      top_counts_[i] = std::max(c.loop_peak_counts[i], c.loading_knot_counts[i * m + m - 1]);
    }
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
      (state != nullptr &&
       (state->peak_counts.size() != taxels_ || state->descending.size() != taxels_))) {
    return false;
  }
  const bool follow = state != nullptr && branches_;
  const auto table = [](const Segments& s) {
    return Table{s.constant.data(), s.knot.data(), s.slope.data()};
  };
  const float* shift = zero_shift.empty() ? nullptr : zero_shift.data();
  convert(table(follow ? loading_ : midline_), padded_, segments_, gate_.data(), raw.data(), shift,
          mmhg.data(), taxels_);
  if (follow) {
    // Hysteresis: each taxel's peak since it was last unloaded; a taxel more than its noise band
    // below its peak is descending (the screen, vectorised). A still body has few, so the
    // descending taxels are converted one by one.
    const Table load = table(loading_);
    const Table unload = table(unloading_);
    float* peak = state->peak_counts.data();
    const std::size_t descending =
        screen(taxels_, raw.data(), shift, gate_.data(), offset_.data(), band_.data(), band_growth_,
               peak, state->descending.data());
    for (std::size_t i = 0; descending > 0 && i < taxels_; ++i) {
      if (state->descending[i] == 0) continue;
      const float x = shift != nullptr ? raw[i] - shift[i] : raw[i];
      // Just below the noise band the reading is eased onto the branch (continuous); further
      // down it is used as read.
      const float band = band_[i] + band_growth_ * std::max(0.0f, x - offset_[i]);
      const float below = peak[i] - x;
      const float descent = x + band * std::max(0.0f, 2.0f - below / band);
      // The reading's place in its loop, r = (x − o)/(peak − o), is the same place on the major
      // loop (which starts at the session's peak reading): there the unloading branch reads
      // g_M counts more than the loading branch at the same pressure. This loop's gap is g_M
      // scaled by its size, and the loading branch converts the reading minus that gap.
      const float o = offset_[i];
      const float top = top_counts_[i];
      const float size = std::clamp((peak[i] - o) / std::max(top - o, 1e-3f), 0.0f, 1.0f);
      const float on_major = o + (descent - o) / std::max(size, 1e-3f);
      const float pressure = curve_at(unload, padded_, segments_, i, std::min(on_major, top));
      const float gap = std::max(0.0f, std::min(on_major, top) - loading_counts_at(i, pressure));
      mmhg[i] = curve_at(load, padded_, segments_, i, x - gap * size);
    }
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

float CalibrationApplier::loading_counts_at(std::size_t i, float p) const noexcept {
  const std::size_t m = knot_mmhg_.size();
  const float* k = loading_knots_.data() + i * (m + 1);  // k[0] = offset, k[j] at knot j - 1
  if (p <= 0) return k[0];
  double lower = 0;
  for (std::size_t j = 0; j < m; ++j) {
    const double upper = knot_mmhg_[j];
    if (p <= upper || j + 1 == m) {
      // Linear within the segment; above the top knot the same segment goes on (the forward
      // curve's extrapolation is no steeper, so this stays at or below the reading).
      const double t = (p - lower) / (upper - lower);
      return static_cast<float>(k[j] + t * (k[j + 1] - k[j]));
    }
    lower = upper;
  }
  return k[m];
}

std::size_t CalibrationApplier::above_range(std::span<const float> mmhg) const noexcept {
  const auto top = static_cast<float>(full_scale_mmhg_);
  return static_cast<std::size_t>(
      std::count_if(mmhg.begin(), mmhg.end(), [top](float p) { return p > top * 1.0001f; }));
}

}  // namespace pmap::calibration
