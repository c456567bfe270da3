// The k1s binary's command line as a user meets it.

#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>

#include "base/clock.h"
#include "base/files.h"
#include "base/subprocess.h"
#include "base/testing/temp_dir.h"
#include "base/version.h"

namespace k1s {
namespace {

base::CommandResult K1s(std::vector<std::string> args, std::vector<std::string> env = {}) {
  args.insert(args.begin(), K1S_BINARY);
  auto result = base::RunCommand(args, 30 * base::kNanosPerSecond, env);
  EXPECT_TRUE(result.ok()) << result.status();
  return result.ok() ? *result : base::CommandResult{-1, ""};
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

class CliTest : public ::testing::Test {
 protected:
  base::TempDir temp_;
  const std::string& dir_ = temp_.path();
};

TEST_F(CliTest, VersionNamesVersionCommitAndArch) {
  auto result = K1s({"--version"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_TRUE(Contains(result.output, "k1s version v")) << result.output;
  EXPECT_TRUE(Contains(result.output, "commit ")) << result.output;
  EXPECT_TRUE(Contains(result.output, std::string("linux/") + base::TargetArch()))
      << result.output;
}

TEST_F(CliTest, ServerHelpDocumentsFlags) {
  auto result = K1s({"server", "--help"});
  EXPECT_EQ(result.exit_code, 0);
  for (const char* flag : {"--data-dir", "--https-listen-port", "--tls-san", "--disable-agent",
                           "--write-kubeconfig-mode", "--config", "--token"}) {
    EXPECT_TRUE(Contains(result.output, flag)) << flag << " missing from:\n" << result.output;
  }
}

TEST_F(CliTest, UnknownFlagExitsTwoNamingTheFlag) {
  auto result = K1s({"server", "--bogus"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_TRUE(Contains(result.output, "--bogus")) << result.output;
}

TEST_F(CliTest, UnknownConfigKeyNamesKeyAndFile) {
  std::string config = dir_ + "/config.yaml";
  ASSERT_TRUE(base::WriteFileAtomic(config, "data-dir: /tmp/x\nnot-a-flag: true\n", 0644).ok());
  auto result = K1s({"server", "--config", config});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_TRUE(Contains(result.output, "not-a-flag")) << result.output;
  EXPECT_TRUE(Contains(result.output, config)) << result.output;
}

TEST_F(CliTest, ConfigFileFromEnvironmentIsRead) {
  std::string config = dir_ + "/config.yaml";
  ASSERT_TRUE(base::WriteFileAtomic(config, "https-listen-port: not-a-port\n", 0644).ok());
  auto result = K1s({"server"}, {"K1S_CONFIG_FILE=" + config});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_TRUE(Contains(result.output, "\"https-listen-port\"")) << result.output;
}

TEST_F(CliTest, MissingNamedConfigFileIsAnError) {
  auto result = K1s({"agent", "--config", dir_ + "/absent.yaml"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_TRUE(Contains(result.output, "absent.yaml")) << result.output;
}

TEST_F(CliTest, UnbuiltAgentSaysSoAndFails) {
  auto result = K1s({"agent", "--config", "/nonexistent/default-is-optional.yaml"},
                    {"K1S_CONFIG_FILE="});
  EXPECT_NE(result.exit_code, 0);
  result = K1s({"agent"}, {"K1S_CONFIG_FILE=" + dir_ + "/none.yaml"});
  EXPECT_NE(result.exit_code, 0);
}

TEST_F(CliTest, KubectlRunsSystemKubectlWithItsOwnFlags) {
  if (!base::FindExecutable("kubectl")) GTEST_SKIP() << "kubectl is not installed";
  auto result = K1s({"kubectl", "version", "--client", "-o", "json"}, {"HOME=" + dir_});
  EXPECT_EQ(result.exit_code, 0) << result.output;
  EXPECT_TRUE(Contains(result.output, "clientVersion")) << result.output;
}

TEST_F(CliTest, CheckConfigReportsEachItem) {
  auto result = K1s({"check-config"});
  EXPECT_TRUE(Contains(result.output, "CONFIG_VXLAN") || Contains(result.output, "kernel"))
      << result.output;
  EXPECT_TRUE(Contains(result.output, "containerd")) << result.output;
  EXPECT_TRUE(Contains(result.output, "passed,")) << result.output;
}

TEST_F(CliTest, TokenGeneratePrintsABootstrapToken) {
  auto first = K1s({"token", "generate"});
  auto second = K1s({"token", "generate"});
  EXPECT_EQ(first.exit_code, 0);
  EXPECT_EQ(first.output.size(), 24u) << first.output;  // 6 + '.' + 16 + newline
  EXPECT_EQ(first.output[6], '.');
  for (size_t i = 0; i + 1 < first.output.size(); ++i) {
    if (i == 6) continue;
    char c = first.output[i];
    EXPECT_TRUE((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) << first.output;
  }
  EXPECT_NE(first.output, second.output);
}

TEST_F(CliTest, NoSubcommandIsUsageError) {
  auto result = K1s({});
  EXPECT_EQ(result.exit_code, 2);
}

}  // namespace
}  // namespace k1s
