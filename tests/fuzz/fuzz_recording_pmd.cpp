// Fuzz target "recording_pmd": the PMD text reader (pmap/recording.hpp, RecordingReader in pmd
// format), which pmap-analyze, pmap-sim --replay and pmap-calibrate run on files from elsewhere.
// The first input byte picks the options (shape given or not, layout); the rest is the file.
// Invariants: every frame has rows*cols values within 0..4095, indices count from 0 and the
// time is index / 1 Hz.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <variant>

#include "fuzz_support.hpp"
#include "pmap/recording.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  pmap::RecordingOptions options;
  options.format = pmap::RecordingFormat::kPmd;
  switch (data[0] % 5) {
    case 0:  // shape from the file
      break;
    case 1:  // experiment-i: 64 x 32, one frame per line
      options.rows = 64;
      options.cols = 32;
      break;
    case 2:
      options.rows = 3;
      options.cols = 4;
      options.pmd_layout = pmap::PmdLayout::kFramePerLine;
      break;
    case 3:
      options.rows = 3;
      options.cols = 4;
      options.pmd_layout = pmap::PmdLayout::kMatrix;
      break;
    default:
      options.rows = 3;
      options.cols = 4;
      break;
  }
  const auto path = pmap::fuzz::write_scratch("recording.txt", data + 1, size - 1);
  const auto read = pmap::read_recording(path, options);
  if (const auto* error = std::get_if<pmap::RecordingError>(&read)) {
    PMAP_FUZZ_CHECK(!error->message.empty());
    return 0;
  }
  const auto& contents = std::get<pmap::RecordingContents>(read);
  const auto& info = contents.info;
  PMAP_FUZZ_CHECK(info.rows > 0 && info.cols > 0);
  PMAP_FUZZ_CHECK(!options.rows || (*options.rows == info.rows && *options.cols == info.cols));
  PMAP_FUZZ_CHECK(info.pmd_layout != pmap::PmdLayout::kAuto);
  PMAP_FUZZ_CHECK(!contents.frames.empty());
  for (std::size_t i = 0; i < contents.frames.size(); ++i) {
    const auto& frame = contents.frames[i];
    PMAP_FUZZ_CHECK(frame.index == i);
    PMAP_FUZZ_CHECK(frame.time_us == static_cast<std::int64_t>(i) * 1'000'000);
    PMAP_FUZZ_CHECK(frame.line >= 1);
    PMAP_FUZZ_CHECK(frame.values.size() == std::size_t{info.rows} * info.cols);
    for (const float v : frame.values) {
      PMAP_FUZZ_CHECK(std::isfinite(v) && v >= 0 && v <= pmap::kPmdMaxValue);
    }
  }
  return 0;
}
