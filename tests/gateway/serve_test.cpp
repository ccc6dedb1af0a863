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
