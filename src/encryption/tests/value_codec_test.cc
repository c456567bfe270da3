#include "encryption/value_codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace k1s::encryption {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kSecretKey[] = "/registry/secrets/default/foo";

Key FixedKey(const std::string& name, char fill, size_t size = 32) {
  return {name, std::string(size, fill)};
}

std::string FromHex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

TEST(ValueCodecTest, StoredFormatIsPrefixNonceCiphertextTag) {
  ValueCodec codec(KeySet{{FixedKey("k1", 'a')}});
  const std::string plaintext = "{\"kind\":\"Secret\",\"data\":{\"password\":\"hunter2\"}}";
  absl::StatusOr<std::string> stored = codec.Encrypt(kSecretKey, plaintext);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_THAT(*stored, StartsWith("k8s:enc:aesgcm:v1:k1:"));
  EXPECT_EQ(stored->size(),
            std::string("k8s:enc:aesgcm:v1:k1:").size() + 12 + plaintext.size() + 16);
  EXPECT_EQ(stored->find("hunter2"), std::string::npos);
  EXPECT_TRUE(codec.UsesWriteKey(*stored));
  EXPECT_EQ(codec.KeyNameOf(*stored), "k1");

  absl::StatusOr<std::string> decrypted = codec.Decrypt(kSecretKey, *stored);
  ASSERT_TRUE(decrypted.ok()) << decrypted.status();
  EXPECT_EQ(*decrypted, plaintext);
}

TEST(ValueCodecTest, RandomNonceMakesEveryCiphertextDifferent) {
  ValueCodec codec(KeySet{{FixedKey("k1", 'a')}});
  absl::StatusOr<std::string> first = codec.Encrypt(kSecretKey, "same");
  absl::StatusOr<std::string> second = codec.Encrypt(kSecretKey, "same");
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_NE(*first, *second);
}

TEST(ValueCodecTest, EmptyValueRoundTrips) {
  ValueCodec codec(KeySet{{FixedKey("k1", 'a')}});
  absl::StatusOr<std::string> stored = codec.Encrypt(kSecretKey, "");
  ASSERT_TRUE(stored.ok());
  absl::StatusOr<std::string> decrypted = codec.Decrypt(kSecretKey, *stored);
  ASSERT_TRUE(decrypted.ok()) << decrypted.status();
  EXPECT_EQ(*decrypted, "");
}

// A value produced independently (Python's cryptography AESGCM) with key bytes 0..31, nonce
// bytes 100..111 and the datastore key as AAD: the layout matches kube-apiserver's.
TEST(ValueCodecTest, DecryptsValueWrittenByAnotherImplementation) {
  std::string secret;
  for (int i = 0; i < 32; ++i) secret.push_back(static_cast<char>(i));
  ValueCodec codec(KeySet{{Key{"key1", secret}}});
  std::string stored = FromHex(
      "6b38733a656e633a61657367636d3a76313a6b6579313a6465666768696a6b6c6d6e6f3339b50f178d74a41c"
      "313a8ba8001edf3f5f4d0caf51f7bc0caa4a04056c7e992e");
  absl::StatusOr<std::string> decrypted = codec.Decrypt(kSecretKey, stored);
  ASSERT_TRUE(decrypted.ok()) << decrypted.status();
  EXPECT_EQ(*decrypted, "{\"kind\":\"Secret\"}");
}

TEST(ValueCodecTest, PlaintextReadsAsIs) {
  ValueCodec codec(KeySet{{FixedKey("k1", 'a')}});
  const std::string binary("k8s\0plain", 9);
  absl::StatusOr<std::string> decrypted = codec.Decrypt(kSecretKey, binary);
  ASSERT_TRUE(decrypted.ok());
  EXPECT_EQ(*decrypted, binary);
  EXPECT_FALSE(codec.UsesWriteKey("plain"));
  EXPECT_EQ(codec.KeyNameOf("plain"), "");
}

TEST(ValueCodecTest, EveryKeyDecryptsOnlyTheFirstEncrypts) {
  ValueCodec old_codec(KeySet{{FixedKey("old", 'o')}});
  ValueCodec rotated(KeySet{{FixedKey("new", 'n'), FixedKey("old", 'o')}});
  absl::StatusOr<std::string> stored = old_codec.Encrypt(kSecretKey, "v");
  ASSERT_TRUE(stored.ok());
  absl::StatusOr<std::string> decrypted = rotated.Decrypt(kSecretKey, *stored);
  ASSERT_TRUE(decrypted.ok()) << decrypted.status();
  EXPECT_EQ(*decrypted, "v");
  EXPECT_FALSE(rotated.UsesWriteKey(*stored));
  absl::StatusOr<std::string> fresh = rotated.Encrypt(kSecretKey, "v");
  ASSERT_TRUE(fresh.ok());
  EXPECT_THAT(*fresh, StartsWith("k8s:enc:aesgcm:v1:new:"));
}

TEST(ValueCodecTest, ShorterAesKeysWork) {
  for (size_t size : {16u, 24u}) {
    ValueCodec codec(KeySet{{FixedKey("short", 's', size)}});
    absl::StatusOr<std::string> stored = codec.Encrypt(kSecretKey, "data");
    ASSERT_TRUE(stored.ok());
    absl::StatusOr<std::string> decrypted = codec.Decrypt(kSecretKey, *stored);
    ASSERT_TRUE(decrypted.ok()) << size << ": " << decrypted.status();
    EXPECT_EQ(*decrypted, "data");
  }
}

TEST(ValueCodecTest, NamesWithColonsAreMatchedByPrefix) {
  // k3s once named keys with RFC 3339 times; "a" and "a:b" give overlapping prefixes.
  ValueCodec writer(KeySet{{FixedKey("a:b", 'x')}});
  ValueCodec reader(KeySet{{FixedKey("a", 'y'), FixedKey("a:b", 'x')}});
  absl::StatusOr<std::string> stored = writer.Encrypt(kSecretKey, "v");
  ASSERT_TRUE(stored.ok());
  absl::StatusOr<std::string> decrypted = reader.Decrypt(kSecretKey, *stored);
  ASSERT_TRUE(decrypted.ok()) << decrypted.status();
  EXPECT_EQ(*decrypted, "v");
  EXPECT_EQ(reader.KeyNameOf(*stored), "a");  // first prefix match; both are configured
}

TEST(ValueCodecTest, TamperedDataFailsNamingBothKeys) {
  ValueCodec codec(KeySet{{FixedKey("k1", 'a')}});
  absl::StatusOr<std::string> stored = codec.Encrypt(kSecretKey, "payload");
  ASSERT_TRUE(stored.ok());
  std::string tampered = *stored;
  tampered[tampered.size() - 20] ^= 0x01;
  absl::StatusOr<std::string> decrypted = codec.Decrypt(kSecretKey, tampered);
  ASSERT_FALSE(decrypted.ok());
  EXPECT_EQ(decrypted.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(decrypted.status().message(), HasSubstr(kSecretKey));
  EXPECT_THAT(decrypted.status().message(), HasSubstr("\"k1\""));
  EXPECT_THAT(decrypted.status().message(), HasSubstr("authentication failed"));
}

TEST(ValueCodecTest, ValueMovedToAnotherKeyFails) {
  ValueCodec codec(KeySet{{FixedKey("k1", 'a')}});
  absl::StatusOr<std::string> stored = codec.Encrypt(kSecretKey, "payload");
  ASSERT_TRUE(stored.ok());
  absl::StatusOr<std::string> moved = codec.Decrypt("/registry/secrets/default/bar", *stored);
  ASSERT_FALSE(moved.ok());
  EXPECT_THAT(moved.status().message(), HasSubstr("/registry/secrets/default/bar"));
}

TEST(ValueCodecTest, WrongSecretFails) {
  ValueCodec writer(KeySet{{FixedKey("k1", 'a')}});
  ValueCodec reader(KeySet{{FixedKey("k1", 'b')}});
  absl::StatusOr<std::string> stored = writer.Encrypt(kSecretKey, "payload");
  ASSERT_TRUE(stored.ok());
  EXPECT_FALSE(reader.Decrypt(kSecretKey, *stored).ok());
}

TEST(ValueCodecTest, UnknownKeyOtherProviderAndTruncatedDataFail) {
  ValueCodec codec(KeySet{{FixedKey("k1", 'a')}});
  absl::StatusOr<std::string> unknown =
      codec.Decrypt(kSecretKey, "k8s:enc:aesgcm:v1:gone:0123456789abcdef0123456789abcdef");
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(unknown.status().message(), HasSubstr("no aesgcm key named \"gone\""));
  EXPECT_EQ(codec.KeyNameOf("k8s:enc:aesgcm:v1:gone:xyz"), "gone");

  absl::StatusOr<std::string> other = codec.Decrypt(kSecretKey, "k8s:enc:aescbc:v1:k1:abc");
  ASSERT_FALSE(other.ok());
  EXPECT_THAT(other.status().message(), HasSubstr("unsupported provider (provider:aescbc)"));

  absl::StatusOr<std::string> truncated = codec.Decrypt(kSecretKey, "k8s:enc:aesgcm:v1:k1:short");
  ASSERT_FALSE(truncated.ok());
  EXPECT_THAT(truncated.status().message(), HasSubstr("shorter than the required size"));
}

}  // namespace
}  // namespace k1s::encryption
