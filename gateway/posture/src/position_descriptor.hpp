#pragma once
// Internal: the body-aligned pressure descriptor the sleeping-position classifier works on
// (docs/posture.md, "Sleeping position").
#include <Eigen/Core>

#include "bed_image.hpp"

namespace pmap::posture::detail {

/// The descriptor is a kDescriptorRows x kDescriptorCols grid (row-major) laid over the body: its
/// rows split the body's length (first to last row in contact) evenly, whatever the person's
/// height; its columns cover a fixed physical width centred on the centre of pressure, so a narrow
/// side-lying body and a broad supine one look different. Each cell holds the square root of the
/// cell's share of the load: shares make it independent of weight and units, the root keeps the
/// shape of light regions (legs, shoulders) next to the heavy pelvis.
inline constexpr int kDescriptorRows = 16;
inline constexpr int kDescriptorCols = 8;
inline constexpr int kDescriptorSize = kDescriptorRows * kDescriptorCols;
/// Half of the covered width: 14.5 taxels of 25.4 mm (PMD), enough for a supine adult's elbows.
inline constexpr double kDescriptorHalfWidthMm = 368.3;

/// Computes the descriptor of a head-up body image (head at row 0; contact-only, as
/// prepare_bed_image makes it). `width_scale` > 1 covers a wider strip (training augmentation
/// only; 1 at run time). Writes kDescriptorSize values to `out`; all zero for an empty image.
void position_descriptor(const Eigen::MatrixXd& head_up, const RowExtent& extent,
                         double col_pitch_mm, double width_scale, Eigen::Ref<Eigen::VectorXf> out);

/// The descriptor of the left-right mirrored body (a person on the left side becomes one on the
/// right side): columns reversed within each descriptor row.
[[nodiscard]] Eigen::VectorXf mirrored_descriptor(const Eigen::VectorXf& descriptor);

}  // namespace pmap::posture::detail
