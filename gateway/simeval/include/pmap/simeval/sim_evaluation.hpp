#pragma once
// Simulator evidence for the posture engines (docs/accuracy.md, "Simulator truth over many seeds
// and body types"): bodies and poses rendered by the simulator's body model (firmware-sim), read
// through its sensor model, analysed by the bed engine (position, knee pillow, under-knee support),
// the episode streams (turns over whole simulated nights) and the chair engine, and scored against
// the simulator's truth. `Conditions` moves bodies and the sensor outside the ranges the engines
// were fitted on, for the robustness sweeps. Used by `pmap-sim-eval` and `simeval_test`; the
// gateway does not link it.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pmap/mat_descriptor.hpp"

namespace pmap::simeval {

/// Seeds the evaluation uses start here: disjoint from the position classifier's simulated
/// training sleepers (seeds 1..kDefaultSimulatedTrainingFrames, pmap-train --simulated up to
/// 20000), the knee-pillow fit (1000..1299) and the older knee tests (0..39, 5000..5299).
inline constexpr std::uint64_t kFirstEvaluationSeed = 1'000'000;

/// What changes relative to the simulator's defaults. Unset = as the simulator draws it.
struct Conditions {
  std::optional<double> height_cm;    ///< every body this tall (BMI still drawn)
  std::optional<double> bmi;          ///< every body with this BMI (weight = BMI · height²)
  double noise_scale = 1.0;           ///< multiplies the read noise (counts and fraction of signal)
  std::optional<double> gain_sigma;   ///< lognormal σ of the per-taxel gain (default 0.10)
  std::optional<int> dead_taxels;     ///< number of dead taxels (default ≈ 1 per 700)
  double baseline_offset_counts = 0;  ///< added to the mean idle reading (default 45)
  std::optional<double> baseline_sigma_counts;  ///< per-taxel idle spread (default 4)
  double legs_apart_mm = 0;  ///< supine sleepers' legs further apart (sim::BedPose::legs_apart_mm)

  [[nodiscard]] std::string describe() const;  ///< "defaults" or e.g. "height 120 cm, noise ×4"
};

/// Binary detection counts and their F1.
struct Detection {
  int true_positive = 0;
  int false_positive = 0;
  int false_negative = 0;
  [[nodiscard]] double precision() const;
  [[nodiscard]] double recall() const;
  [[nodiscard]] double f1() const;  ///< 0 when nothing is positive
};

// --- Bed: sleeping position on single random frames ---------------------------------------------

/// Random sleepers: 40 % supine (half with an under-knee pillow), 30 % each side (straight,
/// semi-fetal, fetal, partly rolled back; no / aligned / dropped knee pillow), random bodies and
/// places on the mat, read through the sensor model. Scored on supine / left / right (the engine's
/// prone is not validated; the simulator's prone sleepers are scored separately).
struct PositionReport {
  int frames = 0;
  /// rows: truth supine, left, right, prone; columns: engine supine, left, right, prone,
  /// unoccupied or error.
  std::array<std::array<int, 5>, 4> confusion{};
  int correct = 0;          ///< supine/left/right frames read right
  int scored = 0;           ///< supine/left/right frames
  int confident_wrong = 0;  ///< wrong with position confidence ≥ 0.6 (the episode floor)
  int low_confidence = 0;   ///< position confidence < 0.6 (the episode stream ignores them)
  [[nodiscard]] double accuracy() const { return scored ? double(correct) / scored : 0.0; }
  [[nodiscard]] double macro_f1() const;  ///< mean F1 of supine, left, right
};
[[nodiscard]] PositionReport evaluate_position(std::uint64_t first_seed, int count,
                                               const Conditions& conditions = {});

// --- Bed: knee pillow when side-lying
// -------------------------------------------------------------

/// Side-lying sleepers (right/left; straight, semi-fetal, fetal; knee flexion ±10° around the
/// subtype's; knee pillow none / aligned / dropped equally likely, a dropped top knee 10–20 cm in
/// front). Truth "aligned" = none or aligned (the map cannot see the pillow), "dropped" = dropped.
/// Engine answers aligned / dropped / unknown, or no side answer at all (position not side-lying).
struct KneePillowReport {
  int frames = 0;
  /// rows: truth aligned, dropped; columns: engine aligned, dropped, unknown, not side-lying.
  std::array<std::array<int, 4>, 2> confusion{};
  /// Per class; unknown and "not side-lying" count as misses (false negatives) of the true class.
  Detection aligned, dropped;
  [[nodiscard]] double macro_f1() const { return (aligned.f1() + dropped.f1()) / 2; }
  [[nodiscard]] double answered() const;  ///< share of frames answered aligned or dropped
  [[nodiscard]] double wrong() const;     ///< share answered with the wrong state
};
[[nodiscard]] KneePillowReport evaluate_knee_pillow(std::uint64_t first_seed, int count,
                                                    const Conditions& conditions = {});

// --- Bed: under-knee support when supine ---------------------------------------------------------

/// Supine sleepers, half with a pillow under the knees (flexion 30–50°), half flat.
struct UnderKneeReport {
  int frames = 0;
  /// rows: truth flat, supported (sim::draw_under_knee_support); columns: engine flat,
  /// flexed_supported, unknown, not supine.
  std::array<std::array<int, 4>, 2> confusion{};
  Detection flat, flexed;  ///< per class; unknown / not supine are misses
  /// Pillow frames read as flexed_supported / all pillow frames, by flexion 30–35, 35–40, 40–45,
  /// 45–50°.
  std::array<std::array<int, 2>, 4> flexed_by_flexion{};
  /// The same by kind of support: a pillow on the mat, knees drawn up with nothing under them.
  std::array<std::array<int, 2>, 2> flexed_by_kind{};
  [[nodiscard]] double macro_f1() const { return (flat.f1() + flexed.f1()) / 2; }
  [[nodiscard]] double answered() const;
  [[nodiscard]] double wrong() const;
};
[[nodiscard]] UnderKneeReport evaluate_under_knee(std::uint64_t first_seed, int count,
                                                  const Conditions& conditions = {});

// --- Bed: turns over simulated nights ------------------------------------------------------------

/// One change of sleeping position.
struct Turn {
  double time_s = 0;
  std::string from;
  std::string to;
};

/// Whole 8-hour `night` scenarios at 1 Hz (12–26 position changes, a bed exit, knee-pillow slips),
/// every frame analysed by the bed engine and fed to the gateway's episode streams (MatEpisodes,
/// default EpisodeConfig). A true turn is a change of the simulator's position label (supine /
/// left / right / prone) between two lying periods with no bed exit in between; its time is the
/// middle of the roll. A detected turn is the start of a position episode that follows another
/// position episode in the same in-bed episode. Matching is one-to-one, nearest first, within
/// `match_tolerance_s`, and needs the same new position.
struct TurnReport {
  int nights = 0;
  std::vector<Turn> true_turns;
  std::vector<Turn> detected_turns;
  Detection turns;                      ///< within match_tolerance_s and the same new position
  Detection turns_within_5s;            ///< the same within 5 s
  std::vector<double> timing_errors_s;  ///< detected − true, matched turns
  int true_turns_with_prone = 0;        ///< true turns to or from prone
  /// The same as `turns` without the true turns to or from prone (the engine's prone is not
  /// validated) and without the detections within the tolerance of such a turn.
  Detection turns_without_prone;
  int missed_with_prone = 0;  ///< missed ones among them
  /// Occupancy on the same frames: the simulator's empty bed (before getting in, during the bed
  /// exit, after getting up) and its lying frames (a position label; rolls and getting in or out
  /// are neither).
  int empty_frames = 0;
  int empty_read_occupied = 0;
  int lying_frames = 0;
  int lying_read_empty = 0;
  double match_tolerance_s = 60;
  [[nodiscard]] double median_abs_timing_error_s() const;
  [[nodiscard]] double p95_abs_timing_error_s() const;
  [[nodiscard]] double worst_abs_timing_error_s() const;
};
[[nodiscard]] TurnReport evaluate_turns(std::uint64_t first_seed, int nights,
                                        const Conditions& conditions = {},
                                        double match_tolerance_s = 60);

/// Turns in a per-second label sequence (for tests of the matching itself): `labels[i]` is the
/// label at second i ("empty", "transition" or a position). Changes across "empty" are not turns.
[[nodiscard]] std::vector<Turn> true_turns_from_labels(const std::vector<std::string>& labels);
/// Matches detected to true turns (one-to-one, nearest first, within `tolerance_s`, same `to`).
/// Returns the counts and fills `errors_s` with detected − true of each match.
[[nodiscard]] Detection match_turns(const std::vector<Turn>& truth,
                                    const std::vector<Turn>& detected, double tolerance_s,
                                    std::vector<double>* errors_s = nullptr);

// --- Chair
// ----------------------------------------------------------------------------------------

/// Random adults on the seat mat, two pose families as in tests/chair (obliquity/tilt: obliquity
/// −10..10°, tilt −10..20°; wallet: none/left/right, small obliquity and tilt). The image the
/// engine sees is counts above the idle floor the gateway learned on the empty seat; a
/// `baseline_offset_counts` is a drift of the idle reading after that floor was learned.
struct ChairReport {
  int frames = 0;  ///< per family
  int unoccupied = 0;
  double obliquity_mae_deg = 0;
  int sign_checked = 0;  ///< |truth| ≥ 3°
  int sign_correct = 0;
  double tilt_mae_deg = 0;
  Detection wallet;
  int wallet_side_correct = 0;
};
[[nodiscard]] ChairReport evaluate_chair(std::uint64_t first_seed, int count,
                                         const Conditions& conditions = {});

/// The simulator's bed mat (64 × 32, 28.6 mm) and seat mat (32 × 32, 14 mm) descriptors.
[[nodiscard]] MatDescriptor sim_bed_mat();
[[nodiscard]] MatDescriptor sim_chair_mat();

}  // namespace pmap::simeval
