#pragma once
// Reader for the PhysioNet PMD recordings (M. Baran Pouyan, J. Birjandtalab, M. Heydarzadeh,
// M. Nourani, S. Ostadabbas, "A pressure map dataset for posture and subject analytics", IEEE EMBS
// BHI 2017; PhysioNet; ODC-By 1.0), as laid out in shared/data/pmd (see its README.md).
// Frames come out canonical (docs/protocol.md §2) with the study's posture labels.
#include <filesystem>
#include <string>
#include <variant>
#include <vector>

#include <Eigen/Core>

#include "pmap/mat_descriptor.hpp"
#include "pmap/posture/bed_posture.hpp"

namespace pmap::posture {

/// One labelled PMD frame in canonical orientation (head at row 0).
struct PmdFrame {
  int experiment = 1;  ///< 1 = experiment-i, 2 = experiment-ii
  int subject = 0;     ///< subject number as in the folder name (S<subject>)
  std::string source;  ///< path relative to the PMD root, e.g. "experiment-i/S1/13.txt"
  int frame = 1;       ///< 1-based frame number within the file
  SleepPosition position = SleepPosition::kSupine;
  LateralSubtype subtype = LateralSubtype::kNotLateral;
  bool subtype_labelled = true;  ///< false where the study does not say how the side was lain on
  Eigen::MatrixXf canonical;
};

/// Experiment-i: Vista FSA SoftFlex 2048, 64x32, head at row 0, columns mirrored. The pitch is
/// not in the data set; 1 inch is assumed (docs/posture.md).
[[nodiscard]] MatDescriptor pmd_experiment_i_mat();
/// Experiment-ii: BodiTrak BT3510, 64x27, turned round and mirrored; same assumed pitch.
[[nodiscard]] MatDescriptor pmd_experiment_ii_mat();

/// All frames numbered >= `first_frame` of every labelled file of experiment-i under `pmd_root`
/// (files 1..17 of each S<n> folder). Any malformed file is an error naming file and line.
[[nodiscard]] std::variant<std::vector<PmdFrame>, std::string> load_pmd_experiment_i(
    const std::filesystem::path& pmd_root, int first_frame);

/// Every labelled experiment-ii frame (B*, C*, D*, E*, F* on both mats; unlabelled G* skipped).
[[nodiscard]] std::variant<std::vector<PmdFrame>, std::string> load_pmd_experiment_ii(
    const std::filesystem::path& pmd_root);

}  // namespace pmap::posture
