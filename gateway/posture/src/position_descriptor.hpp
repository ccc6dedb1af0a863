#pragma once
// Internal: the body-aligned pressure descriptor the sleeping-position classifier works on
// (docs/posture.md, "Sleeping position").
#include <vector>

#include <Eigen/Core>

#include "bed_image.hpp"
#include "pmap/posture/bed_posture.hpp"

namespace pmap::posture::detail {

/// The descriptor is two grids (row-major, one after the other) laid over the body, both
/// kDescriptorCols wide:
/// - the whole body: kBodyGridRows rows splitting the body's length (first to last row in contact)
///   evenly, whatever the person's height;
/// - the trunk: kTrunkGridRows rows over the first kTrunkLengthFraction of that length (head,
///   shoulders, trunk and pelvis), where lying on the back or on a side differs most, whatever
///   the legs do (crossed, one knee bent outwards, ...).
/// Columns cover a fixed physical width centred on the grid's own centre of pressure, so a narrow
/// side-lying body and a broad supine one look different. Each cell holds the square root of the
/// cell's share of its grid's load: shares make it independent of weight and units, the root keeps
/// the shape of light regions (legs, shoulders) next to the heavy pelvis.
inline constexpr int kDescriptorCols = 8;
inline constexpr int kBodyGridRows = 16;
inline constexpr int kTrunkGridRows = 12;
inline constexpr double kTrunkLengthFraction = 0.6;
inline constexpr int kDescriptorRows = kBodyGridRows + kTrunkGridRows;
inline constexpr int kDescriptorSize = kDescriptorRows * kDescriptorCols;
/// Half of the covered width: 14.5 taxels of 25.4 mm (PMD), enough for a supine adult's elbows.
inline constexpr double kDescriptorHalfWidthMm = 368.3;

inline constexpr int kMaxGridRows = kBodyGridRows > kTrunkGridRows ? kBodyGridRows : kTrunkGridRows;

/// A body lying at an angle across the mat (PMD experiment-ii has supine sleepers 14-23 degrees
/// off the mat's axis; the training recordings, experiment-i, hardly any: their subjects lay along
/// the mat) looks to the grids like a narrow, off-centre body, a side-lying shape. From this
/// angle of the body's principal axis on (2 % of experiment-i's frames), the engine also reads
/// the body turned straight and keeps the view with the smaller novelty, the one nearer to what
/// the classifier learned (docs/posture.md, step 6). Not simply turning every such body: a
/// side-lying body's axis leans 10-18 degrees with its flexed knees, which is shape, not
/// placement, and its straight view stays the nearer one.
inline constexpr double kSecondViewFromDeg = 10.0;

/// The descriptor's buffers, kept by the bed workspace so that a frame allocates nothing.
struct DescriptorScratch {
  using RowArray = Eigen::Array<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  std::vector<double> values;  ///< candidates of the 98th-percentile selection
  RowArray clipped;            ///< the light body head-up, clipped
  /// `clipped` turned straight (kSecondViewFromDeg), on a canvas as long as the mat's diagonal in
  /// both directions, so no part of a turned body falls off it; empty (no turned view) for a mat
  /// whose pitches differ so much that the canvas would exceed 8 × the image's cells (at most
  /// 131 072 cells: meta allows 16 384 taxels).
  RowArray aligned;
  RowArray padded;            ///< `clipped` with a border of zeros, which `aligned` is sampled from
  Eigen::ArrayXd row_total;   ///< per row of the body read (`clipped` or `aligned`): its load
  Eigen::ArrayXd row_moment;  ///< per row of the body read: sum of load x column
  Eigen::ArrayXd column_index;  ///< 0, 1, ..., widest - 1
  RowArray column_shares;       ///< a grid's share of each taxel column per grid column
  RowArray resampled;           ///< a grid's rows, still per taxel column
  Eigen::Array<double, kMaxGridRows, kDescriptorCols, Eigen::RowMajor> grid;
  /// Whether `clipped` holds the body of the last position_descriptor call, and its centre of
  /// pressure (taxels): turned_position_descriptor reads that body again.
  bool clipped_ready = false;
  double clipped_centre_row = 0;
  double clipped_centre_col = 0;

  /// Whether a turned view can be read (the mat's pitches allowed a canvas; see `aligned`).
  [[nodiscard]] bool can_turn() const { return aligned.size() > 0; }

  /// Sizes the buffers for rows x cols images of the given pitches (nothing happens when they
  /// already fit).
  void prepare(Eigen::Index rows, Eigen::Index cols, double row_pitch_mm, double col_pitch_mm);

 private:
  double row_pitch_mm_ = 0;
  double col_pitch_mm_ = 0;
};

/// Computes the descriptor of `image.light_body` seen head-up (`head_end` says where the head is),
/// turned by `turn_deg` first (0: as it lies; the body's axis angle, BedPosture::axis_angle_deg,
/// turns it straight about its centre of pressure, onto a canvas as long as the mat's diagonal
/// both ways). `width_scale` > 1 covers a wider strip (training augmentation only; 1 at run
/// time). Writes kDescriptorSize values to `out`; all zero for an empty image.
void position_descriptor(const BedImage& image, HeadEnd head_end, double turn_deg,
                         double width_scale, Eigen::Ref<Eigen::VectorXf> out);
/// The same with the caller's buffers (no allocation once they have the image's shape).
void position_descriptor(const BedImage& image, HeadEnd head_end, double turn_deg,
                         double width_scale, Eigen::Ref<Eigen::VectorXf> out,
                         DescriptorScratch& scratch);

/// The descriptor of the body the last position_descriptor call with `scratch` read, turned by
/// `turn_deg` (the second view of kSecondViewFromDeg): the same values as position_descriptor on
/// that image with that turn, without clipping the image again. All zero when that call found no
/// body.
void turned_position_descriptor(const BedImage& image, double turn_deg,
                                Eigen::Ref<Eigen::VectorXf> out, DescriptorScratch& scratch);

/// The descriptor of the left-right mirrored body (a person on the left side becomes one on the
/// right side): columns reversed within each descriptor row.
[[nodiscard]] Eigen::VectorXf mirrored_descriptor(const Eigen::VectorXf& descriptor);

}  // namespace pmap::posture::detail
