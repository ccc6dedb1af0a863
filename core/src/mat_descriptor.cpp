#include "pmap/mat_descriptor.hpp"

#include <cmath>
#include <nlohmann/json.hpp>

#include "pmap/limits.hpp"

namespace pmap {
namespace {

using nlohmann::json;

std::string_view row_origin_name(MatKind kind, RowOrigin origin) {
  if (kind == MatKind::kBed) return origin == RowOrigin::kNear ? "head" : "foot";
  return origin == RowOrigin::kNear ? "back" : "front";
}

bool finite_in(double v, double lo, double hi) {
  return std::isfinite(v) && v >= lo && v <= hi;
}

}  // namespace

std::string_view to_string(MatKind kind) {
  return kind == MatKind::kBed ? "bed" : "chair";
}

std::optional<MatKind> mat_kind_from_string(std::string_view text) {
  if (text == "bed") return MatKind::kBed;
  if (text == "chair") return MatKind::kChair;
  return std::nullopt;
}

bool is_valid_mat_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxMatIdLength) return false;
  for (const char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

MetaParseResult parse_meta(std::string_view mat_id, std::string_view json_text) {
  auto err = [](std::string message) { return MetaParseResult{std::nullopt, std::move(message)}; };
  if (!is_valid_mat_id(mat_id)) return err("invalid mat id");
  if (json_text.size() > kMaxMetaBytes) {
    return err("meta larger than " + std::to_string(kMaxMetaBytes) + " bytes");
  }
  const json doc = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return err("meta is not a JSON object");

  auto number = [&](const json& obj, const char* name, double lo, double hi,
                    double& out) -> std::string {
    const auto it = obj.find(name);
    if (it == obj.end() || !it->is_number())
      return std::string("'") + name + "' missing or not a number";
    out = it->get<double>();
    if (!finite_in(out, lo, hi)) {
      return std::string("'") + name + "' out of range [" + std::to_string(lo) + ", " +
             std::to_string(hi) + "]";
    }
    return {};
  };

  MatDescriptor mat;
  mat.id = std::string(mat_id);
  double version = 0;
  if (auto e = number(doc, "v", 1, 1, version); !e.empty()) return err(e + " (protocol version 1)");

  const auto kind_it = doc.find("kind");
  if (kind_it == doc.end() || !kind_it->is_string()) return err("'kind' missing");
  const auto kind = mat_kind_from_string(kind_it->get<std::string>());
  if (!kind) return err("'kind' must be \"bed\" or \"chair\"");
  mat.kind = *kind;

  double rows = 0, cols = 0;
  if (auto e = number(doc, "rows", 1, kMaxRows, rows); !e.empty()) return err(e);
  if (auto e = number(doc, "cols", 1, kMaxCols, cols); !e.empty()) return err(e);
  if (rows != std::floor(rows) || cols != std::floor(cols))
    return err("'rows'/'cols' not integers");
  if (rows * cols > static_cast<double>(kMaxTaxels)) return err("rows * cols exceeds the limit");
  mat.rows = static_cast<std::uint16_t>(rows);
  mat.cols = static_cast<std::uint16_t>(cols);

  const auto pitch = doc.find("pitch_mm");
  if (pitch == doc.end()) return err("'pitch_mm' missing");
  if (pitch->is_number()) {
    if (auto e = number(doc, "pitch_mm", kMinPitchMm, kMaxPitchMm, mat.row_pitch_mm); !e.empty())
      return err(e);
    mat.col_pitch_mm = mat.row_pitch_mm;
  } else if (pitch->is_object()) {
    if (auto e = number(*pitch, "row", kMinPitchMm, kMaxPitchMm, mat.row_pitch_mm); !e.empty())
      return err("pitch_mm." + e);
    if (auto e = number(*pitch, "col", kMinPitchMm, kMaxPitchMm, mat.col_pitch_mm); !e.empty())
      return err("pitch_mm." + e);
  } else {
    return err("'pitch_mm' must be a number or {\"row\":..,\"col\":..}");
  }

  if (auto e = number(doc, "sample_rate_hz", 0.01, 200, mat.sample_rate_hz); !e.empty())
    return err(e);

  const auto layout = doc.find("layout");
  if (layout == doc.end() || !layout->is_object()) return err("'layout' missing or not an object");
  const auto first_row = layout->find("first_row");
  if (first_row == layout->end() || !first_row->is_string())
    return err("'layout.first_row' missing");
  const std::string fr = first_row->get<std::string>();
  if (fr == row_origin_name(mat.kind, RowOrigin::kNear)) {
    mat.layout.first_row = RowOrigin::kNear;
  } else if (fr == row_origin_name(mat.kind, RowOrigin::kFar)) {
    mat.layout.first_row = RowOrigin::kFar;
  } else {
    return err(std::string("'layout.first_row' must be \"") +
               std::string(row_origin_name(mat.kind, RowOrigin::kNear)) + "\" or \"" +
               std::string(row_origin_name(mat.kind, RowOrigin::kFar)) + "\" for a " +
               std::string(to_string(mat.kind)));
  }
  const auto mirrored = layout->find("mirrored");
  if (mirrored != layout->end()) {
    if (!mirrored->is_boolean()) return err("'layout.mirrored' must be true or false");
    mat.layout.mirrored = mirrored->get<bool>();
  }

  const auto enc = doc.find("encoding");
  if (enc != doc.end()) {
    if (*enc == "u16") {
      mat.encoding = TaxelEncoding::kUint16;
    } else if (*enc == "u8") {
      mat.encoding = TaxelEncoding::kUint8;
    } else {
      return err("'encoding' must be \"u16\" or \"u8\"");
    }
  }
  const double max_counts = mat.encoding == TaxelEncoding::kUint8 ? 255 : 65535;
  double full_scale = 0;
  if (auto e = number(doc, "full_scale_counts", 1, max_counts, full_scale); !e.empty())
    return err(e);
  mat.full_scale_counts = static_cast<std::uint16_t>(full_scale);

  if (const auto it = doc.find("nominal_full_scale_mmhg"); it != doc.end() && !it->is_null()) {
    double mmhg = 0;
    if (auto e = number(doc, "nominal_full_scale_mmhg", 1, 5000, mmhg); !e.empty()) return err(e);
    mat.nominal_full_scale_mmhg = mmhg;
  }
  if (const auto it = doc.find("firmware"); it != doc.end()) {
    if (!it->is_string() || it->get<std::string>().size() > 128) {
      return err("'firmware' must be a string of at most 128 characters");
    }
    mat.firmware = it->get<std::string>();
  }
  return {std::move(mat), {}};
}

std::string to_meta_json(const MatDescriptor& mat) {
  json doc{{"v", 1},
           {"kind", to_string(mat.kind)},
           {"rows", mat.rows},
           {"cols", mat.cols},
           {"pitch_mm", {{"row", mat.row_pitch_mm}, {"col", mat.col_pitch_mm}}},
           {"sample_rate_hz", mat.sample_rate_hz},
           {"layout",
            {{"first_row", row_origin_name(mat.kind, mat.layout.first_row)},
             {"mirrored", mat.layout.mirrored}}},
           {"encoding", mat.encoding == TaxelEncoding::kUint8 ? "u8" : "u16"},
           {"full_scale_counts", mat.full_scale_counts},
           {"firmware", mat.firmware}};
  if (mat.nominal_full_scale_mmhg) doc["nominal_full_scale_mmhg"] = *mat.nominal_full_scale_mmhg;
  return doc.dump();
}

}  // namespace pmap
