#include "pmap/layout.hpp"

namespace pmap {

// Canonical -> mat: a turned-round mat (row 0 at the far end) is the canonical image rotated by
// 180°, so both axes flip; a mirrored mat additionally flips its columns. Both operations are
// involutions and commute, so the same index map serves both directions.
TaxelIndex canonical_to_mat(TaxelIndex canonical, std::size_t rows, std::size_t cols,
                            const MatLayout& layout) {
  TaxelIndex out = canonical;
  if (layout.first_row == RowOrigin::kFar) {
    out.row = rows - 1 - out.row;
    out.col = cols - 1 - out.col;
  }
  if (layout.mirrored) out.col = cols - 1 - out.col;
  return out;
}

namespace {
PressureFrame remap(const PressureFrame& in, const MatLayout& layout) {
  if (layout == MatLayout{}) return in;
  PressureFrame out = in;
  for (std::size_t r = 0; r < in.rows; ++r) {
    for (std::size_t c = 0; c < in.cols; ++c) {
      const TaxelIndex src = canonical_to_mat({r, c}, in.rows, in.cols, layout);
      out.at(r, c) = in.at(src.row, src.col);
    }
  }
  return out;
}
}  // namespace

PressureFrame to_canonical(const PressureFrame& frame, const MatLayout& layout) {
  return remap(frame, layout);
}

PressureFrame from_canonical(const PressureFrame& canonical, const MatLayout& layout) {
  return remap(canonical, layout);
}

}  // namespace pmap
