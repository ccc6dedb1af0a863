#pragma once
// Shared by the posture-engine fuzz targets (bed_engine, chair_engine): a canonical pressure frame
// and its mat descriptor decoded from fuzz input. The engines take frames after the gateway's
// checks and calibration, which can still hand them any shape the protocol allows, odd pitches,
// negative values (a calibration's zero above the reading) and, from a buggy stage, non-finite
// ones; this lets the fuzzer reach all of those.
//
// Input layout (docs/fuzzing.md, "bed_engine"):
//   byte 0    rows = 1 + byte % 128             byte 1  cols = 1 + byte % 128
//   byte 2    row pitch (low 4 bits) and column pitch (high 4 bits), codes into kPitches (the
//             protocol allows 1-200 mm; among the others 1e-300 and 1e300 mm)
//   byte 3    flags: bits 0-1 head end (0/3 auto, 1 first row, 2 last row), bit 2 keep the
//             baseline (the ablation option), bit 3 declare one row more than the frame has,
//             bit 4 declare the other kind of mat
//   byte 4    value scale (low 3 bits, into kScales); bit 3 adds a raw baseline of 40 counts
//   the rest  little-endian 16-bit values, repeated to fill rows x cols (none: all zero);
//             0xFFFF NaN, 0xFFFE +inf, 0xFFFD -inf, 0xFFFC FLT_MAX, 0xFFFB -FLT_MAX,
//             0xFFFA the smallest denormal; any other value v is v x scale (+ baseline)
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>

#include <Eigen/Core>

#include "pmap/limits.hpp"
#include "pmap/mat_descriptor.hpp"

namespace pmap::fuzz {

inline constexpr std::size_t kPressureFrameHeader = 5;

struct FuzzPressureFrame {
  Eigen::MatrixXf canonical;
  MatDescriptor mat;
  int head_option = 0;  ///< 0 auto, 1 first row, 2 last row
  bool keep_baseline = false;
  bool all_finite = true;
};

/// Nullopt when the input is shorter than the header.
inline std::optional<FuzzPressureFrame> decode_pressure_frame(const std::uint8_t* data,
                                                              std::size_t size, MatKind kind) {
  if (size < kPressureFrameHeader) return std::nullopt;
  constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
  constexpr double kInf = std::numeric_limits<double>::infinity();
  static constexpr std::array<double, 16> kPitches = {25.4, 10.0, 1.0,    200.0, 50.0, 15.875,
                                                      12.7, 5.0,  0.0,    -1.0,  kNan, kInf,
                                                      1e-9, 1e6,  1e-300, 1e300};
  static constexpr std::array<float, 8> kScales = {1.0F, 0.01F, 100.0F,    1e-6F,
                                                   1e6F, -1.0F, 1.0F / 64, 4095.0F / 65535};
  FuzzPressureFrame out;
  const int rows = 1 + data[0] % 128;
  const int cols = 1 + data[1] % 128;
  const std::uint8_t flags = data[3];
  out.head_option = (flags & 3) == 3 ? 0 : flags & 3;
  out.keep_baseline = (flags & 4) != 0;
  out.mat.id = "mat-1";
  out.mat.kind =
      (flags & 16) != 0 ? (kind == MatKind::kBed ? MatKind::kChair : MatKind::kBed) : kind;
  out.mat.rows = static_cast<std::uint16_t>(rows + ((flags & 8) != 0 ? 1 : 0));
  out.mat.cols = static_cast<std::uint16_t>(cols);
  out.mat.row_pitch_mm = kPitches[data[2] & 15];
  out.mat.col_pitch_mm = kPitches[data[2] >> 4];
  out.mat.sample_rate_hz = 1;
  const float scale = kScales[data[4] & 7];
  const float baseline = (data[4] & 8) != 0 ? 40.0F : 0.0F;

  out.canonical.setZero(rows, cols);
  const std::size_t value_bytes = (size - kPressureFrameHeader) / 2 * 2;
  if (value_bytes == 0) return out;
  const std::uint8_t* values = data + kPressureFrameHeader;
  const std::size_t count = value_bytes / 2;
  for (Eigen::Index i = 0; i < out.canonical.size(); ++i) {
    const std::size_t at = static_cast<std::size_t>(i) % count * 2;
    const auto raw = static_cast<std::uint16_t>(values[at] | values[at + 1] << 8);
    float v = 0;
    switch (raw) {
      case 0xFFFF:
        v = std::numeric_limits<float>::quiet_NaN();
        break;
      case 0xFFFE:
        v = std::numeric_limits<float>::infinity();
        break;
      case 0xFFFD:
        v = -std::numeric_limits<float>::infinity();
        break;
      case 0xFFFC:
        v = std::numeric_limits<float>::max();
        break;
      case 0xFFFB:
        v = -std::numeric_limits<float>::max();
        break;
      case 0xFFFA:
        v = std::numeric_limits<float>::denorm_min();
        break;
      default:
        v = static_cast<float>(raw) * scale + baseline;
    }
    out.all_finite = out.all_finite && std::isfinite(v);
    out.canonical.data()[i] = v;
  }
  return out;
}

/// Whether `v` is a number within [lo, hi] (the engines' range invariants).
inline bool finite_in(double v, double lo, double hi) {
  return std::isfinite(v) && v >= lo && v <= hi;
}

/// Whether the descriptor's pitches are within the protocol's 1-200 mm (pmap/limits.hpp).
inline bool pitches_valid(const MatDescriptor& mat) {
  return mat.row_pitch_mm >= kMinPitchMm && mat.row_pitch_mm <= kMaxPitchMm &&
         mat.col_pitch_mm >= kMinPitchMm && mat.col_pitch_mm <= kMaxPitchMm;
}

}  // namespace pmap::fuzz
