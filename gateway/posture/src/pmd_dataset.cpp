#include "pmap/posture/pmd_dataset.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <optional>
#include <sstream>
#include <string_view>

#include "pmap/frame.hpp"
#include "pmap/layout.hpp"

namespace pmap::posture {
namespace {

namespace fs = std::filesystem;

constexpr int kRows = 64;
constexpr int kColsI = 32;
constexpr int kColsII = 27;
// The README gives 0-1000 (experiment-i) and 0-500 (experiment-ii), but both sets of files hold
// readings up to 4095 (about 0.5% of experiment-i taxels; 12-bit ADCs), so that is the bound.
constexpr int kMaxCountI = 4095;
constexpr int kMaxCountII = 4095;
// Files larger than this are not PMD files (the largest experiment-i file is ~1 MB).
constexpr std::uintmax_t kMaxFileBytes = 64u << 20;
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

std::optional<std::string> read_small_file(const fs::path& path, std::string* error) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) {
    *error = path.string() + ": " + ec.message();
    return std::nullopt;
  }
  if (size > kMaxFileBytes) {
    *error = path.string() + ": file too large for a PMD recording";
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = path.string() + ": cannot open";
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Parses one line of non-negative integers separated by tabs/spaces (CR and trailing separators
// allowed). Returns an error message or empty.
std::string parse_counts(std::string_view line, int max_count, std::vector<int>* values) {
  values->clear();
  std::size_t i = 0;
  while (i < line.size()) {
    const char ch = line[i];
    if (ch == ' ' || ch == '\t' || ch == '\r') {
      ++i;
      continue;
    }
    int value = 0;
    const auto [end, ec] = std::from_chars(line.data() + i, line.data() + line.size(), value);
    if (ec != std::errc{} || end == line.data() + i) {
      return "not an integer at character " + std::to_string(i + 1);
    }
    if (value < 0 || value > max_count) {
      return "value " + std::to_string(value) + " outside [0, " + std::to_string(max_count) + "]";
    }
    values->push_back(value);
    i = static_cast<std::size_t>(end - line.data());
  }
  return {};
}

Eigen::MatrixXf canonical_image(const std::vector<int>& row_major, int rows, int cols,
                                const MatLayout& layout) {
  PressureFrame frame;
  frame.rows = static_cast<std::uint16_t>(rows);
  frame.cols = static_cast<std::uint16_t>(cols);
  frame.values.assign(row_major.begin(), row_major.end());
  const PressureFrame canonical = to_canonical(frame, layout);
  Eigen::MatrixXf image(rows, cols);
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) image(r, c) = static_cast<float>(canonical.at(r, c));
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
  std::vector<int> values;
  for (const auto& [subject, subject_dir] : subjects) {
    for (int file = 1; file <= 17; ++file) {
      const fs::path path = subject_dir / (std::to_string(file) + ".txt");
      if (!fs::exists(path)) continue;  // the study did not record every posture for everyone
      const auto text = read_small_file(path, &error);
      if (!text) return error;
      const Label label = *experiment_i_label(file);
      std::istringstream lines(*text);
      std::string line;
      int frame = 0;
      while (std::getline(lines, line)) {
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        ++frame;
        const std::string problem = parse_counts(line, kMaxCountI, &values);
        const std::string where = path.string() + ":" + std::to_string(frame) + ": ";
        if (!problem.empty()) return where + problem;
        if (values.size() != static_cast<std::size_t>(kRows * kColsI)) {
          return where + "expected " + std::to_string(kRows * kColsI) + " values, got " +
                 std::to_string(values.size());
        }
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
        f.canonical = canonical_image(values, kRows, kColsI, layout);
        frames.push_back(std::move(f));
      }
      if (frame == 0) return path.string() + ": no frames";
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
  std::vector<int> values;
  std::vector<int> image;
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
        const auto text = read_small_file(path, &error);
        if (!text) return error;
        std::istringstream lines(*text);
        std::string line;
        int line_number = 0;
        image.clear();
        while (std::getline(lines, line)) {
          ++line_number;
          if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
          const std::string problem = parse_counts(line, kMaxCountII, &values);
          const std::string where = path.string() + ":" + std::to_string(line_number) + ": ";
          if (!problem.empty()) return where + problem;
          if (values.size() != static_cast<std::size_t>(kColsII)) {
            return where + "expected " + std::to_string(kColsII) + " values, got " +
                   std::to_string(values.size());
          }
          image.insert(image.end(), values.begin(), values.end());
        }
        if (image.size() != static_cast<std::size_t>(kRows * kColsII)) {
          return path.string() + ": expected " + std::to_string(kRows) + " rows";
        }
        PmdFrame f;
        f.experiment = 2;
        f.subject = subject;
        f.source = "experiment-ii/" + subject_dir.filename().string() + "/" + mat + "_Mat/" + name;
        f.position = label->position;
        f.subtype = label->subtype;
        f.subtype_labelled = label->subtype_labelled;
        f.canonical = canonical_image(image, kRows, kColsII, layout);
        frames.push_back(std::move(f));
      }
    }
  }
  return frames;
}

}  // namespace pmap::posture
