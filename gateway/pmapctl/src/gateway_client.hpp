#pragma once
// A blocking HTTP/1.1 client for pmap-gateway's JSON API (docs/api.md), on Boost.Beast: one
// request per connection, the bearer token on every request, every step bounded in time.
//
// Timeouts: connecting waits at most `connect_timeout` (default 10 s); sending the request and
// receiving the whole answer at most `response_timeout` (default 60 s: a year's PDF report takes
// a few seconds). Answers larger than 256 MiB are refused. Host names are resolved with the
// system resolver before the connect timeout starts.
//
// Error semantics: every failure throws GatewayError — kUnreachable (no such host, connection
// refused), kTimeout, kProtocol (not HTTP, too large, or a 2xx whose body is not the JSON
// expected), kHttp (a status >= 300; code, message and field from the API's error object when it
// sent one).
// Threading: a client may be used by one thread at a time; each request has its own io_context.
#include <chrono>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "api_url.hpp"

namespace pmap::pmapctl {

struct GatewayReply {
  int status = 0;
  std::map<std::string, std::string> headers;  ///< names in lower case
  std::string body;                            ///< bytes as received (binary-safe)

  /// A header's value, or "" when absent; `name` in lower case.
  [[nodiscard]] std::string header(const std::string& name) const;
  /// True when the answer carries X-PostureMap-Red-Flag (docs/api.md).
  [[nodiscard]] bool red_flag() const;
};

class GatewayClient {
 public:
  struct Timeouts {
    std::chrono::milliseconds connect{10'000};
    std::chrono::milliseconds response{60'000};
  };

  /// `token`: empty for none (a gateway on loopback without a token file).
  GatewayClient(ApiUrl url, std::string token, Timeouts timeouts);

  /// GET prefix + `target` ("/v1/nights?from=…"); throws GatewayError unless 2xx.
  [[nodiscard]] GatewayReply get(const std::string& target) const;
  /// POST prefix + `target` with `body` as application/json; throws GatewayError unless 2xx.
  [[nodiscard]] GatewayReply post(const std::string& target, const nlohmann::json& body) const;
  /// DELETE prefix + `target`; throws GatewayError unless 2xx.
  [[nodiscard]] GatewayReply remove(const std::string& target) const;
  /// GET and parse the body as a JSON object (kProtocol when it is not one).
  [[nodiscard]] nlohmann::json get_json(const std::string& target) const;

  [[nodiscard]] const ApiUrl& url() const { return url_; }

  /// Percent-encodes a query value or path segment (unreserved characters stay as they are).
  [[nodiscard]] static std::string encode(const std::string& text);

 private:
  [[nodiscard]] GatewayReply request(const std::string& method, const std::string& target,
                                     const std::string* body) const;

  ApiUrl url_;
  std::string token_;
  Timeouts timeouts_;
};

}  // namespace pmap::pmapctl
