#pragma once
// Conditioning stage (docs/gateway.md, "Conditioning" and "Calibration"), one class per header:
//   taxel_image.hpp            TaxelImage, to_image
//   conditioned_frame.hpp      ConditionedFrame: what the features stage and the engines get
//   canonical_calibration.hpp  CanonicalCalibration: a mat's calibration file, checked against
//                              its meta, in canonical order, compiled into an applier
//   calibrated_pressure.hpp    CalibratedPressure: one mat's use of it (hysteresis, zero shift)
//   mat_conditioner.hpp        MatConditioner: floor (zero tracking), noise gate, pressure
//   calibration_directory.hpp  CalibrationDirectory: `<calibration_dir>/<mat id>.json`
#include "pmap/calibrated_pressure.hpp"
#include "pmap/calibration_directory.hpp"
#include "pmap/canonical_calibration.hpp"
#include "pmap/conditioned_frame.hpp"
#include "pmap/mat_conditioner.hpp"
#include "pmap/taxel_image.hpp"
