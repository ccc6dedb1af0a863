#pragma once
// Transforms between a mat's own taxel order and the canonical orientation
// (docs/protocol.md, "Canonical layout").
#include "pmap/frame.hpp"
#include "pmap/mat_descriptor.hpp"

namespace pmap {

/// Reorders a frame as received from a mat with `layout` into the canonical orientation:
/// row 0 at the head (bed) / back edge (chair), column 0 under the person's right side.
/// Turned-round mats (first_row = far) are rotated 180°; mirrored mats have columns flipped.
[[nodiscard]] PressureFrame to_canonical(const PressureFrame& frame, const MatLayout& layout);

/// The inverse: what a mat with `layout` sends for a canonical image (used by the simulator).
[[nodiscard]] PressureFrame from_canonical(const PressureFrame& canonical, const MatLayout& layout);

/// Maps a canonical (row, col) to the mat's own (row, col) for a rows x cols mat.
struct TaxelIndex {
  std::size_t row;
  std::size_t col;
  friend bool operator==(const TaxelIndex&, const TaxelIndex&) = default;
};
[[nodiscard]] TaxelIndex canonical_to_mat(TaxelIndex canonical, std::size_t rows, std::size_t cols,
                                          const MatLayout& layout);

}  // namespace pmap
