#include "server/secrets_encryption.h"

#include <chrono>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "base/logging.h"

namespace k1s::server {
namespace {

spdlog::logger& Log() {
  static const std::shared_ptr<spdlog::logger> logger = base::Logger("secrets-encrypt");
  return *logger;
}

int64_t NowSeconds() { return absl::ToUnixSeconds(absl::Now()); }

}  // namespace

std::filesystem::path SecretsEncryption::ConfigPath(const std::filesystem::path& data_dir) {
  return data_dir / "server" / "cred" / "encryption-config.json";
}

absl::StatusOr<std::unique_ptr<SecretsEncryption>> SecretsEncryption::Open(
    const std::filesystem::path& data_dir, Backend& inner) {
  std::filesystem::path path = ConfigPath(data_dir);
  absl::StatusOr<encryption::KeySet> keys = encryption::LoadOrCreateKeySet(path.string());
  if (!keys.ok()) return keys.status();
  Log().info("secrets are encrypted at rest with key {} ({})", keys->keys.front().name,
             path.string());
  return std::unique_ptr<SecretsEncryption>(new SecretsEncryption(
      path, std::make_unique<encryption::EncryptingBackend>(inner, *std::move(keys))));
}

int32_t SecretsEncryption::Serve(const http::Request& request, http::ResponseWriter& writer) {
  std::string_view action =
      std::string_view(request.path).substr(sizeof(kSecretsEncryptPathPrefix) - 1);
  absl::StatusOr<std::string> answer;
  if (action == "status" && request.method == "GET") {
    answer = Status();
  } else if (action == "rotate-keys" && request.method == "POST") {
    answer = RotateKeys();
  } else if (action == "reencrypt" && request.method == "POST") {
    answer = Reencrypt();
  } else {
    writer.Respond(404, http::Headers{{"Content-Type", "text/plain; charset=utf-8"}},
                   "404 page not found\n");
    return 404;
  }
  if (!answer.ok()) {
    writer.Respond(500, http::Headers{{"Content-Type", "text/plain; charset=utf-8"}},
                   absl::StrCat(answer.status().message(), "\n"));
    return 500;
  }
  writer.Respond(200, http::Headers{{"Content-Type", "text/plain; charset=utf-8"}},
                 *std::move(answer));
  return 200;
}

absl::StatusOr<std::string> SecretsEncryption::Status() {
  absl::StatusOr<encryption::KeyUsage> usage = backend_->Usage();
  if (!usage.ok()) return usage.status();
  encryption::KeySet keys = backend_->key_set();
  std::string out = absl::StrCat("Encryption Status: Enabled\nActive Key Type: AES-GCM\n",
                                 "Active Key: ", keys.keys.front().name, "\n",
                                 "Key File: ", config_path_.string(), "\n", "Keys:\n");
  for (const encryption::Key& key : keys.keys) {
    auto used = usage->by_key.find(key.name);
    absl::StrAppend(&out, "  ", key.name, ": ", used == usage->by_key.end() ? 0 : used->second,
                    " secrets\n");
  }
  absl::StrAppend(&out, "Unencrypted secrets: ", usage->plaintext, "\n",
                  "Total secrets: ", usage->total, "\n");
  return out;
}

absl::StatusOr<std::string> SecretsEncryption::RotateKeys() {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<encryption::KeySet> rotated =
      encryption::RotatedKeySet(backend_->key_set(), NowSeconds());
  if (!rotated.ok()) return rotated.status();
  // The file first: a crash after it leaves a key set the next start reads in full.
  if (absl::Status saved = encryption::SaveKeySet(config_path_.string(), *rotated); !saved.ok()) {
    return saved;
  }
  backend_->SetKeySet(*rotated);
  Log().info("rotated keys: {} encrypts from now on", rotated->keys.front().name);
  return absl::StrCat("New active key: ", rotated->keys.front().name, "\n",
                      "Run `k1s secrets-encrypt reencrypt` to rewrite existing secrets with it.\n");
}

absl::StatusOr<std::string> SecretsEncryption::Reencrypt() {
  absl::MutexLock lock(&mu_);
  auto started = std::chrono::steady_clock::now();
  absl::StatusOr<int64_t> rewritten = backend_->Reencrypt();
  if (!rewritten.ok()) return rewritten.status();
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  absl::StatusOr<encryption::KeyUsage> usage = backend_->Usage();
  if (!usage.ok()) return usage.status();
  std::set<std::string> used;
  for (const auto& [name, count] : usage->by_key) {
    if (count > 0) used.insert(name);
  }
  encryption::KeySet pruned = encryption::PrunedKeySet(backend_->key_set(), used);
  if (absl::Status saved = encryption::SaveKeySet(config_path_.string(), pruned); !saved.ok()) {
    return saved;
  }
  backend_->SetKeySet(pruned);
  Log().info("re-encrypted {} secrets in {:.3f}s", *rewritten, seconds);
  return absl::StrCat("Re-encrypted ", *rewritten, " secrets in ", absl::StrFormat("%.3f", seconds),
                      "s with key ", pruned.keys.front().name, "\nKeys kept: ", pruned.keys.size(),
                      "\n");
}

}  // namespace k1s::server
