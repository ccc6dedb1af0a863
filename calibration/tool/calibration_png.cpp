#include "calibration_png.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include <png.h>

namespace pmap::calibration {
namespace {

using Rgb = std::array<std::uint8_t, 3>;

std::uint8_t byte(double v) {
  return static_cast<std::uint8_t>(std::clamp(v, 0.0, 1.0) * 255.0 + 0.5);
}

double quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  const auto k = static_cast<std::size_t>(q * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

}  // namespace

std::string write_calibration_png(const MatCalibration& c, const std::filesystem::path& path) {
  const std::size_t n = c.taxel_count();
  if (n == 0 || c.offset_counts.size() != n || c.status.size() != n) {
    return "the calibration has no taxels to draw";
  }
  // Each taxel a square of `scale` pixels; the map about 512 pixels tall.
  const std::size_t scale = std::clamp<std::size_t>(512 / c.rows, 1, 32);
  const std::size_t gap = scale;
  const std::size_t panel_width = c.cols * scale;
  const std::size_t width = 3 * panel_width + 2 * gap;
  const std::size_t height = c.rows * scale;
  std::vector<std::uint8_t> pixels(width * height * 3, 255);

  std::vector<double> offsets;
  std::vector<double> gains(n, 0.0);
  std::vector<double> working_gains;
  const std::size_t m = c.knots();
  for (std::size_t i = 0; i < n; ++i) {
    if (c.status[i] != TaxelStatus::kOk) continue;
    offsets.push_back(c.offset_counts[i]);
    if (m > 0) {
      const std::size_t mid = m / 2;
      gains[i] = (c.knot_counts[i * m + mid] - c.offset_counts[i]) / c.knot_mmhg[mid];
      working_gains.push_back(gains[i]);
    }
  }
  const double lowest = quantile(offsets, 0.0);
  const double highest = quantile(offsets, 1.0);
  const double median_gain = quantile(working_gains, 0.5);

  const auto paint = [&](std::size_t panel, std::size_t taxel, Rgb colour) {
    const std::size_t row = taxel / c.cols;
    const std::size_t col = taxel % c.cols;
    const std::size_t x0 = panel * (panel_width + gap) + col * scale;
    for (std::size_t y = row * scale; y < (row + 1) * scale; ++y) {
      for (std::size_t x = x0; x < x0 + scale; ++x) {
        std::copy(colour.begin(), colour.end(),
                  pixels.begin() + static_cast<std::ptrdiff_t>((y * width + x) * 3));
      }
    }
  };
  for (std::size_t i = 0; i < n; ++i) {
    const bool ok = c.status[i] == TaxelStatus::kOk;
    const double level =
        highest > lowest ? (c.offset_counts[i] - lowest) / (highest - lowest) : 0.5;
    paint(0, i, ok ? Rgb{byte(level), byte(level), byte(level)} : Rgb{255, 0, 255});
    if (!ok || m == 0 || median_gain <= 0) {
      paint(1, i, Rgb{200, 200, 200});
    } else {
      // −30 % … +30 % → blue … white … red.
      const double t = std::clamp((gains[i] / median_gain - 1.0) / 0.3, -1.0, 1.0);
      paint(1, i, t < 0 ? Rgb{byte(1 + t), byte(1 + t), 255} : Rgb{255, byte(1 - t), byte(1 - t)});
    }
    paint(2, i,
          c.status[i] == TaxelStatus::kDead    ? Rgb{0, 0, 0}
          : c.status[i] == TaxelStatus::kStuck ? Rgb{255, 0, 255}
                                               : Rgb{200, 200, 200});
  }

  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  image.width = static_cast<png_uint_32>(width);
  image.height = static_cast<png_uint_32>(height);
  image.format = PNG_FORMAT_RGB;
  if (png_image_write_to_file(&image, path.c_str(), 0, pixels.data(), 0, nullptr) == 0) {
    const std::string message = path.string() + ": " + image.message;
    png_image_free(&image);
    return message;
  }
  return {};
}

}  // namespace pmap::calibration
