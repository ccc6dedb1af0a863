#pragma once
// The pressure frame: one reading of every taxel of a mat at one instant.
#include <cstdint>
#include <span>
#include <vector>

namespace pmap {

/// How taxel values travel on the wire.
enum class TaxelEncoding : std::uint8_t {
  kUint16 = 1,  ///< little-endian uint16 per taxel
  kUint8 = 2,   ///< one byte per taxel (cheap 8-bit ADC mats)
};

/// One frame of raw taxel readings, row-major (`values[row * cols + col]`).
///
/// Values are whatever the mat's ADC produced (counts), not pressure: conversion to pressure is
/// the calibration stage's job. Orientation is the mat's own until `to_canonical` is applied.
struct PressureFrame {
  std::uint32_t sequence = 0;     ///< per-mat counter, +1 per frame, wraps at 2^32
  std::int64_t timestamp_us = 0;  ///< capture time, microseconds since the Unix epoch (UTC)
  std::uint16_t rows = 0;
  std::uint16_t cols = 0;
  TaxelEncoding encoding = TaxelEncoding::kUint16;
  std::vector<std::uint16_t> values;  ///< rows * cols readings, row-major

  [[nodiscard]] std::size_t taxel_count() const { return std::size_t{rows} * cols; }
  [[nodiscard]] std::uint16_t at(std::size_t row, std::size_t col) const {
    return values[row * cols + col];
  }
  [[nodiscard]] std::uint16_t& at(std::size_t row, std::size_t col) {
    return values[row * cols + col];
  }
  /// True when the value vector matches the declared shape and encoding range.
  [[nodiscard]] bool well_formed() const;

  friend bool operator==(const PressureFrame&, const PressureFrame&) = default;
};

}  // namespace pmap
