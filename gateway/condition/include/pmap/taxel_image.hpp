#pragma once
// One value per taxel in canonical orientation, row-major (what every gateway stage works on).
#include <Eigen/Dense>

#include "pmap/frame.hpp"

namespace pmap {

/// A row-major image of one value per taxel, in canonical orientation.
using TaxelImage = Eigen::Array<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// Copies a frame's values into a TaxelImage.
[[nodiscard]] TaxelImage to_image(const PressureFrame& frame);

/// Copies a frame's values into `image`, resizing it only when the shape differs (no allocation
/// for a frame of the same shape as the previous one).
void copy_to_image(const PressureFrame& frame, TaxelImage& image);

}  // namespace pmap
