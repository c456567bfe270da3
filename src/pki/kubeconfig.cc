#include "pki/kubeconfig.h"

#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "base/status.h"
#include "base/files.h"
#include "pki/file_modes.h"

namespace k1s::pki {
namespace {

constexpr char kName[] = "default";
constexpr char kModeFlag[] = "--write-kubeconfig-mode";

// Finds the entry named `name` in a kubeconfig list ("clusters", "users", "contexts") and
// returns its `field` map.
absl::StatusOr<YAML::Node> NamedEntry(const YAML::Node& root, const char* list,
                                      const std::string& name, const char* field) {
  const YAML::Node entries = root[list];
  if (entries && entries.IsSequence()) {
    for (const YAML::Node& entry : entries) {
      if (entry["name"] && entry["name"].as<std::string>() == name && entry[field] &&
          entry[field].IsMap()) {
        return entry[field];
      }
    }
  }
  return absl::InvalidArgumentError(
      absl::StrCat("kubeconfig has no ", list, " entry named \"", name, "\""));
}

// Reads `data_key` (base64) or else `file_key` (a path) of `map`; missing both is an error.
absl::StatusOr<std::string> DataOrFile(const YAML::Node& map, const char* data_key,
                                       const char* file_key,
                                       const std::filesystem::path& base_dir) {
  if (map[data_key]) {
    std::string decoded;
    if (!absl::Base64Unescape(map[data_key].as<std::string>(), &decoded)) {
      return absl::InvalidArgumentError(absl::StrCat(data_key, " is not valid base64"));
    }
    return decoded;
  }
  if (map[file_key]) {
    std::filesystem::path file = map[file_key].as<std::string>();
    if (file.is_relative()) file = base_dir / file;
    auto contents = base::ReadFile(file);
    if (!contents.ok()) return base::WithContext(contents.status(), file_key);
    return contents;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("kubeconfig sets neither ", data_key, " nor ", file_key));
}

absl::StatusOr<Kubeconfig> ParseKubeconfigNode(const YAML::Node& root,
                                               const std::filesystem::path& base_dir) {
  if (!root.IsMap()) return absl::InvalidArgumentError("kubeconfig is not a YAML map");
  if (!root["current-context"])
    return absl::InvalidArgumentError("kubeconfig has no current-context");
  const std::string context_name = root["current-context"].as<std::string>();
  K1S_ASSIGN_OR_RETURN(YAML::Node context, NamedEntry(root, "contexts", context_name, "context"));
  if (!context["cluster"] || !context["user"]) {
    return absl::InvalidArgumentError(
        absl::StrCat("context \"", context_name, "\" lacks cluster or user"));
  }
  K1S_ASSIGN_OR_RETURN(
      YAML::Node cluster,
      NamedEntry(root, "clusters", context["cluster"].as<std::string>(), "cluster"));
  K1S_ASSIGN_OR_RETURN(YAML::Node user,
                       NamedEntry(root, "users", context["user"].as<std::string>(), "user"));
  Kubeconfig config;
  if (!cluster["server"]) return absl::InvalidArgumentError("cluster has no server");
  config.server_url = cluster["server"].as<std::string>();
  K1S_ASSIGN_OR_RETURN(config.ca_pem, DataOrFile(cluster, "certificate-authority-data",
                                                 "certificate-authority", base_dir));
  K1S_ASSIGN_OR_RETURN(config.client_cert_pem,
                       DataOrFile(user, "client-certificate-data", "client-certificate", base_dir));
  K1S_ASSIGN_OR_RETURN(config.client_key_pem,
                       DataOrFile(user, "client-key-data", "client-key", base_dir));
  return config;
}

}  // namespace

std::string RenderKubeconfig(const Kubeconfig& config) {
  // Keys in the sorted order client-go writes them, so the file reads like k3s's; yaml-cpp
  // indents sequence items under their key, which YAML treats the same.
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "apiVersion" << YAML::Value << "v1";
  out << YAML::Key << "clusters" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
  out << YAML::Key << "cluster" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "certificate-authority-data" << YAML::Value
      << absl::Base64Escape(config.ca_pem);
  out << YAML::Key << "server" << YAML::Value << config.server_url;
  out << YAML::EndMap;
  out << YAML::Key << "name" << YAML::Value << kName;
  out << YAML::EndMap << YAML::EndSeq;
  out << YAML::Key << "contexts" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
  out << YAML::Key << "context" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "cluster" << YAML::Value << kName;
  out << YAML::Key << "user" << YAML::Value << kName;
  out << YAML::EndMap;
  out << YAML::Key << "name" << YAML::Value << kName;
  out << YAML::EndMap << YAML::EndSeq;
  out << YAML::Key << "current-context" << YAML::Value << kName;
  out << YAML::Key << "kind" << YAML::Value << "Config";
  out << YAML::Key << "preferences" << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::EndMap;
  out << YAML::Key << "users" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << kName;
  out << YAML::Key << "user" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "client-certificate-data" << YAML::Value
      << absl::Base64Escape(config.client_cert_pem);
  out << YAML::Key << "client-key-data" << YAML::Value << absl::Base64Escape(config.client_key_pem);
  out << YAML::EndMap;
  out << YAML::EndMap << YAML::EndSeq;
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

absl::StatusOr<Kubeconfig> ParseKubeconfig(std::string_view yaml,
                                           const std::filesystem::path& base_dir) {
  try {
    return ParseKubeconfigNode(YAML::Load(std::string(yaml)), base_dir);
  } catch (const YAML::Exception& error) {
    return absl::InvalidArgumentError(absl::StrCat("parse kubeconfig: ", error.what()));
  }
}

absl::StatusOr<Kubeconfig> KubeconfigFromFiles(std::string server_url,
                                               const std::filesystem::path& ca_file,
                                               const std::filesystem::path& client_cert_file,
                                               const std::filesystem::path& client_key_file) {
  Kubeconfig config;
  config.server_url = std::move(server_url);
  K1S_ASSIGN_OR_RETURN(config.ca_pem, base::ReadFile(ca_file));
  K1S_ASSIGN_OR_RETURN(config.client_cert_pem, base::ReadFile(client_cert_file));
  K1S_ASSIGN_OR_RETURN(config.client_key_pem, base::ReadFile(client_key_file));
  return config;
}

absl::StatusOr<mode_t> ParseKubeconfigMode(std::string_view text) {
  auto invalid = [text]() {
    return absl::InvalidArgumentError(absl::StrCat("invalid ", kModeFlag, " \"", std::string(text),
                                                   "\": want an octal file mode such as 0644"));
  };
  if (text.empty() || text.size() > 4) return invalid();
  mode_t mode = 0;
  for (char c : text) {
    if (c < '0' || c > '7') return invalid();
    mode = mode * 8 + static_cast<mode_t>(c - '0');
  }
  if (mode > 0777) return invalid();
  return mode;
}

absl::Status WriteKubeconfig(const std::filesystem::path& path, const Kubeconfig& config,
                             mode_t mode) {
  if (mode > 0777) {
    return absl::InvalidArgumentError(absl::StrCat("kubeconfig mode ", mode, " is not 0..0777"));
  }
  const std::string contents = RenderKubeconfig(config);
  const std::filesystem::path parent = path.parent_path();
  if (!parent.empty()) {
    std::error_code error;
    if (!std::filesystem::is_directory(parent, error)) {
      K1S_RETURN_IF_ERROR(base::EnsureDirectory(parent, 0755));
    }
  }
  auto existing = base::ReadFile(path);
  struct stat info;
  if (existing.ok() && *existing == contents && ::stat(path.c_str(), &info) == 0 &&
      (info.st_mode & 07777) == mode) {
    return absl::OkStatus();
  }
  return base::WithContext(base::WriteFileAtomic(path, contents, mode),
                           absl::StrCat("write kubeconfig ", path.string()));
}

}  // namespace k1s::pki
