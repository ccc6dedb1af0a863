#pragma once
// Files that hold a person's health data (the database, exports, reports) are created readable
// and writable by their owner only, whatever the process's umask.
#include <filesystem>
#include <system_error>

namespace pmap {

/// Creates `path` as an empty file with mode 0600 (the umask can only take bits away) if nothing
/// exists there. An existing file is left as it is (its owner chose its permissions): that is not
/// an error. Any other failure (a missing directory, no permission) is returned; the caller's
/// own open of the file then reports it in its words.
std::error_code create_owner_only_file(const std::filesystem::path& path) noexcept;

}  // namespace pmap
