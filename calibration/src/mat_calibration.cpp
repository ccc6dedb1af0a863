#include "pmap/calibration/mat_calibration.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "pmap/layout.hpp"

namespace pmap::calibration {

std::string_view to_string(TaxelStatus status) {
  switch (status) {
    case TaxelStatus::kOk:
      return "ok";
    case TaxelStatus::kDead:
      return "dead";
    case TaxelStatus::kStuck:
      return "stuck";
  }
  return "ok";
}

std::string_view to_string(CurveFamily family) {
  switch (family) {
    case CurveFamily::kNone:
      return "none";
    case CurveFamily::kPiecewiseLinear:
      return "piecewise_linear";
    case CurveFamily::kMonotoneCubic:
      return "monotone_cubic";
    case CurveFamily::kPowerLaw:
      return "power_law";
    case CurveFamily::kSharedShape:
      return "shared_shape";
  }
  return "none";
}

std::optional<CurveFamily> curve_family_from_string(std::string_view text) {
  for (const auto f :
       {CurveFamily::kNone, CurveFamily::kPiecewiseLinear, CurveFamily::kMonotoneCubic,
        CurveFamily::kPowerLaw, CurveFamily::kSharedShape}) {
    if (to_string(f) == text) return f;
  }
  return std::nullopt;
}

std::size_t MatCalibration::count(TaxelStatus s) const {
  return static_cast<std::size_t>(std::count(status.begin(), status.end(), s));
}

namespace {

template <typename... Args>
std::string cat(const Args&... args) {
  std::ostringstream out;
  (out << ... << args);
  return out.str();
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  const auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  return *mid;
}

}  // namespace

std::optional<std::string> validate(const MatCalibration& c, const AcceptanceLimits& limits) {
  if (c.version < kOldestCalibrationFormatVersion || c.version > kCalibrationFormatVersion) {
    return cat("unsupported calibration format version ", c.version, " (this build reads ",
               kOldestCalibrationFormatVersion, " to ", kCalibrationFormatVersion, ")");
  }
  if (!is_valid_mat_id(c.mat_id)) return cat("invalid mat id '", c.mat_id, "'");
  if (c.rows == 0 || c.cols == 0) return std::string("rows and cols must be at least 1");
  if (!std::isfinite(c.full_scale_counts) || c.full_scale_counts < 1 ||
      c.full_scale_counts > 65535) {
    return cat("full_scale_counts ", c.full_scale_counts, " is outside 1..65535");
  }
  if (c.units != "mmHg") return cat("units '", c.units, "': only mmHg is supported");
  if (!std::isfinite(c.noise_fraction) || c.noise_fraction < 0 || c.noise_fraction > 1) {
    return cat("noise_fraction ", c.noise_fraction, " is outside 0..1");
  }
  const std::size_t n = c.taxel_count();
  const std::size_t m = c.knots();
  if (c.offset_counts.size() != n || c.noise_counts.size() != n || c.status.size() != n) {
    return cat("wrong dimensions: ", c.rows, " x ", c.cols, " = ", n, " taxels but ",
               c.offset_counts.size(), " offsets, ", c.noise_counts.size(), " noise values and ",
               c.status.size(), " status values");
  }
  if (c.family == CurveFamily::kNone) {
    if (m != 0 || !c.knot_counts.empty()) return std::string("a zero-only calibration has knots");
    if (c.creep) return std::string("a zero-only calibration has a creep model");
  } else {
    if (m == 0) return std::string("no curve knots");
    if (c.knot_counts.size() != n * m) {
      return cat("wrong dimensions: ", n, " taxels x ", m, " knots but ", c.knot_counts.size(),
                 " knot readings");
    }
    if (c.loading_knot_counts.size() != c.unloading_knot_counts.size() ||
        (!c.loading_knot_counts.empty() && c.loading_knot_counts.size() != n * m)) {
      return cat("wrong dimensions: loading and unloading branches need ", n * m,
                 " knot readings each, not ", c.loading_knot_counts.size(), " and ",
                 c.unloading_knot_counts.size());
    }
    if (c.loop_peak_counts.size() != (c.loading_knot_counts.empty() ? 0 : n)) {
      return cat("wrong dimensions: ", c.loop_peak_counts.size(), " loop peaks for ", n,
                 " taxels with loading and unloading branches");
    }
    if (!c.fit_rms_mmhg.empty() && c.fit_rms_mmhg.size() != n) {
      return cat("wrong dimensions: ", c.fit_rms_mmhg.size(), " fit errors for ", n, " taxels");
    }
    if (c.creep) {
      if (c.version < 2) return std::string("a version 1 calibration cannot have a creep model");
      if (!std::isfinite(c.creep->tau_s) || c.creep->tau_s <= 0 || c.creep->tau_s > 1e6) {
        return cat("creep time constant ", c.creep->tau_s, " s is outside (0, 1e6]");
      }
      if (c.creep->fraction.size() != n) {
        return cat("wrong dimensions: ", c.creep->fraction.size(), " creep fractions for ", n,
                   " taxels");
      }
      for (std::size_t i = 0; i < n; ++i) {
        const float f = c.creep->fraction[i];
        if (!std::isfinite(f) || f < 0 || f > 1) {
          return cat("taxel ", i, ": creep fraction ", f, " is outside 0..1");
        }
      }
    }
    for (std::size_t k = 0; k < m; ++k) {
      if (!std::isfinite(c.knot_mmhg[k]) || c.knot_mmhg[k] <= 0 ||
          (k > 0 && c.knot_mmhg[k] <= c.knot_mmhg[k - 1])) {
        return std::string("knot pressures must be positive and strictly increasing");
      }
    }
  }
  std::size_t unusable = 0;
  std::vector<double> fit_errors;
  for (std::size_t i = 0; i < n; ++i) {
    const double offset = c.offset_counts[i];
    if (!std::isfinite(offset) || offset < 0 || offset > c.full_scale_counts) {
      return cat("taxel ", i, ": offset ", offset, " is outside 0..", c.full_scale_counts);
    }
    if (!std::isfinite(c.noise_counts[i]) || c.noise_counts[i] < 0) {
      return cat("taxel ", i, ": noise ", c.noise_counts[i], " is not a finite value >= 0");
    }
    if (c.status[i] != TaxelStatus::kOk) {
      ++unusable;
      continue;
    }
    if (m == 0) continue;
    for (const auto* knots : {&c.knot_counts, &c.loading_knot_counts, &c.unloading_knot_counts}) {
      if (knots->empty()) continue;
      double previous = offset;
      for (std::size_t k = 0; k < m; ++k) {
        const double r = (*knots)[i * m + k];
        // A knot may lie above the ADC's full scale: a pressure the taxel saturates before.
        if (!std::isfinite(r) || r <= previous || r > 4 * c.full_scale_counts) {
          return cat("taxel ", i, " (row ", i / c.cols, ", col ", i % c.cols,
                     "): non-monotone curve", knots == &c.knot_counts ? "" : " branch", ": ", r,
                     " counts at ", c.knot_mmhg[k], " mmHg after ", previous, " counts");
        }
        previous = r;
      }
    }
    if (!c.fit_rms_mmhg.empty()) {
      if (!std::isfinite(c.fit_rms_mmhg[i]) || c.fit_rms_mmhg[i] < 0) {
        return cat("taxel ", i, ": fit error is not a finite value >= 0");
      }
      fit_errors.push_back(c.fit_rms_mmhg[i]);
    }
  }
  const double unusable_fraction = static_cast<double>(unusable) / static_cast<double>(n);
  if (unusable_fraction > limits.max_unusable_fraction) {
    return cat("too many dead or stuck taxels: ", unusable, " of ", n, " (",
               100.0 * unusable_fraction, " %, at most ", 100.0 * limits.max_unusable_fraction,
               " % accepted)");
  }
  if (unusable == n) return std::string("no working taxel");
  if (!fit_errors.empty() && c.full_scale_mmhg() > 0) {
    const double pct = 100.0 * median(fit_errors) / c.full_scale_mmhg();
    if (pct > limits.max_fit_rms_pct_fs) {
      return cat("poor fits: median taxel error ", pct, " % of full scale (at most ",
                 limits.max_fit_rms_pct_fs, " % accepted)");
    }
  }
  return std::nullopt;
}

std::optional<std::string> check_matches(const MatCalibration& c, const MatDescriptor& mat) {
  if (c.mat_id != mat.id) {
    return cat("calibration is for mat '", c.mat_id, "', not '", mat.id, "'");
  }
  if (c.rows != mat.rows || c.cols != mat.cols) {
    return cat("calibration is for a ", c.rows, " x ", c.cols, " mat, mat '", mat.id, "' is ",
               mat.rows, " x ", mat.cols);
  }
  if (mat.full_scale_counts != 0 && std::abs(c.full_scale_counts - mat.full_scale_counts) > 0.5) {
    return cat("calibration has a full scale of ", c.full_scale_counts, " counts, mat '", mat.id,
               "' declares ", mat.full_scale_counts);
  }
  return std::nullopt;
}

MatCalibration to_canonical(const MatCalibration& c, const MatLayout& layout) {
  MatCalibration out = c;
  const std::size_t m = c.knots();
  for (std::size_t row = 0; row < c.rows; ++row) {
    for (std::size_t col = 0; col < c.cols; ++col) {
      const TaxelIndex own = canonical_to_mat({row, col}, c.rows, c.cols, layout);
      const std::size_t to = row * c.cols + col;
      const std::size_t from = own.row * c.cols + own.col;
      out.offset_counts[to] = c.offset_counts[from];
      out.noise_counts[to] = c.noise_counts[from];
      out.status[to] = c.status[from];
      if (!c.fit_rms_mmhg.empty()) out.fit_rms_mmhg[to] = c.fit_rms_mmhg[from];
      if (!c.loop_peak_counts.empty()) out.loop_peak_counts[to] = c.loop_peak_counts[from];
      if (c.creep) out.creep->fraction[to] = c.creep->fraction[from];
      for (std::size_t k = 0; k < m; ++k) {
        out.knot_counts[to * m + k] = c.knot_counts[from * m + k];
        if (c.has_branches()) {
          out.loading_knot_counts[to * m + k] = c.loading_knot_counts[from * m + k];
          out.unloading_knot_counts[to * m + k] = c.unloading_knot_counts[from * m + k];
        }
      }
    }
  }
  return out;
}

MatCalibration single_global_curve(const MatCalibration& c) {
  MatCalibration out = c;
  out.loading_knot_counts.clear();  // one curve for all: the midline
  out.unloading_knot_counts.clear();
  out.loop_peak_counts.clear();
  const std::size_t n = c.taxel_count();
  const std::size_t m = c.knots();
  std::vector<double> offsets;
  std::vector<double> noise;
  std::vector<std::vector<double>> knots(m);
  for (std::size_t i = 0; i < n; ++i) {
    if (c.status[i] != TaxelStatus::kOk) continue;
    offsets.push_back(c.offset_counts[i]);
    noise.push_back(c.noise_counts[i]);
    for (std::size_t k = 0; k < m; ++k) knots[k].push_back(c.knot_counts[i * m + k]);
  }
  const auto offset = static_cast<float>(median(offsets));
  const auto sigma = static_cast<float>(median(noise));
  if (out.creep) {
    // The curves were fitted on creep-compensated readings: every taxel creeps like the median.
    std::vector<double> fractions;
    for (std::size_t i = 0; i < n; ++i) {
      if (c.status[i] == TaxelStatus::kOk) fractions.push_back(c.creep->fraction[i]);
    }
    const auto fraction = static_cast<float>(median(fractions));
    for (std::size_t i = 0; i < n; ++i) {
      out.creep->fraction[i] = c.status[i] == TaxelStatus::kOk ? fraction : 0.0f;
    }
  }
  std::vector<float> curve(m);
  float previous = offset;
  for (std::size_t k = 0; k < m; ++k) {
    // Medians of increasing sequences can tie; keep the global curve strictly monotone.
    curve[k] = std::max(static_cast<float>(median(knots[k])), previous + 0.5f);
    previous = curve[k];
  }
  for (std::size_t i = 0; i < n; ++i) {
    out.offset_counts[i] = offset;
    out.noise_counts[i] = sigma;
    for (std::size_t k = 0; k < m; ++k) out.knot_counts[i * m + k] = curve[k];
  }
  out.family_reason = "single global curve: the median taxel's offset and curve for every taxel";
  return out;
}

MatCalibration single_global_line(const MatCalibration& c) {
  MatCalibration global = single_global_curve(c);
  const std::size_t m = c.knots();
  MatCalibration out = global;
  out.family = CurveFamily::kPiecewiseLinear;
  out.family_reason = "single global line: the median taxel's offset and top-level reading";
  out.knot_mmhg = {c.knot_mmhg.back()};
  out.knot_counts.assign(c.taxel_count(), global.knot_counts[m - 1]);
  out.fit_rms_mmhg.clear();
  out.creep.reset();  // no calibration: the counts as read
  return out;
}

}  // namespace pmap::calibration
