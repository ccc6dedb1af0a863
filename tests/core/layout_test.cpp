#include "pmap/layout.hpp"

#include <gtest/gtest.h>

namespace pmap {
namespace {

PressureFrame numbered(std::uint16_t rows, std::uint16_t cols) {
  PressureFrame f;
  f.rows = rows;
  f.cols = cols;
  for (std::size_t i = 0; i < f.taxel_count(); ++i)
    f.values.push_back(static_cast<std::uint16_t>(i));
  return f;
}

TEST(Layout, CanonicalMatIsUnchanged) {
  const auto f = numbered(4, 3);
  EXPECT_EQ(to_canonical(f, {}), f);
}

TEST(Layout, TurnedRoundIsA180DegreeRotationNotAMirror) {
  const auto f = numbered(4, 3);
  const auto c = to_canonical(f, {RowOrigin::kFar, false});
  // The mat's last taxel (its foot end, its left column) is canonical (0, 0).
  EXPECT_EQ(c.at(0, 0), f.at(3, 2));
  EXPECT_EQ(c.at(3, 2), f.at(0, 0));
  EXPECT_EQ(c.at(0, 2), f.at(3, 0));
  EXPECT_EQ(c.at(1, 1), f.at(2, 1));
}

TEST(Layout, MirroredFlipsColumnsOnly) {
  const auto f = numbered(4, 3);
  const auto c = to_canonical(f, {RowOrigin::kNear, true});
  EXPECT_EQ(c.at(0, 0), f.at(0, 2));
  EXPECT_EQ(c.at(3, 0), f.at(3, 2));
}

TEST(Layout, TurnedRoundMirroredFlipsRowsOnly) {
  // PMD experiment-ii: a mirrored model lying the other way round.
  const auto f = numbered(4, 3);
  const auto c = to_canonical(f, {RowOrigin::kFar, true});
  EXPECT_EQ(c.at(0, 0), f.at(3, 0));
  EXPECT_EQ(c.at(0, 2), f.at(3, 2));
}

TEST(Layout, FromCanonicalInvertsToCanonical) {
  const auto f = numbered(7, 5);
  for (auto first : {RowOrigin::kNear, RowOrigin::kFar}) {
    for (bool mirrored : {false, true}) {
      const MatLayout l{first, mirrored};
      EXPECT_EQ(from_canonical(to_canonical(f, l), l), f);
      EXPECT_EQ(to_canonical(from_canonical(f, l), l), f);
    }
  }
}

TEST(Layout, IndexMapAgreesWithFrameTransform) {
  const auto f = numbered(5, 4);
  const MatLayout l{RowOrigin::kFar, true};
  const auto c = to_canonical(f, l);
  for (std::size_t r = 0; r < 5; ++r) {
    for (std::size_t col = 0; col < 4; ++col) {
      const auto m = canonical_to_mat({r, col}, 5, 4, l);
      EXPECT_EQ(c.at(r, col), f.at(m.row, m.col));
    }
  }
}

}  // namespace
}  // namespace pmap
