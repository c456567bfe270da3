#include "cli/config_file.h"

#include <cstdlib>
#include <filesystem>

#include <CLI/CLI.hpp>
#include <gtest/gtest.h>

#include "base/files.h"
#include "base/testing/temp_dir.h"

namespace k1s::cli {
namespace {

class ConfigFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_ + "/config.yaml";
    command_ = root_.add_subcommand("server");
    command_->add_option("--data-dir", data_dir_)->envname("K1S_TEST_DATA_DIR");
    command_->add_option("--https-listen-port", port_);
    command_->add_option("--tls-san", sans_);
    command_->add_flag("--disable-agent", disable_agent_);
  }
  void TearDown() override { unsetenv("K1S_TEST_DATA_DIR"); }
  void Write(const std::string& path, const std::string& text) {
    ASSERT_TRUE(base::WriteFileAtomic(path, text, 0644).ok());
  }
  // Parses `args` as a command line, then merges the config file.
  absl::Status ParseAndApply(std::vector<std::string> args) {
    args.insert(args.begin(), "server");
    std::reverse(args.begin(), args.end());  // CLI11 takes the vector form reversed
    root_.parse(args);
    auto entries = LoadConfigFiles(path_, false);
    if (!entries.ok()) return entries.status();
    return ApplyConfig(*command_, *entries, {"server-url"});
  }

  base::TempDir temp_;
  const std::string& dir_ = temp_.path();
  std::string path_;
  CLI::App root_{"test"};
  CLI::App* command_ = nullptr;
  std::string data_dir_ = "/var/lib/k1s";
  int port_ = 6443;
  std::vector<std::string> sans_;
  bool disable_agent_ = false;
};

TEST_F(ConfigFileTest, FileSetsValuesFlagsAndEnvironmentWin) {
  Write(path_, "data-dir: /from/file\nhttps-listen-port: 7443\ntls-san: [a.example, 10.0.0.1]\n"
               "disable-agent: true\n");
  setenv("K1S_TEST_DATA_DIR", "/from/env", 1);
  ASSERT_TRUE(ParseAndApply({"--https-listen-port", "8443"}).ok());
  EXPECT_EQ(data_dir_, "/from/env");
  EXPECT_EQ(port_, 8443);
  EXPECT_EQ(sans_, (std::vector<std::string>{"a.example", "10.0.0.1"}));
  EXPECT_TRUE(disable_agent_);
}

TEST_F(ConfigFileTest, DropInsReplaceOrAppendInNameOrder) {
  Write(path_, "tls-san: one\nhttps-listen-port: 7443\n");
  ASSERT_TRUE(base::MakeDirs(path_ + ".d").ok());
  Write(path_ + ".d/10-port.yaml", "https-listen-port: 9443\n");
  Write(path_ + ".d/20-sans.yaml", "tls-san+: [two, three]\n");
  Write(path_ + ".d/notes.txt", "not: yaml config\n");
  ASSERT_TRUE(ParseAndApply({}).ok());
  EXPECT_EQ(port_, 9443);
  EXPECT_EQ(sans_, (std::vector<std::string>{"one", "two", "three"}));
}

TEST_F(ConfigFileTest, UnknownKeyNamesKeyAndFile) {
  Write(path_, "data-dir: /x\nbogus-key: 1\n");
  absl::Status status = ParseAndApply({});
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("bogus-key"), std::string::npos) << status;
  EXPECT_NE(status.message().find(path_), std::string::npos) << status;
}

TEST_F(ConfigFileTest, KeysOfSiblingCommandsAreSkipped) {
  Write(path_, "server-url: https://10.0.0.1:6443\n");
  EXPECT_TRUE(ParseAndApply({}).ok());
}

TEST_F(ConfigFileTest, WrongTypesNameTheKey) {
  Write(path_, "https-listen-port: many\n");
  absl::Status status = ParseAndApply({});
  EXPECT_NE(status.message().find("\"https-listen-port\" must be an integer"), std::string::npos)
      << status;

  Write(path_, "disable-agent: maybe\n");
  command_->clear();
  status = ParseAndApply({});
  EXPECT_NE(status.message().find("\"disable-agent\" must be true or false"), std::string::npos)
      << status;

  Write(path_, "data-dir: [a, b]\n");
  command_->clear();
  status = ParseAndApply({});
  EXPECT_NE(status.message().find("\"data-dir\" takes one value"), std::string::npos) << status;
}

TEST_F(ConfigFileTest, MalformedYamlAndMissingRequiredFileFail) {
  Write(path_, "data-dir: [unclosed\n");
  auto entries = LoadConfigFiles(path_, false);
  ASSERT_FALSE(entries.ok());
  EXPECT_NE(entries.status().message().find(path_), std::string::npos);
  EXPECT_FALSE(LoadConfigFiles(dir_ + "/absent.yaml", true).ok());
  auto none = LoadConfigFiles(dir_ + "/absent.yaml", false);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

}  // namespace
}  // namespace k1s::cli
