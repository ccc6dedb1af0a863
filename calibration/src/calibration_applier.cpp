#include "pmap/calibration/calibration_applier.hpp"

#include "pmap/calibration/creep.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <stdexcept>
#if defined(__x86_64__)
#include <immintrin.h>
#define PMAP_CALIBRATION_AVX2 1
#endif

namespace pmap::calibration {
namespace {

// Taxels are converted 8 at a time (one AVX2 register; two SSE registers in the baseline build).
constexpr std::size_t kChunk = 8;
using Lanes = float __attribute__((vector_size(kChunk * sizeof(float))));
using Mask = std::int32_t __attribute__((vector_size(kChunk * sizeof(std::int32_t))));

// The noise band below a taxel's peak, in σ of its read noise. The peak is the highest noisy
// reading since the taxel was loaded (after n frames about √(2 ln n) σ above the mean: 3.7 σ
// after 1000), and a reading may lie 3 σ below the mean, so 8 σ keeps a still body's taxels
// from counting as descending.
constexpr float kBandSigmas = 8.0f;

// A curve per taxel in hinge form, p(x) = Σ_h d_h · max(x − k_h, 0): the first hinge at the
// offset with the first segment's slope, then one per knot with the change of slope there.
// Chunk-major: for each chunk of 8 taxels, hinge after hinge, 8 knots then 8 slope changes, so a
// frame's conversion reads the table once, front to back.
struct Table {
  const float* values;
  std::size_t hinges;
  float ceiling;  ///< the ADC's full scale: readings above it (or infinite) count as it
};

// out = the curves at x = raw − shift, gated: 0 at or below the gate (and for NaN, whose
// comparisons are false). Compiled for AVX2 and baseline x86-64; the loader picks.
void convert(const Table& t, std::size_t chunks, const float* __restrict gate,
             const float* __restrict raw, const float* __restrict shift, float* __restrict out) {
  // Loads are memcpy (unaligned, no aliasing questions); a helper function returning Lanes would
  // change the ABI between the clones.
  const Lanes zero = {};
  const float* table = t.values;
  for (std::size_t c = 0; c < chunks; ++c) {
    const std::size_t b = c * kChunk;
    Lanes x;
    std::memcpy(&x, raw + b, sizeof x);
    if (shift != nullptr) {
      Lanes s;
      std::memcpy(&s, shift + b, sizeof s);
      x -= s;
    }
    Lanes g;
    std::memcpy(&g, gate + b, sizeof g);
    const auto loaded = x > g;  // false for NaN: such a taxel reads 0
    const Lanes ceiling = zero + t.ceiling;
    x = x < ceiling ? x : ceiling;
    // Two hinges per step into two sums: the sums' additions are the loop's critical path, and
    // the exit test is a branch that mispredicts once per chunk; pairs halve both.
    Lanes acc = zero;
    Lanes acc_odd = zero;
    const float* const next_chunk = table + t.hinges * 2 * kChunk;
    for (std::size_t h = 0; h < t.hinges; h += 2, table += 4 * kChunk) {
      Lanes knot;
      Lanes knot_odd;
      Lanes change;
      Lanes change_odd;
      std::memcpy(&knot, table, sizeof knot);
      Lanes above = x - knot;
      // Every taxel's knots rise (unusable and padding taxels' are +max), so once no lane is
      // above this knot none is above the later ones: an unloaded chunk, most of a bed, stops
      // after two pairs, a loaded one at the pair of its highest reading.
      const Mask rising = above > zero;
      Mask none = {};
      if (std::memcmp(&rising, &none, sizeof none) == 0) break;
      std::memcpy(&knot_odd, table + 2 * kChunk, sizeof knot_odd);
      std::memcpy(&change, table + kChunk, sizeof change);
      std::memcpy(&change_odd, table + 3 * kChunk, sizeof change_odd);
      Lanes above_odd = x - knot_odd;
      above = above > zero ? above : zero;
      above_odd = above_odd > zero ? above_odd : zero;
      acc += change * above;
      acc_odd += change_odd * above_odd;
    }
    table = next_chunk;
    acc += acc_odd;
    acc = loaded ? acc : zero;
    std::memcpy(out + b, &acc, sizeof acc);
  }
}

// The hysteresis screen over the whole frame (portable version): updates each taxel's peak since
// it was last unloaded and marks the taxels that descend more than their noise band below it (a
// bit per taxel in `descending`, a byte per chunk of 8). Returns how many descend. Chunks of 8 as
// in convert; a partial last chunk is done one taxel at a time.
// With creep compensation (`creep` and `compensated` not null) the reading is first compensated
// as creep_correct does (x − creep unless saturated) and written to `compensated` for convert:
// one pass over the frame instead of two.
std::size_t screen(std::size_t taxels, const float* __restrict raw, const float* __restrict shift,
                   const float* __restrict creep, float ceiling, float* __restrict compensated,
                   const float* __restrict gate, const float* __restrict offset,
                   const float* __restrict band, float band_growth, float* __restrict peak,
                   std::uint8_t* __restrict descending) {
  const Lanes zero = {};
  const Lanes top = zero + ceiling;
  std::size_t total = 0;
  const std::size_t full = taxels / kChunk * kChunk;
  for (std::size_t b = 0; b < full; b += kChunk) {
    Lanes x;
    Lanes g;
    Lanes o;
    Lanes w;
    Lanes p;
    std::memcpy(&x, raw + b, sizeof x);
    if (shift != nullptr) {
      Lanes s;
      std::memcpy(&s, shift + b, sizeof s);
      x -= s;
    }
    if (creep != nullptr) {
      Lanes c;
      std::memcpy(&c, creep + b, sizeof c);
      x = x >= top ? x : x - c;
      std::memcpy(compensated + b, &x, sizeof x);
    }
    std::memcpy(&g, gate + b, sizeof g);
    std::memcpy(&o, offset + b, sizeof o);
    std::memcpy(&w, band + b, sizeof w);
    std::memcpy(&p, peak + b, sizeof p);
    const Mask loaded = x > g;
    Lanes signal = x - o;
    signal = signal > zero ? signal : zero;
    const Mask down = loaded & (p - x > w + band_growth * signal);
    const Lanes higher = x > p ? x : p;
    p = loaded ? higher : zero;
    std::memcpy(peak + b, &p, sizeof p);
    unsigned bits = 0;
    for (std::size_t j = 0; j < kChunk; ++j) bits |= (down[j] != 0 ? 1u : 0u) << j;
    descending[b / kChunk] = static_cast<std::uint8_t>(bits);
    total += static_cast<std::size_t>(std::popcount(bits));
  }
  if (full < taxels) descending[full / kChunk] = 0;
  for (std::size_t i = full; i < taxels; ++i) {
    float x = shift != nullptr ? raw[i] - shift[i] : raw[i];
    if (creep != nullptr) {
      x = x >= ceiling ? x : x - creep[i];
      compensated[i] = x;
    }
    const bool loaded = x > gate[i];
    const float signal = std::max(x - offset[i], 0.0f);
    const bool down = loaded && peak[i] - x > band[i] + band_growth * signal;
    peak[i] = loaded ? std::max(x, peak[i]) : 0.0f;
    if (down) {
      descending[i / kChunk] = static_cast<std::uint8_t>(descending[i / kChunk] | 1u << i % kChunk);
      ++total;
    }
  }
  return total;
}

#if defined(PMAP_CALIBRATION_AVX2)
// The same two steps for CPUs with AVX2 and FMA, in intrinsics (chosen at construction:
// avx2_kernels). What the portable code cannot say to GCC 12: "no lane is above this knot" is one
// vmovmskps here and a 32-byte memcmp of a mask stored to the stack there.

// The curve part of one chunk: x (clamped, 8 lanes) through its hinge table.
__attribute__((target("avx2,fma"))) inline __m256 curve_avx2(const float* table, std::size_t hinges,
                                                             __m256 x) {
  const __m256 zero = _mm256_setzero_ps();
  __m256 acc = zero;
  __m256 acc_odd = zero;
  for (std::size_t h = 0; h < hinges; h += 2, table += 4 * kChunk) {
    const __m256 above = _mm256_sub_ps(x, _mm256_loadu_ps(table));
    if (_mm256_movemask_ps(_mm256_cmp_ps(above, zero, _CMP_GT_OQ)) == 0) break;
    const __m256 above_odd = _mm256_sub_ps(x, _mm256_loadu_ps(table + 2 * kChunk));
    acc = _mm256_fmadd_ps(_mm256_loadu_ps(table + kChunk), _mm256_max_ps(above, zero), acc);
    acc_odd = _mm256_fmadd_ps(_mm256_loadu_ps(table + 3 * kChunk), _mm256_max_ps(above_odd, zero),
                              acc_odd);
  }
  return _mm256_add_ps(acc, acc_odd);
}

__attribute__((target("avx2,fma"))) void convert_avx2(const Table& t, std::size_t chunks,
                                                      const float* __restrict gate,
                                                      const float* __restrict raw,
                                                      const float* __restrict shift,
                                                      float* __restrict out) {
  const __m256 ceiling = _mm256_set1_ps(t.ceiling);
  const std::size_t stride = t.hinges * 2 * kChunk;
  for (std::size_t c = 0; c < chunks; ++c) {
    const std::size_t b = c * kChunk;
    __m256 x = _mm256_loadu_ps(raw + b);
    if (shift != nullptr) x = _mm256_sub_ps(x, _mm256_loadu_ps(shift + b));
    const __m256 loaded = _mm256_cmp_ps(x, _mm256_loadu_ps(gate + b), _CMP_GT_OQ);  // NaN: no
    const __m256 p = curve_avx2(t.values + c * stride, t.hinges, _mm256_min_ps(x, ceiling));
    _mm256_storeu_ps(out + b, _mm256_and_ps(p, loaded));
  }
}

// What a descending taxel needs besides the loading branch's table (see apply's portable loop,
// which converts them one by one in the same steps).
struct Descent {
  const float* unloading;      ///< the unloading branch's table, laid out as the loading one
  const float* loading_knots;  ///< chunk-major: per chunk, the offset then each knot, 8 lanes
  const double* knot_mmhg;     ///< the shared knot pressures
  std::size_t knots;
  const float* top;  ///< per taxel: the loading branch's reading at the top of the major loop
};

// The loading branch's reading at pressure p, for 8 taxels (loading_counts_at).
__attribute__((target("avx2,fma"))) inline __m256 loading_counts_avx2(const float* knots,
                                                                      const double* knot_mmhg,
                                                                      std::size_t m, __m256 p) {
  const __m256 zero = _mm256_setzero_ps();
  __m256 result = _mm256_loadu_ps(knots);  // the offset: p ≤ 0
  __m256 done = _mm256_cmp_ps(p, zero, _CMP_LE_OQ);
  double lower = 0;
  for (std::size_t j = 0; j < m && _mm256_movemask_ps(done) != 0xff; ++j) {
    const double upper = knot_mmhg[j];
    // Linear within the segment; above the top knot the last segment goes on.
    const __m256 within =
        j + 1 == m ? _mm256_castsi256_ps(_mm256_set1_epi32(-1))
                   : _mm256_cmp_ps(p, _mm256_set1_ps(static_cast<float>(upper)), _CMP_LE_OQ);
    const __m256 take = _mm256_andnot_ps(done, within);
    if (_mm256_movemask_ps(take) != 0) {
      const __m256 from = _mm256_loadu_ps(knots + j * kChunk);
      const __m256 to = _mm256_loadu_ps(knots + (j + 1) * kChunk);
      const __m256 t = _mm256_mul_ps(_mm256_sub_ps(p, _mm256_set1_ps(static_cast<float>(lower))),
                                     _mm256_set1_ps(static_cast<float>(1.0 / (upper - lower))));
      result = _mm256_blendv_ps(result, _mm256_fmadd_ps(t, _mm256_sub_ps(to, from), from), take);
      done = _mm256_or_ps(done, take);
    }
    lower = upper;
  }
  return result;
}

// Following hysteresis: the screen and the conversion on the loading branch in one pass, the
// compensated reading kept in a register (the two passes wrote and read it back, and read the
// frame and the gates twice: the screen's pass was bound by those bytes, not by its arithmetic).
// `chunks` whole chunks of 8; every array is read and written a chunk at a time. A chunk with
// descending taxels converts them here too, all 8 lanes at once (a body getting up: a taxel at a
// time cost 30–50 ns each).
__attribute__((target("avx2,fma"))) std::size_t screen_convert_avx2(
    const Table& t, const Descent& d, std::size_t chunks, const float* __restrict raw,
    const float* __restrict shift, const float* __restrict creep, const float* __restrict gate,
    const float* __restrict offset, const float* __restrict band, float band_growth,
    float* __restrict peak, std::uint8_t* __restrict descending, float* __restrict out) {
  const __m256 zero = _mm256_setzero_ps();
  const __m256 ceiling = _mm256_set1_ps(t.ceiling);
  const __m256 growth = _mm256_set1_ps(band_growth);
  const std::size_t stride = t.hinges * 2 * kChunk;
  std::size_t total = 0;
  for (std::size_t c = 0; c < chunks; ++c) {
    const std::size_t b = c * kChunk;
    __m256 x = _mm256_loadu_ps(raw + b);
    if (shift != nullptr) x = _mm256_sub_ps(x, _mm256_loadu_ps(shift + b));
    if (creep != nullptr) {
      // Saturated readings are not compensated (creep_correct).
      const __m256 saturated = _mm256_cmp_ps(x, ceiling, _CMP_GE_OQ);
      x = _mm256_blendv_ps(_mm256_sub_ps(x, _mm256_loadu_ps(creep + b)), x, saturated);
    }
    const __m256 loaded = _mm256_cmp_ps(x, _mm256_loadu_ps(gate + b), _CMP_GT_OQ);
    const __m256 o = _mm256_loadu_ps(offset + b);
    const __m256 signal = _mm256_max_ps(_mm256_sub_ps(x, o), zero);
    __m256 p = _mm256_loadu_ps(peak + b);
    const __m256 limit = _mm256_fmadd_ps(growth, signal, _mm256_loadu_ps(band + b));
    const __m256 down =
        _mm256_and_ps(loaded, _mm256_cmp_ps(_mm256_sub_ps(p, x), limit, _CMP_GT_OQ));
    p = _mm256_and_ps(_mm256_max_ps(x, p), loaded);  // max(x, p): p when x is NaN (not loaded)
    _mm256_storeu_ps(peak + b, p);
    const auto bits = static_cast<unsigned>(_mm256_movemask_ps(down));
    descending[c] = static_cast<std::uint8_t>(bits);
    total += static_cast<std::size_t>(std::popcount(bits));
    __m256 pressure = curve_avx2(t.values + c * stride, t.hinges, _mm256_min_ps(x, ceiling));
    if (bits != 0) {
      // Just below the noise band the reading is eased onto the branch (continuous); further
      // down it is used as read. Then the major loop's gap, scaled by this loop's size
      // (apply's portable loop says why); lanes that do not descend keep the loading branch.
      const __m256 below = _mm256_sub_ps(p, x);
      const __m256 descent = _mm256_fmadd_ps(
          limit,
          _mm256_max_ps(zero, _mm256_sub_ps(_mm256_set1_ps(2.0f), _mm256_div_ps(below, limit))), x);
      const __m256 top = _mm256_loadu_ps(d.top + b);
      const __m256 tiny = _mm256_set1_ps(1e-3f);
      const __m256 size = _mm256_min_ps(
          _mm256_max_ps(
              _mm256_div_ps(_mm256_sub_ps(p, o), _mm256_max_ps(_mm256_sub_ps(top, o), tiny)), zero),
          _mm256_set1_ps(1.0f));
      const __m256 on_major = _mm256_min_ps(
          _mm256_add_ps(o, _mm256_div_ps(_mm256_sub_ps(descent, o), _mm256_max_ps(size, tiny))),
          top);
      const __m256 unloading_mmhg =
          curve_avx2(d.unloading + c * stride, t.hinges, _mm256_min_ps(on_major, ceiling));
      const __m256 gap = _mm256_max_ps(
          zero,
          _mm256_sub_ps(on_major, loading_counts_avx2(d.loading_knots + c * (d.knots + 1) * kChunk,
                                                      d.knot_mmhg, d.knots, unloading_mmhg)));
      const __m256 eased = _mm256_min_ps(_mm256_fnmadd_ps(gap, size, x), ceiling);
      pressure =
          _mm256_blendv_ps(pressure, curve_avx2(t.values + c * stride, t.hinges, eased), down);
    }
    _mm256_storeu_ps(out + b, _mm256_and_ps(pressure, loaded));
  }
  return total;
}
#endif

// AVX2 and FMA in this CPU, unless PMAP_CALIBRATION_PORTABLE is set (tests compare the kernels).
bool avx2_kernels() {
#if defined(PMAP_CALIBRATION_AVX2)
  const char* portable = std::getenv("PMAP_CALIBRATION_PORTABLE");
  return (portable == nullptr || *portable == '\0') && __builtin_cpu_supports("avx2") &&
         __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

void convert_chunks(bool avx2, const Table& t, std::size_t chunks, const float* gate,
                    const float* raw, const float* shift, float* out) {
#if defined(PMAP_CALIBRATION_AVX2)
  if (avx2) {
    convert_avx2(t, chunks, gate, raw, shift, out);
    return;
  }
#endif
  convert(t, chunks, gate, raw, shift, out);
}

// One taxel's curve at x (the few descending taxels of the hysteresis pass).
float curve_at(const Table& t, std::size_t i, float x) {
  const float* chunk = t.values + (i / kChunk) * t.hinges * 2 * kChunk + i % kChunk;
  float p = 0;
  x = std::min(x, t.ceiling);
  for (std::size_t h = 0; h < t.hinges; ++h) {
    p += chunk[h * 2 * kChunk + kChunk] * std::max(x - chunk[h * 2 * kChunk], 0.0f);
  }
  return p;
}

}  // namespace

std::vector<float> CalibrationApplier::hinges_for(const MatCalibration& c,
                                                  const std::vector<float>& knots) const {
  const std::size_t m = c.knots();
  const std::size_t stride = hinges_ * 2 * kChunk;
  std::vector<float> table(padded_ / kChunk * stride, 0.0f);
  for (std::size_t i = 0; i < taxels_; ++i) {
    float* chunk = table.data() + (i / kChunk) * stride + i % kChunk;
    // Padding and unusable taxels keep d = 0 (and an infinite knot): they read 0, the fill decides.
    for (std::size_t h = 0; h < hinges_; ++h) {
      chunk[h * 2 * kChunk] = std::numeric_limits<float>::max();
    }
    if (c.status[i] != TaxelStatus::kOk) continue;
    double previous_counts = c.offset_counts[i];
    double previous_mmhg = 0;
    double previous_slope = 0;
    for (std::size_t h = 0; h <= m; ++h) {  // a padding hinge stays at +max with d = 0
      double slope;
      if (h < m) {
        slope = (c.knot_mmhg[h] - previous_mmhg) / (knots[i * m + h] - previous_counts);
      } else {
        // Above the calibrated range: the last segment's slope, but no steeper than the chord
        // from the zero to the top knot. Near saturation the last segment can be almost
        // vertical, and a few counts of noise would read as tens of mmHg.
        const double chord = previous_mmhg / std::max(previous_counts - c.offset_counts[i], 1e-3);
        slope = std::min(previous_slope, chord);
      }
      chunk[h * 2 * kChunk] = static_cast<float>(previous_counts);
      chunk[h * 2 * kChunk + kChunk] = static_cast<float>(slope - previous_slope);
      previous_slope = slope;
      if (h < m) {
        previous_counts = knots[i * m + h];
        previous_mmhg = c.knot_mmhg[h];
      }
    }
  }
  return table;
}

CalibrationApplier::CalibrationApplier(const MatCalibration& c) {
  if (!c.has_curves()) throw std::invalid_argument("calibration has no pressure curves");
  if (auto reason = validate(c, AcceptanceLimits{1.0, 1e9})) throw std::invalid_argument(*reason);
  taxels_ = c.taxel_count();
  avx2_ = avx2_kernels();
  padded_ = (taxels_ + kChunk - 1) / kChunk * kChunk;
  const std::size_t m = c.knots();
  hinges_ = (m + 2) / 2 * 2;  // the offset and every knot, padded to pairs (convert's steps)
  full_scale_mmhg_ = c.full_scale_mmhg();
  ceiling_ = static_cast<float>(c.full_scale_counts);
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
  midline_ = hinges_for(c, c.knot_counts);
  if (c.creep) {
    creep_tau_s_ = c.creep->tau_s;
    creep_fraction_ = c.creep->fraction;
  }
  branches_ = c.has_branches();
  if (branches_) {
    loading_ = hinges_for(c, c.loading_knot_counts);
    unloading_ = hinges_for(c, c.unloading_knot_counts);
    knot_mmhg_ = c.knot_mmhg;
    loading_knots_.assign(padded_ * (m + 1), 0.0f);
    for (std::size_t i = 0; i < taxels_; ++i) {
      float* k = loading_knots_.data() + (i / kChunk) * (m + 1) * kChunk + i % kChunk;
      k[0] = c.offset_counts[i];
      for (std::size_t j = 0; j < m; ++j) k[(j + 1) * kChunk] = c.loading_knot_counts[i * m + j];
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
                               std::span<const float> zero_shift, State* state,
                               double time_s) const noexcept {
  const bool creep = state != nullptr && !creep_fraction_.empty();
  const std::size_t chunks = padded_ / kChunk;
  if (raw.size() != taxels_ || mmhg.size() != taxels_ ||
      (!zero_shift.empty() && zero_shift.size() != taxels_) ||
      (state != nullptr &&
       (state->peak_counts.size() != padded_ || state->descending.size() != chunks)) ||
      (creep && (state->creep_signal.size() != padded_ || state->compensated.size() != padded_ ||
                 state->creep_correction.size() != padded_))) {
    return false;
  }
  const float* const frame = raw.data();  // as read (before any creep compensation)
  const float* const frame_shift = zero_shift.empty() ? nullptr : zero_shift.data();
  const float* shift = frame_shift;
  if (creep && std::isfinite(time_s)) {
    // Creep first: the curves are those of creep-free readings. The zero shift is taken out
    // here, so the rest sees compensated readings with no shift. A time going backwards (a mat
    // that restarted its clock) counts as no time passing, and the clock restarts there.
    const double dt = state->last_time_s ? std::max(0.0, time_s - *state->last_time_s) : 0.0;
    state->last_time_s = time_s;
    state->creep_pending_s += dt;
    if (state->creep_pending_s >= std::min(1.0, creep_tau_s_ / 32.0)) {
      // The lag moves by at most 1/32 of its way per step: advanced from this frame for all the
      // time since the last step, it stays within the read noise of one advanced every frame.
      creep_update(taxels_, creep_step(creep_tau_s_, state->creep_pending_s), ceiling_,
                   creep_fraction_.data(), offset_.data(), raw.data(), shift,
                   state->creep_signal.data(), state->creep_correction.data());
      state->creep_pending_s = 0;
    }
  }
  const bool compensate = creep && std::isfinite(time_s);
  const float* const correction = compensate ? state->creep_correction.data() : nullptr;
  const bool follow = state != nullptr && branches_;
  const std::vector<float>& curves = follow ? loading_ : midline_;
  const Table curve{curves.data(), hinges_, ceiling_};
  const std::size_t full = taxels_ / kChunk;
  const std::size_t rest = taxels_ - full * kChunk;
  std::size_t descending = 0;
  if (follow && avx2_) {
#if defined(PMAP_CALIBRATION_AVX2)
    // Hysteresis (each taxel's peak since it was last unloaded; a taxel more than its noise band
    // below its peak is descending), creep and the loading branch in one pass. The last, partial
    // chunk through padded copies of the frame (the applier's and the State's arrays are padded,
    // and padding taxels never pass their gate).
    const Descent descent{unloading_.data(), loading_knots_.data(), knot_mmhg_.data(),
                          knot_mmhg_.size(), top_counts_.data()};
    descending = screen_convert_avx2(
        curve, descent, full, frame, shift, correction, gate_.data(), offset_.data(), band_.data(),
        band_growth_, state->peak_counts.data(), state->descending.data(), mmhg.data());
    if (rest > 0) {
      float raw_tail[kChunk] = {};
      float shift_tail[kChunk] = {};
      float out_tail[kChunk];
      std::copy_n(frame + full * kChunk, rest, raw_tail);
      if (shift != nullptr) std::copy_n(shift + full * kChunk, rest, shift_tail);
      const std::size_t b = full * kChunk;
      const Table tail{curve.values + full * hinges_ * 2 * kChunk, hinges_, ceiling_};
      const Descent descent_tail{descent.unloading + full * hinges_ * 2 * kChunk,
                                 descent.loading_knots + full * (descent.knots + 1) * kChunk,
                                 descent.knot_mmhg, descent.knots, descent.top + b};
      descending += screen_convert_avx2(
          tail, descent_tail, 1, raw_tail, shift != nullptr ? shift_tail : nullptr,
          correction != nullptr ? correction + b : nullptr, gate_.data() + b, offset_.data() + b,
          band_.data() + b, band_growth_, state->peak_counts.data() + b,
          state->descending.data() + full, out_tail);
      std::copy_n(out_tail, rest, mmhg.data() + b);
    }
#endif
  } else {
    if (follow) {
      // The same without AVX2: the screen's pass writes the compensated frame for convert.
      descending =
          screen(taxels_, raw.data(), shift, correction, ceiling_,
                 compensate ? state->compensated.data() : nullptr, gate_.data(), offset_.data(),
                 band_.data(), band_growth_, state->peak_counts.data(), state->descending.data());
    } else if (compensate) {
      creep_correct(taxels_, ceiling_, raw.data(), shift, correction, state->compensated.data());
    }
    if (compensate) {
      raw = std::span<const float>(state->compensated.data(), taxels_);
      shift = nullptr;
    }
    convert_chunks(avx2_, curve, full, gate_.data(), raw.data(), shift, mmhg.data());
    if (rest > 0) {
      // The last, partial chunk through padded copies (padding taxels never pass their gate).
      float raw_tail[kChunk] = {};
      float shift_tail[kChunk] = {};
      float out_tail[kChunk];
      std::copy_n(raw.data() + full * kChunk, rest, raw_tail);
      if (shift != nullptr) std::copy_n(shift + full * kChunk, rest, shift_tail);
      const Table tail{curve.values + full * hinges_ * 2 * kChunk, hinges_, ceiling_};
      convert_chunks(avx2_, tail, 1, gate_.data() + full * kChunk, raw_tail,
                     shift != nullptr ? shift_tail : nullptr, out_tail);
      std::copy_n(out_tail, rest, mmhg.data() + full * kChunk);
    }
  }
  if (follow && !avx2_ && descending > 0) {
    // Without AVX2 the descending taxels are converted one by one (a still body has few).
    const Table load{loading_.data(), hinges_, ceiling_};
    const Table unload{unloading_.data(), hinges_, ceiling_};
    const float* peak = state->peak_counts.data();
    for (std::size_t c = 0; c < chunks; ++c) {
      for (unsigned bits = state->descending[c]; bits != 0; bits &= bits - 1) {
        const std::size_t i = c * kChunk + static_cast<std::size_t>(std::countr_zero(bits));
        // The reading as the screen saw it: shifted, then compensated unless saturated.
        float x = frame_shift != nullptr ? frame[i] - frame_shift[i] : frame[i];
        if (compensate && x < ceiling_) x -= correction[i];
        // Just below the noise band the reading is eased onto the branch (continuous); further
        // down it is used as read.
        const float band = band_[i] + band_growth_ * std::max(0.0f, x - offset_[i]);
        const float below = peak[i] - x;
        const float descent = x + band * std::max(0.0f, 2.0f - below / band);
        // The reading's place in its loop, r = (x − o)/(peak − o), is the same place on the
        // major loop (which starts at the session's peak reading): there the unloading branch
        // reads g_M counts more than the loading branch at the same pressure. This loop's gap is
        // g_M scaled by its size, and the loading branch converts the reading minus that gap.
        const float o = offset_[i];
        const float top = top_counts_[i];
        const float size = std::clamp((peak[i] - o) / std::max(top - o, 1e-3f), 0.0f, 1.0f);
        const float on_major = o + (descent - o) / std::max(size, 1e-3f);
        const float pressure = curve_at(unload, i, std::min(on_major, top));
        const float gap = std::max(0.0f, std::min(on_major, top) - loading_counts_at(i, pressure));
        mmhg[i] = curve_at(load, i, x - gap * size);
      }
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
  // k(0) = offset, k(j) at knot j - 1 (chunk-major, as the AVX2 kernel reads them)
  const float* chunk = loading_knots_.data() + (i / kChunk) * (m + 1) * kChunk + i % kChunk;
  const auto k = [chunk](std::size_t j) { return chunk[j * kChunk]; };
  if (p <= 0) return k(0);
  double lower = 0;
  for (std::size_t j = 0; j < m; ++j) {
    const double upper = knot_mmhg_[j];
    if (p <= upper || j + 1 == m) {
      // Linear within the segment; above the top knot the same segment goes on (the forward
      // curve's extrapolation is no steeper, so this stays at or below the reading).
      const double t = (p - lower) / (upper - lower);
      return static_cast<float>(k(j) + t * (k(j + 1) - k(j)));
    }
    lower = upper;
  }
  return k(m);
}

std::size_t CalibrationApplier::above_range(std::span<const float> mmhg) const noexcept {
  const auto top = static_cast<float>(full_scale_mmhg_);
  return static_cast<std::size_t>(
      std::count_if(mmhg.begin(), mmhg.end(), [top](float p) { return p > top * 1.0001f; }));
}

}  // namespace pmap::calibration
