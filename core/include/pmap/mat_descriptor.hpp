#pragma once
// What a mat says about itself in its retained `meta` message (docs/protocol.md, "meta").
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "pmap/frame.hpp"

namespace pmap {

enum class MatKind : std::uint8_t { kBed, kChair };

[[nodiscard]] std::string_view to_string(MatKind kind);
[[nodiscard]] std::optional<MatKind> mat_kind_from_string(std::string_view text);

/// Where the mat's row 0 physically lies.
///
/// Bed: at the head end or at the foot end. Chair: at the back edge (backrest) or the front edge
/// (knees). `kFar` means "the other end": foot for a bed, front for a chair.
enum class RowOrigin : std::uint8_t { kNear, kFar };

/// How a mat's own rows/columns map onto the canonical orientation (docs/protocol.md, "Canonical
/// layout"). A mat turned round is a 180° rotation (row origin `kFar`, columns untouched); a
/// mirrored mat is a different wiring, declared with `mirrored`.
struct MatLayout {
  RowOrigin first_row = RowOrigin::kNear;
  /// Column 0 lies under the person's left side when the mat lies the right way round
  /// (row 0 at head/back). Canonical mats have column 0 under the person's right side.
  bool mirrored = false;

  friend bool operator==(const MatLayout&, const MatLayout&) = default;
};

/// Everything the gateway needs to know about a mat, from its `meta` message.
struct MatDescriptor {
  std::string id;
  MatKind kind = MatKind::kBed;
  std::uint16_t rows = 0;
  std::uint16_t cols = 0;
  double row_pitch_mm = 0;  ///< centre-to-centre distance between rows
  double col_pitch_mm = 0;  ///< centre-to-centre distance between columns
  double sample_rate_hz = 0;
  MatLayout layout;
  TaxelEncoding encoding = TaxelEncoding::kUint16;
  std::string firmware;                 ///< free text, e.g. "pmap-sim 0.1.0"
  std::uint16_t full_scale_counts = 0;  ///< largest reading the ADC produces
  /// Pressure (mmHg) a nominal taxel reads at full scale, if the maker states one. Without a
  /// per-taxel calibration this is only a rough, linear conversion.
  std::optional<double> nominal_full_scale_mmhg;

  [[nodiscard]] double taxel_area_cm2() const { return row_pitch_mm * col_pitch_mm / 100.0; }
  friend bool operator==(const MatDescriptor&, const MatDescriptor&) = default;
};

/// Result of parsing a `meta` document: either a descriptor or a human-readable reason.
struct MetaParseResult {
  std::optional<MatDescriptor> descriptor;
  std::string error;  ///< empty on success
  [[nodiscard]] bool ok() const { return descriptor.has_value(); }
};

/// Parses and validates a `meta` JSON document for mat `mat_id` (the id comes from the topic).
/// Never throws; any malformed, missing or out-of-range field yields an error.
[[nodiscard]] MetaParseResult parse_meta(std::string_view mat_id, std::string_view json_text);

/// Serialises a descriptor as the `meta` JSON document.
[[nodiscard]] std::string to_meta_json(const MatDescriptor& mat);

/// Mat ids: 1..64 characters of [A-Za-z0-9_-] (so they are safe as topic levels and file names).
[[nodiscard]] bool is_valid_mat_id(std::string_view id);

}  // namespace pmap
