// Runs the real pmap-sim against a broker, only when PMAP_TEST_BROKER_PORT is set
// (tests/integration/run_with_broker.sh starts one).
#include <gtest/gtest.h>

#include <mqtt/async_client.h>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <vector>

namespace {

TEST(PmapSimBroker, NightAtMaxSpeedDeliversEveryFrameAndTruth) {
  const char* port = std::getenv("PMAP_TEST_BROKER_PORT");
  const char* bin = std::getenv("PMAP_BIN_DIR");
  if (!port || !bin) GTEST_SKIP() << "PMAP_TEST_BROKER_PORT / PMAP_BIN_DIR not set";
  const std::string broker = std::string("tcp://127.0.0.1:") + port;
  mqtt::async_client subscriber(broker, "sim-test-subscriber");
  subscriber.start_consuming();
  subscriber.connect()->wait();
  subscriber.subscribe("pmap/v1/simtest/#", 1)->wait();
  const std::string command = std::string(bin) + "/pmap-sim --broker " + broker +
                              " --mat simtest --kind bed --scenario night --duration 600 "
                              "--speed max --seed 3 --publish-truth --dup-rate 0.05 2>/dev/null";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[4096];
  while (fgets(buffer, sizeof buffer, pipe)) output += buffer;
  ASSERT_EQ(pclose(pipe), 0);
  const auto summary = nlohmann::json::parse(output);
  const auto& mat = summary["mats"]["simtest"];
  EXPECT_EQ(mat["frames_generated"], 600);
  EXPECT_EQ(mat["frames_published"].get<int>(), 600 + mat["frames_duplicated"].get<int>());
  EXPECT_EQ(mat["truth_published"], 600);
  int frames = 0, truths = 0;
  bool offline = false;
  while (auto message = subscriber.try_consume_message_for(std::chrono::seconds(2))) {
    const std::string& topic = message->get_topic();
    frames += topic.ends_with("/frame");
    truths += topic.ends_with("/truth");
    if (topic.ends_with("/status")) offline = message->to_string() == "offline";
  }
  EXPECT_EQ(frames, mat["frames_published"].get<int>());
  EXPECT_EQ(truths, 600);
  EXPECT_TRUE(offline);
  subscriber.disconnect()->wait();
}

// A calibration session over MQTT: every truth message carries the applied pressure.
TEST(PmapSimBroker, CalibrationSessionPublishesAppliedPressureInTruth) {
  const char* port = std::getenv("PMAP_TEST_BROKER_PORT");
  const char* bin = std::getenv("PMAP_BIN_DIR");
  if (!port || !bin) GTEST_SKIP() << "PMAP_TEST_BROKER_PORT / PMAP_BIN_DIR not set";
  const std::string broker = std::string("tcp://127.0.0.1:") + port;
  mqtt::async_client subscriber(broker, "sim-test-calibration-subscriber");
  subscriber.start_consuming();
  subscriber.connect()->wait();
  subscriber.subscribe("pmap/v1/simcal/truth", 1)->wait();
  const std::string command = std::string(bin) + "/pmap-sim --broker " + broker +
                              " --mat simcal --kind chair --scenario calibration --cal-levels "
                              "0,50,100 --cal-hold-s 4 --cal-ramp-s 0 --rate 1 --speed max "
                              "--seed 2 --publish-truth 2>/dev/null";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[4096];
  while (fgets(buffer, sizeof buffer, pipe)) output += buffer;
  ASSERT_EQ(pclose(pipe), 0);
  EXPECT_EQ(nlohmann::json::parse(output)["mats"]["simcal"]["truth_published"], 20);
  std::vector<double> applied;
  while (auto message = subscriber.try_consume_message_for(std::chrono::seconds(2))) {
    const auto truth = nlohmann::json::parse(message->to_string());
    EXPECT_EQ(truth["posture"], "calibration");
    applied.push_back(truth["applied_mmHg"].get<double>());
  }
  std::vector<double> expected;
  for (const double level : {0.0, 50.0, 100.0, 50.0, 0.0})
    expected.insert(expected.end(), 4, level);
  EXPECT_EQ(applied, expected);
  subscriber.disconnect()->wait();
}

}  // namespace
