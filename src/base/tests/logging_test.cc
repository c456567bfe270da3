#include "base/logging.h"

#include <unistd.h>

#include <nlohmann/json.hpp>
#include <gtest/gtest.h>

#include "base/files.h"

namespace k1s::base {
namespace {

TEST(LoggingTest, JsonLinesEscapeMessagesAndNameTheComponent) {
  std::string path = "/tmp/k1s-log-" + std::to_string(getpid()) + ".jsonl";
  ASSERT_TRUE(ConfigureLogging({.debug = true, .json = true, .file = path}).ok());
  auto log = Logger("datastore");
  log->info("opened \"{}\"\nat revision {}", "C:\\state.db", 42);
  log->debug("debug is on");
  log->flush();
  auto text = ReadFile(path);
  ASSERT_TRUE(text.ok());
  unlink(path.c_str());
  std::vector<nlohmann::json> lines;
  size_t start = 0;
  for (size_t end; (end = text->find('\n', start)) != std::string::npos; start = end + 1) {
    lines.push_back(nlohmann::json::parse(text->substr(start, end - start)));
  }
  ASSERT_EQ(lines.size(), 2u) << *text;
  EXPECT_EQ(lines[0]["component"], "datastore");
  EXPECT_EQ(lines[0]["level"], "info");
  EXPECT_EQ(lines[0]["msg"], "opened \"C:\\state.db\"\nat revision 42");
  EXPECT_EQ(lines[1]["level"], "debug");
  ASSERT_TRUE(ConfigureLogging({}).ok());
}

TEST(LoggingTest, UnwritableLogFileIsAnError) {
  EXPECT_FALSE(ConfigureLogging({.file = "/proc/version/k1s.log"}).ok());
  ASSERT_TRUE(ConfigureLogging({}).ok());
}

}  // namespace
}  // namespace k1s::base
