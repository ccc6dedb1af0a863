#include "pmap/sim/body_model.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace pmap::sim {
namespace {

/// One contact patch in mat coordinates (mm): x from the person's right edge (column axis),
/// y from the head / back edge (row axis). `share` is a relative share of the supported force.
struct Patch {
  double x_mm;
  double y_mm;
  double sigma_x_mm;  ///< Gaussian spread, or half-width for a rectangle
  double sigma_y_mm;
  double share;
  bool rectangle = false;  ///< a hard object (wallet): uniform pressure, sharp edges
};

/// A patch in body coordinates: s along the body from the top of the head, u lateral towards the
/// person's right side (as when supine), both in mm.
struct BodyPatch {
  double s;
  double u;
  double sigma_s;
  double sigma_u;
  double share;
};

// A bed mattress lets the body sink in, which spreads every contact wider than on a firm seat;
// 1.3 matches the contact areas of the PMD experiment-i recordings.
constexpr double kMattressSpread = 1.3;

double standard_normal_cdf(double z) {
  return 0.5 * std::erfc(-z / std::numbers::sqrt2);
}

double smoothstep(double t) {
  t = std::clamp(t, 0.0, 1.0);
  return t * t * (3 - 2 * t);
}

/// Body dimensions derived once per person. Segment proportions after Drillis & Contini (1966):
/// trochanter at 0.47 H from the vertex, knee 0.715 H, ankle 0.96 H; shoulder breadth 0.26 H.
struct Anthropometry {
  double height_mm;
  double spread;   ///< soft-tissue factor on patch sizes: heavier people spread the load wider
  double breadth;  ///< lateral scale of contact positions (BMI)
  double size;     ///< patch sizes scale with body size

  explicit Anthropometry(const BodyParams& body)
      : height_mm(body.height_cm * 10.0),
        spread(std::clamp(1.0 + 0.03 * (body.bmi() - 24.0), 0.8, 1.45)),
        breadth(std::clamp(std::sqrt(body.bmi() / 24.0), 0.85, 1.3)),
        size(body.height_cm / 175.0) {}

  [[nodiscard]] BodyPatch patch(double s_frac, double u_frac, double sigma_s, double sigma_u,
                                double share) const {
    return {s_frac * height_mm, u_frac * height_mm * breadth,
            sigma_s * size * spread * kMattressSpread, sigma_u * size * spread * kMattressSpread,
            share};
  }
};

std::vector<BodyPatch> supine_patches(const Anthropometry& a, bool under_knee_pillow) {
  double thigh = 0.05, knee = 0.008, calf = 0.04, heel = 0.025, sacrum = 0.12, buttock = 0.105;
  double pelvis_shift = 0.0;
  if (under_knee_pillow) {
    // Flexed knees lift the thighs and calves off the mattress; the load goes to the heels and
    // the buttocks, and the pelvis tilts posteriorly so the sacral peak moves towards the head.
    const double freed = 2 * (thigh * 0.4 + knee + calf * 0.65);
    thigh *= 0.6;
    knee = 0;
    calf *= 0.35;
    heel *= 1.5;
    const double remaining = freed - 2 * 0.025 * 0.5;
    sacrum += remaining * 0.3;
    buttock += remaining * 0.35;
    pelvis_shift = -0.012;
  }
  std::vector<BodyPatch> patches = {
      a.patch(0.065, 0, 45, 45, 0.07),                  // occiput
      a.patch(0.30, 0, 75, 45, 0.06),                   // thoracic spine
      a.patch(0.385, 0, 45, 60, 0.02),                  // lumbar
      a.patch(0.47 + pelvis_shift, 0, 44, 42, sacrum),  // sacrum
  };
  for (const double side : {1.0, -1.0}) {
    patches.push_back(a.patch(0.215, side * 0.068, 65, 50, 0.10));                   // scapula
    patches.push_back(a.patch(0.50 + pelvis_shift, side * 0.052, 60, 55, buttock));  // buttock
    patches.push_back(a.patch(0.61, side * 0.058, 85, 38, thigh));
    if (knee > 0) patches.push_back(a.patch(0.715, side * 0.058, 30, 30, knee));
    patches.push_back(a.patch(0.81, side * 0.06, 70, 30, calf));
    patches.push_back(a.patch(0.963, side * 0.064, 24, 22, heel));  // heel
    patches.push_back(a.patch(0.37, side * 0.16, 120, 28, 0.03));   // arm alongside the body
  }
  return patches;
}

std::vector<BodyPatch> prone_patches(const Anthropometry& a) {
  std::vector<BodyPatch> patches = {
      a.patch(0.07, 0.02, 45, 50, 0.05),  // cheek, head turned
      a.patch(0.36, 0, 70, 70, 0.10),     // lower chest / abdomen
      a.patch(0.53, 0, 40, 40, 0.04),     // pubic region
  };
  for (const double side : {1.0, -1.0}) {
    patches.push_back(a.patch(0.24, side * 0.06, 70, 55, 0.11));   // chest
    patches.push_back(a.patch(0.49, side * 0.065, 45, 40, 0.08));  // anterior iliac spine
    patches.push_back(a.patch(0.62, side * 0.058, 80, 40, 0.08));  // thigh
    patches.push_back(a.patch(0.72, side * 0.06, 28, 28, 0.045));  // patella
    patches.push_back(a.patch(0.82, side * 0.06, 70, 28, 0.03));   // shin
    patches.push_back(a.patch(0.97, side * 0.07, 35, 25, 0.02));   // dorsum of the foot
    patches.push_back(a.patch(0.10, side * 0.17, 90, 30, 0.03));   // arm up beside the head
  }
  return patches;
}

/// Side-lying on the right side, in (s, v) with v towards the person's front; the caller maps v
/// to u (+v = +u on the right side, -u on the left side), which makes left and right exact
/// mirror images.
std::vector<BodyPatch> right_side_patches(const Anthropometry& a, LateralSubtype subtype,
                                          KneePillow pillow) {
  // Hip and knee flexion (degrees) and how far the head and shoulders curl forward.
  double hip_flex = 10, knee_flex = 15, curl = 0;
  switch (subtype) {
    case LateralSubtype::kStraight:
      break;
    case LateralSubtype::kSemiFetal:
      hip_flex = 45;
      knee_flex = 60;
      curl = 0.015;
      break;
    case LateralSubtype::kFetal:
      hip_flex = 65;
      knee_flex = 95;
      curl = 0.035;
      break;
    case LateralSubtype::kRolledSupine:
    case LateralSubtype::kRolledProne:
      hip_flex = 25;
      knee_flex = 30;
      break;
  }
  const double h = a.height_mm;
  const bool dropped = pillow == KneePillow::kDropped;
  // A dropped top knee rolls the pelvis (and with it the trochanter) forward.
  const double pelvis_roll = dropped ? 0.012 : (pillow == KneePillow::kNone ? 0.004 : 0.0);
  double trochanter = dropped ? 0.11 : 0.15;
  std::vector<BodyPatch> patches = {
      a.patch(0.07 + curl * 0.6, curl, 45, 45, 0.04),    // head (mostly on the pillow)
      a.patch(0.19, -0.01 + curl * 0.3, 45, 48, 0.15),   // bottom shoulder
      a.patch(0.24, 0.09, 70, 30, 0.03),                 // bottom forearm in front of the chest
      a.patch(0.31, 0, 80, 42, 0.10),                    // ribcage
      a.patch(0.40, -0.01, 40, 40, 0.02),                // waist
      a.patch(0.49, pelvis_roll, 44, 40, trochanter),    // greater trochanter
      a.patch(0.50, -0.03 + pelvis_roll, 60, 55, 0.12),  // buttock behind the trochanter
  };
  const double thigh_len = 0.245 * h, shank_len = 0.246 * h;
  const double hip_s = 0.48 * h;
  auto leg = [&](double hip_v, double flex_deg, double knee_deg) {
    const double alpha = flex_deg * std::numbers::pi / 180.0;
    const double beta = (flex_deg - knee_deg) * std::numbers::pi / 180.0;
    const double knee_s = hip_s + thigh_len * std::cos(alpha);
    const double knee_v = hip_v + thigh_len * std::sin(alpha);
    return std::array<double, 4>{knee_s, knee_v, knee_s + shank_len * std::cos(beta),
                                 knee_v + shank_len * std::sin(beta)};
  };
  const auto [knee_s, knee_v, ankle_s, ankle_v] = leg(0, hip_flex, knee_flex);
  auto at = [&](double s, double v, double sigma_s, double sigma_u, double share) {
    const double scale = a.size * a.spread * kMattressSpread;
    return BodyPatch{s, v, sigma_s * scale, sigma_u * scale, share};
  };
  for (const double t : {0.35, 0.6, 0.85}) {
    patches.push_back(at(hip_s + t * (knee_s - hip_s), t * knee_v, 40, 35, 0.03));  // thigh
  }
  // Without a dropped knee the top leg rests on the bottom one (directly or through the pillow),
  // so its weight reaches the mattress through the bottom knee and ankle.
  const double top_leg_on_bottom = dropped ? 0.0 : 0.04;
  patches.push_back(at(knee_s, knee_v, 28, 28, 0.05 + top_leg_on_bottom * 0.75));  // bottom knee
  for (const double t : {0.35, 0.7}) {
    patches.push_back(at(knee_s + t * (ankle_s - knee_s), knee_v + t * (ankle_v - knee_v), 35, 28,
                         0.02));  // shank
  }
  patches.push_back(at(ankle_s, ankle_v, 22, 22, 0.03 + top_leg_on_bottom * 0.25));  // malleolus
  if (dropped) {
    // The top knee falls forward past the bottom knee onto the mattress.
    const auto [top_knee_s, top_knee_v, top_ankle_s, top_ankle_v] =
        leg(0.03 * h, hip_flex + 20, knee_flex);
    // It lands about 12 cm (0.07 H) in front of the bottom knee, a little higher up the bed.
    patches.push_back(at(std::min(top_knee_s, knee_s) - 0.01 * h, knee_v + 0.07 * h, 30, 30, 0.07));
    (void)top_knee_v;
    (void)top_ankle_s;
    (void)top_ankle_v;
  }
  return patches;
}

/// Rolled part-way from side-lying towards supine or prone: the back (or front) contacts of the
/// down side take part of the load, the up side stays off the mattress.
std::vector<BodyPatch> rolled_patches(const Anthropometry& a, LateralSubtype subtype,
                                      KneePillow pillow) {
  std::vector<BodyPatch> side = right_side_patches(a, subtype, pillow);
  const bool to_supine = subtype == LateralSubtype::kRolledSupine;
  std::vector<BodyPatch> flat = to_supine ? supine_patches(a, false) : prone_patches(a);
  // Rolling back (supine) brings the contacts behind the body (-v) into play; rolling forward
  // (prone) the ones in front (+v). In supine/prone coordinates, the down (right) side is +u.
  for (BodyPatch& patch : side) patch.share *= 0.55;
  double flat_total = 0;
  for (BodyPatch& patch : flat) {
    patch.share *= patch.u > 0 ? 1.6 : (patch.u < 0 ? 0.4 : 1.0);
    flat_total += patch.share;
  }
  for (BodyPatch& patch : flat) {
    patch.share *= 0.45 / flat_total;
    // Map the supine/prone patch into side-lying coordinates: the down side is shifted towards
    // the midline and the body front faces +v (prone) or the back faces -v (supine).
    patch.u = (to_supine ? -1.0 : 1.0) * (std::abs(patch.u) * 0.5 + 0.02 * a.height_mm);
    side.push_back(patch);
  }
  return side;
}

void add_patch(std::vector<double>& image, const MatGeometry& geometry, const Patch& patch) {
  if (patch.share <= 0) return;
  std::vector<double> col_mass(geometry.cols), row_mass(geometry.rows);
  auto axis_mass = [&patch](std::vector<double>& mass, double pitch, double centre, double sigma) {
    double total = 0;
    for (std::size_t i = 0; i < mass.size(); ++i) {
      const double lo = static_cast<double>(i) * pitch, hi = lo + pitch;
      if (patch.rectangle) {
        mass[i] = std::max(0.0, std::min(hi, centre + sigma) - std::max(lo, centre - sigma));
      } else {
        mass[i] =
            standard_normal_cdf((hi - centre) / sigma) - standard_normal_cdf((lo - centre) / sigma);
      }
      total += mass[i];
    }
    return total;
  };
  const double col_total = axis_mass(col_mass, geometry.col_pitch_mm, patch.x_mm, patch.sigma_x_mm);
  const double row_total = axis_mass(row_mass, geometry.row_pitch_mm, patch.y_mm, patch.sigma_y_mm);
  // A contact entirely off the mat carries nothing measurable; the others are renormalised later.
  if (col_total < 1e-9 || row_total < 1e-9) return;
  const double scale = patch.share / (col_total * row_total);
  for (std::size_t r = 0; r < geometry.rows; ++r) {
    if (row_mass[r] < 1e-12) continue;
    for (std::size_t c = 0; c < geometry.cols; ++c) {
      image[r * geometry.cols + c] += scale * row_mass[r] * col_mass[c];
    }
  }
}

/// Scales a force distribution (arbitrary units per taxel) so that it sums to `force_n`, and
/// converts it to mmHg.
void to_pressure(std::vector<double>& image, const MatGeometry& geometry, double force_n) {
  double total = 0;
  for (const double v : image) total += v;
  if (total <= 0 || force_n <= 0) {
    std::fill(image.begin(), image.end(), 0.0);
    return;
  }
  const double to_mmhg = force_n / total / geometry.taxel_area_m2() / kPascalPerMmHg;
  for (double& v : image) v *= to_mmhg;
}

std::vector<double> render_bed_pose(const MatGeometry& geometry, const Anthropometry& a,
                                    const BedPose& pose, double force_n) {
  std::vector<double> image(geometry.taxel_count(), 0.0);
  if (pose.posture == BedPosture::kEmpty || force_n <= 0) return image;
  std::vector<BodyPatch> patches;
  double u_sign = 1.0;  // side-lying patches are built for the right side
  switch (pose.posture) {
    case BedPosture::kEmpty:
      break;
    case BedPosture::kSupine:
      patches = supine_patches(a, pose.under_knee_pillow);
      break;
    case BedPosture::kProne:
      patches = prone_patches(a);
      break;
    case BedPosture::kLeft:
    case BedPosture::kRight:
      patches = (pose.lateral == LateralSubtype::kRolledSupine ||
                 pose.lateral == LateralSubtype::kRolledProne)
                    ? rolled_patches(a, pose.lateral, pose.knee_pillow)
                    : right_side_patches(a, pose.lateral, pose.knee_pillow);
      u_sign = pose.posture == BedPosture::kRight ? 1.0 : -1.0;
      break;
  }
  // Column 0 is under the person's right side: +u (right) is towards smaller x.
  const double width_mm = geometry.cols * geometry.col_pitch_mm;
  const double midline_x = width_mm / 2 - pose.lateral_offset_mm;
  for (const BodyPatch& p : patches) {
    add_patch(
        image, geometry,
        Patch{midline_x - u_sign * p.u, pose.head_gap_mm + p.s, p.sigma_u, p.sigma_s, p.share});
  }
  to_pressure(image, geometry, force_n);
  return image;
}

std::vector<double> render_chair_pose(const MatGeometry& geometry, const Anthropometry& a,
                                      const ChairPose& pose, double force_n) {
  std::vector<double> image(geometry.taxel_count(), 0.0);
  if (force_n <= 0) return image;
  const double tilt = std::clamp(pose.tilt_deg, -20.0, 30.0);
  const double lean = std::clamp(pose.lean_forward, 0.0, 1.0);
  const double obliquity = BodyModel::effective_obliquity_deg(pose);
  const double width_mm = geometry.cols * geometry.col_pitch_mm;
  const double centre_x = width_mm / 2 - pose.shift_x_mm;
  // Ischial tuberosities about 0.066 H apart (≈ 11.5 cm for 1.75 m), 12.5 cm from the backrest;
  // a posterior tilt rolls them back, leaning forward brings them forward.
  const double it_half = std::clamp(0.066 * a.height_mm, 100.0, 130.0) / 2;
  const double it_y = 125 + pose.shift_y_mm - 1.3 * tilt + 20 * lean;
  const double slouch = std::max(tilt, 0.0);
  // Share of the seat load on the sitter's right side.
  const double right_share =
      std::clamp(0.5 + 0.017 * obliquity + 0.16 * std::clamp(pose.lean_side, -1.0, 1.0), 0.1, 0.9);
  const double spread = a.spread * a.size;
  std::vector<Patch> patches;
  for (const double side : {1.0, -1.0}) {  // +1 = sitter's right (small x)
    const double side_factor = 2 * (side > 0 ? right_share : 1 - right_share);
    const bool wallet_here =
        (side > 0 && pose.wallet == Wallet::kRight) || (side < 0 && pose.wallet == Wallet::kLeft);
    const double it_x = centre_x - side * it_half;
    const double it_share = 0.12 * (1 - 0.45 * lean) * (wallet_here ? 0.35 : 1.0);
    patches.push_back({it_x, it_y, 32 * spread, 30 * spread, it_share * side_factor});
    patches.push_back({it_x - side * 25, it_y + 10, 48 * spread, 45 * spread,
                       0.14 * (1 - 0.3 * lean) * (wallet_here ? 0.7 : 1.0) * side_factor});
    const double thigh_scale = (1 + 0.6 * lean) * (1 - 0.3 * std::min(slouch, 20.0) / 20.0);
    const double shares[] = {0.09, 0.08, 0.06};
    for (int i = 0; i < 3; ++i) {
      patches.push_back({centre_x - side * (it_half + 30), it_y + 80 + 85.0 * i, 38 * spread,
                         50 * spread, shares[i] * thigh_scale * side_factor});
    }
    if (wallet_here) {
      // A wallet in the back pocket: hard, 7 x 9 cm, just behind and outside the tuberosity.
      patches.push_back({it_x - side * 20, it_y + 15, 35, 45, 0.22 * side_factor, true});
    }
  }
  // Slouching puts the sacrum and coccyx on the seat behind the tuberosities.
  const double coccyx = std::min(0.25, 0.011 * slouch);
  if (coccyx > 0) patches.push_back({centre_x, it_y - 55, 25 * spread, 25 * spread, coccyx});
  for (const Patch& p : patches) add_patch(image, geometry, p);
  to_pressure(image, geometry, force_n);
  return image;
}

}  // namespace

MatGeometry MatGeometry::bed() {
  return {64, 32, 28.6, 28.6};
}
MatGeometry MatGeometry::chair() {
  return {32, 32, 14.0, 14.0};
}
MatGeometry MatGeometry::for_kind(MatKind kind) {
  return kind == MatKind::kBed ? bed() : chair();
}

double BodyParams::bmi() const {
  const double metres = height_cm / 100.0;
  return weight_kg / (metres * metres);
}

BodyParams BodyParams::random(std::mt19937_64& rng, std::optional<double> height_cm,
                              std::optional<double> weight_kg) {
  std::normal_distribution<double> height_dist(172.0, 9.0);
  std::lognormal_distribution<double> bmi_dist(std::log(25.0), 0.15);
  BodyParams body;
  body.height_cm = std::clamp(height_dist(rng), 150.0, 200.0);
  const double bmi = std::clamp(bmi_dist(rng), 18.0, 38.0);
  if (height_cm) body.height_cm = *height_cm;
  body.weight_kg = weight_kg ? *weight_kg : bmi * (body.height_cm / 100) * (body.height_cm / 100);
  return body;
}

std::string_view to_string(BedPosture posture) {
  switch (posture) {
    case BedPosture::kEmpty:
      return "empty";
    case BedPosture::kSupine:
      return "supine";
    case BedPosture::kProne:
      return "prone";
    case BedPosture::kLeft:
      return "left";
    case BedPosture::kRight:
      return "right";
  }
  return "empty";
}

std::string_view to_string(LateralSubtype subtype) {
  switch (subtype) {
    case LateralSubtype::kStraight:
      return "straight";
    case LateralSubtype::kFetal:
      return "fetal";
    case LateralSubtype::kSemiFetal:
      return "semi_fetal";
    case LateralSubtype::kRolledSupine:
      return "rolled_supine";
    case LateralSubtype::kRolledProne:
      return "rolled_prone";
  }
  return "straight";
}

std::string_view to_string(KneePillow pillow) {
  switch (pillow) {
    case KneePillow::kNone:
      return "none";
    case KneePillow::kAligned:
      return "aligned";
    case KneePillow::kDropped:
      return "dropped";
  }
  return "none";
}

std::string_view to_string(Wallet wallet) {
  switch (wallet) {
    case Wallet::kNone:
      return "none";
    case Wallet::kLeft:
      return "left";
    case Wallet::kRight:
      return "right";
  }
  return "none";
}

BodyModel::BodyModel(MatKind kind, MatGeometry geometry, BodyParams body)
    : kind_(kind), geometry_(geometry), body_(body) {}

double BodyModel::effective_obliquity_deg(const ChairPose& pose) {
  // A wallet (≈ 1.5–2 cm thick) lifts its side of the pelvis by about 5°.
  const double wallet_tilt =
      pose.wallet == Wallet::kRight ? -5.0 : (pose.wallet == Wallet::kLeft ? 5.0 : 0.0);
  return pose.obliquity_deg + wallet_tilt;
}

double BodyModel::supported_force_n(const BodyState& state) const {
  const double weight_n = body_.weight_kg * kGravity * std::clamp(state.support, 0.0, 1.0);
  if (kind_ == MatKind::kBed) {
    const bool empty =
        state.bed_from.posture == BedPosture::kEmpty && state.bed_to.posture == BedPosture::kEmpty;
    return empty ? 0.0 : weight_n;
  }
  // Seated with the feet on the floor the seat carries ≈ 78 % of the body weight; leaning forward
  // moves load to the feet.
  return weight_n * (0.78 - 0.14 * std::clamp(state.chair.lean_forward, 0.0, 1.0));
}

PressureImage BodyModel::render(const BodyState& state) const {
  PressureImage image{geometry_.rows, geometry_.cols,
                      std::vector<double>(geometry_.taxel_count(), 0.0)};
  const double force = supported_force_n(state);
  if (force <= 0) return image;
  const Anthropometry anthropometry(body_);
  if (kind_ == MatKind::kChair) {
    image.mmhg = render_chair_pose(geometry_, anthropometry, state.chair, force);
    return image;
  }
  // During a roll the load moves from the old contacts to the new ones; an empty end of the
  // transition (getting in or out) carries no load, so the other pose takes all of it.
  const double w = smoothstep(state.blend);
  const bool from_empty = state.bed_from.posture == BedPosture::kEmpty;
  const bool to_empty = state.bed_to.posture == BedPosture::kEmpty;
  const double to_weight = from_empty ? 1.0 : (to_empty ? 0.0 : w);
  if (to_weight < 1.0) {
    const auto from =
        render_bed_pose(geometry_, anthropometry, state.bed_from, force * (1 - to_weight));
    for (std::size_t i = 0; i < from.size(); ++i) image.mmhg[i] += from[i];
  }
  if (to_weight > 0.0) {
    const auto to = render_bed_pose(geometry_, anthropometry, state.bed_to, force * to_weight);
    for (std::size_t i = 0; i < to.size(); ++i) image.mmhg[i] += to[i];
  }
  return image;
}

double total_force_n(const PressureImage& image, const MatGeometry& geometry) {
  double total_mmhg = 0;
  for (const double v : image.mmhg) total_mmhg += v;
  return total_mmhg * kPascalPerMmHg * geometry.taxel_area_m2();
}

double contact_area_cm2(const PressureImage& image, const MatGeometry& geometry,
                        double threshold_mmhg) {
  const auto count = std::count_if(image.mmhg.begin(), image.mmhg.end(),
                                   [threshold_mmhg](double v) { return v > threshold_mmhg; });
  return static_cast<double>(count) * geometry.taxel_area_m2() * 1e4;
}

std::optional<CentreOfPressure> centre_of_pressure(const PressureImage& image) {
  double total = 0, row_sum = 0, col_sum = 0;
  for (std::size_t r = 0; r < image.rows; ++r) {
    for (std::size_t c = 0; c < image.cols; ++c) {
      const double v = image.at(r, c);
      total += v;
      row_sum += v * static_cast<double>(r);
      col_sum += v * static_cast<double>(c);
    }
  }
  if (total <= 0) return std::nullopt;
  return CentreOfPressure{row_sum / total, col_sum / total};
}

}  // namespace pmap::sim
