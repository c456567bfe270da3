#pragma once
// The shared fixture of the kubectl end-to-end suites: one `k1s server --disable-agent` per test
// process (ctest runs each test in its own), a namespace per test, and kubectl/curl helpers that
// assert success or failure.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cctype>
#include <chrono>
#include <functional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_join.h"
#include "base/files.h"
#include "base/subprocess.h"
#include "base/testing/temp_dir.h"
#include "tests/e2e/apiserver/server_process.h"

namespace k1s::e2e {

inline std::string TestName() {
  std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  std::string out;
  for (char c : name) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Polls `path` until its text matches `pattern` (ECMAScript) or `seconds` pass; returns the text.
inline std::string WaitForFile(const std::string& path, const std::string& pattern,
                               int seconds = 10) {
  std::regex re(pattern);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  std::string text;
  while (std::chrono::steady_clock::now() < deadline) {
    auto read = base::ReadFile(path);
    text = read.ok() ? *read : "";
    if (std::regex_search(text, re)) return text;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ADD_FAILURE() << "no match for /" << pattern << "/ in " << path << " after " << seconds << "s:\n"
                << text;
  return text;
}

class KubectlTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { StartServer({}); }
  // Starts the suite's server with extra command-line arguments, made from the suite's
  // scratch directory.
  static void StartServer(
      const std::function<std::vector<std::string>(const std::string& dir)>& extra_args) {
    temp_ = new base::TempDir();
    auto server = ServerProcess::Start(
        temp_->path(), extra_args ? extra_args(temp_->path()) : std::vector<std::string>{});
    if (server.ok()) {
      server_ = server->release();
    } else {
      start_error_ = new std::string(server.status().ToString());
    }
  }

  static void TearDownTestSuite() {
    if (server_ != nullptr) {
      EXPECT_EQ(server_->Stop(), 0) << "k1s server did not exit cleanly on SIGTERM:\n"
                                    << server_->Log();
    }
    delete server_;
    server_ = nullptr;
    delete start_error_;
    start_error_ = nullptr;
    delete temp_;
    temp_ = nullptr;
  }

  void SetUp() override {
    if (!base::FindExecutable(KubectlPath())) GTEST_SKIP() << KubectlPath() << " not installed";
    ASSERT_NE(server_, nullptr) << (start_error_ ? *start_error_ : "");
    ns_ = TestName();
    Ok({"create", "-f",
        Manifest("namespace.yaml",
                 "apiVersion: v1\nkind: Namespace\n"
                 "metadata:\n  name: " +
                     ns_ + "\n")});
    // The server gives every namespace its CA bundle and default service account a moment
    // after it is made, as upstream's controllers do: start every test from that state.
    for (int i = 0;
         i < 100 && !(Run({"-n", ns_, "get", "configmap", kRootCa}).exit_code == 0 &&
                      Run({"-n", ns_, "get", "serviceaccount", "default"}).exit_code == 0);
         ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  // The ConfigMap every namespace holds, and a selector that leaves it out of lists.
  static constexpr char kRootCa[] = "kube-root-ca.crt";
  static constexpr char kNotRootCa[] = "--field-selector=metadata.name!=kube-root-ca.crt";
  // `-o name` output without the objects the server makes in every namespace.
  static std::string WithoutServerObjects(std::string names) {
    for (std::string made : {"configmap/kube-root-ca.crt\n", "serviceaccount/default\n"}) {
      if (size_t at = names.find(made); at != std::string::npos) names.erase(at, made.size());
    }
    return names;
  }

  // Writes a manifest into the test's scratch directory and returns its path.
  std::string Manifest(const std::string& name, const std::string& text) {
    std::string path = files_.File(name);
    EXPECT_TRUE(base::WriteFileAtomic(path, text, 0644).ok()) << path;
    return path;
  }

  base::CommandResult Run(const std::vector<std::string>& args,
                          const std::vector<std::string>& env = {}) {
    return server_->Kubectl(args, env);
  }
  // kubectl ARGS must succeed; returns stdout+stderr.
  std::string Ok(const std::vector<std::string>& args, const std::vector<std::string>& env = {}) {
    auto result = Run(args, env);
    EXPECT_EQ(result.exit_code, 0) << "kubectl " << absl::StrJoin(args, " ") << "\n"
                                   << result.output;
    return result.output;
  }
  // kubectl ARGS must succeed; returns stdout only.
  std::string Out(const std::vector<std::string>& args) {
    auto result = server_->KubectlStdout(args);
    EXPECT_EQ(result.exit_code, 0) << "kubectl " << absl::StrJoin(args, " ") << "\n"
                                   << Run(args).output;
    return result.output;
  }
  // kubectl ARGS must fail; returns stdout+stderr.
  std::string Fails(const std::vector<std::string>& args) {
    auto result = Run(args);
    EXPECT_NE(result.exit_code, 0) << "kubectl " << absl::StrJoin(args, " ") << "\n"
                                   << result.output;
    return result.output;
  }
  // Shorthands in the test's namespace.
  std::string NsOk(std::vector<std::string> args, const std::vector<std::string>& env = {}) {
    args.insert(args.begin(), {"-n", ns_});
    return Ok(args, env);
  }
  std::string NsOut(std::vector<std::string> args) {
    args.insert(args.begin(), {"-n", ns_});
    return Out(args);
  }
  std::string NsFails(std::vector<std::string> args) {
    args.insert(args.begin(), {"-n", ns_});
    return Fails(args);
  }
  std::string Jsonpath(const std::string& object, const std::string& path) {
    return NsOut({"get", object, "-o", "jsonpath=" + path});
  }
  base::CommandResult Curl(const std::string& args) {
    return server_->Sh("curl -sS --max-time 10 " + args + " 2>&1");
  }
  std::string CurlAdmin(const std::string& path) {
    auto result = Curl(
        "--cacert $TLS/server-ca.crt --cert $TLS/client-admin.crt --key "
        "$TLS/client-admin.key \"$SERVER" +
        path + "\"");
    EXPECT_EQ(result.exit_code, 0) << result.output;
    return result.output;
  }

  static inline base::TempDir* temp_ = nullptr;
  static inline ServerProcess* server_ = nullptr;
  static inline std::string* start_error_ = nullptr;
  base::TempDir files_;
  std::string ns_;
};

}  // namespace k1s::e2e
