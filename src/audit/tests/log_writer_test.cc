#include "audit/log_writer.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "base/testing/fake_clock.h"
#include "base/testing/temp_dir.h"

namespace k1s::audit {
namespace {

namespace fs = std::filesystem;

// 2024-01-02T03:04:05.678Z
constexpr int64_t kStart = 1704164645678LL * 1'000'000;
constexpr int64_t kDay = 24LL * 3600 * 1'000'000'000;
constexpr int64_t kMb = 1024 * 1024;

std::vector<std::string> Names(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

mode_t Mode(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

// A line of exactly `bytes` bytes, newline included.
std::string Line(int64_t bytes, char fill = 'x') {
  return std::string(static_cast<size_t>(bytes - 1), fill) + "\n";
}

TEST(LogWriterTest, CreatesPrivateFileAndDirectory) {
  base::TempDir tmp;
  std::string path = tmp.File("audit/sub/audit.log");
  auto writer = LogWriter::Open({.path = path});
  ASSERT_TRUE(writer.ok()) << writer.status();
  EXPECT_EQ(Mode(path), 0600u);
  EXPECT_EQ(Mode(tmp.File("audit/sub")), 0700u);
  EXPECT_EQ(Mode(tmp.File("audit")), 0700u);
  (*writer)->Write("{\"a\":1}\n");
  (*writer)->Write("{\"a\":2}\n");
  (*writer)->Flush();
  EXPECT_EQ(Read(path), "{\"a\":1}\n{\"a\":2}\n");
}

TEST(LogWriterTest, AppendsToAnExistingFile) {
  base::TempDir tmp;
  std::string path = tmp.File("audit.log");
  std::ofstream(path) << "old\n";
  auto writer = LogWriter::Open({.path = path});
  ASSERT_TRUE(writer.ok());
  (*writer)->Write("new\n");
  EXPECT_EQ(Read(path), "old\nnew\n");
}

TEST(LogWriterTest, RotatesBeforeExceedingMaxSize) {
  base::TempDir tmp;
  base::FakeClock clock(kStart);
  std::string path = tmp.File("audit.log");
  auto writer = LogWriter::Open({.path = path, .max_size_mb = 1, .clock = &clock});
  ASSERT_TRUE(writer.ok());
  (*writer)->Write(Line(kMb / 2, 'a'));
  (*writer)->Write(Line(kMb / 2, 'b'));  // exactly 1 MiB: still fits
  EXPECT_EQ(Names(tmp.path()), std::vector<std::string>{"audit.log"});
  (*writer)->Write("c\n");  // would exceed: rotate first
  EXPECT_EQ(Names(tmp.path()),
            (std::vector<std::string>{"audit-2024-01-02T03-04-05.678.log", "audit.log"}));
  EXPECT_EQ(fs::file_size(tmp.File("audit-2024-01-02T03-04-05.678.log")), uint64_t{kMb});
  EXPECT_EQ(Read(path), "c\n");
  EXPECT_EQ(Mode(path), 0600u);
  EXPECT_EQ((*writer)->dropped_lines(), 0);
}

TEST(LogWriterTest, DropsLinesLargerThanMaxSize) {
  base::TempDir tmp;
  std::string path = tmp.File("audit.log");
  auto writer = LogWriter::Open({.path = path, .max_size_mb = 1});
  ASSERT_TRUE(writer.ok());
  (*writer)->Write(Line(kMb + 1));
  (*writer)->Write("ok\n");
  EXPECT_EQ(Read(path), "ok\n");
  EXPECT_EQ((*writer)->dropped_lines(), 1);
}

TEST(LogWriterTest, KeepsOnlyMaxBackupsNewest) {
  base::TempDir tmp;
  base::FakeClock clock(kStart);
  std::string path = tmp.File("k1s-audit");  // no extension
  std::ofstream(tmp.File("unrelated.txt")) << "x";
  std::ofstream(tmp.File("k1s-audit-notatime")) << "x";
  auto writer =
      LogWriter::Open({.path = path, .max_backups = 2, .max_size_mb = 1, .clock = &clock});
  ASSERT_TRUE(writer.ok());
  for (int i = 0; i < 4; ++i) {
    (*writer)->Write(Line(kMb));
    clock.Advance(1'000'000'000);
  }
  EXPECT_EQ(Names(tmp.path()),
            (std::vector<std::string>{"k1s-audit", "k1s-audit-2024-01-02T03-04-07.678",
                                      "k1s-audit-2024-01-02T03-04-08.678", "k1s-audit-notatime",
                                      "unrelated.txt"}));
}

TEST(LogWriterTest, RemovesBackupsOlderThanMaxAge) {
  base::TempDir tmp;
  base::FakeClock clock(kStart);
  std::string path = tmp.File("audit.log");
  std::ofstream(tmp.File("audit-2023-12-25T00-00-00.000.log")) << "old";
  std::ofstream(tmp.File("audit-2023-12-31T00-00-00.000.log")) << "recent";
  std::ofstream(tmp.File("audit-2023-12-20T00-00-00.000.log.gz")) << "old, compressed";
  auto writer = LogWriter::Open({.path = path, .max_age_days = 7, .clock = &clock});
  ASSERT_TRUE(writer.ok());
  EXPECT_EQ(Names(tmp.path()),
            (std::vector<std::string>{"audit-2023-12-31T00-00-00.000.log", "audit.log"}));
  clock.Advance(5 * kDay);  // the cutoff passes 2023-12-31T03:04
  auto again = LogWriter::Open({.path = path, .max_age_days = 7, .clock = &clock});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(Names(tmp.path()), std::vector<std::string>{"audit.log"});
}

TEST(LogWriterTest, ConcurrentWritersNeverInterleaveLines) {
  base::TempDir tmp;
  std::string path = tmp.File("audit.log");
  auto writer = LogWriter::Open({.path = path});
  ASSERT_TRUE(writer.ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) (*writer)->Write(Line(100, static_cast<char>('a' + t)));
    });
  }
  for (auto& th : threads) th.join();
  std::ifstream in(path);
  std::string line;
  int count = 0;
  while (std::getline(in, line)) {
    ASSERT_EQ(line.size(), 99u);
    ASSERT_EQ(std::count(line.begin(), line.end(), line[0]), 99);
    ++count;
  }
  EXPECT_EQ(count, 2000);
}

TEST(LogWriterTest, RejectsBadOptions) {
  EXPECT_FALSE(LogWriter::Open({.path = ""}).ok());
  EXPECT_FALSE(LogWriter::Open({.path = "/tmp/x.log", .max_backups = -1}).ok());
  EXPECT_FALSE(LogWriter::Open({.path = "/proc/k1s-no-such-dir/audit.log"}).ok());
}

}  // namespace
}  // namespace k1s::audit
