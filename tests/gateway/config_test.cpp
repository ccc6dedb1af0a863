#include <gtest/gtest.h>

#include <fstream>

#include "pmap/gateway_config.hpp"
#include "pmap/pipeline.hpp"
#include "test_util.hpp"

namespace pmap {
namespace {

TEST(Config, DefaultsAndFileAndOverrides) {
  GatewayConfig c;
  EXPECT_EQ(c.epoch_seconds, 5);
  EXPECT_EQ(c.state_interval_ms, 1000);
  EXPECT_EQ(c.max_mats, 1024);
  EXPECT_EQ(c.effective_client_id().rfind("pmap-gateway-", 0), 0U);
  test::TempDir dir;
  const auto path = dir.file("c.json");
  std::ofstream(path)
      << R"({"broker":"tcp://b:1883","epoch_seconds":10,"raw_archive_mb":2.5,"log_level":"debug"})";
  load_config_file(c, path);
  EXPECT_EQ(c.broker, "tcp://b:1883");
  EXPECT_EQ(c.epoch_seconds, 10);
  EXPECT_DOUBLE_EQ(c.raw_archive_mb, 2.5);
  EXPECT_EQ(c.log_level, LogLevel::kDebug);
  apply_config_text(c, "epoch_seconds", "30");  // CLI overrides
  EXPECT_EQ(c.epoch_seconds, 30);
  apply_config_text(c, "client_id", "gw1");
  EXPECT_EQ(c.effective_client_id(), "gw1");
}

TEST(Config, UnknownKeysAndBadValuesAreClearErrors) {
  GatewayConfig c;
  auto message = [&](const nlohmann::json& doc) -> std::string {
    try {
      apply_config_json(c, doc);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(message({{"epoch_second", 5}}).find("unknown config key 'epoch_second'"),
            std::string::npos);
  EXPECT_NE(message({{"epoch_seconds", 0}}).find("out of range"), std::string::npos);
  EXPECT_NE(message({{"epoch_seconds", "5"}}).find("integer"), std::string::npos);
  EXPECT_NE(message({{"epoch_seconds", 2.5}}).find("integer"), std::string::npos);
  EXPECT_NE(message({{"log_level", "loud"}}).find("log_level"), std::string::npos);
  EXPECT_NE(message({{"broker", ""}}).find("empty"), std::string::npos);
  EXPECT_NE(message(nlohmann::json::array()).find("object"), std::string::npos);
  EXPECT_THROW(apply_config_text(c, "state_interval_ms", "fast"), ConfigError);
  EXPECT_THROW(load_config_file(c, "/nonexistent/c.json"), ConfigError);
  test::TempDir dir;
  std::ofstream(dir.file("bad.json")) << "{nope";
  EXPECT_THROW(load_config_file(c, dir.file("bad.json")), ConfigError);
  GatewayConfig v;
  EXPECT_THROW(validate_config(v), ConfigError);  // db missing
  v.db = "x.db";
  v.reconnect_min_s = 40;
  EXPECT_THROW(validate_config(v), ConfigError);
}

// The person's mats for the morning report: a mat id or empty (the mat with the most nights).
TEST(Config, ReportMatsMustBeMatIds) {
  GatewayConfig c;
  c.db = "x.db";
  EXPECT_TRUE(c.report_bed_mat.empty());
  EXPECT_NO_THROW(validate_config(c));
  apply_config_text(c, "report_bed_mat", "bed-anna");
  apply_config_json(c, {{"report_chair_mat", "office_chair2"}});
  EXPECT_EQ(c.report_bed_mat, "bed-anna");
  EXPECT_EQ(c.report_chair_mat, "office_chair2");
  EXPECT_NO_THROW(validate_config(c));
  c.report_bed_mat = "bed anna";
  try {
    validate_config(c);
    ADD_FAILURE() << "a mat id with a space was accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("'report_bed_mat' 'bed anna' is not a mat id"),
              std::string::npos)
        << e.what();
  }
  c.report_bed_mat.clear();
  c.report_chair_mat = std::string(65, 'c');
  EXPECT_THROW(validate_config(c), ConfigError);
  GatewayConfig j;
  EXPECT_THROW(apply_config_json(j, {{"report_bed_mat", 7}}), ConfigError);  // not a string
}

TEST(Config, EveryKeyHasHelpRangeAndRoundTrips) {
  const GatewayConfig d;
  const auto j = config_to_json(d);
  EXPECT_EQ(j.size(), config_keys().size());
  for (const auto& k : config_keys()) {
    EXPECT_FALSE(k.help.empty()) << k.name;
    EXPECT_FALSE(k.range.empty()) << k.name;
    GatewayConfig c;
    EXPECT_NO_THROW(apply_config_text(c, k.name, k.get(d))) << k.name;
  }
}

TEST(Config, EpisodeDwellTimesReachThePipeline) {
  GatewayConfig c;
  apply_config_text(c, "presence_dwell_s", "45");
  apply_config_text(c, "position_dwell_s", "20");
  apply_config_text(c, "knee_dwell_s", "300");
  apply_config_text(c, "long_still_min", "60");
  EXPECT_THROW(apply_config_text(c, "knee_dwell_s", "0"), ConfigError);
  const PipelineConfig p = PipelineConfig::from(c);
  EXPECT_EQ(p.episodes.presence_dwell_us, 45'000'000);
  EXPECT_EQ(p.episodes.position_dwell_us, 20'000'000);
  EXPECT_EQ(p.episodes.knee_dwell_us, 300'000'000);
  EXPECT_EQ(p.episodes.long_still_us, 3'600'000'000LL);
}

TEST(Config, CalibrationAndZeroTrackingKeysReachThePipeline) {
  GatewayConfig c;
  EXPECT_EQ(c.calibration_dir, "");  // default: no calibrations
  EXPECT_DOUBLE_EQ(c.floor_time_constant_s, 600);
  EXPECT_DOUBLE_EQ(c.floor_holdoff_s, 120);
  test::TempDir dir;
  std::ofstream(dir.file("c.json"))
      << R"({"calibration_dir":"/var/lib/pmap/calibration","floor_time_constant_s":300})";
  load_config_file(c, dir.file("c.json"));
  apply_config_text(c, "floor_holdoff_s", "60");  // CLI: --floor-holdoff-s 60
  EXPECT_THROW(apply_config_text(c, "floor_time_constant_s", "0"), ConfigError);
  EXPECT_THROW(apply_config_json(c, {{"baseline_alpha", 0.05}}), ConfigError);  // replaced
  const PipelineConfig p = PipelineConfig::from(c);
  EXPECT_EQ(p.calibration_dir, "/var/lib/pmap/calibration");
  EXPECT_DOUBLE_EQ(p.condition.floor_time_constant_s, 300);
  EXPECT_DOUBLE_EQ(p.condition.floor_holdoff_s, 60);
}

}  // namespace
}  // namespace pmap
