// pmapctl through the gateway's HTTP API (docs/diary.md, "Through the gateway"): the API server
// in-process on an ephemeral loopback port over a real SQLite file, pmapctl::run with --api, and
// the same commands with --db on the same file. Output must be identical; writes are checked
// through --db and the repository; every failure (token, server down, silent server, usage) has
// its exit code and message.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

#include "pmap/asio.hpp"

#include "http_client.hpp"

#include "pmap/api/api_server.hpp"
#include "pmap/diary/diary_error.hpp"
#include "pmap/diary/diary_repository.hpp"
#include "pmap/diary/red_flags.hpp"
#include "pmap/diary/time_zone.hpp"
#include "pmap/pmapctl.hpp"
#include "pmap/report/report_builder.hpp"
#include "pmap/report/report_error.hpp"
#include "pmap/report/report_html.hpp"
#include "pmap/report/report_route.hpp"
#include "pmap/report_pdf/html_to_pdf.hpp"
#include "pmap/store.hpp"
#include "test_util.hpp"

namespace pmap::pmapctl {
namespace {

using diary::LocalDateTime;
using diary::TimeZone;
using nlohmann::json;

constexpr std::int64_t kH = 3600;
constexpr const char* kToken = "s3cret-token-0123456789";
constexpr const char* kZone = "Europe/Berlin";

std::int64_t at(int y, unsigned m, unsigned d, int hour, int minute = 0) {
  static const TimeZone zone(kZone);
  return zone.to_utc_us(LocalDateTime{
      std::chrono::year(y) / std::chrono::month(m) / std::chrono::day(d), hour, minute, 0});
}

Episode episode(const std::string& mat, const std::string& stream, const std::string& label,
                std::int64_t start_us, std::int64_t end_us) {
  return Episode{mat, stream, label, start_us, end_us, 1, 1.0};
}

/// A night to 2026-11-20 on "bed" with the knee pillow aligned then dropped, a sitting day on
/// "chair", the setup "thick" in use since the evening before, two pain entries.
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
  store.write(b);
  diary::DiaryRepository repo(store);
  diary::PillowSetup thick;
  thick.name = "thick";
  thick.knee_pillow = diary::KneePillow::kThick;
  thick.note = "the blue one";
  repo.add_setup(thick);
  repo.use_setup("thick", at(2026, 11, 19, 20), kZone);
  diary::PainEntry e;
  e.tz = kZone;
  e.time_us = at(2026, 11, 20, 7, 30);
  e.back_pain = 3;
  e.leg_pain = 5;
  e.extent = diary::Extent::kThigh;
  e.tags = {diary::ContextTag::kOnWaking, diary::ContextTag::kAtNight};
  e.note = "stiff";
  repo.add_pain(e);
  // 23:30 in New York on the 21st is the 22nd in Berlin and in UTC.
  e.tz = "America/New_York";
  e.time_us = TimeZone(e.tz).parse_time("2026-11-21T23:30", "time");
  e.back_pain = 2;
  e.leg_pain = 1;
  e.extent = diary::Extent::kBack;
  e.tags = {};
  e.note = "late";
  repo.add_pain(e);
}

struct Outcome {
  int code = -1;
  std::string out;
  std::string err;
};

Outcome pmapctl(const std::vector<std::string>& args, const std::string& input = {}) {
  std::istringstream in(input);
  std::ostringstream out, err;
  Outcome r;
  r.code = run(args, in, out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class PmapctlApiTest : public ::testing::Test {
 protected:
  PmapctlApiTest() : logger_(LogLevel::kOff) {
    seed(db());
    ::unsetenv("PMAP_API");
    ::unsetenv("PMAP_API_TOKEN_FILE");
  }
  ~PmapctlApiTest() override {
    ::unsetenv("PMAP_API");
    ::unsetenv("PMAP_API_TOKEN_FILE");
  }

  [[nodiscard]] std::string db() const { return dir_.file("pmap.db"); }
  [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  /// The API as the gateway runs it, with the report route the gateway adds (the same function).
  void start(std::string token = {}) {
    api::ApiConfig c;
    c.db_path = db();
    c.listen = "127.0.0.1:0";
    c.token = std::move(token);
    c.tz = kZone;
    server_ = std::make_unique<api::ApiServer>(std::move(c), logger_, nullptr);
    report::add_report_route(*server_);
    server_->start();
    port_ = server_->port();
  }

  /// `args` with --api URL, and with --db FILE: both must succeed and print the same.
  void expect_same(std::vector<std::string> args) {
    auto with_db = args;
    with_db.insert(with_db.end(), {"--db", db()});
    args.insert(args.end(), {"--api", url()});
    const Outcome a = pmapctl(args);
    const Outcome d = pmapctl(with_db);
    EXPECT_EQ(a.code, 0) << a.err;
    EXPECT_EQ(d.code, 0) << d.err;
    EXPECT_EQ(a.out, d.out);
    EXPECT_EQ(a.err, d.err);
    EXPECT_FALSE(a.out.empty());
  }

  std::string token_file(const std::string& token) {
    const std::string path = dir_.file("token");
    std::ofstream(path) << token << '\n';
    return path;
  }

  pmap::test::TempDir dir_;
  Logger logger_;
  std::unique_ptr<api::ApiServer> server_;
  std::uint16_t port_ = 0;
};

// ------------------------------------------------------------------------ same output as --db

TEST_F(PmapctlApiTest, NightsAndDaysPrintExactlyWhatDbPrints) {
  start();
  expect_same({"nights", "--tz", kZone, "--from", "2026-11-18", "--to", "2026-11-21"});
  expect_same({"nights", "--tz", kZone, "--from", "2026-11-18", "--to", "2026-11-21", "--json"});
  expect_same({"days", "--tz", kZone, "--from", "2026-11-19", "--to", "2026-11-21"});
  expect_same({"days", "--tz", kZone, "--from", "2026-11-19", "--to", "2026-11-21", "--json"});
  expect_same({"nights", "--tz", kZone, "--mat", "bed", "--from", "2026-11-18", "--to",
               "2026-11-21", "--json"});
  expect_same(
      {"nights", "--tz", kZone, "--mat", "chair", "--from", "2026-11-18", "--to", "2026-11-21"});
  expect_same({"days", "--tz", kZone, "--mat", "chair", "--from", "2026-11-19", "--to",
               "2026-11-21", "--json"});
  // The values themselves (so both are not equally wrong).
  const Outcome n =
      pmapctl({"nights", "--api", url(), "--from", "2026-11-20", "--to", "2026-11-20", "--json"});
  ASSERT_EQ(n.code, 0) << n.err;
  const json j = json::parse(n.out);
  EXPECT_EQ(j["tz"], kZone);
  ASSERT_EQ(j["nights"].size(), 1U);
  EXPECT_EQ(j["nights"][0]["time_in_bed_s"], 8 * kH);
  EXPECT_EQ(j["nights"][0]["position_s"]["left"], 3 * kH);
  EXPECT_EQ(j["nights"][0]["setup"], "thick");
  const Outcome t =
      pmapctl({"nights", "--api", url(), "--from", "2026-11-20", "--to", "2026-11-20"});
  EXPECT_TRUE(contains(t.out, "2026-11-20  bed     8h00   0     5h00   0h00   3h00   0h00"))
      << t.out;
  EXPECT_TRUE(contains(t.out, "1 nights (Europe/Berlin;")) << t.out;
  const Outcome d =
      pmapctl({"days", "--api", url(), "--from", "2026-11-20", "--to", "2026-11-20", "--json"});
  ASSERT_EQ(d.code, 0) << d.err;
  EXPECT_EQ(json::parse(d.out)["days"][0]["sitting_s"], 90 * 60);
}

TEST_F(PmapctlApiTest, NightsOverTheApiAreInTheGatewaysZone) {
  start();
  const Outcome r = pmapctl({"nights", "--api", url(), "--tz", "UTC", "--from", "2026-11-20"});
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err,
                       "pmapctl nights: refused: tz: the gateway keys nights by dates in "
                       "its zone 'Europe/Berlin', not 'UTC'"))
      << r.err;
  const Outcome m = pmapctl({"days", "--api", url(), "--merge-exit-min", "20"});
  EXPECT_EQ(m.code, 2);
  EXPECT_TRUE(contains(m.err, "--merge-exit-min needs --db")) << m.err;
  // The API's own limits come back as refusals with its message, code and field.
  const Outcome big =
      pmapctl({"nights", "--api", url(), "--from", "2024-01-01", "--to", "2026-01-01"});
  EXPECT_EQ(big.code, 1);
  EXPECT_TRUE(contains(big.err, "(range_too_large, field from)")) << big.err;
}

TEST_F(PmapctlApiTest, PainListPrintsExactlyWhatDbPrints) {
  start();
  expect_same({"pain", "list", "--tz", kZone});
  expect_same({"pain", "list", "--tz", kZone, "--json"});
  expect_same({"pain", "list", "--tz", kZone, "--from", "2026-11-20", "--to", "2026-11-20"});
  // A date in New York: the entry made at 23:30 there on the 21st belongs to the 21st.
  expect_same({"pain", "list", "--tz", "America/New_York", "--from", "2026-11-21", "--to",
               "2026-11-21", "--json"});
  expect_same(
      {"pain", "list", "--tz", kZone, "--from", "2026-11-20T07:30", "--to", "2026-11-20T07:31"});
  expect_same({"pain", "list", "--tz", kZone, "--from", "2026-11-22"});
  expect_same({"pain", "list", "--tz", kZone, "--from", "2025-01-01", "--to", "2026-12-31"});
  const Outcome r = pmapctl({"pain", "list", "--api", url(), "--tz", kZone});
  EXPECT_TRUE(contains(r.out, "stiff")) << r.out;
  EXPECT_TRUE(contains(r.out, "on_waking;at_night")) << r.out;
  EXPECT_TRUE(contains(r.out, "2 entries\n")) << r.out;
  const Outcome ny = pmapctl({"pain", "list", "--api", url(), "--tz", "America/New_York", "--from",
                              "2026-11-21", "--to", "2026-11-21", "--json"});
  ASSERT_EQ(json::parse(ny.out).size(), 1U);
  EXPECT_EQ(json::parse(ny.out)[0]["note"], "late");
  const Outcome berlin = pmapctl({"pain", "list", "--api", url(), "--tz", kZone, "--from",
                                  "2026-11-21", "--to", "2026-11-21", "--json"});
  EXPECT_EQ(berlin.out, "[]\n");
}

TEST_F(PmapctlApiTest, PainAddStoresEveryField) {
  start();
  const Outcome r = pmapctl({"pain",
                             "add",
                             "--api",
                             url(),
                             "--tz",
                             "Europe/London",
                             "--time",
                             "2026-11-21T08:15",
                             "--back",
                             "4",
                             "--leg",
                             "6",
                             "--extent",
                             "calf",
                             "--tags",
                             "after_sitting,other",
                             "--note",
                             "after the drive\tok",
                             "--bladder-bowel",
                             "no",
                             "--saddle-numbness",
                             "no",
                             "--leg-weakness",
                             "no"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "stored pain entry 3 at 2026-11-21T08:15:00+00:00 (Europe/London)\n");
  EXPECT_EQ(r.err, "");
  Store store(db());
  const auto entries = diary::DiaryRepository(store).pains();
  ASSERT_EQ(entries.size(), 3U);
  const auto& e = entries[1];
  EXPECT_EQ(e.id, 3);
  EXPECT_EQ(e.time_us, TimeZone("Europe/London").parse_time("2026-11-21T08:15", "time"));
  EXPECT_EQ(e.tz, "Europe/London");
  EXPECT_EQ(e.back_pain, 4);
  EXPECT_EQ(e.leg_pain, 6);
  EXPECT_EQ(e.extent, diary::Extent::kCalf);
  EXPECT_EQ(e.tags, (std::vector<diary::ContextTag>{diary::ContextTag::kAfterSitting,
                                                    diary::ContextTag::kOther}));
  EXPECT_EQ(e.note, "after the drive\tok");
  EXPECT_FALSE(e.red_flags.any());
  EXPECT_FALSE(e.red_flag_warning_shown);
  // Invalid values are refused before anything is sent (exit 1), as with --db; a missing
  // red-flag answer is a usage error.
  const Outcome bad =
      pmapctl({"pain", "add", "--api", url(), "--back", "4", "--leg", "11", "--extent", "calf",
               "--bladder-bowel", "no", "--saddle-numbness", "no", "--leg-weakness", "no"});
  EXPECT_EQ(bad.code, 1);
  EXPECT_TRUE(contains(bad.err, "leg")) << bad.err;
  EXPECT_EQ(pmapctl({"pain", "add", "--api", url(), "--back", "4", "--leg", "1", "--extent", "calf",
                     "--bladder-bowel", "no", "--saddle-numbness", "no"})
                .code,
            2);
  EXPECT_EQ(server_->counters()["requests"], 1);
}

TEST_F(PmapctlApiTest, RedFlagShowsTheWarningOnBothStreamsExits3AndIsStoredAsShown) {
  start();
  const Outcome r = pmapctl({"pain",
                             "add",
                             "--api",
                             url(),
                             "--tz",
                             kZone,
                             "--time",
                             "2026-11-21T09:00",
                             "--back",
                             "5",
                             "--leg",
                             "8",
                             "--extent",
                             "foot",
                             "--bladder-bowel",
                             "no",
                             "--saddle-numbness",
                             "yes",
                             "--leg-weakness",
                             "no"});
  EXPECT_EQ(r.code, 3) << r.err;
  const std::string warning = "\n" + std::string(diary::kRedFlagWarning) + "\n\n";
  EXPECT_EQ(r.err, warning);
  EXPECT_EQ(r.out, warning + "stored pain entry 3 at 2026-11-21T09:00:00+01:00 (Europe/Berlin)\n");
  Store store(db());
  const auto entries = diary::DiaryRepository(store).pains();
  ASSERT_EQ(entries.size(), 3U);
  EXPECT_TRUE(entries[1].red_flags.saddle_numbness);
  EXPECT_TRUE(entries[1].red_flag_warning_shown);
  // pain list over the API repeats it, as with --db.
  expect_same({"pain", "list", "--tz", kZone});
  expect_same({"pain", "list", "--tz", kZone, "--json"});
  EXPECT_TRUE(contains(pmapctl({"pain", "list", "--api", url()}).out, "RED FLAG"));
}

TEST_F(PmapctlApiTest, SetupsAddUseAndListThroughTheApi) {
  start();
  expect_same({"setup", "list"});
  expect_same({"setup", "list", "--json"});
  const Outcome add = pmapctl({"setup", "add", "body-pillow", "--api", url(), "--knee-pillow",
                               "body", "--under-knees", "yes", "--head-pillow", "12cm", "--topper",
                               "yes", "--note", "new"});
  ASSERT_EQ(add.code, 0) << add.err;
  EXPECT_EQ(add.out, "added setup body-pillow\n");
  const Outcome use = pmapctl(
      {"setup", "use", "body-pillow", "--api", url(), "--tz", kZone, "--from", "2026-11-21T21:00"});
  ASSERT_EQ(use.code, 0) << use.err;
  EXPECT_EQ(use.out, "setup body-pillow in use from 2026-11-21T21:00:00+01:00\n");
  expect_same({"setup", "list"});
  expect_same({"setup", "list", "--json"});
  const Outcome list = pmapctl({"setup", "list", "--api", url(), "--json"});
  const json j = json::parse(list.out);
  EXPECT_EQ(j["in_use"], "body-pillow");
  ASSERT_EQ(j["setups"].size(), 2U);
  EXPECT_EQ(j["setups"][0]["name"], "body-pillow");
  EXPECT_EQ(j["setups"][0]["knee_pillow"], "body");
  EXPECT_EQ(j["setups"][0]["head_pillow"], "12cm");
  EXPECT_EQ(j["setups"][0]["pillow_under_knees"], true);
  EXPECT_EQ(j["setups"][0]["mattress_topper"], true);
  EXPECT_EQ(j["setups"][0]["note"], "new");
  EXPECT_FALSE(j.contains("switches"));  // as setup list --json with --db
  const Outcome text = pmapctl({"setup", "list", "--api", url()});
  EXPECT_TRUE(contains(text.out, "* body-pillow")) << text.out;
  EXPECT_TRUE(contains(text.out, "2 setups, * in use now\n")) << text.out;
  // The gateway's refusals: its message, code and field, exit 1.
  const Outcome twice = pmapctl({"setup", "add", "thick", "--api", url()});
  EXPECT_EQ(twice.code, 1);
  EXPECT_EQ(twice.err,
            "pmapctl setup add: refused: name: a setup called 'thick' exists already (conflict, "
            "field name)\n");
  const Outcome unknown = pmapctl({"setup", "use", "nope", "--api", url()});
  EXPECT_EQ(unknown.code, 1);
  EXPECT_TRUE(contains(unknown.err, "no setup called 'nope'")) << unknown.err;
  EXPECT_TRUE(contains(unknown.err, "(unknown_setup, field name)")) << unknown.err;
}

// Movement tests through GET/POST /v1/tests: stored with every field, the summary printed exactly
// as --db prints it; the diary's refusals come back as the gateway's.
TEST_F(PmapctlApiTest, MovementTestsAddAndSummaryThroughTheApi) {
  start();
  expect_same({"test", "summary"});
  for (int i = 0; i < 4; ++i) {
    const Outcome add = pmapctl({"test",
                                 "add",
                                 "--api",
                                 url(),
                                 "--tz",
                                 kZone,
                                 "--time",
                                 "2026-11-2" + std::to_string(i) + "T08:00",
                                 "--direction",
                                 "extension",
                                 "--extent-before",
                                 "calf",
                                 "--extent-after",
                                 "thigh",
                                 "--leg-before",
                                 "6",
                                 "--leg-after",
                                 "4",
                                 "--reps",
                                 "10",
                                 "--note",
                                 "press-ups"});
    ASSERT_EQ(add.code, 0) << add.err;
    EXPECT_EQ(add.out, "stored movement test " + std::to_string(i + 1) +
                           ": extension, calf -> thigh (centralized)\n");
  }
  expect_same({"test", "summary"});
  expect_same({"test", "summary", "--json"});
  const json summary = json::parse(pmapctl({"test", "summary", "--api", url(), "--json"}).out);
  EXPECT_EQ(summary["directions"][0]["direction"], "extension");
  EXPECT_EQ(summary["directions"][0]["centralized"], 4);
  Store store(db());
  diary::DiaryRepository repo(store);
  const auto tests = repo.tests();
  ASSERT_EQ(tests.size(), 4U);
  EXPECT_EQ(tests[0].repetitions, 10);
  EXPECT_EQ(tests[0].leg_pain_before, 6);
  EXPECT_EQ(tests[0].note, "press-ups");
  EXPECT_EQ(tests[0].tz, kZone);
  EXPECT_EQ(tests[0].time_us, diary::TimeZone(kZone).parse_time("2026-11-20T08:00", "time"));
  // Refused before sending (pmapctl validates first) and by the gateway for a raw request.
  const Outcome bad =
      pmapctl({"test", "add", "--api", url(), "--direction", "sideways", "--extent-before", "calf",
               "--extent-after", "thigh", "--leg-before", "6", "--leg-after", "4"});
  EXPECT_EQ(bad.code, 1);
  EXPECT_TRUE(contains(bad.err, "direction")) << bad.err;
  const auto raw =
      api::test::http(port_, "POST", "/v1/tests",
                      R"({"direction":"extension","extent_before":"calf","extent_after":"ankle",)"
                      R"("leg_pain_before":6,"leg_pain_after":4})");
  EXPECT_EQ(raw.status, 400);
  EXPECT_EQ(raw.json()["error"]["field"], "extent_after");
  EXPECT_EQ(repo.tests().size(), 4U);
}

TEST_F(PmapctlApiTest, ReportInEveryFormat) {
  start();
  const std::vector<std::string> base = {"report", "--tz", kZone, "--date", "2026-11-20"};
  auto args = base;
  args.insert(args.end(), {"--api", url(), "--format", "json"});
  const Outcome j = pmapctl(args);
  ASSERT_EQ(j.code, 0) << j.err;
  auto db_args = base;
  db_args.insert(db_args.end(), {"--db", db(), "--format", "json"});
  const Outcome jd = pmapctl(db_args);
  ASSERT_EQ(jd.code, 0) << jd.err;
  json over_api = json::parse(j.out);
  json direct = json::parse(jd.out);
  EXPECT_EQ(over_api["last_night"]["time_in_bed_s"], 8 * kH);
  over_api.erase("generated_at");
  direct.erase("generated_at");
  EXPECT_EQ(over_api, direct);
  EXPECT_EQ(j.out.back(), '\n');

  args = base;
  args.insert(args.end(), {"--api", url(), "--format", "html"});
  const Outcome h = pmapctl(args);
  ASSERT_EQ(h.code, 0) << h.err;
  EXPECT_EQ(h.out.rfind("<!DOCTYPE html>", 0), 0U);

  const std::string pdf = dir_.file("r.pdf");
  args = base;
  args.insert(args.end(), {"--api", url(), "--format", "pdf", "-o", pdf});
  const Outcome p = pmapctl(args);
  ASSERT_EQ(p.code, 0) << p.err;
  EXPECT_EQ(p.out, "report 2026-11-20 written to " + pdf + "\n");
  std::ifstream in(pdf, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(bytes.rfind("%PDF-", 0), 0U);
  EXPECT_NE(bytes.find("%%EOF"), std::string::npos);
  EXPECT_GT(bytes.size(), 5000U);
  // Binary-safe to stdout too.
  args = base;
  args.insert(args.end(), {"--api", url(), "--format", "pdf"});
  const Outcome po = pmapctl(args);
  ASSERT_EQ(po.code, 0) << po.err;
  EXPECT_EQ(po.out.rfind("%PDF-", 0), 0U);
  EXPECT_NE(po.out.find("%%EOF"), std::string::npos);
  EXPECT_GT(po.out.size(), 5000U);

  // Options the API does not take.
  const Outcome mats = pmapctl({"report", "--api", url(), "--bed-mat", "bed"});
  EXPECT_EQ(mats.code, 2);
  EXPECT_TRUE(contains(mats.err, "--bed-mat needs --db")) << mats.err;
  // The gateway's refusal of a date.
  const Outcome future = pmapctl({"report", "--api", url(), "--date", "2999-01-01"});
  EXPECT_EQ(future.code, 1);
  EXPECT_TRUE(contains(future.err, "(bad_param, field date)")) << future.err;
}

TEST_F(PmapctlApiTest, ReportWithARedFlagWarnsAndExits3) {
  start();
  ASSERT_EQ(pmapctl({"pain",
                     "add",
                     "--api",
                     url(),
                     "--tz",
                     kZone,
                     "--time",
                     "2026-11-20T08:00",
                     "--back",
                     "5",
                     "--leg",
                     "8",
                     "--extent",
                     "foot",
                     "--bladder-bowel",
                     "yes",
                     "--saddle-numbness",
                     "no",
                     "--leg-weakness",
                     "no"})
                .code,
            3);
  const Outcome r = pmapctl({"report", "--api", url(), "--date", "2026-11-20", "--format", "json"});
  EXPECT_EQ(r.code, 3) << r.err;
  EXPECT_EQ(r.err, "\n" + std::string(diary::kRedFlagWarning) + "\n\n");
  EXPECT_TRUE(json::parse(r.out)["red_flag"]["active"]);
}

// ----------------------------------------------------------------------------- authentication

TEST_F(PmapctlApiTest, TokenMissingOrWrongIsRefused) {
  start(kToken);
  const Outcome none = pmapctl({"setup", "list", "--api", url()});
  EXPECT_EQ(none.code, 1);
  EXPECT_TRUE(contains(none.err,
                       "pmapctl setup list: refused: token rejected or missing "
                       "(--token-file)"))
      << none.err;
  const Outcome wrong = pmapctl(
      {"setup", "list", "--api", url(), "--token-file", token_file("wrong-token-0123456789")});
  EXPECT_EQ(wrong.code, 1);
  EXPECT_TRUE(contains(wrong.err, "token rejected or missing (--token-file)")) << wrong.err;
  const Outcome right =
      pmapctl({"setup", "list", "--api", url(), "--token-file", token_file(kToken)});
  EXPECT_EQ(right.code, 0) << right.err;
  EXPECT_TRUE(contains(right.out, "1 setups")) << right.out;
  // Through the environment.
  ::setenv("PMAP_API", url().c_str(), 1);
  ::setenv("PMAP_API_TOKEN_FILE", token_file(kToken).c_str(), 1);
  const Outcome env = pmapctl({"setup", "list"});
  EXPECT_EQ(env.code, 0) << env.err;
  EXPECT_EQ(env.out, right.out);
  // An explicit --db wins over $PMAP_API.
  const Outcome db_wins = pmapctl({"setup", "list", "--db", db()});
  EXPECT_EQ(db_wins.code, 0) << db_wins.err;
  EXPECT_EQ(db_wins.out, right.out);
  // A token file the gateway would not accept either.
  const Outcome short_token =
      pmapctl({"setup", "list", "--api", url(), "--token-file", token_file("short")});
  EXPECT_EQ(short_token.code, 1);
  EXPECT_TRUE(contains(short_token.err, "--token-file: the token in")) << short_token.err;
  const Outcome missing =
      pmapctl({"setup", "list", "--api", url(), "--token-file", dir_.file("missing")});
  EXPECT_EQ(missing.code, 1);
  EXPECT_TRUE(contains(missing.err, "--token-file: cannot read")) << missing.err;
}

// ------------------------------------------------------------------------- unreachable gateway

TEST_F(PmapctlApiTest, ServerDownIsRefusedPromptlyNamingTheUrl) {
  start();
  const std::string gone = url();
  server_->stop();
  const auto t0 = std::chrono::steady_clock::now();
  const Outcome r = pmapctl({"nights", "--api", gone});
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(contains(r.err, "pmapctl nights: refused: cannot reach the gateway at " + gone))
      << r.err;
  EXPECT_TRUE(contains(r.err, "refused")) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST_F(PmapctlApiTest, SilentServerTimesOut) {
  // Accepts connections (the kernel's backlog) and never answers.
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const std::string silent = "http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port());
  const auto t0 = std::chrono::steady_clock::now();
  const Outcome r = pmapctl({"setup", "list", "--api", silent, "--timeout", "1"});
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(took, std::chrono::milliseconds(900));
  EXPECT_LT(took, std::chrono::seconds(5));
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(r.err, "pmapctl setup list: refused: the gateway at " + silent +
                       " did not answer GET /v1/setups within 1 s\n");
  EXPECT_EQ(pmapctl({"setup", "list", "--api", silent, "--timeout", "0"}).code, 1);
}

// ---------------------------------------------------------------------------------- usage

TEST_F(PmapctlApiTest, UsageErrors) {
  start();
  const Outcome both = pmapctl({"nights", "--db", db(), "--api", url()});
  EXPECT_EQ(both.code, 2);
  EXPECT_TRUE(contains(both.err, "give either --db FILE or --api URL, not both")) << both.err;
  const Outcome neither = pmapctl({"setup", "list"});
  EXPECT_EQ(neither.code, 2);
  EXPECT_TRUE(contains(neither.err, "give --db FILE (the SQLite file) or --api URL"))
      << neither.err;
  const Outcome tls = pmapctl({"setup", "list", "--api", "https://127.0.0.1:8787"});
  EXPECT_EQ(tls.code, 2);
  EXPECT_TRUE(contains(tls.err, "https is not supported yet")) << tls.err;
  for (const std::string bad :
       {"127.0.0.1:8787", "http://", "http://host:99999", "http://user@host", "http://host/v1",
        "http://host:80?x=1", "http://[::1"}) {
    const Outcome r = pmapctl({"setup", "list", "--api", bad});
    EXPECT_EQ(r.code, 2) << bad;
    EXPECT_TRUE(contains(r.err, "--api: ")) << bad << ": " << r.err;
  }
  ::setenv("PMAP_API", "https://127.0.0.1:8787", 1);
  const Outcome env_tls = pmapctl({"setup", "list"});
  EXPECT_EQ(env_tls.code, 2);
  EXPECT_TRUE(contains(env_tls.err, "https is not supported yet")) << env_tls.err;
  EXPECT_TRUE(contains(env_tls.err, "(from $PMAP_API)")) << env_tls.err;
  ::unsetenv("PMAP_API");
  // A path prefix is sent in front of /v1 (here: nothing is served there).
  const Outcome prefixed = pmapctl({"setup", "list", "--api", url() + "/pmap/"});
  EXPECT_EQ(prefixed.code, 1);
  EXPECT_TRUE(contains(prefixed.err, "(not_found)")) << prefixed.err;
  const Outcome token_with_db = pmapctl({"setup", "list", "--db", db(), "--token-file", "x"});
  EXPECT_EQ(token_with_db.code, 2);
  EXPECT_TRUE(contains(token_with_db.err, "--token-file goes with --api")) << token_with_db.err;
  // Commands the API has no endpoint for.
  const std::vector<std::vector<std::string>> db_only = {{"pain", "trend"},
                                                         {"setup", "show", "thick"},
                                                         {"import", "--csv", "x.csv"},
                                                         {"export"},
                                                         {"forget", "--yes"}};
  for (auto args : db_only) {
    const std::string name = args[0] == "pain" || args[0] == "test" || args[0] == "setup"
                                 ? args[0] + " " + args[1]
                                 : args[0];
    args.insert(args.end(), {"--api", url()});
    const Outcome r = pmapctl(args);
    EXPECT_EQ(r.code, 2) << name;
    EXPECT_TRUE(contains(r.err, "pmapctl " + name +
                                    ": needs --db FILE: the gateway's HTTP API "
                                    "has no endpoint for this command"))
        << r.err;
  }
  EXPECT_EQ(server_->counters()["requests"], 1);  // the prefixed one
  // Help names --api.
  const Outcome help = pmapctl({"nights", "--help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_TRUE(contains(help.out, "--api")) << help.out;
  EXPECT_TRUE(contains(help.out, "--token-file")) << help.out;
  const Outcome db_help = pmapctl({"pain", "trend", "--help"});
  EXPECT_EQ(db_help.code, 0);
  EXPECT_FALSE(contains(db_help.out, "--api")) << db_help.out;
  const Outcome stray = pmapctl({"pain", "list", "--timeout", "5"});
  EXPECT_EQ(stray.code, 2);
  EXPECT_TRUE(contains(stray.err, "--timeout goes with --api")) << stray.err;
  EXPECT_TRUE(contains(pmapctl({"--help"}).out, "--api http://HOST:PORT"));
}

}  // namespace
}  // namespace pmap::pmapctl
