#pragma once
// The one exception type of the report library.
//
// Error semantics: a report that cannot be built honestly — an invalid configuration, a date out of
// range, a database that cannot be read — throws ReportError with a message naming the cause.
// Thin data is not an error: sections without data say so in the report ("no bed data for the
// night ending on …"), and statistics without enough days say "cannot tell yet".
#include <stdexcept>
#include <string>

namespace pmap::report {

class ReportError : public std::runtime_error {
 public:
  explicit ReportError(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace pmap::report
