#include "gateway_client.hpp"

// pmap/asio.hpp first: it includes <utility> before any Asio header (Boost 1.74 + GCC 12).
#include "pmap/asio.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cctype>
#include <optional>
#include <utility>

#include "gateway_error.hpp"

namespace pmap::pmapctl {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using nlohmann::json;

constexpr std::uint64_t kMaxAnswerBytes = 256ULL << 20U;

std::string seconds(std::chrono::milliseconds ms) {
  const auto n = ms.count();
  return n % 1000 == 0 ? std::to_string(n / 1000) + " s" : std::to_string(n) + " ms";
}

/// Runs the io_context until the pending operation completes; the operation's own deadline
/// (tcp_stream::expires_after) ends it at the latest.
void run(net::io_context& io) {
  io.restart();
  io.run();
}

}  // namespace

std::string GatewayReply::header(const std::string& name) const {
  const auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

bool GatewayReply::red_flag() const {
  return headers.count("x-posturemap-red-flag") != 0U;
}

GatewayClient::GatewayClient(ApiUrl url, std::string token, Timeouts timeouts)
    : url_(std::move(url)), token_(std::move(token)), timeouts_(timeouts) {}

std::string GatewayClient::encode(const std::string& text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4U];
      out += kHex[c & 0xFU];
    }
  }
  return out;
}

GatewayReply GatewayClient::get(const std::string& target) const {
  return request("GET", target, nullptr);
}

GatewayReply GatewayClient::post(const std::string& target, const json& body) const {
  const std::string text = body.dump();
  return request("POST", target, &text);
}

GatewayReply GatewayClient::remove(const std::string& target) const {
  return request("DELETE", target, nullptr);
}

json GatewayClient::get_json(const std::string& target) const {
  const GatewayReply reply = get(target);
  json j = json::parse(reply.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    throw GatewayError(GatewayError::Kind::kProtocol,
                       "the gateway at " + url_.text() + " answered GET " + target +
                           " with something that is not a JSON object");
  return j;
}

GatewayReply GatewayClient::request(const std::string& method, const std::string& target,
                                    const std::string* body) const {
  const std::string where = "the gateway at " + url_.text();
  net::io_context io;
  beast::error_code ec;

  tcp::resolver resolver(io);
  const auto endpoints = resolver.resolve(url_.host, std::to_string(url_.port), ec);
  if (ec)
    throw GatewayError(
        GatewayError::Kind::kUnreachable,
        "cannot reach " + where + ": cannot resolve '" + url_.host + "': " + ec.message());

  beast::tcp_stream stream(io);
  stream.expires_after(timeouts_.connect);
  stream.async_connect(endpoints,
                       [&](const beast::error_code& e, const tcp::endpoint&) { ec = e; });
  run(io);
  if (ec == beast::error::timeout)
    throw GatewayError(
        GatewayError::Kind::kTimeout,
        "cannot reach " + where + ": no connection within " + seconds(timeouts_.connect));
  if (ec)
    throw GatewayError(GatewayError::Kind::kUnreachable,
                       "cannot reach " + where + ": " + ec.message() +
                           " (is pmap-gateway running there with its API enabled?)");

  http::request<http::string_body> req{http::string_to_verb(method),
                                       url_.prefix + target, 11};
  req.set(http::field::host, url_.host_header());
  req.set(http::field::user_agent, "pmapctl");
  req.set(http::field::accept, "*/*");
  req.set(http::field::connection, "close");
  if (!token_.empty()) req.set(http::field::authorization, "Bearer " + token_);
  if (body != nullptr) {
    req.set(http::field::content_type, "application/json");
    req.body() = *body;
  }
  req.prepare_payload();

  // One deadline for sending the request and receiving the whole answer.
  stream.expires_after(timeouts_.response);
  http::async_write(stream, req, [&](const beast::error_code& e, std::size_t) { ec = e; });
  run(io);
  const auto timed_out = [&] {
    return GatewayError(GatewayError::Kind::kTimeout, where + " did not answer " + method + " " +
                                                          target + " within " +
                                                          seconds(timeouts_.response));
  };
  if (ec == beast::error::timeout) throw timed_out();
  if (ec)
    throw GatewayError(
        GatewayError::Kind::kUnreachable,
        "sending " + method + " " + target + " to " + where + " failed: " + ec.message());

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxAnswerBytes);
  parser.header_limit(64 * 1024);
  http::async_read(stream, buffer, parser,
                   [&](const beast::error_code& e, std::size_t) { ec = e; });
  run(io);
  if (ec == beast::error::timeout) throw timed_out();
  if (ec == http::error::body_limit)
    throw GatewayError(GatewayError::Kind::kProtocol,
                       where + " answered " + method + " " + target + " with more than 256 MiB");
  if (ec)
    throw GatewayError(GatewayError::Kind::kProtocol, where + " did not answer " + method + " " +
                                                          target + " with HTTP: " + ec.message());
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);

  auto res = parser.release();
  GatewayReply reply;
  reply.status = static_cast<int>(res.result_int());
  for (const auto& f : res) {
    std::string name(f.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    reply.headers[name] = std::string(f.value());
  }
  reply.body = std::move(res.body());
  if (reply.status >= 200 && reply.status < 300) return reply;

  // {"error":{"code","message","field"}} (docs/api.md, "Errors"); anything else (a proxy's
  // page) is reported by its status.
  const json j = json::parse(reply.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_object() && j.contains("error") && j["error"].is_object()) {
    const json& e = j["error"];
    const auto text = [&](const char* key) {
      return e.contains(key) && e[key].is_string() ? e[key].get<std::string>() : std::string();
    };
    std::string message = text("message");
    if (message.empty()) message = "HTTP " + std::to_string(reply.status);
    throw GatewayError(GatewayError::Kind::kHttp, message, reply.status, text("code"),
                       text("field"));
  }
  throw GatewayError(GatewayError::Kind::kHttp,
                     where + " answered " + method + " " + target + " with HTTP " +
                         std::to_string(reply.status) + " " + std::string(res.reason()),
                     reply.status);
}

}  // namespace pmap::pmapctl
