#pragma once
// pmap-analyze as a library (docs/analyze.md): the posture engines over recorded frames, one JSON
// object per frame with a causal smoothed position, and the gateway pipeline's summary report.
// pmap-analyze is a thin main over parse_analyze_cli / run_analyze.
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <Eigen/Core>
#include <nlohmann/json.hpp>

#include "pmap/chair/chair_posture.hpp"
#include "pmap/mat_descriptor.hpp"
#include "pmap/occupancy.hpp"
#include "pmap/posture/position_smoother.hpp"
#include "pmap/recording.hpp"

namespace pmap::analyze {

/// Where the head is in the (column-mirrored) recording: row 0, the last row, or found by the
/// bed engine.
enum class HeadMode : std::uint8_t { kFirst, kLast, kAuto };

/// Pitch assumed for text recordings without --pitch-mm (PMD does not publish one).
inline constexpr double kDefaultPitchMm = 25.4;

struct AnalyzeOptions {
  RecordingFormat format = RecordingFormat::kPmd;
  std::optional<std::uint16_t> rows;
  std::optional<std::uint16_t> cols;
  std::optional<MatKind> kind;  ///< default bed; pmaplog: the meta's (must agree when given)
  bool mirror = false;          ///< text formats: the file's columns are mirrored
  HeadMode head = HeadMode::kAuto;
  /// Text formats: row and column pitch, mm (default kDefaultPitchMm); pmaplog: from its meta.
  std::optional<std::pair<double, double>> pitch_mm;
  /// --keep-baseline (ablation, docs/calibration.md): the bed engine leaves the bare mat's idle
  /// reading in the image instead of removing it.
  bool keep_baseline = false;
};

/// How a file is analysed: the mat (kind, shape, pitch, rate) and the transform to the canonical
/// image (`mat.layout`: text formats {head last ? far : near, mirror}; pmaplog its meta's layout,
/// turned round once more with --head last).
struct AnalysisSetup {
  MatDescriptor mat;
  HeadMode head = HeadMode::kAuto;
  bool keep_baseline = false;  ///< AnalyzeOptions::keep_baseline
};

/// Checks the options against what the reader found; an error message otherwise.
[[nodiscard]] std::variant<AnalysisSetup, std::string> make_setup(const RecordingInfo& info,
                                                                  const AnalyzeOptions& options);

/// The canonical image of a frame read from a recording (values as read, `setup.mat.layout`).
[[nodiscard]] Eigen::MatrixXf canonical_image(const RecordedFrame& frame, const MatDescriptor& mat);

/// Analyses the frames of one recording in order. Holds the causal state (position smoother,
/// chair weight-shift tracker): use one per file.
class FrameAnalyzer {
 public:
  explicit FrameAnalyzer(AnalysisSetup setup);
  /// One JSON object (docs/analyze.md, "Output"): file, frame, t_s, posture, posture_frame, ...
  [[nodiscard]] nlohmann::ordered_json analyze(const std::string& file, const RecordedFrame& frame);

 private:
  void analyze_bed(const Eigen::MatrixXf& image, double t_s, nlohmann::ordered_json& out);
  void analyze_chair(const Eigen::MatrixXf& image, double t_s, nlohmann::ordered_json& out);

  AnalysisSetup setup_;
  posture::PositionSmoother smoother_;
  OccupancyTracker occupancy_;  ///< bed: empty / occupied / getting in or out
  chair::ChairShiftTracker shifts_;
  std::optional<std::int64_t> first_time_us_;
};

/// The command line (docs/analyze.md).
struct AnalyzeCli {
  AnalyzeOptions options;
  std::vector<std::string> files;
  bool summary = false;  ///< the gateway pipeline's report instead of per-frame JSON
  std::string db_path;
  std::string states_path;
  std::int64_t epoch_seconds = 5;
};

/// `help` set: print it and exit 0; otherwise `error` says what is wrong (exit 2).
struct CliExit {
  std::string help;
  std::string error;
};

[[nodiscard]] std::variant<AnalyzeCli, CliExit> parse_analyze_cli(int argc,
                                                                  const char* const argv[]);

/// Runs pmap-analyze: JSON Lines (or the summary) on `out`, errors on `err`. Every file is
/// processed even when an earlier one fails. Returns the exit code: 0, or 1 when any file (or
/// the store) had a problem.
[[nodiscard]] int run_analyze(const AnalyzeCli& cli, std::ostream& out, std::ostream& err);

/// The summary mode (the gateway pipeline offline over one recording); part of run_analyze.
[[nodiscard]] int run_summary(const AnalyzeCli& cli, std::ostream& out, std::ostream& err);

}  // namespace pmap::analyze
