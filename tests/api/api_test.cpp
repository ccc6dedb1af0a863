// The HTTP JSON API in-process (docs/api.md): a real SQLite file prepared through Store and
// DiaryRepository, the server on an ephemeral loopback port, requests over real sockets. Every
// endpoint's answer is checked value by value; every rejection class by status, code, field and
// counter; invalid input never writes.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <fstream>
#include <future>
#include <sstream>
#include <thread>

#include "http_client.hpp"
#include "pmap/api/api_server.hpp"
#include "pmap/diary/diary_repository.hpp"
#include "pmap/diary/red_flags.hpp"
#include "pmap/diary/time_zone.hpp"
#include "pmap/gateway_config.hpp"
#include "pmap/pmapctl.hpp"
#include "pmap/store.hpp"
#include "test_util.hpp"

namespace pmap::api {
namespace {

using diary::LocalDateTime;
using diary::TimeZone;
using nlohmann::json;
using test::http;
using namespace std::chrono_literals;

constexpr std::int64_t kH = 3600;
constexpr std::int64_t kMin = 60;
constexpr const char* kToken = "s3cret-token-0123456789";

std::int64_t at(int y, unsigned m, unsigned d, int hour, int minute = 0) {
  static const TimeZone zone("Europe/Berlin");
  return zone.to_utc_us(LocalDateTime{
      std::chrono::year(y) / std::chrono::month(m) / std::chrono::day(d), hour, minute, 0});
}

Episode episode(const std::string& mat, const std::string& stream, const std::string& label,
                std::int64_t start_us, std::int64_t end_us) {
  return Episode{mat, stream, label, start_us, end_us, 1, 1.0};
}

/// A night to 2026-11-20 on "bed" (the nights tests' plain night), a sitting day on "chair" on
/// 2026-11-20, the setup "thick" in use since the evening before, one pain entry.
void seed(const std::string& path) {
  Store store(path);
  WriteBatch b;
  b.episodes.push_back(
      episode("bed", "presence", "in_bed", at(2026, 11, 19, 23), at(2026, 11, 20, 7)));
  b.episodes.push_back(
      episode("bed", "position", "supine", at(2026, 11, 19, 23), at(2026, 11, 20, 1)));
  b.episodes.push_back(
      episode("bed", "position", "left", at(2026, 11, 20, 1), at(2026, 11, 20, 4)));
  b.episodes.push_back(
      episode("bed", "position", "supine", at(2026, 11, 20, 4), at(2026, 11, 20, 7)));
  b.episodes.push_back(episode("bed", "knee", "aligned", at(2026, 11, 20, 1), at(2026, 11, 20, 2)));
  b.episodes.push_back(episode("bed", "knee", "dropped", at(2026, 11, 20, 2), at(2026, 11, 20, 3)));
  b.episodes.push_back(
      episode("chair", "presence", "sitting", at(2026, 11, 20, 9), at(2026, 11, 20, 10)));
  b.episodes.push_back(
      episode("chair", "presence", "sitting", at(2026, 11, 20, 10, 10), at(2026, 11, 20, 10, 40)));
  const std::int64_t e0 = at(2026, 11, 20, 2) / 1'000'000;
  for (int i = 0; i < 16; ++i) {
    EpochDelta d;
    d.mat_id = "bed";
    d.epoch_start_s = e0 + 5 * i;
    d.frames = 10;
    d.occupied_frames = 10;
    d.movement_sum = i == 10 ? 1.0 : 0.0;
    b.epochs.push_back(d);
  }
  store.write(b);
  diary::DiaryRepository repo(store);
  diary::PillowSetup thick;
  thick.name = "thick";
  thick.knee_pillow = diary::KneePillow::kThick;
  repo.add_setup(thick);
  repo.use_setup("thick", at(2026, 11, 19, 20), "Europe/Berlin");
  diary::PainEntry e;
  e.tz = "Europe/Berlin";
  e.time_us = at(2026, 11, 20, 7, 30);
  e.back_pain = 3;
  e.leg_pain = 5;
  e.extent = diary::Extent::kThigh;
  e.tags = {diary::ContextTag::kOnWaking};
  e.note = "stiff";
  repo.add_pain(e);
}

std::int64_t count_rows(const std::string& path, const std::string& table) {
  Store store(path);
  return store.db().query_int("SELECT COUNT(*) FROM " + table);
}

class ApiTest : public ::testing::Test {
 protected:
  ApiTest() : logger_(LogLevel::kOff) { seed(db()); }

  [[nodiscard]] std::string db() const { return dir_.file("pmap.db"); }

  ApiConfig config(std::string token = {}) const {
    ApiConfig c;
    c.db_path = db();
    c.listen = "127.0.0.1:0";
    c.token = std::move(token);
    c.tz = "Europe/Berlin";
    return c;
  }
  void start(ApiConfig c) {
    server_ = std::make_unique<ApiServer>(std::move(c), logger_, states_);
    server_->start();
    port_ = server_->port();
  }
  void start() { start(config()); }

  test::HttpResult get(const std::string& target) { return http(port_, "GET", target); }
  test::HttpResult post(const std::string& target, const std::string& body) {
    return http(port_, "POST", target, body);
  }
  std::uint64_t rejected(const std::string& code) const {
    return server_->counters()["rejected"][code].get<std::uint64_t>();
  }

  pmap::test::TempDir dir_;
  Logger logger_;
  std::shared_ptr<StateSnapshot> states_ = std::make_shared<StateSnapshot>();
  std::unique_ptr<ApiServer> server_;
  std::uint16_t port_ = 0;
};

json pmapctl_json(const std::vector<std::string>& args) {
  std::istringstream in;
  std::ostringstream out, err;
  const int code = pmapctl::run(args, in, out, err);
  EXPECT_EQ(code, 0) << err.str();
  return json::parse(out.str());
}

// ------------------------------------------------------------------------------- happy paths

TEST_F(ApiTest, HealthNeedsNoTokenAndListsTheCounters) {
  start(config(kToken));
  const auto r = get("/v1/health");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.headers.at("content-type"), "application/json");
  const auto j = r.json();
  EXPECT_EQ(j["status"], "ok");
  EXPECT_EQ(j["api_version"], 1);
  EXPECT_EQ(j["tz"], "Europe/Berlin");
  EXPECT_EQ(j["mats_live"], 0);
  EXPECT_EQ(j["counters"]["requests"], 1);
  EXPECT_EQ(j["counters"]["rejected"]["not_found"], 0);
  EXPECT_EQ(j["counters"]["rejected"].size(), 28U);  // every code of docs/api.md "Errors"
}

// The gateway's database writer refusing writes (disk full): the health says "degraded" and why,
// still 200 — the gateway is alive and the live view works.
TEST_F(ApiTest, HealthIsDegradedWhileTheDatabaseRefusesWrites) {
  auto c = config(kToken);
  std::atomic<bool> failing{true};  // read on the API's network thread
  c.store_health = [&] {
    return json{{"state", failing ? "failing" : "ok"}, {"buffered_rows", failing ? 12 : 0}};
  };
  start(c);
  auto j = get("/v1/health").json();
  EXPECT_EQ(j["status"], "degraded");
  EXPECT_EQ(j["store"]["state"], "failing");
  EXPECT_EQ(j["store"]["buffered_rows"], 12);
  failing = false;
  j = get("/v1/health").json();
  EXPECT_EQ(j["status"], "ok");
  EXPECT_EQ(j["store"]["state"], "ok");
}

TEST_F(ApiTest, NightsAreExactlyWhatPmapctlPrints) {
  start();
  const auto r = get("/v1/nights?from=2026-11-18&to=2026-11-20");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto j = r.json();
  EXPECT_EQ(j["tz"], "Europe/Berlin");
  ASSERT_EQ(j["nights"].size(), 1U);
  const auto& n = j["nights"][0];
  EXPECT_EQ(n["wake_date"], "2026-11-20");
  EXPECT_EQ(n["mat_id"], "bed");
  EXPECT_EQ(n["time_in_bed_s"], 8 * kH);
  EXPECT_EQ(n["position_s"]["supine"], 5 * kH);
  EXPECT_EQ(n["position_s"]["left"], 3 * kH);
  EXPECT_EQ(n["turns"], 2);
  EXPECT_EQ(n["longest_still_s"], 50);
  EXPECT_EQ(n["pillow_slips"], 1);
  EXPECT_EQ(n["setup"], "thick");
  EXPECT_EQ(n["start"], "2026-11-19T23:00:00+01:00");
  EXPECT_EQ(j["dates_without_data"], json::array({"2026-11-18", "2026-11-19"}));
  EXPECT_EQ(j, pmapctl_json({"nights", "--db", db(), "--tz", "Europe/Berlin", "--from",
                             "2026-11-18", "--to", "2026-11-20", "--json"}));
}

TEST_F(ApiTest, DaysAreExactlyWhatPmapctlPrints) {
  start();
  const auto r = get("/v1/days?from=2026-11-20&to=2026-11-21");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto j = r.json();
  ASSERT_EQ(j["days"].size(), 1U);
  EXPECT_EQ(j["days"][0]["date"], "2026-11-20");
  EXPECT_EQ(j["days"][0]["sitting_s"], 90 * kMin);
  EXPECT_EQ(j["days"][0]["bouts"], 2);
  EXPECT_EQ(j["days"][0]["breaks"], 1);
  EXPECT_EQ(j["days"][0]["bouts_over_limit"], 1);
  EXPECT_EQ(j["bout_limit_s"], 2700);
  EXPECT_EQ(j, pmapctl_json({"days", "--db", db(), "--tz", "Europe/Berlin", "--from", "2026-11-20",
                             "--to", "2026-11-21", "--json"}));
}

// ?mat= reads one mat's history alone: the bed's nights are the whole answer's (one bed mat
// here), the chair has no nights, and pmapctl --mat prints exactly the same document.
TEST_F(ApiTest, NightsAndDaysOfOneMat) {
  start();
  const auto all = get("/v1/nights?from=2026-11-18&to=2026-11-20");
  ASSERT_EQ(all.status, 200) << all.body;
  const auto bed = get("/v1/nights?mat=bed&from=2026-11-18&to=2026-11-20");
  ASSERT_EQ(bed.status, 200) << bed.body;
  EXPECT_EQ(bed.json(), all.json());
  EXPECT_EQ(bed.json(),
            pmapctl_json({"nights", "--db", db(), "--tz", "Europe/Berlin", "--mat", "bed", "--from",
                          "2026-11-18", "--to", "2026-11-20", "--json"}));
  const auto chair = get("/v1/nights?mat=chair&from=2026-11-18&to=2026-11-20");
  ASSERT_EQ(chair.status, 200) << chair.body;
  EXPECT_EQ(chair.json()["nights"], json::array());
  EXPECT_EQ(chair.json()["dates_without_data"],
            json::array({"2026-11-18", "2026-11-19", "2026-11-20"}));
  const auto days = get("/v1/days?mat=chair&from=2026-11-20&to=2026-11-21");
  ASSERT_EQ(days.status, 200) << days.body;
  ASSERT_EQ(days.json()["days"].size(), 1U);
  EXPECT_EQ(days.json()["days"][0]["sitting_s"], 90 * kMin);
  EXPECT_EQ(get("/v1/days?mat=bed&from=2026-11-20&to=2026-11-21").json()["days"], json::array());
}

// The 5-s posture epochs of one mat summed into bins on the local day's clock (Europe/Berlin):
// means over the frames the engine analysed, shares of frames, null where no frame counts.
TEST_F(ApiTest, PostureBinsOfAChairDay) {
  {
    Store store(db());
    WriteBatch b;
    const std::int64_t t0 = at(2026, 11, 20, 9) / 1'000'000;  // 09:00 local
    for (int i = 0; i < 24; ++i) {                            // two minutes of epochs
      PostureEpochDelta p;
      p.mat_id = "chair";
      p.epoch_start_s = t0 + 5 * i;
      p.posture_frames = 50;
      p.obliquity_deg_sum = 50 * (i < 12 ? 2.0 : 6.0);
      p.tilt_deg_sum = 50 * -4.0;
      p.slouched_frames = i < 12 ? 0 : 50;
      p.wallet_frames = i < 6 ? 50 : 0;
      b.posture_epochs.push_back(p);
    }
    store.write(b);
  }
  start();
  auto r = get("/v1/posture?mat=chair&from=2026-11-20&to=2026-11-20&bin_s=60");
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = r.json();
  EXPECT_EQ(j["tz"], "Europe/Berlin");
  EXPECT_EQ(j["bin_s"], 60);
  ASSERT_EQ(j["bins"].size(), 2U) << r.body;
  EXPECT_EQ(j["bins"][0]["start_us"], at(2026, 11, 20, 9));
  EXPECT_EQ(j["bins"][0]["frames"], 600);
  EXPECT_DOUBLE_EQ(j["bins"][0]["obliquity_deg"].get<double>(), 2.0);
  EXPECT_DOUBLE_EQ(j["bins"][1]["obliquity_deg"].get<double>(), 6.0);
  EXPECT_DOUBLE_EQ(j["bins"][0]["tilt_deg"].get<double>(), -4.0);
  EXPECT_DOUBLE_EQ(j["bins"][0]["wallet_share"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(j["bins"][1]["slouched_share"].get<double>(), 1.0);
  EXPECT_TRUE(j["bins"][0]["pelvic_roll_deg"].is_null());  // no side-lying frame on a chair
  // The default bin is 5 min: both minutes in one bin.
  j = get("/v1/posture?mat=chair&from=2026-11-20&to=2026-11-20").json();
  ASSERT_EQ(j["bins"].size(), 1U);
  EXPECT_DOUBLE_EQ(j["bins"][0]["obliquity_deg"].get<double>(), 4.0);
  // Refusals: no mat, a bad bin, too long a range.
  EXPECT_EQ(get("/v1/posture?from=2026-11-20&to=2026-11-20").code(), "missing_param");
  EXPECT_EQ(get("/v1/posture?mat=chair&bin_s=5").code(), "bad_param");
  EXPECT_EQ(get("/v1/posture?mat=chair&from=2026-10-01&to=2026-11-20").code(), "range_too_large");
}

TEST_F(ApiTest, EpisodesFilteredByMatKindAndLimited) {
  start();
  auto r = get("/v1/episodes?mat=bed&kind=position&from=2026-11-19&to=2026-11-20");
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = r.json();
  ASSERT_EQ(j["episodes"].size(), 3U);
  EXPECT_EQ(j["episodes"][0]["label"], "supine");
  EXPECT_EQ(j["episodes"][0]["start"], "2026-11-19T23:00:00+01:00");
  EXPECT_EQ(j["episodes"][0]["start_us"], at(2026, 11, 19, 23));
  EXPECT_EQ(j["episodes"][0]["duration_s"], 7200.0);
  EXPECT_EQ(j["episodes"][1]["label"], "left");
  EXPECT_EQ(j["episodes"][1]["duration_s"], 10800.0);
  EXPECT_EQ(j["episodes"][2]["label"], "supine");
  EXPECT_EQ(j["truncated"], false);
  EXPECT_EQ(j["limit"], 1000);

  // Every stream of every mat on 2026-11-20 (the night started the day before: it overlaps).
  r = get("/v1/episodes?from=2026-11-20&to=2026-11-20");
  EXPECT_EQ(r.json()["episodes"].size(), 8U);
  r = get("/v1/episodes?from=2026-11-20&to=2026-11-20&limit=5");
  j = r.json();
  EXPECT_EQ(j["episodes"].size(), 5U);
  EXPECT_EQ(j["truncated"], true);
  r = get("/v1/episodes?mat=chair&from=2026-11-20&to=2026-11-20");
  EXPECT_EQ(r.json()["episodes"].size(), 2U);
  r = get("/v1/episodes?from=2026-11-21&to=2026-11-22");
  EXPECT_EQ(r.json()["episodes"].size(), 0U);
}

TEST_F(ApiTest, PainListedAndAdded) {
  start();
  auto r = get("/v1/pain");
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = r.json();
  ASSERT_EQ(j["entries"].size(), 1U);
  EXPECT_EQ(j["entries"][0]["back_pain"], 3);
  EXPECT_EQ(j["entries"][0]["leg_pain"], 5);
  EXPECT_EQ(j["entries"][0]["extent"], "thigh");
  EXPECT_EQ(j["entries"][0]["time"], "2026-11-20T07:30:00+01:00");
  EXPECT_EQ(j["red_flag"], false);
  EXPECT_TRUE(j["red_flag_warning"].is_null());

  r = post("/v1/pain", R"({"time":"2026-11-21T08:15","back_pain":2,"leg_pain":0,"extent":"back",
                           "tags":["on_waking","after_sitting"],"note":"better",
                           "red_flags":{"bladder_bowel":false,"saddle_numbness":false,
                                        "leg_weakness":false}})");
  ASSERT_EQ(r.status, 201) << r.body;
  j = r.json();
  EXPECT_EQ(j["red_flag"], false);
  EXPECT_TRUE(j["red_flag_warning"].is_null());
  EXPECT_EQ(r.headers.count("x-posturemap-red-flag"), 0U);
  EXPECT_EQ(j["entry"]["time"], "2026-11-21T08:15:00+01:00");
  EXPECT_EQ(j["entry"]["tz"], "Europe/Berlin");
  EXPECT_EQ(j["entry"]["utc_offset_s"], 3600);
  EXPECT_EQ(j["entry"]["tags"], json::array({"on_waking", "after_sitting"}));
  EXPECT_EQ(j["entry"]["red_flag_warning_shown"], false);

  r = get("/v1/pain?from=2026-11-21&to=2026-11-21");
  ASSERT_EQ(r.json()["entries"].size(), 1U);
  EXPECT_EQ(r.json()["entries"][0]["note"], "better");
  EXPECT_EQ(get("/v1/pain?from=2026-11-20&to=2026-11-21").json()["entries"].size(), 2U);
  EXPECT_EQ(count_rows(db(), "pain_entries"), 2);
}

TEST_F(ApiTest, RedFlagCarriesTheWarningAndStoresThatItWasShown) {
  start();
  const auto r = post("/v1/pain", R"({"back_pain":4,"leg_pain":7,"extent":"foot",
                      "red_flags":{"bladder_bowel":false,"saddle_numbness":true,
                                   "leg_weakness":false}})");
  ASSERT_EQ(r.status, 201) << r.body;
  const auto j = r.json();
  EXPECT_EQ(j["red_flag"], true);
  EXPECT_EQ(j["red_flag_warning"], std::string(diary::kRedFlagWarning));
  EXPECT_EQ(r.headers.at("x-posturemap-red-flag"), "seek-emergency-care-now");
  EXPECT_EQ(j["entry"]["red_flags"]["saddle_numbness"], true);
  EXPECT_EQ(j["entry"]["red_flag_warning_shown"], true);
  {
    Store store(db());
    diary::DiaryRepository repo(store);
    const auto all = repo.pains();
    ASSERT_EQ(all.size(), 2U);
    EXPECT_TRUE(all.back().red_flags.saddle_numbness);
    EXPECT_TRUE(all.back().red_flag_warning_shown);
    EXPECT_EQ(all.back().id, j["id"].get<std::int64_t>());
  }
  // Listing shows it again.
  const auto list = get("/v1/pain").json();
  EXPECT_EQ(list["red_flag"], true);
  EXPECT_EQ(list["red_flag_warning"], std::string(diary::kRedFlagWarning));
}

TEST_F(ApiTest, SetupsListedAddedAndSwitched) {
  start();
  auto r = post("/v1/setups", R"({"name":"thin-pillow","knee_pillow":"thin",
                 "pillow_under_knees":true,"head_pillow":"12cm","note":"trial"})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.json()["setup"]["name"], "thin-pillow");
  EXPECT_EQ(r.json()["setup"]["knee_pillow"], "thin");
  EXPECT_EQ(r.json()["setup"]["head_pillow"], "12cm");
  EXPECT_EQ(r.json()["setup"]["pillow_under_knees"], true);
  EXPECT_EQ(r.json()["setup"]["mattress_topper"], false);

  r = post("/v1/setups/use", R"({"name":"thin-pillow","from":"2026-11-21T20:00"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["from"], "2026-11-21T20:00:00+01:00");
  EXPECT_EQ(r.json()["from_us"], at(2026, 11, 21, 20));

  r = get("/v1/setups");
  ASSERT_EQ(r.status, 200);
  const auto j = r.json();
  ASSERT_EQ(j["setups"].size(), 2U);
  EXPECT_EQ(j["in_use"], "thin-pillow");
  ASSERT_EQ(j["switches"].size(), 2U);
  EXPECT_EQ(j["switches"][1]["setup"], "thin-pillow");
  // The next night uses it.
  EXPECT_EQ(count_rows(db(), "setup_switches"), 2);
}

TEST_F(ApiTest, StateIsTheLatestPublishedDocument) {
  start();
  EXPECT_EQ(get("/v1/state").json(), json({{"mats", json::object()}}));
  states_->update("bed1", R"({"mat":"bed1","occupied":false,"frames":{"accepted":1}})");
  states_->update("bed1", R"({"mat":"bed1","occupied":true,"frames":{"accepted":2}})");
  states_->update("chair1", R"({"mat":"chair1","occupied":false})");
  auto r = get("/v1/state");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.json()["mats"].size(), 2U);
  EXPECT_EQ(r.json()["mats"]["bed1"]["frames"]["accepted"], 2);
  r = get("/v1/state/bed1");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.json(), json::parse(R"({"mat":"bed1","occupied":true,"frames":{"accepted":2}})"));
  EXPECT_EQ(get("/v1/health").json()["mats_live"], 2);
}

TEST_F(ApiTest, KeepAliveServesManyRequestsOnOneConnection) {
  start();
  test::Client c(port_);
  for (int i = 0; i < 20; ++i) ASSERT_EQ(c.request("GET", "/v1/health").status, 200);
  EXPECT_EQ(server_->counters()["connections"]["accepted"], 1);
  EXPECT_EQ(server_->counters()["requests"], 20);
}

TEST_F(ApiTest, AddedRoutesRunOnTheWorkerWhileHealthAndStateStillAnswer) {
  // A route added from outside, as the report library will add /v1/reports/{date}; this one
  // holds the database worker until released.
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  server_ = std::make_unique<ApiServer>(config(), logger_, states_);
  ApiServer* server = server_.get();
  server_->router().add("GET", "/v1/reports/{date}", {"format"},
                        [released, server](const Request& r) {
                          released.wait_for(10s);
                          // A worker handler uses the API's own connection, as a report builder
                          // would.
                          diary::DiaryRepository repo(server->worker_store());
                          return Response{200, json{{"date", r.path_param("date")},
                                                    {"format", *r.query_param("format")},
                                                    {"entries", repo.pains().size()},
                                                    {"tz", server->zone().name()}}};
                        });
  server_->start();
  port_ = server_->port();
  auto slow =
      std::async(std::launch::async, [this] { return get("/v1/reports/2026-11-20?format=json"); });
  std::this_thread::sleep_for(100ms);
  // The worker is busy: health and state (network thread) still answer at once.
  EXPECT_EQ(get("/v1/health").status, 200);
  EXPECT_EQ(get("/v1/state").status, 200);
  EXPECT_EQ(slow.wait_for(0ms), std::future_status::timeout);
  release.set_value();
  const auto r = slow.get();
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(
      r.json(),
      json({{"date", "2026-11-20"}, {"format", "json"}, {"entries", 1}, {"tz", "Europe/Berlin"}}));
  EXPECT_EQ(get("/v1/reports/2026-11-20?fmt=pdf").code(), "unknown_param");
}

// ------------------------------------------------------------------------------ rejections

TEST_F(ApiTest, UnknownPathsAndMethods) {
  start();
  for (const char* path : {"/v1/nope", "/v2/health", "/v1/nights/", "/", "/v1/state/a/b"}) {
    const auto r = get(path);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(r.code(), "not_found") << path;
  }
  auto r = http(port_, "DELETE", "/v1/pain");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.code(), "method_not_allowed");
  EXPECT_EQ(r.headers.at("allow"), "GET, POST");
  r = post("/v1/nights", "{}");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.headers.at("allow"), "GET");
  EXPECT_EQ(http(port_, "PUT", "/v1/setups/use").headers.at("allow"), "POST");
  EXPECT_EQ(rejected("not_found"), 5U);
  EXPECT_EQ(rejected("method_not_allowed"), 3U);
  EXPECT_EQ(server_->counters()["responses"]["4xx"], 8);
}

TEST_F(ApiTest, BadQueryParameters) {
  start();
  struct Case {
    const char* target;
    const char* code;
    const char* field;
  };
  const Case cases[] = {
      {"/v1/nights?from=2026-13-01", "bad_param", "from"},
      {"/v1/nights?to=2026-02-30", "bad_param", "to"},
      {"/v1/nights?from=20261101", "bad_param", "from"},
      {"/v1/nights?from=1999-12-31&to=2000-01-01", "bad_param", "from"},
      {"/v1/nights?from=2026-11-21&to=2026-11-20", "bad_param", "to"},
      {"/v1/nights?from=2025-01-01&to=2026-02-05", "range_too_large", "from"},
      {"/v1/days?from=2020-01-01&to=2026-01-01", "range_too_large", "from"},
      {"/v1/nights?form=2026-11-01", "unknown_param", "form"},
      {"/v1/health?verbose=1", "unknown_param", "verbose"},
      {"/v1/nights?from=2026-11-01&from=2026-11-02", "bad_query", "from"},
      {"/v1/nights?from=%zz", "bad_query", ""},
      {"/v1/nights?=x", "bad_query", ""},
      {"/v1/episodes?kind=sleeping", "bad_param", "kind"},
      {"/v1/episodes?mat=bad%20id", "bad_param", "mat"},
      {"/v1/nights?mat=bad%20id", "bad_param", "mat"},
      {"/v1/days?mat=", "bad_param", "mat"},
      {"/v1/episodes?limit=0", "bad_param", "limit"},
      {"/v1/episodes?limit=10001", "bad_param", "limit"},
      {"/v1/episodes?limit=-1", "bad_param", "limit"},
      {"/v1/episodes?limit=ten", "bad_param", "limit"},
      {"/v1/pain?from=yesterday", "bad_param", "from"},
      {"/v1/state/bad.id", "bad_param", "mat_id"},
  };
  for (const auto& c : cases) {
    const auto r = get(c.target);
    EXPECT_EQ(r.status, 400) << c.target << " " << r.body;
    EXPECT_EQ(r.code(), c.code) << c.target << " " << r.body;
    if (*c.field != '\0') {
      EXPECT_EQ(r.field(), c.field) << c.target;
    } else {
      EXPECT_TRUE(r.field().is_null()) << c.target;
    }
    EXPECT_FALSE(r.json()["error"]["message"].get<std::string>().empty());
  }
  EXPECT_EQ(rejected("bad_param"), 15U);
  EXPECT_EQ(rejected("range_too_large"), 2U);
  EXPECT_EQ(rejected("unknown_param"), 2U);
  EXPECT_EQ(rejected("bad_query"), 3U);
  // 400 days is the limit, inclusive.
  EXPECT_EQ(get("/v1/nights?from=2025-10-23&to=2026-11-26").status, 200);
  EXPECT_EQ(get("/v1/nights?from=2025-10-22&to=2026-11-26").status, 400);
  EXPECT_EQ(get("/v1/state/nobody").code(), "unknown_mat");
  EXPECT_EQ(get("/v1/state/nobody").status, 404);
}

TEST_F(ApiTest, InvalidPainIsRefusedAndNothingIsWritten) {
  start();
  const std::string flags =
      R"("red_flags":{"bladder_bowel":false,"saddle_numbness":false,"leg_weakness":false})";
  const auto body = [&](const std::string& fields) { return "{" + fields + "," + flags + "}"; };
  struct Case {
    std::string body;
    const char* code;
    const char* field;
  };
  const std::vector<Case> cases = {
      {body(R"("back_pain":3,"leg_pain":11,"extent":"back")"), "invalid_value", "leg_pain"},
      {body(R"("back_pain":-1,"leg_pain":1,"extent":"back")"), "invalid_value", "back_pain"},
      {body(R"("back_pain":"3","leg_pain":1,"extent":"back")"), "bad_type", "back_pain"},
      {body(R"("back_pain":3.5,"leg_pain":1,"extent":"back")"), "bad_type", "back_pain"},
      {body(R"("back_pain":true,"leg_pain":1,"extent":"back")"), "bad_type", "back_pain"},
      {body(R"("leg_pain":1,"extent":"back")"), "missing_field", "back_pain"},
      {body(R"("back_pain":3,"leg_pain":1,"extent":"elbow")"), "invalid_value", "extent"},
      {body(R"("back_pain":3,"leg_pain":1,"extent":7)"), "bad_type", "extent"},
      {body(R"("back_pain":3,"leg_pain":1,"extent":"back","tags":["at_night","at_night"])"),
       "invalid_value", "tags"},
      {body(R"("back_pain":3,"leg_pain":1,"extent":"back","tags":["dancing"])"), "invalid_value",
       "tags"},
      {body(R"("back_pain":3,"leg_pain":1,"extent":"back","tags":"at_night")"), "bad_type", "tags"},
      {body(R"("back_pain":3,"leg_pain":1,"extent":"back","time":"2099-01-01T00:00")"),
       "invalid_value", "time"},
      {body(R"("back_pain":3,"leg_pain":1,"extent":"back","time":"yesterday")"), "invalid_value",
       "time"},
      {body(R"("back_pain":3,"leg_pain":1,"extent":"back","tz":"Mars/Base")"), "invalid_value",
       "tz"},
      {body(R"("back_pain":3,"leg_pain":1,"extent":"back","note":")" + std::string(1001, 'x') +
            "\""),
       "invalid_value", "note"},
      {body(R"("back_pain":3,"leg_pain":1,"extent":"back","mood":"ok")"), "unknown_field", "mood"},
      {R"({"back_pain":3,"leg_pain":1,"extent":"back"})", "missing_field", "red_flags"},
      {R"({"back_pain":3,"leg_pain":1,"extent":"back","red_flags":{"bladder_bowel":false,
          "saddle_numbness":false}})",
       "missing_field", "red_flags.leg_weakness"},
      {R"({"back_pain":3,"leg_pain":1,"extent":"back","red_flags":{"bladder_bowel":"no",
          "saddle_numbness":false,"leg_weakness":false}})",
       "bad_type", "red_flags.bladder_bowel"},
      {R"({"back_pain":3,"leg_pain":1,"extent":"back","red_flags":[false,false,false]})",
       "bad_type", "red_flags"},
      {R"({"back_pain":3,"leg_pain":1,"extent":"back","red_flags":{"bladder_bowel":false,
          "saddle_numbness":false,"leg_weakness":false,"fever":true}})",
       "unknown_field", "red_flags.fever"},
      {R"({"back_pain":3,)", "bad_json", ""},
      {"[1,2,3]", "bad_type", ""},
      {"\"text\"", "bad_type", ""},
  };
  for (const auto& c : cases) {
    const auto r = post("/v1/pain", c.body);
    EXPECT_EQ(r.status, 400) << c.body << " " << r.body;
    EXPECT_EQ(r.code(), c.code) << c.body << " " << r.body;
    if (*c.field != '\0') {
      EXPECT_EQ(r.field(), c.field) << c.body;
    } else {
      EXPECT_TRUE(r.field().is_null()) << c.body;
    }
  }
  EXPECT_EQ(count_rows(db(), "pain_entries"), 1);  // the seeded one only
  EXPECT_EQ(rejected("invalid_value"), 9U);
  EXPECT_EQ(rejected("bad_type"), 9U);
  EXPECT_EQ(rejected("missing_field"), 3U);
  EXPECT_EQ(rejected("unknown_field"), 2U);
  EXPECT_EQ(rejected("bad_json"), 1U);
  EXPECT_EQ(server_->counters()["responses"]["2xx"], 0);
}

TEST_F(ApiTest, InvalidSetupsAreRefused) {
  start();
  EXPECT_EQ(post("/v1/setups", R"({"name":"thick"})").code(), "conflict");
  EXPECT_EQ(post("/v1/setups", R"({"name":"thick"})").status, 409);
  EXPECT_EQ(post("/v1/setups", R"({"name":"a b"})").field(), "name");
  EXPECT_EQ(post("/v1/setups", R"({"name":"x","knee_pillow":"huge"})").field(), "knee_pillow");
  EXPECT_EQ(post("/v1/setups", R"({"name":"x","head_pillow":"99cm"})").field(), "head_pillow");
  EXPECT_EQ(post("/v1/setups", R"({"name":"x","mattress_topper":"yes"})").code(), "bad_type");
  EXPECT_EQ(post("/v1/setups", R"({"knee_pillow":"thin"})").code(), "missing_field");
  auto r = post("/v1/setups/use", R"({"name":"nothing-like-it"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.code(), "unknown_setup");
  EXPECT_EQ(post("/v1/setups/use", R"({"name":"thick","from":"2026-13-01T00:00"})").field(),
            "from");
  EXPECT_EQ(post("/v1/setups/use", R"({"name":"thick","until":"now"})").code(), "unknown_field");
  EXPECT_EQ(count_rows(db(), "pillow_setups"), 1);
  EXPECT_EQ(count_rows(db(), "setup_switches"), 1);
  EXPECT_EQ(rejected("conflict"), 2U);
  EXPECT_EQ(rejected("unknown_setup"), 1U);
}

TEST_F(ApiTest, ContentTypeMustBeJson) {
  start();
  const std::string ok =
      R"({"back_pain":1,"leg_pain":1,"extent":"none","red_flags":{"bladder_bowel":false,
          "saddle_numbness":false,"leg_weakness":false}})";
  auto r = http(port_, "POST", "/v1/pain", ok, {{"Content-Type", "text/plain"}});
  EXPECT_EQ(r.status, 415);
  EXPECT_EQ(r.code(), "unsupported_media_type");
  EXPECT_EQ(r.field(), "Content-Type");
  r = http(port_, "POST", "/v1/pain", ok, {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(r.status, 415);
  r = http(port_, "POST", "/v1/setups", "", {});  // no body, no Content-Type
  EXPECT_EQ(r.status, 415);
  EXPECT_EQ(rejected("unsupported_media_type"), 3U);
  EXPECT_EQ(count_rows(db(), "pain_entries"), 1);
  r = http(port_, "POST", "/v1/pain", ok, {{"Content-Type", "Application/JSON; charset=utf-8"}});
  EXPECT_EQ(r.status, 201) << r.body;
}

TEST_F(ApiTest, OversizedBodiesAndHeaders) {
  start();
  const std::string big = R"({"note":")" + std::string(70 * 1024, 'x') + "\"}";
  auto r = post("/v1/pain", big);
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.code(), "body_too_large");
  EXPECT_EQ(r.headers.at("connection"), "close");
  r = http(port_, "GET", "/v1/health", "", {{"X-Padding", std::string(9000, 'p')}});
  EXPECT_EQ(r.status, 431);
  EXPECT_EQ(r.code(), "headers_too_large");
  EXPECT_EQ(rejected("body_too_large"), 1U);
  EXPECT_EQ(rejected("headers_too_large"), 1U);
  EXPECT_EQ(count_rows(db(), "pain_entries"), 1);
  EXPECT_EQ(get("/v1/health").status, 200);  // and the server carries on
}

TEST_F(ApiTest, InvalidUtf8IsEchoedSafely) {
  start();
  auto r = get("/v1/episodes?mat=%FF%FE");  // decodes to bytes that are not UTF-8
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.code(), "bad_param");
  EXPECT_NE(r.json()["error"]["message"].get<std::string>().find("\xEF\xBF\xBD"),
            std::string::npos);  // U+FFFD
  r = get("/v1/nights?from=%C3%28");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.code(), "bad_param");
  // Invalid UTF-8 inside a JSON body is not JSON.
  r = post("/v1/pain", "{\"note\":\"\xff\"}");
  EXPECT_EQ(r.code(), "bad_json");
  EXPECT_EQ(get("/v1/health").status, 200);
}

TEST_F(ApiTest, ExpectContinueIsAnswered) {
  start();
  test::Client c(port_);
  const std::string body = R"({"name":"big-note","note":")" + std::string(900, 'n') + R"("})";
  const std::string head =
      "POST /v1/setups HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Expect: 100-continue\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n";
  boost::asio::write(c.socket(), boost::asio::buffer(head));
  std::array<char, 64> interim{};
  const auto n = c.socket().read_some(boost::asio::buffer(interim));  // before sending the body
  EXPECT_EQ(std::string(interim.data(), n).rfind("HTTP/1.1 100 Continue", 0), 0U);
  boost::asio::write(c.socket(), boost::asio::buffer(body));
  std::string reply;
  while (reply.find("\r\n\r\n") == std::string::npos || reply.find("}}") == std::string::npos) {
    std::array<char, 4096> chunk{};
    const auto got = c.socket().read_some(boost::asio::buffer(chunk));
    reply.append(chunk.data(), got);
  }
  EXPECT_EQ(reply.rfind("HTTP/1.1 201", 0), 0U) << reply;
  EXPECT_EQ(count_rows(db(), "pillow_setups"), 2);
}

TEST_F(ApiTest, MalformedHttpIsAnswered400) {
  start();
  test::Client c(port_);
  const std::string garbage = "GARBAGE\r\n\r\n";
  boost::asio::write(c.socket(), boost::asio::buffer(garbage));
  std::string reply;
  boost::system::error_code ec;
  boost::asio::read(c.socket(), boost::asio::dynamic_buffer(reply), ec);
  EXPECT_EQ(reply.rfind("HTTP/1.1 400", 0), 0U) << reply;
  EXPECT_NE(reply.find("bad_http"), std::string::npos) << reply;
  EXPECT_EQ(rejected("bad_http"), 1U);
}

TEST_F(ApiTest, TokenRequiredWhenConfigured) {
  start(config(kToken));
  auto r = get("/v1/nights");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.code(), "missing_token");
  EXPECT_EQ(r.headers.at("www-authenticate"), R"(Bearer realm="posturemap")");
  r = http(port_, "GET", "/v1/nights", "", {{"Authorization", "Bearer wrong-token-0123456789"}});
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.code(), "invalid_token");
  EXPECT_EQ(r.headers.at("www-authenticate"),
            R"(Bearer realm="posturemap", error="invalid_token")");
  // A prefix of the token, the token with a suffix, another scheme: all refused.
  for (const std::string& h : {std::string("Bearer s3cret"), "Bearer " + std::string(kToken) + "x",
                               "Basic " + std::string(kToken), std::string(kToken)}) {
    EXPECT_EQ(http(port_, "GET", "/v1/setups", "", {{"Authorization", h}}).status, 401) << h;
  }
  // Unknown paths are not revealed without the token either.
  EXPECT_EQ(get("/v1/secret").status, 401);
  // POST without the token writes nothing.
  r = post("/v1/setups", R"({"name":"sneaky"})");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(count_rows(db(), "pillow_setups"), 1);
  r = http(port_, "GET", "/v1/setups", "", {{"Authorization", "Bearer " + std::string(kToken)}});
  EXPECT_EQ(r.status, 200);
  r = http(port_, "GET", "/v1/setups", "", {{"Authorization", "bearer " + std::string(kToken)}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(rejected("missing_token"), 3U);
  EXPECT_EQ(rejected("invalid_token"), 5U);
}

// ------------------------------------------------------------------- per-client rate limit

TEST_F(ApiTest, RequestsBeyondTheRateAre429WithRetryAfterAndRecover) {
  ApiConfig c = config();
  c.rate_limit_per_s = 2;
  c.rate_burst = 5;
  start(c);
  test::Client client(port_);
  int ok = 0, limited = 0;
  test::HttpResult refused;
  for (int i = 0; i < 12; ++i) {
    const auto r = client.request("GET", "/v1/setups");
    if (r.status == 200) ++ok;
    if (r.status == 429) {
      ++limited;
      refused = r;
    }
  }
  // 5 at once, plus whatever 2/s refilled while the 12 requests ran (well under a second).
  EXPECT_GE(ok, 5);
  EXPECT_LE(ok, 7);
  EXPECT_EQ(ok + limited, 12);
  EXPECT_EQ(refused.code(), "rate_limited");
  EXPECT_EQ(refused.headers.at("content-type"), "application/json");
  ASSERT_EQ(refused.headers.count("retry-after"), 1U);
  const int retry_after = std::stoi(refused.headers.at("retry-after"));
  EXPECT_GE(retry_after, 1);
  EXPECT_LE(retry_after, 1);  // one token at 2/s: within a second
  EXPECT_EQ(rejected("rate_limited"), static_cast<std::uint64_t>(limited));
  // /v1/health is exempt: monitoring sees the gateway while this client is throttled.
  EXPECT_EQ(client.request("GET", "/v1/health").status, 200);
  // Another client (another loopback address) is unaffected.
  test::Client other(port_, "127.0.0.2");
  EXPECT_EQ(other.request("GET", "/v1/setups").status, 200);
  // After Retry-After the first client is served again, on the same connection.
  std::this_thread::sleep_for(std::chrono::seconds(retry_after) + 100ms);
  EXPECT_EQ(client.request("GET", "/v1/setups").status, 200);
}

TEST_F(ApiTest, FailedTokensCostMoreThanRequests) {
  ApiConfig c = config(kToken);
  c.rate_limit_per_s = 1;
  c.rate_burst = 40;
  c.failed_auth_cost = 20;
  start(c);
  test::Client client(port_);
  const std::vector<std::pair<std::string, std::string>> wrong = {
      {"Authorization", "Bearer wrong-token-0123456789"}};
  // 40 tokens: two wrong guesses spend them all; the third is refused before it is checked.
  EXPECT_EQ(client.request("GET", "/v1/setups", "", wrong).status, 401);
  EXPECT_EQ(client.request("GET", "/v1/setups", "", wrong).status, 401);
  const auto r = client.request("GET", "/v1/setups", "", wrong);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.code(), "rate_limited");
  // The right token from the same address waits too: the bucket is the address's.
  EXPECT_EQ(
      client.request("GET", "/v1/setups", "", {{"Authorization", "Bearer " + std::string(kToken)}})
          .status,
      429);
  EXPECT_EQ(rejected("invalid_token"), 2U);
  EXPECT_EQ(rejected("rate_limited"), 2U);
  // A client using the token properly gets 40 requests at once.
  test::Client good(port_, "127.0.0.3");
  int ok = 0;
  for (int i = 0; i < 40; ++i)
    ok +=
        good.request("GET", "/v1/setups", "", {{"Authorization", "Bearer " + std::string(kToken)}})
            .status == 200;
  EXPECT_EQ(ok, 40);
}

TEST_F(ApiTest, OffByDefaultInTheLibrary) {
  start();
  test::Client client(port_);
  for (int i = 0; i < 300; ++i) ASSERT_EQ(client.request("GET", "/v1/setups").status, 200);
  EXPECT_EQ(rejected("rate_limited"), 0U);
}

TEST_F(ApiTest, SlowClientIsCutOffAndCounted) {
  ApiConfig c = config();
  c.timeout = 300ms;
  start(c);
  test::Client slow(port_);
  const std::string partial = "GET /v1/health HTTP/1.1\r\nHost: x\r\n";  // never finished
  boost::asio::write(slow.socket(), boost::asio::buffer(partial));
  const auto t0 = std::chrono::steady_clock::now();
  std::string reply;
  boost::system::error_code ec;
  boost::asio::read(slow.socket(), boost::asio::dynamic_buffer(reply), ec);
  EXPECT_TRUE(ec == boost::asio::error::eof || ec == boost::asio::error::connection_reset)
      << ec.message();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);  // cut off, not served or left hanging
  EXPECT_TRUE(reply.empty());
  // Beast's timer closes the socket before the server's read handler runs and counts it: the
  // client can see the close first.
  for (int i = 0; i < 500 && rejected("timeout") == 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(rejected("timeout"), 1U);
  // An idle keep-alive connection is closed too, but it is no rejection.
  test::Client idle(port_);
  ASSERT_EQ(idle.request("GET", "/v1/health").status, 200);
  reply.clear();
  boost::asio::read(idle.socket(), boost::asio::dynamic_buffer(reply), ec);
  EXPECT_EQ(ec, boost::asio::error::eof);
  EXPECT_EQ(rejected("timeout"), 1U);
}

TEST_F(ApiTest, ConnectionsBeyondTheCapAreRefused) {
  ApiConfig c = config();
  c.max_connections = 2;
  start(c);
  test::Client a(port_), b(port_);
  for (int i = 0; i < 200 && server_->counters()["connections"]["open"] != 2; ++i)
    std::this_thread::sleep_for(10ms);
  ASSERT_EQ(server_->counters()["connections"]["open"], 2);
  test::Client third(port_);
  std::string reply;
  boost::system::error_code ec;
  boost::asio::read(third.socket(), boost::asio::dynamic_buffer(reply), ec);
  EXPECT_EQ(reply.rfind("HTTP/1.1 503", 0), 0U) << reply;
  EXPECT_NE(reply.find("too_many_connections"), std::string::npos);
  EXPECT_EQ(rejected("too_many_connections"), 1U);
  // The two open ones are still served.
  EXPECT_EQ(a.request("GET", "/v1/health").status, 200);
  EXPECT_EQ(b.request("GET", "/v1/health").status, 200);
}

TEST_F(ApiTest, StopReturnsPromptlyWithClientsConnected) {
  start();
  test::Client idle(port_);
  test::Client slow(port_);
  const std::string partial = "POST /v1/pain HTTP/1.1\r\nContent-Length: 100\r\n\r\n{";
  boost::asio::write(slow.socket(), boost::asio::buffer(partial));
  std::this_thread::sleep_for(50ms);
  const auto t0 = std::chrono::steady_clock::now();
  server_->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  server_->stop();  // idempotent
}

// ----------------------------------------------------------------------- configuration

TEST(ApiConfigTest, ListenAddresses) {
  EXPECT_TRUE(ListenAddress::parse("127.0.0.1:8787").loopback);
  EXPECT_EQ(ListenAddress::parse("127.0.0.1:8787").port, 8787);
  EXPECT_TRUE(ListenAddress::parse("[::1]:0").loopback);
  EXPECT_EQ(ListenAddress::parse("localhost:80").host, "127.0.0.1");
  EXPECT_FALSE(ListenAddress::parse("0.0.0.0:8787").loopback);
  EXPECT_FALSE(ListenAddress::parse("192.168.1.5:8787").loopback);
  for (const char* bad : {"8787", ":8787", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:http",
                          "example.org:80", "999.1.1.1:80", "127.0.0.1:-1"}) {
    EXPECT_THROW((void)ListenAddress::parse(bad), ApiConfigError) << bad;
  }
  EXPECT_TRUE(listen_disabled(""));
  EXPECT_TRUE(listen_disabled("OFF"));
  EXPECT_FALSE(listen_disabled("127.0.0.1:1"));
}

TEST(ApiConfigTest, NonLoopbackNeedsATokenAndTokensAreChecked) {
  pmap::test::TempDir dir;
  Logger logger(LogLevel::kOff);
  ApiConfig c;
  c.db_path = dir.file("pmap.db");
  c.listen = "0.0.0.0:0";
  c.tz = "UTC";
  EXPECT_THROW({ ApiServer s(c, logger, nullptr); }, ApiConfigError);
  c.token = kToken;
  EXPECT_NO_THROW({ ApiServer s(c, logger, nullptr); });
  c.tz = "Mars/Base";
  EXPECT_THROW({ ApiServer s(c, logger, nullptr); }, ApiConfigError);

  const auto write = [&](const std::string& text) {
    std::ofstream(dir.file("token")) << text;
    return dir.file("token");
  };
  EXPECT_EQ(read_token_file(write("  abcdefghijklmnop-123 \n second line")),
            "abcdefghijklmnop-123");
  EXPECT_THROW((void)read_token_file(write("short\n")), ApiConfigError);
  EXPECT_THROW((void)read_token_file(write("")), ApiConfigError);
  EXPECT_THROW((void)read_token_file(write("abcdefghijklmnop qrs")), ApiConfigError);
  EXPECT_THROW((void)read_token_file(dir.file("missing")), ApiConfigError);
}

TEST(ApiConfigTest, GatewayKeys) {
  GatewayConfig c;
  c.db = "/tmp/x.db";
  EXPECT_EQ(c.api_listen, "127.0.0.1:8787");
  EXPECT_NO_THROW(validate_config(c));
  apply_config_text(c, "api_listen", "off");
  EXPECT_NO_THROW(validate_config(c));
  apply_config_text(c, "api_listen", "0.0.0.0:8787");
  EXPECT_THROW(validate_config(c), ConfigError);  // no token file
  apply_config_text(c, "api_token_file", "/etc/pmap/token");
  EXPECT_NO_THROW(validate_config(c));
  EXPECT_THROW(apply_config_text(c, "api_listen", "everywhere"), ConfigError);
  EXPECT_THROW(apply_config_value(c, "api_listen", json(8787)), ConfigError);
  EXPECT_THROW(apply_config_text(c, "api_max_connections", "0"), ConfigError);
  EXPECT_THROW(apply_config_text(c, "api_timeout_ms", "50"), ConfigError);
  apply_config_text(c, "tz", "Europe/Berlin");
  EXPECT_EQ(c.tz, "Europe/Berlin");
  EXPECT_THROW(apply_config_text(c, "tz", "Mars/Base"), ConfigError);
  EXPECT_EQ(config_to_json(c)["api_listen"], "0.0.0.0:8787");
}

}  // namespace
}  // namespace pmap::api
