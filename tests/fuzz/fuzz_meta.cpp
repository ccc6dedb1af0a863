// Fuzz target "meta": a mat's retained `meta` document (pmap/mat_descriptor.hpp, parse_meta), as
// the gateway gets it from MQTT for the mat "mat-1". Invariants: an accepted descriptor is
// within the protocol's limits, and its own JSON (to_meta_json) parses to an equal descriptor.
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "fuzz_support.hpp"
#include "pmap/limits.hpp"
#include "pmap/mat_descriptor.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto parsed = pmap::parse_meta("mat-1", pmap::fuzz::as_text(data, size));
  if (!parsed.ok()) {
    PMAP_FUZZ_CHECK(!parsed.error.empty());
    return 0;
  }
  PMAP_FUZZ_CHECK(parsed.error.empty());
  const auto& mat = *parsed.descriptor;
  PMAP_FUZZ_CHECK(pmap::is_valid_mat_id(mat.id));
  PMAP_FUZZ_CHECK(mat.rows >= 1 && mat.rows <= pmap::kMaxRows);
  PMAP_FUZZ_CHECK(mat.cols >= 1 && mat.cols <= pmap::kMaxCols);
  PMAP_FUZZ_CHECK(std::size_t{mat.rows} * mat.cols <= pmap::kMaxTaxels);
  PMAP_FUZZ_CHECK(std::isfinite(mat.row_pitch_mm) && mat.row_pitch_mm > 0);
  PMAP_FUZZ_CHECK(std::isfinite(mat.col_pitch_mm) && mat.col_pitch_mm > 0);
  PMAP_FUZZ_CHECK(std::isfinite(mat.sample_rate_hz) && mat.sample_rate_hz > 0);

  const auto again = pmap::parse_meta(mat.id, pmap::to_meta_json(mat));
  PMAP_FUZZ_CHECK(again.ok());
  PMAP_FUZZ_CHECK(*again.descriptor == mat);
  return 0;
}
