#include "position_descriptor.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

namespace pmap::posture::detail {
namespace {

// The body's values are clipped at this multiple of the 98th percentile of the frame, so a few
// hot taxels (bony prominences, a stuck taxel that survived calibration) cannot own the load.
constexpr double kClipOverPercentile98 = 1.5;

// Adds `value` spread over the bins [start + k * width, start + (k + 1) * width), k in [0, bins),
// that the unit cell [cell, cell + 1) overlaps, in proportion to the overlap.
template <std::size_t N>
void spread(double cell, double value, double start, double width, std::array<double, N>& bins) {
  const double lo = cell;
  const double hi = cell + 1.0;
  int k = static_cast<int>(std::floor((lo - start) / width));
  for (k = std::max(k, 0); k < static_cast<int>(N); ++k) {
    const double b_lo = start + k * width;
    const double b_hi = b_lo + width;
    if (b_lo >= hi) break;
    const double overlap = std::min(hi, b_hi) - std::max(lo, b_lo);
    if (overlap > 0) bins[static_cast<std::size_t>(k)] += value * overlap;
  }
}

/// One (column, bin) pair of `spread` with its overlap: bins[bin] += value * overlap.
struct ColumnShare {
  Eigen::Index col;
  int bin;
  double overlap;
};

// The pairs `spread` would add to for the cell of column `col`, in the same order.
void spread_shares(double cell, double start, double width, int bins, Eigen::Index col,
                   std::vector<ColumnShare>& out) {
  const double lo = cell;
  const double hi = cell + 1.0;
  int k = static_cast<int>(std::floor((lo - start) / width));
  for (k = std::max(k, 0); k < bins; ++k) {
    const double b_lo = start + k * width;
    const double b_hi = b_lo + width;
    if (b_lo >= hi) break;
    const double overlap = std::min(hi, b_hi) - std::max(lo, b_lo);
    if (overlap > 0) out.push_back({col, k, overlap});
  }
}

}  // namespace

void position_descriptor(const Eigen::MatrixXd& head_up, const RowExtent& extent,
                         double col_pitch_mm, double width_scale, Eigen::Ref<Eigen::VectorXf> out) {
  out.setZero();
  const Eigen::Index cols = head_up.cols();
  // 98th percentile of the whole frame: the (n - index)-th largest value. The image is normalised
  // by its robust peak, so that value is usually above half of it: only the values above a
  // threshold are selected from (lower thresholds when those are too few). The buffer is reused,
  // so steady-state frames do not allocate.
  const auto n = static_cast<std::size_t>(head_up.size());
  const auto from_top = n - static_cast<std::size_t>(0.98 * static_cast<double>(n - 1));
  thread_local std::vector<double> values;
  values.resize(n);
  std::size_t kept = 0;
  for (const double threshold : {0.5, 0.125, 0.0}) {
    kept = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const double v = head_up.data()[i];
      values[kept] = v;  // branch-free: kept only if it is above the threshold
      kept += v > threshold ? 1 : 0;
    }
    if (kept >= from_top) break;
  }
  if (kept < from_top) return;  // the percentile is 0: nothing to clip to
  const auto nth = values.begin() + static_cast<std::ptrdiff_t>(kept - from_top);
  std::nth_element(values.begin(), nth, values.begin() + static_cast<std::ptrdiff_t>(kept));
  const double clip = kClipOverPercentile98 * *nth;
  if (!(clip > 0)) return;

  double total = 0;
  double moment = 0;
  for (int r = extent.first; r <= extent.last; ++r) {
    for (Eigen::Index c = 0; c < cols; ++c) {
      const double v = std::min(head_up(r, c), clip);
      total += v;
      moment += v * static_cast<double>(c);
    }
  }
  if (!(total > 0)) return;
  // Column edges in taxel units: taxel c spans [c, c + 1); the strip is centred on the centre of
  // pressure (taxel centre at c + 0.5).
  const double centre = moment / total + 0.5;
  const double half = kDescriptorHalfWidthMm * width_scale / col_pitch_mm;
  const double col_start = centre - half;
  const double col_width = 2.0 * half / kDescriptorCols;
  const double row_width = static_cast<double>(extent.length()) / kDescriptorRows;
  const auto first_col = static_cast<Eigen::Index>(std::max(0.0, std::floor(col_start)));
  const auto last_col =
      static_cast<Eigen::Index>(std::min<double>(static_cast<double>(cols - 1), centre + half));

  // The bins each column spreads over, and by how much, are the same in every row: found once.
  thread_local std::vector<ColumnShare> shares;
  shares.clear();
  for (Eigen::Index c = first_col; c <= last_col; ++c) {
    spread_shares(static_cast<double>(c), col_start, col_width, kDescriptorCols, c, shares);
  }
  std::array<double, kDescriptorRows * kDescriptorCols> grid{};
  std::array<double, kDescriptorCols> row_bins{};
  std::array<double, kDescriptorRows> weights{};
  for (int r = extent.first; r <= extent.last; ++r) {
    row_bins.fill(0.0);
    for (const ColumnShare& share : shares) {
      const double v = std::min(head_up(r, share.col), clip);
      if (v > 0) row_bins[static_cast<std::size_t>(share.bin)] += v * share.overlap;
    }
    // Distribute this row's bins over the descriptor rows it overlaps.
    weights.fill(0.0);
    spread(static_cast<double>(r - extent.first), 1.0, 0.0, row_width, weights);
    for (int k = 0; k < kDescriptorRows; ++k) {
      const double w = weights[static_cast<std::size_t>(k)];
      if (w == 0) continue;
      for (int j = 0; j < kDescriptorCols; ++j) {
        grid[static_cast<std::size_t>(k * kDescriptorCols + j)] +=
            w * row_bins[static_cast<std::size_t>(j)];
      }
    }
  }
  double sum = 0;
  for (double v : grid) sum += v;
  if (!(sum > 0)) return;
  for (int i = 0; i < kDescriptorSize; ++i) {
    out(i) = static_cast<float>(std::sqrt(grid[static_cast<std::size_t>(i)] / sum));
  }
}

Eigen::VectorXf mirrored_descriptor(const Eigen::VectorXf& descriptor) {
  Eigen::VectorXf out(descriptor.size());
  for (int r = 0; r < kDescriptorRows; ++r) {
    out.segment(r * kDescriptorCols, kDescriptorCols) =
        descriptor.segment(r * kDescriptorCols, kDescriptorCols).reverse();
  }
  return out;
}

}  // namespace pmap::posture::detail
