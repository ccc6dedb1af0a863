#pragma once
// Hard limits of wire protocol v1 (docs/protocol.md, "Limits"). Anything beyond is rejected
// before any allocation proportional to the claimed size is made.
#include <cstddef>
#include <cstdint>

namespace pmap {

inline constexpr std::uint16_t kMaxRows = 256;
inline constexpr std::uint16_t kMaxCols = 256;
inline constexpr std::size_t kMaxTaxels = 16384;  // rows * cols, e.g. 128 x 128
inline constexpr std::size_t kBinaryHeaderSize = 24;
inline constexpr std::size_t kCrcSize = 4;
/// Largest valid binary frame: header + kMaxTaxels uint16 values + CRC.
inline constexpr std::size_t kMaxBinaryFrameBytes = kBinaryHeaderSize + kMaxTaxels * 2 + kCrcSize;
/// Largest accepted JSON frame (a 128x128 frame of 5-digit numbers with separators fits).
inline constexpr std::size_t kMaxJsonFrameBytes = 128 * 1024;
/// Largest accepted `meta` document.
inline constexpr std::size_t kMaxMetaBytes = 8 * 1024;
/// Taxel pitch (centre-to-centre, each direction), mm. The posture engines refuse a mat outside
/// it too: their areas and positions are products and quotients of pitches, which overflow or
/// leave the integers' range for absurd ones (a 1e300 mm pitch, found by fuzzing).
inline constexpr double kMinPitchMm = 1.0;
inline constexpr double kMaxPitchMm = 200.0;
/// Mat identifiers: 1..64 characters of [A-Za-z0-9_-].
inline constexpr std::size_t kMaxMatIdLength = 64;

}  // namespace pmap
