#pragma once
// Frame-log files: recordings of one mat's frames, for calibration, replay and analysis tools.
//
// Layout (all integers little-endian; documented in docs/firmware-sim.md, "Frame-log files"):
//
//   offset 0   8 bytes  magic "PMAPLOG\0"
//   offset 8   u16      format version (1 or 2)
//   offset 10  u16      mat id length L (1..64)
//   offset 12  u32      meta length M (1..8192)
//   offset 16  L bytes  mat id ([A-Za-z0-9_-])
//   then       M bytes  the mat's `meta` JSON document (docs/protocol.md §3)
//   then, until end of file, records of:
//              u32      frame length N (29..32796)
//              N bytes  one binary wire frame (docs/protocol.md §4, CRC included)
//   version 2 only, after every frame, its annotation:
//              u8       flags: bit 0 = an applied pressure follows; bits 1..7 must be 0
//              f64      (bit 0 set) applied_mmHg, IEEE-754 binary64, finite, -1e6..1e6
//
// Version 2 exists for calibration sessions (the known uniform pressure a frame was taken
// under); writers use version 1 unless asked for 2, so plain recordings stay readable by older
// builds. The reader accepts both, validates every field and every frame (CRC, shape and encoding
// against the meta, annotation flags and value) and reports problems as values; it never throws
// on a bad file.
#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "pmap/frame.hpp"
#include "pmap/mat_descriptor.hpp"

namespace pmap {

inline constexpr std::array<char, 8> kFrameLogMagic = {'P', 'M', 'A', 'P', 'L', 'O', 'G', '\0'};
/// Version 1: frames only (what writers produce by default).
inline constexpr std::uint16_t kFrameLogVersion = 1;
/// Version 2: every frame followed by an annotation (FrameAnnotation).
inline constexpr std::uint16_t kFrameLogVersionAnnotated = 2;
/// Largest |applied_mmHg| a version-2 annotation may carry (as the CSV reader accepts).
inline constexpr double kFrameLogMaxAppliedMmhg = 1e6;
/// Size of the fixed part of the file header, before the mat id and the meta document.
inline constexpr std::size_t kFrameLogFixedHeaderSize = 16;

/// Why a frame log could not be written or read. `offset` is the byte offset in the file where the
/// problem was found (0 for problems opening the file).
struct FrameLogError {
  std::string message;
  std::uint64_t offset = 0;
};

/// The clean end of a frame log (no partial record after the last frame).
struct FrameLogEnd {};

/// What a version-2 frame log stores next to a frame (version 1: always empty).
struct FrameAnnotation {
  /// The known uniform pressure the frame was taken under (calibration sessions), mmHg.
  std::optional<double> applied_mmhg;
  friend bool operator==(const FrameAnnotation&, const FrameAnnotation&) = default;
};

/// Appends frames of one mat to a new frame-log file.
class FrameLogWriter {
 public:
  /// Creates (truncates) `path` and writes the header for `mat`. The meta stored is
  /// `to_meta_json(mat)`. `version` is kFrameLogVersion (1) or kFrameLogVersionAnnotated (2).
  [[nodiscard]] static std::variant<FrameLogWriter, FrameLogError> create(
      const std::filesystem::path& path, const MatDescriptor& mat,
      std::uint16_t version = kFrameLogVersion);

  /// Appends one frame, which must have the mat's shape and encoding. A non-empty annotation
  /// needs a version-2 log; its applied pressure must be finite and within ±1e6 mmHg.
  [[nodiscard]] std::optional<FrameLogError> append(const PressureFrame& frame,
                                                    const FrameAnnotation& annotation = {});
  /// Flushes and closes the file; reports a failed write.
  [[nodiscard]] std::optional<FrameLogError> close();

  [[nodiscard]] std::uint64_t frames_written() const { return frames_written_; }
  [[nodiscard]] const MatDescriptor& mat() const { return mat_; }
  [[nodiscard]] std::uint16_t version() const { return version_; }

 private:
  FrameLogWriter(std::ofstream out, MatDescriptor mat, std::uint64_t offset, std::uint16_t version);
  std::ofstream out_;
  MatDescriptor mat_;
  std::uint16_t version_ = kFrameLogVersion;
  std::uint64_t offset_ = 0;
  std::uint64_t frames_written_ = 0;
};

using FrameLogRecord = std::variant<PressureFrame, FrameLogEnd, FrameLogError>;

/// Reads a frame-log file frame by frame.
class FrameLogReader {
 public:
  /// Opens `path` and validates the header (magic, version, mat id, meta).
  [[nodiscard]] static std::variant<FrameLogReader, FrameLogError> open(
      const std::filesystem::path& path);

  /// The mat the log belongs to, from its header (`id` is the stored mat id).
  [[nodiscard]] const MatDescriptor& mat() const { return mat_; }
  /// The stored meta document, verbatim.
  [[nodiscard]] const std::string& meta_json() const { return meta_json_; }
  /// The file's format version (1 or 2).
  [[nodiscard]] std::uint16_t version() const { return version_; }

  /// The next frame, FrameLogEnd at a clean end of file, or the first problem found. After an
  /// error or the end, every further call returns the same result.
  [[nodiscard]] FrameLogRecord next();
  /// The annotation of the frame the last next() returned (empty for version 1, or before the
  /// first frame, or after the end or an error).
  [[nodiscard]] const FrameAnnotation& annotation() const { return annotation_; }

 private:
  FrameLogReader(std::ifstream in, MatDescriptor mat, std::string meta_json, std::uint64_t offset,
                 std::uint16_t version);
  std::ifstream in_;
  MatDescriptor mat_;
  std::string meta_json_;
  std::uint16_t version_ = kFrameLogVersion;
  FrameAnnotation annotation_;
  std::uint64_t offset_ = 0;
  std::optional<FrameLogRecord> final_;
};

/// All frames of a log, or the first problem found (convenience for small logs and tests).
struct FrameLogContents {
  MatDescriptor mat;
  std::vector<PressureFrame> frames;
  std::vector<FrameAnnotation> annotations;  ///< one per frame (all empty for version 1)
  std::uint16_t version = kFrameLogVersion;
};
[[nodiscard]] std::variant<FrameLogContents, FrameLogError> read_frame_log(
    const std::filesystem::path& path);

}  // namespace pmap
