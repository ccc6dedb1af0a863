// Chair posture engine (docs/chair.md). All geometry is done in mm so that any seat pitch works;
// all thresholds on values are relative to the image's own robust peak so any unit works.
//
// Speed (docs/performance.md): ChairAnalyzer keeps every intermediate image in a workspace sized
// once per frame shape, so a frame allocates nothing. Whole-image work is done by vectorised Eigen
// reductions on contiguous maps (validation, autocorrelation, load sums) or by short branch-free
// loops; the robust peak is found by counting the largest values into buckets instead of sorting;
// the image is smoothed only where the IT search looks (the back 60 % of the seat) and 3x3
// medians are taken only in the two wallet windows, with a sorted-triple median network. Values
// are never divided by the robust peak: every relative threshold is scaled instead.
#include "pmap/chair/chair_posture.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <limits>
#include <utility>
#include <vector>

#include "pmap/limits.hpp"

namespace pmap::chair {
namespace {

// --- Calibration (docs/chair.md, "Calibration"): least-squares fits on simulator training seeds
// 1..4 (tests/chair/chair_accuracy_test.cpp, ChairCalibration, prints the refit). ---
/// Obliquity: degrees per unit of (thigh_right_share - 0.5), a fit through the origin.
constexpr double kObliquityDegPerShare = 61.3;
/// Tilt = bias + a * sacral_share + b * it_line_y_mm + c * thigh_to_pelvis_ratio. Slouching loads
/// the sacrum/coccyx, rolls the ITs back and unloads the thighs; each term carries part of that.
constexpr double kTiltBiasDeg = 40.17;
constexpr double kTiltDegPerSacralShare = 97.04;
constexpr double kTiltDegPerItLineMm = -0.1641;
constexpr double kTiltDegPerThighRatio = -39.85;
/// The linear tilt model is fitted on -10..+25 deg and is unbounded outside that: a seat loaded
/// almost only in front of the ITs (fuzzing found a thigh/pelvis ratio of 4.9) gave -158 deg, and
/// a load all in the sacral box would give +137. Sitting moves the pelvis from about 20 deg
/// anterior to about 40 deg posterior of upright; with a margin, answers are kept within this
/// range (docs/chair.md, "Pelvic tilt").
constexpr double kMinTiltDeg = -30.0;
constexpr double kMaxTiltDeg = 45.0;
/// Class thresholds (chosen on the training seeds between the class distributions).
constexpr double kSlouchedTiltDeg = 10.0;
constexpr double kLeaningForwardThighRatio = 0.665;
constexpr double kLeaningSideShare = 0.045;  ///< |thigh_right_share - 0.5| beyond this = leaning
/// Wallet: edge sharpness (3x3-median image, steepest neighbour step / local peak) of a hard
/// object, and how much sharper than the other side it must be.
constexpr double kWalletSharpness = 0.42;
constexpr double kWalletSharpnessContrast = 0.06;

// --- Regions (mm), docs/chair.md "Regions". ---
constexpr double kItRegionHalfMm = 35.0;      // 70 x 70 mm IT region
constexpr double kSacralHalfWidthMm = 28.0;   // sacral region: 56 mm wide ...
constexpr double kSacralFrontMm = 35.0;       // ... from 35 mm ...
constexpr double kSacralBackMm = 90.0;        // ... to 90 mm behind the IT line
constexpr double kThighStartMm = 90.0;        // thigh region: 90 mm in front of the IT line on
constexpr double kPosteriorFraction = 0.6;    // ITs are searched in the back 60 % of the seat
constexpr double kCandidateFraction = 0.15;   // local maxima above 15 % of the smoothed peak
constexpr double kValleyFraction = 0.92;      // IT pair: midpoint below 92 % of the weaker
constexpr double kPpiTargetAreaMm2 = 1000.0;  // ~10 cm² PPI window
constexpr double kWalletSearchHalfMm = 70.0;  // wallet features: 140 x 140 mm around an IT

using Eigen::Index;
/// The input and the load: column-major, contiguous floats (the input is copied into the
/// workspace if it was not contiguous).
using Input = Eigen::Map<const Eigen::MatrixXf>;
using Load = Eigen::Map<Eigen::MatrixXf>;
/// 16 x the smoothed load: column-major floats.
using ConstGrid = Eigen::Map<const Eigen::MatrixXf>;

struct Geometry {
  double row_pitch;
  double col_pitch;
  [[nodiscard]] double y(double row) const { return (row + 0.5) * row_pitch; }
  [[nodiscard]] double x(double col) const { return (col + 0.5) * col_pitch; }
  [[nodiscard]] SeatPoint point(double row, double col) const { return {row, col, y(row), x(col)}; }
};

/// The taxel indices [first, last] (empty when first > last) of n taxels at `pitch` whose centres
/// (i + 0.5) * pitch lie in [lo, hi].
struct Span {
  Index first;
  Index last;
  [[nodiscard]] Index size() const { return std::max<Index>(0, last - first + 1); }
};
Span centres_within(Index n, double pitch, double lo, double hi) {
  const auto centre = [&](Index i) { return (static_cast<double>(i) + 0.5) * pitch; };
  // A first guess by division, then the exact comparisons decide (the centres grow with i).
  const auto guess = [&](double mm) {
    return static_cast<Index>(
        std::clamp(std::floor(mm / pitch - 0.5), -1.0, static_cast<double>(n)));
  };
  Index first = std::clamp<Index>(guess(lo), 0, n);
  while (first > 0 && centre(first - 1) >= lo) --first;
  while (first < n && centre(first) < lo) ++first;
  Index last = std::clamp<Index>(guess(hi) + 1, first - 1, n - 1);
  while (last + 1 < n && centre(last + 1) <= hi) ++last;
  while (last >= first && centre(last) > hi) --last;
  return {first, last};
}

// Sum of a block of the load (plain loops: the blocks are a few taxels).
double block_sum(const Load& load, Index r0, Index c0, Index h, Index w) {
  double sum = 0;
  for (Index c = c0; c < c0 + w; ++c) {
    const float* column = load.data() + c * load.rows();
    for (Index r = r0; r < r0 + h; ++r) sum += column[r];
  }
  return sum;
}

// Sum of the taxels whose centres fall in the axis-aligned box [y0, y1] x [x0, x1] (mm).
double box_sum(const Load& load, const Geometry& g, double y0, double y1, double x0, double x1) {
  const Span rows = centres_within(load.rows(), g.row_pitch, y0, y1);
  const Span cols = centres_within(load.cols(), g.col_pitch, x0, x1);
  if (rows.size() == 0 || cols.size() == 0) return 0;
  return block_sum(load, rows.first, cols.first, rows.size(), cols.size());
}

struct Peak {
  Index row;
  Index col;
  double value;
  double y_mm;  ///< of the taxel centre
  double x_mm;
};

// Sub-taxel position: centroid of the 3x3 neighbourhood above its minimum.
SeatPoint refine(const ConstGrid& s, const Peak& p, const Geometry& g) {
  const Index r0 = std::max<Index>(0, p.row - 1), r1 = std::min(s.rows() - 1, p.row + 1);
  const Index c0 = std::max<Index>(0, p.col - 1), c1 = std::min(s.cols() - 1, p.col + 1);
  double lo = s(p.row, p.col);
  for (Index r = r0; r <= r1; ++r)
    for (Index c = c0; c <= c1; ++c) lo = std::min<double>(lo, s(r, c));
  double w = 0, wr = 0, wc = 0;
  for (Index r = r0; r <= r1; ++r)
    for (Index c = c0; c <= c1; ++c) {
      const double v = s(r, c) - lo;
      w += v;
      wr += v * static_cast<double>(r);
      wc += v * static_cast<double>(c);
    }
  if (w <= 0) return g.point(static_cast<double>(p.row), static_cast<double>(p.col));
  return g.point(wr / w, wc / w);
}

// PPI: the highest mean over all n x m windows that contain the peak taxel, with n x m the taxel
// window closest to 10 cm² (2 x 2 = 7.84 cm² at 14 mm). In the input unit.
double peak_pressure_index(const Input& image, const Geometry& g, Index row, Index col) {
  const double side = std::sqrt(kPpiTargetAreaMm2);
  const Index n =
      std::clamp<Index>(static_cast<Index>(std::lround(side / g.row_pitch)), 1, image.rows());
  const Index m =
      std::clamp<Index>(static_cast<Index>(std::lround(side / g.col_pitch)), 1, image.cols());
  double best = 0;
  for (Index r0 = std::max<Index>(0, row - n + 1); r0 <= std::min(row, image.rows() - n); ++r0)
    for (Index c0 = std::max<Index>(0, col - m + 1); c0 <= std::min(col, image.cols() - m); ++c0) {
      double sum = 0;
      for (Index c = c0; c < c0 + m; ++c)
        for (Index r = r0; r < r0 + n; ++r) sum += image(r, c);
      best = std::max(best, sum / static_cast<double>(n * m));
    }
  return best;
}

// --- 3x3 median (edges: the available neighbours; the upper median of an even count). ---
struct Sorted3 {
  float lo, mid, hi;
};
[[gnu::always_inline]] inline Sorted3 sort3(float a, float b, float c) {
  const float mn = std::min(a, b), mx = std::max(a, b);
  return {std::min(mn, c), std::max(mn, std::min(mx, c)), std::max(mx, c)};
}
[[gnu::always_inline]] inline float median3(float a, float b, float c) {
  return std::max(std::min(a, b), std::min(std::max(a, b), c));
}
// The median of 9 values given as three sorted triples is the median of (the largest low, the
// median middle, the smallest high) (median3x3). Two triples (6 values at an edge) give the upper
// median the same way with the missing triple read as (-inf, +inf, +inf), i.e. the 4th smallest
// of the 6.
[[gnu::always_inline]] inline float median6(const Sorted3& a, const Sorted3& b) {
  return median3(std::max(a.lo, b.lo), std::max(a.mid, b.mid), std::min(a.hi, b.hi));
}
// The upper median of 4 (a corner): the 3rd smallest, i.e. the second largest.
[[gnu::always_inline]] inline float median4(float a, float b, float c, float d) {
  return std::max(std::min(std::max(a, b), std::max(c, d)),
                  std::max(std::min(a, b), std::min(c, d)));
}

/// H x W row-major `in` -> its 3x3 median `out` (same layout); `scratch` holds 3 H W floats.
/// Removes dead and stuck taxels, which are single-taxel steps, while keeping the straight edge of
/// a hard object. (Medians select values, so floats lose nothing.) The interior is computed in
/// vectorised passes over the flat buffers: the sorted vertical triples of every interior row, then
/// median9 of every three neighbouring triples; the first and last pixel of each row (which read
/// the neighbouring rows' triples there) and the top and bottom rows are then overwritten with the
/// edge formulas.
[[gnu::flatten, gnu::noinline]] void median3x3(const float* in, Index H, Index W, float* out,
                                               float* scratch) {
  const auto at = [&](Index r, Index c) { return in[r * W + c]; };
  if (H < 3 || W < 3) {
    // Degenerate window: sort the available neighbours.
    for (Index r = 0; r < H; ++r)
      for (Index c = 0; c < W; ++c) {
        float n[9];
        int count = 0;
        for (Index rr = std::max<Index>(0, r - 1); rr <= std::min(H - 1, r + 1); ++rr)
          for (Index cc = std::max<Index>(0, c - 1); cc <= std::min(W - 1, c + 1); ++cc)
            n[count++] = at(rr, cc);
        for (int i = 1; i < count; ++i)  // insertion sort (at most 9 values)
          for (int j = i; j > 0 && n[j - 1] > n[j]; --j) std::swap(n[j - 1], n[j]);
        out[r * W + c] = n[count / 2];
      }
    return;
  }
  using Array = Eigen::Map<Eigen::ArrayXf>;
  using ConstArray = Eigen::Map<const Eigen::ArrayXf>;
  const Index n = (H - 2) * W;  // the interior rows
  const ConstArray up(in, n), mid(in + W, n), down(in + 2 * W, n);
  Array lo(scratch, n), md(scratch + n, n), hi(scratch + 2 * n, n);
  lo = up.min(mid).min(down);
  md = up.min(mid).max(up.max(mid).min(down));
  hi = up.max(mid).max(down);
  {
    const Index m = n - 2;
    const auto lo3 = lo.head(m).max(lo.segment(1, m)).max(lo.tail(m));
    const auto hi3 = hi.head(m).min(hi.segment(1, m)).min(hi.tail(m));
    const auto a = md.head(m);
    const auto b = md.segment(1, m);
    const auto md3 = a.min(b).max(a.max(b).min(md.tail(m)));
    Array(out + W + 1, m) = lo3.min(md3).max(lo3.max(md3).min(hi3));
  }
  const auto triple = [&](Index r, Index c) {  // interior row r
    const Index i = (r - 1) * W + c;
    return Sorted3{lo[i], md[i], hi[i]};
  };
  for (Index r = 1; r + 1 < H; ++r) {
    out[r * W] = median6(triple(r, 0), triple(r, 1));
    out[r * W + W - 1] = median6(triple(r, W - 2), triple(r, W - 1));
  }
  for (const Index r : {Index{0}, H - 1}) {
    // Top or bottom edge: two rows, as sorted horizontal triples; corners: four values.
    const Index ra = r == 0 ? 0 : H - 2, rb = ra + 1;
    float* o = out + r * W;
    o[0] = median4(at(ra, 0), at(ra, 1), at(rb, 0), at(rb, 1));
    o[W - 1] = median4(at(ra, W - 1), at(ra, W - 2), at(rb, W - 1), at(rb, W - 2));
    for (Index c = 1; c + 1 < W; ++c)
      o[c] = median6(sort3(at(ra, c - 1), at(ra, c), at(ra, c + 1)),
                     sort3(at(rb, c - 1), at(rb, c), at(rb, c + 1)));
  }
}

}  // namespace

/// Everything a frame needs besides the result, sized once per frame shape.
struct ChairAnalyzer::Workspace {
  Index rows = 0;
  Index cols = 0;
  /// The rows x cols float images, one after the other (see image()).
  std::vector<float> float_images;
  std::vector<float> row_max;         ///< rows: robust peak, maximum per row
  std::vector<Index> peak_rows;       ///< rows: robust peak, the rows searched
  std::vector<float> row_sums;        ///< rows: load per row
  std::vector<float> col_sums;        ///< cols: load per column
  std::vector<float> thigh_col_sums;  ///< cols: thigh-region load per column
  std::vector<Index> row_maxima;      ///< the IT search's row maxima (flat indices)
  std::vector<Peak> candidates;       ///< IT candidates (row maxima), at most (cols + 1) / 2 a row

  enum FloatImage : std::size_t {
    kInput,          ///< the input, if it was not contiguous
    kLoad,           ///< the input where it reaches the contact threshold, else 0
    kTop,            ///< robust peak: the candidates for the largest values
    kSmoothTmp,      ///< the load smoothed down the columns
    kSmoothed,       ///< 16 x the smoothed load
    kRowPeak,        ///< max(left, right) - smoothed, for the row maxima
    kWindow,         ///< a wallet window
    kWindowMedian,   ///< its 3x3 median
    kMedianScratch,  ///< median3x3: three images from here on
    kFloatImageCount = kMedianScratch + 3
  };
  std::size_t image_stride = 0;
  float* image(FloatImage id) { return float_images.data() + id * image_stride; }

  void prepare(Index r, Index c) {
    if (r == rows && c == cols) return;
    rows = r;
    cols = c;
    const auto n = static_cast<std::size_t>(r * c);
    // Staggered by 64 floats, so that reading one image while writing another does not alias
    // modulo 4 KiB (which stalls the loads on x86).
    image_stride = n + 64;
    float_images.resize(kFloatImageCount * image_stride);
    row_max.resize(static_cast<std::size_t>(r));
    peak_rows.resize(static_cast<std::size_t>(r));
    row_sums.resize(static_cast<std::size_t>(r));
    col_sums.resize(static_cast<std::size_t>(c));
    thigh_col_sums.resize(static_cast<std::size_t>(c));
    const auto maxima = static_cast<std::size_t>(r * ((c + 1) / 2));
    row_maxima.resize(maxima);
    candidates.resize(maxima);
  }
};

namespace {

// The robust peak: the mean of the top 2 % of taxels (at least 4). Only the values of at least
// 5/8 of the maximum are collected (a quarter, then all, if those are too few), from the rows whose
// maximum reaches that. The k largest of those are then found by counting them into buckets
// between that threshold and the maximum: every value in a bucket above the one holding the k-th
// largest is summed, and only that bucket's values are sorted. `buffer` holds the whole image,
// `row_max` and `row_list` a column.
[[gnu::flatten, gnu::noinline]] double robust_peak(const Input& image, float* buffer,
                                                   float* row_max, Index* row_list) {
  const Index rows = image.rows(), cols = image.cols();
  const auto n = static_cast<std::size_t>(image.size());
  const std::size_t k = std::min(std::max<std::size_t>(4, n / 50), n);
  Eigen::Map<Eigen::VectorXf> max_of_row(row_max, rows);
  max_of_row.noalias() = image.rowwise().maxCoeff();
  const float max = max_of_row.maxCoeff();
  if (!(max > 0)) return 0;
  std::size_t kept = 0;
  float lo = 0;
  for (const float threshold : {max * 0.625F, max / 4, 0.0F}) {
    lo = threshold;
    Index n_rows = 0;
    for (Index r = 0; r < rows; ++r)
      if (row_max[r] >= threshold) row_list[n_rows++] = r;
    kept = 0;
    for (Index c = 0; c < cols; ++c) {
      const float* column = image.data() + c * rows;
      for (Index i = 0; i < n_rows; ++i) {
        const float v = column[row_list[i]];
        buffer[kept] = v;  // branch-free: kept only if it reaches the threshold
        kept += v >= threshold ? 1 : 0;
      }
    }
    if (kept >= k) break;
  }
  constexpr int kBuckets = 64;
  // Values so small (denormal) that the bucket width underflows would make the scale infinite,
  // and 0 x inf a NaN bucket index (a wild write; found by fuzzing): then every value goes into
  // one bucket and the selection below is an exact partial sort of them all.
  float scale = static_cast<float>(kBuckets) / (max - lo);
  if (!std::isfinite(scale)) scale = 0;
  const auto bucket = [&](float v) {
    return std::min(kBuckets - 1, static_cast<int>((v - lo) * scale));
  };
  std::array<std::size_t, kBuckets> count{};
  for (std::size_t i = 0; i < kept; ++i) ++count[static_cast<std::size_t>(bucket(buffer[i]))];
  int boundary = kBuckets - 1;
  std::size_t above = 0;  // values in the buckets above `boundary`
  while (above + count[static_cast<std::size_t>(boundary)] < k)
    above += count[static_cast<std::size_t>(boundary--)];
  double sum = 0;
  std::size_t in_boundary = 0;
  for (std::size_t i = 0; i < kept; ++i) {
    const float v = buffer[i];
    const int b = bucket(v);
    if (b > boundary)
      sum += v;
    else if (b == boundary)
      buffer[in_boundary++] = v;  // in place: in_boundary <= i
  }
  const std::size_t rest = k - above;
  std::partial_sort(buffer, buffer + rest, buffer + in_boundary, std::greater<>());
  for (std::size_t i = 0; i < rest; ++i) sum += buffer[i];
  return sum / static_cast<double>(k);
}

// The load: the input where it reaches `threshold` (> 0), 0 elsewhere; returns the number of
// contact taxels. Eigen 3.4 does not vectorise comparisons, so the contact mask is made of
// vectorised arithmetic instead, exactly: with t the smallest float >= threshold and b the float
// just below t, a taxel x (a float >= 0) is in contact iff x > b, and then x - b >= t - b, so
// min(1, max(0, x - b) * 2 / (t - b)) is exactly 1 for a contact and 0 otherwise. The product
// stays finite: x <= k * robust peak (the robust peak is the mean of the k largest values) and
// t - b >= t * 2^-24 for a normal t, so it is at most 2^25 * k / 0.05.
[[gnu::flatten, gnu::noinline]] Index contact_load(const Input& image, double threshold,
                                                   float* out) {
  const auto n = image.size();
  const Eigen::Map<const Eigen::ArrayXf> x(image.data(), n);
  Eigen::Map<Eigen::ArrayXf> load(out, n);
  float t = static_cast<float>(threshold);
  if (static_cast<double>(t) < threshold) t = std::nextafter(t, std::numeric_limits<float>::max());
  if (!(t >= std::numeric_limits<float>::min())) {
    // A denormal threshold: compare one by one.
    Index contacts = 0;
    for (Index i = 0; i < n; ++i) {
      contacts += x[i] >= t ? 1 : 0;
      load[i] = x[i] >= t ? x[i] : 0.0F;
    }
    return contacts;
  }
  const float below = std::nextafter(t, 0.0F);
  const auto mask = ((x - below).max(0.0F) * (2.0F / (t - below))).min(1.0F);
  load = x * mask;
  return static_cast<Index>(mask.sum());
}

// Whether the image is spatially coherent: its mean lag-1 autocorrelation along rows and columns,
// lag / (2 var) with d = x - mean, lag = the sum of d d' over neighbouring pairs and var = the sum
// of d^2, reaches kOccupiedMinAutocorrelation (a body is smooth, about 0.9; sensor noise is not,
// about 0). Decided as lag - 2 k var >= 0, in one vectorised pass in float (only the sign
// matters, and it is far from 0 for both). A constant image has var = 0: not coherent.
[[gnu::flatten, gnu::noinline]] bool spatially_coherent(const Input& image, float mean,
                                                        bool constant) {
  if (constant) return false;
  const Index rows = image.rows(), n = image.size();
  const Eigen::Map<const Eigen::ArrayXf> x(image.data(), n);
  const auto d = x - mean;
  constexpr auto k2 = static_cast<float>(2 * kOccupiedMinAutocorrelation);
  // Down a column, neighbours are next to each other in memory; along a row, a column apart. One
  // pass over all but the last column (each taxel with its lower and right neighbours), then the
  // last column, less the pairs the first pass took across column boundaries.
  const Index m = n - rows;
  double score = (d.head(m) * (d.segment(1, m) + d.tail(m) - k2 * d.head(m))).sum();
  score += (d.segment(m, rows - 1) * (d.tail(rows - 1) - k2 * d.segment(m, rows - 1))).sum();
  score -= k2 * (x[n - 1] - mean) * (x[n - 1] - mean);
  for (Index i = rows; i < n; i += rows) score -= (x[i - 1] - mean) * (x[i] - mean);
  return score >= 0;
}

// 16 x the load smoothed with [1 2 1] / 4 along the rows and then down the columns, renormalised
// at the edges so that the border is not darkened; valid for rows [0, out_rows), column-major.
// (16 x: a power of two, so every decision and ratio taken on it is the same as on the smoothed
// load itself.) The interior is v = l(r - 1) + 2 l(r) + l(r + 1) down the columns, then
// v(c - 1) + 2 v(c) + v(c + 1), as vectorised column segments over the rows needed; the border
// (row 0, columns 0 and cols - 1, the last row), where the edge weights divide by 3, follows the
// rows-then-columns formula in double.
[[gnu::flatten, gnu::noinline]] void smooth16(const Load& load, Index out_rows, float* v_buffer,
                                              float* out) {
  using Column = Eigen::Map<const Eigen::ArrayXf>;
  const Index rows = load.rows(), cols = load.cols();
  const Index k = std::min(out_rows, rows - 1) - 1;  // interior rows: [1, 1 + k)
  if (k > 0) {
    for (Index c = 0; c < cols; ++c) {
      const Column l(load.data() + c * rows, rows);
      const auto centre = l.segment(1, k);
      Eigen::Map<Eigen::ArrayXf>(v_buffer + c * rows + 1, k) =
          l.head(k) + centre + centre + l.segment(2, k);
    }
    for (Index c = 1; c + 1 < cols; ++c) {
      const Column left(v_buffer + (c - 1) * rows + 1, k), centre(left.data() + rows, k),
          right(centre.data() + rows, k);
      Eigen::Map<Eigen::ArrayXf>(out + c * rows + 1, k) = left + centre + centre + right;
    }
  }
  // The border: the load smoothed along its row (in double), then down the column.
  const auto l = [&](Index r, Index c) { return static_cast<double>(load(r, c)); };
  constexpr double kThird = 1.0 / 3;
  const auto along_row = [&](Index r, Index c) {
    if (c == 0) return (2 * l(r, 0) + l(r, 1)) * kThird;
    if (c == cols - 1) return (2 * l(r, cols - 1) + l(r, cols - 2)) * kThird;
    return (2 * l(r, c) + l(r, c - 1) + l(r, c + 1)) * 0.25;
  };
  const auto set = [&](Index r, Index c, double value) {
    out[c * rows + r] = static_cast<float>(16 * value);
  };
  for (Index c = 0; c < cols; ++c) set(0, c, (2 * along_row(0, c) + along_row(1, c)) * kThird);
  for (const Index c : {Index{0}, cols - 1}) {
    double above = along_row(0, c), here = along_row(1, c);
    for (Index r = 1; r < out_rows && r + 1 < rows; ++r) {
      const double below = along_row(r + 1, c);
      set(r, c, (2 * here + above + below) * 0.25);
      above = here;
      here = below;
    }
  }
  if (out_rows == rows)
    for (Index c = 0; c < cols; ++c)
      set(rows - 1, c, (2 * along_row(rows - 1, c) + along_row(rows - 2, c)) * kThird);
}

// Hard objects have sharp edges; soft tissue is a rounded bump. Measured on the 3x3-median image in
// a window around the IT: the steepest step between neighbouring taxels over the local peak.
// `window` and `median` hold the window (at most the image), `scratch` three times that.
[[gnu::flatten, gnu::noinline]] double wallet_sharpness(const Input& image, const Geometry& g,
                                                        const SeatPoint& it, float* window,
                                                        float* median, float* scratch) {
  const auto r0 =
      static_cast<Index>(std::max(0.0, std::floor((it.y_mm - kWalletSearchHalfMm) / g.row_pitch)));
  const auto r1 = std::min<Index>(
      image.rows() - 1, static_cast<Index>((it.y_mm + kWalletSearchHalfMm) / g.row_pitch));
  const auto c0 =
      static_cast<Index>(std::max(0.0, std::floor((it.x_mm - kWalletSearchHalfMm) / g.col_pitch)));
  const auto c1 = std::min<Index>(
      image.cols() - 1, static_cast<Index>((it.x_mm + kWalletSearchHalfMm) / g.col_pitch));
  if (r1 < r0 || c1 < c0) return 0;
  const Index h = r1 - r0 + 1, w = c1 - c0 + 1;
  // Copied column by column, i.e. transposed when read row-major (w rows of h): the 3x3 median, its
  // peak and its steepest step are the same for the transposed window.
  for (Index c = 0; c < w; ++c)
    std::copy_n(image.data() + (c0 + c) * image.rows() + r0, h, window + c * h);
  median3x3(window, w, h, median, scratch);
  // Its peak and steepest step (between neighbours within an image column, i.e. along a row of
  // the transposed window, and across columns, which are h apart).
  const Index n = h * w;
  const Eigen::Map<const Eigen::ArrayXf> flat(median, n);
  const float top = flat.maxCoeff();
  if (top <= 0) return 0;
  const Eigen::Map<const Eigen::Array<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> m(
      median, w, h);
  float sharpness = h > 1 ? (m.rightCols(h - 1) - m.leftCols(h - 1)).abs().maxCoeff() : 0.0F;
  if (w > 1)
    sharpness = std::max(sharpness, (flat.tail(n - h) - flat.head(n - h)).abs().maxCoeff());
  return std::min(1.0, static_cast<double>(sharpness) / top);
}

}  // namespace

std::string_view to_string(SittingClass sitting_class) {
  switch (sitting_class) {
    case SittingClass::kUpright:
      return "upright";
    case SittingClass::kSlouched:
      return "slouched";
    case SittingClass::kLeaningForward:
      return "leaning_forward";
    case SittingClass::kLeaningLeft:
      return "leaning_left";
    case SittingClass::kLeaningRight:
      return "leaning_right";
  }
  return "upright";
}

std::string_view to_string(Side side) {
  return side == Side::kRight ? "right" : "left";
}

ChairAnalyzer::ChairAnalyzer() : workspace_(std::make_unique<Workspace>()) {}
ChairAnalyzer::~ChairAnalyzer() = default;
ChairAnalyzer::ChairAnalyzer(ChairAnalyzer&&) noexcept = default;
ChairAnalyzer& ChairAnalyzer::operator=(ChairAnalyzer&&) noexcept = default;

// Each stage that runs Eigen loops is a function of its own, flattened (Eigen's loops inlined into
// it, which keeps their pointers in registers) and kept out of line (one flattened function for
// everything measured 15 % slower).
[[gnu::flatten]] std::variant<ChairPostureResult, ChairPostureError> ChairAnalyzer::analyze(
    const Eigen::Ref<const Eigen::MatrixXf>& canonical, const MatDescriptor& mat) {
  if (canonical.rows() < 8 || canonical.cols() < 8)
    return ChairPostureError{"chair image must be at least 8 x 8 taxels"};
  if (canonical.rows() != mat.rows || canonical.cols() != mat.cols)
    return ChairPostureError{"image shape does not match the mat descriptor"};
  if (!(mat.row_pitch_mm >= kMinPitchMm && mat.row_pitch_mm <= kMaxPitchMm &&
        mat.col_pitch_mm >= kMinPitchMm && mat.col_pitch_mm <= kMaxPitchMm))
    return ChairPostureError{"mat descriptor's taxel pitch must be 1-200 mm"};
  if (!workspace_) workspace_ = std::make_unique<Workspace>();  // moved from
  Workspace& ws = *workspace_;
  const Index rows = canonical.rows(), cols = canonical.cols();
  ws.prepare(rows, cols);
  const float* data = canonical.data();
  if (canonical.outerStride() != rows) {  // a block or a strided map: make it contiguous
    Eigen::Map<Eigen::MatrixXf>(ws.image(Workspace::kInput), rows, cols) = canonical;
    data = ws.image(Workspace::kInput);
  }
  const Input image(data, rows, cols);

  // NaN/inf: a sum of finite values is finite (recomputed in double if it overflowed float);
  // negative values: the minimum. Both vectorised; the sum also gives the mean.
  double sum = image.sum();
  if (!std::isfinite(sum)) {
    if (!image.allFinite()) return ChairPostureError{"image contains NaN or infinite values"};
    sum = image.cast<double>().sum();
  }
  const float min = image.minCoeff();
  if (min < 0) return ChairPostureError{"image contains negative values"};
  const double raw_peak =
      robust_peak(image, ws.image(Workspace::kTop), ws.row_max.data(), ws.peak_rows.data());

  const Geometry g{mat.row_pitch_mm, mat.col_pitch_mm};
  ChairPostureResult result;
  if (raw_peak <= 0) return result;
  const double taxel_cm2 = g.row_pitch * g.col_pitch / 100.0;

  // Load below the contact threshold is noise or the idle floor; leaving it out keeps shares from
  // depending on how much empty seat surrounds the sitter. Values stay in the input unit: every
  // threshold below is relative (to the robust peak, the smoothed maximum, the window's peak).
  const Index contacts =
      contact_load(image, kContactFractionOfPeak * raw_peak, ws.image(Workspace::kLoad));
  const double contact_area = static_cast<double>(contacts) * taxel_cm2;
  if (contact_area < kOccupiedMinAreaCm2 ||
      !spatially_coherent(image, static_cast<float>(sum / static_cast<double>(image.size())),
                          static_cast<double>(min) == raw_peak))
    return result;
  result.occupied = true;
  result.contact_area_cm2 = contact_area;

  const Load load(ws.image(Workspace::kLoad), rows, cols);
  // Row and column sums in float (vectorised; 32 values each at most), everything after in double.
  Eigen::Map<Eigen::VectorXf> row_sums(ws.row_sums.data(), rows);
  Eigen::Map<Eigen::RowVectorXf> col_sums(ws.col_sums.data(), cols);
  row_sums.noalias() = load.rowwise().sum();
  col_sums.noalias() = load.colwise().sum();
  const double total = col_sums.cast<double>().sum();
  {
    double wr = 0, wc = 0;
    for (Index r = 0; r < rows; ++r) wr += row_sums(r) * static_cast<double>(r);
    for (Index c = 0; c < cols; ++c) wc += col_sums(c) * static_cast<double>(c);
    result.centre_of_pressure = g.point(wr / total, wc / total);
  }

  // --- IT peaks: local maxima of the smoothed image in the posterior part of the seat. ---
  const double seat_depth = static_cast<double>(rows) * g.row_pitch;
  Index posterior_rows = 0;
  while (posterior_rows < rows &&
         g.y(static_cast<double>(posterior_rows)) <= kPosteriorFraction * seat_depth)
    ++posterior_rows;
  // One row past the posterior part: the sub-taxel refinement looks at the 3 x 3 neighbourhood.
  smooth16(load, std::min(rows, posterior_rows + 1), ws.image(Workspace::kSmoothTmp),
           ws.image(Workspace::kSmoothed));
  const ConstGrid s(ws.image(Workspace::kSmoothed), rows, cols);  // 16 x the smoothed load
  // A lateral (within-row) maximum: a slouched sitter's coccyx load can swallow one IT's 2-D
  // maximum into its flank, but the IT still bulges out of its row's side-to-side profile: strictly
  // above the left neighbour, not below the right one. A vectorised pass over the flat image gives
  // max(left, right) - value, which is <= 0 exactly at the taxels to check. Every row's maximum is
  // a row maximum, so the maximum of the posterior part is the largest of them; those above
  // kCandidateFraction of it are the candidates.
  {
    const Index n = rows * cols, m = n - 2 * rows;  // columns 1 .. cols - 2
    const Eigen::Map<const Eigen::ArrayXf> v(s.data(), n);
    Eigen::Map<Eigen::ArrayXf>(ws.image(Workspace::kRowPeak) + rows, m) =
        v.head(m).max(v.tail(m)) - v.segment(rows, m);
  }
  const float* const above_neighbours = ws.image(Workspace::kRowPeak);
  Index* const maxima = ws.row_maxima.data();
  std::size_t n_maxima = 0;
  for (Index r = 0; r < posterior_rows; ++r) {
    if (s(r, 1) <= s(r, 0)) maxima[n_maxima++] = r;
    for (Index i = rows + r; i < (cols - 1) * rows; i += rows)
      if (above_neighbours[i] <= 0 && s.data()[i - rows] < s.data()[i]) maxima[n_maxima++] = i;
    if (s(r, cols - 2) < s(r, cols - 1)) maxima[n_maxima++] = (cols - 1) * rows + r;
  }
  float s_max = 0;
  for (std::size_t i = 0; i < n_maxima; ++i) s_max = std::max(s_max, s.data()[maxima[i]]);
  const auto candidate_min = static_cast<float>(kCandidateFraction * s_max);
  Peak* const candidates = ws.candidates.data();
  std::size_t n_candidates = 0;
  for (std::size_t i = 0; i < n_maxima; ++i) {
    const float v = s.data()[maxima[i]];
    if (v < candidate_min) continue;
    const Index r = maxima[i] % rows, c = maxima[i] / rows;
    candidates[n_candidates++] = {r, c, v, g.y(static_cast<double>(r)),
                                  g.x(static_cast<double>(c))};
  }
  // The pair with the largest summed height among plausible pairs (8–16 cm apart side to side,
  // at most 4.5 cm apart front to back). The weaker peak's height sets the confidence.
  // Candidates come row by row, so the rows of b only grow: stop at the first too far back.
  const Peak* first = nullptr;
  const Peak* second = nullptr;
  double best_score = -1;
  for (std::size_t i = 0; i < n_candidates; ++i) {
    const Peak& a = candidates[i];
    for (std::size_t j = i + 1; j < n_candidates; ++j) {
      const Peak& b = candidates[j];
      if (b.y_mm - a.y_mm > kItMaxRowOffsetMm) break;
      const double dx = std::abs(a.x_mm - b.x_mm);
      if (dx < kItMinSeparationMm || dx > kItMaxSeparationMm) continue;
      // Between the two tuberosities there is a valley (the natal cleft); a pair made of an IT and
      // the flank of the coccyx load or of the other IT has none.
      // Midpoint: the mean of the two middle taxels when it falls between taxels, so that a
      // mirrored image gives the mirrored decision.
      const Index r_lo = (a.row + b.row) / 2, c_lo = (a.col + b.col) / 2;
      const Index r_hi = (a.row + b.row + 1) / 2, c_hi = (a.col + b.col + 1) / 2;
      const double mid = 0.5 * (s(r_lo, c_lo) + s(r_hi, c_hi));
      const double score = a.value + b.value;
      if ((mid <= kValleyFraction * std::min(a.value, b.value)) & (score > best_score)) {
        best_score = score;
        first = a.col < b.col ? &a : &b;
        second = a.col < b.col ? &b : &a;
      }
    }
  }
  const auto fill_it = [&](IschialPeak& it, const Peak& p) {
    it.found = true;
    it.position = refine(s, p, g);
    it.load_share_pct =
        100.0 *
        box_sum(load, g, it.position.y_mm - kItRegionHalfMm, it.position.y_mm + kItRegionHalfMm,
                it.position.x_mm - kItRegionHalfMm, it.position.x_mm + kItRegionHalfMm) /
        total;
    it.peak_pressure_index = peak_pressure_index(image, g, p.row, p.col);
  };
  if (first != nullptr) {
    fill_it(result.right_it, *first);
    fill_it(result.left_it, *second);
    // sqrt, not std::hypot (several times slower; mm values can neither overflow nor underflow).
    const double dx = result.left_it.position.x_mm - result.right_it.position.x_mm;
    const double dy = result.left_it.position.y_mm - result.right_it.position.y_mm;
    result.it_separation_mm = std::sqrt(dx * dx + dy * dy);
    const double weaker = std::min(first->value, second->value);
    const double stronger = std::max(first->value, second->value);
    result.it_confidence = std::clamp(0.5 + weaker / stronger, 0.0, 1.0);
  } else if (n_candidates > 0) {
    // One peak only (the other buttock off the seat or off the mat): people sit roughly centred on
    // a seat, so the peak belongs to the side of the seat's centre line it lies on. The load
    // centre would not do: with one buttock off, it lies on the same side as the only peak.
    const Peak* strongest =
        std::max_element(candidates, candidates + n_candidates,
                         [](const Peak& a, const Peak& b) { return a.value < b.value; });
    const bool right = static_cast<double>(strongest->col) < (static_cast<double>(cols) - 1) / 2;
    fill_it(right ? result.right_it : result.left_it, *strongest);
    result.it_confidence = 0.4;
  }

  // Pelvic reference: the midline between the ITs and the IT line, else the load centre.
  double mid_x = result.centre_of_pressure.x_mm;
  double it_y = result.centre_of_pressure.y_mm - 60.0;  // ITs lie behind the load centre
  if (result.right_it.found && result.left_it.found) {
    mid_x = (result.right_it.position.x_mm + result.left_it.position.x_mm) / 2;
    it_y = (result.right_it.position.y_mm + result.left_it.position.y_mm) / 2;
  } else if (result.right_it.found || result.left_it.found) {
    it_y = (result.right_it.found ? result.right_it : result.left_it).position.y_mm;
  }
  ChairFeatures& f = result.features;
  f.it_line_y_mm = it_y;

  // Right/left split of the thigh load about the pelvic midline. The thighs are loaded at low,
  // near-linear pressures and carry no wallet, so their split follows the pelvis' side-to-side
  // load transfer better than the saturating IT peaks do.
  // The taxel straddling the midline is split by the fraction on each side (only it needs the
  // division).
  const auto right_part = [&](Index c) {
    const double share = mid_x - (g.x(static_cast<double>(c)) - g.col_pitch / 2);
    if (share <= 0) return 0.0;
    if (share >= g.col_pitch) return 1.0;
    return std::clamp(share / g.col_pitch, 0.0, 1.0);
  };
  const Span thigh_rows = centres_within(rows, g.row_pitch, it_y + kThighStartMm,
                                         std::numeric_limits<double>::infinity());
  Eigen::Map<Eigen::RowVectorXf> thigh_col_sums(ws.thigh_col_sums.data(), cols);
  if (thigh_rows.size() > 0)
    thigh_col_sums.noalias() = load.middleRows(thigh_rows.first, thigh_rows.size()).colwise().sum();
  else
    thigh_col_sums.setZero();
  double right = 0, left = 0;
  for (Index c = 0; c < cols; ++c) {
    const double part = right_part(c);
    right += thigh_col_sums(c) * part;
    left += thigh_col_sums(c) * (1 - part);
  }
  if (right + left < 0.05 * total) {
    // Almost no thigh contact (perched on the front edge is not possible here, so this is a
    // sitter far back or a tiny mat): fall back to the whole seat.
    right = left = 0;
    for (Index c = 0; c < cols; ++c) {
      const double part = right_part(c);
      right += col_sums(c) * part;
      left += col_sums(c) * (1 - part);
    }
  }
  f.thigh_right_share = right + left > 0 ? right / (right + left) : 0.5;
  result.obliquity_deg = kObliquityDegPerShare * (f.thigh_right_share - 0.5);

  // Tilt: sacral/coccyx load behind the IT line (posterior tilt), and where the IT line sits.
  const double sacral = box_sum(load, g, it_y - kSacralBackMm, it_y - kSacralFrontMm,
                                mid_x - kSacralHalfWidthMm, mid_x + kSacralHalfWidthMm);
  f.sacral_share = sacral / total;
  const Span pelvic_rows = centres_within(rows, g.row_pitch, 0, it_y + kThighStartMm);
  const double pelvis =
      pelvic_rows.size() > 0
          ? row_sums.segment(pelvic_rows.first, pelvic_rows.size()).cast<double>().sum()
          : 0;
  f.thigh_to_pelvis_ratio = pelvis > 0 ? (total - pelvis) / pelvis : 0;
  // A linear model on the three slouch cues. Without sacral load, only the position of the IT
  // line tells an anterior tilt, which is confounded with where the pelvis sits on the seat
  // (docs/chair.md).
  result.tilt_deg = std::clamp(kTiltBiasDeg + kTiltDegPerSacralShare * f.sacral_share +
                                   kTiltDegPerItLineMm * f.it_line_y_mm +
                                   kTiltDegPerThighRatio * f.thigh_to_pelvis_ratio,
                               kMinTiltDeg, kMaxTiltDeg);

  // Wallet: a sharp-edged load next to one IT, much sharper than on the other side.
  if (result.right_it.found || result.left_it.found) {
    const SeatPoint right_ref = result.right_it.found
                                    ? result.right_it.position
                                    : g.point(result.left_it.position.row,
                                              result.left_it.position.col - 115.0 / g.col_pitch);
    const SeatPoint left_ref = result.left_it.found
                                   ? result.left_it.position
                                   : g.point(result.right_it.position.row,
                                             result.right_it.position.col + 115.0 / g.col_pitch);
    float* const window = ws.image(Workspace::kWindow);
    float* const median = ws.image(Workspace::kWindowMedian);
    float* const scratch = ws.image(Workspace::kMedianScratch);
    f.edge_sharpness_right = wallet_sharpness(image, g, right_ref, window, median, scratch);
    f.edge_sharpness_left = wallet_sharpness(image, g, left_ref, window, median, scratch);
    // The sharper side; a hard object must be sharp in absolute terms and clearly sharper than
    // the other buttock (sensor gain spread makes every side somewhat jagged).
    const bool right_side = f.edge_sharpness_right >= f.edge_sharpness_left;
    const double hi = std::max(f.edge_sharpness_right, f.edge_sharpness_left);
    const double contrast = std::abs(f.edge_sharpness_right - f.edge_sharpness_left);
    result.wallet.detected = hi >= kWalletSharpness && contrast >= kWalletSharpnessContrast;
    result.wallet.side = right_side ? Side::kRight : Side::kLeft;
    // 0.5 at the threshold, 0 at 0.12 below it, 1 at 0.12 above it.
    result.wallet.confidence = std::clamp(0.5 + (hi - kWalletSharpness) / 0.24, 0.0, 1.0);
  }

  // Class: leaning forward first (it changes everything else), then sideways, then slouched.
  const double side_share = f.thigh_right_share - 0.5;
  if (f.thigh_to_pelvis_ratio >= kLeaningForwardThighRatio)
    result.sitting_class = SittingClass::kLeaningForward;
  else if (side_share >= kLeaningSideShare)
    result.sitting_class = SittingClass::kLeaningRight;
  else if (side_share <= -kLeaningSideShare)
    result.sitting_class = SittingClass::kLeaningLeft;
  else if (result.tilt_deg >= kSlouchedTiltDeg)
    result.sitting_class = SittingClass::kSlouched;

  // Seating metrics. Dispersion Index: load in the union of the IT regions and the sacral region.
  result.peak_pressure_index =
      std::max(result.right_it.peak_pressure_index, result.left_it.peak_pressure_index);
  {
    // The union of (up to) three boxes by inclusion-exclusion: every non-empty subset's
    // intersection, added for odd and subtracted for even subsets.
    struct Box {
      Index r0, r1, c0, c1;  // inclusive
    };
    Box boxes[3];
    int n_boxes = 0;
    const auto add = [&](double y0, double y1, double x0, double x1) {
      const Span r = centres_within(rows, g.row_pitch, y0, y1);
      const Span c = centres_within(cols, g.col_pitch, x0, x1);
      if (r.size() > 0 && c.size() > 0) boxes[n_boxes++] = {r.first, r.last, c.first, c.last};
    };
    for (const IschialPeak* it : {&result.right_it, &result.left_it})
      if (it->found)
        add(it->position.y_mm - kItRegionHalfMm, it->position.y_mm + kItRegionHalfMm,
            it->position.x_mm - kItRegionHalfMm, it->position.x_mm + kItRegionHalfMm);
    add(it_y - kSacralBackMm, it_y - kSacralFrontMm, mid_x - kSacralHalfWidthMm,
        mid_x + kSacralHalfWidthMm);
    double in_regions = 0;
    for (unsigned subset = 1; subset < (1U << n_boxes); ++subset) {
      Box b{0, rows - 1, 0, cols - 1};
      int members = 0;
      for (int i = 0; i < n_boxes; ++i) {
        if ((subset & (1U << i)) == 0) continue;
        ++members;
        b = {std::max(b.r0, boxes[i].r0), std::min(b.r1, boxes[i].r1), std::max(b.c0, boxes[i].c0),
             std::min(b.c1, boxes[i].c1)};
      }
      if (b.r1 < b.r0 || b.c1 < b.c0) continue;
      const double sum = block_sum(load, b.r0, b.c0, b.r1 - b.r0 + 1, b.c1 - b.c0 + 1);
      in_regions += members % 2 == 1 ? sum : -sum;
    }
    result.dispersion_index_pct = 100.0 * in_regions / total;
  }
  return result;
}

std::variant<ChairPostureResult, ChairPostureError> analyze_chair_frame(
    const Eigen::MatrixXf& canonical, const MatDescriptor& mat) {
  return ChairAnalyzer{}.analyze(canonical, mat);
}

}  // namespace pmap::chair
