// GET /metrics of the real pmap-gateway after a simulated night through a private mosquitto:
// the text parses back under every rule of the format, the frame counters equal what pmap-sim
// says it published, the latency histograms counted every frame, and the endpoint wants the
// bearer token like every endpoint but /v1/health.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <thread>

#include "exposition_parser.hpp"
#include "harness.hpp"
#include "http_client.hpp"

namespace pmap::testing {
namespace {

using namespace std::chrono_literals;
using metrics::test::parse_exposition;
using nlohmann::json;

TEST(MetricsGateway, ScrapeAfterASimulatedNightCountsEveryFrame) {
  const auto dir = fresh_dir("metrics-gateway");
  Broker broker(dir);
  const int port = free_loopback_port();
  std::ofstream(dir / "token") << "it-metrics-token-0123456789\n";
  ChildProcess gateway({(bin_dir() / "pmap-gateway").string(), "--broker", broker.uri(), "--db",
                        (dir / "pmap.db").string(), "--client-id", "it-metrics-gateway",
                        "--api-listen", "127.0.0.1:" + std::to_string(port), "--api-token-file",
                        (dir / "token").string(), "--tz", "UTC", "--log-level", "info"},
                       dir / "gateway");
  ASSERT_TRUE(wait_for_port(port, 30s)) << gateway.stderr_text();
  ASSERT_TRUE(broker.wait_for_subscriptions(3, 30s)) << gateway.stderr_text();
  const auto p = static_cast<std::uint16_t>(port);
  const std::vector<std::pair<std::string, std::string>> auth = {
      {"Authorization", "Bearer it-metrics-token-0123456789"}};

  auto r = api::test::http(p, "GET", "/metrics");
  EXPECT_EQ(r.status, 401);  // the same rule as every endpoint but /v1/health
  r = api::test::http(p, "GET", "/metrics", "", auth);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(api::test::http(p, "POST", "/metrics", "{}", auth).status, 405);
  EXPECT_EQ(api::test::http(p, "GET", "/metrics?x=1", "", auth).status, 400);

  // Half an hour of a night at 1 Hz, as fast as the broker takes it.
  ChildProcess sim(
      {(bin_dir() / "pmap-sim").string(), "--broker", broker.uri(), "--mat", "bed1", "--kind",
       "bed", "--scenario", "night", "--speed", "max", "--seed", "11", "--duration", "1800"},
      dir / "sim");
  ASSERT_EQ(sim.wait_for(120s), 0) << sim.stderr_text();
  const json summary = last_json_line(sim.stdout_text());
  const double sent = summary["mats"]["bed1"]["frames_published"].get<double>();
  ASSERT_GE(sent, 1700);

  // The counters reach the scrape within a second or so of the frames (docs/metrics.md).
  metrics::test::ParsedExposition m;
  std::string text;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < deadline) {
    r = api::test::http(p, "GET", "/metrics", "", auth);
    text = r.body;
    m = parse_exposition(text);
    if (m.value("pmap_frames_received_total", {{"mat", "bed1"}}) == sent) break;
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_TRUE(m.errors.empty()) << m.errors.front() << "\n" << text;
  EXPECT_EQ(m.value("pmap_frames_received_total", {{"mat", "bed1"}}), sent) << text;
  EXPECT_EQ(m.value("pmap_frames_accepted_total", {{"mat", "bed1"}}), sent);
  for (const auto& s : m.families.at("pmap_frames_rejected_total").samples) {
    EXPECT_EQ(s.value, 0) << s.labels.at("reason");
  }
  // Every frame message was timed through ingest, every accepted frame through the estimate.
  EXPECT_EQ(m.value("pmap_frame_decode_seconds_count"), sent);
  EXPECT_EQ(m.value("pmap_frame_estimate_seconds_count"), sent);
  EXPECT_GT(m.value("pmap_frame_estimate_seconds_sum"), 0);
  EXPECT_GT(m.value("pmap_db_write_seconds_count"), 0);
  const double age = m.value("pmap_mat_last_frame_age_seconds", {{"mat", "bed1"}});
  EXPECT_GE(age, 0);
  EXPECT_LT(age, 120);
  EXPECT_EQ(m.value("pmap_mqtt_connected"), 1);
  EXPECT_GT(m.value("process_resident_memory_bytes"), 1 << 20);
  // Every frame processed: nothing waits in the queue; its limit is the default.
  EXPECT_EQ(m.value("pmap_messages_queued"), 0);
  EXPECT_EQ(m.value("pmap_messages_queue_limit"), 20000);
  EXPECT_GE(m.value("pmap_mqtt_delivery_held_seconds_total"), 0);

  // Scrape cost with one mat (docs/performance.md).
  const auto t0 = std::chrono::steady_clock::now();
  constexpr int kScrapes = 20;
  for (int i = 0; i < kScrapes; ++i)
    ASSERT_EQ(api::test::http(p, "GET", "/metrics", "", auth).status, 200);
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() /
      kScrapes;
  std::cout << "scrape: " << text.size() << " bytes, " << ms << " ms per scrape (1 mat)\n";

  gateway.signal(SIGTERM);
  ASSERT_EQ(gateway.wait_for(30s), 0) << gateway.stderr_text();
}

}  // namespace
}  // namespace pmap::testing
