#include "pki/token.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "base/status.h"
#include "base/files.h"
#include "pki/file_modes.h"
#include "pki/openssl_util.h"

namespace k1s::pki {
namespace {

constexpr size_t kCaHashLength = 64;
constexpr size_t kPasswordBytes = 16;
constexpr size_t kBootstrapIdLength = 6;
constexpr size_t kBootstrapSecretLength = 16;
constexpr std::string_view kBootstrapAlphabet = "0123456789abcdefghijklmnopqrstuvwxyz";

bool IsHex(std::string_view text) {
  for (char c : text) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool IsBootstrapPart(std::string_view text, size_t length) {
  if (text.size() != length) return false;
  for (char c : text) {
    if (kBootstrapAlphabet.find(c) == std::string_view::npos) return false;
  }
  return true;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && absl::ascii_isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && absl::ascii_isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

bool HasSpaceOrControl(std::string_view text) {
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f) return true;
  }
  return false;
}

// Random characters from kBootstrapAlphabet without modulo bias (rejection sampling).
absl::StatusOr<std::string> RandomAlphabetString(size_t length) {
  constexpr unsigned kLimit = 252;  // Largest multiple of 36 that fits in a byte.
  std::string result;
  while (result.size() < length) {
    auto bytes = internal::RandomBytes(length * 2);
    if (!bytes.ok()) return bytes.status();
    for (char c : *bytes) {
      const auto value = static_cast<unsigned char>(c);
      if (value >= kLimit) continue;
      result.push_back(kBootstrapAlphabet[value % kBootstrapAlphabet.size()]);
      if (result.size() == length) break;
    }
  }
  return result;
}

absl::Status EnsureNodeTokenLink(const std::filesystem::path& token_file) {
  const std::filesystem::path link = token_file.parent_path() / "node-token";
  if (token_file.filename() == link.filename()) return absl::OkStatus();
  std::error_code error;
  const auto status = std::filesystem::symlink_status(link, error);
  if (!error && std::filesystem::exists(status)) {
    if (std::filesystem::is_symlink(status) &&
        std::filesystem::read_symlink(link, error) == token_file.filename() && !error) {
      return absl::OkStatus();
    }
    std::filesystem::remove(link, error);
    if (error) {
      return absl::InternalError(absl::StrCat("remove ", link.string(), ": ", error.message()));
    }
  }
  std::filesystem::create_symlink(token_file.filename(), link, error);
  if (error) {
    return absl::InternalError(absl::StrCat("link ", link.string(), ": ", error.message()));
  }
  return absl::OkStatus();
}

}  // namespace

std::string Token::ToString() const {
  if (ca_hash.empty() && username.empty()) return password;
  return absl::StrCat(std::string(kTokenPrefix), ca_hash, "::", username, ":", password);
}

absl::StatusOr<Token> ParseToken(std::string_view text) {
  text = Trim(text);
  if (text.empty()) return absl::InvalidArgumentError("token is empty");
  if (HasSpaceOrControl(text)) {
    return absl::InvalidArgumentError("token contains whitespace or control characters");
  }
  Token token;
  if (!text.starts_with(kTokenPrefix)) {
    token.password = std::string(text);
    return token;
  }
  std::string_view rest = text.substr(kTokenPrefix.size());
  const size_t separator = rest.find("::");
  if (separator == std::string_view::npos) {
    return absl::InvalidArgumentError(
        "malformed token: a token starting with K10 must look like "
        "K10<ca-hash>::<user>:<password>");
  }
  const std::string_view hash = rest.substr(0, separator);
  const std::string_view credentials = rest.substr(separator + 2);
  if (!hash.empty() && (hash.size() != kCaHashLength || !IsHex(hash))) {
    return absl::InvalidArgumentError(absl::StrCat("malformed token: the CA hash must be ",
                                                   kCaHashLength, " hex characters, got ",
                                                   hash.size(), " characters"));
  }
  const size_t colon = credentials.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == credentials.size()) {
    return absl::InvalidArgumentError(
        "malformed token: the part after :: must be <user>:<password> with both non-empty");
  }
  token.ca_hash = absl::AsciiStrToLower(std::string(hash));
  token.username = std::string(credentials.substr(0, colon));
  token.password = std::string(credentials.substr(colon + 1));
  return token;
}

std::string CaBundleHash(std::string_view ca_bundle_pem) {
  // SHA-256 over an in-memory buffer only fails if OpenSSL is unusable.
  auto hash = internal::Sha256Hex(ca_bundle_pem);
  return hash.ok() ? *hash : std::string();
}

absl::Status VerifyCaBundleHash(const Token& token, std::string_view ca_bundle_pem) {
  if (!token.has_ca_hash()) {
    return absl::FailedPreconditionError("token has no CA hash; the server CA cannot be verified");
  }
  const std::string actual = CaBundleHash(ca_bundle_pem);
  if (actual.empty()) return absl::InternalError("hash the CA bundle");
  if (actual != token.ca_hash) {
    return absl::PermissionDeniedError(
        absl::StrCat("token CA hash does not match the server CA bundle: token has ", token.ca_hash,
                     ", server CA bundle hashes to ", actual));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> GenerateTokenPassword() {
  auto bytes = internal::RandomBytes(kPasswordBytes);
  if (!bytes.ok()) return bytes.status();
  return internal::HexEncode(*bytes);
}

absl::StatusOr<Token> EnsureServerToken(const std::filesystem::path& token_file,
                                        std::string_view ca_bundle_pem,
                                        std::string_view configured_token) {
  const std::string ca_hash = CaBundleHash(ca_bundle_pem);
  if (ca_hash.empty()) return absl::InternalError("hash the server CA bundle");
  Token token{ca_hash, std::string(kServerTokenUser), ""};

  auto existing = base::ReadFile(token_file);
  if (!existing.ok() && !absl::IsNotFound(existing.status())) return existing.status();

  if (!Trim(configured_token).empty()) {
    auto configured = ParseToken(configured_token);
    if (!configured.ok()) return base::WithContext(configured.status(), "--token");
    if (configured->has_ca_hash() && configured->ca_hash != ca_hash) {
      return absl::InvalidArgumentError(absl::StrCat("--token: its CA hash ", configured->ca_hash,
                                                     " does not match this server's CA (", ca_hash,
                                                     ")"));
    }
    token.password = configured->password;
  } else if (existing.ok()) {
    auto stored = ParseToken(*existing);
    if (!stored.ok()) {
      return base::WithContext(stored.status(), absl::StrCat("read ", token_file.string()));
    }
    token.password = stored->password;
  } else {
    auto password = GenerateTokenPassword();
    if (!password.ok()) return password.status();
    token.password = *password;
  }

  const std::string contents = token.ToString() + "\n";
  if (!existing.ok() || *existing != contents) {
    K1S_RETURN_IF_ERROR(base::WriteFileAtomic(token_file, contents, kPrivateFileMode));
  } else {
    K1S_RETURN_IF_ERROR(base::EnsureFileMode(token_file, kPrivateFileMode));
  }
  K1S_RETURN_IF_ERROR(EnsureNodeTokenLink(token_file));
  return token;
}

absl::StatusOr<BootstrapToken> GenerateBootstrapToken() {
  auto id = RandomAlphabetString(kBootstrapIdLength);
  if (!id.ok()) return id.status();
  auto secret = RandomAlphabetString(kBootstrapSecretLength);
  if (!secret.ok()) return secret.status();
  return BootstrapToken{*std::move(id), *std::move(secret)};
}

absl::StatusOr<BootstrapToken> ParseBootstrapToken(std::string_view text) {
  const size_t dot = text.find('.');
  if (dot == std::string_view::npos || !IsBootstrapPart(text.substr(0, dot), kBootstrapIdLength) ||
      !IsBootstrapPart(text.substr(dot + 1), kBootstrapSecretLength)) {
    return absl::InvalidArgumentError(
        "malformed bootstrap token: want [a-z0-9]{6}.[a-z0-9]{16}, e.g. abcdef.0123456789abcdef");
  }
  return BootstrapToken{std::string(text.substr(0, dot)), std::string(text.substr(dot + 1))};
}

bool IsBootstrapToken(std::string_view text) { return ParseBootstrapToken(text).ok(); }

}  // namespace k1s::pki
