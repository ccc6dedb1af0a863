#include "pmap/api/api_server.hpp"

// pmap/asio.hpp first: it includes <utility> before any Asio header (Boost 1.74 + GCC 12).
#include "pmap/asio.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "endpoints.hpp"
#include "pmap/diary/diary_error.hpp"
#include "pmap/diary/time_zone.hpp"
#include "pmap/sqlite.hpp"
#include "pmap/store.hpp"

namespace pmap::api {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using nlohmann::json;

// ------------------------------------------------------------------------------ configuration

bool listen_disabled(std::string_view text) {
  std::string t(text);
  std::transform(t.begin(), t.end(), t.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return t.empty() || t == "off";
}

ListenAddress ListenAddress::parse(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0)
    throw ApiConfigError("api_listen: '" + std::string(text) +
                         "' is not host:port (e.g. 127.0.0.1:8787, [::1]:8787)");
  std::string host(text.substr(0, colon));
  const std::string_view port = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (host == "localhost") host = "127.0.0.1";
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      std::stoi(std::string(port)) > 65535)
    throw ApiConfigError("api_listen: port '" + std::string(port) + "' is not 0-65535");
  boost::system::error_code ec;
  const auto address = net::ip::make_address(host, ec);
  if (ec)
    throw ApiConfigError("api_listen: '" + host +
                         "' is not an IP address (IPv4, [IPv6] or localhost)");
  ListenAddress out;
  out.host = address.to_string();
  out.port = static_cast<std::uint16_t>(std::stoi(std::string(port)));
  out.loopback = address.is_loopback();
  return out;
}

std::string read_token_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ApiConfigError("api_token_file: cannot read '" + path + "'");
  std::string line;
  std::getline(in, line);
  const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!line.empty() && blank(line.back())) line.pop_back();
  std::size_t first = 0;
  while (first < line.size() && blank(line[first])) ++first;
  line = line.substr(first);
  if (line.size() < 16 || line.size() > 256)
    throw ApiConfigError("api_token_file: the token in '" + path +
                         "' must have 16-256 characters (has " + std::to_string(line.size()) + ")");
  const auto token68 = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~' || c == '+' || c == '/' || c == '=';
  };
  if (!std::all_of(line.begin(), line.end(), token68))
    throw ApiConfigError("api_token_file: the token in '" + path +
                         "' may only use letters, digits and - . _ ~ + / =");
  return line;
}

namespace {

/// Compares a presented token with the configured one; the time taken depends only on the
/// configured token's length, not on where the first difference is.
bool tokens_equal(std::string_view presented, std::string_view expected) {
  unsigned diff = presented.size() == expected.size() ? 0U : 1U;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const char p = i < presented.size() ? presented[i] : '\0';
    diff |= static_cast<unsigned>(static_cast<unsigned char>(p) ^
                                  static_cast<unsigned char>(expected[i]));
  }
  return diff == 0U;
}

/// Every rejection code, so that GET /v1/health lists them all (0 until one happens).
const char* const kRejectionCodes[] = {"bad_http",
                                       "bad_query",
                                       "bad_param",
                                       "unknown_param",
                                       "range_too_large",
                                       "bad_json",
                                       "bad_type",
                                       "unknown_field",
                                       "missing_field",
                                       "invalid_value",
                                       "unknown_setup",
                                       "conflict",
                                       "missing_token",
                                       "invalid_token",
                                       "not_found",
                                       "unknown_mat",
                                       "missing_param",
                                       "token_required",
                                       "delete_failed",
                                       "method_not_allowed",
                                       "body_too_large",
                                       "headers_too_large",
                                       "unsupported_media_type",
                                       "too_many_connections",
                                       "rate_limited",
                                       "timeout",
                                       "database_unavailable",
                                       "internal_error"};

class Counters {
 public:
  Counters() {
    for (const char* code : kRejectionCodes) rejected_[code] = 0;
  }
  void response(int status, const std::string& code) {
    const std::lock_guard lock(mutex_);
    ++(status < 300 ? r2xx_ : status < 500 ? r4xx_ : r5xx_);
    if (!code.empty()) ++rejected_[code];
  }
  void request() {
    const std::lock_guard lock(mutex_);
    ++requests_;
  }
  void timeout() {
    const std::lock_guard lock(mutex_);
    ++rejected_["timeout"];
  }
  void opened() {
    const std::lock_guard lock(mutex_);
    ++open_;
    ++accepted_;
  }
  void closed() {
    const std::lock_guard lock(mutex_);
    --open_;
  }
  [[nodiscard]] std::int64_t open() const {
    const std::lock_guard lock(mutex_);
    return open_;
  }
  [[nodiscard]] json to_json() const {
    const std::lock_guard lock(mutex_);
    return json{{"requests", requests_},
                {"responses", {{"2xx", r2xx_}, {"4xx", r4xx_}, {"5xx", r5xx_}}},
                {"rejected", rejected_},
                {"connections", {{"open", open_}, {"accepted", accepted_}}}};
  }

 private:
  mutable std::mutex mutex_;
  std::uint64_t requests_ = 0, r2xx_ = 0, r4xx_ = 0, r5xx_ = 0, accepted_ = 0;
  std::int64_t open_ = 0;
  std::map<std::string, std::uint64_t> rejected_;
};

/// Serialises a response body. Invalid UTF-8 (request text echoed in a message, a note stored by
/// another tool) is replaced by U+FFFD rather than throwing.
std::string to_text(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

json error_json(const std::string& code, const std::string& message, const std::string& field) {
  return json{{"error",
               {{"code", code},
                {"message", message},
                {"field", field.empty() ? json(nullptr) : json(field)}}}};
}

/// Token bucket per client address (network thread only). A bounded table: when it is full the
/// client idle longest is forgotten (it comes back with a full bucket, which is the worst a
/// forgotten client gains). IPv6 clients are keyed by their /64, which one host usually owns.
class ClientRateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  ClientRateLimiter(double per_s, double burst, std::size_t max_clients)
      : per_s_(per_s), burst_(burst), max_clients_(std::max<std::size_t>(1, max_clients)) {}

  [[nodiscard]] bool enabled() const { return per_s_ > 0; }

  /// Takes one token; when there is none, the whole seconds until there is one (≥ 1).
  std::optional<int> take(const net::ip::address& client, Clock::time_point now) {
    Bucket& b = refill(client, now);
    if (b.tokens >= 1.0) {
      b.tokens -= 1.0;
      return std::nullopt;
    }
    return std::max(1, static_cast<int>(std::ceil((1.0 - b.tokens) / per_s_)));
  }
  /// Charges a client more (a failed authentication); the bucket may go into debt, down to
  /// -burst, so repeated guessing waits longer.
  void charge(const net::ip::address& client, double tokens, Clock::time_point now) {
    Bucket& b = refill(client, now);
    b.tokens = std::max(-burst_, b.tokens - tokens);
  }
  [[nodiscard]] std::size_t clients() const { return buckets_.size(); }

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point seen;
  };
  static std::string key(const net::ip::address& a) {
    if (a.is_v6()) {
      if (a.to_v6().is_v4_mapped())
        return net::ip::make_address_v4(net::ip::v4_mapped, a.to_v6()).to_string();
      auto bytes = a.to_v6().to_bytes();
      std::fill(bytes.begin() + 8, bytes.end(), 0);
      return net::ip::address_v6(bytes).to_string() + "/64";
    }
    return a.to_string();
  }
  Bucket& refill(const net::ip::address& client, Clock::time_point now) {
    const std::string k = key(client);
    auto it = buckets_.find(k);
    if (it == buckets_.end()) {
      if (buckets_.size() >= max_clients_) {
        buckets_.erase(std::min_element(
            buckets_.begin(), buckets_.end(),
            [](const auto& a, const auto& b) { return a.second.seen < b.second.seen; }));
      }
      it = buckets_.emplace(k, Bucket{burst_, now}).first;
      return it->second;
    }
    Bucket& b = it->second;
    const double dt = std::chrono::duration<double>(now - b.seen).count();
    if (dt > 0) b.tokens = std::min(burst_, b.tokens + dt * per_s_);
    b.seen = now;
    return b;
  }

  double per_s_;
  double burst_;
  std::size_t max_clients_;
  std::map<std::string, Bucket> buckets_;
};

}  // namespace

// ------------------------------------------------------------------------------------ server

namespace detail {
class Session;
/// A handler's answer, or the answer for what it threw, and the rejection code ("" for none).
struct Outcome {
  Response response;
  std::string code;
};
/// Hands a response to its connection (network thread).
void session_write(const std::shared_ptr<Session>& session,
                   http::response<http::string_body>&& response);
}  // namespace detail

using detail::Outcome;
using detail::Session;
using detail::session_write;

class ServerCore {
 public:
  ServerCore(ApiConfig config, Logger& logger, std::shared_ptr<const StateSnapshot> states)
      : config_(std::move(config)),
        logger_(logger),
        listen_(ListenAddress::parse(config_.listen)),
        zone_(make_zone(config_.tz)) {
    if (!listen_.loopback && config_.token.empty())
      throw ApiConfigError("api_listen: " + config_.listen +
                           " is not a loopback address: a bearer token is required "
                           "(api_token_file)");
    if (config_.max_connections < 1) throw ApiConfigError("api_max_connections must be >= 1");
    store_ = std::make_unique<Store>(config_.db_path, reader_store_config());
    context_.store = store_.get();
    context_.zone = &zone_;
    context_.epoch_seconds = config_.epoch_seconds;
    context_.states = std::move(states);
    context_.counters = [this] { return counters_.to_json(); };
    context_.deleter = config_.deleter;
    context_.store_health = config_.store_health;
    context_.token_configured = !config_.token.empty();
    add_v1_routes(router_, context_);
  }

  ~ServerCore() { stop(); }
  ServerCore(const ServerCore&) = delete;
  ServerCore& operator=(const ServerCore&) = delete;

  Router& router() { return router_; }
  Store& store() { return *store_; }
  const diary::TimeZone& zone() const { return zone_; }

  void start() {
    if (started_) return;
    const tcp::endpoint endpoint(net::ip::make_address(listen_.host), listen_.port);
    acceptor_.emplace(io_);
    acceptor_->open(endpoint.protocol());
    acceptor_->set_option(net::socket_base::reuse_address(true));
    acceptor_->bind(endpoint);
    acceptor_->listen(net::socket_base::max_listen_connections);
    port_ = acceptor_->local_endpoint().port();
    started_ = true;
    // A query still running at stop() is abandoned (SQLITE_INTERRUPT) instead of delaying it.
    sqlite3_progress_handler(
        store_->db().handle(), 1000,
        [](void* self) { return static_cast<ServerCore*>(self)->stopping_.load() ? 1 : 0; }, this);
    accept();
    thread_ = std::thread([this] {
      while (true) {
        try {
          io_.run();
          return;
        } catch (const std::exception& e) {
          logger_.error(std::string("api: unexpected error, continuing: ") + e.what());
        }
      }
    });
    logger_.info(
        "api: listening on http://" +
        (listen_.host.find(':') != std::string::npos ? "[" + listen_.host + "]" : listen_.host) +
        ":" + std::to_string(port_) + "/v1/ (" +
        (config_.token.empty() ? "no token, loopback only" : "bearer token required") + ", tz " +
        zone_.name() + ")");
  }

  void stop() {
    if (!started_ || stopped_) return;
    stopped_ = true;
    stopping_ = true;
    net::post(io_, [this] {
      boost::system::error_code ec;
      acceptor_->close(ec);
      io_.stop();
    });
    if (thread_.joinable()) thread_.join();
    worker_.stop();
    worker_.join();
    logger_.info("api: stopped");
  }

  std::uint16_t port() const { return port_; }
  json counters() const { return counters_.to_json(); }

  // Used by sessions (API thread only, except counters_).
  const ApiConfig& config() const { return config_; }
  Counters& counter() { return counters_; }
  Logger& logger() { return logger_; }

  /// Answers one parsed request (network thread): inline, or through the database worker; the
  /// response is handed to the session on the network thread. Never throws.
  void serve(http::request<http::string_body>&& req, const std::shared_ptr<Session>& session);

 private:
  static diary::TimeZone make_zone(const std::string& tz) {
    try {
      return tz.empty() ? diary::TimeZone::system_default() : diary::TimeZone(tz);
    } catch (const diary::DiaryError& e) {
      throw ApiConfigError(std::string("tz: ") + e.what());
    }
  }

  void accept();
  void refuse_busy(tcp::socket socket);
  http::response<http::string_body> finish(const Outcome& outcome, unsigned version,
                                           bool keep_alive);
  void authorize(const http::request<http::string_body>& req, const std::string& path) const;

  ApiConfig config_;
  Logger& logger_;
  ListenAddress listen_;
  diary::TimeZone zone_;
  std::unique_ptr<Store> store_;
  Counters counters_;
  ClientRateLimiter limiter_{config_.rate_limit_per_s, config_.rate_burst, config_.rate_clients};
  EndpointContext context_;
  Router router_;
  // Destroyed before the members above: pending handlers (sessions) reference them.
  net::io_context io_{1};
  std::optional<tcp::acceptor> acceptor_;
  std::optional<net::steady_timer> accept_retry_;
  std::thread thread_;  ///< the network thread
  std::uint16_t port_ = 0;
  bool started_ = false;
  bool stopped_ = false;
  std::atomic<bool> stopping_{false};  ///< read by the worker and SQLite's progress handler
  // The database worker: every handler that uses the store runs here, one at a time. Destroyed
  // first (its pending handlers hold sessions, whose sockets belong to io_).
  net::thread_pool worker_{1};
};

namespace detail {

/// One connection: read a request (with limits and a timeout), answer, repeat while keep-alive.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, ServerCore& server) : stream_(std::move(socket)), server_(server) {
    boost::system::error_code ec;
    remote_ = stream_.socket().remote_endpoint(ec).address();
    server_.counter().opened();
  }
  ~Session() { server_.counter().closed(); }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void start() { read(); }
  /// The client's address (the rate limit's key).
  [[nodiscard]] const net::ip::address& remote() const { return remote_; }
  /// Sends a response, then reads the next request or closes (network thread).
  void write(http::response<http::string_body>&& res) {
    res_ = std::move(res);
    const bool close_after = !res_.keep_alive();
    stream_.expires_after(server_.config().timeout);
    http::async_write(stream_, res_,
                      [self = shared_from_this(), close_after](beast::error_code ec, std::size_t) {
                        if (ec) return self->close();
                        if (close_after) return self->linger();
                        self->read();
                      });
  }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(server_.config().max_body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(server_.config().max_header_bytes));
    // One deadline for the whole request: header, optional 100 Continue, body.
    stream_.expires_after(server_.config().timeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
  }

  void on_header(beast::error_code ec) {
    if (ec) return on_read(ec);
    std::string expect(parser_->get()[http::field::expect]);
    std::transform(expect.begin(), expect.end(), expect.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (expect == "100-continue" && !parser_->is_done()) {
      // curl sends this for bodies over 1 KiB and would otherwise wait a second.
      auto cont = std::make_shared<http::response<http::empty_body>>(http::status::continue_, 11);
      http::async_write(stream_, *cont,
                        [self = shared_from_this(), cont](beast::error_code e, std::size_t) {
                          if (e) return self->close();
                          self->read_body();
                        });
      return;
    }
    read_body();
  }

  void read_body() {
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == beast::error::timeout) {
      // A client that started a request and did not finish it in time (slowloris); an idle
      // keep-alive connection simply ends. The stream is closed already: no answer is possible.
      if (parser_->got_some()) server_.counter().timeout();
      return;
    }
    if (ec == http::error::end_of_stream || ec == net::error::operation_aborted) return close();
    if (ec == http::error::body_limit) {
      return reject(
          413, "body_too_large",
          "the body exceeds " + std::to_string(server_.config().max_body_bytes) + " bytes");
    }
    if (ec == http::error::header_limit) {
      return reject(431, "headers_too_large",
                    "the request line and headers exceed " +
                        std::to_string(server_.config().max_header_bytes) + " bytes");
    }
    if (ec) {
      if (ec == http::error::partial_message || ec == net::error::eof ||
          ec == net::error::connection_reset || !parser_->got_some())
        return close();
      return reject(400, "bad_http", "malformed HTTP request (" + ec.message() + ")");
    }
    server_.serve(parser_->release(), shared_from_this());
  }

  /// Answers an unreadable request and closes the connection (after draining what the client is
  /// still sending, so the answer is not lost to a reset).
  void reject(int status, const std::string& code, const std::string& message) {
    server_.counter().request();
    server_.counter().response(status, code);
    http::response<http::string_body> res{static_cast<http::status>(status), 11};
    res.set(http::field::content_type, "application/json");
    res.set(http::field::cache_control, "no-store");
    res.body() = to_text(error_json(code, message, ""));
    res.keep_alive(false);
    res.prepare_payload();
    write(std::move(res));
  }

  void linger() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.expires_after(
        std::min<std::chrono::milliseconds>(server_.config().timeout, std::chrono::seconds(2)));
    drain();
  }

  void drain() {
    stream_.async_read_some(net::buffer(scratch_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->drained_ += n;
                              if (ec || self->drained_ > (1U << 20)) return self->close();
                              self->drain();
                            });
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.socket().close(ec);
  }

  beast::tcp_stream stream_;
  net::ip::address remote_;
  ServerCore& server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> res_;
  std::array<char, 4096> scratch_{};
  std::size_t drained_ = 0;
};

void session_write(const std::shared_ptr<Session>& session,
                   http::response<http::string_body>&& response) {
  session->write(std::move(response));
}

}  // namespace detail

void ServerCore::accept() {
  acceptor_->async_accept([this](boost::system::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_->is_open()) return;
    if (ec) {
      // E.g. out of file descriptors: try again shortly rather than spinning.
      logger_.warn("api: accept failed: " + ec.message());
      accept_retry_.emplace(io_);
      accept_retry_->expires_after(std::chrono::milliseconds(100));
      accept_retry_->async_wait([this](boost::system::error_code e) {
        if (!e) accept();
      });
      return;
    }
    if (counters_.open() >= static_cast<std::int64_t>(config_.max_connections)) {
      refuse_busy(std::move(socket));
    } else {
      std::make_shared<Session>(std::move(socket), *this)->start();
    }
    accept();
  });
}

void ServerCore::refuse_busy(tcp::socket socket) {
  counters_.response(503, "too_many_connections");
  http::response<http::string_body> res{http::status::service_unavailable, 11};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::retry_after, "1");
  res.body() = to_text(error_json("too_many_connections",
                                  "more than " + std::to_string(config_.max_connections) +
                                      " connections are open; try again shortly",
                                  ""));
  res.keep_alive(false);
  res.prepare_payload();
  std::ostringstream text;
  text << res;
  const std::string bytes = text.str();
  // A fresh socket's send buffer takes these few hundred bytes at once; never block for it.
  boost::system::error_code ec;
  socket.non_blocking(true, ec);
  socket.write_some(net::buffer(bytes), ec);
  socket.shutdown(tcp::socket::shutdown_both, ec);
  socket.close(ec);
}

void ServerCore::authorize(const http::request<http::string_body>& req,
                           const std::string& path) const {
  if (config_.token.empty() || path == "/v1/health") return;
  const auto header = req[http::field::authorization];
  if (header.empty())
    throw ApiError(401, "missing_token", "this endpoint needs Authorization: Bearer <token>",
                   "Authorization");
  constexpr std::string_view kScheme = "bearer ";
  std::string scheme(header.substr(0, std::min(header.size(), kScheme.size())));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const std::string_view presented =
      scheme == kScheme
          ? std::string_view(header.data() + kScheme.size(), header.size() - kScheme.size())
          : std::string_view();
  if (!tokens_equal(presented, config_.token))
    throw ApiError(401, "invalid_token", "the bearer token is not valid", "Authorization");
}

/// Runs `f` (which returns a Response) and maps every exception to its answer; never throws.
template <typename F>
static Outcome guarded(F&& f, const Router& router, const Request& r, Logger& logger) {
  try {
    return Outcome{f(), {}};
  } catch (const ApiError& e) {
    Outcome o{Response{e.status(), error_json(e.code(), e.what(), e.field())}, e.code()};
    if (e.status() == 405) o.response.headers.emplace_back("Allow", router.allowed_methods(r.path));
    if (e.status() == 401) {
      o.response.headers.emplace_back("WWW-Authenticate",
                                      e.code() == "invalid_token"
                                          ? R"(Bearer realm="posturemap", error="invalid_token")"
                                          : R"(Bearer realm="posturemap")");
    }
    return o;
  } catch (const StoreError& e) {
    logger.error(std::string("api: database: ") + e.what());
    return Outcome{Response{503, error_json("database_unavailable",
                                            "the database is unavailable; try again shortly", "")},
                   "database_unavailable"};
  } catch (const SqliteError& e) {
    logger.error(std::string("api: database: ") + e.what());
    return Outcome{Response{503, error_json("database_unavailable",
                                            "the database is unavailable; try again shortly", "")},
                   "database_unavailable"};
  } catch (const std::exception& e) {
    logger.error(std::string("api: ") + r.method + " " + r.path + ": " + e.what());
    return Outcome{
        Response{500, error_json("internal_error", "internal error (logged by the gateway)", "")},
        "internal_error"};
  }
}

http::response<http::string_body> ServerCore::finish(const Outcome& o, unsigned version,
                                                     bool keep_alive) {
  counters_.response(o.response.status, o.code);
  http::response<http::string_body> res{static_cast<http::status>(o.response.status), version};
  res.set(http::field::server, "pmap-gateway");
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  res.set("X-Content-Type-Options", "nosniff");
  for (const auto& [name, value] : o.response.headers) res.set(name, value);
  res.body() = o.response.text ? *o.response.text : to_text(o.response.body);
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
}

void ServerCore::serve(http::request<http::string_body>&& req,
                       const std::shared_ptr<Session>& session) {
  counters_.request();
  const std::string_view target(req.target().data(), req.target().size());
  const auto qmark = target.find('?');
  auto r = std::make_shared<Request>();
  r->method = std::string(req.method_string());
  r->path = std::string(target.substr(0, qmark));
  r->content_type = std::string(req[http::field::content_type]);
  const unsigned version = req.version();
  const bool keep_alive = req.keep_alive();
  // The client's rate limit comes first, before the token is even looked at. /v1/health is
  // exempt: it is cheap (no database, no personal data) and monitoring must see the gateway
  // alive even while a client is throttled.
  const bool limited = limiter_.enabled() && r->path != "/v1/health";
  const auto now = ClientRateLimiter::Clock::now();
  if (limited) {
    if (const auto wait_s = limiter_.take(session->remote(), now)) {
      Outcome o{Response{429, error_json("rate_limited",
                                         "too many requests from this address; retry after " +
                                             std::to_string(*wait_s) + " s",
                                         "")},
                "rate_limited"};
      o.response.headers.emplace_back("Retry-After", std::to_string(*wait_s));
      session_write(session, finish(o, version, keep_alive));
      return;
    }
  }
  // On the network thread: authentication, query, route (cheap, no database).
  Router::Match match;
  Outcome early = guarded(
      [&] {
        authorize(req, r->path);
        if (qmark != std::string_view::npos) r->query = parse_query(target.substr(qmark + 1));
        r->body = std::move(req.body());
        match = router_.resolve(*r);
        return Response{};
      },
      router_, *r, logger_);
  // A wrong or missing token costs more than a request: guessing is throttled harder.
  if (limited && early.response.status == 401)
    limiter_.charge(session->remote(), config_.failed_auth_cost - 1.0, now);
  if (match.handler == nullptr || match.runs == Runs::kInline) {
    if (match.handler != nullptr)
      early = guarded([&] { return (*match.handler)(*r); }, router_, *r, logger_);
    session_write(session, finish(early, version, keep_alive));
    return;
  }
  // On the database worker; the answer goes back to the network thread.
  net::post(worker_, [this, r, handler = match.handler, session, version, keep_alive] {
    if (stopping_.load()) return;
    try {
      const Outcome o = guarded([&] { return (*handler)(*r); }, router_, *r, logger_);
      auto res =
          std::make_shared<http::response<http::string_body>>(finish(o, version, keep_alive));
      net::post(io_, [session, res] { session_write(session, std::move(*res)); });
    } catch (const std::exception& e) {  // e.g. out of memory: drop this connection, keep serving
      logger_.error(std::string("api: worker: ") + e.what());
    }
  });
}

// ---------------------------------------------------------------------------------- facade

class ApiServer::Impl {
 public:
  Impl(ApiConfig config, Logger& logger, std::shared_ptr<const StateSnapshot> states)
      : core(std::move(config), logger, std::move(states)) {}
  ServerCore core;
};

ApiServer::ApiServer(ApiConfig config, Logger& logger, std::shared_ptr<const StateSnapshot> states)
    : impl_(std::make_unique<Impl>(std::move(config), logger, std::move(states))) {}
ApiServer::~ApiServer() = default;
Router& ApiServer::router() {
  return impl_->core.router();
}
Store& ApiServer::worker_store() {
  return impl_->core.store();
}
const diary::TimeZone& ApiServer::zone() const {
  return impl_->core.zone();
}
void ApiServer::start() {
  impl_->core.start();
}
void ApiServer::stop() {
  impl_->core.stop();
}
std::uint16_t ApiServer::port() const {
  return impl_->core.port();
}
json ApiServer::counters() const {
  return impl_->core.counters();
}

}  // namespace pmap::api
