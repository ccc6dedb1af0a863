#pragma once
// Calibrations made in code for the gateway tests (tests write them with save_calibration and
// point the pipeline's calibration_dir at them).
#include <cstdint>
#include <string>
#include <vector>

#include "pmap/calibration/mat_calibration.hpp"

namespace pmap::test {

/// Piecewise-linear calibration of a rows x cols mat in its own taxel order: every taxel reads
/// `offset` at 0 mmHg and offset + gain × {150, 350, 650} counts at {20, 50, 100} mmHg; the gain
/// of taxel i is gains[i] when given, else 1. With `branches`, loading/unloading branches 5 % of
/// the span below/above the midline (loading reads less) (the applier then follows hysteresis).
inline calibration::MatCalibration make_calibration(const std::string& mat_id, std::uint16_t rows,
                                                    std::uint16_t cols,
                                                    const std::vector<float>& gains = {},
                                                    bool branches = false, float offset = 45.0f,
                                                    double full_scale = 1000) {
  calibration::MatCalibration c;
  c.mat_id = mat_id;
  c.mat_serial = "TEST-1";
  c.rows = rows;
  c.cols = cols;
  c.full_scale_counts = full_scale;
  c.created_utc = "2023-11-01T00:00:00Z";
  c.source = "made in code (tests)";
  c.family = calibration::CurveFamily::kPiecewiseLinear;
  c.family_reason = "test";
  c.knot_mmhg = {20, 50, 100};
  const std::size_t n = c.taxel_count();
  const float span[3] = {150, 350, 650};
  c.offset_counts.assign(n, offset);
  c.noise_counts.assign(n, 1.5f);
  c.status.assign(n, calibration::TaxelStatus::kOk);
  for (std::size_t i = 0; i < n; ++i) {
    const float g = gains.empty() ? 1.0f : gains[i];
    for (const float s : span) {
      c.knot_counts.push_back(offset + g * s);
      if (branches) {
        // A piezoresistive taxel reads less while the load rises than when it falls.
        c.loading_knot_counts.push_back(offset + g * s * 0.95f);
        c.unloading_knot_counts.push_back(offset + g * s * 1.05f);
      }
    }
    // The session turned at its top level, where unloading began.
    if (branches) c.loop_peak_counts.push_back(offset + g * span[2] * 1.05f);
  }
  return c;
}

}  // namespace pmap::test
