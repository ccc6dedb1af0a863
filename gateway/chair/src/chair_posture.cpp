// Chair posture engine (docs/chair.md). All geometry is done in mm so that any seat pitch works;
// all thresholds on values are relative to the image's own robust peak so any unit works.
#include "pmap/chair/chair_posture.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <optional>
#include <utility>
#include <vector>

namespace pmap::chair {
namespace {

// --- Calibration (docs/chair.md, "Calibration"): least-squares fits on simulator training seeds
// 1..4 (tests/chair/chair_accuracy_test.cpp, ChairCalibration, prints the refit). ---
/// Obliquity: degrees per unit of (thigh_right_share - 0.5), a fit through the origin.
constexpr double kObliquityDegPerShare = 61.3;
/// Tilt = bias + a * sacral_share + b * it_line_y_mm + c * thigh_to_pelvis_ratio. Slouching loads
/// the sacrum/coccyx, rolls the ITs back and unloads the thighs; each term carries part of that.
constexpr double kTiltBiasDeg = 40.17;
constexpr double kTiltDegPerSacralShare = 97.04;
constexpr double kTiltDegPerItLineMm = -0.1641;
constexpr double kTiltDegPerThighRatio = -39.85;
/// Class thresholds (chosen on the training seeds between the class distributions).
constexpr double kSlouchedTiltDeg = 10.0;
constexpr double kLeaningForwardThighRatio = 0.665;
constexpr double kLeaningSideShare = 0.045;  ///< |thigh_right_share - 0.5| beyond this = leaning
/// Wallet: edge sharpness (3x3-median image, steepest neighbour step / local peak) of a hard
/// object, and how much sharper than the other side it must be.
constexpr double kWalletSharpness = 0.42;
constexpr double kWalletSharpnessContrast = 0.06;

// --- Regions (mm), docs/chair.md "Regions". ---
constexpr double kItRegionHalfMm = 35.0;      // 70 x 70 mm IT region
constexpr double kSacralHalfWidthMm = 28.0;   // sacral region: 56 mm wide ...
constexpr double kSacralFrontMm = 35.0;       // ... from 35 mm ...
constexpr double kSacralBackMm = 90.0;        // ... to 90 mm behind the IT line
constexpr double kThighStartMm = 90.0;        // thigh region: 90 mm in front of the IT line on
constexpr double kPosteriorFraction = 0.6;    // ITs are searched in the back 60 % of the seat
constexpr double kCandidateFraction = 0.15;   // local maxima above 15 % of the smoothed peak
constexpr double kValleyFraction = 0.92;      // IT pair: midpoint below 92 % of the weaker
constexpr double kPpiTargetAreaMm2 = 1000.0;  // ~10 cm² PPI window
constexpr double kWalletSearchHalfMm = 70.0;  // wallet features: 140 x 140 mm around an IT

using Image = Eigen::MatrixXd;

double robust_peak(const Image& image) {
  std::vector<double> values(image.data(), image.data() + image.size());
  const std::size_t top = std::max<std::size_t>(4, values.size() / 50);
  const std::size_t n = std::min(top, values.size());
  std::partial_sort(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(n), values.end(),
                    std::greater<>());
  double sum = 0;
  for (std::size_t i = 0; i < n; ++i) sum += values[i];
  return sum / static_cast<double>(n);
}

// [1 2 1] / 4 in both directions, renormalised at the edges so the border is not darkened.
Image smooth(const Image& in) {
  const Eigen::Index rows = in.rows(), cols = in.cols();
  Image tmp(rows, cols), out(rows, cols);
  for (Eigen::Index r = 0; r < rows; ++r) {
    for (Eigen::Index c = 0; c < cols; ++c) {
      double sum = 2 * in(r, c), weight = 2;
      if (c > 0) sum += in(r, c - 1), weight += 1;
      if (c + 1 < cols) sum += in(r, c + 1), weight += 1;
      tmp(r, c) = sum / weight;
    }
  }
  for (Eigen::Index r = 0; r < rows; ++r) {
    for (Eigen::Index c = 0; c < cols; ++c) {
      double sum = 2 * tmp(r, c), weight = 2;
      if (r > 0) sum += tmp(r - 1, c), weight += 1;
      if (r + 1 < rows) sum += tmp(r + 1, c), weight += 1;
      out(r, c) = sum / weight;
    }
  }
  return out;
}

// Mean lag-1 autocorrelation along rows and columns: near 1 for a body, near 0 for noise.
double autocorrelation(const Image& image) {
  const double mean = image.mean();
  const Image d = image.array() - mean;
  const double var = d.squaredNorm();
  if (var <= 0) return 0;
  double lag = 0;
  lag += (d.topRows(d.rows() - 1).array() * d.bottomRows(d.rows() - 1).array()).sum();
  lag += (d.leftCols(d.cols() - 1).array() * d.rightCols(d.cols() - 1).array()).sum();
  return lag / (2 * var);
}

struct Geometry {
  double row_pitch;
  double col_pitch;
  [[nodiscard]] double y(double row) const { return (row + 0.5) * row_pitch; }
  [[nodiscard]] double x(double col) const { return (col + 0.5) * col_pitch; }
  [[nodiscard]] SeatPoint point(double row, double col) const { return {row, col, y(row), x(col)}; }
};

struct Peak {
  Eigen::Index row;
  Eigen::Index col;
  double value;
};

// Sub-taxel position: centroid of the 3x3 neighbourhood above its minimum.
SeatPoint refine(const Image& s, const Peak& p, const Geometry& g) {
  double lo = s(p.row, p.col);
  for (Eigen::Index r = std::max<Eigen::Index>(0, p.row - 1);
       r <= std::min(s.rows() - 1, p.row + 1); ++r)
    for (Eigen::Index c = std::max<Eigen::Index>(0, p.col - 1);
         c <= std::min(s.cols() - 1, p.col + 1); ++c)
      lo = std::min(lo, s(r, c));
  double w = 0, wr = 0, wc = 0;
  for (Eigen::Index r = std::max<Eigen::Index>(0, p.row - 1);
       r <= std::min(s.rows() - 1, p.row + 1); ++r)
    for (Eigen::Index c = std::max<Eigen::Index>(0, p.col - 1);
         c <= std::min(s.cols() - 1, p.col + 1); ++c) {
      const double v = s(r, c) - lo;
      w += v;
      wr += v * static_cast<double>(r);
      wc += v * static_cast<double>(c);
    }
  if (w <= 0) return g.point(static_cast<double>(p.row), static_cast<double>(p.col));
  return g.point(wr / w, wc / w);
}

// Sum of the taxels whose centres fall in the axis-aligned box [y0, y1] x [x0, x1] (mm).
double box_sum(const Image& image, const Geometry& g, double y0, double y1, double x0, double x1) {
  double sum = 0;
  for (Eigen::Index r = 0; r < image.rows(); ++r) {
    const double y = g.y(static_cast<double>(r));
    if (y < y0 || y > y1) continue;
    for (Eigen::Index c = 0; c < image.cols(); ++c) {
      const double x = g.x(static_cast<double>(c));
      if (x >= x0 && x <= x1) sum += image(r, c);
    }
  }
  return sum;
}

// PPI: the highest mean over all n x m windows that contain the peak taxel, with n x m the taxel
// window closest to 10 cm² (2 x 2 = 7.84 cm² at 14 mm).
double peak_pressure_index(const Image& image, const Geometry& g, Eigen::Index row,
                           Eigen::Index col) {
  const double side = std::sqrt(kPpiTargetAreaMm2);
  const Eigen::Index n = std::clamp<Eigen::Index>(
      static_cast<Eigen::Index>(std::lround(side / g.row_pitch)), 1, image.rows());
  const Eigen::Index m = std::clamp<Eigen::Index>(
      static_cast<Eigen::Index>(std::lround(side / g.col_pitch)), 1, image.cols());
  double best = 0;
  for (Eigen::Index r0 = std::max<Eigen::Index>(0, row - n + 1);
       r0 <= std::min(row, image.rows() - n); ++r0)
    for (Eigen::Index c0 = std::max<Eigen::Index>(0, col - m + 1);
         c0 <= std::min(col, image.cols() - m); ++c0)
      best = std::max(best, image.block(r0, c0, n, m).mean());
  return best;
}

// 3x3 median (edges: the available neighbours): removes dead and stuck taxels, which are single-
// taxel steps, while keeping the straight edge of a hard object.
Image median3x3(const Image& in) {
  Image out(in.rows(), in.cols());
  std::vector<double> n;
  n.reserve(9);
  for (Eigen::Index r = 0; r < in.rows(); ++r)
    for (Eigen::Index c = 0; c < in.cols(); ++c) {
      n.clear();
      for (Eigen::Index rr = std::max<Eigen::Index>(0, r - 1); rr <= std::min(in.rows() - 1, r + 1);
           ++rr)
        for (Eigen::Index cc = std::max<Eigen::Index>(0, c - 1);
             cc <= std::min(in.cols() - 1, c + 1); ++cc)
          n.push_back(in(rr, cc));
      const auto middle = n.begin() + static_cast<std::ptrdiff_t>(n.size() / 2);
      std::nth_element(n.begin(), middle, n.end());
      out(r, c) = *middle;
    }
  return out;
}

struct WalletEvidence {
  double sharpness = 0;
};

// Hard objects have sharp edges; soft tissue is a rounded bump. Measured on the 3x3-median image in
// a window around the IT: the steepest step between neighbouring taxels over the local peak.
WalletEvidence wallet_evidence(const Image& image, const Geometry& g, const SeatPoint& it) {
  const auto r0 = static_cast<Eigen::Index>(
      std::max(0.0, std::floor((it.y_mm - kWalletSearchHalfMm) / g.row_pitch)));
  const auto r1 = std::min<Eigen::Index>(
      image.rows() - 1, static_cast<Eigen::Index>((it.y_mm + kWalletSearchHalfMm) / g.row_pitch));
  const auto c0 = static_cast<Eigen::Index>(
      std::max(0.0, std::floor((it.x_mm - kWalletSearchHalfMm) / g.col_pitch)));
  const auto c1 = std::min<Eigen::Index>(
      image.cols() - 1, static_cast<Eigen::Index>((it.x_mm + kWalletSearchHalfMm) / g.col_pitch));
  if (r1 < r0 || c1 < c0) return {};
  const Image window = median3x3(image.block(r0, c0, r1 - r0 + 1, c1 - c0 + 1));
  const double top = window.maxCoeff();
  if (top <= 0) return {};
  WalletEvidence e;
  for (Eigen::Index r = 0; r < window.rows(); ++r)
    for (Eigen::Index c = 0; c < window.cols(); ++c) {
      if (r + 1 < window.rows())
        e.sharpness = std::max(e.sharpness, std::abs(window(r + 1, c) - window(r, c)));
      if (c + 1 < window.cols())
        e.sharpness = std::max(e.sharpness, std::abs(window(r, c + 1) - window(r, c)));
    }
  e.sharpness = std::min(1.0, e.sharpness / top);
  return e;
}

}  // namespace

std::string_view to_string(SittingClass sitting_class) {
  switch (sitting_class) {
    case SittingClass::kUpright:
      return "upright";
    case SittingClass::kSlouched:
      return "slouched";
    case SittingClass::kLeaningForward:
      return "leaning_forward";
    case SittingClass::kLeaningLeft:
      return "leaning_left";
    case SittingClass::kLeaningRight:
      return "leaning_right";
  }
  return "upright";
}

std::string_view to_string(Side side) {
  return side == Side::kRight ? "right" : "left";
}

std::variant<ChairPostureResult, ChairPostureError> analyze_chair_frame(
    const Eigen::MatrixXf& canonical, const MatDescriptor& mat) {
  if (canonical.rows() < 8 || canonical.cols() < 8)
    return ChairPostureError{"chair image must be at least 8 x 8 taxels"};
  if (canonical.rows() != mat.rows || canonical.cols() != mat.cols)
    return ChairPostureError{"image shape does not match the mat descriptor"};
  if (!(mat.row_pitch_mm > 0) || !(mat.col_pitch_mm > 0) || !std::isfinite(mat.row_pitch_mm) ||
      !std::isfinite(mat.col_pitch_mm))
    return ChairPostureError{"mat descriptor has no valid taxel pitch"};
  if (!canonical.allFinite()) return ChairPostureError{"image contains NaN or infinite values"};
  if ((canonical.array() < 0).any()) return ChairPostureError{"image contains negative values"};

  const Geometry g{mat.row_pitch_mm, mat.col_pitch_mm};
  ChairPostureResult result;
  const double raw_peak = robust_peak(canonical.cast<double>());
  if (raw_peak <= 0) return result;
  // Divide by the robust peak once: from here on every value is unit-free.
  const Image image = canonical.cast<double>() / raw_peak;
  const double taxel_cm2 = g.row_pitch * g.col_pitch / 100.0;

  const Image contact = (image.array() >= kContactFractionOfPeak).cast<double>();
  const double contact_area = contact.sum() * taxel_cm2;
  if (contact_area < kOccupiedMinAreaCm2 || autocorrelation(image) < kOccupiedMinAutocorrelation)
    return result;
  result.occupied = true;
  result.contact_area_cm2 = contact_area;

  // Load below the contact threshold is noise or the idle floor; leaving it out keeps shares from
  // depending on how much empty seat surrounds the sitter.
  const Image load = image.cwiseProduct(contact);
  const double total = load.sum();
  {
    double wr = 0, wc = 0;
    for (Eigen::Index r = 0; r < load.rows(); ++r)
      for (Eigen::Index c = 0; c < load.cols(); ++c) {
        wr += load(r, c) * static_cast<double>(r);
        wc += load(r, c) * static_cast<double>(c);
      }
    result.centre_of_pressure = g.point(wr / total, wc / total);
  }

  // --- IT peaks: local maxima of the smoothed image in the posterior part of the seat. ---
  const Image s = smooth(load);
  const double seat_depth = static_cast<double>(image.rows()) * g.row_pitch;
  double s_max = 0;
  std::vector<Peak> candidates;
  for (Eigen::Index r = 0; r < s.rows(); ++r) {
    if (g.y(static_cast<double>(r)) > kPosteriorFraction * seat_depth) break;
    for (Eigen::Index c = 0; c < s.cols(); ++c) s_max = std::max(s_max, s(r, c));
  }
  for (Eigen::Index r = 0; r < s.rows(); ++r) {
    if (g.y(static_cast<double>(r)) > kPosteriorFraction * seat_depth) break;
    for (Eigen::Index c = 0; c < s.cols(); ++c) {
      const double v = s(r, c);
      if (v < kCandidateFraction * s_max) continue;
      // A lateral (within-row) maximum: a slouched sitter's coccyx load can swallow one IT's 2-D
      // maximum into its flank, but the IT still bulges out of its row's side-to-side profile.
      const bool is_max = (c == 0 || s(r, c - 1) < v) && (c + 1 == s.cols() || s(r, c + 1) <= v);
      if (is_max) candidates.push_back({r, c, v});
    }
  }
  // The pair with the largest summed height among plausible pairs (8–16 cm apart side to side,
  // at most 4.5 cm apart front to back). The weaker peak's height sets the confidence.
  std::optional<std::pair<Peak, Peak>> pair;
  double best_score = -1;
  for (std::size_t i = 0; i < candidates.size(); ++i)
    for (std::size_t j = i + 1; j < candidates.size(); ++j) {
      const Peak& a = candidates[i];
      const Peak& b = candidates[j];
      const double dx = std::abs(g.x(static_cast<double>(a.col)) - g.x(static_cast<double>(b.col)));
      const double dy = std::abs(g.y(static_cast<double>(a.row)) - g.y(static_cast<double>(b.row)));
      if (dx < kItMinSeparationMm || dx > kItMaxSeparationMm || dy > kItMaxRowOffsetMm) continue;
      // Between the two tuberosities there is a valley (the natal cleft); a pair made of an IT and
      // the flank of the coccyx load or of the other IT has none.
      // Midpoint: the mean of the two middle taxels when it falls between taxels, so that a
      // mirrored image gives the mirrored decision.
      const Eigen::Index r_lo = (a.row + b.row) / 2, c_lo = (a.col + b.col) / 2;
      const Eigen::Index r_hi = (a.row + b.row + 1) / 2, c_hi = (a.col + b.col + 1) / 2;
      const double mid = 0.5 * (s(r_lo, c_lo) + s(r_hi, c_hi));
      if (mid > kValleyFraction * std::min(a.value, b.value)) continue;
      const double score = a.value + b.value;
      if (score > best_score) {
        best_score = score;
        pair = a.col < b.col ? std::pair{a, b} : std::pair{b, a};
      }
    }
  const auto fill_it = [&](IschialPeak& it, const Peak& p) {
    it.found = true;
    it.position = refine(s, p, g);
    it.load_share_pct =
        100.0 *
        box_sum(load, g, it.position.y_mm - kItRegionHalfMm, it.position.y_mm + kItRegionHalfMm,
                it.position.x_mm - kItRegionHalfMm, it.position.x_mm + kItRegionHalfMm) /
        total;
    it.peak_pressure_index = raw_peak * peak_pressure_index(image, g, p.row, p.col);
  };
  if (pair) {
    fill_it(result.right_it, pair->first);
    fill_it(result.left_it, pair->second);
    result.it_separation_mm =
        std::hypot(result.left_it.position.x_mm - result.right_it.position.x_mm,
                   result.left_it.position.y_mm - result.right_it.position.y_mm);
    const double weaker = std::min(pair->first.value, pair->second.value);
    const double stronger = std::max(pair->first.value, pair->second.value);
    result.it_confidence = std::clamp(0.5 + weaker / stronger, 0.0, 1.0);
  } else if (!candidates.empty()) {
    // One peak only (the other buttock off the seat or off the mat): people sit roughly centred on
    // a seat, so the peak belongs to the side of the seat's centre line it lies on. The load
    // centre would not do: with one buttock off, it lies on the same side as the only peak.
    const auto strongest =
        std::max_element(candidates.begin(), candidates.end(),
                         [](const Peak& a, const Peak& b) { return a.value < b.value; });
    const bool right =
        static_cast<double>(strongest->col) < (static_cast<double>(image.cols()) - 1) / 2;
    fill_it(right ? result.right_it : result.left_it, *strongest);
    result.it_confidence = 0.4;
  }

  // Pelvic reference: the midline between the ITs and the IT line, else the load centre.
  double mid_x = result.centre_of_pressure.x_mm;
  double it_y = result.centre_of_pressure.y_mm - 60.0;  // ITs lie behind the load centre
  if (result.right_it.found && result.left_it.found) {
    mid_x = (result.right_it.position.x_mm + result.left_it.position.x_mm) / 2;
    it_y = (result.right_it.position.y_mm + result.left_it.position.y_mm) / 2;
  } else if (result.right_it.found || result.left_it.found) {
    it_y = (result.right_it.found ? result.right_it : result.left_it).position.y_mm;
  }
  ChairFeatures& f = result.features;
  f.it_line_y_mm = it_y;

  // Right/left split of the thigh load about the pelvic midline. The thighs are loaded at low,
  // near-linear pressures and carry no wallet, so their split follows the pelvis' side-to-side
  // load transfer better than the saturating IT peaks do.
  double right = 0, left = 0, thigh = 0;
  for (Eigen::Index r = 0; r < load.rows(); ++r) {
    if (g.y(static_cast<double>(r)) < it_y + kThighStartMm) continue;
    for (Eigen::Index c = 0; c < load.cols(); ++c) {
      const double x = g.x(static_cast<double>(c));
      // The taxel straddling the midline is split by the fraction on each side.
      const double right_part = std::clamp((mid_x - (x - g.col_pitch / 2)) / g.col_pitch, 0.0, 1.0);
      right += load(r, c) * right_part;
      left += load(r, c) * (1 - right_part);
    }
  }
  thigh = right + left;
  if (thigh < 0.05 * total) {
    // Almost no thigh contact (perched on the front edge is not possible here, so this is a
    // sitter far back or a tiny mat): fall back to the whole seat.
    right = left = 0;
    for (Eigen::Index r = 0; r < load.rows(); ++r)
      for (Eigen::Index c = 0; c < load.cols(); ++c) {
        const double x = g.x(static_cast<double>(c));
        const double right_part =
            std::clamp((mid_x - (x - g.col_pitch / 2)) / g.col_pitch, 0.0, 1.0);
        right += load(r, c) * right_part;
        left += load(r, c) * (1 - right_part);
      }
  }
  f.thigh_right_share = right + left > 0 ? right / (right + left) : 0.5;
  result.obliquity_deg = kObliquityDegPerShare * (f.thigh_right_share - 0.5);

  // Tilt: sacral/coccyx load behind the IT line (posterior tilt), and where the IT line sits.
  const double sacral = box_sum(load, g, it_y - kSacralBackMm, it_y - kSacralFrontMm,
                                mid_x - kSacralHalfWidthMm, mid_x + kSacralHalfWidthMm);
  f.sacral_share = sacral / total;
  const double pelvis = box_sum(load, g, 0, it_y + kThighStartMm, -1e9, 1e9);
  f.thigh_to_pelvis_ratio = pelvis > 0 ? (total - pelvis) / pelvis : 0;
  // A linear model on the three slouch cues. Without sacral load, only the position of the IT
  // line tells an anterior tilt, which is confounded with where the pelvis sits on the seat
  // (docs/chair.md).
  result.tilt_deg = kTiltBiasDeg + kTiltDegPerSacralShare * f.sacral_share +
                    kTiltDegPerItLineMm * f.it_line_y_mm +
                    kTiltDegPerThighRatio * f.thigh_to_pelvis_ratio;

  // Wallet: a sharp-edged load next to one IT, much sharper than on the other side.
  if (result.right_it.found || result.left_it.found) {
    const SeatPoint right_ref = result.right_it.found
                                    ? result.right_it.position
                                    : g.point(result.left_it.position.row,
                                              result.left_it.position.col - 115.0 / g.col_pitch);
    const SeatPoint left_ref = result.left_it.found
                                   ? result.left_it.position
                                   : g.point(result.right_it.position.row,
                                             result.right_it.position.col + 115.0 / g.col_pitch);
    const WalletEvidence er = wallet_evidence(image, g, right_ref);
    const WalletEvidence el = wallet_evidence(image, g, left_ref);
    f.edge_sharpness_right = er.sharpness;
    f.edge_sharpness_left = el.sharpness;
    // The sharper side; a hard object must be sharp in absolute terms and clearly sharper than
    // the other buttock (sensor gain spread makes every side somewhat jagged).
    const bool right_side = er.sharpness >= el.sharpness;
    const double hi = std::max(er.sharpness, el.sharpness);
    const double contrast = std::abs(er.sharpness - el.sharpness);
    result.wallet.detected = hi >= kWalletSharpness && contrast >= kWalletSharpnessContrast;
    result.wallet.side = right_side ? Side::kRight : Side::kLeft;
    // 0.5 at the threshold, 0 at 0.12 below it, 1 at 0.12 above it.
    result.wallet.confidence = std::clamp(0.5 + (hi - kWalletSharpness) / 0.24, 0.0, 1.0);
  }

  // Class: leaning forward first (it changes everything else), then sideways, then slouched.
  const double side_share = f.thigh_right_share - 0.5;
  if (f.thigh_to_pelvis_ratio >= kLeaningForwardThighRatio)
    result.sitting_class = SittingClass::kLeaningForward;
  else if (side_share >= kLeaningSideShare)
    result.sitting_class = SittingClass::kLeaningRight;
  else if (side_share <= -kLeaningSideShare)
    result.sitting_class = SittingClass::kLeaningLeft;
  else if (result.tilt_deg >= kSlouchedTiltDeg)
    result.sitting_class = SittingClass::kSlouched;

  // Seating metrics.
  result.peak_pressure_index =
      std::max(result.right_it.peak_pressure_index, result.left_it.peak_pressure_index);
  {
    Image mask = Image::Zero(load.rows(), load.cols());
    const auto mark = [&](double y0, double y1, double x0, double x1) {
      for (Eigen::Index r = 0; r < load.rows(); ++r) {
        const double y = g.y(static_cast<double>(r));
        if (y < y0 || y > y1) continue;
        for (Eigen::Index c = 0; c < load.cols(); ++c) {
          const double x = g.x(static_cast<double>(c));
          if (x >= x0 && x <= x1) mask(r, c) = 1;
        }
      }
    };
    for (const IschialPeak* it : {&result.right_it, &result.left_it})
      if (it->found)
        mark(it->position.y_mm - kItRegionHalfMm, it->position.y_mm + kItRegionHalfMm,
             it->position.x_mm - kItRegionHalfMm, it->position.x_mm + kItRegionHalfMm);
    mark(it_y - kSacralBackMm, it_y - kSacralFrontMm, mid_x - kSacralHalfWidthMm,
         mid_x + kSacralHalfWidthMm);
    result.dispersion_index_pct = 100.0 * load.cwiseProduct(mask).sum() / total;
  }
  return result;
}

}  // namespace pmap::chair
