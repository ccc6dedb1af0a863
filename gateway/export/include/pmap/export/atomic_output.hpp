#pragma once
// Output that appears whole or not at all: written under a temporary name next to its target and
// renamed into place when complete (rename(2) is atomic within one file system). On failure (or
// when not committed) the temporary file or directory is removed and the target is untouched.
//
// Existing targets are refused unless `force`: a file, or a directory that is not empty (an empty
// directory is replaced). With `force`, a file is replaced atomically; a non-empty directory is
// moved aside, the new one renamed into place, then the old one deleted (a crash in between
// leaves the old one under "<name>.old-<pid>"). A directory never replaces a file, nor a file a
// directory.
//
// Errors: ExportError (sinks.hpp) with the path and the system's reason.
#include <filesystem>
#include <fstream>

namespace pmap::data_export {

class AtomicFile {
 public:
  AtomicFile(std::filesystem::path target, bool force);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  [[nodiscard]] std::ofstream& stream() { return out_; }
  /// Closes, checks the stream and renames the file into place.
  void commit();

 private:
  std::filesystem::path target_;
  std::filesystem::path temp_;
  std::ofstream out_;
  bool done_ = false;
};

class AtomicDirectory {
 public:
  AtomicDirectory(std::filesystem::path target, bool force);
  ~AtomicDirectory();
  AtomicDirectory(const AtomicDirectory&) = delete;
  AtomicDirectory& operator=(const AtomicDirectory&) = delete;
  /// The temporary directory to fill.
  [[nodiscard]] const std::filesystem::path& path() const { return temp_; }
  void commit();

 private:
  std::filesystem::path target_;
  std::filesystem::path temp_;
  bool force_ = false;
  bool done_ = false;
};

/// Throws ExportError when `target` exists and may not be replaced (see above); `directory` says
/// what will be written there.
void check_target(const std::filesystem::path& target, bool directory, bool force);

}  // namespace pmap::data_export
