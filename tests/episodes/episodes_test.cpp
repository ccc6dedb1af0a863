#include "pmap/episodes.hpp"

#include <gtest/gtest.h>

namespace pmap {
namespace {

constexpr std::int64_t kS = 1'000'000;  // one second in µs

TEST(LabelStream, BlipsShorterThanTheDwellDoNotSplitAnEpisode) {
  LabelStream s("bed1", "position", 30 * kS);
  for (int t = 0; t < 100; ++t) {
    // 10 s of "left" in the middle of "supine": a turn that did not happen.
    const bool blip = t >= 40 && t < 50;
    EXPECT_FALSE(s.add(t * kS, blip ? "left" : "supine"));
  }
  const auto e = s.close();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->label, "supine");
  EXPECT_EQ(e->start_us, 0);
  EXPECT_EQ(e->end_us, 99 * kS);
  EXPECT_EQ(e->frames, 100u);
}

TEST(LabelStream, ALabelHeldForTheDwellStartsAtItsFirstFrame) {
  LabelStream s("bed1", "position", 30 * kS);
  std::optional<Episode> closed;
  for (int t = 0; t < 200; ++t) {
    auto e = s.add(t * kS, t < 100 ? "supine" : "left");
    if (e) {
      EXPECT_FALSE(closed) << "only one episode closes";
      closed = e;
      EXPECT_EQ(t, 130) << "closed once 'left' held 30 s";
    }
  }
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->label, "supine");
  EXPECT_EQ(closed->end_us, 99 * kS);
  EXPECT_EQ(closed->frames, 100u);
  ASSERT_TRUE(s.current());
  EXPECT_EQ(s.current()->label, "left");
  EXPECT_EQ(s.current()->start_us, 100 * kS);
  EXPECT_EQ(s.current()->frames, 100u);  // t = 100 … 199
}

TEST(LabelStream, LowConfidenceFramesAreIgnoredAndMeanConfidenceKept) {
  LabelStream s("bed1", "position", 5 * kS, 0.6);
  s.add(0, "right", 0.9);
  s.add(1 * kS, "prone", 0.3);  // ignored
  s.add(2 * kS, "right", 0.7);
  const auto e = s.close();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->frames, 2u);
  EXPECT_NEAR(e->mean_confidence, 0.8, 1e-12);
  EXPECT_FALSE(s.close());
}

TEST(LabelStream, OutOfOrderFramesAreIgnored) {
  LabelStream s("m", "presence", 5 * kS);
  s.add(10 * kS, "in_bed");
  s.add(5 * kS, "out_of_bed");
  EXPECT_EQ(s.close()->frames, 1u);
}

TEST(MatEpisodes, NightWithTurnsAndABedExit) {
  MatEpisodes m("bed1", /*is_bed=*/true);
  std::vector<Episode> all;
  std::int64_t t = 0;
  auto run = [&](int seconds, bool occupied, const char* position, double movement = 0.05) {
    for (int i = 0; i < seconds; ++i, t += kS) {
      FrameLabels f{.timestamp_us = t, .occupied = occupied, .movement = movement};
      f.position_confidence = 0.9;
      if (position) f.position = position;
      for (auto& e : m.add(f)) all.push_back(e);
    }
  };
  run(120, false, nullptr);        // empty bed
  run(600, true, "supine");        // 10 min supine
  run(10, true, "left");           // a blip
  run(2400, true, "left", 0.001);  // 40 min still on the left side
  run(300, false, nullptr);        // 5 min out of bed
  run(600, true, "right");
  for (auto& e : m.close()) all.push_back(e);

  std::vector<std::string> presence, position, still;
  for (const auto& e : all) {
    if (e.stream == "presence") presence.push_back(e.label);
    if (e.stream == "position") position.push_back(e.label);
    if (e.stream == "activity") still.push_back(e.label);
  }
  EXPECT_EQ(presence, (std::vector<std::string>{"out_of_bed", "in_bed", "out_of_bed", "in_bed"}));
  EXPECT_EQ(position, (std::vector<std::string>{"supine", "left", "right"}));
  EXPECT_EQ(still, (std::vector<std::string>{"still"})) << "only the long still period is kept";
  // The left-side episode ends with the last frame before the person got up.
  for (const auto& e : all) {
    if (e.stream == "position" && e.label == "left") {
      EXPECT_EQ(e.start_us, 720 * kS);
      EXPECT_EQ(e.end_us, (720 + 2410 - 1) * kS);
    }
  }
}

TEST(MatEpisodes, KneePillowSlipIsAnEpisodeOnlyWhenItLastsMinutes) {
  MatEpisodes m("bed1", /*is_bed=*/true);
  std::vector<Episode> knee;
  std::int64_t t = 0;
  auto run = [&](int seconds, const char* state) {
    for (int i = 0; i < seconds; ++i, t += kS) {
      FrameLabels f{.timestamp_us = t,
                    .occupied = true,
                    .movement = 0.05,
                    .position = "left",
                    .position_confidence = 0.9,
                    .knee = state,
                    .knee_confidence = 0.8};
      for (auto& e : m.add(f)) {
        if (e.stream == "knee") knee.push_back(e);
      }
    }
  };
  run(600, "aligned");
  run(60, "dropped");  // a minute of shifting: not a slip
  run(600, "aligned");
  run(900, "dropped");  // 15 min with the top knee on the mattress: a slip
  for (auto& e : m.close()) {
    if (e.stream == "knee") knee.push_back(e);
  }
  ASSERT_EQ(knee.size(), 2u);
  EXPECT_EQ(knee[0].label, "aligned");
  EXPECT_EQ(knee[0].start_us, 0);
  EXPECT_EQ(knee[0].end_us, (1260 - 1) * kS);
  EXPECT_EQ(knee[1].label, "dropped");
  EXPECT_NEAR(knee[1].seconds(), 899, 1e-9);
}

TEST(MatEpisodes, ChairSittingBoutsAndBreaks) {
  MatEpisodes m("chair1", /*is_bed=*/false);
  std::vector<Episode> all;
  std::int64_t t = 0;
  for (int bout = 0; bout < 3; ++bout) {
    for (int i = 0; i < 1800; ++i, t += kS) {
      for (auto& e : m.add({.timestamp_us = t, .occupied = true, .movement = 0.05}))
        all.push_back(e);
    }
    for (int i = 0; i < 300; ++i, t += kS) {
      for (auto& e : m.add({.timestamp_us = t, .occupied = false})) all.push_back(e);
    }
  }
  for (auto& e : m.close()) all.push_back(e);
  int bouts = 0, breaks = 0;
  for (const auto& e : all) {
    if (e.stream != "presence") continue;
    bouts += e.label == "sitting";
    breaks += e.label == "away";
    if (e.label == "sitting") {
      EXPECT_NEAR(e.seconds(), 1799, 1e-9);
    }
  }
  EXPECT_EQ(bouts, 3);
  EXPECT_EQ(breaks, 3);
}

}  // namespace
}  // namespace pmap
