#pragma once
// The gateway's API address as pmapctl takes it (--api URL, or $PMAP_API):
// http://HOST[:PORT][/PREFIX].
//
// HOST is an IPv4 literal, [IPv6] or a host name; PORT 1-65535 (default 80); PREFIX an optional
// path the API is served under (behind a reverse proxy), without query or fragment. https:// is
// refused (TLS is not supported yet). Throws ApiUrlError with a message naming the problem.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace pmap::pmapctl {

class ApiUrlError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

struct ApiUrl {
  std::string host;  ///< as given, without the brackets of an IPv6 literal
  std::uint16_t port = 80;
  std::string prefix;  ///< "" or "/something" without a trailing '/'
  bool ipv6 = false;

  [[nodiscard]] static ApiUrl parse(std::string_view text);
  /// "http://host:port/prefix", for messages.
  [[nodiscard]] std::string text() const;
  /// The Host header's value ("host:port", IPv6 in brackets).
  [[nodiscard]] std::string host_header() const;
};

}  // namespace pmap::pmapctl
