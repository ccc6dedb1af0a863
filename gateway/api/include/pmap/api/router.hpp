#pragma once
// Routing of the HTTP JSON API (docs/api.md): requests as plain values, one handler per
// (method, path pattern), rejections as ApiError. Independent of the network, so routes can be
// tested and added without a socket.
//
// Adding an endpoint is one call, e.g. the morning report (to come from the report library):
//   router.add("GET", "/v1/reports/{date}", {"format"},
//              [&](const Request& r) { return Response{200, make_report(r.path_param("date"))}; });
//
// Error semantics: a handler throws ApiError (status, stable code, message, offending field); the
// server turns it into {"error":{"code","message","field"}} and counts it by code.
// Threading: a Router is filled before the server starts and only read afterwards.
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace pmap::api {

/// A request refused with an HTTP status (4xx, or 5xx for failures of the server itself).
class ApiError : public std::runtime_error {
 public:
  ApiError(int status, std::string code, const std::string& message, std::string field = {})
      : std::runtime_error(message),
        status_(status),
        code_(std::move(code)),
        field_(std::move(field)) {}
  [[nodiscard]] int status() const { return status_; }
  /// Stable machine-readable code, e.g. "bad_param" (docs/api.md, "Errors").
  [[nodiscard]] const std::string& code() const { return code_; }
  /// The query parameter, path segment or body field at fault; empty when none.
  [[nodiscard]] const std::string& field() const { return field_; }

 private:
  int status_;
  std::string code_;
  std::string field_;
};

using StringMap = std::map<std::string, std::string, std::less<>>;

struct Request {
  std::string method;  ///< "GET", "POST", … as sent
  std::string path;    ///< the target up to '?'
  StringMap query;     ///< decoded query parameters (each name at most once)
  StringMap params;    ///< path segments captured by {name} in the route's pattern
  std::string content_type;
  std::string body;

  /// A query parameter, if given.
  [[nodiscard]] std::optional<std::string> query_param(std::string_view name) const;
  /// A captured path segment (the route's pattern guarantees it exists).
  [[nodiscard]] const std::string& path_param(std::string_view name) const;
};

struct Response {
  int status = 200;
  nlohmann::json body = nlohmann::json::object();
  /// When set, sent verbatim instead of `body` (set the Content-Type in `headers`), e.g. the
  /// morning report's HTML or PDF.
  std::optional<std::string> text = std::nullopt;
  std::vector<std::pair<std::string, std::string>> headers = {};  ///< extra headers
};

using Handler = std::function<Response(const Request&)>;

/// Where a handler runs: on the API's database worker thread (the default: anything touching the
/// store), or inline on the network thread (cheap handlers without the database, e.g. health and
/// live state, so they answer while a long query runs).
enum class Runs { kOnWorker, kInline };

class Router {
 public:
  /// `pattern`: literal segments and {name} captures, e.g. "/v1/state/{mat_id}". `query`: the
  /// query parameters the route accepts (any other is 400 unknown_param). A POST route takes a
  /// JSON body: its Content-Type must be application/json (else 415).
  void add(std::string method, std::string pattern, std::vector<std::string> query, Handler handler,
           Runs runs = Runs::kOnWorker);

  struct Match {
    const Handler* handler = nullptr;
    Runs runs = Runs::kOnWorker;
  };
  /// Finds the route for a request and checks what the router checks (below); fills
  /// request.params. Throws ApiError.
  [[nodiscard]] Match resolve(Request& request) const;

  /// resolve() and call the handler on the calling thread. Throws ApiError: 404 not_found when no
  /// pattern matches the path, 405 method_not_allowed (field: the allowed methods) when only the
  /// method differs, 400 unknown_param, 415 unsupported_media_type; and whatever the handler
  /// throws.
  [[nodiscard]] Response dispatch(Request& request) const;

  /// "GET, POST" for a path, empty when no route matches it (the Allow header of a 405).
  [[nodiscard]] std::string allowed_methods(std::string_view path) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;  ///< "{name}" for captures
    std::vector<std::string> query;
    Handler handler;
    Runs runs = Runs::kOnWorker;
  };
  static bool match(const Route& route, const std::vector<std::string_view>& segments,
                    StringMap* params);
  std::vector<Route> routes_;
};

/// Splits a query string ("from=2026-11-01&to=2026-11-20") into names and values, decoding %XX
/// and '+'. Throws ApiError 400 bad_query for a malformed escape, an empty or repeated name, or
/// more than 32 parameters.
[[nodiscard]] StringMap parse_query(std::string_view query);

}  // namespace pmap::api
