#include "pmap/posture/frame_image.hpp"

#include <cmath>
#include <numbers>

namespace pmap::posture {

Eigen::MatrixXf frame_image(const PressureFrame& frame) {
  Eigen::MatrixXf image(frame.rows, frame.cols);
  for (std::size_t r = 0; r < frame.rows; ++r) {
    for (std::size_t c = 0; c < frame.cols; ++c) {
      image(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c)) =
          static_cast<float>(frame.at(r, c));
    }
  }
  return image;
}

Eigen::MatrixXf turned_image(const Eigen::MatrixXf& image, const MatDescriptor& mat,
                             double degrees) {
  if (image.size() == 0) return image;
  const float least = image.minCoeff();
  double total = 0, row_sum = 0, col_sum = 0;
  for (Eigen::Index c = 0; c < image.cols(); ++c) {
    for (Eigen::Index r = 0; r < image.rows(); ++r) {
      const double v = image(r, c) - least;
      total += v;
      row_sum += v * static_cast<double>(r);
      col_sum += v * static_cast<double>(c);
    }
  }
  if (!(total > 0) || !(mat.row_pitch_mm > 0) || !(mat.col_pitch_mm > 0)) return image;
  const double centre_r = row_sum / total, centre_c = col_sum / total;
  const double a = degrees * std::numbers::pi / 180.0;
  const double ca = std::cos(a), sa = std::sin(a);
  Eigen::MatrixXf out(image.rows(), image.cols());
  for (Eigen::Index c = 0; c < image.cols(); ++c) {
    for (Eigen::Index r = 0; r < image.rows(); ++r) {
      // Where this taxel's centre was before the turn.
      const double y = (static_cast<double>(r) - centre_r) * mat.row_pitch_mm;
      const double x = (static_cast<double>(c) - centre_c) * mat.col_pitch_mm;
      const double source_r = centre_r + (y * ca - x * sa) / mat.row_pitch_mm;
      const double source_c = centre_c + (x * ca + y * sa) / mat.col_pitch_mm;
      const double r0 = std::floor(source_r), c0 = std::floor(source_c);
      double value = 0;
      for (int dr = 0; dr < 2; ++dr) {
        for (int dc = 0; dc < 2; ++dc) {
          const double rr = r0 + dr, cc = c0 + dc;
          const double weight = (dr != 0 ? source_r - r0 : 1 - (source_r - r0)) *
                                (dc != 0 ? source_c - c0 : 1 - (source_c - c0));
          const bool inside = rr >= 0 && cc >= 0 && rr < static_cast<double>(image.rows()) &&
                              cc < static_cast<double>(image.cols());
          value +=
              weight * (inside ? image(static_cast<Eigen::Index>(rr), static_cast<Eigen::Index>(cc))
                               : least);
        }
      }
      out(r, c) = static_cast<float>(value);
    }
  }
  return out;
}

}  // namespace pmap::posture
