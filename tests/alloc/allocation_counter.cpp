// Replaces the global allocator of the executable it is linked into and counts allocations per
// thread (allocation_counter.hpp). operator new and the glibc C allocation functions are replaced
// with versions that count and then call glibc's own implementations (__libc_malloc & co.), so an
// allocation is counted once whichever way it is made.
#include "allocation_counter.hpp"

#include <cerrno>
#include <cstdlib>
#include <new>

#if defined(__GLIBC__)
extern "C" {
void* __libc_malloc(std::size_t size);
void* __libc_calloc(std::size_t count, std::size_t size);
void* __libc_realloc(void* pointer, std::size_t size);
void* __libc_memalign(std::size_t alignment, std::size_t size);
void* __libc_valloc(std::size_t size);
void* __libc_pvalloc(std::size_t size);
void __libc_free(void* pointer);
}
#endif

namespace {

// Plain thread-local integers: no constructor, no allocation, usable from inside malloc.
thread_local std::size_t t_allocations = 0;
thread_local std::size_t t_bytes = 0;

void count(std::size_t bytes) {
  ++t_allocations;
  t_bytes += bytes;
}

void* allocate(std::size_t size) {
#if defined(__GLIBC__)
  return __libc_malloc(size == 0 ? 1 : size);
#else
  return std::malloc(size == 0 ? 1 : size);
#endif
}

void* allocate_aligned(std::size_t size, std::size_t alignment) {
#if defined(__GLIBC__)
  return __libc_memalign(alignment, size == 0 ? 1 : size);
#else
  // aligned_alloc needs a size that is a multiple of the alignment.
  return std::aligned_alloc(alignment,
                            ((size == 0 ? 1 : size) + alignment - 1) / alignment * alignment);
#endif
}

void release(void* pointer) {
#if defined(__GLIBC__)
  __libc_free(pointer);
#else
  std::free(pointer);
#endif
}

void* new_or_throw(std::size_t size) {
  count(size);
  void* p = allocate(size);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

void* new_aligned_or_throw(std::size_t size, std::align_val_t alignment) {
  count(size);
  void* p = allocate_aligned(size, static_cast<std::size_t>(alignment));
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

}  // namespace

namespace pmap::test {

AllocationCounter::AllocationCounter() : start_allocations_(t_allocations), start_bytes_(t_bytes) {}

std::size_t AllocationCounter::allocations() const {
  return t_allocations - start_allocations_;
}

std::size_t AllocationCounter::bytes() const {
  return t_bytes - start_bytes_;
}

bool AllocationCounter::counts_malloc() {
#if defined(__GLIBC__)
  return true;
#else
  return false;
#endif
}

}  // namespace pmap::test

// --- The replaceable global allocation functions ([new.delete]). ---
void* operator new(std::size_t size) {
  return new_or_throw(size);
}
void* operator new[](std::size_t size) {
  return new_or_throw(size);
}
void* operator new(std::size_t size, std::align_val_t alignment) {
  return new_aligned_or_throw(size, alignment);
}
void* operator new[](std::size_t size, std::align_val_t alignment) {
  return new_aligned_or_throw(size, alignment);
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  count(size);
  return allocate(size);
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  count(size);
  return allocate(size);
}
void* operator new(std::size_t size, std::align_val_t alignment, const std::nothrow_t&) noexcept {
  count(size);
  return allocate_aligned(size, static_cast<std::size_t>(alignment));
}
void* operator new[](std::size_t size, std::align_val_t alignment, const std::nothrow_t&) noexcept {
  count(size);
  return allocate_aligned(size, static_cast<std::size_t>(alignment));
}
void operator delete(void* p) noexcept {
  release(p);
}
void operator delete[](void* p) noexcept {
  release(p);
}
void operator delete(void* p, std::size_t) noexcept {
  release(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  release(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
  release(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
  release(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
  release(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
  release(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
  release(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
  release(p);
}
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept {
  release(p);
}
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept {
  release(p);
}

#if defined(__GLIBC__)
// --- glibc's C allocation functions (the glibc manual, "Replacing malloc"). ---
extern "C" {
void* malloc(std::size_t size) noexcept {
  count(size);
  return __libc_malloc(size);
}
void* calloc(std::size_t n, std::size_t size) noexcept {
  count(n * size);
  return __libc_calloc(n, size);
}
void* realloc(void* pointer, std::size_t size) noexcept {
  count(size);
  return __libc_realloc(pointer, size);
}
void free(void* pointer) noexcept {
  __libc_free(pointer);
}
void* memalign(std::size_t alignment, std::size_t size) noexcept {
  count(size);
  return __libc_memalign(alignment, size);
}
void* aligned_alloc(std::size_t alignment, std::size_t size) noexcept {
  count(size);
  return __libc_memalign(alignment, size);
}
int posix_memalign(void** out, std::size_t alignment, std::size_t size) noexcept {
  if (alignment < sizeof(void*) || (alignment & (alignment - 1)) != 0) return EINVAL;
  count(size);
  void* p = __libc_memalign(alignment, size);
  if (p == nullptr) return ENOMEM;
  *out = p;
  return 0;
}
void* valloc(std::size_t size) noexcept {
  count(size);
  return __libc_valloc(size);
}
void* pvalloc(std::size_t size) noexcept {
  count(size);
  return __libc_pvalloc(size);
}
}
#endif
