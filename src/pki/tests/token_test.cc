#include "pki/token.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <set>
#include <string>

#include "base/files.h"
#include "pki/file_modes.h"
#include "pki/tests/test_util.h"

namespace k1s::pki {
namespace {

using testing::FileMode;
using testing::ReadAll;
using testing::TempDir;

constexpr char kCaPem[] = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const std::string kHash(64, 'a');

TEST(TokenTest, ParsesFullForm) {
  auto token = ParseToken("K10" + kHash + "::server:0123456789abcdef0123456789abcdef\n");
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(token->ca_hash, kHash);
  EXPECT_EQ(token->username, "server");
  EXPECT_EQ(token->password, "0123456789abcdef0123456789abcdef");
  EXPECT_TRUE(token->has_ca_hash());
  EXPECT_EQ(token->ToString(), "K10" + kHash + "::server:0123456789abcdef0123456789abcdef");
}

TEST(TokenTest, FullFormHashIsLowerCasedAndPasswordMayHoldColons) {
  auto token = ParseToken("K10" + std::string(64, 'F') + "::node:pa:ss");
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(token->ca_hash, std::string(64, 'f'));
  EXPECT_EQ(token->username, "node");
  EXPECT_EQ(token->password, "pa:ss");
}

TEST(TokenTest, ParsesShortFormAndBootstrapTokensAsPasswords) {
  auto token = ParseToken("  secret-password ");
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_FALSE(token->has_ca_hash());
  EXPECT_EQ(token->username, "");
  EXPECT_EQ(token->password, "secret-password");
  EXPECT_EQ(token->ToString(), "secret-password");
  auto bootstrap = ParseToken("abcdef.0123456789abcdef");
  ASSERT_TRUE(bootstrap.ok());
  EXPECT_EQ(bootstrap->password, "abcdef.0123456789abcdef");
}

TEST(TokenTest, RejectsMalformedTokensWithoutEchoingSecrets) {
  const std::string cases[] = {
      "",
      "   ",
      "two words",
      "K10" + kHash + "server:pw",                          // missing ::
      "K10abc::server:topsecret",                           // short hash
      "K10" + std::string(64, 'g') + "::server:topsecret",  // not hex
      "K10" + kHash + "::server",                           // no password
      "K10" + kHash + "::server:",                          // empty password
      "K10" + kHash + "::" + ":topsecret",                  // empty user
  };
  for (const std::string& text : cases) {
    auto token = ParseToken(text);
    EXPECT_EQ(token.status().code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_EQ(std::string(token.status().message()).find("topsecret"), std::string::npos);
  }
}

TEST(TokenTest, AcceptsFullFormWithoutHash) {
  auto token = ParseToken("K10::server:pw");
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_FALSE(token->has_ca_hash());
  EXPECT_EQ(token->username, "server");
  EXPECT_EQ(token->ToString(), "K10::server:pw");
}

TEST(TokenTest, CaBundleHashIsSha256OfThePem) {
  // sha256("abc"), a published test vector.
  EXPECT_EQ(CaBundleHash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Token token{CaBundleHash(kCaPem), "server", "pw"};
  EXPECT_TRUE(VerifyCaBundleHash(token, kCaPem).ok());
  EXPECT_EQ(VerifyCaBundleHash(token, std::string(kCaPem) + "\n").code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(VerifyCaBundleHash(Token{"", "", "pw"}, kCaPem).code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(TokenTest, GeneratedPasswordsAre32HexCharacters) {
  const std::regex hex("[0-9a-f]{32}");
  std::set<std::string> seen;
  for (int i = 0; i < 16; ++i) {
    auto password = GenerateTokenPassword();
    ASSERT_TRUE(password.ok());
    EXPECT_TRUE(std::regex_match(*password, hex)) << *password;
    seen.insert(*password);
  }
  EXPECT_EQ(seen.size(), 16u);
}

TEST(BootstrapTokenTest, GeneratesValidDistinctTokens) {
  const std::regex format("[a-z0-9]{6}\\.[a-z0-9]{16}");
  std::set<std::string> seen;
  std::set<char> characters;
  for (int i = 0; i < 200; ++i) {
    auto token = GenerateBootstrapToken();
    ASSERT_TRUE(token.ok());
    const std::string text = token->ToString();
    EXPECT_TRUE(std::regex_match(text, format)) << text;
    EXPECT_TRUE(IsBootstrapToken(text));
    seen.insert(text);
    characters.insert(text.begin(), text.end());
  }
  EXPECT_EQ(seen.size(), 200u);
  // 4400 draws from 36 symbols: every symbol shows up (a biased generator would still pass,
  // but one that never used letters or digits would not).
  EXPECT_EQ(characters.size(), 37u);  // 36 symbols plus '.'
}

TEST(BootstrapTokenTest, ParsesAndValidates) {
  auto token = ParseBootstrapToken("abcdef.0123456789abcdef");
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(token->id, "abcdef");
  EXPECT_EQ(token->secret, "0123456789abcdef");
  for (const char* bad : {"abcdef0123456789abcdef", "abcde.0123456789abcdef",
                          "abcdef.0123456789abcde", "ABCDEF.0123456789abcdef",
                          "abcdef.0123456789abcdeg!", "abc-ef.0123456789abcdef", ".", ""}) {
    EXPECT_FALSE(IsBootstrapToken(bad)) << bad;
    EXPECT_EQ(ParseBootstrapToken(bad).status().code(), absl::StatusCode::kInvalidArgument);
  }
}

TEST(ServerTokenTest, GeneratesOnceAndReuses) {
  TempDir dir;
  const auto path = dir.path() / "token";
  auto first = EnsureServerToken(path, kCaPem, "");
  ASSERT_TRUE(first.ok()) << first.status();
  const std::string text = ReadAll(path);
  EXPECT_TRUE(std::regex_match(text, std::regex("K10[0-9a-f]{64}::server:[0-9a-f]{32}\n"))) << text;
  EXPECT_EQ(text, first->ToString() + "\n");
  EXPECT_EQ(first->ca_hash, CaBundleHash(kCaPem));
  EXPECT_EQ(FileMode(path), 0600);
  EXPECT_EQ(std::filesystem::read_symlink(dir.path() / "node-token"), "token");

  auto second = EnsureServerToken(path, kCaPem, "");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->ToString(), first->ToString());
  EXPECT_EQ(ReadAll(path), text);
}

TEST(ServerTokenTest, ConfiguredTokenSetsThePassword) {
  TempDir dir;
  const auto path = dir.path() / "token";
  auto token = EnsureServerToken(path, kCaPem, "my-shared-secret");
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(token->password, "my-shared-secret");
  EXPECT_EQ(ReadAll(path), "K10" + CaBundleHash(kCaPem) + "::server:my-shared-secret\n");

  // A full token for this CA works too; one for another CA is refused.
  auto full = EnsureServerToken(path, kCaPem, "K10" + CaBundleHash(kCaPem) + "::server:other");
  ASSERT_TRUE(full.ok()) << full.status();
  EXPECT_EQ(full->password, "other");
  auto wrong = EnsureServerToken(path, kCaPem, "K10" + kHash + "::server:other");
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(wrong.status().message()).find("--token"), std::string::npos);
  auto malformed = EnsureServerToken(path, kCaPem, "K10zz::x");
  EXPECT_FALSE(malformed.ok());
}

TEST(ServerTokenTest, CaChangeKeepsPasswordAndUpdatesHash) {
  TempDir dir;
  const auto path = dir.path() / "token";
  auto first = EnsureServerToken(path, kCaPem, "");
  ASSERT_TRUE(first.ok());
  auto second = EnsureServerToken(path, "another CA bundle", "");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->password, first->password);
  EXPECT_EQ(second->ca_hash, CaBundleHash("another CA bundle"));
}

TEST(ServerTokenTest, CorruptFileIsAnError) {
  TempDir dir;
  const auto path = dir.path() / "token";
  ASSERT_TRUE(base::WriteFileAtomic(path, "K10nothex::x\n", 0600).ok());
  auto token = EnsureServerToken(path, kCaPem, "");
  EXPECT_EQ(token.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(token.status().message()).find(path.string()), std::string::npos);
}

}  // namespace
}  // namespace k1s::pki
