#pragma once
// Join tokens.
//
// Full ("secure") form, as k3s writes it:  K10<ca-hash>::<username>:<password>
//   ca-hash is the lower-case hex SHA-256 of the server CA bundle PEM exactly as served and
//   stored on disk; a joining node compares it with the CA it downloads before trusting it.
// Short form: just the password; the node cannot authenticate the server with it.
// Bootstrap tokens (Kubernetes): [a-z0-9]{6}.[a-z0-9]{16}, "<id>.<secret>".
//
// Functions here are stateless and thread-safe.

#include <filesystem>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace k1s::pki {

inline constexpr std::string_view kTokenPrefix = "K10";
inline constexpr std::string_view kServerTokenUser = "server";

struct Token {
  std::string ca_hash;   // empty in the short form
  std::string username;  // empty in the short form
  std::string password;

  bool has_ca_hash() const { return !ca_hash.empty(); }
  // The full form when a hash or user is known, otherwise the bare password.
  std::string ToString() const;
};

// Parses either form. Errors name what is wrong without echoing the secret.
absl::StatusOr<Token> ParseToken(std::string_view text);

// Lower-case hex SHA-256 of a CA bundle, as embedded in full tokens.
std::string CaBundleHash(std::string_view ca_bundle_pem);

// OK when `token` carries a hash equal to CaBundleHash(ca_bundle_pem). FailedPrecondition when
// the token has no hash (the caller must decide whether to trust on first use) and
// PermissionDenied when the hashes differ.
absl::Status VerifyCaBundleHash(const Token& token, std::string_view ca_bundle_pem);

// 32 random lower-case hex characters (128 bits), the password part of a generated token.
absl::StatusOr<std::string> GenerateTokenPassword();

// Makes `token_file` hold the full server token for `ca_bundle_pem` and returns it.
// The password comes from `configured_token` (--token, either form) when given, else from
// the existing file, else is freshly generated. The file is (re)written, mode 0600, only when
// its contents change. A configured full token whose hash differs from the CA is an error.
// Also points the k3s-compatible "node-token" symlink beside it at the file.
absl::StatusOr<Token> EnsureServerToken(const std::filesystem::path& token_file,
                                        std::string_view ca_bundle_pem,
                                        std::string_view configured_token);

struct BootstrapToken {
  std::string id;      // 6 characters of [a-z0-9], public
  std::string secret;  // 16 characters of [a-z0-9], secret
  std::string ToString() const { return id + "." + secret; }
};

// A random bootstrap token, uniformly distributed over the alphabet.
absl::StatusOr<BootstrapToken> GenerateBootstrapToken();

// Validates and splits "<id>.<secret>".
absl::StatusOr<BootstrapToken> ParseBootstrapToken(std::string_view text);

bool IsBootstrapToken(std::string_view text);

}  // namespace k1s::pki
