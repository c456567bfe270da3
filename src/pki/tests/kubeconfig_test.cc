#include "pki/kubeconfig.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include <string>

#include "base/clock.h"
#include "base/subprocess.h"
#include "base/files.h"
#include "pki/file_modes.h"
#include "pki/issue.h"
#include "pki/key.h"
#include "pki/tests/test_util.h"

namespace k1s::pki {
namespace {

using testing::FileMode;
using testing::ModifiedNanos;
using testing::ReadAll;
using testing::TempDir;

constexpr int64_t kNow = 1'700'000'000;

Kubeconfig MakeAdminKubeconfig() {
  auto ca_key = PrivateKey::GenerateEcdsaP256();
  auto ca = CreateSelfSignedCa(*ca_key, "k1s-server-ca@1", kNow, 3650 * kSecondsPerDay);
  auto client_key = PrivateKey::GenerateEcdsaP256();
  CertificateSpec spec;
  spec.common_name = "system:admin";
  spec.organizations = {"system:masters"};
  spec.usages = {ExtendedKeyUsage::kClientAuth};
  spec.now = kNow;
  spec.lifetime_seconds = 365 * kSecondsPerDay;
  auto client = IssueCertificate(spec, *client_key, *ca, *ca_key);
  EXPECT_TRUE(client.ok()) << client.status();
  return Kubeconfig{"https://127.0.0.1:6443", *ca->ToPem(), *client->ToPem(), *client_key->ToPem()};
}

TEST(KubeconfigTest, RendersTheK3sShape) {
  Kubeconfig config{"https://127.0.0.1:6443", "CA", "CERT", "KEY"};
  EXPECT_EQ(RenderKubeconfig(config),
            "apiVersion: v1\n"
            "clusters:\n"
            "  - cluster:\n"
            "      certificate-authority-data: Q0E=\n"
            "      server: https://127.0.0.1:6443\n"
            "    name: default\n"
            "contexts:\n"
            "  - context:\n"
            "      cluster: default\n"
            "      user: default\n"
            "    name: default\n"
            "current-context: default\n"
            "kind: Config\n"
            "preferences: {}\n"
            "users:\n"
            "  - name: default\n"
            "    user:\n"
            "      client-certificate-data: Q0VSVA==\n"
            "      client-key-data: S0VZ\n");
}

TEST(KubeconfigTest, ParsesBackWhatItRenders) {
  Kubeconfig config = MakeAdminKubeconfig();
  auto parsed = ParseKubeconfig(RenderKubeconfig(config));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->server_url, config.server_url);
  EXPECT_EQ(parsed->ca_pem, config.ca_pem);
  EXPECT_EQ(parsed->client_cert_pem, config.client_cert_pem);
  EXPECT_EQ(parsed->client_key_pem, config.client_key_pem);
}

TEST(KubeconfigTest, ParseFollowsFileReferencesAndReportsProblems) {
  TempDir dir;
  ASSERT_TRUE(base::WriteFileAtomic(dir.path() / "ca.crt", "CA-PEM", 0644).ok());
  ASSERT_TRUE(base::WriteFileAtomic(dir.path() / "admin.crt", "CERT-PEM", 0644).ok());
  ASSERT_TRUE(base::WriteFileAtomic(dir.path() / "admin.key", "KEY-PEM", 0600).ok());
  const std::string yaml =
      "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
      "clusters: [{name: k, cluster: {server: 'https://10.0.0.1:6443', "
      "certificate-authority: ca.crt}}]\n"
      "users: [{name: u, user: {client-certificate: admin.crt, client-key: " +
      (dir.path() / "admin.key").string() +
      "}}]\n"
      "contexts: [{name: c, context: {cluster: k, user: u}}]\n";
  auto parsed = ParseKubeconfig(yaml, dir.path());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->server_url, "https://10.0.0.1:6443");
  EXPECT_EQ(parsed->ca_pem, "CA-PEM");
  EXPECT_EQ(parsed->client_cert_pem, "CERT-PEM");
  EXPECT_EQ(parsed->client_key_pem, "KEY-PEM");

  EXPECT_FALSE(ParseKubeconfig("{{{").ok());
  EXPECT_FALSE(ParseKubeconfig("- a list").ok());
  EXPECT_FALSE(ParseKubeconfig("current-context: missing\ncontexts: []\n").ok());
  auto no_data = ParseKubeconfig(
      "current-context: c\nclusters: [{name: k, cluster: {server: s}}]\n"
      "users: [{name: u, user: {}}]\ncontexts: [{name: c, context: {cluster: k, user: u}}]\n");
  EXPECT_EQ(no_data.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(KubeconfigTest, ModeFlagParsing) {
  EXPECT_EQ(*ParseKubeconfigMode("0644"), 0644u);
  EXPECT_EQ(*ParseKubeconfigMode("644"), 0644u);
  EXPECT_EQ(*ParseKubeconfigMode("0600"), 0600u);
  EXPECT_EQ(*ParseKubeconfigMode("0"), 0u);
  for (const char* bad : {"", "0648", "rw-r--r--", "07777", "1777", "-644", "0x1a4"}) {
    auto mode = ParseKubeconfigMode(bad);
    ASSERT_FALSE(mode.ok()) << bad;
    EXPECT_EQ(mode.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(std::string(mode.status().message()).find("--write-kubeconfig-mode"),
              std::string::npos);
  }
}

TEST(KubeconfigTest, WritesWithTheRequestedModeDespiteUmask) {
  TempDir dir;
  const auto path = dir.path() / "etc" / "k1s" / "k1s.yaml";
  Kubeconfig config = MakeAdminKubeconfig();
  const mode_t old_umask = ::umask(077);
  absl::Status status = WriteKubeconfig(path, config, 0644);
  ::umask(old_umask);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(FileMode(path), 0644);
  EXPECT_EQ(ReadAll(path), RenderKubeconfig(config));

  ASSERT_TRUE(WriteKubeconfig(path, config).ok());
  EXPECT_EQ(FileMode(path), 0600);  // the default mode replaces a wider one
}

TEST(KubeconfigTest, UnchangedFileIsNotRewritten) {
  TempDir dir;
  const auto path = dir.path() / "k1s.yaml";
  Kubeconfig config = MakeAdminKubeconfig();
  ASSERT_TRUE(WriteKubeconfig(path, config).ok());
  const int64_t modified = ModifiedNanos(path);
  ASSERT_TRUE(WriteKubeconfig(path, config).ok());
  EXPECT_EQ(ModifiedNanos(path), modified);
  config.server_url = "https://10.0.0.5:6443";
  ASSERT_TRUE(WriteKubeconfig(path, config).ok());
  EXPECT_EQ(ParseKubeconfig(ReadAll(path))->server_url, "https://10.0.0.5:6443");
}

TEST(KubeconfigTest, KubectlAcceptsTheFile) {
  if (!base::FindExecutable("kubectl")) GTEST_SKIP() << "kubectl not installed";
  TempDir dir;
  const auto path = dir.path() / "k1s.yaml";
  Kubeconfig config = MakeAdminKubeconfig();
  ASSERT_TRUE(WriteKubeconfig(path, config).ok());
  auto result = base::RunCommand({"kubectl", "config", "view", "--raw"}, 30 * base::kNanosPerSecond,
                                 {"HOME=" + dir.path().string(), "KUBECONFIG=" + path.string()});
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->exit_code, 0) << result->output;
  auto parsed = ParseKubeconfig(result->output);
  ASSERT_TRUE(parsed.ok()) << parsed.status() << "\n" << result->output;
  EXPECT_EQ(parsed->server_url, config.server_url);
  EXPECT_EQ(parsed->ca_pem, config.ca_pem);
  EXPECT_EQ(parsed->client_cert_pem, config.client_cert_pem);
  EXPECT_EQ(parsed->client_key_pem, config.client_key_pem);

  auto user = base::RunCommand(
      {"kubectl", "config", "view", "--minify", "-o", "jsonpath={.contexts[0].context.user}"},
      30 * base::kNanosPerSecond, {"HOME=" + dir.path().string(), "KUBECONFIG=" + path.string()});
  ASSERT_TRUE(user.ok());
  EXPECT_EQ(user->output, "default");
}

TEST(KubeconfigTest, FromFiles) {
  TempDir dir;
  ASSERT_TRUE(base::WriteFileAtomic(dir.path() / "ca", "A", 0644).ok());
  ASSERT_TRUE(base::WriteFileAtomic(dir.path() / "crt", "B", 0644).ok());
  ASSERT_TRUE(base::WriteFileAtomic(dir.path() / "key", "C", 0600).ok());
  auto config = KubeconfigFromFiles("https://x:6443", dir.path() / "ca", dir.path() / "crt",
                                    dir.path() / "key");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->ca_pem, "A");
  EXPECT_EQ(config->client_key_pem, "C");
  EXPECT_EQ(KubeconfigFromFiles("u", dir.path() / "none", dir.path() / "crt", dir.path() / "key")
                .status()
                .code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace k1s::pki
