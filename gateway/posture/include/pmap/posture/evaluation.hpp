#pragma once
// Accuracy measurement of the bed posture engine on labelled frames (PMD), shared by
// pmap-posture-eval and the unit tests so both report the same figures.
#include <array>
#include <cstddef>
#include <map>
#include <vector>

#include "pmap/mat_descriptor.hpp"
#include "pmap/posture/bed_model.hpp"
#include "pmap/posture/bed_posture.hpp"
#include "pmap/posture/pmd_dataset.hpp"

namespace pmap::posture {

/// counts[truth][predicted], indexed by the enums' values.
template <std::size_t N>
struct Confusion {
  std::array<std::array<long, N>, N> counts{};

  void add(std::size_t truth, std::size_t predicted) { ++counts[truth][predicted]; }
  void merge(const Confusion& other) {
    for (std::size_t t = 0; t < N; ++t) {
      for (std::size_t p = 0; p < N; ++p) counts[t][p] += other.counts[t][p];
    }
  }
  [[nodiscard]] long total() const {
    long n = 0;
    for (const auto& row : counts) {
      for (long v : row) n += v;
    }
    return n;
  }
  [[nodiscard]] long correct() const {
    long n = 0;
    for (std::size_t i = 0; i < N; ++i) n += counts[i][i];
    return n;
  }
  [[nodiscard]] double accuracy() const {
    return total() > 0 ? static_cast<double>(correct()) / static_cast<double>(total()) : 0.0;
  }
  /// Of the frames predicted as `c`, the fraction that are `c` (0 when none predicted).
  [[nodiscard]] double precision(std::size_t c) const {
    long predicted = 0;
    for (std::size_t t = 0; t < N; ++t) predicted += counts[t][c];
    return predicted > 0 ? static_cast<double>(counts[c][c]) / static_cast<double>(predicted) : 0.0;
  }
  /// Of the frames that are `c`, the fraction predicted as `c` (0 when there are none).
  [[nodiscard]] double recall(std::size_t c) const {
    long actual = 0;
    for (long v : counts[c]) actual += v;
    return actual > 0 ? static_cast<double>(counts[c][c]) / static_cast<double>(actual) : 0.0;
  }
};

using PositionConfusion = Confusion<kSleepPositionCount>;
/// Subtypes indexed by LateralSubtype's value (kNotLateral included for mis-sided frames).
using SubtypeConfusion = Confusion<4>;

/// The confidence from which a position counts as asserted: the episode builder's floor
/// (EpisodeConfig::position_min_confidence) and the smoother's (kMinSmoothedConfidence).
inline constexpr double kConfidentPosition = 0.6;

/// What one model does on a set of frames.
struct BedEvaluation {
  PositionConfusion positions;
  SubtypeConfusion subtypes;  ///< lateral frames whose subtype is labelled
  long head_end_frames = 0;   ///< occupied frames as given (head at the first row)
  long head_end_correct = 0;
  long rotated_frames = 0;  ///< the same frames turned by 180° (head at the last row)
  long rotated_correct = 0;
  long rotated_same_position = 0;  ///< rotated frames given the same position as unrotated
  long unoccupied = 0;             ///< labelled frames the engine called empty
  long landmarks_in_order = 0;     ///< supine frames with head < shoulders < pelvis < knees < heels
  long supine_frames = 0;
  double max_supine_knee_to_heel_ratio = 0;
  /// Position confidence against correctness (as given), split at kConfidentPosition.
  long confident_wrong = 0;  ///< wrong with confidence >= kConfidentPosition
  long unsure_wrong = 0;
  long unsure_correct = 0;  ///< right, but with confidence < kConfidentPosition
  long novel_frames = 0;    ///< position_novelty above kPositionNoveltyOnset
  double max_novelty = 0;
  /// The smoothed position (a PositionSmoother over each file's frames in order, as
  /// pmap-analyze's `posture`; it starts afresh at each file and sees only the frames given, so
  /// after `--first-frame` skipped the settling ones) against the label: right, wrong (another
  /// position, or empty), or unknown.
  long smoothed_right = 0;
  long smoothed_wrong = 0;
  long smoothed_unknown = 0;

  void merge(const BedEvaluation& other);
  [[nodiscard]] double head_end_accuracy() const;  ///< over as-given and rotated frames
};

/// Runs `model` on every frame (as given and turned by 180°) and tallies the results.
[[nodiscard]] BedEvaluation evaluate_bed_model(const BedModel& model,
                                               const std::vector<PmdFrame>& frames,
                                               const MatDescriptor& mat);

/// Training samples (features with the known head end) of frames on `mat`.
/// Every `options.position_every_nth` occupied frame also gets its augmented position views.
[[nodiscard]] std::vector<BedTrainingSample> bed_training_samples(
    const std::vector<PmdFrame>& frames, const MatDescriptor& mat,
    const BedTrainingOptions& options = {});

/// Leave-one-subject-out: for each subject, fit on all others (plus `extra` samples, e.g.
/// simulated ones) and evaluate on that subject.
struct LosoResult {
  std::map<int, BedEvaluation> per_subject;
  BedEvaluation overall;
};
[[nodiscard]] LosoResult leave_one_subject_out(const std::vector<PmdFrame>& frames,
                                               const MatDescriptor& mat,
                                               const BedTrainingOptions& options = {},
                                               const std::vector<BedTrainingSample>& extra = {});

}  // namespace pmap::posture
