#pragma once
// Counting heap allocations, for tests that assert a steady-state loop allocates nothing.
//
// allocation_counter.cpp replaces the global allocator of the WHOLE executable it is linked into,
// so it goes into a dedicated test executable and nowhere else (tests/alloc/CMakeLists.txt):
//
//   pmap_add_gtest(my_alloc_test my_alloc_test.cpp
//   ${PROJECT_SOURCE_DIR}/tests/alloc/allocation_counter.cpp)
//
//   #include "allocation_counter.hpp"
//   analyser.analyze(frame, mat);               // warm-up: sizes the workspace
//   const pmap::test::AllocationCounter counter;
//   for (...) analyser.analyze(frame, mat);     // the steady state
//   EXPECT_EQ(counter.allocations(), 0U);
//
// What is counted, per thread (other threads and the test framework's own threads do not
// interfere): every call of a replaceable global operator new (all forms: array, nothrow,
// aligned) and, with glibc, every call of malloc, calloc, realloc, aligned_alloc, memalign,
// posix_memalign, valloc and pvalloc, which catches allocations that bypass operator new (Eigen's
// dynamic matrices use malloc). supported() says whether the C allocation functions are counted.
// Not compatible with sanitizers or valgrind, which replace the allocator themselves.
#include <cstddef>

namespace pmap::test {

/// Counts the allocations made by the constructing thread from construction on.
class AllocationCounter {
 public:
  AllocationCounter();
  /// Allocations (calls of an allocation function) since construction.
  [[nodiscard]] std::size_t allocations() const;
  /// Bytes requested by them.
  [[nodiscard]] std::size_t bytes() const;
  /// True when malloc and friends are counted as well as operator new (glibc).
  [[nodiscard]] static bool counts_malloc();

 private:
  std::size_t start_allocations_;
  std::size_t start_bytes_;
};

}  // namespace pmap::test
