// Fuzz target "chair_engine": the chair posture engine as the gateway runs it per frame
// (ChairAnalyzer::analyze, then ChairShiftTracker::update) on any frame the protocol lets
// through (input layout: fuzz_pressure_frame.hpp; the kind flag does not matter to this engine).
// One analyser and tracker live for the whole run, as per mat in the gateway.
// Invariants: an error exactly when the input cannot be analysed (fewer than 8 x 8 taxels, shape
// not as declared, a pitch outside 1-200 mm, a non-finite or negative value), with
// a message; otherwise every number finite and in its range (load shares and the Dispersion Index
// in [0, 100] %, confidences in [0, 1], angles within +-90 deg, contact area >= 0) and the answer
// bit-identical to a fresh analyser's; a weight shift ends after it starts.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <variant>

#include "fuzz_pressure_frame.hpp"
#include "fuzz_support.hpp"
#include "pmap/chair/chair_posture.hpp"

namespace {

using pmap::chair::ChairPostureResult;
using pmap::chair::IschialPeak;
using pmap::chair::SeatPoint;
using pmap::fuzz::finite_in;

bool finite_point(const SeatPoint& p) {
  return std::isfinite(p.row) && std::isfinite(p.col) && std::isfinite(p.y_mm) &&
         std::isfinite(p.x_mm);
}

void check_peak(const IschialPeak& peak) {
  if (!peak.found) return;
  PMAP_FUZZ_CHECK(finite_point(peak.position));
  PMAP_FUZZ_CHECK(finite_in(peak.load_share_pct, 0, 100 + 1e-9));
  PMAP_FUZZ_CHECK(std::isfinite(peak.peak_pressure_index) && peak.peak_pressure_index >= 0);
}

void check(const ChairPostureResult& r) {
  if (!r.occupied) return;
  check_peak(r.right_it);
  check_peak(r.left_it);
  PMAP_FUZZ_CHECK(std::isfinite(r.it_separation_mm) && r.it_separation_mm >= 0);
  PMAP_FUZZ_CHECK(finite_in(r.it_confidence, 0, 1));
  PMAP_FUZZ_CHECK(finite_in(r.obliquity_deg, -90, 90));
  PMAP_FUZZ_CHECK(finite_in(r.tilt_deg, -90, 90));
  PMAP_FUZZ_CHECK(finite_in(r.wallet.confidence, 0, 1));
  PMAP_FUZZ_CHECK(std::isfinite(r.peak_pressure_index) && r.peak_pressure_index >= 0);
  PMAP_FUZZ_CHECK(finite_in(r.dispersion_index_pct, 0, 100 + 1e-9));
  PMAP_FUZZ_CHECK(std::isfinite(r.contact_area_cm2) && r.contact_area_cm2 >= 0);
  PMAP_FUZZ_CHECK(finite_point(r.centre_of_pressure));
  const auto& f = r.features;
  for (const double v : {f.thigh_right_share, f.sacral_share, f.it_line_y_mm,
                         f.thigh_to_pelvis_ratio, f.edge_sharpness_right, f.edge_sharpness_left}) {
    PMAP_FUZZ_CHECK(std::isfinite(v));
  }
}

bool same_point(const SeatPoint& a, const SeatPoint& b) {
  return a.row == b.row && a.col == b.col && a.y_mm == b.y_mm && a.x_mm == b.x_mm;
}

bool same_peak(const IschialPeak& a, const IschialPeak& b) {
  return a.found == b.found && same_point(a.position, b.position) &&
         a.load_share_pct == b.load_share_pct && a.peak_pressure_index == b.peak_pressure_index;
}

bool same(const ChairPostureResult& a, const ChairPostureResult& b) {
  return a.occupied == b.occupied && same_peak(a.right_it, b.right_it) &&
         same_peak(a.left_it, b.left_it) && a.it_separation_mm == b.it_separation_mm &&
         a.it_confidence == b.it_confidence && a.obliquity_deg == b.obliquity_deg &&
         a.tilt_deg == b.tilt_deg && a.sitting_class == b.sitting_class &&
         a.wallet.detected == b.wallet.detected && a.wallet.side == b.wallet.side &&
         a.wallet.confidence == b.wallet.confidence &&
         a.peak_pressure_index == b.peak_pressure_index &&
         a.dispersion_index_pct == b.dispersion_index_pct &&
         a.contact_area_cm2 == b.contact_area_cm2 &&
         same_point(a.centre_of_pressure, b.centre_of_pressure);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto frame = pmap::fuzz::decode_pressure_frame(data, size, pmap::MatKind::kChair);
  if (!frame) return 0;
  const pmap::MatDescriptor& mat = frame->mat;
  static pmap::chair::ChairAnalyzer analyzer;  // lives across inputs, as per mat in the gateway
  static pmap::chair::ChairShiftTracker tracker;
  static double time_s = 0;
  const auto analysis = analyzer.analyze(frame->canonical, mat);
  const bool analysable = frame->canonical.rows() == mat.rows &&
                          frame->canonical.cols() == mat.cols && mat.rows >= 8 && mat.cols >= 8 &&
                          pmap::fuzz::pitches_valid(mat) && frame->all_finite &&
                          frame->canonical.minCoeff() >= 0;
  time_s += 1;
  if (const auto* error = std::get_if<pmap::chair::ChairPostureError>(&analysis)) {
    PMAP_FUZZ_CHECK(!analysable);
    PMAP_FUZZ_CHECK(!error->message.empty());
    return 0;
  }
  PMAP_FUZZ_CHECK(analysable);
  const auto& result = std::get<ChairPostureResult>(analysis);
  check(result);
  const auto again = pmap::chair::analyze_chair_frame(frame->canonical, mat);
  PMAP_FUZZ_CHECK(std::holds_alternative<ChairPostureResult>(again));
  PMAP_FUZZ_CHECK(same(result, std::get<ChairPostureResult>(again)));
  if (const auto shift = tracker.update(result, time_s)) {
    PMAP_FUZZ_CHECK(shift->end_s >= shift->start_s);
    PMAP_FUZZ_CHECK(std::isfinite(shift->max_excursion_mm) && shift->max_excursion_mm >= 0);
  }
  return 0;
}
