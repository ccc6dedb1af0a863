#include "pmap/sim/body_model.hpp"

#include <algorithm>
#include <array>
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
  /// A soft flat-topped contact (a pillow): half-widths of its flat top; the sigmas are then the
  /// softness of its edges. 0 = a Gaussian.
  double flat_x_mm = 0;
  double flat_y_mm = 0;
};

/// A patch in body coordinates: s along the body from the top of the head, u lateral towards the
/// person's right side (as when supine), both in mm.
struct BodyPatch {
  double s;
  double u;
  double sigma_s;
  double sigma_u;
  double share;
  double flat_s = 0;  ///< half-widths of a flat top (see Patch); 0 = a Gaussian
  double flat_u = 0;
};

// A bed mattress lets the body sink in, which spreads every contact wider than on a firm seat;
// 1.3 matches the contact areas of the PMD experiment-i recordings.
constexpr double kMattressSpread = 1.3;

double standard_normal_cdf(double z) {
  return 0.5 * std::erfc(-z / std::numbers::sqrt2);
}

/// Antiderivative of the standard normal CDF: ∫ Φ(z) dz = z Φ(z) + φ(z).
double integrated_normal_cdf(double z) {
  return z * standard_normal_cdf(z) + std::exp(-0.5 * z * z) / std::sqrt(2 * std::numbers::pi);
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

/// The footprint of a pillow under both knees (supine): a soft flat-topped contact
/// `under_knee_pillow_width_mm` across and `under_knee_pillow_length_mm` along the body, centred
/// under the knees, carrying `load` — a third spread evenly over the footprint, two thirds under
/// the knees (at `knee_u`, a fraction of H from the midline), where the pillow is compressed most
/// (a pillow spreads a load over about its own thickness, not over its whole area).
void add_under_knee_pillow(std::vector<BodyPatch>& patches, const Anthropometry& a,
                           const BedPose& pose, double load, double knee_u) {
  const double h = a.height_mm;
  const double knee_flex = std::clamp(pose.knee_flexion_deg.value_or(40.0), 0.0, 120.0);
  // Thigh and shank rise at half the flexion each, so the knee lies above the mat at
  // hip + thigh·cos(flexion / 2) along the body.
  const double knee_s = 0.47 * h + 0.245 * h * std::cos(knee_flex / 2 * std::numbers::pi / 180.0);
  const double width = std::clamp(pose.under_knee_pillow_width_mm, 100.0, 900.0);
  const double length = std::clamp(pose.under_knee_pillow_length_mm, 80.0, 600.0);
  constexpr double kEdge = 25;  // mm: a pillow's edge is rounded, not a step
  BodyPatch footprint{knee_s, 0, kEdge, kEdge, load / 3.0};
  footprint.flat_s = std::max(length / 2 - kEdge, 0.0);
  footprint.flat_u = std::max(width / 2 - kEdge, 0.0);
  patches.push_back(footprint);
  for (const double side : {1.0, -1.0}) {
    patches.push_back(a.patch(knee_s / h, side * knee_u, 60, 70, load / 3.0));
  }
}

std::vector<BodyPatch> supine_patches(const Anthropometry& a, const BedPose& pose) {
  // The legs, lying flat, are matched to the PMD experiment-i flat supine recordings (files 1, 8,
  // 9) as the bed engine sees them (docs/posture.md "The simulated sleeper"): most of a leg's load
  // goes through the proximal thigh next to the buttock, the calf and the heel; the back of the
  // knee barely touches, and the legs lie a hip-width apart (≈ 28 cm between their centres), so
  // the knee/calf band carries ≈ 5.5 % of the load in two separate stripes.
  const bool merged = pose.supine_legs == SupineLegs::kMerged;
  double thigh = merged ? 0.05 : 0.04, knee = merged ? 0.008 : 0.004, calf = merged ? 0.04 : 0.03;
  double heel = merged ? 0.025 : 0.02, sacrum = 0.12, buttock = 0.105;
  double lumbar = 0.02, pelvis_shift = 0.0, heel_s = 0.963;
  // Thigh and calf contacts along the body (fraction of H) and their spread (mm).
  double thigh_s = merged ? 0.61 : 0.56, thigh_sigma_s = merged ? 85 : 75;
  double calf_s = merged ? 0.81 : 0.85, calf_sigma_s = merged ? 70 : 60;
  // Lateral places (fraction of H from the midline, scaled by breadth) and spreads (mm).
  const double thigh_u = merged ? 0.058 : 0.075, knee_u = merged ? 0.058 : 0.082;
  const double calf_u = merged ? 0.06 : 0.082, heel_u = merged ? 0.064 : 0.085;
  const double thigh_sigma_u = merged ? 38 : 36, knee_sigma_u = merged ? 30 : 36;
  const double calf_sigma_u = merged ? 30 : 36;
  double through_pillow_load = 0;  // what reaches the mat through an under-knee pillow
  if (pose.under_knee_pillow) {
    const double knee_flex = std::clamp(pose.knee_flexion_deg.value_or(40.0), 0.0, 120.0);
    const double lift = knee_flex / 40.0;  // 1 for the typical 40° pillow
    // Thigh and shank make equal angles with the mattress over the pillow, so the heels come
    // closer to the hip by (thigh + shank)·(1 − cos(flexion / 2)).
    heel_s = 0.47 + 0.493 * std::cos(knee_flex / 2 * std::numbers::pi / 180.0);
    // Flexed knees lift the thighs and calves off the mattress. The pillow flattens the lumbar
    // lordosis (posterior pelvic tilt): the lumbar region touches the mattress, the sacrum takes
    // more and its peak moves towards the head, while the buttocks gain less than the sacrum does.
    //
    // With nothing under the knees (`under_knee_pillow_load` 0: knees drawn up, feet planted, as
    // in the PMD experiment-i knees-up recordings, files 10–12, the only real flexed knees we
    // have) the freed load goes to the heels and the pelvis, and how much stays under the thighs
    // and calves (45 % / 20 % at 40°) is set so that the knee/calf band carries about as little as
    // in those recordings.
    //
    // A pillow holding the knees up lies on the mat instead: thigh and shank are each carried
    // between their ends (hip and pillow, pillow and heel), so only the thigh next to the hip and
    // the calf next to the heel still touch the mattress — less of them the higher the knees —
    // and `under_knee_pillow_load` of the freed load reaches the mat through the pillow's
    // footprint (add_under_knee_pillow); the heels and the pelvis share the rest.
    const double through_pillow = std::clamp(pose.under_knee_pillow_load, 0.0, 1.0);
    const bool pillow_on_mat = through_pillow > 0;
    const double thigh_kept = pillow_on_mat ? std::clamp(0.6 - 0.3 * lift, 0.1, 1.0)
                                            : std::clamp(1 - 0.55 * lift, 0.1, 1.0);
    const double calf_kept = pillow_on_mat ? std::clamp(0.5 - 0.3 * lift, 0.05, 1.0)
                                           : std::clamp(1 - 0.8 * lift, 0.05, 1.0);
    const double freed = 2 * (thigh * (1 - thigh_kept) + knee + calf * (1 - calf_kept));
    thigh *= thigh_kept;
    knee = 0;
    calf *= calf_kept;
    if (pillow_on_mat) {
      thigh_s = 0.535;  // the proximal third of the thigh
      thigh_sigma_s = 45;
      calf_s = heel_s - 0.07;  // the distal calf
      calf_sigma_s = 40;
    } else {
      calf_s -= (0.963 - heel_s) * 0.5;
    }
    const double heel_gain = heel * 0.5 * std::min(lift, 1.5) * (1 - through_pillow);
    heel += heel_gain;
    const double remaining = freed * (1 - through_pillow) - 2 * heel_gain;
    through_pillow_load = freed * through_pillow;
    sacrum += remaining * 0.45;
    lumbar += remaining * 0.25;
    buttock += remaining * 0.15;
    pelvis_shift = -0.012 * std::min(lift, 1.5);
  }
  std::vector<BodyPatch> patches = {
      a.patch(0.065, 0, 45, 45, 0.07),                  // occiput
      a.patch(0.30, 0, 75, 45, 0.06),                   // thoracic spine
      a.patch(0.385, 0, 45, 60, lumbar),                // lumbar
      a.patch(0.47 + pelvis_shift, 0, 44, 42, sacrum),  // sacrum
  };
  for (const double side : {1.0, -1.0}) {
    patches.push_back(a.patch(0.215, side * 0.068, 65, 50, 0.10));                   // scapula
    patches.push_back(a.patch(0.50 + pelvis_shift, side * 0.052, 60, 55, buttock));  // buttock
    // A leg contact moved outwards (inwards) by pose.legs_apart_mm, the thigh half as far.
    auto leg = [&](double s, double u, double apart, double sigma_s, double sigma_u, double share) {
      BodyPatch patch = a.patch(s, side * u, sigma_s, sigma_u, share);
      patch.u += side * apart;
      return patch;
    };
    const double apart = std::clamp(pose.legs_apart_mm, -100.0, 200.0);
    patches.push_back(leg(thigh_s, thigh_u, apart / 2, thigh_sigma_s, thigh_sigma_u, thigh));
    if (knee > 0) patches.push_back(leg(0.715, knee_u, apart, 30, knee_sigma_u, knee));
    patches.push_back(leg(calf_s, calf_u, apart, calf_sigma_s, calf_sigma_u, calf));
    patches.push_back(leg(heel_s, heel_u, apart, 24, 22, heel));   // heel
    patches.push_back(a.patch(0.37, side * 0.16, 120, 28, 0.03));  // arm alongside the body
  }
  if (through_pillow_load > 0) {
    add_under_knee_pillow(patches, a, pose, through_pillow_load, knee_u);
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
///
/// Geometry seen from above (PMD experiment-i side-lying files): the hips and knees are flexed,
/// so the bottom leg lies forward of the trunk; the shoulder sits a little in front of the
/// trochanter (the trunk leans forward onto the underneath shoulder); the underneath arm reaches
/// forward and up towards the head. The figure is centred so its load centroid lies on the
/// midline, which puts the trunk behind and the knees in front of it, as in the recordings.
std::vector<BodyPatch> right_side_patches(const Anthropometry& a, const BedPose& pose) {
  const double h = a.height_mm;
  const double knee_flex = side_lying_knee_flexion_deg(pose);
  // Hip flexion follows knee flexion at about 2/3 in the PMD side-lying and fetal recordings.
  const double hip_flex = knee_flex * 2.0 / 3.0;
  // The head and shoulders curl forward once the hips are flexed beyond a relaxed side-lying.
  const double curl = 0.035 * std::clamp((hip_flex - 30.0) / 40.0, 0.0, 1.0);
  const KneePillow pillow = pose.knee_pillow;
  const bool dropped = pillow == KneePillow::kDropped;
  // Pelvic roll forward: it moves the trochanter contact forward (the pelvis turns about the
  // mattress contact, radius ≈ 0.06 H) and lifts the buttock behind it off the mattress while the
  // front of the pelvis takes load.
  const double roll = side_lying_pelvic_roll_deg(pillow) * std::numbers::pi / 180.0;
  const double roll_shift = 0.06 * std::sin(roll);
  const double roll_fraction = std::sin(roll) / std::sin(25.0 * std::numbers::pi / 180.0);
  std::vector<BodyPatch> patches = {
      a.patch(0.07 + curl * 0.6, 0.035 + curl, 45, 45, 0.04),  // head (mostly on the pillow)
      a.patch(0.19, 0.025 + curl * 0.3, 45, 48, 0.15),         // bottom shoulder
      a.patch(0.31, 0.012, 80, 42, 0.10),                      // ribcage
      a.patch(0.40, 0.0, 40, 40, 0.02),                        // waist
      a.patch(0.49, roll_shift, 44, 40, 0.15 * (1 - 0.35 * roll_fraction)),  // trochanter
      a.patch(0.50, -0.03 + roll_shift, 60, 55,
              0.12 * (1 - 0.6 * roll_fraction)),  // buttock behind the trochanter
  };
  if (roll_fraction > 0) {
    // Front of the pelvis and thigh root, loaded only when the pelvis rolls forward.
    patches.push_back(a.patch(0.52, 0.045 + roll_shift, 45, 35, 0.07 * roll_fraction));
  }
  // Underneath arm: from the shoulder forward and up in front of the face (hand near the pillow).
  for (const double t : {0.3, 0.6, 0.9}) {
    patches.push_back(a.patch(0.19 - 0.12 * t, 0.025 + 0.10 * t, 28, 24, 0.02));
  }
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
  const auto [knee_s, knee_v, ankle_s, ankle_v] = leg(roll_shift * h, hip_flex, knee_flex);
  auto at = [&](double s, double v, double sigma_s, double sigma_u, double share) {
    const double scale = a.size * a.spread * kMattressSpread;
    return BodyPatch{s, v, sigma_s * scale, sigma_u * scale, share};
  };
  for (const double t : {0.35, 0.6, 0.85}) {
    patches.push_back(at(hip_s + t * (knee_s - hip_s),
                         roll_shift * h + t * (knee_v - roll_shift * h), 40, 35, 0.03));  // thigh
  }
  // Unless the top knee has dropped, the top leg rests on the bottom one (directly, knees
  // together, or through the pillow), so its weight reaches the mattress through the bottom knee
  // and ankle. A pillow spreads it over a longer stretch of the bottom leg.
  const double top_leg_on_bottom = dropped ? 0.0 : 0.04;
  const double knee_sigma = pillow == KneePillow::kAligned ? 32 : 28;
  patches.push_back(
      at(knee_s, knee_v, knee_sigma, 28, 0.05 + top_leg_on_bottom * 0.75));  // bottom knee
  for (const double t : {0.35, 0.7}) {
    patches.push_back(at(knee_s + t * (ankle_s - knee_s), knee_v + t * (ankle_v - knee_v), 35, 28,
                         0.02));  // shank
  }
  patches.push_back(at(ankle_s, ankle_v, 22, 22, 0.03 + top_leg_on_bottom * 0.25));  // malleolus
  if (dropped) {
    // The top knee falls forward past the bottom knee onto the mattress, `top_knee_offset_mm`
    // in front of it (perpendicular to the body) and a little higher up the bed; the top shank
    // lies partly on the mattress in front of the bottom one.
    const double offset = std::clamp(pose.top_knee_offset_mm, 50.0, 300.0);
    const double top_knee_s = knee_s - 0.01 * h;
    patches.push_back(at(top_knee_s, knee_v + offset, 30, 30, 0.07));
    patches.push_back(at(top_knee_s + 0.5 * (ankle_s - knee_s),
                         knee_v + offset + 0.5 * (ankle_v - knee_v), 35, 28, 0.015));
  }
  // Centre the figure: its load centroid on the midline (the caller adds lateral_offset_mm).
  double total = 0, moment = 0;
  for (const BodyPatch& p : patches) {
    total += p.share;
    moment += p.share * p.u;
  }
  for (BodyPatch& p : patches) p.u -= moment / total;
  return patches;
}

/// Rolled part-way from side-lying towards supine or prone: the back (or front) contacts of the
/// down side take part of the load, the up side stays off the mattress.
std::vector<BodyPatch> rolled_patches(const Anthropometry& a, const BedPose& pose) {
  std::vector<BodyPatch> side = right_side_patches(a, pose);
  const bool to_supine = pose.lateral == LateralSubtype::kRolledSupine;
  BedPose supine_pose;  // lying flat, legs as the sleeper's
  supine_pose.supine_legs = pose.supine_legs;
  std::vector<BodyPatch> flat = to_supine ? supine_patches(a, supine_pose) : prone_patches(a);
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
  auto axis_mass = [&patch](std::vector<double>& mass, double pitch, double centre, double sigma,
                            double flat) {
    double total = 0;
    for (std::size_t i = 0; i < mass.size(); ++i) {
      const double lo = static_cast<double>(i) * pitch, hi = lo + pitch;
      if (patch.rectangle) {
        mass[i] = std::max(0.0, std::min(hi, centre + sigma) - std::max(lo, centre - sigma));
      } else if (flat > 0) {
        // A flat top [centre − flat, centre + flat] with Gaussian edges: the profile
        // Φ((x − centre + flat)/σ) − Φ((x − centre − flat)/σ), integrated over the taxel.
        auto integral = [&](double x) {
          return sigma * (integrated_normal_cdf((x - centre + flat) / sigma) -
                          integrated_normal_cdf((x - centre - flat) / sigma));
        };
        mass[i] = integral(hi) - integral(lo);
      } else {
        mass[i] =
            standard_normal_cdf((hi - centre) / sigma) - standard_normal_cdf((lo - centre) / sigma);
      }
      total += mass[i];
    }
    return total;
  };
  const double col_total =
      axis_mass(col_mass, geometry.col_pitch_mm, patch.x_mm, patch.sigma_x_mm, patch.flat_x_mm);
  const double row_total =
      axis_mass(row_mass, geometry.row_pitch_mm, patch.y_mm, patch.sigma_y_mm, patch.flat_y_mm);
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
      patches = supine_patches(a, pose);
      break;
    case BedPosture::kProne:
      patches = prone_patches(a);
      break;
    case BedPosture::kLeft:
    case BedPosture::kRight:
      patches = (pose.lateral == LateralSubtype::kRolledSupine ||
                 pose.lateral == LateralSubtype::kRolledProne)
                    ? rolled_patches(a, pose)
                    : right_side_patches(a, pose);
      u_sign = pose.posture == BedPosture::kRight ? 1.0 : -1.0;
      break;
  }
  // Column 0 is under the person's right side: +u (right) is towards smaller x.
  const double width_mm = geometry.cols * geometry.col_pitch_mm;
  const double midline_x = width_mm / 2 - pose.lateral_offset_mm;
  for (const BodyPatch& p : patches) {
    add_patch(image, geometry,
              Patch{midline_x - u_sign * p.u, pose.head_gap_mm + p.s, p.sigma_u, p.sigma_s, p.share,
                    false, p.flat_u, p.flat_s});
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

double side_lying_knee_flexion_deg(const BedPose& pose) {
  if (pose.knee_flexion_deg) return std::clamp(*pose.knee_flexion_deg, 0.0, 140.0);
  // Defaults read off the PMD experiment-i side-lying (file 2/3) and fetal (13/14) recordings:
  // even "straight" side-lying sleepers bend the knees and the knees lie well in front of the hip.
  switch (pose.lateral) {
    case LateralSubtype::kStraight:
      return 45;
    case LateralSubtype::kSemiFetal:
      return 75;
    case LateralSubtype::kFetal:
      return 105;
    case LateralSubtype::kRolledSupine:
    case LateralSubtype::kRolledProne:
      return 35;
  }
  return 45;
}

double side_lying_pelvic_roll_deg(KneePillow pillow) {
  // A pillow keeps the hips square; without one the top knee drops onto the bottom knee (the
  // width of the knees), turning the pelvis a little; a dropped knee reaches the mattress and
  // rolls it a lot more.
  switch (pillow) {
    case KneePillow::kAligned:
      return 0;
    case KneePillow::kNone:
      return 6;
    case KneePillow::kDropped:
      return 20;
  }
  return 0;
}

void draw_under_knee_support(std::mt19937_64& rng, BedPose& pose) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  pose.under_knee_pillow = true;
  pose.knee_flexion_deg = 30 + 20 * unit(rng);
  const bool pillow_on_mat = unit(rng) < 0.75;
  pose.under_knee_pillow_width_mm = 400 + 300 * unit(rng);
  pose.under_knee_pillow_length_mm = 150 + 300 * unit(rng);
  pose.under_knee_pillow_load = pillow_on_mat ? 0.4 + 0.5 * unit(rng) : 0.0;
}

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
