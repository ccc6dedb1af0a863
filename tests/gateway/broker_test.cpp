// Runs only when PMAP_TEST_BROKER_PORT names a local MQTT broker (tests/integration starts one).
#include <gtest/gtest.h>
#include <mqtt/async_client.h>

#include <cstdlib>
#include <thread>

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
