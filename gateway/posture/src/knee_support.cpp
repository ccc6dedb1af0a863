#include "pmap/posture/knee_support.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <utility>

#include <Eigen/Dense>

#include "bed_image.hpp"
#include "bed_workspace.hpp"
#include "pmap/posture/bed_analyzer.hpp"

namespace pmap::posture {
namespace {

/// The frame turned so the head is at row 0, plus the landmark positions in that frame (mm).
struct BodyFrame {
  const Eigen::MatrixXd& body;  ///< normalised load, head up
  double row_pitch = 0;
  double col_pitch = 0;
  int first_row = 0;  ///< the rows holding contact: [first_row, last_row]
  int last_row = -1;
  Eigen::Vector2d shoulders = Eigen::Vector2d::Zero();  ///< (x, y) mm
  Eigen::Vector2d pelvis = Eigen::Vector2d::Zero();
  Eigen::Vector2d heels = Eigen::Vector2d::Zero();
  double shoulders_confidence = 0;
  double pelvis_confidence = 0;
  double heels_confidence = 0;

  [[nodiscard]] Eigen::Vector2d position(Eigen::Index r, Eigen::Index c) const {
    return {(static_cast<double>(c) + 0.5) * col_pitch, (static_cast<double>(r) + 0.5) * row_pitch};
  }
};

BodyFrame head_up_frame(const Eigen::MatrixXd& head_up, const detail::BedWorkspace& ws,
                        const BedPosture& posture) {
  BodyFrame frame{head_up, ws.image.row_pitch_mm, ws.image.col_pitch_mm};
  if (const auto extent = detail::contact_row_extent(ws.head_up_rows)) {
    frame.first_row = extent->first;
    frame.last_row = extent->last;
  }
  const bool turned = posture.head_end == HeadEnd::kLastRow;
  const auto rows = static_cast<double>(head_up.rows());
  const auto cols = static_cast<double>(head_up.cols());
  auto to_mm = [&](const Landmark& landmark) {
    const double r = turned ? rows - 1 - landmark.row : landmark.row;
    const double c = turned ? cols - 1 - landmark.col : landmark.col;
    return Eigen::Vector2d{(c + 0.5) * frame.col_pitch, (r + 0.5) * frame.row_pitch};
  };
  frame.shoulders = to_mm(posture.landmarks.shoulders);
  frame.pelvis = to_mm(posture.landmarks.pelvis);
  frame.heels = to_mm(posture.landmarks.heels);
  frame.shoulders_confidence = posture.landmarks.shoulders.confidence;
  frame.pelvis_confidence = posture.landmarks.pelvis.confidence;
  frame.heels_confidence = posture.landmarks.heels.confidence;
  return frame;
}

/// 3×3 binomial smoothing: one contact spreads over a few taxels, so single-taxel noise must not
/// make or split a knee peak. Only the rows next to contact can be non-zero. Inside the image the
/// nine terms are added in the same order as at the edges, whole columns at a time.
void smoothed(const BodyFrame& frame, Eigen::MatrixXd& out) {
  const Eigen::MatrixXd& image = frame.body;
  const Eigen::Index rows = image.rows(), cols = image.cols();
  out.setZero();
  if (frame.last_row < frame.first_row) return;
  const Eigen::Index r0 = std::max<Eigen::Index>(frame.first_row - 1, 0);
  const Eigen::Index r1 = std::min<Eigen::Index>(frame.last_row + 1, rows - 1);
  constexpr double kWeights[3] = {0.25, 0.5, 0.25};
  auto taxel = [&](Eigen::Index r, Eigen::Index c) {
    double sum = 0, weight = 0;
    for (int dr = -1; dr <= 1; ++dr) {
      for (int dc = -1; dc <= 1; ++dc) {
        const Eigen::Index rr = r + dr, cc = c + dc;
        if (rr < 0 || cc < 0 || rr >= rows || cc >= cols) continue;
        const double w = kWeights[dr + 1] * kWeights[dc + 1];
        sum += w * image(rr, cc);
        weight += w;
      }
    }
    out(r, c) = sum / weight;
  };
  // Interior rows [i0, i1] of the columns 1 .. cols - 2: all nine neighbours exist, the weights
  // add up to exactly 1.
  const Eigen::Index i0 = std::max<Eigen::Index>(r0, 1);
  const Eigen::Index i1 = std::min<Eigen::Index>(r1, rows - 2);
  if (i1 >= i0 && cols > 2) {
    const Eigen::Index n = i1 - i0 + 1;
    for (Eigen::Index c = 1; c < cols - 1; ++c) {
      auto at = [&](int dr, int dc) { return image.col(c + dc).segment(i0 + dr, n).array(); };
      out.col(c).segment(i0, n).array() = 0.0625 * at(-1, -1) + 0.125 * at(-1, 0) +
                                          0.0625 * at(-1, 1) + 0.125 * at(0, -1) + 0.25 * at(0, 0) +
                                          0.125 * at(0, 1) + 0.0625 * at(1, -1) + 0.125 * at(1, 0) +
                                          0.0625 * at(1, 1);
    }
  }
  for (Eigen::Index r = r0; r <= r1; ++r) {
    const bool edge_row = r < i0 || r > i1;
    for (Eigen::Index c = 0; c < cols; ++c) {
      if (edge_row || c == 0 || c == cols - 1) taxel(r, c);
    }
  }
}

using Peak = detail::KneePeak;

/// Columns [first, end) of row r outside which (position(r, c) − origin)·direction cannot lie in
/// [lo, hi]: the value is linear in c, so the interval is solved for, widened by one column on each
/// side for rounding. Callers still test every taxel in it exactly as before; the interval only
/// skips the columns that cannot pass (a band across a body lying along the bed is a few rows).
std::pair<Eigen::Index, Eigen::Index> column_span(const BodyFrame& frame, Eigen::Index r,
                                                  const Eigen::Vector2d& origin,
                                                  const Eigen::Vector2d& direction, double lo,
                                                  double hi) {
  const Eigen::Index cols = frame.body.cols();
  const double at_zero = (frame.position(r, 0) - origin).dot(direction);
  const double per_col = frame.col_pitch * direction.x();
  if (std::abs(per_col) < 1e-9 * (1 + std::abs(at_zero))) {
    const double margin = 1e-6 * (1 + std::abs(at_zero));
    return at_zero >= lo - margin && at_zero <= hi + margin ? std::pair{Eigen::Index{0}, cols}
                                                            : std::pair{cols, cols};
  }
  double from = (lo - at_zero) / per_col, to = (hi - at_zero) / per_col;
  if (from > to) std::swap(from, to);
  const double limit = static_cast<double>(cols);
  const auto first = static_cast<Eigen::Index>(std::clamp(std::floor(from) - 1, 0.0, limit));
  const auto end = static_cast<Eigen::Index>(std::clamp(std::ceil(to) + 2, 0.0, limit));
  return {first, std::max(first, end)};
}

Eigen::Vector2d local_centroid(const BodyFrame& frame, const Eigen::MatrixXd& image,
                               Eigen::Index row, Eigen::Index col) {
  Eigen::Vector2d sum = Eigen::Vector2d::Zero();
  double total = 0;
  for (Eigen::Index r = std::max<Eigen::Index>(row - 1, 0);
       r <= std::min<Eigen::Index>(row + 1, image.rows() - 1); ++r) {
    for (Eigen::Index c = std::max<Eigen::Index>(col - 1, 0);
         c <= std::min<Eigen::Index>(col + 1, image.cols() - 1); ++c) {
      sum += image(r, c) * frame.position(r, c);
      total += image(r, c);
    }
  }
  return total > 0 ? Eigen::Vector2d(sum / total) : frame.position(row, col);
}

/// Lowest smoothed value on the straight segment between two taxels (the saddle a second peak
/// must rise above to count as a separate contact).
double saddle(const Eigen::MatrixXd& image, const Peak& a, const Peak& b) {
  double lowest = std::min(a.value, b.value);
  constexpr int kSteps = 24;
  for (int i = 1; i < kSteps; ++i) {
    const double t = static_cast<double>(i) / kSteps;
    const auto r = static_cast<Eigen::Index>(
        std::lround(static_cast<double>(a.row) + t * static_cast<double>(b.row - a.row)));
    const auto c = static_cast<Eigen::Index>(
        std::lround(static_cast<double>(a.col) + t * static_cast<double>(b.col - a.col)));
    lowest = std::min(lowest, image(r, c));
  }
  return lowest;
}

double logistic(double z) {
  return 1.0 / (1.0 + std::exp(-z));
}

// Zones in units of the trunk length T (shoulder landmark to pelvis landmark, ≈ 0.30 of stature):
// the thigh is ≈ 0.8 T long, so the knee lies 0.25 T (fetal) to 0.85 T (legs nearly straight)
// below the hip along the trunk axis. The knee search window covers that with a margin.
constexpr double kKneeZoneStart = 0.15;
constexpr double kKneeZoneEnd = 1.2;
constexpr double kPelvisBandHalfWidth = 0.25;
// A second knee contact lies behind the front one by 5–35 cm and within 15 cm along the body.
constexpr double kSecondKneeMinBehindMm = 50;
constexpr double kSecondKneeMaxBehindMm = 350;
constexpr double kSecondKneeMaxAlongMm = 150;
// The knee neighbourhood whose spread the classifier reads: within 10 cm of the front knee along
// the body, from 30 cm behind it (a dropped top knee lies 10–20 cm in front of the bottom one) to
// 10 cm in front.
constexpr double kKneeNeighbourhoodAlongMm = 100;
constexpr double kKneeNeighbourhoodBehindMm = 300;
constexpr double kKneeNeighbourhoodAheadMm = 100;
// Only taxels (smoothed) reaching this fraction of the front knee count, so read noise around
// the legs does not widen the spreads.
constexpr double kKneeNeighbourhoodFloor = 0.15;
// Knee peaks must reach this fraction of the heaviest knee-zone taxel.
constexpr double kKneePeakFraction = 0.3;
// The knee zone must carry at least this share of the load for the knees to count as resolved.
constexpr double kMinKneeZoneLoad = 0.03;

SideKneeResult analyze_side(const BodyFrame& frame, const BedPosture& posture,
                            const KneeSupportModel& model, detail::BedWorkspace& ws) {
  SideKneeResult result;
  const Eigen::Vector2d trunk = frame.pelvis - frame.shoulders;
  const double trunk_len = trunk.norm();
  if (frame.shoulders_confidence <= 0 || frame.pelvis_confidence <= 0 || trunk_len < 150) {
    return result;
  }
  const Eigen::Vector2d axis = trunk / trunk_len;
  // The sleeper's right when supine, with the head-up axis (0, 1), is towards column 0 (−x);
  // lying on the right side the front faces that way, on the left side the other way.
  const Eigen::Vector2d right_of_body{-axis.y(), axis.x()};
  const Eigen::Vector2d forward = posture.position == SleepPosition::kRightSide
                                      ? right_of_body
                                      : Eigen::Vector2d(-right_of_body);

  Eigen::MatrixXd& smooth = ws.knee_smooth;
  smoothed(frame, smooth);
  const double total = frame.body.sum();
  double knee_zone_load = 0, knee_zone_max = 0;
  std::vector<Peak>& peaks = ws.knee_peaks;
  peaks.clear();
  // Taxels whose smoothed value is 0 add nothing to the zone and are no peaks: only the rows next
  // to contact are searched, and only the taxels with load.
  const Eigen::Index first = std::max<Eigen::Index>(frame.first_row - 1, 0);
  const Eigen::Index last = std::min<Eigen::Index>(frame.last_row + 1, smooth.rows() - 1);
  for (Eigen::Index r = first; r <= last; ++r) {
    const auto [c_first, c_end] = column_span(frame, r, frame.pelvis, axis,
                                              kKneeZoneStart * trunk_len, kKneeZoneEnd * trunk_len);
    for (Eigen::Index c = c_first; c < c_end; ++c) {
      if (!(smooth(r, c) > 0)) continue;
      const Eigen::Vector2d d = frame.position(r, c) - frame.pelvis;
      const double along = d.dot(axis) / trunk_len;
      if (along < kKneeZoneStart || along > kKneeZoneEnd) continue;
      knee_zone_load += frame.body(r, c);
      knee_zone_max = std::max(knee_zone_max, smooth(r, c));
      bool is_peak = smooth(r, c) > 0;
      for (int dr = -1; dr <= 1 && is_peak; ++dr) {
        for (int dc = -1; dc <= 1; ++dc) {
          const Eigen::Index rr = r + dr, cc = c + dc;
          if ((dr == 0 && dc == 0) || rr < 0 || cc < 0 || rr >= smooth.rows() ||
              cc >= smooth.cols()) {
            continue;
          }
          // Ties (plateaus) resolve to the first taxel in scan order.
          const bool later = dr > 0 || (dr == 0 && dc > 0);
          if (smooth(rr, cc) > smooth(r, c) || (!later && smooth(rr, cc) == smooth(r, c))) {
            is_peak = false;
            break;
          }
        }
      }
      if (is_peak) peaks.push_back({r, c, smooth(r, c), local_centroid(frame, frame.body, r, c)});
    }
  }
  std::erase_if(peaks, [&](const Peak& p) { return p.value < kKneePeakFraction * knee_zone_max; });
  if (peaks.empty() || total <= 0 || knee_zone_load / total < kMinKneeZoneLoad) return result;

  // The front knee: the knee-zone peak furthest forward (the knees are the most forward part of
  // the flexed legs; the shanks run back towards the body).
  auto forward_of = [&](const Peak& p) { return (p.centroid_mm - frame.pelvis).dot(forward); };
  auto along_of = [&](const Peak& p) { return (p.centroid_mm - frame.pelvis).dot(axis); };
  const Peak front = *std::max_element(
      peaks.begin(), peaks.end(),
      [&](const Peak& a, const Peak& b) { return forward_of(a) < forward_of(b); });
  // In front of the pelvis at all? A leg lying behind the trunk is not a resolved knee.
  if (forward_of(front) < 0) return result;
  result.measures.knees_resolved = true;

  const Peak* second = nullptr;
  double second_score = 0;
  for (const Peak& p : peaks) {
    const double behind = forward_of(front) - forward_of(p);
    if (behind < kSecondKneeMinBehindMm || behind > kSecondKneeMaxBehindMm) continue;
    if (std::abs(along_of(p) - along_of(front)) > kSecondKneeMaxAlongMm) continue;
    const double prominence = (std::min(p.value, front.value) - saddle(smooth, front, p)) /
                              std::max(p.value, front.value);
    if (prominence > second_score) {
      second_score = prominence;
      second = &p;
    }
  }
  // The knee neighbourhood's spread: a top knee that dropped only 10–14 cm in front of the bottom
  // one merges with it into one wide contact rather than a second peak.
  {
    const double front_forward = forward_of(front), front_along = along_of(front);
    double load = 0, f_sum = 0, f_sq = 0, a_sum = 0, a_sq = 0;
    // Only the taxels of the neighbourhood's bounding box (a few hundred of the image's) are
    // visited: its corners are the front knee ± the along half-width, − behind / + ahead forward.
    Eigen::Index r0 = last + 1, r1 = first - 1, c0 = frame.body.cols(), c1 = -1;
    for (const double f : {-kKneeNeighbourhoodBehindMm, kKneeNeighbourhoodAheadMm}) {
      for (const double a : {-kKneeNeighbourhoodAlongMm, kKneeNeighbourhoodAlongMm}) {
        const Eigen::Vector2d corner =
            frame.pelvis + (front_forward + f) * forward + (front_along + a) * axis;
        const auto row = static_cast<Eigen::Index>(std::floor(corner.y() / frame.row_pitch));
        const auto col = static_cast<Eigen::Index>(std::floor(corner.x() / frame.col_pitch));
        r0 = std::min(r0, row);
        r1 = std::max(r1, row);
        c0 = std::min(c0, col);
        c1 = std::max(c1, col);
      }
    }
    r0 = std::max(r0, first);
    r1 = std::min(r1, last);
    c0 = std::max<Eigen::Index>(c0, 0);
    c1 = std::min<Eigen::Index>(c1, frame.body.cols() - 1);
    for (Eigen::Index r = r0; r <= r1; ++r) {
      for (Eigen::Index c = c0; c <= c1; ++c) {
        const double v = frame.body(r, c);
        if (!(smooth(r, c) >= kKneeNeighbourhoodFloor * front.value)) continue;
        const Eigen::Vector2d d = frame.position(r, c) - frame.pelvis;
        const double f = d.dot(forward) - front_forward, a = d.dot(axis) - front_along;
        if (std::abs(a) > kKneeNeighbourhoodAlongMm || f < -kKneeNeighbourhoodBehindMm ||
            f > kKneeNeighbourhoodAheadMm) {
          continue;
        }
        load += v;
        f_sum += v * f;
        f_sq += v * f * f;
        a_sum += v * a;
        a_sq += v * a * a;
      }
    }
    auto spread = [&](double sum, double sq) {
      const double mean = sum / load;
      return std::sqrt(std::max(sq / load - mean * mean, 0.0));
    };
    result.measures.trunk_length_mm = trunk_len;
    result.measures.front_knee_forward_mm = front_forward;
    result.measures.front_knee_along_mm = front_along;
    if (load > 0) {
      result.measures.knee_forward_spread_mm = spread(f_sum, f_sq);
      result.measures.knee_along_spread_mm = spread(a_sum, a_sq);
    }
  }
  result.measures.second_knee_score = second_score;
  result.measures.knee_spacing_mm = second ? forward_of(front) - forward_of(*second) : 0.0;
  const Peak& bottom_knee = second ? *second : front;

  // Pelvis: the band ±0.25 T along the axis around the pelvis landmark. Rolling forward loads
  // the front of the pelvis and unloads the buttock behind the trochanter, so the band's
  // centroid moves forward of its peak, and forward of the shoulder–knee line.
  double band_load = 0, band_forward = 0, band_forward_sq = 0, peak_value = -1, peak_forward = 0;
  Eigen::Vector2d band_centroid = Eigen::Vector2d::Zero();
  for (Eigen::Index r = frame.first_row; r <= frame.last_row; ++r) {
    const auto [c_first, c_end] =
        column_span(frame, r, frame.pelvis, axis, -kPelvisBandHalfWidth * trunk_len,
                    kPelvisBandHalfWidth * trunk_len);
    for (Eigen::Index c = c_first; c < c_end; ++c) {
      const double v = frame.body(r, c);
      if (v <= 0) continue;
      const Eigen::Vector2d d = frame.position(r, c) - frame.pelvis;
      if (std::abs(d.dot(axis)) > kPelvisBandHalfWidth * trunk_len) continue;
      const double f = d.dot(forward);
      // Only the trunk: the thigh leaving the pelvis forward is not part of the hip contact.
      if (f > 0.35 * trunk_len) continue;
      band_load += v;
      band_forward += v * f;
      band_forward_sq += v * f * f;
      band_centroid += v * frame.position(r, c);
      if (smooth(r, c) > peak_value) {
        peak_value = smooth(r, c);
        peak_forward = f;
      }
    }
  }
  if (band_load > 0) {
    const double mean = band_forward / band_load;
    const double spread = std::sqrt(std::max(band_forward_sq / band_load - mean * mean, 1.0));
    result.measures.pelvis_asymmetry = (mean - peak_forward) / spread;
    band_centroid /= band_load;
    // Offset of the pelvis centroid from the line shoulders → bottom knee, forward positive.
    const Eigen::Vector2d line = bottom_knee.centroid_mm - frame.shoulders;
    const Eigen::Vector2d to_pelvis = band_centroid - frame.shoulders;
    const double t = line.squaredNorm() > 0 ? to_pelvis.dot(line) / line.squaredNorm() : 0.0;
    result.measures.pelvis_line_offset = (to_pelvis - t * line).dot(forward) / trunk_len;
  }

  const double logit = knee_pillow_logit(result.measures, model.knee_pillow_weights);
  const bool dropped = logit > 0;
  result.state = dropped ? KneePillowState::kDropped : KneePillowState::kAligned;
  result.top_knee_offset_cm = dropped ? top_knee_offset_mm(result.measures) / 10.0 : 0.0;
  const Eigen::Vector3d x{1.0, result.measures.pelvis_asymmetry,
                          result.measures.pelvis_line_offset};
  result.pelvic_roll_deg = std::clamp(model.roll_coefficients.dot(x), 0.0, 45.0);
  // Confidence: the classifier's probability of its answer, times how sure the engine is about
  // the side position.
  result.confidence = logistic(dropped ? logit : -logit) * posture.position_confidence;
  return result;
}

/// Sum of the load in rows [r0, r1) (head-up), columns whose centre is within [x0, x1) mm. The
/// conditions are per row and per column, so only the rows and columns meeting them are visited
/// (in the same order as a scan of the whole image).
double band(const BodyFrame& frame, double y0, double y1, double x0, double x1) {
  double sum = 0;
  Eigen::Index c0 = 0, c1 = frame.body.cols();  // columns [c0, c1)
  while (c0 < c1 && !(frame.position(0, c0).x() >= x0 && frame.position(0, c0).x() < x1)) ++c0;
  Eigen::Index end = c0;
  while (end < c1 && frame.position(0, end).x() >= x0 && frame.position(0, end).x() < x1) ++end;
  c1 = end;
  for (Eigen::Index r = frame.first_row; r <= frame.last_row; ++r) {
    const double y = frame.position(r, 0).y();
    if (!(y >= y0 && y < y1)) continue;
    for (Eigen::Index c = c0; c < c1; ++c) sum += frame.body(r, c);
  }
  return sum;
}

/// SupineKneeMeasures::knee_bridge_mm: the second-widest contact run through the midline in the
/// rows from `pelvis_y + 0.35 legs` to `pelvis_y + 0.75 legs`, the midline running from the
/// pelvis to the heels (so a body lying at an angle is followed).
double knee_bridge_mm(const BodyFrame& frame, double legs) {
  double widest = 0, second = 0;
  const Eigen::Index cols = frame.body.cols();
  for (Eigen::Index r = frame.first_row; r <= frame.last_row; ++r) {
    const double y = frame.position(r, 0).y();
    const double t = (y - frame.pelvis.y()) / legs;
    if (!(t >= 0.35 && t < 0.75)) continue;
    const double mid_x = frame.pelvis.x() + t * (frame.heels.x() - frame.pelvis.x());
    if (!std::isfinite(mid_x)) continue;  // the cast below needs a number
    const auto mid_c = std::clamp<Eigen::Index>(
        static_cast<Eigen::Index>(std::floor(mid_x / frame.col_pitch)), 0, cols - 1);
    // The run through the midline taxel, or through a neighbour when the midline falls on a
    // taxel edge; none when the midline is bare.
    Eigen::Index seed = -1;
    for (const Eigen::Index c : {mid_c, mid_c - 1, mid_c + 1}) {
      if (c >= 0 && c < cols && frame.body(r, c) > 0) {
        seed = c;
        break;
      }
    }
    if (seed < 0) continue;
    Eigen::Index first = seed, last = seed;
    while (first > 0 && frame.body(r, first - 1) > 0) --first;
    while (last + 1 < cols && frame.body(r, last + 1) > 0) ++last;
    const double width = static_cast<double>(last - first + 1) * frame.col_pitch;
    if (width > widest) {
      second = widest;
      widest = width;
    } else {
      second = std::max(second, width);
    }
  }
  return second;
}

// One run of contact this wide in a knee/calf row is two legs lying together (a leg is ≈ 10 cm
// wide at the contact threshold, PMD median 10.2 cm). Not narrower: from 23 cm down, PMD's
// right-knee-up frames (the raised foot planted against the flat calf) start counting as two
// legs (file 11: 92.2 → 87.1 %); at 26 cm no PMD experiment-i answer changes, and the simulator's
// flat legs drawn together (about touching) are called supported 57 times instead of 170 in 521.
constexpr double kTwoLegsRunMm = 260;

SupineKneeResult analyze_supine(const BodyFrame& frame, const KneeSupportModel& model) {
  SupineKneeResult result;
  const double pelvis_y = frame.pelvis.y(), heels_y = frame.heels.y();
  const double legs = heels_y - pelvis_y;
  const double trunk = pelvis_y - frame.shoulders.y();
  if (frame.pelvis_confidence <= 0 || frame.heels_confidence <= 0 ||
      frame.shoulders_confidence <= 0 || legs < 250 || trunk < 150) {
    return result;
  }
  const double mid = frame.pelvis.x();
  const double inf = std::numeric_limits<double>::infinity();
  // The knee/calf band leaves out the buttocks and the heels.
  const double buttocks = band(frame, pelvis_y - 0.15 * legs, pelvis_y + 0.15 * legs, -inf, inf);
  const double heels = band(frame, heels_y - 0.12 * legs, inf, -inf, inf);
  const double knee_y0 = pelvis_y + 0.3 * legs, knee_y1 = heels_y - 0.2 * legs;
  const double right_leg = band(frame, knee_y0, knee_y1, -inf, mid);
  const double left_leg = band(frame, knee_y0, knee_y1, mid, inf);
  const double reference = 0.5 * (buttocks + heels);
  if (reference <= 0) return result;
  result.measures.resolved = true;
  // The weaker leg: one knee drawn up is already a flexed, supported knee.
  result.measures.knee_band_ratio = 2 * std::min(right_leg, left_leg) / reference;
  int band_rows = 0, two_leg_rows = 0;
  for (Eigen::Index r = 0; r < frame.body.rows(); ++r) {
    const double y = frame.position(r, 0).y();
    if (y < knee_y0 || y >= knee_y1) continue;
    ++band_rows;
    int runs = 0;
    int run_length = 0, widest_run = 0;
    for (Eigen::Index c = 0; c < frame.body.cols(); ++c) {
      const bool on = frame.body(r, c) > 0;
      const bool was_on = c > 0 && frame.body(r, c - 1) > 0;
      runs += on && !was_on ? 1 : 0;
      run_length = on ? run_length + 1 : 0;
      widest_run = std::max(widest_run, run_length);
    }
    two_leg_rows +=
        runs >= 2 || static_cast<double>(widest_run) * frame.col_pitch >= kTwoLegsRunMm ? 1 : 0;
  }
  result.measures.two_leg_fraction =
      band_rows > 0 ? static_cast<double>(two_leg_rows) / band_rows : 0.0;
  result.measures.flexion_score =
      result.measures.knee_band_ratio * result.measures.two_leg_fraction;
  result.measures.knee_to_heel_ratio = heels > 0 ? 2 * std::min(right_leg, left_leg) / heels
                                                 : std::numeric_limits<double>::infinity();

  // Pelvic load sharing: sacrum = midline ±5 cm of the pelvis band, buttocks = 5–20 cm to each
  // side, lumbar = midline ±7 cm between 0.45 T and 0.15 T above the pelvis landmark.
  const double sacrum =
      band(frame, pelvis_y - 0.1 * legs, pelvis_y + 0.1 * legs, mid - 50, mid + 50);
  const double buttock_sides =
      band(frame, pelvis_y - 0.1 * legs, pelvis_y + 0.15 * legs, mid - 200, mid - 50) +
      band(frame, pelvis_y - 0.1 * legs, pelvis_y + 0.15 * legs, mid + 50, mid + 200);
  const double lumbar =
      band(frame, pelvis_y - 0.45 * trunk, pelvis_y - 0.15 * trunk, mid - 70, mid + 70);
  const double pelvic_total = sacrum + lumbar + buttock_sides;
  result.measures.pelvic_load_index =
      pelvic_total > 0 ? (sacrum + lumbar - buttock_sides) / pelvic_total : 0.0;
  result.pelvic_tilt_deg =
      model.tilt_deg_per_index * (result.measures.pelvic_load_index - model.neutral_pelvic_index);

  result.measures.knee_bridge_mm = knee_bridge_mm(frame, legs);

  // Signs of supported knees: the legs' band emptied (knees drawn up, thighs and calves off the
  // mattress), or a pillow's broad contact bridging the knees. Each is compared on a log scale,
  // a factor e^0.25 from its threshold ≈ one logit (positive = supported).
  const auto supported_by = [](double value, double threshold) {
    return -std::log(std::max(value, 1e-3) / threshold) / 0.25;
  };
  // The emptied band is read against two references that fail differently: half the buttocks
  // + heels (load moving from the trunk to the buttocks — a raised bed head, PMD files 15–17 —
  // empties it with the legs flat: 24–88 % of those frames read supported) and the heels alone
  // (a heel off the mat's end or lightly loaded fills it). Both must agree; when they do not,
  // the knees are not judged (unknown) unless a pillow shows.
  const double by_buttocks_and_heels =
      supported_by(result.measures.flexion_score, model.flexion_score_threshold);
  const double by_heels =
      std::isfinite(result.measures.knee_to_heel_ratio)
          ? supported_by(result.measures.knee_to_heel_ratio, model.knee_to_heel_threshold)
          : -std::numeric_limits<double>::infinity();
  const bool agree = (by_buttocks_and_heels > 0) == (by_heels > 0);
  // The weaker of the two when they agree (signed), none when they do not.
  const double flexion_margin =
      agree ? (by_buttocks_and_heels > 0 ? std::min(by_buttocks_and_heels, by_heels)
                                         : std::max(by_buttocks_and_heels, by_heels))
            : 0.0;
  // A pillow is a bridge wider than the threshold (the other way round from the band's signs).
  const double bridge_margin =
      std::log(std::max(result.measures.knee_bridge_mm, 1.0) / model.knee_bridge_threshold_mm) /
      0.25;
  // The stronger sign decides; a flat answer is only as sure as the nearer of the two signs is
  // to calling it supported.
  const double supported_margin = std::max(flexion_margin, bridge_margin);
  if (supported_margin > 0) {
    result.support = KneeSupport::kFlexedSupported;
  } else if (agree) {
    result.support = KneeSupport::kFlat;
  } else {
    return result;  // unknown
  }
  result.confidence = logistic(std::abs(supported_margin));
  return result;
}

}  // namespace

std::string_view to_string(KneePillowState state) {
  switch (state) {
    case KneePillowState::kUnknown:
      return "unknown";
    case KneePillowState::kAligned:
      return "aligned";
    case KneePillowState::kDropped:
      return "dropped";
  }
  return "unknown";
}

std::string_view to_string(KneeSupport support) {
  switch (support) {
    case KneeSupport::kUnknown:
      return "unknown";
    case KneeSupport::kFlat:
      return "flat";
    case KneeSupport::kFlexedSupported:
      return "flexed_supported";
  }
  return "unknown";
}

KneeSupportAnalysis analyze_knee_support(const Eigen::MatrixXf& canonical, const MatDescriptor& mat,
                                         const KneeSupportModel& model) {
  return BedAnalyzer{}.analyze_with_knees(canonical, mat, model);
}

KneeSupportAnalysis analyze_knee_support(const Eigen::MatrixXf& canonical, const MatDescriptor& mat,
                                         const BedPosture& posture, const KneeSupportModel& model) {
  return BedAnalyzer{}.analyze_knees(canonical, mat, posture, model);
}

namespace detail {

KneeSupportResult analyze_knees(const Eigen::MatrixXd& head_up, const BedPosture& posture,
                                const KneeSupportModel& model, BedWorkspace& ws) {
  KneeSupportResult result{posture, std::nullopt, std::nullopt};
  if (!posture.occupied) return result;
  const BodyFrame frame = head_up_frame(head_up, ws, posture);
  switch (posture.position) {
    case SleepPosition::kLeftSide:
    case SleepPosition::kRightSide:
      result.side = analyze_side(frame, posture, model, ws);
      break;
    case SleepPosition::kSupine:
      result.supine = analyze_supine(frame, model);
      break;
    case SleepPosition::kProne:
      break;
  }
  return result;
}

}  // namespace detail

std::optional<double> fit_threshold(const std::vector<double>& scores,
                                    const std::vector<bool>& positive, bool positive_above) {
  if (scores.empty() || scores.size() != positive.size()) return std::nullopt;
  const auto positives = static_cast<double>(std::count(positive.begin(), positive.end(), true));
  const double negatives = static_cast<double>(scores.size()) - positives;
  if (positives == 0 || negatives == 0) return std::nullopt;
  std::vector<std::size_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](auto a, auto b) { return scores[a] < scores[b]; });
  // Walk the sorted scores: below the cut are predicted negative when positive_above.
  double below_pos = 0, below_neg = 0, best = -1, best_cut = scores[order.front()] - 1;
  for (std::size_t i = 0; i <= order.size(); ++i) {
    if (i == 0 || i == order.size() || scores[order[i]] != scores[order[i - 1]]) {
      const double cut =
          i == 0 ? scores[order.front()] - 1e-9
                 : (i == order.size() ? scores[order.back()] + 1e-9
                                      : 0.5 * (scores[order[i - 1]] + scores[order[i]]));
      const double tpr =
          positive_above ? (positives - below_pos) / positives : below_pos / positives;
      const double tnr =
          positive_above ? below_neg / negatives : (negatives - below_neg) / negatives;
      if (0.5 * (tpr + tnr) > best) {
        best = 0.5 * (tpr + tnr);
        best_cut = cut;
      }
    }
    if (i < order.size()) (positive[order[i]] ? below_pos : below_neg) += 1;
  }
  return best_cut;
}

namespace {

/// Two contacts of about equal load d apart, each as wide as the knee contact is along the body,
/// make the forward variance the along variance + d²/4: d from the spreads.
double merged_knee_separation_mm(const SideKneeMeasures& m) {
  const double excess = m.knee_forward_spread_mm * m.knee_forward_spread_mm -
                        m.knee_along_spread_mm * m.knee_along_spread_mm;
  return 2.0 * std::sqrt(std::max(excess, 0.0));
}

}  // namespace

KneePillowWeights side_knee_features(const SideKneeMeasures& m) {
  const double trunk = std::max(m.trunk_length_mm, 1.0);
  const double along_spread = std::max(m.knee_along_spread_mm, 1.0);
  KneePillowWeights x;
  x << 1.0, m.second_knee_score, m.knee_spacing_mm / trunk, m.knee_forward_spread_mm / along_spread,
      merged_knee_separation_mm(m) / trunk, m.front_knee_forward_mm / trunk,
      m.front_knee_along_mm / trunk, m.pelvis_asymmetry, m.pelvis_line_offset;
  return x;
}

double top_knee_offset_mm(const SideKneeMeasures& m) {
  return m.knee_spacing_mm > 0 ? m.knee_spacing_mm : merged_knee_separation_mm(m);
}

double knee_pillow_logit(const SideKneeMeasures& measures, const KneePillowWeights& weights) {
  return weights.dot(side_knee_features(measures));
}

std::optional<KneePillowWeights> fit_knee_pillow_classifier(
    const std::vector<SideKneeMeasures>& measures, const std::vector<bool>& dropped) {
  constexpr Eigen::Index kTerms = kKneePillowFeatures;
  if (measures.size() < 20 || measures.size() != dropped.size()) return std::nullopt;
  const auto n = static_cast<Eigen::Index>(measures.size());
  Eigen::MatrixXd x(n, kTerms);
  Eigen::VectorXd y(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    x.row(i) = side_knee_features(measures[static_cast<std::size_t>(i)]).transpose();
    y(i) = dropped[static_cast<std::size_t>(i)] ? 1.0 : 0.0;
  }
  if (y.sum() == 0 || y.sum() == static_cast<double>(n)) return std::nullopt;
  // Standardise the terms (not the constant) so that the ridge treats them alike.
  KneePillowWeights mean = x.colwise().mean().transpose();
  KneePillowWeights scale =
      ((x.rowwise() - mean.transpose()).array().square().colwise().mean()).sqrt().transpose();
  mean(0) = 0;
  scale(0) = 1;
  for (Eigen::Index k = 1; k < kTerms; ++k) {
    if (!(scale(k) > 1e-12)) return std::nullopt;  // a constant term: singular design
  }
  const Eigen::MatrixXd z =
      (x.rowwise() - mean.transpose()).array().rowwise() / scale.transpose().array();
  constexpr double kRidge = 1e-3;
  Eigen::VectorXd w = Eigen::VectorXd::Zero(kTerms);
  for (int iteration = 0; iteration < 100; ++iteration) {
    const Eigen::ArrayXd p = 1.0 / (1.0 + (-(z * w)).array().exp());
    const Eigen::VectorXd gradient = z.transpose() * (p.matrix() - y) + kRidge * w;
    Eigen::MatrixXd hessian = z.transpose() * (p * (1 - p)).matrix().asDiagonal() * z;
    hessian.diagonal().array() += kRidge;
    const Eigen::VectorXd step = hessian.ldlt().solve(gradient);
    w -= step;
    if (step.norm() < 1e-10) break;
  }
  if (!w.allFinite()) return std::nullopt;
  // Back to the raw terms: w·(x − mean)/scale = (w/scale)·x − Σ w·mean/scale.
  KneePillowWeights raw = w.array() / scale.array();
  raw(0) = w(0) - (w.array() * mean.array() / scale.array()).sum();
  return raw;
}

std::optional<Eigen::Vector3d> fit_pelvic_roll(const std::vector<SideKneeMeasures>& measures,
                                               const std::vector<double>& roll_deg) {
  if (measures.size() < 3 || measures.size() != roll_deg.size()) return std::nullopt;
  Eigen::MatrixXd design(static_cast<Eigen::Index>(measures.size()), 3);
  Eigen::VectorXd target(static_cast<Eigen::Index>(measures.size()));
  for (std::size_t i = 0; i < measures.size(); ++i) {
    const auto row = static_cast<Eigen::Index>(i);
    design.row(row) << 1.0, measures[i].pelvis_asymmetry, measures[i].pelvis_line_offset;
    target(row) = roll_deg[i];
  }
  const Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(design);
  if (qr.rank() < 3) return std::nullopt;
  return Eigen::Vector3d(qr.solve(target));
}

}  // namespace pmap::posture
