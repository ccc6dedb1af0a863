// The real pmap-gateway with the HTTP API enabled, behind a private mosquitto: health answers,
// a published frame shows up in GET /v1/state, SIGTERM ends everything cleanly, and a
// non-loopback address without a token is refused at start (exit 2).
#include <gtest/gtest.h>

#include <mqtt/client.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <thread>

#include "ha_template.hpp"
#include "harness.hpp"
#include "http_client.hpp"
#include "pmap/ha_discovery.hpp"
#include "pmap/store.hpp"
#include "pmap/topics.hpp"
#include "test_util.hpp"

namespace pmap::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

std::int64_t wall_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST(ApiGateway, HealthAndLiveStateFromTheRealGateway) {
  const auto dir = fresh_dir("api-gateway");
  Broker broker(dir);
  const int port = free_loopback_port();
  std::ofstream(dir / "token") << "it-token-0123456789abcdef\n";
  ChildProcess gateway({(bin_dir() / "pmap-gateway").string(), "--broker", broker.uri(), "--db",
                        (dir / "pmap.db").string(), "--client-id", "it-api-gateway", "--api-listen",
                        "127.0.0.1:" + std::to_string(port), "--api-token-file",
                        (dir / "token").string(), "--tz", "UTC", "--log-level", "info"},
                       dir / "gateway");
  ASSERT_TRUE(wait_for_port(port, 30s)) << gateway.stderr_text();
  ASSERT_TRUE(broker.wait_for_subscriptions(3, 30s)) << gateway.stderr_text();
  const auto p = static_cast<std::uint16_t>(port);
  const std::vector<std::pair<std::string, std::string>> auth = {
      {"Authorization", "Bearer it-token-0123456789abcdef"}};

  auto r = api::test::http(p, "GET", "/v1/health");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["tz"], "UTC");
  EXPECT_EQ(r.json()["mats_live"], 0);
  EXPECT_EQ(api::test::http(p, "GET", "/v1/state").status, 401);
  EXPECT_EQ(api::test::http(p, "GET", "/v1/state", "", auth).json()["mats"], json::object());

  // One mat: meta (retained), then one binary frame.
  mqtt::client mat(broker.uri(), "it-api-mat");
  mat.connect(mqtt::connect_options_builder().clean_session(true).finalize());
  const std::string meta = pmap::test::meta_json("bed", 4, 3);
  mat.publish(topic("bed1", Channel::kMeta), meta.data(), meta.size(), 1, true);
  const auto frame = encode_binary(pmap::test::make_frame(1, wall_us(), 4, 3, 0));
  mat.publish(topic("bed1", Channel::kFrame), frame.data(), frame.size(), 1, false);

  json state;
  for (int i = 0; i < 300; ++i) {
    r = api::test::http(p, "GET", "/v1/state/bed1", "", auth);
    if (r.status == 200) {
      state = r.json();
      break;
    }
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_TRUE(state.is_object()) << r.status << " " << r.body << "\n" << gateway.stderr_text();
  EXPECT_EQ(state["mat"], "bed1");
  EXPECT_EQ(state["kind"], "bed");
  EXPECT_EQ(state["frames"]["accepted"], 1);
  EXPECT_EQ(state["occupied"], false);
  r = api::test::http(p, "GET", "/v1/state", "", auth);
  EXPECT_EQ(r.json()["mats"]["bed1"]["frames"]["accepted"], 1);
  EXPECT_EQ(api::test::http(p, "GET", "/v1/health").json()["mats_live"], 1);
  mat.disconnect();

  // A client that never finishes its request does not hold up the shutdown.
  api::test::Client slow(p);
  const std::string partial = "GET /v1/health HTTP/1.1\r\n";
  boost::asio::write(slow.socket(), boost::asio::buffer(partial));

  const auto t0 = std::chrono::steady_clock::now();
  gateway.signal(SIGTERM);
  ASSERT_EQ(gateway.wait_for(30s), 0) << gateway.stderr_text();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
  const json summary = last_json_line(gateway.stdout_text());
  EXPECT_EQ(summary["mats"]["bed1"]["accepted"], 1) << gateway.stdout_text();
  EXPECT_GE(summary["api"]["requests"].get<int>(), 6) << gateway.stdout_text();
  EXPECT_EQ(summary["api"]["rejected"]["missing_token"], 1);
  EXPECT_FALSE(wait_for_port(port, 200ms));  // the API is gone with the gateway
}

// The morning report: a night that ended an hour ago (UTC) is already in the database; the
// gateway's report thread publishes today's report retained on pmap/v1/bed1/report at its first
// check, and the API serves it as JSON, HTML and PDF.
TEST(ApiGateway, MorningReportIsPublishedRetainedAndServed) {
  const auto dir = fresh_dir("api-gateway-report");
  const std::int64_t now = wall_us();
  // A night that ended at least an hour ago and is today's (UTC) whatever time the test runs:
  // sleep ending at or after 18:00 belongs to the next date's night (NightsConfig::evening_hour).
  const std::int64_t day_start = now / 86'400'000'000LL * 86'400'000'000LL;
  const std::int64_t end = std::min<std::int64_t>(now - 3600LL * 1'000'000,
                                                  day_start + 17 * 3600LL * 1'000'000);
  const std::int64_t start = end - 6 * 3600LL * 1'000'000;
  {
    Store store((dir / "pmap.db").string());
    WriteBatch batch;
    batch.episodes.push_back(Episode{"bed1", "presence", "in_bed", start, end, 100, 1.0});
    batch.episodes.push_back(Episode{"bed1", "position", "left", start, end, 100, 1.0});
    // A second sleeper with more nights (last night, supine, and the night before): without
    // report_bed_mat the report would follow them (the mat with the most nights; measured: the
    // report went to pmap/v1/bed2/report with 0 s on the left).
    constexpr std::int64_t kDayUs = 86'400'000'000LL;
    for (const std::int64_t shift : {std::int64_t{0}, kDayUs}) {
      const std::int64_t s2 = start - shift;
      const std::int64_t e2 = end - 1800'000'000LL - shift;
      batch.episodes.push_back(Episode{"bed2", "presence", "in_bed", s2, e2, 100, 1.0});
      batch.episodes.push_back(Episode{"bed2", "position", "supine", s2, e2, 100, 1.0});
    }
    store.write(batch);
  }
  Broker broker(dir);
  const int port = free_loopback_port();
  ChildProcess gateway({(bin_dir() / "pmap-gateway").string(), "--broker", broker.uri(), "--db",
                        (dir / "pmap.db").string(), "--client-id", "it-report-gateway",
                        "--api-listen", "127.0.0.1:" + std::to_string(port), "--tz", "UTC",
                        "--report-settle-min", "16", "--report-bed-mat", "bed1", "--log-level",
                        "info"},
                       dir / "gateway");
  ASSERT_TRUE(wait_for_port(port, 30s)) << gateway.stderr_text();
  mqtt::client sub(broker.uri(), "it-report-sub");
  sub.connect(mqtt::connect_options_builder().clean_session(true).finalize());
  sub.start_consuming();
  sub.subscribe("pmap/v1/+/report", 1);
  mqtt::const_message_ptr msg;
  ASSERT_TRUE(sub.try_consume_message_for(&msg, 60s)) << gateway.stderr_text();
  EXPECT_EQ(msg->get_topic(), "pmap/v1/bed1/report");
  EXPECT_TRUE(msg->is_retained() || msg->get_qos() == 1);
  const json report = json::parse(msg->get_payload_str());
  EXPECT_EQ(report["format"], "pmap-report");
  ASSERT_TRUE(report["last_night"].is_object()) << report.dump();
  EXPECT_EQ(report["last_night"]["position_s"]["left"], (end - start) / 1'000'000);
  // The Home Assistant entities that read the report resolve in it (docs/home_assistant.md).
  EXPECT_EQ(report["last_night"]["side_s"], (end - start) / 1'000'000);
  EXPECT_EQ(report["last_night"]["supine_s"], 0);
  std::size_t report_entities = 0;
  for (const auto& m : discovery_configs("homeassistant", {"bed1", MatKind::kBed, ""}, "0")) {
    if (m.config["state_topic"] != "pmap/v1/bed1/report") continue;
    const auto r = ha::test::render_template(m.config["value_template"], msg->get_payload_str());
    EXPECT_TRUE(r.error.empty()) << m.topic << ": " << r.error;
    ++report_entities;
  }
  EXPECT_EQ(report_entities, 5u);
  const std::string today = report["date"].get<std::string>();
  sub.disconnect();

  // A late subscriber gets it too: it is retained.
  mqtt::client late(broker.uri(), "it-report-late");
  late.connect(mqtt::connect_options_builder().clean_session(true).finalize());
  late.start_consuming();
  late.subscribe("pmap/v1/bed1/report", 1);
  ASSERT_TRUE(late.try_consume_message_for(&msg, 30s));
  EXPECT_TRUE(msg->is_retained());
  EXPECT_EQ(json::parse(msg->get_payload_str())["date"], today);
  late.disconnect();

  const auto p = static_cast<std::uint16_t>(port);
  auto r = api::test::http(p, "GET", "/v1/reports/" + today);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["last_night"]["end_us"], end);
  r = api::test::http(p, "GET", "/v1/reports/" + today + "?format=html");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["content-type"], "text/html; charset=utf-8");
  EXPECT_EQ(r.body.rfind("<!DOCTYPE html>", 0), 0U);
  r = api::test::http(p, "GET", "/v1/reports/" + today + "?format=pdf");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["content-type"], "application/pdf");
  EXPECT_EQ(r.body.rfind("%PDF-", 0), 0U);
  EXPECT_EQ(api::test::http(p, "GET", "/v1/reports/" + today + "?format=xml").status, 400);
  r = api::test::http(p, "GET", "/v1/reports/2026-02-30");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.json()["error"]["field"], "date");
  EXPECT_EQ(api::test::http(p, "GET", "/v1/reports/2999-01-01").status, 400);

  gateway.signal(SIGTERM);
  ASSERT_EQ(gateway.wait_for(30s), 0) << gateway.stderr_text();
  const json summary = last_json_line(gateway.stdout_text());
  EXPECT_EQ(summary["reports"]["published"], 1) << gateway.stdout_text();
  EXPECT_EQ(summary["reports"]["failures"], 0);
}

/// Runs the pmapctl program; returns its exit code (nullopt: it hung), output in `out` / `err`.
std::optional<int> pmapctl(const std::filesystem::path& dir, const std::string& name,
                           std::vector<std::string> args, std::string& out, std::string& err) {
  args.insert(args.begin(), (bin_dir() / "pmapctl").string());
  ChildProcess p(std::move(args), dir / name);
  const auto code = p.wait_for(60s);
  out = p.stdout_text();
  err = p.stderr_text();
  return code;
}

// pmapctl --api against the real gateway (docs/diary.md, "Through the gateway"): a red-flag entry
// stored through the API (exit 3, warning on both streams, stored as shown), the same diary
// listed with --api and --db, the report as PDF with the red-flag exit code, a wrong token.
TEST(ApiGateway, PmapctlThroughTheRealGateway) {
  const auto dir = fresh_dir("api-gateway-pmapctl");
  Broker broker(dir);
  const int port = free_loopback_port();
  const std::string token = (dir / "token").string();
  std::ofstream(token) << "it-token-0123456789abcdef\n";
  const std::string db = (dir / "pmap.db").string();
  ChildProcess gateway(
      {(bin_dir() / "pmap-gateway").string(), "--broker", broker.uri(), "--db", db, "--client-id",
       "it-pmapctl-gateway", "--api-listen", "127.0.0.1:" + std::to_string(port),
       "--api-token-file", token, "--tz", "UTC", "--log-level", "info"},
      dir / "gateway");
  ASSERT_TRUE(wait_for_port(port, 30s)) << gateway.stderr_text();
  const std::string url = "http://127.0.0.1:" + std::to_string(port);
  std::string out, err;

  EXPECT_EQ(pmapctl(dir, "add",
                    {"pain",
                     "add",
                     "--api",
                     url,
                     "--token-file",
                     token,
                     "--tz",
                     "UTC",
                     "--back",
                     "4",
                     "--leg",
                     "7",
                     "--extent",
                     "foot",
                     "--bladder-bowel",
                     "no",
                     "--saddle-numbness",
                     "yes",
                     "--leg-weakness",
                     "no"},
                    out, err),
            3)
      << err;
  EXPECT_NE(err.find("RED FLAG: SEEK EMERGENCY CARE NOW"), std::string::npos) << err;
  EXPECT_NE(out.find("RED FLAG: SEEK EMERGENCY CARE NOW"), std::string::npos) << out;
  EXPECT_NE(out.find("stored pain entry 1 at "), std::string::npos) << out;

  std::string api_out, db_out;
  ASSERT_EQ(pmapctl(dir, "list-api",
                    {"pain", "list", "--api", url, "--token-file", token, "--tz", "UTC", "--json"},
                    api_out, err),
            0)
      << err;
  ASSERT_EQ(
      pmapctl(dir, "list-db", {"pain", "list", "--db", db, "--tz", "UTC", "--json"}, db_out, err),
      0)
      << err;
  EXPECT_EQ(api_out, db_out);
  const json entries = json::parse(api_out);
  ASSERT_EQ(entries.size(), 1U);
  EXPECT_EQ(entries[0]["red_flag_warning_shown"], true);
  EXPECT_EQ(entries[0]["leg_pain"], 7);

  const std::string pdf = (dir / "report.pdf").string();
  EXPECT_EQ(pmapctl(dir, "report",
                    {"report", "--api", url, "--token-file", token, "--tz", "UTC", "--format",
                     "pdf", "-o", pdf},
                    out, err),
            3)
      << err;
  std::ifstream in(pdf, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(bytes.rfind("%PDF-", 0), 0U);
  EXPECT_NE(err.find("RED FLAG"), std::string::npos) << err;

  std::ofstream(dir / "wrong") << "wrong-token-0123456789abcdef\n";
  EXPECT_EQ(
      pmapctl(dir, "wrong",
              {"setup", "list", "--api", url, "--token-file", (dir / "wrong").string()}, out, err),
      1);
  EXPECT_NE(err.find("token rejected or missing (--token-file)"), std::string::npos) << err;

  gateway.signal(SIGTERM);
  ASSERT_EQ(gateway.wait_for(30s), 0) << gateway.stderr_text();
}

// Secrets stay in their files (docs/security.md): run the real gateway at the most verbose log
// level with an API token file and an MQTT password file, use both, make it refuse wrong tokens
// and rate-limit a client, and neither secret appears anywhere in its output. The refusals reach
// /metrics (docs/metrics.md).
TEST(ApiGateway, SecretsNeverReachTheLogEvenAtTrace) {
  const auto dir = fresh_dir("api-gateway-secrets");
  Broker broker(dir);  // anonymous: it accepts the user name and password without checking them
  const int port = free_loopback_port();
  const std::string token = "tok-SECRET-a1b2c3d4e5f6g7h8";
  const std::string password = "pw-SECRET-z9y8x7w6v5";
  std::ofstream(dir / "token") << token << "\n";
  std::ofstream(dir / "password") << password << "\n";
  std::filesystem::permissions(
      dir / "password", std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  ChildProcess gateway({(bin_dir() / "pmap-gateway").string(),
                        "--broker",
                        broker.uri(),
                        "--db",
                        (dir / "pmap.db").string(),
                        "--client-id",
                        "it-api-secrets",
                        "--api-listen",
                        "127.0.0.1:" + std::to_string(port),
                        "--api-token-file",
                        (dir / "token").string(),
                        "--mqtt-username",
                        "pmap.gateway",
                        "--mqtt-password-file",
                        (dir / "password").string(),
                        "--api-rate-burst",
                        "5",
                        "--tz",
                        "UTC",
                        "--log-level",
                        "trace"},
                       dir / "gateway");
  ASSERT_TRUE(wait_for_port(port, 30s)) << gateway.stderr_text();
  ASSERT_TRUE(broker.wait_for_subscriptions(3, 30s)) << gateway.stderr_text();
  const auto p = static_cast<std::uint16_t>(port);
  api::test::Client client(p);
  EXPECT_EQ(client.request("GET", "/v1/state", "", {{"Authorization", "Bearer " + token}}).status,
            200);
  // A wrong token that shares the secret's prefix, then requests beyond the burst.
  EXPECT_EQ(
      client.request("GET", "/v1/state", "", {{"Authorization", "Bearer " + token + "x"}}).status,
      401);
  int limited = 0;
  for (int i = 0; i < 10; ++i)
    limited +=
        client.request("GET", "/v1/state", "", {{"Authorization", "Bearer " + token}}).status ==
        429;
  EXPECT_GT(limited, 0);
  // Scraped from another loopback address: this one is not throttled.
  api::test::Client scraper(p, "127.0.0.2");
  const auto metrics =
      scraper.request("GET", "/metrics", "", {{"Authorization", "Bearer " + token}});
  ASSERT_EQ(metrics.status, 200) << metrics.body;
  EXPECT_NE(metrics.body.find("\npmap_api_rate_limited_total " + std::to_string(limited) + "\n"),
            std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("\npmap_api_auth_failures_total 1\n"), std::string::npos);
  gateway.signal(SIGTERM);
  ASSERT_EQ(gateway.wait_for(30s), 0) << gateway.stderr_text();
  const std::string log = gateway.stderr_text() + gateway.stdout_text();
  EXPECT_NE(log.find("api: listening"), std::string::npos) << log;  // it did log at trace
  EXPECT_EQ(log.find("SECRET"), std::string::npos) << log;
  EXPECT_EQ(log.find(token.substr(4)), std::string::npos);
  EXPECT_EQ(log.find(password.substr(3)), std::string::npos);
}

TEST(ApiGateway, NonLoopbackWithoutTokenIsAConfigError) {
  const auto dir = fresh_dir("api-gateway-notoken");
  ChildProcess gateway({(bin_dir() / "pmap-gateway").string(), "--broker", "tcp://127.0.0.1:1",
                        "--db", (dir / "pmap.db").string(), "--api-listen", "0.0.0.0:0"},
                       dir / "gateway");
  ASSERT_EQ(gateway.wait_for(30s), 2);
  EXPECT_NE(gateway.stderr_text().find("api_token_file"), std::string::npos)
      << gateway.stderr_text();
}

TEST(ApiGateway, HelpListsTheApiKeys) {
  const auto dir = fresh_dir("api-gateway-help");
  ChildProcess help({(bin_dir() / "pmap-gateway").string(), "--help"}, dir / "help");
  ASSERT_EQ(help.wait_for(30s), 0);
  for (const char* key :
       {"--api-listen", "--api-token-file", "--api-max-connections", "--api-timeout-ms",
        "--api-rate-limit-per-s", "--api-rate-burst", "--max-frame-rate-hz", "--tz"}) {
    EXPECT_NE(help.stdout_text().find(key), std::string::npos) << key;
  }
}

// Deleting through the real gateway (docs/export.md, "Delete"): pmapctl delete --api. A live
// mat's data goes, its row comes back (it is still recording) and its retained report is
// cleared; a mat that is gone loses its rows, its retained report and its Home Assistant
// entities; frames keep flowing.
TEST(ApiGateway, DeletingThroughTheGatewayClearsRetainedMessagesAndKeepsLiveMats) {
  const auto dir = fresh_dir("api-gateway-delete");
  const std::string db = (dir / "pmap.db").string();
  {
    Store store(db);
    WriteBatch b;
    b.mats.push_back(MatRecord{"old1", "bed", 4, 3, 10, 10, "{}", "fw", "{}", 1'000'000});
    b.episodes.push_back(Episode{"old1", "presence", "in_bed", 1'000'000, 9'000'000, 80, 1.0});
    EpochDelta e;
    e.mat_id = "old1";
    e.epoch_start_s = 5;
    e.frames = 10;
    b.epochs.push_back(e);
    store.write(b);
  }
  Broker broker(dir);
  // What earlier runs left on the broker: both mats' reports, old1's entities.
  mqtt::client earlier(broker.uri(), "it-delete-earlier");
  earlier.connect(mqtt::connect_options_builder().clean_session(true).finalize());
  const std::string old_report = R"({"format":"pmap-report","mat":"old1"})";
  earlier.publish("pmap/v1/old1/report", old_report.data(), old_report.size(), 1, true);
  earlier.publish("pmap/v1/bed1/report", old_report.data(), old_report.size(), 1, true);
  const auto old_entities = discovery_topics_all_kinds("homeassistant", "old1");
  ASSERT_FALSE(old_entities.empty());
  earlier.publish(old_entities.front(), "{}", 2, 1, true);
  earlier.disconnect();

  const int port = free_loopback_port();
  const std::string token = (dir / "token").string();
  std::ofstream(token) << "it-token-0123456789abcdef\n";
  ChildProcess gateway(
      {(bin_dir() / "pmap-gateway").string(), "--broker", broker.uri(), "--db", db, "--client-id",
       "it-delete-gateway", "--api-listen", "127.0.0.1:" + std::to_string(port), "--api-token-file",
       token, "--ha-discovery-prefix", "homeassistant", "--report-settle-min", "0", "--tz", "UTC",
       "--log-level", "info"},
      dir / "gateway");
  ASSERT_TRUE(wait_for_port(port, 30s)) << gateway.stderr_text();
  ASSERT_TRUE(broker.wait_for_subscriptions(3, 30s)) << gateway.stderr_text();
  const auto p = static_cast<std::uint16_t>(port);
  const std::vector<std::pair<std::string, std::string>> auth = {
      {"Authorization", "Bearer it-token-0123456789abcdef"}};

  // bed1 is live: meta, frames, until its row is stored.
  mqtt::client mat(broker.uri(), "it-delete-mat");
  mat.connect(mqtt::connect_options_builder().clean_session(true).finalize());
  const std::string meta = pmap::test::meta_json("bed", 4, 3);
  mat.publish(topic("bed1", Channel::kMeta), meta.data(), meta.size(), 1, true);
  std::uint64_t seq = 1;
  const auto send_frame = [&] {
    const auto frame = encode_binary(pmap::test::make_frame(seq++, wall_us(), 4, 3, 0));
    mat.publish(topic("bed1", Channel::kFrame), frame.data(), frame.size(), 1, false);
  };
  const auto kind_of_bed1 = [&] {
    Store s(db);
    Statement st = s.db().prepare("SELECT COALESCE(kind, '') FROM mats WHERE id = 'bed1'");
    return st.step() ? st.column_text(0) : std::string("(no row)");
  };
  std::string kind;
  for (int i = 0; i < 200 && kind != "bed"; ++i) {
    send_frame();
    std::this_thread::sleep_for(50ms);
    kind = kind_of_bed1();
  }
  ASSERT_EQ(kind, "bed") << gateway.stderr_text();

  const std::string url = "http://127.0.0.1:" + std::to_string(port);
  std::string out, err;
  ASSERT_EQ(
      pmapctl(dir, "delete-bed1",
              {"delete", "--api", url, "--token-file", token, "--mat", "bed1", "--yes", "--json"},
              out, err),
      0)
      << err;
  json doc = json::parse(out);
  EXPECT_EQ(doc["mats_deleted"], json::array({"bed1"}));
  EXPECT_GE(doc["deleted"]["epochs"].get<int>(), 1) << out;
  EXPECT_EQ(doc["gateway"]["mats_registered_again"], json::array({"bed1"})) << out;
  EXPECT_EQ(doc["gateway"]["retained_cleared"], json::array({"pmap/v1/bed1/report"})) << out;
  EXPECT_EQ(doc["gateway"]["home_assistant_withdrawn"], json::array()) << out;
  // Still recording: the row is back with its kind (what its next nights are found by).
  kind.clear();
  for (int i = 0; i < 200 && kind != "bed"; ++i) {
    send_frame();
    std::this_thread::sleep_for(50ms);
    kind = kind_of_bed1();
  }
  EXPECT_EQ(kind, "bed") << gateway.stderr_text();

  ASSERT_EQ(
      pmapctl(dir, "delete-old1",
              {"delete", "--api", url, "--token-file", token, "--mat", "old1", "--yes"}, out, err),
      0)
      << err;
  EXPECT_NE(out.find("deleted 3 rows (mat 'old1')"), std::string::npos) << out;
  EXPECT_NE(out.find("Home Assistant entities withdrawn: [\"old1\"]"), std::string::npos) << out;
  EXPECT_NE(out.find("retained MQTT messages cleared: [\"pmap/v1/old1/report\"]"),
            std::string::npos)
      << out;
  {
    Store s(db);
    EXPECT_EQ(s.db().query_int("SELECT COUNT(*) FROM epochs WHERE mat_id = 'old1'"), 0);
    EXPECT_EQ(s.db().query_int("SELECT COUNT(*) FROM mats WHERE id = 'old1'"), 0);
  }
  // A late subscriber finds no report and none of old1's entities retained.
  mqtt::client late(broker.uri(), "it-delete-late");
  late.connect(mqtt::connect_options_builder().clean_session(true).finalize());
  late.start_consuming();
  late.subscribe("pmap/v1/+/report", 1);
  late.subscribe("homeassistant/#", 1);
  mqtt::const_message_ptr msg;
  const auto until = std::chrono::steady_clock::now() + 2s;
  while (std::chrono::steady_clock::now() < until) {
    if (!late.try_consume_message_for(&msg, 200ms)) continue;
    EXPECT_EQ(msg->get_topic().find("report"), std::string::npos) << msg->get_topic();
    EXPECT_EQ(msg->get_topic().find("old1"), std::string::npos) << msg->get_topic();
  }
  late.disconnect();
  // Frames keep flowing for the live mat.
  send_frame();
  auto r = api::test::http(p, "GET", "/v1/state/bed1", "", auth);
  EXPECT_EQ(r.status, 200);
  mat.disconnect();
  gateway.signal(SIGTERM);
  ASSERT_EQ(gateway.wait_for(30s), 0) << gateway.stderr_text();
  const json summary = last_json_line(gateway.stdout_text());
  EXPECT_EQ(summary["global"]["store_write_errors"], 0) << gateway.stdout_text();
}

}  // namespace
}  // namespace pmap::testing
