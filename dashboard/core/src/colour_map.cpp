#include "pmap/dashboard/colour_map.hpp"

#include <algorithm>
#include <cmath>

namespace pmap::dashboard {
namespace {

struct Lab {
  double l, a, b;
};

// The two ends of the ramp in CIELAB (D65). Both ends and the straight line between them lie
// inside the sRGB gamut (tested), so nothing is clipped and the lightness stays linear.
constexpr Lab kLow{16.0, 24.0, -46.0};   // dark navy
constexpr Lab kHigh{92.0, -16.0, 80.0};  // light yellow

// D65 white point, XYZ scaled to Y = 1.
constexpr double kXn = 0.95047, kYn = 1.0, kZn = 1.08883;

double lab_f_inverse(double t) {
  constexpr double delta = 6.0 / 29.0;
  return t > delta ? t * t * t : 3.0 * delta * delta * (t - 4.0 / 29.0);
}

double lab_f(double t) {
  constexpr double delta = 6.0 / 29.0;
  return t > delta * delta * delta ? std::cbrt(t) : t / (3.0 * delta * delta) + 4.0 / 29.0;
}

double srgb_encode(double linear) {
  linear = std::clamp(linear, 0.0, 1.0);
  return linear <= 0.0031308 ? 12.92 * linear : 1.055 * std::pow(linear, 1.0 / 2.4) - 0.055;
}

double srgb_decode(double encoded) {
  return encoded <= 0.04045 ? encoded / 12.92 : std::pow((encoded + 0.055) / 1.055, 2.4);
}

std::uint8_t to_byte(double unit) {
  return static_cast<std::uint8_t>(std::lround(std::clamp(unit, 0.0, 1.0) * 255.0));
}

}  // namespace

Rgb colour_at(double t) {
  if (!(t >= 0.0)) t = 0.0;  // also NaN
  t = std::min(t, 1.0);
  const Lab lab{kLow.l + (kHigh.l - kLow.l) * t, kLow.a + (kHigh.a - kLow.a) * t,
                kLow.b + (kHigh.b - kLow.b) * t};
  const double fy = (lab.l + 16.0) / 116.0;
  const double x = kXn * lab_f_inverse(fy + lab.a / 500.0);
  const double y = kYn * lab_f_inverse(fy);
  const double z = kZn * lab_f_inverse(fy - lab.b / 200.0);
  const double r = 3.2404542 * x - 1.5371385 * y - 0.4985314 * z;
  const double g = -0.9692660 * x + 1.8760108 * y + 0.0415560 * z;
  const double b = 0.0556434 * x - 0.2040259 * y + 1.0572252 * z;
  return Rgb{to_byte(srgb_encode(r)), to_byte(srgb_encode(g)), to_byte(srgb_encode(b))};
}

double lightness_of(Rgb colour) {
  const double r = srgb_decode(colour.r / 255.0);
  const double g = srgb_decode(colour.g / 255.0);
  const double b = srgb_decode(colour.b / 255.0);
  const double y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b;
  return 116.0 * lab_f(y / kYn) - 16.0;
}

ColourTable::ColourTable() {
  for (std::size_t i = 0; i < table_.size(); ++i) {
    const Rgb c = colour_at(static_cast<double>(i) / 255.0);
    table_[i] = 0xFF000000u | (std::uint32_t{c.r} << 16) | (std::uint32_t{c.g} << 8) | c.b;
  }
}

std::uint32_t ColourTable::argb_at(double t) const {
  if (!(t >= 0.0)) t = 0.0;
  t = std::min(t, 1.0);
  return table_[static_cast<std::size_t>(std::lround(t * 255.0))];
}

}  // namespace pmap::dashboard
