// The replay runner of the normal (gcc) build: feeds every file named on the command line, or
// found (recursively, in name order) under a directory named there, to LLVMFuzzerTestOneInput
// once. ctest runs it over the committed seed corpus and the regression inputs of each target
// (fuzz.replay.<name>), so every crash the fuzzer found stays a test (docs/fuzzing.md).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

int replay(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", file.c_str());
    return 1;
  }
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                std::istreambuf_iterator<char>());
  // A copy the exact size of the input, so ASan catches a read one byte past its end.
  const std::vector<std::uint8_t> input(bytes.begin(), bytes.end());
  std::fprintf(stderr, "replay %s (%zu bytes)\n", file.c_str(), input.size());
  (void)LLVMFuzzerTestOneInput(input.data(), input.size());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int failures = 0;
  std::size_t inputs = 0;
  for (int i = 1; i < argc; ++i) {
    const std::filesystem::path arg(argv[i]);
    if (std::filesystem::is_directory(arg)) {
      std::vector<std::filesystem::path> files;
      for (const auto& entry : std::filesystem::recursive_directory_iterator(arg)) {
        if (entry.is_regular_file()) files.push_back(entry.path());
      }
      std::sort(files.begin(), files.end());
      for (const auto& file : files) {
        failures += replay(file);
        ++inputs;
      }
    } else if (std::filesystem::exists(arg)) {
      failures += replay(arg);
      ++inputs;
    }
    // A missing path (e.g. a target without regressions yet) is not an error.
  }
  std::printf("replayed %zu inputs\n", inputs);
  return failures == 0 ? 0 : 1;
}
