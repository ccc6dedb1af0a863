#include "pmap/dashboard/pressure_units.hpp"

#include <cmath>

namespace pmap::dashboard {

std::string_view unit_label(PressureUnit unit) {
  return unit == PressureUnit::kKPa ? "kPa" : "mmHg";
}

std::optional<PressureUnit> unit_from_string(std::string_view text) {
  if (text == "mmHg" || text == "mmhg") return PressureUnit::kMmHg;
  if (text == "kPa" || text == "kpa") return PressureUnit::kKPa;
  return std::nullopt;
}

double from_mmhg(double mmhg, PressureUnit unit) {
  return unit == PressureUnit::kKPa ? mmhg * kKPaPerMmHg : mmhg;
}

std::optional<double> mmhg_per_count(const MatDescriptor& mat) {
  if (!mat.nominal_full_scale_mmhg || mat.full_scale_counts == 0) return std::nullopt;
  return *mat.nominal_full_scale_mmhg / mat.full_scale_counts;
}

double nice_ceiling(double value) {
  if (!(value > 0.0) || !std::isfinite(value)) return 1.0;
  const double decade = std::pow(10.0, std::floor(std::log10(value)));
  for (const double step : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (step * decade >= value * (1.0 - 1e-9)) return step * decade;
  }
  return 10.0 * decade;
}

}  // namespace pmap::dashboard
