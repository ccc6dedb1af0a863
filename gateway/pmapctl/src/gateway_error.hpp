#pragma once
// What GatewayClient throws: the gateway could not be reached or did not answer in time
// (kUnreachable, kTimeout), answered something that is not HTTP or not what was expected
// (kProtocol), or answered with an error status (kHttp: status, the API's code, message and field
// from {"error":{"code","message","field"}}).
#include <stdexcept>
#include <string>
#include <utility>

namespace pmap::pmapctl {

class GatewayError : public std::runtime_error {
 public:
  enum class Kind { kUnreachable, kTimeout, kProtocol, kHttp };

  GatewayError(Kind kind, const std::string& message, int status = 0, std::string code = {},
               std::string field = {})
      : std::runtime_error(message),
        kind_(kind),
        status_(status),
        code_(std::move(code)),
        field_(std::move(field)) {}

  [[nodiscard]] Kind kind() const { return kind_; }
  /// The HTTP status (kHttp), else 0.
  [[nodiscard]] int status() const { return status_; }
  /// The API's stable error code ("invalid_value", "missing_token", …); empty when none came.
  [[nodiscard]] const std::string& code() const { return code_; }
  /// The field at fault as the API named it; empty when none.
  [[nodiscard]] const std::string& field() const { return field_; }

 private:
  Kind kind_;
  int status_;
  std::string code_;
  std::string field_;
};

}  // namespace pmap::pmapctl
