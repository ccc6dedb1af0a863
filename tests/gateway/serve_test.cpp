#include <gtest/gtest.h>

#include "pmap/serve.hpp"
#include "test_util.hpp"

namespace pmap {
namespace {

TEST(Serve, StateJsonMatchesProtocolSection7) {
  const MatDescriptor mat = *parse_meta("bed1", test::meta_json("bed", 4, 3)).descriptor;
  FrameFeatures f;
  f.timestamp_us = 1'700'000'000'000'000;
  f.occupied = true;
  f.load_raw = 152340;
  f.force_n = 702.5;
  f.contact_area_cm2 = 3120.4;
  f.cop = CentreOfPressure{27.4, 15.2, 449.1, 798.0};
  MatCounters c;
  c.received = 28800;
  c.accepted = 28790;
  c.rejected = 10;
  c.missing = 3;
  c.rejected_by_reason = {{"bad_crc", 4}, {"truncated", 6}};
  const auto expected = nlohmann::json::parse(R"({
    "v": 1, "mat": "bed1", "kind": "bed", "ts_us": 1700000000000000, "occupied": true,
    "total_load": {"raw": 152340, "force_n": 702.5},
    "contact_area_cm2": 3120.4,
    "cop": {"row": 27.4, "col": 15.2, "x_mm": 449.1, "y_mm": 798.0},
    "calibrated": false,
    "frames": {"received": 28800, "accepted": 28790, "rejected": 10, "missing": 3,
               "rejected_by_reason": {"bad_crc": 4, "truncated": 6}}})");
  const auto state = make_state_json(mat, f, c);
  EXPECT_EQ(state, expected) << state.dump(2);
  EXPECT_EQ(nlohmann::json::parse(dump_state(state)), expected);

  FrameFeatures empty;
  const auto s2 = make_state_json(mat, empty, MatCounters{});
  EXPECT_TRUE(s2["cop"].is_null());
  EXPECT_TRUE(s2["total_load"]["force_n"].is_null());
  EXPECT_FALSE(s2["occupied"].get<bool>());
  EXPECT_TRUE(s2["frames"]["rejected_by_reason"].is_object());
  EXPECT_TRUE(s2["frames"]["rejected_by_reason"].empty());
}

TEST(Serve, ThrottleOncePerIntervalPlusOccupancyChanges) {
  using namespace std::chrono_literals;
  StateThrottle t(1000ms);
  const auto t0 = StateThrottle::Clock::now();
  ASSERT_TRUE(t.offer("m", false, t0));
  t.published("m", false, t0);
  EXPECT_FALSE(t.offer("m", false, t0 + 100ms));
  EXPECT_FALSE(t.due("m", t0 + 500ms));
  EXPECT_TRUE(t.offer("m", true, t0 + 600ms));  // occupancy changed: immediately
  t.published("m", true, t0 + 600ms);
  EXPECT_FALSE(t.offer("m", true, t0 + 700ms));
  EXPECT_EQ(t.pending(), std::vector<std::string>{"m"});
  EXPECT_FALSE(t.due("m", t0 + 1500ms));
  EXPECT_TRUE(t.due("m", t0 + 1600ms));
  EXPECT_TRUE(t.pending().empty());
}

// A 10 Hz mat (frames 100 ms apart, a little jitter) with the gateway's 250-ms state timer: every
// state must be published on the arrival of a frame, not later by the timer (which would describe
// a frame up to one period old), and still at most about once per interval.
TEST(Serve, ThrottlePublishesOnTheFrameNotLateFromTheTimer) {
  using namespace std::chrono_literals;
  StateThrottle t(1000ms);
  const auto t0 = StateThrottle::Clock::now();
  int on_frame = 0, from_timer = 0;
  auto next_timer = t0 + 130ms;  // any phase
  for (int i = 0; i < 600; ++i) {
    // Jitter of -3..+3 ms around the nominal time, deterministic.
    const auto at = t0 + i * 100ms + std::chrono::milliseconds((i * 37) % 7 - 3);
    while (next_timer < at) {
      if (t.due("m", next_timer)) {
        t.published("m", true, next_timer);
        ++from_timer;
      }
      next_timer += 250ms;
    }
    if (t.offer("m", true, at)) {
      t.published("m", true, at);
      ++on_frame;
    }
  }
  EXPECT_EQ(from_timer, 0);
  EXPECT_GE(on_frame, 55);  // 60 s at about 1 Hz
  EXPECT_LE(on_frame, 67);  // at most one per 0.9 interval
}

TEST(Serve, ThrottleRepublishesWhenOnlyCountersChange) {
  using namespace std::chrono_literals;
  StateThrottle t(1000ms);
  const auto t0 = StateThrottle::Clock::now();
  t.counters_changed("never-published");
  EXPECT_TRUE(t.pending().empty());
  ASSERT_TRUE(t.offer("m", true, t0));
  t.published("m", true, t0);
  t.counters_changed("m");  // a rejected frame after the last good one
  EXPECT_FALSE(t.due("m", t0 + 500ms));
  EXPECT_TRUE(t.due("m", t0 + 1000ms));
}

}  // namespace
}  // namespace pmap
