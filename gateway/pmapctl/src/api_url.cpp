#include "api_url.hpp"

#include <algorithm>
#include <cctype>

namespace pmap::pmapctl {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool host_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' || c == '_';
}

bool path_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' || c == '_' ||
         c == '~' || c == '/';
}

}  // namespace

ApiUrl ApiUrl::parse(std::string_view text) {
  const std::string given(text);
  if (text.empty()) throw ApiUrlError("--api: empty URL (e.g. http://127.0.0.1:8787)");
  if (text.size() > 2048) throw ApiUrlError("--api: the URL is longer than 2048 characters");
  const std::string low = lower(text);
  if (low.starts_with("https://"))
    throw ApiUrlError("--api: '" + given +
                      "': https is not supported yet (pmapctl speaks plain HTTP only); use "
                      "http:// on loopback or a network you trust, e.g. through an SSH tunnel");
  if (!low.starts_with("http://"))
    throw ApiUrlError("--api: '" + given +
                      "' must start with http:// (e.g. http://127.0.0.1:8787)");
  std::string_view rest = text.substr(7);
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos)
    throw ApiUrlError("--api: '" + given +
                      "': user names in the URL are not supported (use --token-file)");
  ApiUrl url;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos)
      throw ApiUrlError("--api: '" + given + "': unterminated [IPv6] address");
    url.host = std::string(authority.substr(1, close - 1));
    url.ipv6 = true;
    const auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':')
        throw ApiUrlError("--api: '" + given + "': expected :PORT after the [IPv6] address");
      port = after.substr(1);
      if (port.empty()) throw ApiUrlError("--api: '" + given + "': empty port");
    }
    if (url.host.empty() || !std::all_of(url.host.begin(), url.host.end(), [](char c) {
          return std::isxdigit(static_cast<unsigned char>(c)) != 0 || c == ':' || c == '.';
        }))
      throw ApiUrlError("--api: '" + given + "': '" + url.host + "' is not an IPv6 address");
  } else {
    const auto colon = authority.find(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port = authority.substr(colon + 1);
      if (port.empty()) throw ApiUrlError("--api: '" + given + "': empty port");
    }
    if (url.host.empty()) throw ApiUrlError("--api: '" + given + "' names no host");
    if (url.host.size() > 253 || !std::all_of(url.host.begin(), url.host.end(), host_char))
      throw ApiUrlError("--api: '" + given + "': '" + url.host + "' is not a host name or address");
  }
  if (!port.empty()) {
    if (port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
      throw ApiUrlError("--api: '" + given + "': port '" + std::string(port) + "' is not 1-65535");
    const int p = std::stoi(std::string(port));
    if (p < 1 || p > 65535)
      throw ApiUrlError("--api: '" + given + "': port '" + std::string(port) + "' is not 1-65535");
    url.port = static_cast<std::uint16_t>(p);
  }
  if (!path.empty()) {
    if (!std::all_of(path.begin(), path.end(), path_char))
      throw ApiUrlError("--api: '" + given +
                        "': the path may only hold letters, digits and - . _ ~ / (no query, "
                        "fragment or escapes)");
    std::string prefix(path);
    while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
    if (prefix.find("//") != std::string::npos || prefix.find("/../") != std::string::npos ||
        prefix.ends_with("/..") || prefix.find("/./") != std::string::npos ||
        prefix.ends_with("/."))
      throw ApiUrlError("--api: '" + given + "': the path must not contain //, . or .. segments");
    if (prefix.ends_with("/v1"))
      throw ApiUrlError("--api: '" + given +
                        "': give the gateway's base URL without /v1 (e.g. http://127.0.0.1:8787)");
    url.prefix = prefix;
  }
  return url;
}

std::string ApiUrl::host_header() const {
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string ApiUrl::text() const {
  return "http://" + host_header() + prefix;
}

}  // namespace pmap::pmapctl
