#include "pmap/calibration/calibration_file.hpp"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <system_error>

#include <nlohmann/json.hpp>

namespace pmap::calibration {
namespace {

using nlohmann::ordered_json;

constexpr char kStatusOk = '.';
constexpr char kStatusDead = 'D';
constexpr char kStatusStuck = 'S';

// Two decimals are far below a count's worth of noise and keep the file small and readable.
double rounded(double v) {
  return std::round(v * 100.0) / 100.0;
}

ordered_json figures_json(const SessionFigures& s) {
  ordered_json cv = ordered_json::object();
  for (const auto& [family, pct] : s.family_cv_rms_pct_fs) cv[family] = rounded(pct);
  return {{"levels_mmhg", s.levels_mmhg},
          {"holds", s.holds},
          {"hold_s_median", rounded(s.hold_s_median)},
          {"unloading", s.unloading},
          {"hysteresis_pct_median", rounded(s.hysteresis_pct_median)},
          {"hysteresis_pct_p95", rounded(s.hysteresis_pct_p95)},
          {"creep_pct_median", rounded(s.creep_pct_median)},
          {"creep_pct_p95", rounded(s.creep_pct_p95)},
          {"creep_model", s.creep_model},
          {"creep_tau_s", rounded(s.creep_tau_s)},
          {"creep_fraction_median", std::round(s.creep_fraction_median * 1e4) / 1e4},
          {"creep_explained", std::round(s.creep_explained * 1e4) / 1e4},
          {"fit_rms_pct_fs", rounded(s.fit_rms_pct_fs)},
          {"family_cv_rms_pct_fs", cv},
          {"saturated_points", s.saturated_points},
          {"departure_pct", rounded(s.departure_pct)},
          {"levels_beyond_range_mmhg", s.levels_beyond_range_mmhg}};
}

// Field access with messages that say which field is wrong; throws FieldError (caught below).
struct FieldError {
  std::string message;
};

const ordered_json& field(const ordered_json& object, const char* name, const char* where) {
  if (!object.is_object() || !object.contains(name)) {
    throw FieldError{std::string("missing field '") + where + name + "'"};
  }
  return object.at(name);
}

double number(const ordered_json& object, const char* name, const char* where) {
  const auto& v = field(object, name, where);
  if (!v.is_number()) throw FieldError{std::string("'") + where + name + "' must be a number"};
  const double d = v.get<double>();
  if (!std::isfinite(d)) throw FieldError{std::string("'") + where + name + "' is not finite"};
  return d;
}

// A count stored as a JSON number: whole and in 0..2^53 (every such double is exact), so the cast
// to size_t below is defined whatever the file says.
std::size_t whole_count(const ordered_json& object, const char* name, const char* where) {
  const double d = number(object, name, where);
  if (d < 0 || d > 9007199254740992.0 || d != std::floor(d)) {
    throw FieldError{std::string("'") + where + name + "' must be a whole number of at least 0"};
  }
  return static_cast<std::size_t>(d);
}

std::string text(const ordered_json& object, const char* name, const char* where) {
  const auto& v = field(object, name, where);
  if (!v.is_string()) throw FieldError{std::string("'") + where + name + "' must be a string"};
  return v.get<std::string>();
}

template <typename T>
std::vector<T> numbers(const ordered_json& v, const std::string& what) {
  if (!v.is_array()) throw FieldError{"'" + what + "' must be an array"};
  std::vector<T> out;
  out.reserve(v.size());
  for (const auto& x : v) {
    if (!x.is_number()) throw FieldError{"'" + what + "' must hold only numbers"};
    const double d = x.get<double>();
    if (!std::isfinite(d)) throw FieldError{"'" + what + "' holds a value that is not finite"};
    out.push_back(static_cast<T>(d));
  }
  return out;
}

MatCalibration from_json(const ordered_json& doc) {
  if (!doc.is_object()) throw FieldError{"not a JSON object"};
  if (text(doc, "format", "") != kCalibrationFormatName) {
    throw FieldError{"not a PostureMap calibration (format must be \"pmap-calibration\")"};
  }
  MatCalibration c;
  const double version = number(doc, "version", "");
  if (version != std::floor(version) || version < kOldestCalibrationFormatVersion ||
      version > kCalibrationFormatVersion) {
    throw FieldError{"unsupported calibration format version " + field(doc, "version", "").dump() +
                     " (this build reads " + std::to_string(kOldestCalibrationFormatVersion) +
                     " to " + std::to_string(kCalibrationFormatVersion) + ")"};
  }
  c.version = static_cast<int>(version);
  const auto& mat = field(doc, "mat", "");
  c.mat_id = text(mat, "id", "mat.");
  c.mat_serial = text(mat, "serial", "mat.");
  const double rows = number(mat, "rows", "mat.");
  const double cols = number(mat, "cols", "mat.");
  if (rows < 1 || rows > 1024 || cols < 1 || cols > 1024 || rows != std::floor(rows) ||
      cols != std::floor(cols)) {
    throw FieldError{"mat.rows and mat.cols must be whole numbers in 1..1024"};
  }
  c.rows = static_cast<std::uint16_t>(rows);
  c.cols = static_cast<std::uint16_t>(cols);
  c.full_scale_counts = number(mat, "full_scale_counts", "mat.");
  c.created_utc = text(doc, "created_utc", "");
  c.units = text(doc, "units", "");
  c.source = text(doc, "source", "");

  const auto& curve = field(doc, "curve", "");
  const std::string family = text(curve, "family", "curve.");
  const auto parsed_family = curve_family_from_string(family);
  if (!parsed_family) throw FieldError{"unknown curve family '" + family + "'"};
  c.family = *parsed_family;
  c.family_reason = text(curve, "reason", "curve.");
  c.knot_mmhg = numbers<double>(field(curve, "knot_mmhg", "curve."), "curve.knot_mmhg");
  if (curve.contains("noise_fraction"))
    c.noise_fraction = number(curve, "noise_fraction", "curve.");

  const auto& taxels = field(doc, "taxels", "");
  c.offset_counts =
      numbers<float>(field(taxels, "offset_counts", "taxels."), "taxels.offset_counts");
  c.noise_counts = numbers<float>(field(taxels, "noise_counts", "taxels."), "taxels.noise_counts");
  const auto& map = field(taxels, "status_map", "taxels.");
  if (!map.is_array() || map.size() != c.rows) {
    throw FieldError{"'taxels.status_map' must be an array of " + std::to_string(c.rows) +
                     " strings (one per row)"};
  }
  for (const auto& row : map) {
    if (!row.is_string() || row.get<std::string>().size() != c.cols) {
      throw FieldError{"'taxels.status_map' rows must be strings of " + std::to_string(c.cols) +
                       " characters"};
    }
    for (const char ch : row.get<std::string>()) {
      if (ch == kStatusOk) {
        c.status.push_back(TaxelStatus::kOk);
      } else if (ch == kStatusDead) {
        c.status.push_back(TaxelStatus::kDead);
      } else if (ch == kStatusStuck) {
        c.status.push_back(TaxelStatus::kStuck);
      } else {
        throw FieldError{std::string("'taxels.status_map' holds '") + ch +
                         "' (use '.' ok, 'D' dead, 'S' stuck)"};
      }
    }
  }
  const auto read_knots = [&c](const ordered_json& rows, const std::string& name) {
    if (!rows.is_array()) throw FieldError{"'taxels." + name + "' must be an array"};
    std::vector<float> out;
    for (const auto& row : rows) {
      const auto values = numbers<float>(row, "taxels." + name + "[]");
      if (values.size() != c.knot_mmhg.size()) {
        throw FieldError{"every 'taxels." + name + "' entry must hold one reading per knot (" +
                         std::to_string(c.knot_mmhg.size()) + ")"};
      }
      out.insert(out.end(), values.begin(), values.end());
    }
    return out;
  };
  c.knot_counts = read_knots(field(taxels, "knot_counts", "taxels."), "knot_counts");
  if (taxels.contains("loading_knot_counts") || taxels.contains("unloading_knot_counts")) {
    c.loading_knot_counts =
        read_knots(field(taxels, "loading_knot_counts", "taxels."), "loading_knot_counts");
    c.unloading_knot_counts =
        read_knots(field(taxels, "unloading_knot_counts", "taxels."), "unloading_knot_counts");
    c.loop_peak_counts =
        numbers<float>(field(taxels, "loop_peak_counts", "taxels."), "taxels.loop_peak_counts");
  }
  if (taxels.contains("fit_rms_mmhg")) {
    c.fit_rms_mmhg = numbers<float>(taxels.at("fit_rms_mmhg"), "taxels.fit_rms_mmhg");
  }
  if (doc.contains("creep") && !doc.at("creep").is_null()) {
    if (c.version < 2) throw FieldError{"'creep' needs format version 2"};
    const auto& creep = doc.at("creep");
    if (text(creep, "model", "creep.") != "first_order_lag") {
      throw FieldError{"unknown creep model '" + text(creep, "model", "creep.") +
                       "' (first_order_lag is known)"};
    }
    CreepModel model;
    model.tau_s = number(creep, "tau_s", "creep.");
    model.fraction = numbers<float>(field(creep, "fraction", "creep."), "creep.fraction");
    c.creep = std::move(model);
  }
  if (doc.contains("session") && !doc.at("session").is_null()) {
    const auto& s = doc.at("session");
    SessionFigures f;
    f.levels_mmhg = numbers<double>(field(s, "levels_mmhg", "session."), "session.levels_mmhg");
    f.holds = whole_count(s, "holds", "session.");
    f.hold_s_median = number(s, "hold_s_median", "session.");
    const auto& unloading = field(s, "unloading", "session.");
    if (!unloading.is_boolean()) throw FieldError{"'session.unloading' must be true or false"};
    f.unloading = unloading.get<bool>();
    f.hysteresis_pct_median = number(s, "hysteresis_pct_median", "session.");
    f.hysteresis_pct_p95 = number(s, "hysteresis_pct_p95", "session.");
    f.creep_pct_median = number(s, "creep_pct_median", "session.");
    f.creep_pct_p95 = number(s, "creep_pct_p95", "session.");
    f.fit_rms_pct_fs = number(s, "fit_rms_pct_fs", "session.");
    const auto& cv = field(s, "family_cv_rms_pct_fs", "session.");
    if (!cv.is_object()) throw FieldError{"'session.family_cv_rms_pct_fs' must be an object"};
    for (const auto& [name, pct] : cv.items()) {
      if (!pct.is_number() || !std::isfinite(pct.get<double>())) {
        throw FieldError{"'session.family_cv_rms_pct_fs' must map to finite numbers"};
      }
      f.family_cv_rms_pct_fs[name] = pct.get<double>();
    }
    f.saturated_points = whole_count(s, "saturated_points", "session.");
    if (s.contains("departure_pct")) f.departure_pct = number(s, "departure_pct", "session.");
    if (s.contains("creep_model")) {
      f.creep_model = text(s, "creep_model", "session.");
      f.creep_tau_s = number(s, "creep_tau_s", "session.");
      f.creep_fraction_median = number(s, "creep_fraction_median", "session.");
      f.creep_explained = number(s, "creep_explained", "session.");
    }
    if (s.contains("levels_beyond_range_mmhg")) {
      f.levels_beyond_range_mmhg =
          numbers<double>(s.at("levels_beyond_range_mmhg"), "session.levels_beyond_range_mmhg");
    }
    c.session = std::move(f);
  }
  return c;
}

}  // namespace

std::string to_json(const MatCalibration& c) {
  const std::size_t m = c.knots();
  ordered_json status_map = ordered_json::array();
  for (std::size_t r = 0; r < c.rows; ++r) {
    std::string row(c.cols, kStatusOk);
    for (std::size_t col = 0; col < c.cols; ++col) {
      const std::size_t i = r * c.cols + col;
      if (i < c.status.size()) {
        row[col] = c.status[i] == TaxelStatus::kDead    ? kStatusDead
                   : c.status[i] == TaxelStatus::kStuck ? kStatusStuck
                                                        : kStatusOk;
      }
    }
    status_map.push_back(std::move(row));
  }
  ordered_json offsets = ordered_json::array();
  ordered_json noise = ordered_json::array();
  ordered_json knots = ordered_json::array();
  ordered_json fit = ordered_json::array();
  for (std::size_t i = 0; i < c.offset_counts.size(); ++i)
    offsets.push_back(rounded(c.offset_counts[i]));
  for (std::size_t i = 0; i < c.noise_counts.size(); ++i)
    noise.push_back(rounded(c.noise_counts[i]));
  const auto per_taxel = [m](const std::vector<float>& values) {
    ordered_json rows = ordered_json::array();
    for (std::size_t i = 0; m > 0 && i < values.size() / m; ++i) {
      ordered_json row = ordered_json::array();
      for (std::size_t k = 0; k < m; ++k) row.push_back(rounded(values[i * m + k]));
      rows.push_back(std::move(row));
    }
    return rows;
  };
  knots = per_taxel(c.knot_counts);
  for (const float e : c.fit_rms_mmhg) fit.push_back(rounded(e));
  ordered_json taxels = {{"status_map", status_map},
                         {"offset_counts", offsets},
                         {"noise_counts", noise},
                         {"knot_counts", knots}};
  if (!c.fit_rms_mmhg.empty()) taxels["fit_rms_mmhg"] = fit;
  if (c.has_branches()) {
    taxels["loading_knot_counts"] = per_taxel(c.loading_knot_counts);
    taxels["unloading_knot_counts"] = per_taxel(c.unloading_knot_counts);
    ordered_json peaks = ordered_json::array();
    for (const float v : c.loop_peak_counts) peaks.push_back(rounded(v));
    taxels["loop_peak_counts"] = peaks;
  }
  ordered_json doc = {{"format", kCalibrationFormatName},
                      {"version", c.version},
                      {"mat",
                       {{"id", c.mat_id},
                        {"serial", c.mat_serial},
                        {"rows", c.rows},
                        {"cols", c.cols},
                        {"full_scale_counts", c.full_scale_counts}}},
                      {"created_utc", c.created_utc},
                      {"units", c.units},
                      {"source", c.source},
                      {"curve",
                       {{"family", to_string(c.family)},
                        {"reason", c.family_reason},
                        {"knot_mmhg", c.knot_mmhg},
                        {"noise_fraction", std::round(c.noise_fraction * 1e5) / 1e5}}},
                      {"session", c.session ? figures_json(*c.session) : ordered_json(nullptr)},
                      {"creep", ordered_json(nullptr)},
                      {"taxels", taxels}};
  if (c.creep) {
    ordered_json fractions = ordered_json::array();
    for (const float f : c.creep->fraction) fractions.push_back(std::round(f * 1e4) / 1e4);
    doc["creep"] = {
        {"model", "first_order_lag"}, {"tau_s", rounded(c.creep->tau_s)}, {"fraction", fractions}};
  }
  return doc.dump(1) + "\n";
}

std::variant<MatCalibration, CalibrationFileError> parse_calibration(
    std::string_view json_text, const AcceptanceLimits& limits) {
  ordered_json doc = ordered_json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return CalibrationFileError{"not valid JSON"};
  MatCalibration c;
  try {
    c = from_json(doc);
  } catch (const FieldError& e) {
    return CalibrationFileError{e.message};
  } catch (const nlohmann::json::exception& e) {
    return CalibrationFileError{std::string("malformed calibration: ") + e.what()};
  }
  if (auto reason = validate(c, limits)) return CalibrationFileError{"refused: " + *reason};
  return c;
}

std::variant<MatCalibration, CalibrationFileError> load_calibration(
    const std::filesystem::path& path, const AcceptanceLimits& limits) {
  const std::string name = path.string();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return CalibrationFileError{name + ": not a readable file"};
  }
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return CalibrationFileError{name + ": " + ec.message()};
  if (size > kMaxCalibrationFileBytes) {
    return CalibrationFileError{name + ": " + std::to_string(size) + " bytes is too large"};
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return CalibrationFileError{name + ": cannot open"};
  std::ostringstream buffer;
  buffer << in.rdbuf();
  auto result = parse_calibration(buffer.str(), limits);
  if (auto* error = std::get_if<CalibrationFileError>(&result)) {
    error->message = name + ": " + error->message;
  }
  return result;
}

std::string save_calibration(const MatCalibration& c, const std::filesystem::path& path,
                             const AcceptanceLimits& limits) {
  if (auto reason = validate(c, limits)) return "refused, not written: " + *reason;
  const std::filesystem::path temporary = path.string() + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) return temporary.string() + ": cannot create";
    out << to_json(c);
    out.flush();
    if (!out) {
      std::error_code ignored;
      std::filesystem::remove(temporary, ignored);
      return temporary.string() + ": write failed";
    }
  }
  std::error_code ec;
  std::filesystem::rename(temporary, path, ec);
  if (ec) {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    return path.string() + ": " + ec.message();
  }
  return {};
}

}  // namespace pmap::calibration
