// Debian's python3-kubernetes client against `k1s server --disable-agent`: the scenario lives
// in python_scenario.py; this test starts the server, runs it and reports what it printed.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "base/clock.h"
#include "base/subprocess.h"
#include "base/testing/temp_dir.h"
#include "tests/e2e/apiserver/server_process.h"

namespace k1s::e2e {
namespace {

constexpr char kPython[] = "/usr/bin/python3";

TEST(PythonClientTest, ConfigMapScenarioWithWatch) {
  auto probe = base::RunCommand({kPython, "-c", "import kubernetes"}, 30 * base::kNanosPerSecond);
  if (!probe.ok() || probe->exit_code != 0) {
    GTEST_SKIP() << "python3-kubernetes is not installed (apt-get install python3-kubernetes)";
  }
  base::TempDir temp;
  auto server = ServerProcess::Start(temp.path());
  ASSERT_TRUE(server.ok()) << server.status();

  std::vector<std::string> env = (*server)->Env();
  auto result = base::RunCommand(
      {kPython, std::string(K1S_SOURCE_DIR) + "/tests/e2e/apiserver/python_scenario.py"},
      60 * base::kNanosPerSecond, env);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->exit_code, 0) << result->output;
  EXPECT_THAT(result->output, ::testing::StartsWith("PASS")) << result->output;
  EXPECT_EQ((*server)->Stop(), 0) << (*server)->Log();
}

}  // namespace
}  // namespace k1s::e2e
