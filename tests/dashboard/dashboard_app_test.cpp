// pmap-dashboard end to end: a private mosquitto, the real pmap-gateway with its API and a
// database holding planted nights, sitting and diary entries, pmap-sim publishing live mats, and
// the dashboard rendering each view headless (--screenshot). Asserts on what the dashboard says
// it drew (FILE.json) and that the PNG exists. No timing is asserted.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "harness.hpp"
#include "http_client.hpp"
#include "pmap/store.hpp"

using namespace pmap;
using namespace pmap::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

constexpr std::int64_t kHourUs = 3'600'000'000LL;

std::int64_t utc_midnight_us(int y, unsigned m, unsigned d) {
  using namespace std::chrono;
  const sys_days midnight{year{y} / month{m} / day{d}};
  return duration_cast<microseconds>(midnight.time_since_epoch()).count();
}

// One night to the morning of `wake_midnight` (UTC): 23:00-07:00 with a 10-min exit at 03:00.
void plant_night(WriteBatch& batch, std::int64_t wake_midnight, double supine_hours) {
  const std::int64_t s = wake_midnight - kHourUs;  // 23:00 the evening before
  const std::int64_t exit = wake_midnight + 3 * kHourUs;
  const std::int64_t back = exit + kHourUs / 6;
  const std::int64_t end = wake_midnight + 7 * kHourUs;
  const auto sup = static_cast<std::int64_t>(supine_hours * kHourUs);
  auto add = [&](const char* stream, const char* label, std::int64_t a, std::int64_t b) {
    batch.episodes.push_back(Episode{"bed1", stream, label, a, b, 100, 0.9});
  };
  add("presence", "in_bed", s, exit);
  add("presence", "out_of_bed", exit, back);
  add("presence", "in_bed", back, end);
  add("position", "supine", s, s + sup);
  add("position", "left", s + sup, exit);
  add("position", "right", back, back + kHourUs);
  add("position", "supine", back + kHourUs, end);
  add("knee", "flat", s, s + sup);
  add("knee", "aligned", s + sup, exit - kHourUs / 2);
  add("knee", "dropped", exit - kHourUs / 2, exit);
  add("knee", "flexed_supported", back + kHourUs, end);
}

void plant_workday(WriteBatch& batch, std::int64_t midnight) {
  const std::int64_t nine = midnight + 9 * kHourUs;
  auto add = [&](const char* stream, const char* label, std::int64_t a, std::int64_t b) {
    batch.episodes.push_back(Episode{"chair1", stream, label, a, b, 100, 0.9});
  };
  add("presence", "sitting", nine, nine + 50 * kHourUs / 60);  // over the 45-min limit
  add("presence", "away", nine + 50 * kHourUs / 60, nine + kHourUs);
  add("presence", "sitting", nine + kHourUs, nine + 90 * kHourUs / 60);
  add("position", "upright", nine, nine + kHourUs / 2);
  add("position", "slouched", nine + kHourUs / 2, nine + 50 * kHourUs / 60);
  add("position", "upright", nine + kHourUs, nine + 90 * kHourUs / 60);
}

json read_facts(const std::filesystem::path& png) {
  std::ifstream in(png.string() + ".json");
  return json::parse(in, nullptr, false);
}

class DashboardApp : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("QT_QPA_PLATFORM", "offscreen", 1);  // headless, whatever the CI machine has
    dir_ = fresh_dir("dashboard-app");
    {
      Store store((dir_ / "pmap.db").string());
      WriteBatch batch;
      // Ten nights to the mornings of 2026-11-11 .. 2026-11-20, more supine time each night.
      for (unsigned d = 11; d <= 20; ++d) {
        plant_night(batch, utc_midnight_us(2026, 11, d), 1.0 + 0.2 * (d - 11));
      }
      plant_workday(batch, utc_midnight_us(2026, 11, 20));
      store.write(batch);
    }
    broker_ = std::make_unique<Broker>(dir_);
    port_ = free_loopback_port();
    gateway_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{
            (bin_dir() / "pmap-gateway").string(), "--broker", broker_->uri(), "--db",
            (dir_ / "pmap.db").string(), "--client-id", "it-dashboard-gateway", "--api-listen",
            "127.0.0.1:" + std::to_string(port_), "--tz", "UTC", "--log-level", "info"},
        dir_ / "gateway");
    ASSERT_TRUE(wait_for_port(port_, 30s)) << gateway_->stderr_text();
    api_ = "http://127.0.0.1:" + std::to_string(port_);
  }

  // Diary entries each morning: leg pain rises with the night's supine hours.
  void plant_diary() {
    const auto p = static_cast<std::uint16_t>(port_);
    for (unsigned d = 11; d <= 20; ++d) {
      const json entry = {
          {"time", "2026-11-" + std::to_string(d) + "T07:30"},
          {"back_pain", 3},
          {"leg_pain", static_cast<int>(2 + (d - 11) / 2)},
          {"extent", "thigh"},
          {"red_flags",
           {{"bladder_bowel", false}, {"saddle_numbness", false}, {"leg_weakness", false}}}};
      const auto r = api::test::http(p, "POST", "/v1/pain", entry.dump());
      ASSERT_EQ(r.status, 201) << r.body;
    }
  }

  // Runs the dashboard headless; returns its facts.
  json shot(const std::string& name, std::vector<std::string> extra, int* exit_code = nullptr) {
    const auto png = dir_ / (name + ".png");
    std::vector<std::string> argv{(bin_dir() / "pmap-dashboard").string(),
                                  "--api",
                                  api_,
                                  "--broker",
                                  broker_->uri(),
                                  "--screenshot",
                                  png.string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    ChildProcess dash(argv, dir_ / name);
    const auto code = dash.wait_for(90s);
    if (exit_code != nullptr) *exit_code = code.value_or(-1);
    EXPECT_EQ(code, 0) << dash.stderr_text();
    EXPECT_TRUE(std::filesystem::exists(png));
    EXPECT_GT(std::filesystem::exists(png) ? std::filesystem::file_size(png) : 0, 10'000u);
    return read_facts(png);
  }

  std::filesystem::path dir_;
  std::unique_ptr<Broker> broker_;
  std::unique_ptr<ChildProcess> gateway_;
  int port_ = 0;
  std::string api_;
};

}  // namespace

TEST_F(DashboardApp, NightViewDrawsTheTimelineTurnsExitAndHours) {
  const json f = shot("night", {"--view", "night", "--date", "2026-11-20", "--no-mqtt"});
  ASSERT_TRUE(f.is_object());
  EXPECT_EQ(f["view"], "night");
  EXPECT_EQ(f["timed_out"], false);
  // 1 out-of-bed, 4 position and 4 knee bands (time in bed itself is the lanes' background).
  EXPECT_EQ(f["bands"].get<int>(), 9);
  EXPECT_EQ(f["markers"].get<int>(), 3);  // supine->left turn, the exit, right->supine turn
  EXPECT_EQ(f["bars"], json({"Back", "Left side", "Right side", "Front"}));
  // 2.8 h supine at first + 2 h 50 min after the exit (04:10-07:00); 4 h - 2.8 h = 1.2 h left;
  // 1 h right.
  EXPECT_NEAR(f["bar_hours"][0].get<double>(), 2.8 + 2.8333, 0.02);
  EXPECT_NEAR(f["bar_hours"][1].get<double>(), 1.2, 0.02);
  EXPECT_NEAR(f["bar_hours"][2].get<double>(), 1.0, 0.02);
  EXPECT_NE(f["summary_text"].get<std::string>().find("out of bed once"), std::string::npos)
      << f.dump();
  EXPECT_GE(f["open_ms"].get<int>(), 0);
}

TEST_F(DashboardApp, EmptyNightAndUnreachableGatewayAreSaidPlainly) {
  json f = shot("night-empty", {"--view", "night", "--date", "2026-10-01", "--no-mqtt"});
  EXPECT_EQ(f["bands"], 0);
  EXPECT_NE(f["status_text"].get<std::string>().find("No data for the night"), std::string::npos)
      << f.dump();
  const int closed = free_loopback_port();
  api_ = "http://127.0.0.1:" + std::to_string(closed);
  f = shot("night-unreachable", {"--view", "night", "--date", "2026-11-20", "--no-mqtt"});
  EXPECT_EQ(f["api_reachable"], false);
  EXPECT_NE(f["status_text"].get<std::string>().find("gateway unreachable"), std::string::npos)
      << f.dump();
}

TEST_F(DashboardApp, SittingTrendsReportAndDiaryViews) {
  plant_diary();
  json f = shot("sitting", {"--view", "sitting", "--date", "2026-11-20", "--no-mqtt"});
  EXPECT_EQ(f["bouts"], 2) << f.dump();
  EXPECT_EQ(f["bouts_over_limit"], 1);
  EXPECT_GE(f["bands"].get<int>(), 5);
  EXPECT_NE(f["alerts_text"].get<std::string>().find("50 min"), std::string::npos) << f.dump();

  f = shot("trends", {"--view", "trends", "--date", "2026-11-20", "--no-mqtt"});
  EXPECT_EQ(f["pain_points"], 10) << f.dump();
  EXPECT_EQ(f["scatter_points"], 10);
  EXPECT_EQ(f["fit_drawn"], true);
  EXPECT_EQ(f["setups"], 1);
  EXPECT_NE(f["trend_text"].get<std::string>().find("Centralization trend"), std::string::npos);

  f = shot("report", {"--view", "report", "--date", "2026-11-20", "--no-mqtt"});
  EXPECT_GT(f["text_chars"].get<int>(), 200) << f.dump();
  EXPECT_EQ(f["red_flag_banner"], false);
  // The report's inline SVG charts are drawn (the night's timeline at least), not shown as text.
  EXPECT_GE(f["charts"].get<int>(), 1) << f.dump();

  // Ticking a red-flag question shows the warning at once, before anything is sent.
  f = shot("diary-tick", {"--view", "diary", "--answer-red-flag", "saddle_numbness", "--no-mqtt"});
  EXPECT_EQ(f["red_flag_warning_shown"], true);
  EXPECT_NE(f["warning_text"].get<std::string>().find("EMERGENCY"), std::string::npos);

  // No red flag today: no warning. Then an entry with a red flag (as pmapctl would send it):
  // the diary shows the API's warning when it opens.
  f = shot("diary", {"--view", "diary", "--no-mqtt"});
  EXPECT_EQ(f["red_flag_warning_shown"], false) << f.dump();
  // Movement tests come from GET /v1/tests (none planted).
  EXPECT_EQ(f["tests_text"], "No movement test yet.") << f.dump();
  const json red = {
      {"back_pain", 4},
      {"leg_pain", 7},
      {"extent", "foot"},
      {"red_flags",
       {{"bladder_bowel", false}, {"saddle_numbness", false}, {"leg_weakness", true}}}};
  ASSERT_EQ(
      api::test::http(static_cast<std::uint16_t>(port_), "POST", "/v1/pain", red.dump()).status,
      201);
  f = shot("diary-red-flag", {"--view", "diary", "--no-mqtt"});
  EXPECT_EQ(f["red_flag_warning_shown"], true) << f.dump();
  EXPECT_NE(f["warning_text"].get<std::string>().find("RED FLAG"), std::string::npos);
  EXPECT_NE(f["today_text"].get<std::string>().find("RED FLAG"), std::string::npos);
}

TEST_F(DashboardApp, LiveViewShowsHeatmapsFindingsAndCharts) {
  ChildProcess sim({(bin_dir() / "pmap-sim").string(),
                    "--broker",
                    broker_->uri(),
                    "--mat",
                    "bed1",
                    "--kind",
                    "bed",
                    "--scenario",
                    "fetal-left",
                    "--mat",
                    "chair1",
                    "--kind",
                    "chair",
                    "--scenario",
                    "sitting",
                    "--chair-obliquity-deg",
                    "7",
                    "--chair-wallet",
                    "right",
                    "--speed",
                    "1",
                    "--rate",
                    "10",
                    "--duration",
                    "60",
                    "--seed",
                    "3"},
                   dir_ / "sim");
  // The simulated sleeper first gets into bed (a load ramp); the screenshot is taken once the
  // gateway's own state has them lying on the left (at most 45 s).
  const auto lying_by = std::chrono::steady_clock::now() + 45s;
  bool lying = false;
  while (!lying && std::chrono::steady_clock::now() < lying_by) {
    const auto r = api::test::http(static_cast<std::uint16_t>(port_), "GET", "/v1/state/bed1", "");
    const json state = json::parse(r.body, nullptr, false);
    lying = r.status == 200 && state.is_object() && state.value("occupancy", "") == "occupied" &&
            state.contains("posture") && state["posture"].value("position", "") == "left";
    if (!lying) std::this_thread::sleep_for(500ms);
  }
  ASSERT_TRUE(lying) << "the gateway never saw bed1 lying on the left";
  const json f = shot("live", {"--view", "live", "--wait-ms", "20000"});
  ASSERT_TRUE(f.is_object());
  EXPECT_EQ(f["broker_connected"], true);
  ASSERT_EQ(f["mats"].size(), 2u) << f.dump();
  for (const auto& m : f["mats"]) {
    SCOPED_TRACE(m.dump());
    EXPECT_EQ(m["heatmap_drawn"], true);
    EXPECT_EQ(m["legend_unit"], "mmHg");
    EXPECT_GE(m["overlays"].get<int>(), 1);  // at least the centre of pressure
    EXPECT_GE(m["load_points"].get<int>(), 1);
    EXPECT_GT(m["frames"].get<int>(), 0);
    EXPECT_NE(m["link_text"].get<std::string>().find("frames/s"), std::string::npos);
  }
  EXPECT_NE(f["mats"][0]["position_text"].get<std::string>().find("left side"), std::string::npos)
      << f.dump();
  EXPECT_NE(f["mats"][1]["detail_text"].get<std::string>().find("Pelvis"), std::string::npos);
  sim.signal(SIGTERM);
  sim.wait_for(10s);
}

TEST(DashboardCli, HelpAndUsageErrors) {
  ::setenv("QT_QPA_PLATFORM", "offscreen", 1);
  const auto dir = fresh_dir("dashboard-cli");
  ChildProcess help({(bin_dir() / "pmap-dashboard").string(), "--help"}, dir / "help");
  EXPECT_EQ(help.wait_for(30s), 0);
  EXPECT_NE(help.stdout_text().find("--screenshot"), std::string::npos);
  for (const auto& bad :
       std::vector<std::vector<std::string>>{{"--view", "weather"},
                                             {"--unit", "psi"},
                                             {"--date", "20-11-2026"},
                                             {"--api", "ftp://x"},
                                             {"--token-file", "/nonexistent/token"},
                                             {"--tls-ca-file", "/nonexistent/ca.crt"},
                                             {"--bogus"}}) {
    std::vector<std::string> argv{(bin_dir() / "pmap-dashboard").string()};
    argv.insert(argv.end(), bad.begin(), bad.end());
    argv.push_back("--no-mqtt");
    ChildProcess p(argv, dir / "bad");
    EXPECT_EQ(p.wait_for(30s), 2) << bad[0];
  }
}
