#include "encryption/key_set.h"

#include <openssl/rand.h>
#include <time.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string_view>

#include "absl/strings/escaping.h"
#include "base/files.h"
#include "base/status.h"
#include "base/strings.h"

namespace k1s::encryption {
namespace {

using json = nlohmann::json;

constexpr std::string_view kApiVersion = "apiserver.config.k8s.io/v1";
constexpr std::string_view kKind = "EncryptionConfiguration";
constexpr std::string_view kResource = "secrets";
constexpr int64_t kNewKeyBytes = 32;
// The provider kinds EncryptionConfiguration knows; k1s implements the first two.
constexpr const char* kProviderKinds[] = {"aesgcm", "identity", "aescbc", "secretbox", "kms"};

bool ValidSecretSize(size_t size) { return size == 16 || size == 24 || size == 32; }

absl::Status FieldError(const std::string& file, std::string_view field, std::string_view problem) {
  return absl::InvalidArgumentError(base::StrCat(file, ": ", field, ": ", problem));
}

// `object[name]` when it exists and has `type`; otherwise an error naming the field.
absl::StatusOr<const json*> Member(const json& object, const char* name, json::value_t type,
                                   const std::string& file, const std::string& field) {
  auto it = object.find(name);
  if (it == object.end()) return FieldError(file, field, "required field is missing");
  if (it->type() != type) {
    return FieldError(file, field, base::StrCat("must be a JSON ", json(type).type_name()));
  }
  return &*it;
}

absl::StatusOr<const json*> NonEmptyArray(const json& object, const char* name,
                                          const std::string& file, const std::string& field) {
  K1S_ASSIGN_OR_RETURN(const json* array, Member(object, name, json::value_t::array, file, field));
  if (array->empty()) {
    return FieldError(file, field, base::StrCat("at least one ", name, " is required"));
  }
  return array;
}

absl::Status ParseKeys(const json& aesgcm, const std::string& file, const std::string& field,
                       KeySet* out) {
  K1S_ASSIGN_OR_RETURN(const json* keys, NonEmptyArray(aesgcm, "keys", file, field + ".keys"));
  for (size_t i = 0; i < keys->size(); ++i) {
    const json& entry = (*keys)[i];
    std::string at = base::StrCat(field, ".keys[", i, "]");
    if (!entry.is_object()) return FieldError(file, at, "must be a JSON object");
    K1S_ASSIGN_OR_RETURN(const json* name,
                         Member(entry, "name", json::value_t::string, file, at + ".name"));
    K1S_ASSIGN_OR_RETURN(const json* secret,
                         Member(entry, "secret", json::value_t::string, file, at + ".secret"));
    Key key{name->get<std::string>(), {}};
    if (key.name.empty())
      return FieldError(file, at + ".name", "name is a mandatory field for a key");
    const std::string& encoded = secret->get_ref<const std::string&>();
    if (encoded.empty()) {
      return FieldError(file, at + ".secret", "secret is a mandatory field for a key");
    }
    if (!absl::Base64Unescape(encoded, &key.secret)) {
      return FieldError(file, at + ".secret", "secrets must be base64 encoded");
    }
    if (!ValidSecretSize(key.secret.size())) {
      return FieldError(file, at + ".secret",
                        base::StrCat("secret is not of the expected length, got ",
                                     key.secret.size(), ", expected one of [16 24 32]"));
    }
    out->keys.push_back(std::move(key));
  }
  return absl::OkStatus();
}

// One providers[] list: aesgcm providers (their keys in order) followed by identity.
absl::Status ParseProviders(const json& providers, const std::string& file,
                            const std::string& field, KeySet* out) {
  for (size_t i = 0; i < providers.size(); ++i) {
    const json& provider = providers[i];
    std::string at = base::StrCat(field, "[", i, "]");
    if (!provider.is_object()) return FieldError(file, at, "must be a JSON object");
    std::vector<std::string> kinds;
    for (const char* kind : kProviderKinds) {
      if (provider.contains(kind)) kinds.push_back(kind);
    }
    if (kinds.empty()) {
      return FieldError(file, at,
                        "provider does not contain any of the expected providers: KMS, AESGCM, "
                        "AESCBC, Secretbox, Identity");
    }
    if (kinds.size() > 1) {
      return FieldError(file, at,
                        "more than one provider specified in a single element, should split into "
                        "different list elements");
    }
    const std::string& kind = kinds[0];
    if (kind == "identity") {
      if (out->keys.empty()) {
        return FieldError(file, at,
                          "identity before any aesgcm key (encryption disabled) is not supported "
                          "by k1s");
      }
      continue;
    }
    if (kind != "aesgcm") {
      return FieldError(file, at + "." + kind,
                        "provider is not supported by k1s (only aesgcm and identity are)");
    }
    K1S_ASSIGN_OR_RETURN(const json* aesgcm,
                         Member(provider, "aesgcm", json::value_t::object, file, at + ".aesgcm"));
    K1S_RETURN_IF_ERROR(ParseKeys(*aesgcm, file, at + ".aesgcm", out));
  }
  return absl::OkStatus();
}

absl::StatusOr<KeySet> ParseConfig(const json& root, const std::string& file) {
  if (!root.is_object()) return FieldError(file, "(top level)", "must be a JSON object");
  K1S_ASSIGN_OR_RETURN(const json* api_version,
                       Member(root, "apiVersion", json::value_t::string, file, "apiVersion"));
  if (*api_version != kApiVersion) {
    return FieldError(file, "apiVersion",
                      base::StrCat("must be \"", kApiVersion, "\", got ", api_version->dump()));
  }
  K1S_ASSIGN_OR_RETURN(const json* kind, Member(root, "kind", json::value_t::string, file, "kind"));
  if (*kind != kKind) {
    return FieldError(file, "kind", base::StrCat("must be \"", kKind, "\", got ", kind->dump()));
  }
  K1S_ASSIGN_OR_RETURN(const json* resources, NonEmptyArray(root, "resources", file, "resources"));
  if (resources->size() != 1) {
    return FieldError(file, "resources", "k1s supports exactly one entry (for \"secrets\")");
  }
  const json& entry = (*resources)[0];
  if (!entry.is_object()) return FieldError(file, "resources[0]", "must be a JSON object");
  K1S_ASSIGN_OR_RETURN(const json* names,
                       NonEmptyArray(entry, "resources", file, "resources[0].resources"));
  for (size_t i = 0; i < names->size(); ++i) {
    if ((*names)[i] != kResource) {
      return FieldError(file, base::StrCat("resources[0].resources[", i, "]"),
                        base::StrCat("only \"", kResource, "\" can be encrypted by k1s, got ",
                                     (*names)[i].dump()));
    }
  }
  K1S_ASSIGN_OR_RETURN(const json* providers,
                       NonEmptyArray(entry, "providers", file, "resources[0].providers"));
  KeySet key_set;
  K1S_RETURN_IF_ERROR(ParseProviders(*providers, file, "resources[0].providers", &key_set));
  return key_set;
}

std::string UtcStamp(int64_t unix_seconds) {
  time_t t = static_cast<time_t>(unix_seconds);
  struct tm tm {};
  gmtime_r(&t, &tm);
  char buf[32];
  size_t n = strftime(buf, sizeof(buf), "%Y%m%dT%H%M%S", &tm);
  return std::string(buf, n);
}

bool HasName(const KeySet& key_set, const std::string& name) {
  for (const Key& key : key_set.keys) {
    if (key.name == name) return true;
  }
  return false;
}

}  // namespace

absl::Status ValidateKeySet(const KeySet& key_set) {
  if (key_set.keys.empty()) return absl::InvalidArgumentError("key set has no keys");
  for (size_t i = 0; i < key_set.keys.size(); ++i) {
    const Key& key = key_set.keys[i];
    if (key.name.empty()) {
      return absl::InvalidArgumentError(base::StrCat("key ", i, " has an empty name"));
    }
    if (!ValidSecretSize(key.secret.size())) {
      return absl::InvalidArgumentError(
          base::StrCat("key \"", key.name, "\": secret is not of the expected length, got ",
                       key.secret.size(), ", expected one of [16 24 32]"));
    }
    for (size_t j = 0; j < i; ++j) {
      if (key_set.keys[j].name == key.name) {
        return absl::InvalidArgumentError(
            base::StrCat("key name \"", key.name, "\" is used more than once"));
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<KeySet> LoadKeySet(const std::string& path) {
  K1S_ASSIGN_OR_RETURN(std::string text, base::ReadFile(path));
  json root;
  try {
    root = json::parse(text);
  } catch (const json::parse_error& e) {
    return absl::InvalidArgumentError(
        base::StrCat(path, ": not a valid JSON EncryptionConfiguration: ", e.what()));
  }
  K1S_ASSIGN_OR_RETURN(KeySet key_set, ParseConfig(root, path));
  absl::Status valid = ValidateKeySet(key_set);
  if (!valid.ok()) return base::WithContext(valid, path);
  return key_set;
}

absl::Status SaveKeySet(const std::string& path, const KeySet& key_set) {
  K1S_RETURN_IF_ERROR(ValidateKeySet(key_set));
  nlohmann::ordered_json keys = nlohmann::ordered_json::array();
  for (const Key& key : key_set.keys) {
    keys.push_back({{"name", key.name}, {"secret", absl::Base64Escape(key.secret)}});
  }
  nlohmann::ordered_json providers = nlohmann::ordered_json::array();
  providers.push_back({{"aesgcm", {{"keys", std::move(keys)}}}});
  providers.push_back({{"identity", nlohmann::ordered_json::object()}});
  nlohmann::ordered_json resource;
  resource["resources"] = {kResource};
  resource["providers"] = std::move(providers);
  nlohmann::ordered_json root;
  root["apiVersion"] = kApiVersion;
  root["kind"] = kKind;
  root["resources"] = nlohmann::ordered_json::array({std::move(resource)});

  std::string dir = std::filesystem::path(path).parent_path().string();
  if (!dir.empty()) K1S_RETURN_IF_ERROR(base::EnsureDirectory(dir, 0700));
  return base::WriteFileAtomic(path, root.dump(2) + "\n", 0600);
}

absl::StatusOr<KeySet> LoadOrCreateKeySet(const std::string& path) {
  if (base::PathExists(path)) return LoadKeySet(path);
  int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  K1S_ASSIGN_OR_RETURN(Key key, NewKey(now));
  KeySet key_set{{std::move(key)}};
  K1S_RETURN_IF_ERROR(SaveKeySet(path, key_set));
  return key_set;
}

absl::StatusOr<Key> NewKey(int64_t unix_seconds) {
  Key key{base::StrCat("aesgcmkey-", UtcStamp(unix_seconds)), std::string(kNewKeyBytes, '\0')};
  if (RAND_bytes(reinterpret_cast<unsigned char*>(key.secret.data()), kNewKeyBytes) != 1) {
    return absl::InternalError("RAND_bytes failed to generate an encryption key");
  }
  return key;
}

absl::StatusOr<KeySet> RotatedKeySet(const KeySet& current, int64_t unix_seconds) {
  K1S_ASSIGN_OR_RETURN(Key key, NewKey(unix_seconds));
  std::string base_name = key.name;
  for (int suffix = 2; HasName(current, key.name); ++suffix) {
    key.name = base::StrCat(base_name, "-", suffix);
  }
  KeySet rotated;
  rotated.keys.reserve(current.keys.size() + 1);
  rotated.keys.push_back(std::move(key));
  rotated.keys.insert(rotated.keys.end(), current.keys.begin(), current.keys.end());
  return rotated;
}

KeySet PrunedKeySet(const KeySet& current, const std::set<std::string>& used_names) {
  KeySet pruned;
  for (size_t i = 0; i < current.keys.size(); ++i) {
    if (i == 0 || used_names.count(current.keys[i].name) > 0) {
      pruned.keys.push_back(current.keys[i]);
    }
  }
  return pruned;
}

}  // namespace k1s::encryption
