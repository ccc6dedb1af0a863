#include "pmap/posture/frame_image.hpp"

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

}  // namespace pmap::posture
