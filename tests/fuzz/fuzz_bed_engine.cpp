// Fuzz target "bed_engine": the bed posture engine as the gateway runs it per frame
// (BedAnalyzer::analyze_with_knees: body image, position, landmarks, knee pillow / under-knee
// support) and the position smoother after it, on any frame the protocol lets through (input
// layout: fuzz_pressure_frame.hpp). One analyser lives for the whole run, as one lives per mat in
// the gateway, so workspace reuse across shapes is exercised.
// Invariants: an error exactly when the input cannot be analysed (not a bed mat, shape not as
// declared, fewer than 8 x 4 taxels, a pitch outside 1-200 mm, a non-finite value),
// with a message; otherwise every number finite and in its range (probabilities in [0, 1] summing
// to 1 with the position their arg-max, confidences in [0, 1], the head end's in [0.5, 1],
// fractions in [0, 1], the axis within +-90 deg) and the answer bit-identical to a fresh analyser's
// (nothing left over from earlier frames changes a result).
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <variant>

#include "fuzz_pressure_frame.hpp"
#include "fuzz_support.hpp"
#include "pmap/posture/bed_analyzer.hpp"
#include "pmap/posture/position_smoother.hpp"

namespace {

using pmap::fuzz::finite_in;
using pmap::posture::BedPosture;
using pmap::posture::KneeSupportResult;
using pmap::posture::Landmark;

void check_landmark(const Landmark& landmark, const pmap::MatDescriptor& mat) {
  PMAP_FUZZ_CHECK(finite_in(landmark.confidence, 0, 1));
  if (landmark.confidence > 0) {
    PMAP_FUZZ_CHECK(finite_in(landmark.row, -0.5, mat.rows - 0.5));
    PMAP_FUZZ_CHECK(finite_in(landmark.col, -0.5, mat.cols - 0.5));
  }
}

void check_posture(const BedPosture& p, const pmap::MatDescriptor& mat) {
  PMAP_FUZZ_CHECK(finite_in(p.contact_area_cm2, 0, 1e300));
  PMAP_FUZZ_CHECK(finite_in(p.contact_mat_fraction, 0, 1));
  PMAP_FUZZ_CHECK(finite_in(p.load_in_largest_region, 0, 1));
  if (!p.occupied) return;
  PMAP_FUZZ_CHECK(finite_in(p.head_end_confidence, 0.5, 1));
  PMAP_FUZZ_CHECK(p.centre_of_pressure_mm.allFinite());
  PMAP_FUZZ_CHECK(finite_in(p.axis_angle_deg, -90, 90));
  PMAP_FUZZ_CHECK(p.axis_spread_mm.allFinite() && (p.axis_spread_mm.array() >= 0).all());
  for (const Landmark* l : {&p.landmarks.head, &p.landmarks.shoulders, &p.landmarks.pelvis,
                            &p.landmarks.knees, &p.landmarks.heels}) {
    check_landmark(*l, mat);
  }
  double total = 0;
  for (const double q : p.position_probabilities) {
    PMAP_FUZZ_CHECK(finite_in(q, 0, 1));
    total += q;
  }
  PMAP_FUZZ_CHECK(std::abs(total - 1) < 1e-6);
  const auto& probs = p.position_probabilities;
  const auto best = std::max_element(probs.begin(), probs.end());
  PMAP_FUZZ_CHECK(static_cast<std::size_t>(best - probs.begin()) ==
                  static_cast<std::size_t>(p.position));
  PMAP_FUZZ_CHECK(p.position_confidence == *best);
  PMAP_FUZZ_CHECK(std::isfinite(p.position_novelty) && p.position_novelty >= 0);
  PMAP_FUZZ_CHECK(finite_in(p.subtype_confidence, 0, 1));
}

void check_knees(const KneeSupportResult& r) {
  if (r.side) {
    PMAP_FUZZ_CHECK(finite_in(r.side->confidence, 0, 1));
    PMAP_FUZZ_CHECK(std::isfinite(r.side->top_knee_offset_cm));
    PMAP_FUZZ_CHECK(std::isfinite(r.side->pelvic_roll_deg));
    const auto& m = r.side->measures;
    for (const double v :
         {m.second_knee_score, m.knee_spacing_mm, m.pelvis_asymmetry, m.pelvis_line_offset,
          m.trunk_length_mm, m.front_knee_forward_mm, m.front_knee_along_mm,
          m.knee_forward_spread_mm, m.knee_along_spread_mm}) {
      PMAP_FUZZ_CHECK(std::isfinite(v));
    }
  }
  if (r.supine) {
    PMAP_FUZZ_CHECK(finite_in(r.supine->confidence, 0, 1));
    PMAP_FUZZ_CHECK(std::isfinite(r.supine->pelvic_tilt_deg));
    const auto& m = r.supine->measures;
    for (const double v : {m.knee_band_ratio, m.two_leg_fraction, m.flexion_score,
                           m.pelvic_load_index, m.knee_bridge_mm}) {
      PMAP_FUZZ_CHECK(std::isfinite(v));
    }
  }
  PMAP_FUZZ_CHECK(!(r.side && r.supine));
}

// Bitwise equality of everything the gateway reports from a frame.
bool same(const KneeSupportResult& a, const KneeSupportResult& b) {
  const BedPosture& p = a.posture;
  const BedPosture& q = b.posture;
  const auto same_landmark = [](const Landmark& x, const Landmark& y) {
    return x.row == y.row && x.col == y.col && x.confidence == y.confidence;
  };
  bool equal = p.occupied == q.occupied && p.contact_area_cm2 == q.contact_area_cm2 &&
               p.contact_mat_fraction == q.contact_mat_fraction &&
               p.load_in_largest_region == q.load_in_largest_region && p.head_end == q.head_end &&
               p.head_end_confidence == q.head_end_confidence &&
               p.centre_of_pressure_mm == q.centre_of_pressure_mm &&
               p.axis_angle_deg == q.axis_angle_deg && p.axis_spread_mm == q.axis_spread_mm &&
               p.position == q.position && p.position_probabilities == q.position_probabilities &&
               p.position_novelty == q.position_novelty && p.subtype == q.subtype &&
               p.subtype_confidence == q.subtype_confidence &&
               same_landmark(p.landmarks.head, q.landmarks.head) &&
               same_landmark(p.landmarks.shoulders, q.landmarks.shoulders) &&
               same_landmark(p.landmarks.pelvis, q.landmarks.pelvis) &&
               same_landmark(p.landmarks.knees, q.landmarks.knees) &&
               same_landmark(p.landmarks.heels, q.landmarks.heels);
  equal = equal && a.side.has_value() == b.side.has_value() &&
          a.supine.has_value() == b.supine.has_value();
  if (equal && a.side) {
    equal = a.side->state == b.side->state && a.side->confidence == b.side->confidence &&
            a.side->top_knee_offset_cm == b.side->top_knee_offset_cm &&
            a.side->pelvic_roll_deg == b.side->pelvic_roll_deg;
  }
  if (equal && a.supine) {
    equal = a.supine->support == b.supine->support &&
            a.supine->confidence == b.supine->confidence &&
            a.supine->pelvic_tilt_deg == b.supine->pelvic_tilt_deg &&
            a.supine->measures.flexion_score == b.supine->measures.flexion_score &&
            a.supine->measures.knee_bridge_mm == b.supine->measures.knee_bridge_mm;
  }
  return equal;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto frame = pmap::fuzz::decode_pressure_frame(data, size, pmap::MatKind::kBed);
  if (!frame) return 0;
  const pmap::MatDescriptor& mat = frame->mat;
  pmap::posture::BedAnalysisOptions options;
  if (frame->head_option == 1) options.head_end = pmap::posture::HeadEnd::kFirstRow;
  if (frame->head_option == 2) options.head_end = pmap::posture::HeadEnd::kLastRow;
  options.remove_baseline = !frame->keep_baseline;

  static pmap::posture::BedAnalyzer analyzer;  // lives across inputs, as per mat in the gateway
  static pmap::posture::PositionSmoother smoother;
  static double time_s = 0;
  const auto analysis = analyzer.analyze_with_knees(frame->canonical, mat, {}, options);
  const bool analysable = mat.kind == pmap::MatKind::kBed && frame->canonical.rows() == mat.rows &&
                          frame->canonical.cols() == mat.cols && mat.rows >= 8 && mat.cols >= 4 &&
                          pmap::fuzz::pitches_valid(mat) && frame->all_finite;
  time_s += 1;
  if (const auto* error = std::get_if<pmap::posture::PostureError>(&analysis)) {
    PMAP_FUZZ_CHECK(!analysable);
    PMAP_FUZZ_CHECK(!error->message.empty());
    const auto smoothed = smoother.observe_error();
    PMAP_FUZZ_CHECK(smoothed.label == pmap::posture::SmoothedLabel::kUnknown);
    return 0;
  }
  PMAP_FUZZ_CHECK(analysable);
  const auto& result = std::get<KneeSupportResult>(analysis);
  check_posture(result.posture, mat);
  check_knees(result);

  pmap::posture::BedAnalyzer fresh;
  const auto again = fresh.analyze_with_knees(frame->canonical, mat, {}, options);
  PMAP_FUZZ_CHECK(std::holds_alternative<KneeSupportResult>(again));
  PMAP_FUZZ_CHECK(same(result, std::get<KneeSupportResult>(again)));

  const auto smoothed = smoother.observe(result.posture, time_s);
  PMAP_FUZZ_CHECK(finite_in(smoothed.confidence, 0, 1));
  if (!result.posture.occupied) {
    PMAP_FUZZ_CHECK(smoothed.label == pmap::posture::SmoothedLabel::kEmpty);
  }
  return 0;
}
