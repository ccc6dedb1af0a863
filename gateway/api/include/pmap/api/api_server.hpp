#pragma once
// The HTTP/1.1 JSON API of pmap-gateway (docs/api.md), on Boost.Beast.
//
// Endpoints (all JSON, versioned under /v1): health, nights, days, episodes, pain (GET, POST),
// setups (GET, POST, POST use), state and state/{mat_id}. Further routes (the morning report) are
// added through router() before start().
//
// Threading (mosquitto-style statement):
//  - start() starts one thread, the API thread, which runs its own Boost.Asio io_context: the
//    acceptor, every connection (reads, writes, timeouts) and every handler. Requests are served
//    one at a time in the order they are read; a slow handler (400 days of nights) delays others.
//  - The API thread owns its own SQLite connection(s) (pmap::Store on the gateway's file; WAL lets
//    it read while the gateway's StoreWriter thread writes). Diary writes are small transactions
//    that wait for the writer with the store's busy timeout.
//  - The live states come from a StateSnapshot (thread-safe) that the gateway's io_context thread
//    updates. counters() may be called from any thread.
//  - stop() (any thread but the API thread; also the destructor) closes the acceptor and every
//    connection and joins the API thread; it never waits for a client.
//
// Security: without a token only a loopback address may be bound (ApiServer refuses otherwise);
// with a token every endpoint except /v1/health requires "Authorization: Bearer <token>",
// compared in constant time.
//
// Error semantics: the constructor throws ApiConfigError (bad listen address, missing token for a
// non-loopback address, bad time zone) or StoreError (the database cannot be opened); start()
// throws std::system_error when the address cannot be bound. A request never throws out of the
// server: every failure becomes a JSON error response and a counter.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "pmap/api/router.hpp"
#include "pmap/api/state_snapshot.hpp"
#include "pmap/deletion/data_deletion.hpp"
#include "pmap/log.hpp"

namespace pmap {
class Store;
namespace diary {
class TimeZone;
}
}  // namespace pmap

namespace pmap::api {

class ApiConfigError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

inline constexpr std::string_view kDefaultListen = "127.0.0.1:8787";

/// "host:port" with an IPv4 literal, "[IPv6]:port" or "localhost:port"; port 0-65535 (0: any free
/// port). Throws ApiConfigError.
struct ListenAddress {
  std::string host;  ///< the address literal ("127.0.0.1", "::1")
  std::uint16_t port = 0;
  bool loopback = false;
  [[nodiscard]] static ListenAddress parse(std::string_view text);
};

/// True for "", "off" (any case): the API is disabled.
[[nodiscard]] bool listen_disabled(std::string_view text);

/// Reads a bearer token file: the first line without surrounding blanks; 16-256 characters of the
/// RFC 6750 token68 alphabet. Throws ApiConfigError (unreadable, empty, too short, bad characters).
[[nodiscard]] std::string read_token_file(const std::string& path);

/// Carries out DELETE /v1/data (docs/api.md): returns the response document
/// (pmap::deletion::to_json, plus whatever the caller did besides). Throws ApiError, or
/// deletion::DeletionError (→ 500).
using DataDeleter =
    std::function<nlohmann::json(const deletion::DeletionScope&, const deletion::DeletionOptions&)>;

struct ApiConfig {
  std::string db_path;  ///< the gateway's SQLite file (created and migrated if missing)
  std::string listen = std::string(kDefaultListen);
  std::string token;  ///< empty: no authentication (loopback only)
  std::string tz;     ///< IANA zone of dates; empty: $TZ, /etc/timezone, UTC
  std::size_t max_connections = 32;
  std::chrono::milliseconds timeout{10000};  ///< per request read, per response write, idle
  std::size_t max_body_bytes = 64 * 1024;
  std::size_t max_header_bytes = 8 * 1024;
  std::int64_t epoch_seconds = 5;  ///< the gateway's epoch_seconds (nights)
  /// Per-client request rate limit (token bucket per remote address; IPv6 per /64): requests
  /// per second after `rate_burst` at once; beyond, 429 rate_limited with Retry-After. 0 = off:
  /// the library default (tests, benchmarks); the gateway's config turns it on.
  double rate_limit_per_s = 0;
  double rate_burst = 200;
  std::size_t rate_clients = 1024;  ///< addresses tracked; the longest idle one is forgotten
  /// Tokens a request answered 401 costs (a wrong or missing token): guessing is slower than
  /// using the API.
  double failed_auth_cost = 20;
  /// DELETE /v1/data: empty = delete on the API's own connection (tests, a lone API); the
  /// gateway sets one that runs on its database writer and clears retained MQTT messages.
  DataDeleter deleter;
  /// GET /v1/health's "store" object (the gateway's database writer: "state" "ok" or
  /// "failing", ...); a "failing" state makes the health "status" "degraded". Empty: no "store".
  std::function<nlohmann::json()> store_health;
};

class ApiServer {
 public:
  /// `states` may be null (GET /v1/state then lists no mat). `logger` must outlive the server.
  ApiServer(ApiConfig config, Logger& logger, std::shared_ptr<const StateSnapshot> states);
  ~ApiServer();
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  /// Routes; add more before start().
  [[nodiscard]] Router& router();
  /// The API's own database connection, for handlers added with Runs::kOnWorker (the default):
  /// use it only from inside such a handler (the worker thread owns it).
  [[nodiscard]] Store& worker_store();
  /// The zone of the API's dates (config tz).
  [[nodiscard]] const diary::TimeZone& zone() const;
  /// Binds and starts the API thread. Throws std::system_error when binding fails.
  void start();
  /// Idempotent; see the threading note above.
  void stop();
  /// The bound port (after start(); the real one when the config asked for port 0).
  [[nodiscard]] std::uint16_t port() const;
  /// {"requests": n, "responses": {"2xx","4xx","5xx"}, "rejected": {code: n}, "connections":
  /// {"open","accepted","refused_busy","timeouts"}} — also in GET /v1/health.
  [[nodiscard]] nlohmann::json counters() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pmap::api
