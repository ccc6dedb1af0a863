#pragma once
// Test helper: a small blocking HTTP/1.1 client on Boost.Beast for the API tests and the API
// benchmark. One connection per Client; requests are sent keep-alive on it.
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "pmap/asio.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace pmap::api::test {

struct HttpResult {
  int status = 0;
  std::map<std::string, std::string> headers;  ///< names in lower case
  std::string body;
  [[nodiscard]] nlohmann::json json() const {
    return nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  }
  /// The error code of an error response ("" when there is none).
  [[nodiscard]] std::string code() const {
    const auto j = json();
    return j.is_object() && j.contains("error") ? j["error"].value("code", "") : "";
  }
  [[nodiscard]] nlohmann::json field() const {
    const auto j = json();
    return j.is_object() && j.contains("error") ? j["error"]["field"] : nlohmann::json();
  }
};

class Client {
 public:
  explicit Client(std::uint16_t port) : socket_(io_) {
    socket_.connect({boost::asio::ip::make_address("127.0.0.1"), port});
    init();
  }
  /// Connects from `from`, another local address (e.g. 127.0.0.2: any 127/8 address is the
  /// loopback interface's on Linux), as a second client of the API's per-address limits.
  Client(std::uint16_t port, const std::string& from) : socket_(io_) {
    socket_.open(boost::asio::ip::tcp::v4());
    socket_.bind({boost::asio::ip::make_address(from), 0});
    socket_.connect({boost::asio::ip::make_address("127.0.0.1"), port});
    init();
  }
  void init() {
    // Never hang a test: a read that waits 10 s fails.
    const timeval tv{10, 0};
    ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }

  HttpResult request(const std::string& method, const std::string& target,
                     const std::string& body = {},
                     std::vector<std::pair<std::string, std::string>> headers = {}) {
    namespace http = boost::beast::http;
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    if (req.method() == http::verb::unknown) req.method_string(method);
    req.set(http::field::host, "127.0.0.1");
    bool has_type = false;
    for (const auto& [name, value] : headers) {
      req.set(name, value);
      has_type = has_type || name == "Content-Type";
    }
    if (!body.empty() && !has_type) req.set(http::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
    http::write(socket_, req);
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    http::read(socket_, buffer_, parser);
    const auto& res = parser.get();
    HttpResult out;
    out.status = static_cast<int>(res.result_int());
    for (const auto& f : res) {
      std::string name(f.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers[name] = std::string(f.value());
    }
    out.body = res.body();
    return out;
  }

  boost::asio::ip::tcp::socket& socket() { return socket_; }

 private:
  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
};

/// One request on a fresh connection.
inline HttpResult http(std::uint16_t port, const std::string& method, const std::string& target,
                       const std::string& body = {},
                       std::vector<std::pair<std::string, std::string>> headers = {}) {
  Client c(port);
  return c.request(method, target, body, std::move(headers));
}

}  // namespace pmap::api::test
