// Fuzz target "frame_log": frame-log files (pmap/frame_log.hpp, versions 1 and 2), the recordings
// pmap-sim --replay, pmap-analyze and pmap-calibrate read. Invariants: every frame read is well
// formed and has the mat's shape and encoding; the recording reader (pmaplog format) agrees with
// the frame-log reader; writing the frames and annotations again gives a log that reads back equal.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <variant>

#include "fuzz_support.hpp"
#include "pmap/frame_log.hpp"
#include "pmap/recording.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto path = pmap::fuzz::write_scratch("input.pmaplog", data, size);
  const auto read = pmap::read_frame_log(path);

  pmap::RecordingOptions options;
  options.format = pmap::RecordingFormat::kPmaplog;
  const auto recording = pmap::read_recording(path, options);

  if (const auto* error = std::get_if<pmap::FrameLogError>(&read)) {
    PMAP_FUZZ_CHECK(!error->message.empty());
    PMAP_FUZZ_CHECK(error->offset <= size);
    PMAP_FUZZ_CHECK(std::holds_alternative<pmap::RecordingError>(recording));
    return 0;
  }
  const auto& log = std::get<pmap::FrameLogContents>(read);
  PMAP_FUZZ_CHECK(log.version == pmap::kFrameLogVersion ||
                  log.version == pmap::kFrameLogVersionAnnotated);
  PMAP_FUZZ_CHECK(log.annotations.size() == log.frames.size());
  for (std::size_t i = 0; i < log.frames.size(); ++i) {
    const auto& frame = log.frames[i];
    PMAP_FUZZ_CHECK(frame.well_formed());
    PMAP_FUZZ_CHECK(frame.rows == log.mat.rows && frame.cols == log.mat.cols);
    PMAP_FUZZ_CHECK(frame.encoding == log.mat.encoding);
    const auto& applied = log.annotations[i].applied_mmhg;
    PMAP_FUZZ_CHECK(!applied ||
                    (log.version == pmap::kFrameLogVersionAnnotated && std::isfinite(*applied) &&
                     std::abs(*applied) <= pmap::kFrameLogMaxAppliedMmhg));
  }

  // The recording reader reads the same frames (a log without frames is an error there).
  if (log.frames.empty()) {
    PMAP_FUZZ_CHECK(std::holds_alternative<pmap::RecordingError>(recording));
  } else {
    PMAP_FUZZ_CHECK(std::holds_alternative<pmap::RecordingContents>(recording));
    const auto& contents = std::get<pmap::RecordingContents>(recording);
    PMAP_FUZZ_CHECK(contents.frames.size() == log.frames.size());
    for (std::size_t i = 0; i < log.frames.size(); ++i) {
      const auto& a = log.frames[i];
      const auto& b = contents.frames[i];
      PMAP_FUZZ_CHECK(b.time_us == a.timestamp_us);
      PMAP_FUZZ_CHECK(b.applied_mmhg == log.annotations[i].applied_mmhg);
      PMAP_FUZZ_CHECK(b.values.size() == a.values.size());
      for (std::size_t k = 0; k < a.values.size(); ++k) {
        PMAP_FUZZ_CHECK(b.values[k] == static_cast<float>(a.values[k]));
      }
    }
  }

  // Written again, it reads back equal.
  const auto copy = pmap::fuzz::scratch_dir() / "copy.pmaplog";
  auto created = pmap::FrameLogWriter::create(copy, log.mat, log.version);
  PMAP_FUZZ_CHECK(std::holds_alternative<pmap::FrameLogWriter>(created));
  auto& writer = std::get<pmap::FrameLogWriter>(created);
  for (std::size_t i = 0; i < log.frames.size(); ++i) {
    PMAP_FUZZ_CHECK(!writer.append(log.frames[i], log.annotations[i]));
  }
  PMAP_FUZZ_CHECK(!writer.close());
  const auto again = pmap::read_frame_log(copy);
  PMAP_FUZZ_CHECK(std::holds_alternative<pmap::FrameLogContents>(again));
  const auto& reread = std::get<pmap::FrameLogContents>(again);
  PMAP_FUZZ_CHECK(reread.mat == log.mat);
  PMAP_FUZZ_CHECK(reread.frames == log.frames);
  PMAP_FUZZ_CHECK(reread.annotations == log.annotations);
  return 0;
}
