// Fuzz target "metrics": GET /metrics (docs/metrics.md) from the raw request bytes to the
// exposition text, without a socket. The input is "<mats>\0<HTTP request>": <mats> one
// "<mat id>\t<kind>\t<count>" line per mat (what the gateway's counters carry from outside: mat
// ids and kinds come from topics and meta documents, counts from the traffic; here any bytes, so
// the label escaping is tested beyond what the topic grammar lets through), the request parsed by
// Beast with the server's limits, then the router with the route the gateway adds
// (pmap::add_metrics_route) over the real renderer (GatewayMetrics::render).
//
// Invariants: a refusal is an ApiError with a 4xx status and a code; a success is 200 with text
// that the strict reader of the metrics tests (tests/metrics/exposition_parser.hpp: grammar,
// escapes, one HELP and TYPE per family, histogram rules) finds no fault in, and in which
// pmap_frames_received_total has each mat's id, unescaped, as its `mat` label.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "exposition_parser.hpp"
#include "fuzz_support.hpp"
#include "pmap/api/api_server.hpp"
#include "pmap/api/router.hpp"
#include "pmap/gateway_metrics.hpp"
#include "pmap/log.hpp"

namespace {

namespace http = boost::beast::http;

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    const auto end = text.find(sep, start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input = pmap::fuzz::as_text(data, size);
  const auto nul = input.find('\0');
  if (nul == std::string_view::npos) return 0;
  std::vector<pmap::MatMetrics> mats;
  std::set<std::string, std::less<>> ids;  // the gateway has each mat once
  for (const auto line : split(input.substr(0, nul), '\n')) {
    const auto fields = split(line, '\t');
    if (fields[0].empty() || !ids.insert(std::string(fields[0])).second) continue;
    pmap::MatMetrics m;
    m.mat_id = std::string(fields[0]);
    if (fields.size() > 1) m.kind = std::string(fields[1]);
    if (fields.size() > 2) {
      const std::string count(fields[2]);
      m.counters.received = std::strtoull(count.c_str(), nullptr, 10);
      m.counters.accepted = m.counters.received / 2;
      m.counters.rejected = m.counters.received - m.counters.accepted;
      // A reason name from outside the ingest's list: the renderer must still write it safely.
      if (!m.kind.empty()) m.counters.rejected_by_reason[m.kind] = m.counters.rejected;
    }
    mats.push_back(std::move(m));
    if (mats.size() >= 64) break;  // the gateway's max_mats bounds this too
  }
  const auto request_bytes = input.substr(nul + 1);
  http::request_parser<http::string_body> parser;
  parser.eager(true);
  parser.body_limit(64 * 1024);
  parser.header_limit(8 * 1024);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(request_bytes.data(), request_bytes.size()), ec);
  if (ec || !parser.is_done()) return 0;  // Beast refuses it (400/413/431): not our parser
  auto message = parser.release();

  pmap::GatewayMetrics metrics;
  metrics.publish_pipeline(mats, pmap::GatewayTotals{});
  pmap::Logger quiet(pmap::LogLevel::kOff, [](pmap::LogLevel, std::string_view) {});
  pmap::api::ApiConfig config;
  config.db_path = (pmap::fuzz::scratch_dir() / "metrics.db").string();
  pmap::api::ApiServer server(config, quiet, nullptr);
  pmap::add_metrics_route(server, metrics);

  // As ApiServer's serve(): the target split at '?', the query decoded.
  const std::string_view target(message.target().data(), message.target().size());
  const auto qmark = target.find('?');
  pmap::api::Request request;
  request.method = std::string(message.method_string());
  request.path = std::string(target.substr(0, qmark));
  request.content_type = std::string(message[http::field::content_type]);
  pmap::api::Response response;
  try {
    if (qmark != std::string_view::npos) {
      request.query = pmap::api::parse_query(target.substr(qmark + 1));
    }
    request.body = std::move(message.body());
    response = server.router().dispatch(request);
  } catch (const pmap::api::ApiError& e) {
    PMAP_FUZZ_CHECK(e.status() >= 400 && e.status() <= 499);
    PMAP_FUZZ_CHECK(!e.code().empty());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s %s: %s\n", request.method.c_str(), request.path.c_str(), e.what());
    pmap::fuzz::fail(__FILE__, __LINE__, "a request was answered 500 (not an ApiError)");
  }
  // Only /metrics is routed here (and only when the path is exactly that).
  PMAP_FUZZ_CHECK(request.path == "/metrics");
  PMAP_FUZZ_CHECK(response.status == 200);
  PMAP_FUZZ_CHECK(response.text.has_value());
  const std::string& text = *response.text;
  PMAP_FUZZ_CHECK(!text.empty() && text.back() == '\n');
  const auto parsed = pmap::metrics::test::parse_exposition(text);
  for (const auto& error : parsed.errors) std::fprintf(stderr, "exposition: %s\n", error.c_str());
  PMAP_FUZZ_CHECK(parsed.errors.empty());
  for (const auto& m : mats) {
    PMAP_FUZZ_CHECK(!std::isnan(parsed.value("pmap_frames_received_total", {{"mat", m.mat_id}})));
  }
  if (std::getenv("PMAP_FUZZ_VERBOSE") != nullptr) {
    std::fprintf(stderr, "200 /metrics: %zu mats, %zu bytes\n", mats.size(), text.size());
  }
  return 0;
}
