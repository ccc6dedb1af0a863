#pragma once
// Private: how numbers and dates are written in sentences and JSON.
#include <chrono>
#include <string>

namespace pmap::associations::detail {

/// "+0.4", "-1.2", "+0.0" (one decimal, always signed).
[[nodiscard]] std::string signed_1(double value);
/// "0.4", "1.2" (one decimal).
[[nodiscard]] std::string plain_1(double value);
/// Three significant digits, for steps such as a standard deviation.
[[nodiscard]] std::string sig_3(double value);
/// "2026-11-26".
[[nodiscard]] std::string iso_date(std::chrono::sys_days day);

}  // namespace pmap::associations::detail
