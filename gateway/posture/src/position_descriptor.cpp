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

// The overlap of the unit cell [cell, cell + 1) with each of the `bins` bins [start + k * width,
// start + (k + 1) * width), added to out[k * stride] times `value`.
void spread(double cell, double value, double start, double width, int bins, double* out,
            Eigen::Index stride) {
  const double lo = cell;
  const double hi = cell + 1.0;
  int k = static_cast<int>(std::floor((lo - start) / width));
  for (k = std::max(k, 0); k < bins; ++k) {
    const double b_lo = start + k * width;
    const double b_hi = b_lo + width;
    if (b_lo >= hi) break;
    const double overlap = std::min(hi, b_hi) - std::max(lo, b_lo);
    if (overlap > 0) out[k * stride] += value * overlap;
  }
}

// One grid of `rows` x kDescriptorCols cells over the head-up rows [first, last] of the clipped
// image (see the header). Area resampling is separable: the image rows are first spread over the
// grid's rows (whole rows at a time), then the grid's rows over its columns by one small product
// with each taxel column's shares of the grid columns.
void grid_descriptor(DescriptorScratch& ws, int rows, int first, int last, double half_width,
                     float* out) {
  const Eigen::Index cols = ws.clipped.cols();
  const double total = ws.row_total.segment(first, last - first + 1).sum();
  if (!(total > 0)) return;
  const double moment = ws.row_moment.segment(first, last - first + 1).sum();
  // Column edges in taxel units: taxel c spans [c, c + 1); the strip is centred on the centre of
  // pressure (taxel centre at c + 0.5).
  const double centre = moment / total + 0.5;
  const double col_start = centre - half_width;
  const double col_width = 2.0 * half_width / kDescriptorCols;
  const double row_width = static_cast<double>(last - first + 1) / rows;
  const auto first_col = static_cast<Eigen::Index>(std::max(0.0, std::floor(col_start)));
  const auto last_col = static_cast<Eigen::Index>(
      std::min<double>(static_cast<double>(cols - 1), centre + half_width));
  if (last_col < first_col) return;
  const Eigen::Index width = last_col - first_col + 1;

  auto& shares = ws.column_shares;  // taxel column x grid column
  shares.topRows(width).setZero();
  for (Eigen::Index c = first_col; c <= last_col; ++c) {
    spread(static_cast<double>(c), 1.0, col_start, col_width, kDescriptorCols,
           &shares(c - first_col, 0), 1);
  }
  auto resampled = ws.resampled.topLeftCorner(rows, width);  // grid row x taxel column
  resampled.setZero();
  std::array<double, kMaxGridRows> weights{};
  for (int r = first; r <= last; ++r) {
    std::fill_n(weights.begin(), rows, 0.0);
    spread(static_cast<double>(r - first), 1.0, 0.0, row_width, rows, weights.data(), 1);
    const auto row = ws.clipped.row(r).segment(first_col, width);
    for (int k = 0; k < rows; ++k) {
      const double w = weights[static_cast<std::size_t>(k)];
      if (w != 0) resampled.row(k) += w * row;
    }
  }
  auto grid = ws.grid.topRows(rows);
  grid.matrix() = resampled.matrix().lazyProduct(shares.topRows(width).matrix());
  const double sum = grid.sum();
  if (!(sum > 0)) return;
  Eigen::Map<Eigen::Array<float, Eigen::Dynamic, kDescriptorCols, Eigen::RowMajor>>(
      out, rows, kDescriptorCols) = (grid / sum).sqrt().cast<float>();
}

}  // namespace

void DescriptorScratch::prepare(Eigen::Index rows, Eigen::Index cols) {
  if (clipped.rows() == rows && clipped.cols() == cols) return;
  values.resize(static_cast<std::size_t>(rows * cols));
  clipped.resize(rows, cols);
  row_total.resize(rows);
  row_moment.resize(rows);
  column_index = Eigen::ArrayXd::LinSpaced(cols, 0.0, static_cast<double>(cols - 1));
  column_shares.resize(cols, kDescriptorCols);
  resampled.resize(kMaxGridRows, cols);
}

void position_descriptor(const BedImage& image, HeadEnd head_end, double width_scale,
                         Eigen::Ref<Eigen::VectorXf> out) {
  DescriptorScratch scratch;
  position_descriptor(image, head_end, width_scale, out, scratch);
}

void position_descriptor(const BedImage& image, HeadEnd head_end, double width_scale,
                         Eigen::Ref<Eigen::VectorXf> out, DescriptorScratch& ws) {
  out.setZero();
  const Eigen::MatrixXd& light = image.light_body;
  if (light.size() == 0 || !(image.col_pitch_mm > 0)) return;
  const Eigen::Index rows = light.rows(), cols = light.cols();
  ws.prepare(rows, cols);

  // 98th percentile of the whole frame: the (n - index)-th largest value. The image is normalised
  // by its robust peak, so that value is usually above half of it: only the values above a
  // threshold are selected from (lower thresholds when those are too few).
  const auto n = static_cast<std::size_t>(light.size());
  const auto from_top = n - static_cast<std::size_t>(0.98 * static_cast<double>(n - 1));
  std::vector<double>& values = ws.values;
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
  if (kept < from_top) return;  // the percentile is 0 (an empty image among them)
  const auto nth = values.begin() + static_cast<std::ptrdiff_t>(kept - from_top);
  std::nth_element(values.begin(), nth, values.begin() + static_cast<std::ptrdiff_t>(kept));
  const double clip = kClipOverPercentile98 * *nth;
  if (!(clip > 0)) return;

  // The clipped light body head-up, row-major (the grids read it row by row), with every row's
  // load and load-weighted column: both grids' centres of pressure come from these sums.
  if (head_end == HeadEnd::kLastRow) {
    ws.clipped = light.reverse().array().min(clip);
  } else {
    ws.clipped = light.array().min(clip);
  }
  ws.row_total = ws.clipped.rowwise().sum();
  ws.row_moment.matrix().noalias() = ws.clipped.matrix() * ws.column_index.matrix();
  int first = -1, last = -1;  // the rows in contact, head-up
  for (Eigen::Index r = 0; r < rows; ++r) {
    if (ws.row_total(r) > 0) {
      if (first < 0) first = static_cast<int>(r);
      last = static_cast<int>(r);
    }
  }
  if (first < 0) return;
  const int length = last - first + 1;

  const double half_width = kDescriptorHalfWidthMm * width_scale / image.col_pitch_mm;
  grid_descriptor(ws, kBodyGridRows, first, last, half_width, out.data());
  const int trunk_rows = std::max(
      1, static_cast<int>(std::lround(kTrunkLengthFraction * static_cast<double>(length))));
  grid_descriptor(ws, kTrunkGridRows, first, first + trunk_rows - 1, half_width,
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
