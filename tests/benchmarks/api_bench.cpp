// pmap-bench-api: the HTTP API's latency for one night's data (issue 5: "API p99 <= 20 ms for a
// night's data"). Builds a database with N nights of one bed mat as the gateway writes them
// (5 s epochs and posture epochs over 8 h, presence/position/knee/activity episodes), starts the
// API in-process on a loopback port and sends GET /v1/nights?from=D&to=D for random dates D over
// one keep-alive connection, timing each request from the first byte sent to the last received.
//
//   pmap-bench-api [--nights 365] [--requests 1000] [--db FILE] [--target nights|episodes]
//
// Prints one JSON line: nights, requests, p50/p90/p99/max in ms, response bytes. Results in
// docs/performance.md ("HTTP API").
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>

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

void build(const std::string& path, int nights) {
  pmap::Store store(path);
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> u(0, 1);
  const char* positions[] = {"supine", "left", "right", "supine", "left", "prone"};
  for (int n = 0; n < nights; ++n) {
    pmap::WriteBatch b;
    const std::int64_t start = kFirstNightStartS + std::int64_t{n} * 86400;
    const std::int64_t end = start + kNightS;
    const auto us = [](std::int64_t s) { return s * 1'000'000; };
    b.episodes.push_back({"bed1", "presence", "in_bed", us(start), us(end), 5760, 1.0});
    // Positions change every 40-80 min; knee states follow side-lying.
    std::int64_t t = start;
    int k = 0;
    while (t < end) {
      const std::int64_t len = 2400 + static_cast<std::int64_t>(u(rng) * 2400);
      const std::int64_t stop = std::min(end, t + len);
      const std::string pos = positions[k++ % 6];
      b.episodes.push_back({"bed1", "position", pos, us(t), us(stop), 100, 0.8});
      if (pos == "left" || pos == "right") {
        const std::int64_t mid = t + (stop - t) / 2;
        b.episodes.push_back({"bed1", "knee", "aligned", us(t), us(mid), 50, 0.7});
        b.episodes.push_back({"bed1", "knee", "dropped", us(mid), us(stop), 50, 0.7});
      } else if (pos == "supine") {
        b.episodes.push_back({"bed1", "knee", "flexed_supported", us(t), us(stop), 100, 0.7});
      }
      t = stop;
    }
    b.episodes.push_back(
        {"bed1", "activity", "still", us(start + 3600), us(start + 7200), 720, 1.0});
    for (std::int64_t e = start; e < end; e += kEpochS) {
      pmap::EpochDelta d;
      d.mat_id = "bed1";
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
      p.mat_id = "bed1";
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
}

double percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size()))) - 1;
  return v[std::min(i, v.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  int nights = 365;
  int requests = 1000;
  std::string db;
  std::string target = "nights";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--nights") {
      nights = std::stoi(argv[i + 1]);
    } else if (a == "--requests") {
      requests = std::stoi(argv[i + 1]);
    } else if (a == "--db") {
      db = argv[i + 1];
    } else if (a == "--target") {
      target = argv[i + 1];
    } else {
      std::cerr << "usage: pmap-bench-api [--nights N] [--requests N] [--db FILE] "
                   "[--target nights|episodes]\n";
      return 2;
    }
  }
  if (nights < 1 || nights > 3650 || requests < 1 || (target != "nights" && target != "episodes")) {
    std::cerr << "pmap-bench-api: --nights 1-3650, --requests >= 1, --target nights|episodes\n";
    return 2;
  }
  const bool temporary = db.empty();
  if (temporary) {
    db = (std::filesystem::temp_directory_path() /
          ("pmap-bench-api-" + std::to_string(::getpid()) + ".db"))
             .string();
  }
  const auto t_build = steady_clock::now();
  if (!std::filesystem::exists(db)) build(db, nights);
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
  const auto first_wake = std::chrono::sys_days(std::chrono::year(2025) / 1 / 2);
  std::vector<double> ms;
  std::size_t bytes = 0;
  int errors = 0;
  for (int i = 0; i < requests + 20; ++i) {
    const auto day = pmap::diary::format_date(first_wake + std::chrono::days(night(rng)));
    const std::string path = target == "nights"
                                 ? "/v1/nights?from=" + day + "&to=" + day
                                 : "/v1/episodes?mat=bed1&from=" + day + "&to=" + day;
    const auto t0 = steady_clock::now();
    const auto r = client.request("GET", path);
    const double elapsed = duration<double, std::milli>(steady_clock::now() - t0).count();
    if (r.status != 200) ++errors;
    if (i < 20) continue;  // warm-up (page cache, prepared statements)
    ms.push_back(elapsed);
    bytes = r.body.size();
  }
  server.stop();
  if (temporary) {
    std::filesystem::remove(db);
    std::filesystem::remove(db + "-wal");
    std::filesystem::remove(db + "-shm");
  }
  std::printf(
      "{\"target\":\"%s\",\"nights\":%d,\"requests\":%d,\"errors\":%d,\"build_s\":%.1f,"
      "\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,\"response_bytes\":%zu}\n",
      target.c_str(), nights, requests, errors, build_s, percentile(ms, 0.5), percentile(ms, 0.9),
      percentile(ms, 0.99), percentile(ms, 1.0), bytes);
  return errors == 0 ? 0 : 1;
}
