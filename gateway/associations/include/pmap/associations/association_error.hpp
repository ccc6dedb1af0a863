#pragma once
// The one exception type of the associations library.
//
// Error semantics (whole library): data the statistics cannot use honestly — a NaN or infinite
// value or one beyond kMaxAbsValue, a duplicated day, an empty setup name, a nonsensical
// configuration — throws AssociationError with a message that names the day and the field. Data
// that is merely thin (too few days, a measure that never varied) is not an error: it comes back as
// a result whose status says why nothing could be concluded.
#include <stdexcept>
#include <string>

namespace pmap::associations {

/// Inputs beyond this magnitude are refused: no minute count, rate, angle or pain score comes
/// near it, and squares of larger values would overflow the sums of the regression.
inline constexpr double kMaxAbsValue = 1e9;

class AssociationError : public std::invalid_argument {
 public:
  explicit AssociationError(const std::string& message) : std::invalid_argument(message) {}
};

}  // namespace pmap::associations
