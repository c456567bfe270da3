#include "base/files.h"

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>

#include "base/testing/temp_dir.h"

namespace k1s::base {
namespace {

class FilesTest : public ::testing::Test {
 protected:
  TempDir temp_;
  const std::string& dir_ = temp_.path();
};

TEST_F(FilesTest, WriteFileAtomicCreatesWithExactModeAndReplaces) {
  std::string path = dir_ + "/secret.key";
  ASSERT_TRUE(WriteFileAtomic(path, "first", 0600).ok());
  ASSERT_TRUE(WriteFileAtomic(path, std::string("sec\0ond", 7), 0600).ok());
  EXPECT_EQ(*ReadFile(path), std::string("sec\0ond", 7));
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // No temp files are left beside the target.
  int entries = 0;
  for ([[maybe_unused]] auto& entry : std::filesystem::directory_iterator(dir_)) ++entries;
  EXPECT_EQ(entries, 1);
}

TEST_F(FilesTest, ReadMissingFileNamesThePath) {
  auto result = ReadFile(dir_ + "/missing");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(result.status().message().find("/missing"), std::string::npos);
}

TEST_F(FilesTest, MakeDirsCreatesNestedDirectoriesAndIsIdempotent) {
  std::string nested = dir_ + "/a/b/c";
  ASSERT_TRUE(MakeDirs(nested, 0700).ok());
  ASSERT_TRUE(MakeDirs(nested, 0700).ok());
  EXPECT_TRUE(PathExists(nested));
  ASSERT_TRUE(WriteFileAtomic(dir_ + "/file", "x", 0644).ok());
  EXPECT_FALSE(MakeDirs(dir_ + "/file", 0700).ok());
}

}  // namespace
}  // namespace k1s::base
