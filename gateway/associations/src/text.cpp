#include "text.hpp"

#include <cmath>
#include <cstdio>

namespace pmap::associations::detail {

namespace {
std::string printf_double(const char* format, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, value);
  return buffer;
}
// -0.04 prints as "-0.0"; a person reads that as a sign, so tiny values are written as zero.
double tidy(double value) {
  return std::abs(value) < 0.05 ? 0.0 : value;
}
}  // namespace

std::string signed_1(double value) {
  return printf_double("%+.1f", tidy(value));
}
std::string plain_1(double value) {
  return printf_double("%.1f", tidy(value));
}
std::string sig_3(double value) {
  return printf_double("%.3g", value);
}

std::string iso_date(std::chrono::sys_days day) {
  const std::chrono::year_month_day ymd{day};
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buffer;
}

}  // namespace pmap::associations::detail
