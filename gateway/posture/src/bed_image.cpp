#include "bed_image.hpp"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "pmap/posture/bed_posture.hpp"

namespace pmap::posture::detail {
namespace {

// Fraction of the taxels assumed to be unloaded mat: their level is the baseline. A lying adult
// covers well under 80% of a bed mat, so the 20th percentile is bare mat (BodiTrak air mats read
// 40-50 counts unloaded; other mats read 0, where this changes nothing).
constexpr double kBaselinePercentile = 0.20;
// The robust peak is the mean of the top 2% of taxels: one hot taxel cannot set the scale, and even
// a side-lying body loads more than 2% of a bed mat.
constexpr double kPeakFraction = 0.02;
// Connected contact regions smaller than this many taxels are noise, not a body part.
constexpr std::size_t kMinRegionTaxels = 2;
constexpr int kMinRows = 8;
constexpr int kMinCols = 4;

}  // namespace

Eigen::MatrixXd rotated_180(const Eigen::MatrixXd& image) {
  return image.reverse();
}

std::optional<RowExtent> contact_row_extent(const Eigen::MatrixXd& body) {
  std::optional<RowExtent> extent;
  for (int r = 0; r < body.rows(); ++r) {
    if ((body.row(r).array() > 0).any()) {
      if (!extent) extent = RowExtent{r, r};
      extent->last = r;
    }
  }
  return extent;
}

std::optional<BedImage> prepare_bed_image(const Eigen::MatrixXf& canonical,
                                          const MatDescriptor& mat, std::string* error) {
  auto fail = [error](std::string message) -> std::optional<BedImage> {
    if (error != nullptr) *error = std::move(message);
    return std::nullopt;
  };
  if (mat.kind != MatKind::kBed) return fail("posture analysis needs a bed mat, got a chair mat");
  if (canonical.rows() != mat.rows || canonical.cols() != mat.cols) {
    return fail("image is " + std::to_string(canonical.rows()) + "x" +
                std::to_string(canonical.cols()) + " but the mat declares " +
                std::to_string(mat.rows) + "x" + std::to_string(mat.cols));
  }
  if (canonical.rows() < kMinRows || canonical.cols() < kMinCols) {
    return fail("a bed mat needs at least " + std::to_string(kMinRows) + " rows and " +
                std::to_string(kMinCols) + " columns");
  }
  if (!(std::isfinite(mat.row_pitch_mm) && mat.row_pitch_mm > 0 &&
        std::isfinite(mat.col_pitch_mm) && mat.col_pitch_mm > 0)) {
    return fail("the mat's row and column pitch must be positive");
  }
  if (!canonical.allFinite()) return fail("image contains non-finite values");

  BedImage out;
  out.row_pitch_mm = mat.row_pitch_mm;
  out.col_pitch_mm = mat.col_pitch_mm;
  const Eigen::MatrixXd image = canonical.cast<double>().cwiseMax(0.0);
  const auto n = static_cast<std::size_t>(image.size());

  // Two partial selections instead of a full sort (this runs on every frame). The buffer is reused
  // so steady-state frames do not allocate.
  thread_local std::vector<double> values;
  values.assign(image.data(), image.data() + n);
  const auto top_count = std::max<std::size_t>(1, static_cast<std::size_t>(kPeakFraction * n));
  const auto top_begin = values.begin() + static_cast<std::ptrdiff_t>(n - top_count);
  std::nth_element(values.begin(), top_begin, values.end());
  double top_sum = 0;
  for (auto it = top_begin; it != values.end(); ++it) top_sum += *it;
  const auto base_at = values.begin() + static_cast<std::ptrdiff_t>(kBaselinePercentile *
                                                                    static_cast<double>(n - 1));
  std::nth_element(values.begin(), base_at, top_begin);
  const double baseline = *base_at;
  const double peak = top_sum / static_cast<double>(top_count) - baseline;
  out.body = Eigen::MatrixXd::Zero(image.rows(), image.cols());
  out.light_body = Eigen::MatrixXd::Zero(image.rows(), image.cols());
  if (!(peak > 0)) return out;  // flat image: nothing lies on the mat

  Eigen::MatrixXd normalised = ((image.array() - baseline) / peak).cwiseMax(0.0).matrix();
  const int rows = static_cast<int>(image.rows());
  const int cols = static_cast<int>(image.cols());
  const Eigen::Matrix<bool, Eigen::Dynamic, Eigen::Dynamic> contact =
      (normalised.array() >= kContactThreshold).matrix();

  // 8-connected regions of contact, found by flood fill.
  Eigen::MatrixXi region = Eigen::MatrixXi::Constant(rows, cols, -1);
  std::vector<std::pair<int, int>> stack;
  std::vector<std::pair<int, int>> members;
  double total_load = 0;
  double largest_load = 0;
  std::size_t contact_taxels = 0;
  int next_region = 0;
  for (int r0 = 0; r0 < rows; ++r0) {
    for (int c0 = 0; c0 < cols; ++c0) {
      if (!contact(r0, c0) || region(r0, c0) >= 0) continue;
      members.clear();
      stack.assign(1, {r0, c0});
      region(r0, c0) = next_region;
      while (!stack.empty()) {
        const auto [r, c] = stack.back();
        stack.pop_back();
        members.emplace_back(r, c);
        for (int dr = -1; dr <= 1; ++dr) {
          for (int dc = -1; dc <= 1; ++dc) {
            const int rr = r + dr;
            const int cc = c + dc;
            if (rr < 0 || rr >= rows || cc < 0 || cc >= cols) continue;
            if (!contact(rr, cc) || region(rr, cc) >= 0) continue;
            region(rr, cc) = next_region;
            stack.emplace_back(rr, cc);
          }
        }
      }
      ++next_region;
      if (members.size() < kMinRegionTaxels) continue;
      double load = 0;
      for (const auto& [r, c] : members) {
        out.body(r, c) = normalised(r, c);
        load += normalised(r, c);
      }
      total_load += load;
      largest_load = std::max(largest_load, load);
      contact_taxels += members.size();
    }
  }
  out.contact_area_cm2 =
      static_cast<double>(contact_taxels) * mat.row_pitch_mm * mat.col_pitch_mm / 100.0;
  out.contact_mat_fraction = static_cast<double>(contact_taxels) / static_cast<double>(n);
  out.load_in_largest_region = total_load > 0 ? largest_load / total_load : 0.0;
  out.occupied = out.contact_area_cm2 >= kOccupiedMinAreaCm2 &&
                 out.contact_mat_fraction <= kOccupiedMaxMatFraction &&
                 out.load_in_largest_region >= kOccupiedMinLoadInLargestRegion;
  if (out.occupied) {
    out.light_body = (normalised.array() >= kLightContactThreshold).select(normalised, 0.0);
  } else {
    out.body.setZero();
  }
  return out;
}

}  // namespace pmap::posture::detail
