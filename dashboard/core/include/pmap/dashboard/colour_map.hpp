#pragma once
// The heatmap's colour map: dark blue -> grey -> yellow along a straight line in CIELAB, so the
// lightness rises evenly with pressure and the hues stay apart for red-green colour blindness
// (the idea of cividis, computed here from the colour science rather than copied as a table).
#include <array>
#include <cstdint>

namespace pmap::dashboard {

struct Rgb {
  std::uint8_t r = 0, g = 0, b = 0;
  friend bool operator==(const Rgb&, const Rgb&) = default;
};

/// Colour for t in [0, 1] (clamped; NaN maps to 0). Computed on each call: use `ColourTable` in
/// loops.
[[nodiscard]] Rgb colour_at(double t);

/// CIELAB lightness L* (0..100) of an sRGB colour: used by the tests to check the ramp is even.
[[nodiscard]] double lightness_of(Rgb colour);

/// 256 precomputed entries of `colour_at`, as 0xAARRGGBB (opaque) for a QImage::Format_RGB32.
class ColourTable {
 public:
  ColourTable();
  [[nodiscard]] std::uint32_t argb(std::uint8_t index) const { return table_[index]; }
  /// t in [0, 1] (clamped) to the nearest of the 256 entries.
  [[nodiscard]] std::uint32_t argb_at(double t) const;

 private:
  std::array<std::uint32_t, 256> table_{};
};

}  // namespace pmap::dashboard
