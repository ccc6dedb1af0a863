// The causal HMM filter over the bed engine's positions (docs/analyze.md, "Smoothing").
#include "pmap/posture/position_smoother.hpp"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace pmap::posture {
namespace {

using Probabilities = std::array<double, kSleepPositionCount>;

// Index order is SleepPosition's: supine, prone, left, right.
constexpr Probabilities kSupine{0.99, 0.005, 0.0025, 0.0025};
constexpr Probabilities kLeft{0.03, 0.035, 0.9, 0.035};

std::vector<SmoothedLabel> run(PositionSmoother& s, const std::vector<Probabilities>& frames,
                               double dt = 1.0, double t0 = 0.0) {
  std::vector<SmoothedLabel> out;
  for (std::size_t i = 0; i < frames.size(); ++i) {
    out.push_back(s.observe(frames[i], t0 + dt * static_cast<double>(i)).label);
  }
  return out;
}

TEST(PositionSmoother, FirstFrameStartsFromAUniformPrior) {
  PositionSmoother s;
  const SmoothedPosition first = s.observe(kLeft, 0.0);
  EXPECT_EQ(first.label, SmoothedLabel::kLeft);
  EXPECT_NEAR(first.confidence, 0.9, 1e-12);
  double sum = 0;
  for (double p : first.probabilities) sum += p;
  EXPECT_NEAR(sum, 1.0, 1e-12);
}

TEST(PositionSmoother, CleanTurnFollowedWithinThreeFramesAt1Hz) {
  PositionSmoother s;
  std::vector<Probabilities> frames(20, kSupine);
  frames.insert(frames.end(), 6, kLeft);
  const auto labels = run(s, frames);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(labels[i], SmoothedLabel::kSupine) << i;
  // The turn is at frame 20: not on its first frame (that could be an outlier), by its third.
  EXPECT_EQ(labels[20], SmoothedLabel::kSupine);
  EXPECT_EQ(labels[22], SmoothedLabel::kLeft);
  for (int i = 22; i < 26; ++i) EXPECT_EQ(labels[i], SmoothedLabel::kLeft) << i;
  // A perfectly clean turn (p = 1) is followed on its second frame.
  PositionSmoother clean;
  std::vector<Probabilities> sharp(20, kSupine);
  sharp.insert(sharp.end(), 3, Probabilities{0, 0, 1, 0});
  EXPECT_EQ(run(clean, sharp)[21], SmoothedLabel::kLeft);
}

TEST(PositionSmoother, SingleConfidentOutlierIsIgnored) {
  PositionSmoother s;
  std::vector<Probabilities> frames(20, kSupine);
  frames.push_back(Probabilities{0, 0, 1, 0});  // the engine is sure, and wrong, once
  frames.insert(frames.end(), 5, kSupine);
  const auto labels = run(s, frames);
  for (std::size_t i = 0; i < labels.size(); ++i) EXPECT_EQ(labels[i], SmoothedLabel::kSupine) << i;
  // ... and the floor keeps it from locking: the outlier did not make supine impossible.
  EXPECT_GT(s.current().probabilities[0], 0.99);
}

TEST(PositionSmoother, NeverLooksAhead) {
  // Whatever follows, the answers for a prefix are the same: the filter is causal.
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  auto random_frames = [&](int n) {
    std::vector<Probabilities> out;
    for (int i = 0; i < n; ++i) {
      Probabilities p{u(rng), u(rng), u(rng), u(rng)};
      double sum = p[0] + p[1] + p[2] + p[3];
      for (double& x : p) x /= sum;
      out.push_back(p);
    }
    return out;
  };
  const auto prefix = random_frames(30);
  auto a = prefix, b = prefix;
  const auto tail_a = random_frames(10), tail_b = std::vector<Probabilities>(10, kLeft);
  a.insert(a.end(), tail_a.begin(), tail_a.end());
  b.insert(b.end(), tail_b.begin(), tail_b.end());
  PositionSmoother sa, sb, sp;
  std::vector<SmoothedPosition> ra, rb, rp;
  for (std::size_t i = 0; i < a.size(); ++i) ra.push_back(sa.observe(a[i], double(i)));
  for (std::size_t i = 0; i < b.size(); ++i) rb.push_back(sb.observe(b[i], double(i)));
  for (std::size_t i = 0; i < prefix.size(); ++i) rp.push_back(sp.observe(prefix[i], double(i)));
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    EXPECT_EQ(ra[i].label, rp[i].label) << i;
    EXPECT_EQ(rb[i].label, rp[i].label) << i;
    for (std::size_t k = 0; k < kSleepPositionCount; ++k) {
      EXPECT_DOUBLE_EQ(ra[i].probabilities[k], rp[i].probabilities[k]);
      EXPECT_DOUBLE_EQ(rb[i].probabilities[k], rp[i].probabilities[k]);
    }
  }
}

TEST(PositionSmoother, EmptyResetsAndErrorLeavesTheBeliefAlone) {
  PositionSmoother s;
  run(s, std::vector<Probabilities>(20, kSupine));
  const SmoothedPosition before = s.current();
  const SmoothedPosition error = s.observe_error();
  EXPECT_EQ(error.label, SmoothedLabel::kUnknown);
  EXPECT_EQ(s.current().label, SmoothedLabel::kSupine);
  EXPECT_EQ(s.current().probabilities, before.probabilities);
  // Non-finite engine output counts as an error.
  EXPECT_EQ(s.observe(Probabilities{NAN, 0, 0, 0}, 21).label, SmoothedLabel::kUnknown);
  EXPECT_EQ(s.current().probabilities, before.probabilities);

  const SmoothedPosition empty = s.observe_empty();
  EXPECT_EQ(empty.label, SmoothedLabel::kEmpty);
  EXPECT_EQ(empty.confidence, 0.0);
  // The next sleeper starts afresh: left at once, no memory of the supine night.
  EXPECT_EQ(s.observe(kLeft, 30).label, SmoothedLabel::kLeft);

  BedPosture unoccupied;
  unoccupied.occupied = false;
  EXPECT_EQ(s.observe(unoccupied, 31).label, SmoothedLabel::kEmpty);
}

TEST(PositionSmoother, UnknownBelowTheConfidenceThreshold) {
  PositionSmoother s;
  const SmoothedPosition r = s.observe(Probabilities{0.45, 0.05, 0.3, 0.2}, 0);
  EXPECT_EQ(r.label, SmoothedLabel::kUnknown);
  EXPECT_NEAR(r.confidence, 0.45, 1e-12);
  EXPECT_LT(r.confidence, kMinSmoothedConfidence);
  EXPECT_EQ(PositionSmoother().current().label, SmoothedLabel::kUnknown);
}

TEST(PositionSmoother, TransitionsScaleWithTheFrameInterval) {
  // After an hour's gap the prior is nearly uniform: one clear frame decides.
  PositionSmoother gap;
  run(gap, std::vector<Probabilities>(20, kSupine));
  EXPECT_EQ(gap.observe(kLeft, 19.0 + 3600.0).label, SmoothedLabel::kLeft);
  // At 10 Hz each frame is a tenth of a second: more frames are needed than at 1 Hz, fewer
  // seconds.
  auto frames_to_follow = [](double dt) {
    PositionSmoother s;
    run(s, std::vector<Probabilities>(20, kSupine), dt);
    for (int i = 0; i < 100; ++i) {
      if (s.observe(kLeft, dt * (20 + i)).label == SmoothedLabel::kLeft) return i + 1;
    }
    return -1;
  };
  EXPECT_EQ(frames_to_follow(1.0), 3);
  EXPECT_GT(frames_to_follow(0.1), 3);
  EXPECT_LT(frames_to_follow(0.1) * 0.1, 3.0);
}

}  // namespace
}  // namespace pmap::posture
