// Runs only when PMAP_TEST_BROKER_PORT names a local MQTT broker (tests/integration starts one).
#include <gtest/gtest.h>
#include <mqtt/async_client.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <set>
#include <thread>

#include "harness.hpp"
#include "pmap/gateway_service.hpp"
#include "pmap/store.hpp"
#include "pmap/wire_codec.hpp"
#include "test_util.hpp"

namespace pmap {
namespace {

std::string broker_uri() {
  const char* port = std::getenv("PMAP_TEST_BROKER_PORT");
  return port == nullptr ? std::string() : std::string("tcp://127.0.0.1:") + port;
}

std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST(GatewayBroker, MetaFramesToEpochsAndStateThenCleanStop) {
  const auto uri = broker_uri();
  if (uri.empty()) GTEST_SKIP() << "PMAP_TEST_BROKER_PORT not set";
  test::TempDir dir;
  GatewayConfig cfg;
  cfg.broker = uri;
  cfg.db = dir.file("gw.db");
  cfg.client_id = "pmap-gateway-test-" + std::to_string(::getpid());
  cfg.log_level = LogLevel::kWarn;
  cfg.flush_interval_ms = 100;
  Logger logger(LogLevel::kWarn);
  GatewayService service(cfg, logger);
  std::thread runner([&] { EXPECT_EQ(service.run(), 0); });

  mqtt::async_client pub(uri, "pmap-test-pub-" + std::to_string(::getpid()), nullptr);
  mqtt::connect_options opts;
  opts.set_clean_session(true);
  pub.connect(opts)->wait();
  std::atomic<int> states{0};
  pub.set_message_callback([&](mqtt::const_message_ptr) { ++states; });
  pub.subscribe("pmap/v1/gwtest/state", 0)->wait();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // gateway connects, subscribes
  const std::string meta = test::meta_json("bed", 8, 4);
  pub.publish("pmap/v1/gwtest/meta", meta.data(), meta.size(), 1, true)->wait();
  const auto t0 = now_us();
  for (std::uint32_t s = 0; s < 20; ++s) {
    auto frame =
        test::binary(s, t0 + s * 100'000LL, 8, 4, static_cast<std::uint16_t>(s % 2 ? 800 : 0));
    pub.publish("pmap/v1/gwtest/frame", frame.data(), frame.size(), 1, false)->wait();
  }
  pub.publish("pmap/v1/gwtest/frame", "bad", 3, 1, false)->wait();
  pub.publish("pmap/v1/bad.id/frame", "bad", 3, 1, false)->wait();
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  service.request_stop();
  runner.join();
  pub.publish("pmap/v1/gwtest/meta", "", 0, 1, true)->wait();  // clear the retained meta
  pub.disconnect()->wait();

  const auto summary = service.summary();
  EXPECT_EQ(summary["mats"]["gwtest"]["accepted"], 20) << summary.dump();
  EXPECT_EQ(summary["mats"]["gwtest"]["rejected_by_reason"]["bad_magic"], 1);
  EXPECT_EQ(summary["global"]["unattributed"], 1);
  EXPECT_GE(states.load(), 1);
  Store store = Store::open_read_only(cfg.db);
  EXPECT_EQ(store.db().query_int("SELECT SUM(frames) FROM epochs WHERE mat_id='gwtest'"), 20);
  EXPECT_EQ(store.db().query_int(
                "SELECT count FROM mat_counters WHERE mat_id='gwtest' AND reason='received'"),
            21);
}

GatewayConfig limited_gateway(const std::string& uri, const test::TempDir& dir) {
  GatewayConfig cfg;
  cfg.broker = uri;
  cfg.db = dir.file("gw.db");
  cfg.client_id = "pmap-gateway-limits-" + std::to_string(::getpid());
  cfg.log_level = LogLevel::kWarn;
  cfg.flush_interval_ms = 100;
  cfg.state_interval_ms = 100;
  cfg.api_listen = "off";
  cfg.ha_discovery_prefix = "";
  cfg.report_settle_min = 0;
  return cfg;
}

// One mat floods (2000 frames/s, honestly stamped) while another sends 10 frames/s, through the
// real broker into a real gateway: the honest mat loses nothing and its states keep coming while
// the flood goes on; the flood is cut to max_frame_rate_hz and costs the database nothing more.
TEST(GatewayBroker, AFloodingMatIsRateLimitedAndDoesNotHoldUpAnother) {
  // A private broker: on the shared one, the other tests' mats (frames and retained metas) would
  // count here as flood or as invented ids, and this test's mats would count there.
  const pmap::testing::Broker broker(pmap::testing::fresh_dir("gateway-flood"));
  const auto uri = broker.uri();
  test::TempDir dir;
  GatewayConfig cfg = limited_gateway(uri, dir);
  cfg.max_frame_rate_hz = 50;
  cfg.max_frame_burst = 100;
  Logger logger(LogLevel::kWarn);
  GatewayService service(cfg, logger);
  std::thread runner([&] { EXPECT_EQ(service.run(), 0); });

  const std::string tag = std::to_string(::getpid());
  mqtt::connect_options opts;
  opts.set_clean_session(true);
  mqtt::async_client watcher(uri, "pmap-test-watch-" + tag, nullptr);
  watcher.connect(opts)->wait();
  std::atomic<bool> flooding{false};
  std::mutex seen_mutex;
  std::set<std::int64_t> states_during_flood;  // frame timestamps of the honest mat's states
  std::vector<double> latency_ms;
  watcher.set_message_callback([&](mqtt::const_message_ptr m) {
    const auto j = nlohmann::json::parse(m->get_payload_str(), nullptr, false);
    if (!j.is_object() || !j.contains("ts_us")) return;
    const std::lock_guard lock(seen_mutex);
    latency_ms.push_back(static_cast<double>(now_us() - j["ts_us"].get<std::int64_t>()) / 1e3);
    if (flooding.load()) states_during_flood.insert(j["ts_us"].get<std::int64_t>());
  });
  watcher.subscribe("pmap/v1/honest/state", 0)->wait();
  // Room for the flood's deliveries in flight (Paho's default buffers 100).
  const mqtt::create_options buffered(MQTTVERSION_3_1_1, 100000);
  mqtt::async_client flood_mat(uri, "pmap-test-flood-" + tag, buffered, nullptr);
  mqtt::async_client honest_mat(uri, "pmap-test-honest-" + tag, nullptr);
  flood_mat.connect(opts)->wait();
  honest_mat.connect(opts)->wait();
  std::this_thread::sleep_for(std::chrono::milliseconds(800));  // gateway connects, subscribes
  const std::string meta = test::meta_json("bed", 8, 4);
  flood_mat.publish("pmap/v1/flood/meta", meta.data(), meta.size(), 1, true)->wait();
  honest_mat.publish("pmap/v1/honest/meta", meta.data(), meta.size(), 1, true)->wait();

  flooding = true;
  std::uint32_t flood_sent = 0;
  const auto flood_start = std::chrono::steady_clock::now();
  std::thread flooder([&] {
    // 20 frames every 10 ms for 3 s: 2000 frames/s, each stamped when sent.
    mqtt::delivery_token_ptr last;
    for (int tick = 0; tick < 300; ++tick) {
      for (int i = 0; i < 20; ++i) {
        const auto frame = test::binary(flood_sent++, now_us(), 8, 4, 500);
        last = flood_mat.publish("pmap/v1/flood/frame", frame.data(), frame.size(), 1, false);
      }
      std::this_thread::sleep_until(flood_start + std::chrono::milliseconds(10 * (tick + 1)));
    }
    last->wait();
  });
  // The honest mat starts half a second into the flood and ends a second before it.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  constexpr std::uint32_t kHonest = 15;
  for (std::uint32_t s = 0; s < kHonest; ++s) {
    const auto frame = test::binary(s, now_us(), 8, 4, s % 2 ? 800 : 0);
    honest_mat.publish("pmap/v1/honest/frame", frame.data(), frame.size(), 1, false)->wait();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  flooder.join();
  flooding = false;
  const double flood_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - flood_start).count();
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  service.request_stop();
  runner.join();
  for (auto* c : {&flood_mat, &honest_mat}) {
    const std::string topic = c == &flood_mat ? "pmap/v1/flood/meta" : "pmap/v1/honest/meta";
    c->publish(topic, "", 0, 1, true)->wait();
    c->disconnect()->wait();
  }
  watcher.disconnect()->wait();

  const auto summary = service.summary();
  const auto& honest = summary["mats"]["honest"];
  const auto& flood = summary["mats"]["flood"];
  EXPECT_EQ(honest["accepted"], kHonest) << summary.dump();
  EXPECT_EQ(honest["rejected"], 0);
  EXPECT_EQ(flood["received"], flood_sent);
  const auto flood_accepted = flood["accepted"].get<std::uint64_t>();
  const auto rate_limited = flood["rejected_by_reason"]["rate_limited"].get<std::uint64_t>();
  EXPECT_EQ(flood_accepted + rate_limited, flood_sent);
  // burst + rate × how long the flood lasted (+1 s: the gateway receives later than we send), with
  // half as much again for the jitter between the two clocks (docs/protocol.md §6): still a
  // small fraction of the 6000 sent.
  EXPECT_LE(flood_accepted, static_cast<std::uint64_t>(100 + 1.5 * 50 * (flood_s + 1)));
  EXPECT_GE(flood_accepted, 100U);
  EXPECT_EQ(summary["global"]["overload_dropped"], 0);
  // The honest mat's states kept coming during the flood: at least half its frames were the
  // newest state (the state throttle is one frame period) before the flood ended.
  double median_ms = 0;
  {
    const std::lock_guard lock(seen_mutex);
    EXPECT_GE(states_during_flood.size(), kHonest / 2) << states_during_flood.size();
    if (!latency_ms.empty()) {
      std::nth_element(latency_ms.begin(), latency_ms.begin() + latency_ms.size() / 2,
                       latency_ms.end());
      median_ms = latency_ms[latency_ms.size() / 2];
    }
  }
  std::cout << "flood: " << flood_sent << " frames in " << flood_s << " s, " << flood_accepted
            << " accepted, " << rate_limited << " rate_limited; honest mat: " << kHonest
            << " accepted, median frame-to-state " << median_ms << " ms\n";
  // Nothing beyond the accepted frames reached the database.
  Store store = Store::open_read_only(cfg.db);
  EXPECT_EQ(store.db().query_int("SELECT SUM(frames) FROM epochs WHERE mat_id='flood'"),
            static_cast<std::int64_t>(flood_accepted));
  EXPECT_EQ(store.db().query_int("SELECT count FROM mat_counters WHERE mat_id='flood' AND "
                                 "reason='rate_limited'"),
            static_cast<std::int64_t>(rate_limited));
}

// Thousands of invented mat ids: at most max_mats are tracked, the rest are counted
// (too_many_mats) and a known mat keeps working.
TEST(GatewayBroker, ThousandsOfUnknownMatIdsAreCountedAndBounded) {
  // A private broker: on the shared one, the other tests' mats (frames and retained metas) would
  // count here as flood or as invented ids, and this test's mats would count there.
  const pmap::testing::Broker broker(pmap::testing::fresh_dir("gateway-invented-ids"));
  const auto uri = broker.uri();
  test::TempDir dir;
  GatewayConfig cfg = limited_gateway(uri, dir);
  Logger logger(LogLevel::kError);
  GatewayService service(cfg, logger);
  std::thread runner([&] { EXPECT_EQ(service.run(), 0); });
  const mqtt::create_options buffered(MQTTVERSION_3_1_1, 100000);
  mqtt::async_client pub(uri, "pmap-test-ids-" + std::to_string(::getpid()), buffered, nullptr);
  mqtt::connect_options opts;
  opts.set_clean_session(true);
  pub.connect(opts)->wait();
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  const std::string meta = test::meta_json("bed", 4, 3);
  pub.publish("pmap/v1/known/meta", meta.data(), meta.size(), 1, true)->wait();
  const auto t0 = now_us();
  auto frame = test::binary(0, t0);
  pub.publish("pmap/v1/known/frame", frame.data(), frame.size(), 1, false)->wait();
  for (int i = 0; i < 5000; ++i) {
    frame = test::binary(1, t0);
    auto token = pub.publish("pmap/v1/invented" + std::to_string(i) + "/frame", frame.data(),
                             frame.size(), 1, false);
    if (i % 1000 == 999) token->wait();
  }
  frame = test::binary(1, t0 + 1'000'000);
  pub.publish("pmap/v1/known/frame", frame.data(), frame.size(), 1, false)->wait();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  service.request_stop();
  runner.join();
  pub.publish("pmap/v1/known/meta", "", 0, 1, true)->wait();
  pub.disconnect()->wait();
  const auto summary = service.summary();
  EXPECT_EQ(summary["mats"].size(), 1024U);
  EXPECT_EQ(summary["global"]["too_many_mats"], 5000 - 1023);
  EXPECT_EQ(summary["mats"]["known"]["accepted"], 2) << summary["mats"]["known"].dump();
  Store store = Store::open_read_only(cfg.db);
  EXPECT_EQ(store.db().query_int("SELECT COUNT(*) FROM mats"), 1);  // only mats with a meta
}

TEST(GatewayBroker, UnreachableBrokerStillStopsPromptly) {
  if (broker_uri().empty()) GTEST_SKIP() << "PMAP_TEST_BROKER_PORT not set";
  test::TempDir dir;
  GatewayConfig cfg;
  cfg.broker = "tcp://127.0.0.1:1";  // nothing listens there
  cfg.db = dir.file("u.db");
  cfg.log_level = LogLevel::kOff;
  Logger logger(LogLevel::kOff);
  GatewayService service(cfg, logger);
  std::thread runner([&] { EXPECT_EQ(service.run(), 0); });
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  const auto t0 = std::chrono::steady_clock::now();
  service.request_stop();
  runner.join();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
}

}  // namespace
}  // namespace pmap
