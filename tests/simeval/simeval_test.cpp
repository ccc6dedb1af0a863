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

// --- In range: the simulator's random adults and its default sensor ----------------------------
// pmap-sim-eval prints the same figures on more seeds (docs/accuracy.md quotes both).

constexpr int kFrames = 300;

TEST(SimEvidence, BedPositionOnRandomSleepers) {
  const PositionReport p = evaluate_position(kFirstEvaluationSeed, kFrames);
  std::printf(
      "position: accuracy %.4f (%d/%d), macro-F1 %.3f, confident wrong %d; prone read as "
      "supine %d of %d\n",
      p.accuracy(), p.correct, p.scored, p.macro_f1(), p.confident_wrong, p.confusion[3][0],
      p.confusion[3][0] + p.confusion[3][1] + p.confusion[3][2] + p.confusion[3][3] +
          p.confusion[3][4]);
  // Measured 263/263 (1000 frames in the tool: docs/accuracy.md).
  EXPECT_GE(p.accuracy(), 0.98);
  EXPECT_GE(p.macro_f1(), 0.98);
  EXPECT_LE(p.confident_wrong, p.scored / 100);
}

TEST(SimEvidence, KneePillowF1) {
  const KneePillowReport k = evaluate_knee_pillow(kFirstEvaluationSeed, kFrames);
  std::printf(
      "knee pillow: F1 aligned %.3f, dropped %.3f (P %.3f R %.3f), macro %.3f, answered "
      "%.3f, wrong %.3f\n",
      k.aligned.f1(), k.dropped.f1(), k.dropped.precision(), k.dropped.recall(), k.macro_f1(),
      k.answered(), k.wrong());
  // Measured on these 300: aligned 0.993, dropped 0.983, macro 0.988 (on 1000 frames, docs/
  // accuracy.md: 0.982 / 0.961 / 0.971; target 0.95 per class); the floors leave a margin.
  EXPECT_GE(k.macro_f1(), 0.97);
  EXPECT_GE(k.aligned.f1(), 0.98);
  EXPECT_GE(k.dropped.f1(), 0.96);
  EXPECT_GE(k.answered(), 0.97);
}

TEST(SimEvidence, UnderKneeF1) {
  const UnderKneeReport u = evaluate_under_knee(kFirstEvaluationSeed, kFrames);
  std::printf(
      "under-knee: F1 flat %.3f, flexed %.3f (P %.3f R %.3f), macro %.3f; flexed read by "
      "flexion 30-35 %d/%d, 35-40 %d/%d, 40-45 %d/%d, 45-50 %d/%d; pillow on the mat %d/%d, "
      "knees drawn up %d/%d\n",
      u.flat.f1(), u.flexed.f1(), u.flexed.precision(), u.flexed.recall(), u.macro_f1(),
      u.flexed_by_flexion[0][0], u.flexed_by_flexion[0][1], u.flexed_by_flexion[1][0],
      u.flexed_by_flexion[1][1], u.flexed_by_flexion[2][0], u.flexed_by_flexion[2][1],
      u.flexed_by_flexion[3][0], u.flexed_by_flexion[3][1], u.flexed_by_kind[0][0],
      u.flexed_by_kind[0][1], u.flexed_by_kind[1][0], u.flexed_by_kind[1][1]);
  // The target (F1 >= 0.95 per class), on the simulator's pillow model (docs/accuracy.md says
  // why that is not evidence about real pillows).
  EXPECT_GE(u.flat.f1(), 0.95);
  EXPECT_GE(u.flexed.f1(), 0.95);
  // Both kinds of support are found: a pillow's footprint and knees drawn up.
  EXPECT_GE(u.flexed_by_kind[0][0], u.flexed_by_kind[0][1] * 95 / 100);
  EXPECT_GE(u.flexed_by_kind[1][0], u.flexed_by_kind[1][1] * 95 / 100);
  // Nearly every frame is judged: the two readings of the knee band (docs/posture.md) disagree
  // on about 1 in 200 simulated sleepers (0.5 % unknown in pmap-sim-eval's 1000).
  EXPECT_GE(u.answered(), 0.98);
}

TEST(SimEvidence, TurnsOverWholeNights) {
  // One 8-h night (≈ 9 s); pmap-sim-eval runs 30.
  const TurnReport t = evaluate_turns(kFirstEvaluationSeed, 1);
  std::printf(
      "turns over %d nights: true %zu (%d with prone), detected %zu, F1 %.3f (P %.3f R "
      "%.3f), F1 within 5 s %.3f, without prone %.3f; timing median %.1f s, worst %.1f "
      "s\n",
      t.nights, t.true_turns.size(), t.true_turns_with_prone, t.detected_turns.size(), t.turns.f1(),
      t.turns.precision(), t.turns.recall(), t.turns_within_5s.f1(), t.turns_without_prone.f1(),
      t.median_abs_timing_error_s(), t.worst_abs_timing_error_s());
  EXPECT_GE(t.true_turns.size(), 12U);
  // Turns between supine, left and right: measured 1.000 on this night and over 30 nights
  // (pmap-sim-eval, docs/accuracy.md).
  EXPECT_GE(t.turns_without_prone.f1(), 0.98);
  EXPECT_LE(t.worst_abs_timing_error_s(), 5.0);
  // All turns: prone is read as supine, so turns to or from prone are missed (docs/accuracy.md).
  EXPECT_GE(t.turns.f1(), 0.85);
  // The raw counts of the empty bed are not a sleeper: before the engine's peak-over-noise test
  // every empty frame read as occupied, on the side, and the night's first position episode
  // began before the person got in (most of the false turns).
  std::printf(
      "occupancy: empty frames read as occupied %d of %d, lying frames read empty %d of %d\n",
      t.empty_read_occupied, t.empty_frames, t.lying_read_empty, t.lying_frames);
  EXPECT_GT(t.empty_frames, 600);
  EXPECT_EQ(t.empty_read_occupied, 0);
  EXPECT_EQ(t.lying_read_empty, 0);
}

TEST(SimEvidence, ChairAnglesAndWalletF1) {
  const ChairReport c = evaluate_chair(kFirstEvaluationSeed, 100);
  std::printf(
      "chair: obliquity MAE %.2f deg, sign %d/%d, tilt MAE %.2f deg, wallet F1 %.3f "
      "(P %.3f R %.3f), side %d/%d\n",
      c.obliquity_mae_deg, c.sign_correct, c.sign_checked, c.tilt_mae_deg, c.wallet.f1(),
      c.wallet.precision(), c.wallet.recall(), c.wallet_side_correct, c.wallet.true_positive);
  EXPECT_EQ(c.unoccupied, 0);
  EXPECT_LE(c.obliquity_mae_deg, 2.0);
  EXPECT_EQ(c.sign_correct, c.sign_checked);
  EXPECT_LE(c.tilt_mae_deg, 3.0);
  EXPECT_GE(c.wallet.f1(), 0.95);
  EXPECT_EQ(c.wallet_side_correct, c.wallet.true_positive);
}

// --- Beyond the simulator's defaults: the edges of the working range in docs/accuracy.md ---------
// Same seeds and sizes as the sweep tables (pmap-sim-eval --sweep), so the printed figures are
// the table's rows.

Conditions with(void (*set)(Conditions&)) {
  Conditions c;
  set(c);
  return c;
}

TEST(SimEvidenceOutOfRange, WorkingRangeEdgesHold) {
  constexpr int kSweepFrames = 200;
  struct Point {
    const char* name;
    Conditions conditions;
    double min_position, min_knee_f1, max_knee_wrong;
  };
  const Point points[] = {
      {"height 140 cm", with([](Conditions& c) { c.height_cm = 140; }), 0.98, 0.95, 0.03},
      {"BMI 16", with([](Conditions& c) { c.bmi = 16; }), 0.98, 0.93, 0.05},
      {"noise x4", with([](Conditions& c) { c.noise_scale = 4; }), 0.98, 0.92, 0.05},
      {"gain sigma 0.2", with([](Conditions& c) { c.gain_sigma = 0.2; }), 0.98, 0.95, 0.03},
      {"50 dead taxels", with([](Conditions& c) { c.dead_taxels = 50; }), 0.98, 0.93, 0.05},
      {"baseline +400 counts", with([](Conditions& c) { c.baseline_offset_counts = 400; }), 0.97,
       0.94, 0.04},
  };
  for (const Point& p : points) {
    const PositionReport position =
        evaluate_position(kFirstEvaluationSeed, kSweepFrames, p.conditions);
    const KneePillowReport knee =
        evaluate_knee_pillow(kFirstEvaluationSeed, kSweepFrames, p.conditions);
    std::printf("%s: position %.3f, knee pillow F1 %.3f (wrong %.3f, answered %.3f)\n", p.name,
                position.accuracy(), knee.macro_f1(), knee.wrong(), knee.answered());
    EXPECT_GE(position.accuracy(), p.min_position) << p.name;
    EXPECT_GE(knee.macro_f1(), p.min_knee_f1) << p.name;
    EXPECT_LE(knee.wrong(), p.max_knee_wrong) << p.name;
  }
  // The chair keeps its in-range figures with a gain spread of 0.2 and 50 dead taxels of 1024.
  for (const Conditions& c : {with([](Conditions& c) { c.gain_sigma = 0.2; }),
                              with([](Conditions& c) { c.dead_taxels = 50; })}) {
    const ChairReport chair = evaluate_chair(kFirstEvaluationSeed, 100, c);
    std::printf("chair, %s: obliquity MAE %.2f, tilt MAE %.2f, wallet F1 %.3f\n",
                c.describe().c_str(), chair.obliquity_mae_deg, chair.tilt_mae_deg,
                chair.wallet.f1());
    EXPECT_LE(chair.obliquity_mae_deg, 2.0);
    EXPECT_LE(chair.tilt_mae_deg, 3.0);
    EXPECT_GE(chair.wallet.f1(), 0.95);
  }
}

}  // namespace
}  // namespace pmap::simeval
