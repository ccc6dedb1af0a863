#include "pmap/export/atomic_output.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <string>
#include <system_error>
#include <utility>

#include "pmap/export/sinks.hpp"
#include "pmap/private_file.hpp"

namespace pmap::data_export {

namespace fs = std::filesystem;

namespace {

/// A sibling of `target` (same directory, hence same file system): ".<name>.<what>-<pid>".
fs::path sibling(const fs::path& target, const char* what) {
  const fs::path name = target.filename();
  return target.parent_path() /
         ("." + name.string() + "." + what + "-" + std::to_string(::getpid()));
}

/// `target` without a trailing separator ("out/" names the directory "out").
fs::path normalised(fs::path target) {
  if (target.empty()) throw ExportError("the output path is empty");
  if (!target.has_filename()) target = target.parent_path();
  if (target.empty() || target.filename() == "." || target.filename() == "..")
    throw ExportError("'" + target.string() + "' is not a usable output name");
  return target;
}

void remove_quietly(const fs::path& p) {
  std::error_code ec;
  fs::remove_all(p, ec);
}

}  // namespace

void check_target(const fs::path& target, bool directory, bool force) {
  std::error_code ec;
  const fs::file_status st = fs::symlink_status(target, ec);
  // A missing parent (or a file where a parent directory should be) is reported when the output
  // is created, with the system's reason.
  if (ec && ec != std::errc::no_such_file_or_directory && ec != std::errc::not_a_directory)
    throw ExportError("cannot inspect '" + target.string() + "': " + ec.message());
  if (!fs::exists(st)) return;
  if (directory) {
    if (!fs::is_directory(st))
      throw ExportError("'" + target.string() + "' exists and is not a directory");
    const bool empty = fs::is_empty(target, ec);
    if (ec) throw ExportError("cannot read '" + target.string() + "': " + ec.message());
    if (!empty && !force)
      throw ExportError("'" + target.string() +
                        "' exists and is not empty; choose another directory or use --force to "
                        "replace it");
    return;
  }
  if (fs::is_directory(st))
    throw ExportError("'" + target.string() + "' is a directory; the JSON export is one file");
  if (!force)
    throw ExportError("'" + target.string() +
                      "' exists; choose another name or use --force to replace it");
}

// ------------------------------------------------------------------------------- AtomicFile

AtomicFile::AtomicFile(fs::path target, bool force) : target_(normalised(std::move(target))) {
  check_target(target_, false, force);
  temp_ = sibling(target_, "tmp");
  // Health data: owner-only (0600), whatever the umask (a failure shows in the open below).
  (void)create_owner_only_file(temp_);
  out_.open(temp_, std::ios::binary | std::ios::trunc);
  if (!out_) {
    throw ExportError("cannot write '" + target_.string() + "' (creating '" + temp_.string() +
                      "' failed: " + std::error_code(errno, std::generic_category()).message() +
                      ")");
  }
}

AtomicFile::~AtomicFile() {
  if (done_) return;
  out_.close();
  remove_quietly(temp_);
}

void AtomicFile::commit() {
  out_.flush();
  out_.close();
  if (!out_) throw ExportError("cannot write '" + temp_.string() + "'");
  std::error_code ec;
  fs::rename(temp_, target_, ec);
  if (ec)
    throw ExportError("cannot rename '" + temp_.string() + "' to '" + target_.string() +
                      "': " + ec.message());
  done_ = true;
}

// -------------------------------------------------------------------------- AtomicDirectory

AtomicDirectory::AtomicDirectory(fs::path target, bool force)
    : target_(normalised(std::move(target))), force_(force) {
  check_target(target_, true, force_);
  std::error_code ec;
  if (!target_.parent_path().empty()) {
    fs::create_directories(target_.parent_path(), ec);
    if (ec)
      throw ExportError("cannot create '" + target_.parent_path().string() + "': " + ec.message());
  }
  temp_ = sibling(target_, "tmp");
  remove_quietly(temp_);  // a leftover of a killed run of this very process id
  // Health data: the directory is owner-only (0700), whatever the umask.
  if (::mkdir(temp_.c_str(), 0700) != 0)
    throw ExportError("cannot create '" + temp_.string() +
                      "': " + std::error_code(errno, std::generic_category()).message());
}

AtomicDirectory::~AtomicDirectory() {
  if (!done_) remove_quietly(temp_);
}

void AtomicDirectory::commit() {
  std::error_code ec;
  // Checked again: something may have appeared while the export was written.
  check_target(target_, true, force_);
  fs::path old;
  if (fs::exists(target_) && !fs::is_empty(target_)) {
    old = sibling(target_, "old");
    remove_quietly(old);
    fs::rename(target_, old, ec);
    if (ec) throw ExportError("cannot move '" + target_.string() + "' aside: " + ec.message());
  }
  // rename(2) replaces an empty directory.
  fs::rename(temp_, target_, ec);
  if (ec) {
    std::error_code back;
    if (!old.empty()) fs::rename(old, target_, back);
    throw ExportError("cannot rename '" + temp_.string() + "' to '" + target_.string() +
                      "': " + ec.message());
  }
  done_ = true;
  if (!old.empty()) remove_quietly(old);
}

}  // namespace pmap::data_export
