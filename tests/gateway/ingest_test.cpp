#include <gtest/gtest.h>

#include "pmap/ingest.hpp"
#include "pmap/limits.hpp"
#include "test_util.hpp"

namespace pmap {
namespace {

using test::binary;
using test::bytes;
using test::kNowUs;
using test::meta_json;

class IngestTest : public ::testing::Test {
 protected:
  Ingest ingest;
  void SetUp() override {
    ASSERT_TRUE(ingest.on_meta("bed1", bytes(meta_json()), kNowUs).accepted);
  }
  std::size_t frame(std::uint32_t seq, std::int64_t ts = kNowUs) {
    return ingest.on_frame("bed1", binary(seq, ts), kNowUs).size();
  }
  std::uint64_t reason(const std::string& key) {
    const auto c = ingest.counters("bed1");
    const auto it = c.rejected_by_reason.find(key);
    return it == c.rejected_by_reason.end() ? 0 : it->second;
  }
};

TEST_F(IngestTest, EveryDecodeErrorCountedUnderItsKey) {
  auto good = binary(1);
  auto crc = good;
  crc.back() ^= 0xFF;
  auto magic = good;
  magic[0] = 'X';
  auto version = good;
  version[4] = 2;
  auto encoding = good;
  encoding[5] = 9;
  auto dims = good;
  dims[20] = 0;
  dims[21] = 0;
  auto longer = good;
  longer.push_back(0);
  auto truncated = std::vector<std::uint8_t>(good.begin(), good.begin() + 10);
  std::vector<std::uint8_t> huge(kMaxBinaryFrameBytes + 1, 'P');
  const std::vector<std::pair<std::vector<std::uint8_t>, std::string>> cases = {
      {{}, "empty"},
      {huge, "too_large"},
      {magic, "bad_magic"},
      {truncated, "truncated"},
      {longer, "length_mismatch"},
      {version, "bad_version"},
      {encoding, "bad_encoding"},
      {dims, "bad_dimensions"},
      {crc, "bad_crc"},
      {bytes("{\"v\":1,"), "bad_json"},
      {bytes(
           R"({"v":1,"seq":1,"ts_us":1700000000000000,"rows":4,"cols":3,"encoding":"u8","values":[0,0,0,0,0,0,0,0,0,0,0,300]})"),
       "value_out_of_range"},
  };
  for (const auto& [payload, key] : cases) {
    EXPECT_TRUE(ingest.on_frame("bed1", payload, kNowUs).empty()) << key;
    EXPECT_EQ(reason(key), 1U) << key;
  }
  const auto c = ingest.counters("bed1");
  EXPECT_EQ(c.received, cases.size());
  EXPECT_EQ(c.rejected, cases.size());
  EXPECT_EQ(c.accepted, 0U);
}

TEST_F(IngestTest, ShapeValueAndClockChecksAgainstMeta) {
  EXPECT_EQ(ingest.on_frame("bed1", binary(1, kNowUs, 3, 4), kNowUs).size(), 0U);
  EXPECT_EQ(reason("dimension_mismatch"), 1U);
  PressureFrame u8 = test::make_frame(2, kNowUs, 4, 3);
  u8.encoding = TaxelEncoding::kUint8;
  EXPECT_EQ(ingest.on_frame("bed1", encode_binary(u8), kNowUs).size(), 0U);
  EXPECT_EQ(reason("dimension_mismatch"), 2U);
  EXPECT_EQ(ingest.on_frame("bed1", binary(3, kNowUs, 4, 3, 1001), kNowUs).size(), 0U);
  EXPECT_EQ(reason("value_out_of_range"), 1U);
  EXPECT_EQ(ingest.on_frame("bed1", binary(4, kNowUs, 4, 3, 1000), kNowUs).size(), 1U);
  EXPECT_EQ(frame(5, kNowUs + 301'000'000), 0U);
  EXPECT_EQ(frame(6, kNowUs - 8LL * 24 * 3600 * 1'000'000), 0U);
  EXPECT_EQ(reason("clock_skew"), 2U);
  EXPECT_EQ(frame(7, kNowUs + 299'000'000), 1U);
  const auto c = ingest.counters("bed1");
  EXPECT_EQ(c.accepted, 2U);
  EXPECT_EQ(c.rejected, 5U);
  // Rejected frames do not take part in sequence tracking: 4 → 7 is a gap of 2 (5, 6).
  EXPECT_EQ(c.missing, 2U);
}

TEST_F(IngestTest, DuplicatesGapsLateFramesAndRestart) {
  // Timestamps consistent with 1 Hz so that the jump to 2000 is a gap, not a restart.
  auto at = [this](std::uint32_t seq) {
    return frame(seq, kNowUs - 3000000000LL + seq * 1000000LL);
  };
  EXPECT_EQ(at(10), 1U);
  EXPECT_EQ(at(10), 0U);
  EXPECT_EQ(reason("duplicate"), 1U);
  EXPECT_EQ(at(15), 1U);
  EXPECT_EQ(ingest.counters("bed1").missing, 4U);
  EXPECT_EQ(at(12), 1U);  // late frame fills a gap
  EXPECT_EQ(ingest.counters("bed1").missing, 3U);
  EXPECT_EQ(at(12), 0U);  // and is then a duplicate
  EXPECT_EQ(reason("duplicate"), 2U);
  // 1023 behind the newest: still in the window, not seen → late frame, accepted.
  EXPECT_EQ(at(2000), 1U);
  EXPECT_EQ(at(2000 - 1023), 1U);
  // More than 1024 back: a restart, accepted and counted.
  EXPECT_EQ(at(3), 1U);
  auto c = ingest.counters("bed1");
  EXPECT_EQ(c.sequence_restart, 1U);
  EXPECT_EQ(at(4), 1U);
  EXPECT_EQ(at(3), 0U);
  c = ingest.counters("bed1");
  EXPECT_EQ(c.rejected_by_reason.at("duplicate"), 3U);
  EXPECT_EQ(c.rejected, 3U);
}

TEST_F(IngestTest, SequenceWrapsAroundWithoutGapsOrRestart) {
  const std::uint32_t top = 0xFFFF'FFFEu;
  EXPECT_EQ(frame(top), 1U);
  EXPECT_EQ(frame(top + 1), 1U);
  EXPECT_EQ(frame(0), 1U);
  EXPECT_EQ(frame(1), 1U);
  EXPECT_EQ(frame(0xFFFF'FFFFu), 0U);  // duplicate across the wrap
  const auto c = ingest.counters("bed1");
  EXPECT_EQ(c.missing, 0U);
  EXPECT_EQ(c.sequence_restart, 0U);
  EXPECT_EQ(c.rejected_by_reason.at("duplicate"), 1U);
  EXPECT_EQ(frame(5), 1U);
  EXPECT_EQ(ingest.counters("bed1").missing, 3U);
}

TEST_F(IngestTest, HugeForwardJumpWithoutElapsedTimeIsARestart) {
  EXPECT_EQ(frame(100), 1U);
  EXPECT_EQ(frame(3'000'000), 1U);  // same timestamp: cannot be 3 million missing frames
  auto c = ingest.counters("bed1");
  EXPECT_EQ(c.sequence_restart, 1U);
  EXPECT_EQ(c.missing, 0U);
  // Whereas an hour offline at 1 Hz is a real gap.
  EXPECT_EQ(frame(3'003'600, kNowUs + 3600LL * 1'000'000 - 1000), 0U);  // (future → clock_skew)
  EXPECT_EQ(ingest
                .on_frame("bed1", binary(3'003'600, kNowUs + 3600LL * 1'000'000),
                          kNowUs + 3600LL * 1'000'000)
                .size(),
            1U);
  c = ingest.counters("bed1");
  EXPECT_EQ(c.missing, 3599U);
}

// A mat that reboots 10 minutes into the night starts again at 0: its new numbers were all seen
// within the last 1024, yet its frames are newer than the newest one — a restart, not 600
// duplicates (before this was fixed, every frame up to the old newest number was rejected).
// A true copy (the same frame redelivered, its own timestamp) stays a duplicate.
TEST_F(IngestTest, MatRebootingInItsFirst1024FramesIsARestartNotDuplicates) {
  const std::int64_t t0 = kNowUs - 3600LL * 1'000'000;
  for (std::uint32_t seq = 0; seq < 600; ++seq) ASSERT_EQ(frame(seq, t0 + seq * 1'000'000LL), 1U);
  EXPECT_EQ(frame(5, t0 + 5 * 1'000'000LL), 0U);  // a redelivered copy
  EXPECT_EQ(reason("duplicate"), 1U);
  const std::int64_t t1 = t0 + 630LL * 1'000'000;  // back after a 30 s reboot
  for (std::uint32_t seq = 0; seq < 600; ++seq) EXPECT_EQ(frame(seq, t1 + seq * 1'000'000LL), 1U);
  auto c = ingest.counters("bed1");
  EXPECT_EQ(c.sequence_restart, 1U);
  EXPECT_EQ(c.accepted, 1200U);
  EXPECT_EQ(c.missing, 0U);
  EXPECT_EQ(reason("duplicate"), 1U);
  // Copies of the frames before and after the reboot are still duplicates.
  EXPECT_EQ(frame(3, t1 + 3 * 1'000'000LL), 0U);
  EXPECT_EQ(frame(599, t1 + 599 * 1'000'000LL), 0U);
  EXPECT_EQ(reason("duplicate"), 3U);
}

// The mat's clock steps (NTP) back and forward by an hour mid-night: the sequence numbers go on,
// so no frame is lost or taken as a duplicate or a restart; only a step beyond the clock_skew
// limits (5 min ahead of the gateway) is rejected as clock_skew.
TEST_F(IngestTest, MatClockSteppingBackAndForwardLosesNoFrame) {
  const std::int64_t t0 = kNowUs - 3LL * 3600 * 1'000'000;
  std::uint32_t seq = 100;
  std::int64_t ts = t0;
  auto next = [&](std::int64_t step_us = 1'000'000) {
    ts += step_us;
    return frame(seq++, ts);
  };
  for (int i = 0; i < 100; ++i) ASSERT_EQ(next(), 1U);
  EXPECT_EQ(next(-3600LL * 1'000'000), 1U);  // one hour back
  for (int i = 0; i < 100; ++i) ASSERT_EQ(next(), 1U);
  EXPECT_EQ(next(2 * 3600LL * 1'000'000), 1U);  // two hours forward (an hour ahead of before)
  for (int i = 0; i < 100; ++i) ASSERT_EQ(next(), 1U);
  auto c = ingest.counters("bed1");
  EXPECT_EQ(c.accepted, 302U);
  EXPECT_EQ(c.rejected, 0U);
  EXPECT_EQ(c.missing, 0U);
  EXPECT_EQ(c.sequence_restart, 0U);
  // A step to 10 minutes ahead of the gateway's clock: clock_skew, and nothing else changes.
  EXPECT_EQ(frame(seq, kNowUs + 600LL * 1'000'000), 0U);
  EXPECT_EQ(reason("clock_skew"), 1U);
  EXPECT_EQ(frame(seq + 1, ts + 2'000'000), 1U);
  EXPECT_EQ(ingest.counters("bed1").missing, 1U);  // the skewed one counts as a gap
}

// The gateway's own wall clock stepping (NTP) while the mat's is right: only the clock_skew check
// reads it. Ahead (it steps back to the truth later): frames look older, still inside the 7-day
// limit, all accepted. An hour behind (e.g. a board without RTC booting before NTP): frames look
// an hour in the future, beyond clock_skew_future_s (5 min): rejected as clock_skew — counted, not
// stored — until the clock steps forward; the sequence then counts them as missing.
TEST_F(IngestTest, GatewayClockSteppingOnlyMovesTheClockSkewWindow) {
  const std::int64_t hour = 3600LL * 1'000'000;
  std::uint32_t seq = 0;
  auto at = [&](std::int64_t mat_ts, std::int64_t gateway_now) {
    return ingest.on_frame("bed1", binary(seq++, mat_ts), gateway_now).size();
  };
  for (int i = 0; i < 10; ++i) EXPECT_EQ(at(kNowUs + i * 1'000'000LL, kNowUs + hour), 1U);
  for (int i = 10; i < 20; ++i) EXPECT_EQ(at(kNowUs + i * 1'000'000LL, kNowUs - hour), 0U);
  for (int i = 20; i < 30; ++i)
    EXPECT_EQ(at(kNowUs + i * 1'000'000LL, kNowUs + i * 1'000'000LL), 1U);
  const auto c = ingest.counters("bed1");
  EXPECT_EQ(c.accepted, 20U);
  EXPECT_EQ(reason("clock_skew"), 10U);
  EXPECT_EQ(c.missing, 10U);
  EXPECT_EQ(c.sequence_restart, 0U);
}

TEST_F(IngestTest, CanonicalTransformAppliedForTurnedRoundMat) {
  ASSERT_TRUE(ingest.on_meta("bed2", bytes(meta_json("bed", 2, 3, "foot")), kNowUs).accepted);
  PressureFrame f = test::make_frame(1, kNowUs, 2, 3);
  f.values = {1, 2, 3, 4, 5, 6};
  const auto out = ingest.on_frame("bed2", encode_binary(f), kNowUs);
  ASSERT_EQ(out.size(), 1U);
  EXPECT_EQ(out[0].canonical.values, (std::vector<std::uint16_t>{6, 5, 4, 3, 2, 1}));
}

TEST(Ingest, MetaLateFramesHeldThenProcessedInOrder) {
  Ingest ingest;
  for (std::uint32_t s = 1; s <= 5; ++s) {
    EXPECT_TRUE(ingest.on_frame("m", binary(s), kNowUs).empty());
  }
  EXPECT_EQ(ingest.held_frames("m"), 5U);
  auto outcome = ingest.on_meta("m", bytes(meta_json()), kNowUs + 1'000'000);
  ASSERT_TRUE(outcome.accepted);
  ASSERT_EQ(outcome.released.size(), 5U);
  for (std::uint32_t i = 0; i < 5; ++i) EXPECT_EQ(outcome.released[i].canonical.sequence, i + 1);
  const auto c = ingest.counters("m");
  EXPECT_EQ(c.accepted, 5U);
  EXPECT_EQ(c.received, 5U);
  EXPECT_EQ(c.rejected, 0U);
  EXPECT_EQ(ingest.held_frames("m"), 0U);
}

TEST(Ingest, MetaNeverComesFramesDroppedAsNoMeta) {
  Ingest ingest;
  for (std::uint32_t s = 1; s <= 70; ++s) {
    EXPECT_TRUE(ingest.on_frame("m", binary(s), kNowUs).empty());
  }
  EXPECT_EQ(ingest.held_frames("m"), 64U);
  EXPECT_EQ(ingest.counters("m").rejected_by_reason.at("no_meta"), 6U);
  ingest.housekeeping(kNowUs + 119'000'000);
  EXPECT_EQ(ingest.held_frames("m"), 64U);
  ingest.housekeeping(kNowUs + 121'000'000);
  EXPECT_EQ(ingest.held_frames("m"), 0U);
  const auto c = ingest.counters("m");
  EXPECT_EQ(c.rejected_by_reason.at("no_meta"), 70U);
  EXPECT_EQ(c.rejected, 70U);
  EXPECT_EQ(c.accepted, 0U);
}

// After a restart the broker delivers the frames it queued for the gateway before the retained
// meta: the meta stored in the database is in force meanwhile, so none of them is held or lost.
TEST(Ingest, StoredMetaTakesTheQueuedFramesUntilTheLiveMetaArrives) {
  Ingest ingest;
  EXPECT_EQ(ingest.restore_meta("m", meta_json()), "");
  for (std::uint32_t s = 1; s <= 200; ++s) {
    EXPECT_EQ(ingest.on_frame("m", binary(s, kNowUs + s), kNowUs).size(), 1U) << s;
  }
  EXPECT_EQ(ingest.held_frames("m"), 0U);
  auto c = ingest.counters("m");
  EXPECT_EQ(c.accepted, 200U);
  EXPECT_EQ(c.rejected, 0U);
  EXPECT_EQ(c.meta_updates, 0U);  // a stored meta is not a meta the mat sent
  // The live meta, equal to the stored one, still counts as new (logged, stored, announced).
  const auto live = ingest.on_meta("m", bytes(meta_json()), kNowUs);
  EXPECT_TRUE(live.accepted);
  EXPECT_TRUE(live.changed);
  EXPECT_FALSE(ingest.on_meta("m", bytes(meta_json()), kNowUs).changed);
  // A stored meta never replaces a live one, and one that does not parse is refused uncounted.
  EXPECT_EQ(ingest.restore_meta("m", meta_json("bed", 2, 2)), "");
  EXPECT_EQ(ingest.meta("m")->rows, 4);
  EXPECT_NE(ingest.restore_meta("n", "{not json"), "");
  EXPECT_EQ(ingest.meta("n"), nullptr);
  EXPECT_EQ(ingest.counters("n").bad_meta, 0U);
}

TEST(Ingest, BadMetaCountedAndPreviousKept) {
  Ingest ingest;
  auto r = ingest.on_meta("m", bytes("{not json"), kNowUs);
  EXPECT_FALSE(r.accepted);
  EXPECT_FALSE(r.error.empty());
  EXPECT_EQ(ingest.meta("m"), nullptr);
  ASSERT_TRUE(ingest.on_meta("m", bytes(meta_json("bed", 4, 3)), kNowUs).accepted);
  EXPECT_FALSE(ingest.on_meta("m", bytes(meta_json("sofa", 8, 8)), kNowUs).accepted);
  EXPECT_FALSE(ingest.on_meta("m", bytes(meta_json("bed", 300, 3)), kNowUs).accepted);
  ASSERT_NE(ingest.meta("m"), nullptr);
  EXPECT_EQ(ingest.meta("m")->rows, 4);
  EXPECT_EQ(ingest.counters("m").bad_meta, 3U);
  EXPECT_EQ(ingest.on_frame("m", binary(1), kNowUs).size(), 1U);
  // A valid meta identical to the current one is not a change.
  const auto again = ingest.on_meta("m", bytes(meta_json("bed", 4, 3)), kNowUs);
  EXPECT_TRUE(again.accepted);
  EXPECT_FALSE(again.changed);
}

TEST(Ingest, TooManyMatsCountedGloballyOthersUnaffected) {
  IngestConfig cfg;
  cfg.max_mats = 2;
  Ingest ingest(cfg);
  ASSERT_TRUE(ingest.on_meta("a", bytes(meta_json()), kNowUs).accepted);
  ASSERT_TRUE(ingest.on_meta("b", bytes(meta_json()), kNowUs).accepted);
  EXPECT_TRUE(ingest.on_frame("c", binary(1), kNowUs).empty());
  EXPECT_FALSE(ingest.on_meta("c", bytes(meta_json()), kNowUs).accepted);
  EXPECT_EQ(ingest.too_many_mats(), 2U);
  EXPECT_EQ(ingest.mat_ids().size(), 2U);
  EXPECT_EQ(ingest.on_frame("a", binary(1), kNowUs).size(), 1U);
}

TEST(Ingest, RejectionLoggingIsRateLimitedWithSuppressedCount) {
  std::vector<std::string> lines;
  Logger logger(LogLevel::kInfo, [&](LogLevel, std::string_view l) { lines.emplace_back(l); });
  Ingest ingest({}, &logger);
  ASSERT_TRUE(ingest.on_meta("m", bytes(meta_json()), kNowUs).accepted);
  lines.clear();
  for (int i = 0; i < 100; ++i) (void)ingest.on_frame("m", {}, kNowUs);
  (void)ingest.on_frame("m", bytes("x"), kNowUs);
  EXPECT_EQ(lines.size(), 2U);  // one per reason
  EXPECT_EQ(ingest.counters("m").rejected, 101U);
  LogRateLimiter lim(std::chrono::seconds(10));
  const auto t0 = LogRateLimiter::Clock::now();
  EXPECT_EQ(lim.allow("m", "r", t0), 0U);
  EXPECT_FALSE(lim.allow("m", "r", t0 + std::chrono::seconds(1)).has_value());
  EXPECT_FALSE(lim.allow("m", "r", t0 + std::chrono::seconds(2)).has_value());
  EXPECT_EQ(lim.allow("m", "r", t0 + std::chrono::seconds(11)), 2U);
}

// --- per-mat frame rate limit (docs/protocol.md §6, rate_limited) ---------------------------

IngestConfig limited(double rate_hz, double burst) {
  IngestConfig cfg;
  cfg.max_frame_rate_hz = rate_hz;
  cfg.max_frame_burst = burst;
  return cfg;
}

std::uint64_t rejected_for(const Ingest& ingest, std::string_view mat, const std::string& why) {
  const auto c = ingest.counters(mat);
  const auto it = c.rejected_by_reason.find(why);
  return it == c.rejected_by_reason.end() ? 0 : it->second;
}

TEST(IngestRateLimit, FloodWithHonestTimestampsIsCutToTheRateOthersUnaffected) {
  Ingest ingest(limited(10, 20));
  ASSERT_TRUE(ingest.on_meta("flood", bytes(meta_json()), kNowUs).accepted);
  ASSERT_TRUE(ingest.on_meta("honest", bytes(meta_json()), kNowUs).accepted);
  // 2 s: the flooding mat sends 1000 frames/s, stamped when sent; the honest one 10 frames/s.
  std::size_t flood_accepted = 0, honest_accepted = 0;
  for (std::uint32_t i = 0; i < 2000; ++i) {
    const std::int64_t now = kNowUs + std::int64_t{i} * 1000;
    flood_accepted += ingest.on_frame("flood", binary(i, now), now).size();
    if (i % 100 == 0)
      honest_accepted += ingest.on_frame("honest", binary(i / 100, now), now).size();
  }
  // burst 20 + 10 Hz × 2 s (the last fraction of a token may be missing)
  EXPECT_GE(flood_accepted, 39U);
  EXPECT_LE(flood_accepted, 40U);
  EXPECT_EQ(rejected_for(ingest, "flood", "rate_limited"), 2000U - flood_accepted);
  EXPECT_EQ(ingest.counters("flood").received, 2000U);
  EXPECT_EQ(honest_accepted, 20U);
  EXPECT_EQ(ingest.counters("honest").rejected, 0U);
}

TEST(IngestRateLimit, CatchUpOfOldFramesArrivingAtOnceIsNotLimited) {
  // A mat's offline buffer (or the broker's queue for the gateway, or pmap-sim --speed max):
  // an hour of 10 Hz frames, timestamps in the past, all arriving within the same instant.
  Ingest ingest(limited(20, 20));
  ASSERT_TRUE(ingest.on_meta("m", bytes(meta_json()), kNowUs).accepted);
  const std::int64_t start = kNowUs - 3600LL * 1'000'000;
  std::size_t accepted = 0;
  for (std::uint32_t i = 0; i < 36'000; ++i)
    accepted += ingest.on_frame("m", binary(i, start + std::int64_t{i} * 100'000), kNowUs).size();
  EXPECT_EQ(accepted, 36'000U);
  EXPECT_EQ(ingest.counters("m").rejected, 0U);
  // The same as JSON frames (their timestamp is known only after parsing).
  Ingest json_ingest(limited(20, 20));
  ASSERT_TRUE(json_ingest.on_meta("m", bytes(meta_json()), kNowUs).accepted);
  accepted = 0;
  for (std::uint32_t i = 0; i < 2000; ++i) {
    const std::string frame = R"({"v":1,"seq":)" + std::to_string(i) + R"(,"ts_us":)" +
                              std::to_string(start + std::int64_t{i} * 100'000) +
                              R"(,"rows":4,"cols":3,"values":[0,0,0,0,0,0,0,0,0,0,0,0]})";
    accepted += json_ingest.on_frame("m", bytes(frame), kNowUs).size();
  }
  EXPECT_EQ(accepted, 2000U);
}

TEST(IngestRateLimit, CatchUpInterleavedWithLiveFramesIsNotLimited) {
  // A mat drains its offline buffer (10 min at 10 Hz, stamped in the past) while it goes on
  // sending live frames stamped now, all within one second of the gateway's clock.
  Ingest ingest(limited(20, 20));
  ASSERT_TRUE(ingest.on_meta("m", bytes(meta_json()), kNowUs).accepted);
  const std::int64_t start = kNowUs - 600LL * 1'000'000;
  std::size_t accepted = 0;
  std::uint32_t seq = 0;
  for (std::uint32_t i = 0; i < 6000; ++i) {
    const std::int64_t now = kNowUs + std::int64_t{i} * 150;  // 0.9 s in all
    if (i % 600 == 0) accepted += ingest.on_frame("m", binary(100'000 + seq++, now), now).size();
    accepted += ingest.on_frame("m", binary(i, start + std::int64_t{i} * 100'000), now).size();
  }
  EXPECT_EQ(accepted, 6000U + 10U);
  EXPECT_EQ(ingest.counters("m").rejected, 0U);
}

TEST(IngestRateLimit, RepeatedAndFutureTimestampsEarnNothing) {
  Ingest ingest(limited(10, 50));
  ASSERT_TRUE(ingest.on_meta("m", bytes(meta_json()), kNowUs).accepted);
  // Frames 1 s apart in their timestamps but running ahead of the gateway clock (within the
  // 5-min clock-skew allowance): a forged clock cannot buy frames in advance.
  std::size_t accepted = 0;
  for (std::uint32_t i = 0; i < 200; ++i)
    accepted +=
        ingest.on_frame("m", binary(i, kNowUs + std::int64_t{i} * 1'000'000), kNowUs).size();
  EXPECT_EQ(accepted, 50U);
  EXPECT_EQ(rejected_for(ingest, "m", "rate_limited"), 150U);
  EXPECT_EQ(rejected_for(ingest, "m", "clock_skew"), 0U);  // limited before the later checks
  // One second later on the gateway clock: 10 more.
  accepted = 0;
  for (std::uint32_t i = 200; i < 300; ++i)
    accepted += ingest.on_frame("m", binary(i, kNowUs), kNowUs + 1'000'000).size();
  EXPECT_EQ(accepted, 10U);
}

TEST(IngestRateLimit, AMatWhoseClockSteppedBackIsNotStarved) {
  // SNTP corrected the mat's clock a minute back: its timestamps repeat older ones, but it still
  // gets max_frame_rate_hz in the gateway's time.
  Ingest ingest(limited(20, 10));
  ASSERT_TRUE(ingest.on_meta("m", bytes(meta_json()), kNowUs).accepted);
  std::size_t accepted = 0;
  for (std::uint32_t i = 0; i < 600; ++i) {
    const std::int64_t now = kNowUs + std::int64_t{i} * 100'000;
    const std::int64_t stamp = i < 100 ? now : now - 60'000'000;
    accepted += ingest.on_frame("m", binary(i, stamp), now).size();
  }
  EXPECT_EQ(accepted, 600U);
}

TEST(IngestRateLimit, FloodsOfGarbageAndJsonAreRejectedWithoutParsing) {
  Ingest ingest(limited(10, 20));
  ASSERT_TRUE(ingest.on_meta("m", bytes(meta_json()), kNowUs).accepted);
  for (int i = 0; i < 1000; ++i) (void)ingest.on_frame("m", bytes("{not json"), kNowUs);
  // The first 20 were parsed (bad_json); the rest were refused before the parser saw them.
  EXPECT_EQ(rejected_for(ingest, "m", "bad_json"), 20U);
  EXPECT_EQ(rejected_for(ingest, "m", "rate_limited"), 980U);
  // A flood of binary frames with bad CRCs: their header is enough to refuse them.
  Ingest binary_flood(limited(10, 20));
  ASSERT_TRUE(binary_flood.on_meta("m", bytes(meta_json()), kNowUs).accepted);
  auto broken = binary(1);
  broken.back() ^= 0xFF;
  for (int i = 0; i < 1000; ++i) (void)binary_flood.on_frame("m", broken, kNowUs);
  EXPECT_EQ(rejected_for(binary_flood, "m", "bad_crc"), 20U);
  EXPECT_EQ(rejected_for(binary_flood, "m", "rate_limited"), 980U);
}

TEST(IngestRateLimit, OffByDefaultInTheLibrary) {
  Ingest ingest;  // tools replaying files and the other tests are never limited
  ASSERT_TRUE(ingest.on_meta("m", bytes(meta_json()), kNowUs).accepted);
  std::size_t accepted = 0;
  for (std::uint32_t i = 0; i < 5000; ++i)
    accepted += ingest.on_frame("m", binary(i + 1, kNowUs), kNowUs).size();
  EXPECT_EQ(accepted, 5000U);
}

TEST(Ingest, ThousandsOfUnknownMatIdsKeepTrackedMatsBounded) {
  Ingest ingest;  // max_mats 1024
  ASSERT_TRUE(ingest.on_meta("known", bytes(meta_json()), kNowUs).accepted);
  for (int i = 0; i < 5000; ++i) {
    const std::string id = "invented" + std::to_string(i);
    (void)ingest.on_meta(id, bytes(meta_json()), kNowUs);
    (void)ingest.on_frame(id, binary(1), kNowUs);
  }
  EXPECT_EQ(ingest.mat_ids().size(), 1024U);
  // 1023 invented ids fit; the other 3977 are refused, each for its meta and its frame.
  EXPECT_EQ(ingest.too_many_mats(), 2U * 3977U);
  EXPECT_EQ(ingest.on_frame("known", binary(1), kNowUs).size(), 1U);
  EXPECT_EQ(ingest.counters("known").accepted, 1U);
}

TEST(Ingest, ReasonKeysAreExactlyThoseOfTheProtocol) {
  const std::vector<std::string_view> expected = {
      "empty",         "too_large",          "bad_magic",
      "truncated",     "length_mismatch",    "bad_version",
      "bad_encoding",  "bad_dimensions",     "bad_crc",
      "bad_json",      "value_out_of_range", "dimension_mismatch",
      "duplicate",     "clock_skew",         "no_meta",
      "too_many_mats", "rate_limited"};
  const auto r = rejection_reasons();
  EXPECT_EQ(std::vector<std::string_view>(r.begin(), r.end()), expected);
  for (int e = 0; e <= static_cast<int>(DecodeError::kValueOutOfRange); ++e) {
    const auto name = reason_name(static_cast<DecodeError>(e));
    EXPECT_NE(std::find(r.begin(), r.end(), name), r.end()) << name;
  }
}

}  // namespace
}  // namespace pmap
