#pragma once
// Helpers shared by the pki unit tests: a self-deleting temp directory and file metadata.

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>

#include "base/files.h"
#include "pki/file_modes.h"

namespace k1s::pki::testing {

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    const char* base = getenv("TMPDIR");
    std::string pattern =
        std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/k1s-pki-test.XXXXXX";
    char* created = mkdtemp(pattern.data());
    EXPECT_NE(created, nullptr);
    path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Permission bits of `path` (07777 mask), or -1 when stat fails.
inline int FileMode(const std::filesystem::path& path) {
  struct stat info;
  if (::stat(path.c_str(), &info) != 0) return -1;
  return static_cast<int>(info.st_mode & 07777);
}

// Modification time in nanoseconds, or -1 when stat fails.
inline int64_t ModifiedNanos(const std::filesystem::path& path) {
  struct stat info;
  if (::stat(path.c_str(), &info) != 0) return -1;
  return static_cast<int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec;
}

// The whole file, or "" when it cannot be read.
inline std::string ReadAll(const std::filesystem::path& path) {
  auto contents = base::ReadFile(path);
  return contents.ok() ? *contents : std::string();
}

}  // namespace k1s::pki::testing
