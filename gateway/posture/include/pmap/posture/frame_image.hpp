#pragma once
// A pressure frame as the engines' image, taken as it is: rows × cols floats, row r and column c
// of the frame at (r, c). No layout transform is applied, so it is the canonical image only for a
// frame that already is canonical — the simulator's own frames, and recordings in canonical
// layout. (The gateway turns a mat's frames canonical by its declared layout first.)
#include <Eigen/Core>

#include "pmap/frame.hpp"

namespace pmap::posture {

[[nodiscard]] Eigen::MatrixXf frame_image(const PressureFrame& frame);

}  // namespace pmap::posture
