// pmap-posture-eval: measures the bed posture engine on the PhysioNet PMD recordings.
//
//   experiment-i : leave-one-subject-out (fit on all subjects but one, test on that one)
//   experiment-ii: fit on all of experiment-i, test on experiment-ii (another mat model)
//
// Figures are printed as plain text; docs/accuracy.md quotes them.
#include <cstdio>
#include <iostream>
#include <string>

#include <boost/program_options.hpp>

#include "pmap/posture/bed_model.hpp"
#include "pmap/posture/evaluation.hpp"
#include "pmap/posture/pmd_dataset.hpp"
#include "pmap/posture/simulated_training.hpp"

namespace po = boost::program_options;
using namespace pmap::posture;

namespace {

// The positions PMD labels (it has no prone recordings; prone still appears as a prediction).
constexpr std::array<SleepPosition, 4> kPositions = {
    SleepPosition::kSupine, SleepPosition::kLeftSide, SleepPosition::kRightSide,
    SleepPosition::kProne};
constexpr std::array<LateralSubtype, 4> kSubtypes = {
    LateralSubtype::kStraight, LateralSubtype::kFetal, LateralSubtype::kRolledPartly,
    LateralSubtype::kNotLateral};

double percent(long part, long whole) {
  return whole > 0 ? 100.0 * static_cast<double>(part) / static_cast<double>(whole) : 0.0;
}

void print_positions(const PositionConfusion& c) {
  std::printf("  confusion (rows = labelled, columns = predicted):\n  %-10s", "");
  for (auto p : kPositions) std::printf(" %8s", std::string(to_string(p)).c_str());
  std::printf("\n");
  for (auto t : kPositions) {
    std::printf("  %-10s", std::string(to_string(t)).c_str());
    for (auto p : kPositions) {
      std::printf(" %8ld", c.counts[static_cast<std::size_t>(t)][static_cast<std::size_t>(p)]);
    }
    std::printf("\n");
  }
  std::printf("  %-10s %9s %9s\n", "class", "precision", "recall");
  for (auto t : kPositions) {
    const auto i = static_cast<std::size_t>(t);
    std::printf("  %-10s %8.1f%% %8.1f%%\n", std::string(to_string(t)).c_str(),
                100 * c.precision(i), 100 * c.recall(i));
  }
  std::printf("  accuracy: %.2f%% (%ld / %ld frames)\n", 100 * c.accuracy(), c.correct(),
              c.total());
}

void print_subtypes(const SubtypeConfusion& c) {
  std::printf("  lateral subtype (labelled lateral frames; not-lateral = side not recognised):\n");
  std::printf("  %-14s", "");
  for (auto p : kSubtypes) std::printf(" %13s", std::string(to_string(p)).c_str());
  std::printf("\n");
  for (std::size_t k = 0; k + 1 < kSubtypes.size(); ++k) {
    const auto t = kSubtypes[k];
    std::printf("  %-14s", std::string(to_string(t)).c_str());
    for (auto p : kSubtypes) {
      std::printf(" %13ld", c.counts[static_cast<std::size_t>(t)][static_cast<std::size_t>(p)]);
    }
    std::printf("\n");
  }
  std::printf("  subtype accuracy: %.2f%%\n", 100 * c.accuracy());
}

void print_evaluation(const BedEvaluation& e) {
  print_positions(e.positions);
  std::printf(
      "  head end: as recorded %.2f%% (%ld/%ld), turned 180 deg %.2f%% (%ld/%ld), "
      "both %.2f%%\n",
      percent(e.head_end_correct, e.head_end_frames), e.head_end_correct, e.head_end_frames,
      percent(e.rotated_correct, e.rotated_frames), e.rotated_correct, e.rotated_frames,
      100 * e.head_end_accuracy());
  std::printf("  same position when turned 180 deg: %.2f%%\n",
              percent(e.rotated_same_position, e.rotated_frames));
  print_subtypes(e.subtypes);
  std::printf("  supine frames with landmarks in head-to-heel order: %.2f%% (%ld/%ld)\n",
              percent(e.landmarks_in_order, e.supine_frames), e.landmarks_in_order,
              e.supine_frames);
  std::printf("  largest knee/heel load ratio on a supine frame: %.2f\n",
              e.max_supine_knee_to_heel_ratio);
  std::printf("  frames called unoccupied: %ld\n", e.unoccupied);
  std::printf(
      "  confidence (as given, asserted from %.1f): wrong and asserted %ld, wrong and unsure %ld, "
      "right but unsure %ld\n",
      kConfidentPosition, e.confident_wrong, e.unsure_wrong, e.unsure_correct);
  std::printf("  novelty above %.2f: %ld frames (largest %.2f)\n", kPositionNoveltyOnset,
              e.novel_frames, e.max_novelty);
  const long smoothed = e.smoothed_right + e.smoothed_wrong + e.smoothed_unknown;
  std::printf(
      "  smoothed (pmap-analyze's `posture`, each file in order from its first frame given): "
      "right %.2f%% (%ld / %ld), wrong %ld, unknown %ld\n",
      smoothed > 0 ? 100.0 * static_cast<double>(e.smoothed_right) / static_cast<double>(smoothed)
                   : 0.0,
      e.smoothed_right, smoothed, e.smoothed_wrong, e.smoothed_unknown);
}

void print_per_subject(const std::map<int, BedEvaluation>& per_subject) {
  std::printf("  %-8s %7s %9s %9s\n", "subject", "frames", "position", "head end");
  for (const auto& [subject, e] : per_subject) {
    std::printf("  S%-7d %7ld %8.2f%% %8.2f%%\n", subject, e.positions.total(),
                100 * e.positions.accuracy(), 100 * e.head_end_accuracy());
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string pmd_dir;
  int first_frame = 4;
  po::options_description options(
      "pmap-posture-eval: accuracy of the bed posture engine on the PhysioNet PMD data set\n"
      "(M. Baran Pouyan et al., BHI 2017; ODC-By 1.0).\n"
      "  experiment-i : leave-one-subject-out over its subjects, frames >= --first-frame\n"
      "  experiment-ii: model fitted on all experiment-i subjects, tested on experiment-ii\n"
      "Head-end detection is also measured on every frame turned by 180 degrees.\n\nOptions");
  options.add_options()("help,h", "show this help")(
      "pmd", po::value(&pmd_dir)->default_value("../shared/data/pmd"),
      "PMD root (holding experiment-i/ and experiment-ii/)")(
      "first-frame", po::value(&first_frame)->default_value(4),
      "skip frames before this 1-based number in every experiment-i file (settling)")(
      "skip-loso", "only run the experiment-ii cross-mat test");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, options), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "pmap-posture-eval: " << e.what() << "\n" << options << "\n";
    return 2;
  }
  if (vm.count("help") != 0) {
    std::cout << options << "\n";
    return 0;
  }
  if (first_frame < 1) {
    std::cerr << "pmap-posture-eval: --first-frame must be >= 1\n";
    return 2;
  }

  auto loaded_i = load_pmd_experiment_i(pmd_dir, first_frame);
  if (const auto* error = std::get_if<std::string>(&loaded_i)) {
    std::cerr << "pmap-posture-eval: " << *error << "\n";
    return 1;
  }
  auto loaded_ii = load_pmd_experiment_ii(pmd_dir);
  if (const auto* error = std::get_if<std::string>(&loaded_ii)) {
    std::cerr << "pmap-posture-eval: " << *error << "\n";
    return 1;
  }
  const auto& frames_i = std::get<std::vector<PmdFrame>>(loaded_i);
  const auto& frames_ii = std::get<std::vector<PmdFrame>>(loaded_ii);
  const auto mat_i = pmd_experiment_i_mat();
  const auto mat_ii = pmd_experiment_ii_mat();
  std::printf("PMD: %zu experiment-i frames (frames >= %d), %zu experiment-ii frames\n\n",
              frames_i.size(), first_frame, frames_ii.size());
  // Every fitted model also learns from the simulated sleepers, as the shipped one does.
  const auto simulated = simulated_bed_training_samples(1, kDefaultSimulatedTrainingFrames);

  if (vm.count("skip-loso") == 0) {
    std::printf("== experiment-i, leave-one-subject-out ==\n");
    const LosoResult loso = leave_one_subject_out(frames_i, mat_i, {}, simulated);
    print_per_subject(loso.per_subject);
    print_evaluation(loso.overall);
    std::printf("\n");
  }

  std::printf("== experiment-ii (BodiTrak, other mat), model fitted on all of experiment-i ==\n");
  auto all_samples = bed_training_samples(frames_i, mat_i);
  all_samples.insert(all_samples.end(), simulated.begin(), simulated.end());
  const BedModel model = fit_bed_model(all_samples);
  std::map<int, BedEvaluation> per_subject;
  BedEvaluation overall;
  for (const auto& frame : frames_ii) {
    BedEvaluation e = evaluate_bed_model(model, {frame}, mat_ii);
    overall.merge(e);
    per_subject[frame.subject].merge(e);
  }
  print_per_subject(per_subject);
  print_evaluation(overall);
  return 0;
}
