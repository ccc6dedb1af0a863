#pragma once
// A test-only SQLite VFS that wraps the default one and fails writes on demand, as a full disk, a
// file system remounted read-only or a failing disk do: xWrite, xTruncate and xSync of every file
// (database, WAL, journal) return the chosen error while a fault is set. Reads and the WAL index
// (shared memory) are untouched, so what is on disk stays readable, as on a real full disk.
//
// install() registers it as the process's default VFS (every connection opened afterwards uses
// it); set() switches the fault at any time from any thread.
#include <atomic>
#include <cstdint>

namespace pmap::test {

enum class DiskFault : std::uint8_t {
  kNone,
  kFull,      ///< SQLITE_FULL (ENOSPC)
  kIoError,   ///< SQLITE_IOERR_WRITE / SQLITE_IOERR_FSYNC (EIO)
  kReadOnly,  ///< SQLITE_READONLY (EROFS as SQLite reports a read-only file)
};

class FaultVfs {
 public:
  /// Registers the VFS as the default (once per process; later calls do nothing).
  static void install();
  static void set(DiskFault fault);
  /// Writes refused since the process started.
  static std::uint64_t refused_writes();
};

/// Sets a fault for the lifetime of the object (always cleared, even when an assertion fails).
class ScopedDiskFault {
 public:
  explicit ScopedDiskFault(DiskFault fault) { FaultVfs::set(fault); }
  ~ScopedDiskFault() { FaultVfs::set(DiskFault::kNone); }
  ScopedDiskFault(const ScopedDiskFault&) = delete;
  ScopedDiskFault& operator=(const ScopedDiskFault&) = delete;
};

}  // namespace pmap::test
