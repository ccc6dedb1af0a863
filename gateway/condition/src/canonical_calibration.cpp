#include "pmap/canonical_calibration.hpp"

#include <cctype>
#include <cmath>
#include <stdexcept>

namespace pmap {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

}  // namespace

std::optional<std::int64_t> parse_utc_seconds(std::string_view s) {
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (s.size() < 19 || !digits(s, 0, 4, year) || s[4] != '-' || !digits(s, 5, 2, month) ||
      s[7] != '-' || !digits(s, 8, 2, day) || (s[10] != 'T' && s[10] != ' ') ||
      !digits(s, 11, 2, hour) || s[13] != ':' || !digits(s, 14, 2, minute) || s[16] != ':' ||
      !digits(s, 17, 2, second)) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    const std::size_t start = pos;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) ++pos;
    if (pos == start) return std::nullopt;
  }
  const std::string_view zone = s.substr(pos);
  if (zone != "Z" && zone != "+00:00") return std::nullopt;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  return days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 +
         hour * 3600 + minute * 60 + second;
}

std::variant<std::shared_ptr<const CanonicalCalibration>, std::string> CanonicalCalibration::make(
    const calibration::MatCalibration& own_order, const MatDescriptor& mat, Source source) {
  if (auto reason = calibration::check_matches(own_order, mat)) return *reason;
  if (!own_order.has_curves()) {
    return std::string(
        "a zero-only calibration (no pressure curves): it cannot convert counts to mmHg");
  }
  try {
    const calibration::MatCalibration canonical = calibration::to_canonical(own_order, mat.layout);
    return std::shared_ptr<const CanonicalCalibration>(
        new CanonicalCalibration(canonical, mat, std::move(source)));
  } catch (const std::invalid_argument& e) {
    return std::string(e.what());
  }
}

CanonicalCalibration::CanonicalCalibration(const calibration::MatCalibration& c,
                                           const MatDescriptor& mat, Source source)
    : applier_(c),
      offsets_(c.offset_counts),
      mat_id_(mat.id),
      rows_(c.rows),
      cols_(c.cols),
      layout_(mat.layout),
      full_scale_counts_(c.full_scale_counts),
      created_utc_(c.created_utc),
      created_s_(parse_utc_seconds(c.created_utc)),
      family_(c.family),
      source_(std::move(source)) {
  working_.resize(c.status.size());
  for (std::size_t i = 0; i < c.status.size(); ++i) {
    working_[i] = c.status[i] == calibration::TaxelStatus::kOk;
    if (working_[i]) ++working_count_;
  }
  dead_ = c.count(calibration::TaxelStatus::kDead);
  stuck_ = c.count(calibration::TaxelStatus::kStuck);
}

bool CanonicalCalibration::made_for(const MatDescriptor& mat) const {
  return mat.id == mat_id_ && mat.rows == rows_ && mat.cols == cols_ && mat.layout == layout_ &&
         (mat.full_scale_counts == 0 ||
          std::abs(full_scale_counts_ - mat.full_scale_counts) <= 0.5);
}

}  // namespace pmap
