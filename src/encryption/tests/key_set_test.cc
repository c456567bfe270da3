#include "encryption/key_set.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "base/files.h"
#include "base/testing/temp_dir.h"

namespace k1s::encryption {
namespace {

using ::testing::HasSubstr;

// 2024-01-02T03:04:05Z
constexpr int64_t kStamp = 1704164645;

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

void WriteText(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

KeySet TwoKeys() {
  return KeySet{{Key{"new", std::string(32, '\x01')}, Key{"old", std::string(32, '\xfe')}}};
}

TEST(KeySetTest, SaveWritesUpstreamFormatPrivatelyAndLoadReadsItBack) {
  base::TempDir dir;
  std::string path = dir.path() + "/server/cred/encryption-config.json";
  ASSERT_TRUE(SaveKeySet(path, TwoKeys()).ok());
  EXPECT_EQ(ModeOf(path), 0600);
  EXPECT_EQ(ModeOf(dir.path() + "/server/cred"), 0700);

  absl::StatusOr<std::string> text = base::ReadFile(path);
  ASSERT_TRUE(text.ok());
  nlohmann::json config = nlohmann::json::parse(*text);
  EXPECT_EQ(config["apiVersion"], "apiserver.config.k8s.io/v1");
  EXPECT_EQ(config["kind"], "EncryptionConfiguration");
  const nlohmann::json& entry = config["resources"][0];
  EXPECT_EQ(entry["resources"], nlohmann::json::array({"secrets"}));
  ASSERT_EQ(entry["providers"].size(), 2u);
  EXPECT_EQ(entry["providers"][0]["aesgcm"]["keys"][0]["name"], "new");
  EXPECT_EQ(entry["providers"][0]["aesgcm"]["keys"][0]["secret"],
            "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=");
  EXPECT_EQ(entry["providers"][1], nlohmann::json({{"identity", nlohmann::json::object()}}));

  absl::StatusOr<KeySet> loaded = LoadKeySet(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ASSERT_EQ(loaded->keys.size(), 2u);
  EXPECT_EQ(loaded->keys[0].name, "new");
  EXPECT_EQ(loaded->keys[0].secret, std::string(32, '\x01'));
  EXPECT_EQ(loaded->keys[1].name, "old");
  EXPECT_EQ(loaded->keys[1].secret, std::string(32, '\xfe'));
}

TEST(KeySetTest, SaveTightensAnExistingDirectory) {
  base::TempDir dir;
  std::string cred = dir.path() + "/cred";
  ASSERT_EQ(mkdir(cred.c_str(), 0755), 0);
  ASSERT_TRUE(SaveKeySet(cred + "/encryption-config.json", TwoKeys()).ok());
  EXPECT_EQ(ModeOf(cred), 0700);
}

TEST(KeySetTest, LoadsAHandWrittenConfigWithSeveralProviders) {
  base::TempDir dir;
  std::string path = dir.File("config.json");
  WriteText(path, R"({
    "kind": "EncryptionConfiguration", "apiVersion": "apiserver.config.k8s.io/v1",
    "resources": [{"resources": ["secrets"], "providers": [
      {"aesgcm": {"keys": [{"name": "key1", "secret": "c2VjcmV0IGlzIHNlY3VyZQ=="},
                           {"name": "key2", "secret": "dGhpcyBpcyBwYXNzd29yZA=="}]}},
      {"aesgcm": {"keys": [
        {"name": "key3", "secret": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}]}},
      {"identity": {}}]}]})");
  absl::StatusOr<KeySet> loaded = LoadKeySet(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ASSERT_EQ(loaded->keys.size(), 3u);
  EXPECT_EQ(loaded->keys[0].name, "key1");
  EXPECT_EQ(loaded->keys[0].secret, "secret is secure");
  EXPECT_EQ(loaded->keys[2].secret.size(), 32u);
}

TEST(KeySetTest, LoadOrCreateCreatesOnceThenLoads) {
  base::TempDir dir;
  std::string path = dir.path() + "/cred/encryption-config.json";
  absl::StatusOr<KeySet> created = LoadOrCreateKeySet(path);
  ASSERT_TRUE(created.ok()) << created.status();
  ASSERT_EQ(created->keys.size(), 1u);
  EXPECT_THAT(created->keys[0].name, ::testing::MatchesRegex("aesgcmkey-[0-9]{8}T[0-9]{6}"));
  EXPECT_EQ(created->keys[0].secret.size(), 32u);
  EXPECT_EQ(ModeOf(path), 0600);

  absl::StatusOr<KeySet> again = LoadOrCreateKeySet(path);
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->keys.size(), 1u);
  EXPECT_EQ(again->keys[0].name, created->keys[0].name);
  EXPECT_EQ(again->keys[0].secret, created->keys[0].secret);
}

TEST(KeySetTest, NewKeyIsNamedForUtcTimeAndRandom) {
  absl::StatusOr<Key> a = NewKey(kStamp);
  absl::StatusOr<Key> b = NewKey(kStamp);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->name, "aesgcmkey-20240102T030405");
  EXPECT_EQ(a->secret.size(), 32u);
  EXPECT_NE(a->secret, b->secret);
}

TEST(KeySetTest, RotatePutsANewKeyFirstAndKeepsOldOnes) {
  absl::StatusOr<KeySet> once = RotatedKeySet(TwoKeys(), kStamp);
  ASSERT_TRUE(once.ok());
  ASSERT_EQ(once->keys.size(), 3u);
  EXPECT_EQ(once->keys[0].name, "aesgcmkey-20240102T030405");
  EXPECT_EQ(once->keys[1].name, "new");
  EXPECT_EQ(once->keys[2].name, "old");
  // Rotating twice in one second still gives unique names.
  absl::StatusOr<KeySet> twice = RotatedKeySet(*once, kStamp);
  ASSERT_TRUE(twice.ok());
  EXPECT_EQ(twice->keys[0].name, "aesgcmkey-20240102T030405-2");
  EXPECT_TRUE(ValidateKeySet(*twice).ok());
}

TEST(KeySetTest, PruneKeepsTheWriteKeyAndKeysStillInUse) {
  KeySet three{{Key{"a", std::string(32, 'a')}, Key{"b", std::string(32, 'b')},
                Key{"c", std::string(32, 'c')}}};
  KeySet pruned = PrunedKeySet(three, {"c"});
  ASSERT_EQ(pruned.keys.size(), 2u);
  EXPECT_EQ(pruned.keys[0].name, "a");
  EXPECT_EQ(pruned.keys[1].name, "c");
  EXPECT_EQ(PrunedKeySet(three, {}).keys.size(), 1u);
}

TEST(KeySetTest, SaveRejectsInvalidKeySets) {
  base::TempDir dir;
  std::string path = dir.File("c.json");
  EXPECT_THAT(SaveKeySet(path, KeySet{}).message(), HasSubstr("no keys"));
  EXPECT_THAT(SaveKeySet(path, KeySet{{Key{"k", "short"}}}).message(), HasSubstr("got 5"));
  KeySet duplicate{{Key{"k", std::string(32, 'a')}, Key{"k", std::string(32, 'b')}}};
  EXPECT_THAT(SaveKeySet(path, duplicate).message(), HasSubstr("used more than once"));
  EXPECT_FALSE(base::PathExists(path));
}

TEST(KeySetTest, MissingFileIsAnErrorNamingIt) {
  base::TempDir dir;
  absl::StatusOr<KeySet> loaded = LoadKeySet(dir.File("absent.json"));
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.status().message(), HasSubstr("absent.json"));
}

struct BadConfig {
  std::string name;
  std::string text;
  std::string expected;  // substring of the error, after the file name
};

void PrintTo(const BadConfig& config, std::ostream* out) { *out << config.name; }

class MalformedConfigTest : public ::testing::TestWithParam<BadConfig> {};

// Wraps a providers list in a valid document.
std::string WithProviders(const std::string& providers) {
  return R"({"apiVersion": "apiserver.config.k8s.io/v1", "kind": "EncryptionConfiguration",
             "resources": [{"resources": ["secrets"], "providers": )" +
         providers + "}]}";
}

const char kGoodKey[] =
    R"({"name": "k", "secret": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="})";

TEST_P(MalformedConfigTest, IsRejectedWithAMessageNamingTheProblem) {
  base::TempDir dir;
  std::string path = dir.File("encryption-config.json");
  WriteText(path, GetParam().text);
  absl::StatusOr<KeySet> loaded = LoadKeySet(path);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(loaded.status().message(), HasSubstr(path));
  EXPECT_THAT(loaded.status().message(), HasSubstr(GetParam().expected));
}

INSTANTIATE_TEST_SUITE_P(
    All, MalformedConfigTest,
    ::testing::Values(
        BadConfig{"NotJson", "apiVersion: [", "not a valid JSON"},
        BadConfig{"NotObject", "[]", "(top level): must be a JSON object"},
        BadConfig{"WrongApiVersion",
                  R"({"apiVersion": "v1", "kind": "EncryptionConfiguration", "resources": []})",
                  "apiVersion: must be \"apiserver.config.k8s.io/v1\", got \"v1\""},
        BadConfig{"MissingKind", R"({"apiVersion": "apiserver.config.k8s.io/v1"})",
                  "kind: required field is missing"},
        BadConfig{"NoResources",
                  R"({"apiVersion": "apiserver.config.k8s.io/v1",
                      "kind": "EncryptionConfiguration", "resources": []})",
                  "resources: at least one resources is required"},
        BadConfig{"OtherResource",
                  R"({"apiVersion": "apiserver.config.k8s.io/v1",
                      "kind": "EncryptionConfiguration",
                      "resources": [{"resources": ["secrets", "configmaps"], "providers": []}]})",
                  "resources[0].resources[1]: only \"secrets\" can be encrypted by k1s"},
        BadConfig{"NoProviders", WithProviders("[]"),
                  "resources[0].providers: at least one providers is required"},
        BadConfig{"EmptyProvider", WithProviders("[{}]"),
                  "resources[0].providers[0]: provider does not contain any of the expected"},
        BadConfig{"TwoKindsInOne", WithProviders(R"([{"aesgcm": {"keys": []}, "identity": {}}])"),
                  "more than one provider specified in a single element"},
        BadConfig{"Aescbc", WithProviders(R"([{"aescbc": {"keys": []}}])"),
                  "resources[0].providers[0].aescbc: provider is not supported by k1s"},
        BadConfig{"IdentityFirst",
                  WithProviders(std::string(R"([{"identity": {}}, {"aesgcm": {"keys": [)") +
                                kGoodKey + "]}}]"),
                  "resources[0].providers[0]: identity before any aesgcm key"},
        BadConfig{"NoKeys", WithProviders(R"([{"aesgcm": {"keys": []}}])"),
                  "resources[0].providers[0].aesgcm.keys: at least one keys is required"},
        BadConfig{"KeysNotArray", WithProviders(R"([{"aesgcm": {"keys": {}}}])"),
                  "resources[0].providers[0].aesgcm.keys: must be a JSON array"},
        BadConfig{"MissingSecret", WithProviders(R"([{"aesgcm": {"keys": [{"name": "k"}]}}])"),
                  "resources[0].providers[0].aesgcm.keys[0].secret: required field is missing"},
        BadConfig{"EmptyName",
                  WithProviders(R"([{"aesgcm": {"keys": [{"name": "", "secret": "AAAA"}]}}])"),
                  "keys[0].name: name is a mandatory field for a key"},
        BadConfig{"NotBase64",
                  WithProviders(R"([{"aesgcm": {"keys": [{"name": "k", "secret": "%%%"}]}}])"),
                  "keys[0].secret: secrets must be base64 encoded"},
        BadConfig{"WrongLength",
                  WithProviders(R"([{"aesgcm": {"keys": [{"name": "k", "secret": "AAAA"}]}}])"),
                  "keys[0].secret: secret is not of the expected length, got 3, expected one of "
                  "[16 24 32]"},
        BadConfig{"DuplicateNames",
                  WithProviders(std::string(R"([{"aesgcm": {"keys": [)") + kGoodKey + ", " +
                                kGoodKey + "]}}]"),
                  "key name \"k\" is used more than once"}),
    [](const ::testing::TestParamInfo<BadConfig>& info) { return info.param.name; });

}  // namespace
}  // namespace k1s::encryption
