#pragma once
// Reading recorded pressure frames from files, one frame at a time (docs/analyze.md, "Input
// formats"). Three formats:
//
//   pmd      PhysioNet Pressure Map Dataset text files (M. Baran Pouyan et al., IEEE EMBS BHI 2017,
//            doi:10.1109/BHI.2017.7897206; ODC-By 1.0), in both published layouts: one frame per
//            line (rows*cols values) or one frame as a matrix (rows lines of cols values). Values
//            separated by spaces/tabs, CRLF and trailing separators allowed, 0..4095.
//   csv      one frame per line: `t_ms,applied_mmHg,v0,v1,...` (row-major raw values, applied_mmHg
//            may be empty); an optional header line (first line starting with a non-digit).
//   pmaplog  the project's frame logs (pmap/frame_log.hpp), version 1 or 2, with their meta;
//            version 2 frames may carry the applied pressure (calibration sessions).
//
// Frames come out as read: in the file's own row/column order (no layout transform), values as
// floats. Every problem is returned as a value whose message names the file and line (text) or
// byte offset (pmaplog); nothing throws, and memory stays bounded by one line and one frame.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "pmap/mat_descriptor.hpp"

namespace pmap {

enum class RecordingFormat : std::uint8_t { kPmd, kCsv, kPmaplog };

/// "pmd", "csv", "pmaplog".
[[nodiscard]] std::string_view to_string(RecordingFormat format);
[[nodiscard]] std::optional<RecordingFormat> recording_format_from_string(std::string_view text);

/// How a PMD text file lays out its frames.
enum class PmdLayout : std::uint8_t {
  kAuto,          ///< decide from the first line (see RecordingOptions)
  kFramePerLine,  ///< experiment-i: one frame per line, rows*cols values
  kMatrix,        ///< experiment-ii: rows lines of cols values per frame
};

/// Longest accepted line of a text recording, bytes (a 16384-taxel CSV line of 60-character
/// numbers fits). Longer lines, e.g. binary junk without newlines, are an error.
inline constexpr std::size_t kMaxRecordingLineBytes = std::size_t{1} << 20;
/// Most frames read from one file (11.5 days at 1 Hz); more is an error.
inline constexpr std::uint64_t kMaxRecordingFrames = 1'000'000;
/// PMD values: 12-bit counts. (The PMD README says 0..1000 / 0..500, the files hold up to 4095.)
inline constexpr double kPmdMaxValue = 4095;
/// CSV values: non-negative and at most what the uint16 wire encoding carries.
inline constexpr double kCsvMaxValue = 65535;
/// PMD files carry no time stamps: the mats ran at 1 Hz.
inline constexpr double kPmdSampleRateHz = 1.0;

struct RecordingOptions {
  RecordingFormat format = RecordingFormat::kPmd;
  /// The mat's shape: both or neither. Required for csv. For pmd, when not given: 2048 values on
  /// the first line -> 64 x 32, one frame per line; otherwise a matrix file of one frame whose
  /// column count is the first line's value count and whose row count is its number of non-blank
  /// lines (at most 256). For pmaplog, the meta's shape, which the given one must equal.
  std::optional<std::uint16_t> rows;
  std::optional<std::uint16_t> cols;
  /// PMD only. kAuto with a given shape: a first line of rows*cols values means one frame per line,
  /// one of cols values a matrix.
  PmdLayout pmd_layout = PmdLayout::kAuto;
};

/// What the reader found out about the file when it was opened.
struct RecordingInfo {
  RecordingFormat format = RecordingFormat::kPmd;
  std::uint16_t rows = 0;
  std::uint16_t cols = 0;
  PmdLayout pmd_layout = PmdLayout::kAuto;  ///< pmd: the layout in use; otherwise kAuto
  std::optional<MatDescriptor> mat;         ///< pmaplog: the mat's stored meta
  /// Nominal frame rate: 1 for pmd, the meta's for pmaplog, 0 (unknown: use t_ms) for csv.
  double sample_rate_hz = 0;
};

struct RecordedFrame {
  std::uint64_t index = 0;  ///< 0-based position in the file
  std::uint64_t line = 0;   ///< 1-based line the frame starts on (text formats), 0 for pmaplog
  /// Time of the frame, µs: pmd index / 1 Hz, csv t_ms · 1000, pmaplog the frame's timestamp.
  std::int64_t time_us = 0;
  /// csv: the applied_mmHg column when not empty; pmaplog: a version-2 frame's applied pressure
  std::optional<double> applied_mmhg;
  std::vector<float> values;  ///< rows*cols, row-major, in the file's own order
};

/// A problem with the file; `message` starts with "<path>:<line>: " or "<path>: ".
struct RecordingError {
  std::string message;
};

/// The clean end of the file.
struct RecordingEnd {};

using RecordingRecord = std::variant<RecordedFrame, RecordingEnd, RecordingError>;

/// Reads one recording frame by frame.
class RecordingReader {
 public:
  /// Opens `path`, works out the shape and layout, validates the header (csv/pmaplog). An empty
  /// file, an unreadable one or one whose first line does not fit the shape is an error here.
  [[nodiscard]] static std::variant<RecordingReader, RecordingError> open(
      const std::filesystem::path& path, const RecordingOptions& options);

  RecordingReader(RecordingReader&&) noexcept;
  RecordingReader& operator=(RecordingReader&&) noexcept;
  ~RecordingReader();

  [[nodiscard]] const RecordingInfo& info() const;
  /// The next frame, RecordingEnd after the last one, or the first problem. A file without any
  /// frame ends with an error, not RecordingEnd. After an error or the end, every further call
  /// returns the same.
  [[nodiscard]] RecordingRecord next();

 private:
  struct Impl;
  explicit RecordingReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// A whole recording (for small files and tests): every frame, or the first problem.
struct RecordingContents {
  RecordingInfo info;
  std::vector<RecordedFrame> frames;
};
[[nodiscard]] std::variant<RecordingContents, RecordingError> read_recording(
    const std::filesystem::path& path, const RecordingOptions& options);

}  // namespace pmap
