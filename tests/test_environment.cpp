// Linked into every test executable: makes the source tree and the built pmap-* tools known to
// tests as PMAP_SOURCE_DIR / PMAP_BIN_DIR. Values already in the environment win, so a test can
// be pointed at another build. (CTest's ENVIRONMENT cannot carry two variables through
// gtest_discover_tests, whose property lists split on ';'.)
#include <cstdlib>

namespace {
const bool kTestEnvironmentSet = [] {
  ::setenv("PMAP_SOURCE_DIR", PMAP_TEST_SOURCE_DIR, /*overwrite=*/0);
  ::setenv("PMAP_BIN_DIR", PMAP_TEST_BIN_DIR, /*overwrite=*/0);
  return true;
}();
}  // namespace
