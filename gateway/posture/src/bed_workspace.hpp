#pragma once
// Internal: everything one bed frame needs besides its result, kept from frame to frame by
// BedAnalyzer (and made afresh by the free functions), so that a frame of a shape already seen
// allocates nothing. The stages (bed_image.cpp, bed_features.cpp, knee_support.cpp) read and write
// it; see docs/performance.md for why each piece exists.
#include <cstdint>
#include <optional>
#include <vector>

#include <Eigen/Core>

#include "bed_image.hpp"
#include "pmap/posture/bed_model.hpp"
#include "pmap/posture/knee_support.hpp"
#include "position_descriptor.hpp"

namespace pmap::posture::detail {

/// A horizontal stretch of contact: columns [begin, end] of one row.
struct ContactRun {
  int row = 0;
  int begin = 0;
  int end = 0;             ///< inclusive
  int region = 0;          ///< union-find parent while labelling
  double load = 0;         ///< sum of the run's normalised values
  int region_taxels = 0;   ///< at a region's root run: the region's taxel count
  double region_load = 0;  ///< at a region's root run: the region's load
  bool removed = false;    ///< part of a region too small to be a body part
};

/// Per-row summaries of a body image (see RowProfile in bed_features.hpp for the meaning).
struct RowSummary {
  Eigen::VectorXd load;       ///< sum of normalised values in the row
  Eigen::VectorXd contact;    ///< taxels in contact in the row
  Eigen::VectorXd runs;       ///< separate stretches of contact in the row
  Eigen::VectorXd first_col;  ///< first column in contact (-1 when none)
  Eigen::VectorXd last_col;   ///< last column in contact (-1 when none)
  Eigen::VectorXd strong;     ///< taxels of at least half the robust peak
  Eigen::VectorXd moment;     ///< sum of normalised value x column index, per row

  void resize(Eigen::Index rows) {
    for (Eigen::VectorXd* v : {&load, &contact, &runs, &first_col, &last_col, &strong, &moment})
      v->resize(rows);
  }
  void clear() {
    for (Eigen::VectorXd* v : {&load, &contact, &runs, &strong, &moment}) v->setZero();
    first_col.setConstant(-1);
    last_col.setConstant(-1);
  }
};

/// A local maximum of the smoothed head-up image (knee analysis).
struct KneePeak {
  Eigen::Index row;
  Eigen::Index col;
  double value;
  Eigen::Vector2d centroid_mm;  ///< load-weighted over the 3x3 neighbourhood (sub-taxel)
};

struct BedWorkspace {
  Eigen::Index rows = 0;
  Eigen::Index cols = 0;
  BedImage image;               ///< the frame's body image (image.body: rows x cols)
  Eigen::MatrixXd turned;       ///< the body turned by 180°, when the head is at the last row
  Eigen::MatrixXd normalised;   ///< value above baseline / robust peak, before the contact mask
  std::vector<float> values;    ///< the frame's values, for the percentile selections
  std::vector<float> selected;  ///< the candidates of two selections (2 n)
  std::vector<std::int32_t> bucket_index;  ///< a selection's bucket per candidate
  std::vector<ContactRun> runs;            ///< contact runs, row by row (regions of the body image)
  RowSummary body_rows;                    ///< of image.body
  RowSummary head_up_rows;                 ///< of the head-up image (image.body or turned)
  Eigen::VectorXd smooth_rows;             ///< a smoothed row profile
  Eigen::VectorXd col_load;                ///< column sums of the head-up image
  Eigen::MatrixXd knee_smooth;             ///< knee analysis: the 3x3-smoothed head-up image
  std::vector<KneePeak> knee_peaks;        ///< knee analysis: candidate knee contacts
  Eigen::VectorXf descriptor;              ///< the position descriptor
  DescriptorScratch descriptor_scratch;    ///< the descriptor's buffers
  Eigen::VectorXf kernel;                  ///< the position classifier's kernel values

  /// Sizes every buffer for rows x cols frames (nothing happens when they already fit).
  void prepare(Eigen::Index r, Eigen::Index c) {
    if (r == rows && c == cols) return;
    rows = r;
    cols = c;
    const auto n = static_cast<std::size_t>(r * c);
    image.body.resize(r, c);
    turned.resize(r, c);
    normalised.resize(r, c);
    values.resize(n);
    selected.resize(2 * n);
    bucket_index.resize(n);
    runs.reserve(static_cast<std::size_t>(r * ((c + 1) / 2)));
    body_rows.resize(r);
    head_up_rows.resize(r);
    smooth_rows.resize(r);
    col_load.resize(c);
    knee_smooth.resize(r, c);
    knee_peaks.reserve(n);
    descriptor.resize(kPositionDescriptorSize);
    // descriptor_scratch sizes itself: it also needs the pitches.
  }
};

/// Row summaries of `image` (the body image, or with `turned` the body image turned by 180°) from
/// the body's contact runs, visiting only the taxels in contact (the loads are Eigen's row sums).
void summarise_rows(const Eigen::MatrixXd& image, const std::vector<ContactRun>& runs, bool turned,
                    RowSummary& out);

/// First and last row holding any contact; nullopt for an empty image.
[[nodiscard]] std::optional<RowExtent> contact_row_extent(const RowSummary& rows);

/// The head-up image of the frame prepared in `ws` when the head is at `end`: the body image
/// itself or (head at the last row) ws.turned. Fills ws.head_up_rows and ws.col_load for it.
const Eigen::MatrixXd& head_up_image(BedWorkspace& ws, HeadEnd end);

/// The engine's answer for the frame prepared in `ws` (prepare_bed_image); leaves the head-up image
/// of the reported head end, its row summaries and column sums in `ws`.
[[nodiscard]] BedPosture estimate_posture(BedWorkspace& ws, const BedModel& model,
                                          const BedAnalysisOptions& options);

/// The knee analysis for `posture` (which must come from this frame) on the head-up image of the
/// frame prepared in `ws` (head_up_image for posture.head_end).
[[nodiscard]] KneeSupportResult analyze_knees(const Eigen::MatrixXd& head_up,
                                              const BedPosture& posture,
                                              const KneeSupportModel& model, BedWorkspace& ws);

}  // namespace pmap::posture::detail
