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

// The light body seen head-up without copying it: row 0 is the head end.
struct HeadUpView {
  const Eigen::MatrixXd& image;
  bool turned;
  [[nodiscard]] Eigen::Index rows() const { return image.rows(); }
  [[nodiscard]] Eigen::Index cols() const { return image.cols(); }
  [[nodiscard]] double operator()(Eigen::Index r, Eigen::Index c) const {
    return turned ? image(image.rows() - 1 - r, image.cols() - 1 - c) : image(r, c);
  }
};

// One grid of `Rows` x kDescriptorCols cells over the head-up rows [first, last] (see the header).
template <int Rows>
void grid_descriptor(const HeadUpView& up, int first, int last, double clip, double half_width,
                     float* out) {
  double total = 0;
  double moment = 0;
  for (int r = first; r <= last; ++r) {
    for (Eigen::Index c = 0; c < up.cols(); ++c) {
      const double v = std::min(up(r, c), clip);
      total += v;
      moment += v * static_cast<double>(c);
    }
  }
  if (!(total > 0)) return;
  // Column edges in taxel units: taxel c spans [c, c + 1); the strip is centred on the centre of
  // pressure (taxel centre at c + 0.5).
  const double centre = moment / total + 0.5;
  const double col_start = centre - half_width;
  const double col_width = 2.0 * half_width / kDescriptorCols;
  const double row_width = static_cast<double>(last - first + 1) / Rows;
  const auto first_col = static_cast<Eigen::Index>(std::max(0.0, std::floor(col_start)));
  const auto last_col = static_cast<Eigen::Index>(
      std::min<double>(static_cast<double>(up.cols() - 1), centre + half_width));

  std::array<double, static_cast<std::size_t>(Rows) * kDescriptorCols> grid{};
  std::array<double, kDescriptorCols> row_bins{};
  std::array<double, Rows> weights{};
  for (int r = first; r <= last; ++r) {
    row_bins.fill(0.0);
    for (Eigen::Index c = first_col; c <= last_col; ++c) {
      const double v = std::min(up(r, c), clip);
      if (v > 0) spread(static_cast<double>(c), v, col_start, col_width, row_bins);
    }
    // Distribute this row's bins over the descriptor rows it overlaps.
    weights.fill(0.0);
    spread(static_cast<double>(r - first), 1.0, 0.0, row_width, weights);
    for (int k = 0; k < Rows; ++k) {
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
  for (std::size_t i = 0; i < grid.size(); ++i)
    out[i] = static_cast<float>(std::sqrt(grid[i] / sum));
}

}  // namespace

void position_descriptor(const BedImage& image, HeadEnd head_end, double width_scale,
                         Eigen::Ref<Eigen::VectorXf> out) {
  out.setZero();
  const Eigen::MatrixXd& light = image.light_body;
  if (light.size() == 0 || !(image.col_pitch_mm > 0)) return;
  const HeadUpView up{light, head_end == HeadEnd::kLastRow};
  const auto extent = contact_row_extent(light);
  if (!extent) return;
  const int first = up.turned ? static_cast<int>(light.rows()) - 1 - extent->last : extent->first;
  const int last = first + extent->length() - 1;

  // 98th percentile of the whole frame: the (n - index)-th largest value. The image is normalised
  // by its robust peak, so that value is usually above half of it: only the values above a
  // threshold are selected from (lower thresholds when those are too few). The buffer is reused,
  // so steady-state frames do not allocate.
  const auto n = static_cast<std::size_t>(light.size());
  const auto from_top = n - static_cast<std::size_t>(0.98 * static_cast<double>(n - 1));
  thread_local std::vector<double> values;
  values.resize(n);
  std::size_t kept = 0;
  for (const double threshold : {0.5, 0.125, 0.0}) {
    kept = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const double v = light.data()[i];
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

  const double half_width = kDescriptorHalfWidthMm * width_scale / image.col_pitch_mm;
  grid_descriptor<kBodyGridRows>(up, first, last, clip, half_width, out.data());
  const int trunk_rows = std::max(
      1,
      static_cast<int>(std::lround(kTrunkLengthFraction * static_cast<double>(extent->length()))));
  grid_descriptor<kTrunkGridRows>(up, first, first + trunk_rows - 1, clip, half_width,
                                  out.data() + kBodyGridRows * kDescriptorCols);
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
