#pragma once
// A pressure frame as the engines' image, taken as it is: rows × cols floats, row r and column c
// of the frame at (r, c). No layout transform is applied, so it is the canonical image only for a
// frame that already is canonical — the simulator's own frames, and recordings in canonical
// layout. (The gateway turns a mat's frames canonical by its declared layout first.)
#include <Eigen/Core>

#include "pmap/frame.hpp"
#include "pmap/mat_descriptor.hpp"

namespace pmap::posture {

[[nodiscard]] Eigen::MatrixXf frame_image(const PressureFrame& frame);

/// `image` (rows x cols, as frame_image gives it) turned by `degrees` in the plane of the mat
/// about its centre of pressure (the load above its least value), in physical units (the mat's
/// row and column pitches), sampled bilinearly; what the turn brings in from beyond the mat reads
/// as that least value. For tests and benchmarks of sleepers lying at an angle across the mat.
[[nodiscard]] Eigen::MatrixXf turned_image(const Eigen::MatrixXf& image, const MatDescriptor& mat,
                                           double degrees);

}  // namespace pmap::posture
