// Simulator evidence for the bed and chair engines (docs/accuracy.md, "Simulator truth over many
// seeds and body types"): the figures pmap-sim-eval prints, on fewer seeds, with asserted floors.
// Seeds start at kFirstEvaluationSeed, clear of every seed used to fit the engines.
#include "pmap/simeval/sim_evaluation.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

namespace pmap::simeval {
namespace {

// --- The turn bookkeeping itself -----------------------------------------------------------------

std::vector<std::string> seconds(std::initializer_list<std::pair<const char*, int>> runs) {
  std::vector<std::string> out;
  for (const auto& [label, n] : runs) out.insert(out.end(), static_cast<std::size_t>(n), label);
  return out;
}

TEST(SimEvalTurns, TrueTurnsAreTimedAtTheMiddleOfTheRollAndNotAcrossABedExit) {
  const auto labels = seconds({{"empty", 10},
                               {"supine", 100},    // 10..109
                               {"transition", 4},  // 110..113
                               {"left", 50},       // 114..163
                               {"transition", 2},  // knee pillow slipping: same position
                               {"left", 50},
                               {"empty", 100},  // bed exit
                               {"right", 60}});
  const auto turns = true_turns_from_labels(labels);
  ASSERT_EQ(turns.size(), 1U);
  EXPECT_EQ(turns[0].from, "supine");
  EXPECT_EQ(turns[0].to, "left");
  EXPECT_DOUBLE_EQ(turns[0].time_s, (109.0 + 114.0) / 2);
}

TEST(SimEvalTurns, MatchingIsOneToOneNearestFirstWithTheSameNewPosition) {
  const std::vector<Turn> truth = {{100, "supine", "left"}, {200, "left", "right"}};
  const std::vector<Turn> detected = {{103, "supine", "left"},
                                      {104, "supine", "left"},    // a second detection: FP
                                      {195, "left", "supine"},    // wrong new position
                                      {400, "right", "supine"}};  // nothing near it
  std::vector<double> errors;
  const Detection d = match_turns(truth, detected, 60, &errors);
  EXPECT_EQ(d.true_positive, 1);
  EXPECT_EQ(d.false_positive, 3);
  EXPECT_EQ(d.false_negative, 1);
  ASSERT_EQ(errors.size(), 1U);
  EXPECT_DOUBLE_EQ(errors[0], 3.0);
  EXPECT_EQ(match_turns(truth, detected, 2).true_positive, 0);
  EXPECT_NEAR(d.f1(), 2.0 / (2 + 3 + 1), 1e-12);
}

TEST(SimEvalTurns, DetectionCountsGiveF1) {
  Detection d{8, 1, 1};
  EXPECT_NEAR(d.precision(), 8.0 / 9, 1e-12);
  EXPECT_NEAR(d.recall(), 8.0 / 9, 1e-12);
  EXPECT_NEAR(d.f1(), 16.0 / 18, 1e-12);
  EXPECT_EQ(Detection{}.f1(), 0.0);
}

}  // namespace
}  // namespace pmap::simeval
