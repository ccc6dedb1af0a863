#pragma once
// Frame-log files: recordings of one mat's frames, for calibration, replay and analysis tools.
//
// Layout (all integers little-endian; documented in docs/firmware-sim.md, "Frame-log files"):
//
//   offset 0   8 bytes  magic "PMAPLOG\0"
//   offset 8   u16      format version (1)
//   offset 10  u16      mat id length L (1..64)
//   offset 12  u32      meta length M (1..8192)
//   offset 16  L bytes  mat id ([A-Za-z0-9_-])
//   then       M bytes  the mat's `meta` JSON document (docs/protocol.md §3)
//   then, until end of file, records of:
//              u32      frame length N (28..32800)
//              N bytes  one binary wire frame (docs/protocol.md §4, CRC included)
//
// The reader validates every field and every frame (CRC, shape and encoding against the meta) and
// reports problems as values; it never throws on a bad file.
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
inline constexpr std::uint16_t kFrameLogVersion = 1;
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

/// Appends frames of one mat to a new frame-log file.
class FrameLogWriter {
 public:
  /// Creates (truncates) `path` and writes the header for `mat`. The meta stored is
  /// `to_meta_json(mat)`.
  [[nodiscard]] static std::variant<FrameLogWriter, FrameLogError> create(
      const std::filesystem::path& path, const MatDescriptor& mat);

  /// Appends one frame, which must have the mat's shape and encoding.
  [[nodiscard]] std::optional<FrameLogError> append(const PressureFrame& frame);
  /// Flushes and closes the file; reports a failed write.
  [[nodiscard]] std::optional<FrameLogError> close();

  [[nodiscard]] std::uint64_t frames_written() const { return frames_written_; }
  [[nodiscard]] const MatDescriptor& mat() const { return mat_; }

 private:
  FrameLogWriter(std::ofstream out, MatDescriptor mat, std::uint64_t offset);
  std::ofstream out_;
  MatDescriptor mat_;
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

  /// The next frame, FrameLogEnd at a clean end of file, or the first problem found. After an
  /// error or the end, every further call returns the same result.
  [[nodiscard]] FrameLogRecord next();

 private:
  FrameLogReader(std::ifstream in, MatDescriptor mat, std::string meta_json, std::uint64_t offset);
  std::ifstream in_;
  MatDescriptor mat_;
  std::string meta_json_;
  std::uint64_t offset_ = 0;
  std::optional<FrameLogRecord> final_;
};

/// All frames of a log, or the first problem found (convenience for small logs and tests).
struct FrameLogContents {
  MatDescriptor mat;
  std::vector<PressureFrame> frames;
};
[[nodiscard]] std::variant<FrameLogContents, FrameLogError> read_frame_log(
    const std::filesystem::path& path);

}  // namespace pmap
