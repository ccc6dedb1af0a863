#pragma once
// Shared by the fuzz targets (docs/fuzzing.md): invariant checks that abort (so libFuzzer and the
// replay runner report the input), and a per-process scratch directory for parsers that read
// files. Nothing here writes outside that directory.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

namespace pmap::fuzz {

/// An invariant of the parser under test failed: report and abort (a crash for libFuzzer).
[[noreturn]] inline void fail(const char* file, int line, const char* what) {
  std::fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", file, line, what);
  std::abort();
}

#define PMAP_FUZZ_CHECK(condition) \
  ((condition) ? (void)0 : ::pmap::fuzz::fail(__FILE__, __LINE__, #condition))

/// A directory private to this process, made on first use under $TMPDIR (or /tmp) and removed at
/// exit. Targets reuse fixed file names in it, so it stays a few files however long they run.
const std::filesystem::path& scratch_dir();

/// Writes `size` bytes to `<scratch_dir>/<name>` (truncating) and returns the path.
std::filesystem::path write_scratch(std::string_view name, const std::uint8_t* data,
                                    std::size_t size);

/// The input as text (the parsers of text formats take std::string_view).
inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace pmap::fuzz
