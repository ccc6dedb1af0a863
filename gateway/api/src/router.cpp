#include "pmap/api/router.hpp"

#include <algorithm>
#include <cctype>

namespace pmap::api {

namespace {

constexpr std::size_t kMaxQueryParams = 32;

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.empty() || path.front() != '/') return out;
  path.remove_prefix(1);
  while (true) {
    const auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

bool is_capture(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string decode_component(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%') {
      if (i + 2 >= text.size() || hex_value(text[i + 1]) < 0 || hex_value(text[i + 2]) < 0)
        throw ApiError(400, "bad_query", "malformed %-escape in the query string");
      const int hi = hex_value(text[i + 1]);
      const int lo = hex_value(text[i + 2]);
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

std::optional<std::string> Request::query_param(std::string_view name) const {
  const auto it = query.find(name);
  if (it == query.end()) return std::nullopt;
  return it->second;
}

const std::string& Request::path_param(std::string_view name) const {
  const auto it = params.find(name);
  if (it == params.end()) throw ApiError(500, "internal_error", "route has no path parameter");
  return it->second;
}

StringMap parse_query(std::string_view query) {
  StringMap out;
  if (query.empty()) return out;
  while (true) {
    const auto amp = query.find('&');
    const std::string_view item = query.substr(0, amp);
    const auto eq = item.find('=');
    const std::string name = decode_component(item.substr(0, eq));
    const std::string value =
        eq == std::string_view::npos ? std::string() : decode_component(item.substr(eq + 1));
    if (name.empty()) throw ApiError(400, "bad_query", "empty parameter name in the query string");
    if (!out.emplace(name, value).second)
      throw ApiError(400, "bad_query", "query parameter '" + name + "' given twice", name);
    if (out.size() > kMaxQueryParams)
      throw ApiError(400, "bad_query", "more than 32 query parameters");
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

void Router::add(std::string method, std::string pattern, std::vector<std::string> query,
                 Handler handler, Runs runs) {
  Route r;
  r.method = std::move(method);
  for (auto s : split_path(pattern)) r.segments.emplace_back(s);
  r.query = std::move(query);
  r.handler = std::move(handler);
  r.runs = runs;
  routes_.push_back(std::move(r));
}

bool Router::match(const Route& route, const std::vector<std::string_view>& segments,
                   StringMap* params) {
  if (route.segments.size() != segments.size()) return false;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const std::string& want = route.segments[i];
    if (is_capture(want)) {
      if (segments[i].empty()) return false;
      if (params != nullptr) (*params)[want.substr(1, want.size() - 2)] = std::string(segments[i]);
    } else if (want != segments[i]) {
      return false;
    }
  }
  return true;
}

std::string Router::allowed_methods(std::string_view path) const {
  const auto segments = split_path(path);
  std::vector<std::string> methods;
  for (const auto& r : routes_) {
    if (match(r, segments, nullptr) &&
        std::find(methods.begin(), methods.end(), r.method) == methods.end())
      methods.push_back(r.method);
  }
  std::string out;
  for (const auto& m : methods) out += (out.empty() ? "" : ", ") + m;
  return out;
}

Response Router::dispatch(Request& request) const {
  const Match m = resolve(request);
  return (*m.handler)(request);
}

Router::Match Router::resolve(Request& request) const {
  const auto segments = split_path(request.path);
  // Literal routes win over captures ("/v1/setups/use" before a "/v1/setups/{name}").
  const Route* found = nullptr;
  bool path_known = false;
  for (int pass = 0; pass < 2 && found == nullptr; ++pass) {
    for (const auto& r : routes_) {
      const bool literal = std::none_of(r.segments.begin(), r.segments.end(),
                                        [](const std::string& s) { return is_capture(s); });
      if ((pass == 0) != literal || !match(r, segments, nullptr)) continue;
      path_known = true;
      if (r.method == request.method) {
        found = &r;
        break;
      }
    }
    if (path_known && found == nullptr) break;
  }
  if (found == nullptr) {
    if (path_known)
      throw ApiError(405, "method_not_allowed",
                     request.method + " is not allowed on " + request.path +
                         " (allowed: " + allowed_methods(request.path) + ")");
    throw ApiError(404, "not_found", "no endpoint " + request.path + " (see docs/api.md)");
  }
  request.params.clear();
  match(*found, segments, &request.params);
  for (const auto& [name, value] : request.query) {
    if (std::find(found->query.begin(), found->query.end(), name) == found->query.end()) {
      std::string known;
      for (const auto& q : found->query) known += (known.empty() ? "" : ", ") + q;
      throw ApiError(400, "unknown_param",
                     "unknown query parameter '" + name +
                         "' (accepted: " + (known.empty() ? std::string("none") : known) + ")",
                     name);
    }
  }
  if (request.method == "POST") {
    // application/json, optionally with parameters ("; charset=utf-8"); case-insensitive type.
    std::string type = request.content_type.substr(0, request.content_type.find(';'));
    while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.pop_back();
    std::transform(type.begin(), type.end(), type.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (type != "application/json")
      throw ApiError(415, "unsupported_media_type",
                     "the body must be JSON with Content-Type: application/json (got '" +
                         request.content_type + "')",
                     "Content-Type");
  }
  return Match{&found->handler, found->runs};
}

}  // namespace pmap::api
