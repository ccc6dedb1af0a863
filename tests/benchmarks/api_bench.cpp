// pmap-bench-api: the HTTP API's latency for one night's data (issue 5: "API p99 <= 20 ms for a
// night's data") and the storage of many mats (issue 8: "a month of nights for 10 mats"). Builds a
// database with N nights of M bed mats as the gateway writes them (5 s epochs and posture epochs
// over 8 h, presence/position/knee/activity episodes), starts the API in-process on a loopback
// port and sends GET /v1/nights?from=D&to=D (every mat's night of D), GET /v1/nights?mat=X&from=D&
// to=D (one mat's) or GET /v1/episodes?mat=X&from=D&to=D for random dates D (and mats X) over one
// keep-alive connection, timing each request from the first byte sent to the last received.
//
//   pmap-bench-api [--nights 365] [--mats 1] [--requests 1000] [--db FILE]
//                  [--target nights|night|episodes]
//
// Prints one JSON line: nights, mats, database bytes, build seconds, requests, p50/p90/p99/max in
// ms, response bytes. Results in docs/performance.md ("HTTP API", "Storage").
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>
#include <boost/program_options.hpp>

#include "http_client.hpp"
#include "pmap/api/api_server.hpp"
#include "pmap/diary/time_zone.hpp"
#include "pmap/store.hpp"

namespace {

using namespace std::chrono;

constexpr std::int64_t kEpochS = 5;
constexpr std::int64_t kNightS = 8 * 3600;
// The first wake date: 2025-01-02 (the night starts 2025-01-01 23:00 UTC).
constexpr std::int64_t kFirstNightStartS = 1735772400;

std::string mat_name(int m) {
  return "bed" + std::to_string(m + 1);
}

// One mat's night: what the gateway's store writer leaves for 8 h of a 1 Hz mat.
void write_night(pmap::Store& store, const std::string& mat, int n, std::mt19937& rng) {
  std::uniform_real_distribution<double> u(0, 1);
  const char* positions[] = {"supine", "left", "right", "supine", "left", "prone"};
  pmap::WriteBatch b;
  const std::int64_t start = kFirstNightStartS + std::int64_t{n} * 86400;
  const std::int64_t end = start + kNightS;
  const auto us = [](std::int64_t s) { return s * 1'000'000; };
  b.episodes.push_back({mat, "presence", "in_bed", us(start), us(end), 5760, 1.0});
  // Positions change every 40-80 min; knee states follow side-lying.
  std::int64_t t = start;
  int k = 0;
  while (t < end) {
    const std::int64_t len = 2400 + static_cast<std::int64_t>(u(rng) * 2400);
    const std::int64_t stop = std::min(end, t + len);
    const std::string pos = positions[k++ % 6];
    b.episodes.push_back({mat, "position", pos, us(t), us(stop), 100, 0.8});
    if (pos == "left" || pos == "right") {
      const std::int64_t mid = t + (stop - t) / 2;
      b.episodes.push_back({mat, "knee", "aligned", us(t), us(mid), 50, 0.7});
      b.episodes.push_back({mat, "knee", "dropped", us(mid), us(stop), 50, 0.7});
    } else if (pos == "supine") {
      b.episodes.push_back({mat, "knee", "flexed_supported", us(t), us(stop), 100, 0.7});
    }
    t = stop;
  }
  b.episodes.push_back({mat, "activity", "still", us(start + 3600), us(start + 7200), 720, 1.0});
  for (std::int64_t e = start; e < end; e += kEpochS) {
    pmap::EpochDelta d;
    d.mat_id = mat;
    d.epoch_start_s = e;
    d.frames = 5;
    d.occupied_frames = 5;
    d.load_raw_sum = 5e5;
    d.load_raw_max = 1.1e5;
    d.contact_area_cm2_sum = 5 * 3000;
    d.cop_row_sum = 5 * 30;
    d.cop_col_sum = 5 * 16;
    d.movement_sum = u(rng) < 0.05 ? 0.5 : 0.02;
    d.first_seq = (e - start) / kEpochS * 5;
    d.last_seq = d.first_seq + 4;
    b.epochs.push_back(d);
    pmap::PostureEpochDelta p;
    p.mat_id = mat;
    p.epoch_start_s = e;
    p.posture_frames = 5;
    p.side_frames = 2;
    p.pelvic_roll_deg_sum = 2 * 4.0;
    p.knee_aligned_frames = 1;
    p.knee_dropped_frames = 1;
    p.supine_supported_frames = 3;
    b.posture_epochs.push_back(p);
  }
  store.write(b);
}

// Night by night, the mats interleaved as a gateway recording them together writes them.
void build(const std::string& path, int nights, int mats) {
  pmap::Store store(path);
  std::mt19937 rng(5);
  for (int n = 0; n < nights; ++n)
    for (int m = 0; m < mats; ++m) write_night(store, mat_name(m), n, rng);
}

std::uintmax_t database_bytes(const std::string& path) {
  std::uintmax_t total = 0;
  for (const char* suffix : {"", "-wal"}) {
    std::error_code error;
    const auto size = std::filesystem::file_size(path + suffix, error);
    if (!error) total += size;
  }
  return total;
}

double percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size()))) - 1;
  return v[std::min(i, v.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  namespace po = boost::program_options;
  int nights = 365;
  int mats = 1;
  int requests = 1000;
  std::string db;
  std::string target = "nights";
  po::options_description options(
      "pmap-bench-api: the HTTP API's latency for one night's data over a database of N nights of "
      "M bed mats (docs/performance.md)\n\nOptions");
  options.add_options()("help,h", "show this help and exit")(
      "nights", po::value(&nights)->default_value(nights), "nights per mat, 1-3650")(
      "mats", po::value(&mats)->default_value(mats), "bed mats bed1..bedM, 1-500")(
      "requests", po::value(&requests)->default_value(requests), "timed requests, >= 1")(
      "db", po::value(&db), "keep the database in FILE (built if missing, reused if present)")(
      "target", po::value(&target)->default_value(target),
      "nights: GET /v1/nights?from=D&to=D (every mat's night of D); night: GET "
      "/v1/nights?mat=X&from=D&to=D (one mat's); episodes: GET /v1/episodes?mat=X&from=D&to=D");
  try {
    po::variables_map vm;
    po::store(po::parse_command_line(argc, argv, options), vm);
    po::notify(vm);
    if (vm.count("help")) {
      std::cout << options << "\n";
      return 0;
    }
  } catch (const po::error& e) {
    std::cerr << "pmap-bench-api: " << e.what() << "\n" << options << "\n";
    return 2;
  }
  if (nights < 1 || nights > 3650 || mats < 1 || mats > 500 || requests < 1 ||
      (target != "nights" && target != "night" && target != "episodes")) {
    std::cerr << "pmap-bench-api: --nights 1-3650, --mats 1-500, --requests >= 1, --target "
                 "nights|night|episodes\n";
    return 2;
  }
  const bool temporary = db.empty();
  if (temporary) {
    db = (std::filesystem::temp_directory_path() /
          ("pmap-bench-api-" + std::to_string(::getpid()) + ".db"))
             .string();
  }
  const auto t_build = steady_clock::now();
  if (!std::filesystem::exists(db)) build(db, nights, mats);
  const double build_s = duration<double>(steady_clock::now() - t_build).count();

  pmap::Logger logger(pmap::LogLevel::kWarn);
  pmap::api::ApiConfig config;
  config.db_path = db;
  config.listen = "127.0.0.1:0";
  config.tz = "UTC";
  pmap::api::ApiServer server(config, logger, nullptr);
  server.start();
  pmap::api::test::Client client(server.port());
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> night(0, nights - 1);
  std::uniform_int_distribution<int> mat(0, mats - 1);
  const auto first_wake = std::chrono::sys_days(std::chrono::year(2025) / 1 / 2);
  std::vector<double> ms;
  std::size_t bytes = 0;
  int errors = 0;
  for (int i = 0; i < requests + 20; ++i) {
    const auto day = pmap::diary::format_date(first_wake + std::chrono::days(night(rng)));
    std::string path;
    if (target == "nights") {
      path = "/v1/nights?from=" + day + "&to=" + day;
    } else {
      path = "/v1/" + std::string(target == "night" ? "nights" : "episodes") +
             "?mat=" + mat_name(mat(rng)) + "&from=" + day + "&to=" + day;
    }
    const auto t0 = steady_clock::now();
    const auto r = client.request("GET", path);
    const double elapsed = duration<double, std::milli>(steady_clock::now() - t0).count();
    if (r.status != 200) ++errors;
    if (i < 20) continue;  // warm-up (page cache, prepared statements)
    ms.push_back(elapsed);
    bytes = r.body.size();
  }
  server.stop();
  const auto bytes_on_disk = database_bytes(db);
  if (temporary) {
    std::filesystem::remove(db);
    std::filesystem::remove(db + "-wal");
    std::filesystem::remove(db + "-shm");
  }
  std::printf(
      "{\"target\":\"%s\",\"nights\":%d,\"mats\":%d,\"db_bytes\":%ju,\"requests\":%d,"
      "\"errors\":%d,\"build_s\":%.1f,\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,"
      "\"max_ms\":%.3f,\"response_bytes\":%zu}\n",
      target.c_str(), nights, mats, bytes_on_disk, requests, errors, build_s, percentile(ms, 0.5),
      percentile(ms, 0.9), percentile(ms, 0.99), percentile(ms, 1.0), bytes);
  return errors == 0 ? 0 : 1;
}
