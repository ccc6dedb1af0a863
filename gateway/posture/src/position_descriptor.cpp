#include "position_descriptor.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <utility>
#include <vector>

namespace pmap::posture::detail {
namespace {

// The body's values are clipped at this multiple of the 98th percentile of the frame, so a few
// hot taxels (bony prominences, a stuck taxel that survived calibration) cannot own the load.
constexpr double kClipOverPercentile98 = 1.5;

// The turned view's canvas may hold at most this many times the image's cells (see prepare).
constexpr double kMaxAlignedCanvasRatio = 8.0;

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
void grid_descriptor(DescriptorScratch& ws, const DescriptorScratch::RowArray& body, int rows,
                     int first, int last, double half_width, float* out) {
  const Eigen::Index cols = body.cols();
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
    const auto row = body.row(r).segment(first_col, width);
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

// ws.aligned = ws.clipped turned by `angle` about (centre_row, centre_col) so that the direction
// (sin angle, cos angle) becomes the canvas's rows; bilinear sampling, zero beyond the image. The
// canvas centre is the centre of pressure. Only the canvas rectangle the body's bounding box turns
// into is sampled, from a copy of the body with a border of zeros, so the inner loop has no bounds
// checks; only the canvas rows of that rectangle are written (zero outside it), and they are
// returned: the caller reads no other row.
std::pair<Eigen::Index, Eigen::Index> straighten(DescriptorScratch& ws, double angle,
                                                 double row_pitch_mm, double col_pitch_mm,
                                                 double centre_row, double centre_col) {
  const double ca = std::cos(angle), sa = std::sin(angle);
  const Eigen::Index rows = ws.clipped.rows(), cols = ws.clipped.cols();
  const Eigen::Index out_rows = ws.aligned.rows(), out_cols = ws.aligned.cols();
  const double out_centre_row = 0.5 * static_cast<double>(out_rows - 1);
  const double out_centre_col = 0.5 * static_cast<double>(out_cols - 1);

  // The body's bounding box in the clipped image.
  Eigen::Index first_row = rows, last_row = -1, first_col = cols, last_col = -1;
  for (Eigen::Index r = 0; r < rows; ++r) {
    if (!(ws.row_total(r) > 0)) continue;
    first_row = std::min(first_row, r);
    last_row = r;
    Eigen::Index c = 0;
    while (c < cols && !(ws.clipped(r, c) > 0)) ++c;
    first_col = std::min(first_col, c);
    c = cols - 1;
    while (c >= 0 && !(ws.clipped(r, c) > 0)) --c;
    last_col = std::max(last_col, c);
  }
  if (last_row < 0 || last_col < first_col) return {0, -1};
  auto& padded = ws.padded;  // clipped with a zero border: padded(r + 1, c + 1) = clipped(r, c)
  padded.setZero();
  padded.block(1, 1, rows, cols) = ws.clipped;

  // Where the box's corners (one taxel wider: bilinear support) land on the canvas.
  double lo_r = 1e300, hi_r = -1e300, lo_c = 1e300, hi_c = -1e300;
  for (const double r : {static_cast<double>(first_row) - 1, static_cast<double>(last_row) + 1}) {
    for (const double c : {static_cast<double>(first_col) - 1, static_cast<double>(last_col) + 1}) {
      const double sy = (r - centre_row) * row_pitch_mm;
      const double sx = (c - centre_col) * col_pitch_mm;
      const double canvas_r = out_centre_row + (sx * sa + sy * ca) / row_pitch_mm;
      const double canvas_c = out_centre_col + (sx * ca - sy * sa) / col_pitch_mm;
      lo_r = std::min(lo_r, canvas_r);
      hi_r = std::max(hi_r, canvas_r);
      lo_c = std::min(lo_c, canvas_c);
      hi_c = std::max(hi_c, canvas_c);
    }
  }
  const auto clamp_index = [](double v, Eigen::Index n) {
    return static_cast<Eigen::Index>(std::clamp(v, 0.0, static_cast<double>(n - 1)));
  };
  const Eigen::Index r_begin = clamp_index(std::floor(lo_r), out_rows);
  const Eigen::Index r_end = clamp_index(std::ceil(hi_r), out_rows);
  const Eigen::Index c_begin = clamp_index(std::floor(lo_c), out_cols);
  const Eigen::Index c_end = clamp_index(std::ceil(hi_c), out_cols);
  ws.aligned.middleRows(r_begin, r_end - r_begin + 1).setZero();
  const double padded_last_row = static_cast<double>(rows);  // r0 up to rows: r0 + 1 in padded
  const double padded_last_col = static_cast<double>(cols);
  // Along a canvas row the source position moves by a constant step: no division per taxel.
  const double step_row = -col_pitch_mm * sa / row_pitch_mm;
  const double step_col = ca;
  for (Eigen::Index r = r_begin; r <= r_end; ++r) {
    const double y = (static_cast<double>(r) - out_centre_row) * row_pitch_mm;
    // Where canvas taxel (r, 0) was before the turn, in padded taxels.
    const double x0 = -out_centre_col * col_pitch_mm;
    const double row_at_0 = centre_row + 1 + (y * ca - x0 * sa) / row_pitch_mm;
    const double col_at_0 = centre_col + 1 + (x0 * ca + y * sa) / col_pitch_mm;
    double* out = &ws.aligned(r, 0);
    for (Eigen::Index c = c_begin; c <= c_end; ++c) {
      const double src_row = row_at_0 + static_cast<double>(c) * step_row;
      const double src_col = col_at_0 + static_cast<double>(c) * step_col;
      if (!(src_row >= 0 && src_col >= 0 && src_row < padded_last_row + 1 &&
            src_col < padded_last_col + 1)) {
        continue;
      }
      // Non-negative here, so the cast is the floor.
      const auto ri = static_cast<Eigen::Index>(src_row), ci = static_cast<Eigen::Index>(src_col);
      const double fr = src_row - static_cast<double>(ri), fc = src_col - static_cast<double>(ci);
      out[c] = (1 - fr) * ((1 - fc) * padded(ri, ci) + fc * padded(ri, ci + 1)) +
               fr * ((1 - fc) * padded(ri + 1, ci) + fc * padded(ri + 1, ci + 1));
    }
  }
  return {r_begin, r_end};
}

// The descriptor's two grids over ws.clipped (set up by position_descriptor: its row sums in
// ws.row_total / ws.row_moment, its centre of pressure), turned by turn_deg first.
void grids_of_clipped(const BedImage& image, double turn_deg, double width_scale,
                      Eigen::Ref<Eigen::VectorXf> out, DescriptorScratch& ws) {
  // Turned by turn_deg about the light body's centre of pressure (kSecondViewFromDeg). Turning
  // the image head-up (180 degrees) leaves the axis' angle as it is.
  const DescriptorScratch::RowArray* body = &ws.clipped;
  const double turn = turn_deg * std::numbers::pi / 180.0;
  if (turn != 0 && ws.aligned.size() > 0) {
    const auto [r_begin, r_end] = straighten(ws, turn, image.row_pitch_mm, image.col_pitch_mm,
                                             ws.clipped_centre_row, ws.clipped_centre_col);
    body = &ws.aligned;
    const Eigen::Index written = r_end - r_begin + 1;
    ws.row_total.head(body->rows()).setZero();
    ws.row_moment.head(body->rows()).setZero();
    if (written > 0) {
      const auto block = body->middleRows(r_begin, written);
      ws.row_total.segment(r_begin, written) = block.rowwise().sum();
      ws.row_moment.segment(r_begin, written).matrix().noalias() =
          block.matrix() * ws.column_index.head(body->cols()).matrix();
    }
  }
  const Eigen::Index body_rows = body->rows();
  int first = -1, last = -1;  // the rows in contact, head-up
  for (Eigen::Index r = 0; r < body_rows; ++r) {
    if (ws.row_total(r) > 0) {
      if (first < 0) first = static_cast<int>(r);
      last = static_cast<int>(r);
    }
  }
  if (first < 0) return;
  const int length = last - first + 1;

  const double half_width = kDescriptorHalfWidthMm * width_scale / image.col_pitch_mm;
  grid_descriptor(ws, *body, kBodyGridRows, first, last, half_width, out.data());
  const int trunk_rows = std::max(
      1, static_cast<int>(std::lround(kTrunkLengthFraction * static_cast<double>(length))));
  grid_descriptor(ws, *body, kTrunkGridRows, first, first + trunk_rows - 1, half_width,
                  out.data() + kBodyGridRows * kDescriptorCols);
}

}  // namespace

void DescriptorScratch::prepare(Eigen::Index rows, Eigen::Index cols, double row_pitch_mm,
                                double col_pitch_mm) {
  if (clipped.rows() == rows && clipped.cols() == cols && row_pitch_mm_ == row_pitch_mm &&
      col_pitch_mm_ == col_pitch_mm) {
    return;
  }
  row_pitch_mm_ = row_pitch_mm;
  col_pitch_mm_ = col_pitch_mm;
  // The turned view's canvas: as long as the mat's diagonal both ways. A mat whose rows and
  // columns have very different pitches (meta allows 1..200 mm each) would need a canvas far
  // larger than the image; beyond kMaxAlignedCanvasRatio × the image's cells there is no turned
  // view (the canvas stays empty and position_descriptor ignores a turn).
  Eigen::Index aligned_rows = 0, aligned_cols = 0;
  if (row_pitch_mm > 0 && col_pitch_mm > 0 && std::isfinite(row_pitch_mm) &&
      std::isfinite(col_pitch_mm)) {
    const double diagonal_mm = std::hypot(static_cast<double>(rows) * row_pitch_mm,
                                          static_cast<double>(cols) * col_pitch_mm);
    const double canvas_rows = std::ceil(diagonal_mm / row_pitch_mm) + 1;
    const double canvas_cols = std::ceil(diagonal_mm / col_pitch_mm) + 1;
    if (canvas_rows * canvas_cols <=
        kMaxAlignedCanvasRatio * static_cast<double>(rows) * static_cast<double>(cols)) {
      aligned_rows = std::max(rows, static_cast<Eigen::Index>(canvas_rows));
      aligned_cols = std::max(cols, static_cast<Eigen::Index>(canvas_cols));
    }
  }
  const Eigen::Index widest = std::max(cols, aligned_cols);
  values.resize(static_cast<std::size_t>(rows * cols));
  clipped.resize(rows, cols);
  aligned.resize(aligned_rows, aligned_cols);
  padded.resize(aligned_rows > 0 ? rows + 2 : 0, aligned_rows > 0 ? cols + 2 : 0);
  row_total.resize(std::max(rows, aligned_rows));
  row_moment.resize(std::max(rows, aligned_rows));
  column_index = Eigen::ArrayXd::LinSpaced(widest, 0.0, static_cast<double>(widest - 1));
  column_shares.resize(widest, kDescriptorCols);
  resampled.resize(kMaxGridRows, widest);
}

void position_descriptor(const BedImage& image, HeadEnd head_end, double turn_deg,
                         double width_scale, Eigen::Ref<Eigen::VectorXf> out) {
  DescriptorScratch scratch;
  position_descriptor(image, head_end, turn_deg, width_scale, out, scratch);
}

void position_descriptor(const BedImage& image, HeadEnd head_end, double turn_deg,
                         double width_scale, Eigen::Ref<Eigen::VectorXf> out,
                         DescriptorScratch& ws) {
  out.setZero();
  ws.clipped_ready = false;
  const Eigen::MatrixXd& light = image.light_body;
  if (light.size() == 0 || !(image.col_pitch_mm > 0)) return;
  const Eigen::Index rows = light.rows(), cols = light.cols();
  ws.prepare(rows, cols, image.row_pitch_mm, image.col_pitch_mm);

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
  ws.row_total.head(rows) = ws.clipped.rowwise().sum();
  ws.row_moment.head(rows).matrix().noalias() =
      ws.clipped.matrix() * ws.column_index.head(cols).matrix();
  const double total = ws.row_total.head(rows).sum();
  if (!(total > 0)) return;
  double row_moment = 0;
  for (Eigen::Index r = 0; r < rows; ++r) row_moment += static_cast<double>(r) * ws.row_total(r);
  ws.clipped_centre_row = row_moment / total;
  ws.clipped_centre_col = ws.row_moment.head(rows).sum() / total;
  ws.clipped_ready = true;
  grids_of_clipped(image, turn_deg, width_scale, out, ws);
}

void turned_position_descriptor(const BedImage& image, double turn_deg,
                                Eigen::Ref<Eigen::VectorXf> out, DescriptorScratch& ws) {
  out.setZero();
  if (!ws.clipped_ready) return;
  const Eigen::Index rows = ws.clipped.rows(), cols = ws.clipped.cols();
  ws.row_total.head(rows) = ws.clipped.rowwise().sum();
  ws.row_moment.head(rows).matrix().noalias() =
      ws.clipped.matrix() * ws.column_index.head(cols).matrix();
  grids_of_clipped(image, turn_deg, 1.0, out, ws);
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
