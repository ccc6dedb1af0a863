// Fuzz target "recording_csv": the CSV recording reader (pmap/recording.hpp, csv format:
// `t_ms,applied_mmHg,v0,...`), as pmap-analyze and pmap-calibrate read files from elsewhere. The
// first input byte picks the mat's shape; the rest is the file. Invariants: every frame has
// rows*cols values within 0..65535 (shapes 1x1, 2x3, 4x4, 2x2), a finite applied pressure when
// there is one, consecutive indices.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <variant>

#include "fuzz_support.hpp"
#include "pmap/recording.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  static constexpr std::uint16_t kShapes[][2] = {{1, 1}, {2, 3}, {4, 4}, {2, 2}};
  const auto& shape = kShapes[data[0] % 4];
  pmap::RecordingOptions options;
  options.format = pmap::RecordingFormat::kCsv;
  options.rows = shape[0];
  options.cols = shape[1];
  const auto path = pmap::fuzz::write_scratch("recording.csv", data + 1, size - 1);
  const auto read = pmap::read_recording(path, options);
  if (const auto* error = std::get_if<pmap::RecordingError>(&read)) {
    PMAP_FUZZ_CHECK(!error->message.empty());
    return 0;
  }
  const auto& contents = std::get<pmap::RecordingContents>(read);
  PMAP_FUZZ_CHECK(contents.info.rows == shape[0] && contents.info.cols == shape[1]);
  PMAP_FUZZ_CHECK(!contents.frames.empty());
  for (std::size_t i = 0; i < contents.frames.size(); ++i) {
    const auto& frame = contents.frames[i];
    PMAP_FUZZ_CHECK(frame.index == i);
    PMAP_FUZZ_CHECK(frame.values.size() == std::size_t{shape[0]} * shape[1]);
    PMAP_FUZZ_CHECK(!frame.applied_mmhg || std::isfinite(*frame.applied_mmhg));
    for (const float v : frame.values) {
      PMAP_FUZZ_CHECK(std::isfinite(v) && v >= 0 && v <= pmap::kCsvMaxValue);
    }
  }
  return 0;
}
