#pragma once
// The one exception type of the diary library.
//
// Error semantics (whole library): every function that validates input throws DiaryError with a
// message a person can act on ("leg_pain: 11 is out of range 0-10"); field() names the offending
// field (empty when the error is not about one field), line() the 1-based line of an imported file
// (0 otherwise). Storage failures (SQLite) are turned into DiaryError as well, so a caller needs to
// catch exactly one type. Nothing is written when an error is thrown.
#include <stdexcept>
#include <string>

namespace pmap::diary {

class DiaryError : public std::runtime_error {
 public:
  explicit DiaryError(const std::string& message, std::string field = {}, int line = 0)
      : std::runtime_error(message), field_(std::move(field)), line_(line) {}
  [[nodiscard]] const std::string& field() const { return field_; }
  [[nodiscard]] int line() const { return line_; }

 private:
  std::string field_;
  int line_;
};

}  // namespace pmap::diary
