// End-to-end: calibrations reloaded on SIGHUP by a running pmap-gateway, against a real
// mosquitto, while a mat keeps publishing: a bad new file is refused with its reason and the old
// calibration stays in use, a good one is taken, and no frame is lost on the way.
#include <gtest/gtest.h>

#include <mqtt/client.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "harness.hpp"
#include "pmap/calibration/calibration_file.hpp"
#include "pmap/topics.hpp"
#include "pmap/wire_codec.hpp"
#include "recorder.hpp"
#include "test_calibration.hpp"

namespace pmap::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr std::uint16_t kRows = 16;
constexpr std::uint16_t kCols = 8;

std::int64_t wall_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// A body-sized load on an empty mat reading 45 counts, changing from frame to frame.
PressureFrame frame(std::uint32_t seq) {
  PressureFrame f;
  f.rows = kRows;
  f.cols = kCols;
  f.sequence = seq;
  f.timestamp_us = wall_us();
  f.values.assign(std::size_t{kRows} * kCols, 45);
  for (std::size_t r = 3; r < 13; ++r) {
    for (std::size_t c = 1; c < 7; ++c) {
      f.at(r, c) = static_cast<std::uint16_t>(200 + (r * 37 + c * 53 + seq * 7) % 500);
    }
  }
  return f;
}

/// Writes `text` next to `path` and renames it over `path` (how a calibration is replaced).
void replace_file(const std::filesystem::path& path, const std::string& text) {
  const auto tmp = path.string() + ".new";
  std::ofstream(tmp, std::ios::binary | std::ios::trunc) << text;
  std::filesystem::rename(tmp, path);
}

TEST(EndToEnd, SighupReloadsCalibrationsRefusesABadOneAndLosesNoFrame) {
  const auto dir = fresh_dir("calibration");
  const auto cal_dir = dir / "calibration";
  std::filesystem::create_directories(cal_dir);
  const auto file = cal_dir / "bed1.json";
  auto first = test::make_calibration("bed1", kRows, kCols);
  first.created_utc = "2026-01-05T10:00:00Z";
  ASSERT_EQ(calibration::save_calibration(first, file), "");

  Broker broker(dir);
  Recorder rec(broker.uri());
  ChildProcess gateway(
      {(bin_dir() / "pmap-gateway").string(), "--broker", broker.uri(), "--db",
       (dir / "pmap.db").string(), "--client-id", "it-gateway-calibration", "--calibration-dir",
       cal_dir.string(), "--state-interval-ms", "100", "--log-level", "info"},
      dir / "gateway");
  ASSERT_TRUE(broker.wait_for_subscriptions(5, 30s)) << gateway.stderr_text();

  mqtt::client mat(broker.uri(), "pmap-it-calibrated-mat");
  mat.connect(mqtt::connect_options_builder().clean_session(true).finalize());
  const std::string meta =
      R"({"v":1,"kind":"bed","rows":16,"cols":8,"pitch_mm":28.6,"sample_rate_hz":100,)"
      R"("layout":{"first_row":"foot","mirrored":true},"full_scale_counts":1000,)"
      R"("nominal_full_scale_mmhg":100})";
  mat.publish(topic("bed1", Channel::kMeta), meta.data(), meta.size(), 1, true);

  // The mat publishes all along (QoS 1, a frame every 5 ms plus the broker's round trip) while the
  // files are swapped.
  std::atomic<bool> stop{false};
  std::atomic<std::uint32_t> sent{0};
  std::thread publisher([&] {
    while (!stop.load()) {
      const auto bytes = encode_binary(frame(sent.load()));
      mat.publish(topic("bed1", Channel::kFrame), bytes.data(), bytes.size(), 1, false);
      ++sent;
      std::this_thread::sleep_for(5ms);
    }
  });
  struct Join {
    std::atomic<bool>& stop;
    std::thread& t;
    ~Join() {
      stop = true;
      if (t.joinable()) t.join();
    }
  } join{stop, publisher};

  auto wait_for_calibration = [&](auto pred) {
    return rec.wait(
        [&](const std::map<std::string, std::vector<json>>&,
            const std::map<std::string, json>& state) {
          const auto it = state.find("bed1");
          return it != state.end() && it->second.contains("calibration") && pred(it->second);
        },
        30s);
  };
  auto latest = [&] { return rec.latest_state()["bed1"]; };

  // 1. The first calibration is in use.
  ASSERT_TRUE(wait_for_calibration([](const json& s) {
    return s["calibration"]["status"] == "calibrated" && s["frames"]["accepted"] >= 20;
  })) << latest().dump()
      << gateway.stderr_text();
  EXPECT_TRUE(latest()["calibrated"].get<bool>());
  EXPECT_EQ(latest()["calibration"]["created_utc"], "2026-01-05T10:00:00Z");
  EXPECT_EQ(latest()["calibration"]["file"], file.string());
  EXPECT_GT(latest()["calibration"]["age_days"].get<double>(), 0.0);

  // 2. Swapped for a bad file (a non-monotone curve) + SIGHUP: refused with the reason, the first
  //    calibration stays in use.
  auto bad = test::make_calibration("bed1", kRows, kCols);
  bad.created_utc = "2026-02-01T00:00:00Z";
  bad.knot_counts[17 * 3 + 2] = bad.knot_counts[17 * 3 + 1] - 1;
  replace_file(file, calibration::to_json(bad));
  const std::uint32_t sent_at_first_sighup = sent.load();
  gateway.signal(SIGHUP);
  ASSERT_TRUE(wait_for_calibration([](const json& s) {
    return s["calibration"]["status"] == "refused";
  })) << latest().dump()
      << gateway.stderr_text();
  {
    const json s = latest();
    EXPECT_TRUE(s["calibrated"].get<bool>());
    EXPECT_TRUE(s["calibration"]["in_use"].get<bool>());
    EXPECT_EQ(s["calibration"]["created_utc"], "2026-01-05T10:00:00Z");
    ASSERT_TRUE(s["calibration"]["error"].is_string());
    EXPECT_NE(s["calibration"]["error"].get<std::string>().find("non-monotone"), std::string::npos)
        << s["calibration"]["error"];
    EXPECT_EQ(s["calibration"]["refusals"], 1);
  }

  // 3. A good new file + SIGHUP: taken.
  auto second = test::make_calibration("bed1", kRows, kCols);
  second.created_utc = "2026-02-02T08:30:00Z";
  replace_file(file, calibration::to_json(second));
  const std::uint32_t sent_at_second_sighup = sent.load();
  gateway.signal(SIGHUP);
  ASSERT_TRUE(wait_for_calibration([](const json& s) {
    return s["calibration"]["status"] == "calibrated" &&
           s["calibration"]["created_utc"] == "2026-02-02T08:30:00Z";
  })) << latest().dump()
      << gateway.stderr_text();
  EXPECT_EQ(latest()["calibration"]["loads"], 2);
  EXPECT_EQ(latest()["calibration"]["error"], nullptr);

  // 4. No frame lost: everything the mat sent, before, between and after the reloads, was received
  //    and accepted.
  const std::uint32_t after_reloads = sent.load();
  while (sent.load() < after_reloads + 20) std::this_thread::sleep_for(10ms);
  stop = true;
  publisher.join();
  const std::int64_t total = sent.load();
  EXPECT_GT(sent_at_first_sighup, 20U);
  EXPECT_GT(sent_at_second_sighup, sent_at_first_sighup);
  ASSERT_TRUE(wait_for_calibration([&](const json& s) {
    return s["frames"]["accepted"].get<std::int64_t>() >= total;
  })) << "sent "
      << total << ", state " << latest().dump();
  const json s = latest();
  EXPECT_EQ(s["frames"]["received"], total);
  EXPECT_EQ(s["frames"]["accepted"], total);
  EXPECT_EQ(s["frames"]["rejected"], 0);
  EXPECT_EQ(s["frames"]["missing"], 0);
  mat.disconnect();

  gateway.signal(SIGTERM);
  ASSERT_EQ(gateway.wait_for(60s), 0) << gateway.stderr_text();
  const json summary = last_json_line(gateway.stdout_text());
  EXPECT_EQ(summary["mats"]["bed1"]["received"], total);
  EXPECT_EQ(summary["mats"]["bed1"]["accepted"], total);
  EXPECT_EQ(summary["global"]["calibration_loads"], 2);
  EXPECT_EQ(summary["global"]["calibration_refusals"], 1);
  const std::string log = gateway.stderr_text();
  EXPECT_NE(log.find("calibration refused"), std::string::npos) << log;
  EXPECT_NE(log.find("stays in use"), std::string::npos) << log;
  EXPECT_NE(log.find("SIGHUP: reloading calibrations"), std::string::npos) << log;
  Db db(dir / "pmap.db");
  EXPECT_EQ(db.scalar("SELECT SUM(frames) FROM epochs WHERE mat_id='bed1'"), total);
}

}  // namespace
}  // namespace pmap::testing
