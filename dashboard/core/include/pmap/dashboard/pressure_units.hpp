#pragma once
// Pressure units of the legend, and the linear count -> mmHg conversion a mat's `meta` allows
// (`nominal_full_scale_mmhg`; docs/protocol.md §3). Without it the heatmap shows raw counts.
#include <optional>
#include <string>
#include <string_view>

#include "pmap/mat_descriptor.hpp"

namespace pmap::dashboard {

enum class PressureUnit { kMmHg, kKPa };

inline constexpr double kKPaPerMmHg = 0.133322387415;

[[nodiscard]] std::string_view unit_label(PressureUnit unit);
[[nodiscard]] std::optional<PressureUnit> unit_from_string(std::string_view text);
[[nodiscard]] double from_mmhg(double mmhg, PressureUnit unit);

/// mmHg per raw count for a mat, or nullopt when its meta states no nominal full scale.
[[nodiscard]] std::optional<double> mmhg_per_count(const MatDescriptor& mat);

/// A "nice" upper end for a legend in the unit (1, 2, 2.5, 5 x 10^n at or above `value`).
[[nodiscard]] double nice_ceiling(double value);

}  // namespace pmap::dashboard
