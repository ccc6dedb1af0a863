#include "pmap/posture/evaluation.hpp"

#include <algorithm>
#include <set>

#include "pmap/posture/bed_model.hpp"
#include "pmap/posture/position_smoother.hpp"

namespace pmap::posture {
namespace {

bool is_lateral(SleepPosition p) {
  return p == SleepPosition::kLeftSide || p == SleepPosition::kRightSide;
}

bool landmarks_in_order(const BedLandmarks& l, HeadEnd end) {
  const std::array<const Landmark*, 5> chain = {&l.head, &l.shoulders, &l.pelvis, &l.knees,
                                                &l.heels};
  for (std::size_t i = 0; i + 1 < chain.size(); ++i) {
    if (chain[i]->confidence <= 0 || chain[i + 1]->confidence <= 0) return false;
    const double step = chain[i + 1]->row - chain[i]->row;
    if (end == HeadEnd::kFirstRow ? step <= 0 : step >= 0) return false;
  }
  return true;
}

}  // namespace

void BedEvaluation::merge(const BedEvaluation& other) {
  positions.merge(other.positions);
  subtypes.merge(other.subtypes);
  head_end_frames += other.head_end_frames;
  head_end_correct += other.head_end_correct;
  rotated_frames += other.rotated_frames;
  rotated_correct += other.rotated_correct;
  rotated_same_position += other.rotated_same_position;
  unoccupied += other.unoccupied;
  landmarks_in_order += other.landmarks_in_order;
  supine_frames += other.supine_frames;
  max_supine_knee_to_heel_ratio =
      std::max(max_supine_knee_to_heel_ratio, other.max_supine_knee_to_heel_ratio);
  confident_wrong += other.confident_wrong;
  unsure_wrong += other.unsure_wrong;
  unsure_correct += other.unsure_correct;
  novel_frames += other.novel_frames;
  max_novelty = std::max(max_novelty, other.max_novelty);
  smoothed_right += other.smoothed_right;
  smoothed_wrong += other.smoothed_wrong;
  smoothed_unknown += other.smoothed_unknown;
}

double BedEvaluation::head_end_accuracy() const {
  const long n = head_end_frames + rotated_frames;
  return n > 0 ? static_cast<double>(head_end_correct + rotated_correct) / static_cast<double>(n)
               : 0.0;
}

BedEvaluation evaluate_bed_model(const BedModel& model, const std::vector<PmdFrame>& frames,
                                 const MatDescriptor& mat) {
  BedEvaluation e;
  PositionSmoother smoother;
  const std::string* file = nullptr;
  for (const auto& frame : frames) {
    const auto result = analyze_bed_frame(frame.canonical, mat, model);
    const auto* posture = std::get_if<BedPosture>(&result);
    if (file == nullptr || *file != frame.source) {
      smoother.reset();
      file = &frame.source;
    }
    const double time_s =
        mat.sample_rate_hz > 0 ? static_cast<double>(frame.frame) / mat.sample_rate_hz : 0.0;
    const SmoothedPosition smoothed =
        posture != nullptr ? smoother.observe(*posture, time_s) : smoother.observe_error();
    if (smoothed.label == SmoothedLabel::kUnknown) {
      ++e.smoothed_unknown;
    } else if (smoothed.label == to_label(frame.position)) {
      ++e.smoothed_right;
    } else {
      ++e.smoothed_wrong;
    }
    if (posture == nullptr || !posture->occupied) {
      ++e.unoccupied;
      continue;
    }
    const auto truth = static_cast<std::size_t>(frame.position);
    e.positions.add(truth, static_cast<std::size_t>(posture->position));
    const bool right = posture->position == frame.position;
    const bool confident = posture->position_confidence >= kConfidentPosition;
    e.confident_wrong += !right && confident ? 1 : 0;
    e.unsure_wrong += !right && !confident ? 1 : 0;
    e.unsure_correct += right && !confident ? 1 : 0;
    e.novel_frames += posture->position_novelty > kPositionNoveltyOnset ? 1 : 0;
    e.max_novelty = std::max(e.max_novelty, posture->position_novelty);
    ++e.head_end_frames;
    if (posture->head_end == HeadEnd::kFirstRow) ++e.head_end_correct;
    if (is_lateral(frame.position) && frame.subtype_labelled) {
      const auto predicted =
          posture->position == frame.position ? posture->subtype : LateralSubtype::kNotLateral;
      e.subtypes.add(static_cast<std::size_t>(frame.subtype), static_cast<std::size_t>(predicted));
    }
    if (frame.position == SleepPosition::kSupine) {
      ++e.supine_frames;
      if (landmarks_in_order(posture->landmarks, posture->head_end)) ++e.landmarks_in_order;
      std::string error;
      const auto features =
          extract_bed_features(frame.canonical, mat, model, HeadEnd::kFirstRow, &error);
      if (features) {
        e.max_supine_knee_to_heel_ratio =
            std::max(e.max_supine_knee_to_heel_ratio, features->knee_to_heel_load_ratio);
      }
    }

    const Eigen::MatrixXf rotated = frame.canonical.reverse();
    const auto rotated_result = analyze_bed_frame(rotated, mat, model);
    if (const auto* r = std::get_if<BedPosture>(&rotated_result); r != nullptr && r->occupied) {
      ++e.rotated_frames;
      if (r->head_end == HeadEnd::kLastRow) ++e.rotated_correct;
      if (r->position == posture->position) ++e.rotated_same_position;
    }
  }
  return e;
}

std::vector<BedTrainingSample> bed_training_samples(const std::vector<PmdFrame>& frames,
                                                    const MatDescriptor& mat,
                                                    const BedTrainingOptions& options) {
  std::vector<BedTrainingSample> samples;
  samples.reserve(frames.size());
  const auto every = static_cast<std::size_t>(std::max(options.position_every_nth, 1));
  for (const auto& frame : frames) {
    std::string error;
    // With the head end given, the model is not consulted.
    auto features =
        extract_bed_features(frame.canonical, mat, builtin_bed_model(), HeadEnd::kFirstRow, &error);
    if (!features || !features->occupied) continue;
    BedTrainingSample sample{std::move(*features),
                             {},
                             samples.size() % every == 0,
                             frame.position,
                             frame.subtype_labelled ? frame.subtype : LateralSubtype::kNotLateral};
    // Only the samples the position classifier will use need the (costly) augmented views.
    if (sample.position_sample) {
      sample.augmented_positions =
          augmented_position_descriptors(frame.canonical, mat, HeadEnd::kFirstRow);
    }
    samples.push_back(std::move(sample));
  }
  return samples;
}

LosoResult leave_one_subject_out(const std::vector<PmdFrame>& frames, const MatDescriptor& mat,
                                 const BedTrainingOptions& options,
                                 const std::vector<BedTrainingSample>& extra) {
  // Features with the known head end do not depend on the model: compute them once, per subject.
  std::set<int> subjects;
  for (const auto& frame : frames) subjects.insert(frame.subject);
  std::map<int, std::vector<BedTrainingSample>> samples;
  for (int subject : subjects) {
    std::vector<PmdFrame> own;
    for (const auto& f : frames) {
      if (f.subject == subject) own.push_back(f);
    }
    samples[subject] = bed_training_samples(own, mat, options);
  }
  LosoResult result;
  for (int held_out : subjects) {
    std::vector<BedTrainingSample> train = extra;
    for (const auto& [subject, own] : samples) {
      if (subject != held_out) train.insert(train.end(), own.begin(), own.end());
    }
    std::vector<PmdFrame> test;
    for (const auto& f : frames) {
      if (f.subject == held_out) test.push_back(f);
    }
    BedEvaluation e = evaluate_bed_model(fit_bed_model(train, options), test, mat);
    result.overall.merge(e);
    result.per_subject.emplace(held_out, std::move(e));
  }
  return result;
}

}  // namespace pmap::posture
