// Fuzz target "api_request": the HTTP JSON API (docs/api.md) from the raw request bytes to the
// response document, without a socket. The input is an HTTP/1.1 request, parsed by Beast with
// the server's limits (8 KiB of headers, 64 KiB of body); then what ApiServer does for it: the
// query string (parse_query), the router (path, method, parameters, media type) and the /v1
// handler, with its JSON body, against a fresh SQLite store in the scratch directory; and the
// morning-report route GET /v1/reports/{date} (pmap::report::add_report_route, as the gateway
// adds it) in JSON and HTML. format=pdf is left out: it hands our HTML to Qt's renderer on its own
// thread (seconds per input, and Qt's parser is not ours to fuzz); the HTML it would render is
// fuzzed. The bearer-token check is left out (the fuzzer would only meet 401s).
//
// Invariants: a refusal is an ApiError with a 4xx status and a code; any other exception (which
// the server would answer with 500 internal_error) is a bug, as is a success outside 2xx or a
// response document that cannot be written.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "fuzz_support.hpp"
#include "pmap/api/api_server.hpp"
#include "pmap/api/router.hpp"
#include "pmap/diary/diary_repository.hpp"
#include "pmap/log.hpp"
#include "pmap/report/report_route.hpp"
#include "pmap/store.hpp"

namespace {

namespace http = boost::beast::http;

/// Something for the GET handlers to read: a night to 2026-11-20 on "bed1" (in bed, positions,
/// knee states, movement epochs), a sitting morning on "chair1", a pillow setup in use and a
/// pain entry.
void store_a_night(const std::string& path) {
  pmap::Store store(path);
  constexpr std::int64_t kNight = 1'795'125'600'000'000;  // 2026-11-19T23:00:00+01:00
  constexpr std::int64_t kHourUs = 3'600'000'000;
  pmap::WriteBatch batch;
  auto episode = [&](const char* mat, const char* stream, const char* label, double from_h,
                     double to_h) {
    batch.episodes.push_back(
        pmap::Episode{mat, stream, label, kNight + static_cast<std::int64_t>(from_h * kHourUs),
                      kNight + static_cast<std::int64_t>(to_h * kHourUs), 10, 0.9});
  };
  episode("bed1", "presence", "in_bed", 0, 8);
  episode("bed1", "position", "supine", 0, 2);
  episode("bed1", "position", "left", 2, 5);
  episode("bed1", "position", "prone", 5, 8);
  episode("bed1", "knee", "aligned", 2, 3);
  episode("bed1", "knee", "dropped", 3, 4);
  episode("chair1", "presence", "sitting", 10, 11.5);
  for (int i = 0; i < 24; ++i) {
    pmap::EpochDelta epoch;
    epoch.mat_id = "bed1";
    epoch.epoch_start_s = (kNight + 3 * kHourUs) / 1'000'000 + 5 * i;
    epoch.frames = 5;
    epoch.occupied_frames = 5;
    epoch.movement_sum = i % 7 == 0 ? 1.0 : 0.0;
    batch.epochs.push_back(epoch);
  }
  store.write(batch);
  pmap::diary::DiaryRepository diary(store);
  pmap::diary::PillowSetup thick;
  thick.name = "thick";
  thick.knee_pillow = pmap::diary::KneePillow::kThick;
  diary.add_setup(thick);
  diary.use_setup("thick", kNight - 2 * kHourUs, "Europe/Berlin");
  pmap::diary::PainEntry pain;
  pain.tz = "Europe/Berlin";
  pain.time_us = kNight + 8 * kHourUs;
  pain.back_pain = 3;
  pain.leg_pain = 5;
  pain.extent = pmap::diary::Extent::kThigh;
  pain.tags = {pmap::diary::ContextTag::kOnWaking};
  diary.add_pain(pain);
}

/// Copies the pristine database with streams: std::filesystem::copy_file gives up when
/// libFuzzer's timer signal interrupts its copy (EINTR), the streams retry.
void copy_database(const std::filesystem::path& from, const std::filesystem::path& to) {
  std::ifstream in(from, std::ios::binary);
  std::ofstream out(to, std::ios::binary | std::ios::trunc);
  out << in.rdbuf();
  out.close();
  if (!in || !out) pmap::fuzz::fail(__FILE__, __LINE__, "cannot copy the pristine database");
}

/// A database made once (created, migrated, a night stored), copied for every input so that no
/// input sees what an earlier one stored: the target stays deterministic.
const std::filesystem::path& pristine_db() {
  static const std::filesystem::path path = [] {
    const auto p = pmap::fuzz::scratch_dir() / "pristine.db";
    store_a_night(p.string());
    return p;
  }();
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  http::request_parser<http::string_body> parser;
  parser.eager(true);
  parser.body_limit(64 * 1024);
  parser.header_limit(8 * 1024);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (ec || !parser.is_done()) return 0;  // Beast refuses it (400/413/431): not our parser
  auto message = parser.release();

  const auto& pristine = pristine_db();
  const auto db = pmap::fuzz::scratch_dir() / "api.db";
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    std::filesystem::remove(db.string() + suffix);
  }
  copy_database(pristine, db);

  pmap::Logger quiet(pmap::LogLevel::kOff, [](pmap::LogLevel, std::string_view) {});
  pmap::api::ApiConfig config;
  config.db_path = db.string();
  config.tz = "Europe/Berlin";
  // With a token configured the API allows DELETE /v1/data (loopback without one refuses it).
  config.token = "fuzzfuzzfuzzfuzzfuzz";
  pmap::api::ApiServer server(config, quiet, nullptr);
  pmap::report::add_report_route(server);

  // As ApiServer's serve(): the target split at '?', the query decoded, the body moved.
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
    if (request.path.starts_with("/v1/reports/") && request.query_param("format") == "pdf") {
      return 0;  // Qt's renderer (see the top of the file)
    }
    response = server.router().dispatch(request);
  } catch (const pmap::api::ApiError& e) {
    if (std::getenv("PMAP_FUZZ_VERBOSE") != nullptr) {
      std::fprintf(stderr, "%d %s: %s\n", e.status(), e.code().c_str(), e.what());
    }
    PMAP_FUZZ_CHECK(e.status() >= 400 && e.status() <= 499);
    PMAP_FUZZ_CHECK(!e.code().empty());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s %s: %s\n", request.method.c_str(), request.path.c_str(), e.what());
    pmap::fuzz::fail(__FILE__, __LINE__, "a request was answered 500 (not an ApiError)");
  }
  PMAP_FUZZ_CHECK(response.status >= 200 && response.status <= 299);
  // As the server writes it (invalid UTF-8 replaced, never a throw).
  const auto text =
      response.text ? *response.text
                    : response.body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  PMAP_FUZZ_CHECK(!text.empty());
  // PMAP_FUZZ_VERBOSE=1: what each input got (for checking that the seeds reach the handlers).
  if (std::getenv("PMAP_FUZZ_VERBOSE") != nullptr) {
    std::fprintf(stderr, "%d %s %s: %.200s\n", response.status, request.method.c_str(),
                 request.path.c_str(), text.c_str());
  }
  return 0;
}
