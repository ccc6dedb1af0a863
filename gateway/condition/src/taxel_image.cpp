#include "pmap/taxel_image.hpp"

namespace pmap {

void copy_to_image(const PressureFrame& frame, TaxelImage& image) {
  if (image.rows() != frame.rows || image.cols() != frame.cols)
    image.resize(frame.rows, frame.cols);
  float* out = image.data();
  const std::size_t n = frame.values.size();
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<float>(frame.values[i]);
}

TaxelImage to_image(const PressureFrame& frame) {
  TaxelImage img;
  copy_to_image(frame, img);
  return img;
}

}  // namespace pmap
