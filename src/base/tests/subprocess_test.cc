#include "base/subprocess.h"

#include <signal.h>

#include <gtest/gtest.h>

#include "base/clock.h"

namespace k1s::base {
namespace {

TEST(RunCommandTest, CapturesOutputAndExitCode) {
  auto result = RunCommand({"sh", "-c", "echo out; echo err >&2; exit 3"});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->exit_code, 3);
  EXPECT_NE(result->output.find("out\n"), std::string::npos);
  EXPECT_NE(result->output.find("err\n"), std::string::npos);
}

TEST(RunCommandTest, PassesExtraEnvironment) {
  auto result = RunCommand({"sh", "-c", "printf %s \"$K1S_TEST_VALUE\""}, 0,
                           {"K1S_TEST_VALUE=hello"});
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->output, "hello");
}

TEST(RunCommandTest, TimeoutKillsTheChild) {
  auto result = RunCommand({"sleep", "30"}, 200 * kNanosPerMilli);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kDeadlineExceeded);
}

TEST(RunCommandTest, MissingProgramIsNotFound) {
  auto result = RunCommand({"k1s-no-such-program"});
  EXPECT_EQ(result.status().code(), absl::StatusCode::kNotFound);
}

TEST(SubprocessTest, SignalAndWaitReportTheSignal) {
  SubprocessOptions options;
  options.argv = {"sleep", "30"};
  auto child = Subprocess::Start(options);
  ASSERT_TRUE(child.ok());
  EXPECT_FALSE((*child)->TryWait().has_value());
  (*child)->Signal(SIGTERM);
  auto code = (*child)->WaitFor(5 * kNanosPerSecond);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 128 + SIGTERM);
}

TEST(FindExecutableTest, FindsShellInPath) {
  auto sh = FindExecutable("sh");
  ASSERT_TRUE(sh.has_value());
  EXPECT_EQ(sh->front(), '/');
  EXPECT_FALSE(FindExecutable("k1s-no-such-program").has_value());
}

}  // namespace
}  // namespace k1s::base
