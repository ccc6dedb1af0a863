#include "pmap/posture/pmd_dataset.hpp"

#include <algorithm>
#include <charconv>
#include <optional>
#include <string_view>

#include "pmap/layout.hpp"
#include "pmap/recording.hpp"

namespace pmap::posture {
namespace {

namespace fs = std::filesystem;

constexpr int kRows = 64;
constexpr int kColsI = 32;
constexpr int kColsII = 27;
// The README gives 0-1000 (experiment-i) and 0-500 (experiment-ii), but both sets of files hold
// readings up to 4095 (about 0.5% of experiment-i taxels; 12-bit ADCs), so that is the bound
// (pmap::kPmdMaxValue, enforced by the recording reader that parses the files).
constexpr int kMaxCountI = static_cast<int>(kPmdMaxValue);
constexpr int kMaxCountII = static_cast<int>(kPmdMaxValue);
constexpr double kAssumedPitchMm = 25.4;

MatDescriptor pmd_mat(std::string id, std::uint16_t cols, RowOrigin first_row, int full_scale) {
  MatDescriptor mat;
  mat.id = std::move(id);
  mat.kind = MatKind::kBed;
  mat.rows = kRows;
  mat.cols = cols;
  mat.row_pitch_mm = kAssumedPitchMm;
  mat.col_pitch_mm = kAssumedPitchMm;
  mat.sample_rate_hz = 1;
  mat.layout = MatLayout{first_row, true};
  mat.full_scale_counts = static_cast<std::uint16_t>(full_scale);
  return mat;
}

struct Label {
  SleepPosition position;
  LateralSubtype subtype;
  bool subtype_labelled;
};

std::optional<Label> experiment_i_label(int file) {
  using P = SleepPosition;
  using S = LateralSubtype;
  switch (file) {
    case 2:
      return Label{P::kRightSide, S::kStraight, true};
    case 3:
      return Label{P::kLeftSide, S::kStraight, true};
    case 4:
    case 5:
      return Label{P::kRightSide, S::kRolledPartly, true};
    case 6:
    case 7:
      return Label{P::kLeftSide, S::kRolledPartly, true};
    case 13:
      return Label{P::kRightSide, S::kFetal, true};
    case 14:
      return Label{P::kLeftSide, S::kFetal, true};
    default:
      if (file >= 1 && file <= 17) return Label{P::kSupine, S::kNotLateral, true};
      return std::nullopt;
  }
}

std::optional<Label> experiment_ii_label(std::string_view code) {
  using P = SleepPosition;
  using S = LateralSubtype;
  if (code.size() < 2) return std::nullopt;
  int number = 0;
  const auto [end, ec] = std::from_chars(code.data() + 1, code.data() + code.size(), number);
  if (ec != std::errc{} || end != code.data() + code.size()) return std::nullopt;
  switch (code[0]) {
    case 'B':
      if (number >= 1 && number <= 10) return Label{P::kSupine, S::kNotLateral, true};
      break;
    case 'F':
      if (number >= 1 && number <= 7) return Label{P::kSupine, S::kNotLateral, true};
      break;
    case 'C':
      if (number >= 1 && number <= 3) return Label{P::kRightSide, S::kStraight, false};
      break;
    case 'D':
      if (number >= 1 && number <= 3) return Label{P::kLeftSide, S::kStraight, false};
      break;
    case 'E':
      if (number == 1 || number == 2 || number == 5) {
        return Label{P::kRightSide, S::kRolledPartly, true};
      }
      if (number == 3 || number == 4 || number == 6) {
        return Label{P::kLeftSide, S::kRolledPartly, true};
      }
      break;
    default:
      break;
  }
  return std::nullopt;
}

// Every frame of one PMD file in the given layout (pmap/recording.hpp parses and validates it:
// values 0..4095, value counts, errors naming file and line).
std::variant<std::vector<RecordedFrame>, std::string> read_pmd_file(const fs::path& path, int cols,
                                                                    PmdLayout layout) {
  RecordingOptions options;
  options.format = RecordingFormat::kPmd;
  options.rows = kRows;
  options.cols = static_cast<std::uint16_t>(cols);
  options.pmd_layout = layout;
  auto read = read_recording(path, options);
  if (auto* error = std::get_if<RecordingError>(&read)) return std::move(error->message);
  return std::move(std::get<RecordingContents>(read).frames);
}

Eigen::MatrixXf canonical_image(const std::vector<float>& row_major, int rows, int cols,
                                const MatLayout& layout) {
  Eigen::MatrixXf image(rows, cols);
  const auto R = static_cast<std::size_t>(rows);
  const auto C = static_cast<std::size_t>(cols);
  for (std::size_t r = 0; r < R; ++r) {
    for (std::size_t c = 0; c < C; ++c) {
      const TaxelIndex src = canonical_to_mat({r, c}, R, C, layout);
      image(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c)) =
          row_major[src.row * C + src.col];
    }
  }
  return image;
}

// Subject folders S<n> under `dir`, in numeric order.
std::vector<std::pair<int, fs::path>> subject_dirs(const fs::path& dir, std::string* error) {
  std::vector<std::pair<int, fs::path>> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_directory() || name.size() < 2 || name[0] != 'S') continue;
    int subject = 0;
    const auto [end, parse_ec] =
        std::from_chars(name.data() + 1, name.data() + name.size(), subject);
    if (parse_ec != std::errc{} || end != name.data() + name.size()) continue;
    out.emplace_back(subject, entry.path());
  }
  if (ec) *error = dir.string() + ": " + ec.message();
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

MatDescriptor pmd_experiment_i_mat() {
  return pmd_mat("pmd-exp-i", kColsI, RowOrigin::kNear, kMaxCountI);
}

MatDescriptor pmd_experiment_ii_mat() {
  return pmd_mat("pmd-exp-ii", kColsII, RowOrigin::kFar, kMaxCountII);
}

std::variant<std::vector<PmdFrame>, std::string> load_pmd_experiment_i(const fs::path& pmd_root,
                                                                       int first_frame) {
  std::string error;
  const fs::path dir = pmd_root / "experiment-i";
  const auto subjects = subject_dirs(dir, &error);
  if (!error.empty()) return error;
  if (subjects.empty()) return dir.string() + ": no S<n> subject folders";
  const MatLayout layout = pmd_experiment_i_mat().layout;
  std::vector<PmdFrame> frames;
  for (const auto& [subject, subject_dir] : subjects) {
    for (int file = 1; file <= 17; ++file) {
      const fs::path path = subject_dir / (std::to_string(file) + ".txt");
      if (!fs::exists(path)) continue;  // the study did not record every posture for everyone
      auto read = read_pmd_file(path, kColsI, PmdLayout::kFramePerLine);
      if (auto* problem = std::get_if<std::string>(&read)) return std::move(*problem);
      const Label label = *experiment_i_label(file);
      for (const RecordedFrame& recorded : std::get<std::vector<RecordedFrame>>(read)) {
        const int frame = static_cast<int>(recorded.index) + 1;
        if (frame < first_frame) continue;
        PmdFrame f;
        f.experiment = 1;
        f.subject = subject;
        f.source =
            "experiment-i/" + subject_dir.filename().string() + "/" + path.filename().string();
        f.frame = frame;
        f.position = label.position;
        f.subtype = label.subtype;
        f.subtype_labelled = label.subtype_labelled;
        f.canonical = canonical_image(recorded.values, kRows, kColsI, layout);
        frames.push_back(std::move(f));
      }
    }
  }
  return frames;
}

std::variant<std::vector<PmdFrame>, std::string> load_pmd_experiment_ii(const fs::path& pmd_root) {
  std::string error;
  const fs::path dir = pmd_root / "experiment-ii";
  const auto subjects = subject_dirs(dir, &error);
  if (!error.empty()) return error;
  if (subjects.empty()) return dir.string() + ": no S<n> subject folders";
  const MatLayout layout = pmd_experiment_ii_mat().layout;
  std::vector<PmdFrame> frames;
  for (const auto& [subject, subject_dir] : subjects) {
    for (const std::string mat : {"Air", "Sponge"}) {
      const fs::path mat_dir = subject_dir / (mat + "_Mat");
      if (!fs::is_directory(mat_dir)) continue;
      std::vector<fs::path> files;
      for (const auto& entry : fs::directory_iterator(mat_dir)) files.push_back(entry.path());
      std::sort(files.begin(), files.end());
      const std::string prefix = "Matrix_" + mat + "_";
      for (const auto& path : files) {
        const std::string name = path.filename().string();
        if (name.rfind(prefix, 0) != 0 || path.extension() != ".txt") continue;
        const auto label = experiment_ii_label(
            std::string_view(name).substr(prefix.size(), name.size() - prefix.size() - 4));
        if (!label) continue;  // G1..G3 and anything else the study does not label
        auto read = read_pmd_file(path, kColsII, PmdLayout::kMatrix);
        if (auto* problem = std::get_if<std::string>(&read)) return std::move(*problem);
        const auto& recorded = std::get<std::vector<RecordedFrame>>(read);
        if (recorded.size() != 1) {
          return path.string() + ": expected " + std::to_string(kRows) + " rows";
        }
        PmdFrame f;
        f.experiment = 2;
        f.subject = subject;
        f.source = "experiment-ii/" + subject_dir.filename().string() + "/" + mat + "_Mat/" + name;
        f.position = label->position;
        f.subtype = label->subtype;
        f.subtype_labelled = label->subtype_labelled;
        f.canonical = canonical_image(recorded.front().values, kRows, kColsII, layout);
        frames.push_back(std::move(f));
      }
    }
  }
  return frames;
}

}  // namespace pmap::posture
