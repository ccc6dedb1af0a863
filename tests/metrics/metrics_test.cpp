// GET /metrics without a network: the histogram, the exposition writer, and the gateway's full
// text parsed back by a strict reader of the format (exposition_parser.hpp lists the rules).
#include <gtest/gtest.h>

#include <cmath>
#include <thread>

#include "exposition_parser.hpp"
#include "pmap/gateway_metrics.hpp"
#include "pmap/ingest.hpp"
#include "pmap/metrics/exposition.hpp"
#include "pmap/metrics/histogram.hpp"

namespace pmap::metrics {
namespace {

using namespace std::chrono_literals;
using test::parse_exposition;

TEST(MetricsHistogram, BucketsAreUpperInclusiveAndCumulative) {
  Histogram h({0.001, 0.01, 0.1});
  h.observe(0ns);
  h.observe(1ms);  // exactly on a bound: in that bucket (le means <=)
  h.observe(1001us);
  h.observe(50ms);
  h.observe(2s);
  h.observe(-5ns);  // a clock step backwards counts as 0
  const auto s = h.snapshot();
  EXPECT_EQ(s.cumulative, (std::vector<std::uint64_t>{3, 4, 5, 6}));
  EXPECT_EQ(s.count, 6u);
  EXPECT_NEAR(s.sum_s, 0.001 + 0.001001 + 0.05 + 2.0, 1e-12);
}

TEST(MetricsHistogram, RejectsBadBounds) {
  EXPECT_THROW(Histogram({0.1, 0.1}), std::invalid_argument);
  EXPECT_THROW(Histogram({-1.0}), std::invalid_argument);
  EXPECT_THROW(Histogram({INFINITY}), std::invalid_argument);
}

TEST(MetricsHistogram, ConcurrentObserversLoseNothing) {
  Histogram h(Histogram::frame_bounds());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&h, t] {
      for (int i = 0; i < 50'000; ++i) h.observe(std::chrono::microseconds((i * (t + 1)) % 3000));
    });
  }
  for (auto& t : threads) t.join();
  const auto s = h.snapshot();
  EXPECT_EQ(s.count, 200'000u);
  EXPECT_EQ(s.cumulative.back(), s.count);
}

TEST(MetricsExposition, WritesHelpTypeAndEscapedLabels) {
  Exposition e;
  e.counter("x_total", "a \\ help\nline", {Sample{{{"mat", "a\"b\\c\nd"}}, 3}});
  e.gauge("y_seconds", "g", {Sample{{}, 0.25}, Sample{{{"k", "v"}}, NAN}});
  EXPECT_EQ(e.text(),
            "# HELP x_total a \\\\ help\\nline\n# TYPE x_total counter\n"
            "x_total{mat=\"a\\\"b\\\\c\\nd\"} 3\n"
            "# HELP y_seconds g\n# TYPE y_seconds gauge\ny_seconds 0.25\ny_seconds{k=\"v\"} NaN\n");
  const auto parsed = parse_exposition(e.text());
  EXPECT_TRUE(parsed.errors.empty()) << parsed.errors.front();
  EXPECT_EQ(parsed.value("x_total", {{"mat", "a\"b\\c\nd"}}), 3);
}

TEST(MetricsExposition, RefusesWhatTheFormatForbids) {
  Exposition e;
  EXPECT_THROW(e.counter("frames", "no _total", {}), std::invalid_argument);
  EXPECT_THROW(e.gauge("9lives", "bad name", {}), std::invalid_argument);
  EXPECT_THROW(e.gauge("g", "bad label", {Sample{{{"__x", "v"}}, 1}}), std::invalid_argument);
  e.gauge("twice", "h", {});
  EXPECT_THROW(e.gauge("twice", "h", {}), std::invalid_argument);
}

// The reader is the test's judge, so it must catch each broken rule.
TEST(MetricsExposition, TheReaderCatchesBrokenText) {
  const auto errors = [](const std::string& t) { return parse_exposition(t).errors.size(); };
  EXPECT_EQ(errors("# HELP a_total h\n# TYPE a_total counter\na_total 1\n"), 0u);
  EXPECT_GT(errors("a_total 1\n"), 0u);                                    // no HELP/TYPE
  EXPECT_GT(errors("# HELP a h\n# TYPE a counter\na 1\n"), 0u);            // no _total
  EXPECT_GT(errors("# HELP a h\n# HELP a h\n# TYPE a gauge\na 1\n"), 0u);  // HELP twice
  EXPECT_GT(errors("# HELP a h\n# TYPE a gauge\na{b=\"c} 1\n"), 0u);       // open quote
  EXPECT_GT(errors("# HELP a h\n# TYPE a gauge\na one\n"), 0u);            // bad value
  EXPECT_GT(errors("# HELP a h\n# TYPE a gauge\na 1"), 0u);                // no final \n
  EXPECT_GT(errors("# HELP a h\n# TYPE a gauge\n# HELP b h\n# TYPE b gauge\na 1\nb 1\na 2\n"),
            0u);  // not contiguous
  const std::string head = "# HELP h h\n# TYPE h histogram\n";
  EXPECT_EQ(errors(head + "h_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 3\nh_count 2\n"),
            0u);
  EXPECT_GT(errors(head + "h_bucket{le=\"1\"} 3\nh_bucket{le=\"+Inf\"} 2\nh_sum 3\nh_count 2\n"),
            0u);  // not cumulative
  EXPECT_GT(errors(head + "h_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 3\nh_count 3\n"),
            0u);                                                               // +Inf != count
  EXPECT_GT(errors(head + "h_bucket{le=\"1\"} 1\nh_sum 3\nh_count 1\n"), 0u);  // no +Inf
}

TEST(MetricsGateway, FullTextIsValidAndCarriesEveryFamily) {
  GatewayMetricsView v;
  MatMetrics bed;
  bed.mat_id = "bed1";
  bed.kind = "bed";
  bed.counters.received = 10;
  bed.counters.accepted = 7;
  bed.counters.rejected = 3;
  bed.counters.rejected_by_reason = {{"bad_crc", 2}, {"duplicate", 1}};
  bed.last_frame_us = 1'000'000'000;
  MatMetrics unseen;  // frames held for lack of meta: no frame yet
  unseen.mat_id = "chair-2";
  unseen.counters.received = 4;
  v.mats = {bed, unseen};
  v.now_us = 1'002'500'000;
  v.mqtt_connected = true;
  v.mqtt_published = 42;
  v.process_start_s = 1.7e9;
  v.resident_bytes = 12'345'678;
  v.version = "0.1.0";
  v.compiler = "gcc 12.2.0";
  v.store.transactions = 9;
  v.store.write_errors = 3;
  v.store.failing = true;
  v.store.failing_for_s = 1.5;
  v.store.buffered_bytes = 4096;
  v.store.max_buffer_bytes = 65536;
  v.store.dropped_raw_frames = 5;
  v.store.dropped_rows = 2;
  v.messages_queued = 17;
  v.messages_queue_limit = 20000;
  v.delivery_held_s = 0.25;
  Histogram decode(Histogram::frame_bounds()), estimate(Histogram::frame_bounds()),
      db(Histogram::write_bounds());
  decode.observe(30us);
  decode.observe(300us);
  estimate.observe(2ms);
  db.observe(4ms);
  const std::string text =
      render_gateway_metrics(v, decode.snapshot(), estimate.snapshot(), db.snapshot());
  const auto p = parse_exposition(text);
  ASSERT_TRUE(p.errors.empty()) << p.errors.front() << "\n" << text;

  for (const auto& [name, fam] : p.families) {
    EXPECT_TRUE(name.starts_with("pmap_") || name.starts_with("process_")) << name;
    EXPECT_FALSE(fam.help.empty()) << name;
    // Base units only: seconds and bytes, never ms, us or kb.
    EXPECT_EQ(name.find("_ms"), std::string::npos) << name;
    EXPECT_EQ(name.find("_us"), std::string::npos) << name;
  }
  EXPECT_EQ(p.value("pmap_build_info", {{"version", "0.1.0"}, {"compiler", "gcc 12.2.0"}}), 1);
  EXPECT_EQ(p.value("pmap_frames_received_total", {{"mat", "bed1"}}), 10);
  EXPECT_EQ(p.value("pmap_frames_received_total", {{"mat", "chair-2"}}), 4);
  EXPECT_EQ(p.value("pmap_frames_accepted_total", {{"mat", "bed1"}}), 7);
  EXPECT_EQ(p.value("pmap_frames_rejected_total", {{"mat", "bed1"}, {"reason", "bad_crc"}}), 2);
  // Every reason of protocol §6 is there for every mat, 0 until it happens.
  for (const auto reason : rejection_reasons()) {
    EXPECT_FALSE(std::isnan(p.value("pmap_frames_rejected_total",
                                    {{"mat", "chair-2"}, {"reason", std::string(reason)}})))
        << reason;
  }
  EXPECT_DOUBLE_EQ(p.value("pmap_mat_last_frame_age_seconds", {{"mat", "bed1"}}), 2.5);
  EXPECT_TRUE(std::isnan(p.value("pmap_mat_last_frame_age_seconds", {{"mat", "chair-2"}})));
  EXPECT_EQ(p.value("pmap_mqtt_connected"), 1);
  EXPECT_EQ(p.value("pmap_mqtt_published_total"), 42);
  EXPECT_EQ(p.value("process_resident_memory_bytes"), 12'345'678);
  EXPECT_EQ(p.value("pmap_frame_decode_seconds_count"), 2);
  EXPECT_EQ(p.value("pmap_frame_decode_seconds_bucket", {{"le", "5e-05"}}), 1);
  EXPECT_EQ(p.value("pmap_frame_decode_seconds_bucket", {{"le", "+Inf"}}), 2);
  EXPECT_EQ(p.value("pmap_frame_estimate_seconds_count"), 1);
  EXPECT_EQ(p.value("pmap_db_write_seconds_count"), 1);
  EXPECT_EQ(p.families.at("pmap_db_write_seconds").type, "histogram");
  // The database writer (docs/gateway.md, "When the database cannot be written").
  EXPECT_EQ(p.value("pmap_db_transactions_total"), 9);
  EXPECT_EQ(p.value("pmap_db_write_errors_total"), 3);
  EXPECT_EQ(p.value("pmap_db_write_failing"), 1);
  EXPECT_DOUBLE_EQ(p.value("pmap_db_write_failing_seconds"), 1.5);
  EXPECT_EQ(p.value("pmap_db_buffered_bytes"), 4096);
  EXPECT_EQ(p.value("pmap_db_buffer_max_bytes"), 65536);
  EXPECT_EQ(p.value("pmap_db_dropped_raw_frames_total"), 5);
  EXPECT_EQ(p.value("pmap_db_dropped_rows_total"), 2);
  // The processing queue (back-pressure), read live at the scrape.
  EXPECT_EQ(p.value("pmap_messages_queued"), 17);
  EXPECT_EQ(p.value("pmap_messages_queue_limit"), 20000);
  EXPECT_DOUBLE_EQ(p.value("pmap_mqtt_delivery_held_seconds_total"), 0.25);
  EXPECT_EQ(p.families.at("pmap_mqtt_delivery_held_seconds_total").type, "counter");
}

TEST(MetricsGateway, BuildFiguresAndProcessMemory) {
  EXPECT_FALSE(build_version().empty());
  EXPECT_TRUE(build_compiler().starts_with("gcc ") || build_compiler().starts_with("clang "));
  EXPECT_GT(resident_memory_bytes(), 1 << 20);
}

}  // namespace
}  // namespace pmap::metrics
