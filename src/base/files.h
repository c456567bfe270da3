#pragma once
// Small file helpers with error context. Thread-safe (no shared state).

#include <sys/types.h>

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace k1s::base {

absl::StatusOr<std::string> ReadFile(const std::string& path);

// Writes `contents` to a fresh, uniquely named temp file beside `path` that has `mode` before
// any byte is written (private keys are never briefly readable), fsyncs it, renames it over
// `path` and fsyncs the directory: readers see the old or the new file, never a torn one, even
// after a crash. The final mode is exactly `mode`, whatever the umask.
absl::Status WriteFileAtomic(const std::string& path, std::string_view contents, mode_t mode);

// mkdir -p with `mode` for the directories it creates.
absl::Status MakeDirs(const std::string& path, mode_t mode = 0755);

// MakeDirs, then sets `path` itself to exactly `mode` (e.g. 0700 for key folders).
absl::Status EnsureDirectory(const std::string& path, mode_t mode);

// Sets an existing file to exactly `mode` when it differs.
absl::Status EnsureFileMode(const std::string& path, mode_t mode);

bool PathExists(const std::string& path);

}  // namespace k1s::base
