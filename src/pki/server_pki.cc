#include "pki/server_pki.h"

#include <algorithm>
#include <optional>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/logging.h"
#include "base/status.h"
#include "pki/certificate.h"
#include "base/files.h"
#include "pki/file_modes.h"
#include "pki/host_addresses.h"
#include "pki/issue.h"
#include "pki/key.h"

namespace k1s::pki {
namespace {

constexpr char kServingCommonName[] = "kube-apiserver";
constexpr int kServiceAccountKeyBits = 2048;

struct CertAndKey {
  Certificate cert;
  PrivateKey key;
};

// Keeps the files written so far, for the result and the log.
class Writer {
 public:
  absl::Status Write(const std::filesystem::path& path, const std::string& contents, mode_t mode) {
    K1S_RETURN_IF_ERROR(base::WriteFileAtomic(path, contents, mode));
    written_.push_back(path);
    return absl::OkStatus();
  }
  std::vector<std::filesystem::path> Take() { return std::move(written_); }

 private:
  std::vector<std::filesystem::path> written_;
};

// Reads a file, mapping "does not exist" to nullopt and keeping other errors.
absl::StatusOr<std::optional<std::string>> ReadIfExists(const std::filesystem::path& path) {
  auto contents = base::ReadFile(path);
  if (contents.ok()) return std::optional<std::string>(*std::move(contents));
  if (absl::IsNotFound(contents.status())) return std::optional<std::string>();
  return contents.status();
}

absl::StatusOr<CertAndKey> LoadOrCreateCa(const std::filesystem::path& cert_path,
                                          const std::filesystem::path& key_path,
                                          const std::string& name, int64_t now, Writer& writer) {
  K1S_ASSIGN_OR_RETURN(std::optional<std::string> cert_pem, ReadIfExists(cert_path));
  K1S_ASSIGN_OR_RETURN(std::optional<std::string> key_pem, ReadIfExists(key_path));
  if (!cert_pem && !key_pem) {
    K1S_ASSIGN_OR_RETURN(PrivateKey key, PrivateKey::GenerateEcdsaP256());
    K1S_ASSIGN_OR_RETURN(Certificate cert,
                         CreateSelfSignedCa(key, absl::StrCat(name, "@", now), now, kCaLifetime));
    K1S_ASSIGN_OR_RETURN(std::string new_key_pem, key.ToPem());
    K1S_ASSIGN_OR_RETURN(std::string new_cert_pem, cert.ToPem());
    K1S_RETURN_IF_ERROR(writer.Write(key_path, new_key_pem, kPrivateFileMode));
    K1S_RETURN_IF_ERROR(writer.Write(cert_path, new_cert_pem, kPublicFileMode));
    base::Logger("pki")->info("created {} {}", name, cert_path.string());
    return CertAndKey{std::move(cert), std::move(key)};
  }
  if (!cert_pem || !key_pem) {
    const std::filesystem::path& present = cert_pem ? cert_path : key_path;
    const std::filesystem::path& missing = cert_pem ? key_path : cert_path;
    return absl::FailedPreconditionError(absl::StrCat(
        name, " is incomplete: ", present.string(), " exists but ", missing.string(),
        " is missing; restore it, or remove both to create a new CA (which invalidates every "
        "issued certificate and join token)"));
  }
  auto cert = Certificate::FromPem(*cert_pem);
  if (!cert.ok()) {
    return base::WithContext(cert.status(), absl::StrCat("load ", cert_path.string()));
  }
  auto key = PrivateKey::FromPem(*key_pem);
  if (!key.ok()) return base::WithContext(key.status(), absl::StrCat("load ", key_path.string()));
  if (!cert->IsCa()) {
    return absl::FailedPreconditionError(absl::StrCat(cert_path.string(), " is not a CA"));
  }
  if (!cert->MatchesKey(*key)) {
    return absl::FailedPreconditionError(
        absl::StrCat(key_path.string(), " does not match ", cert_path.string()));
  }
  if (cert->not_after() - now < kRenewBefore) {
    base::Logger("pki")->warn("{} {} expires at {} (unix); CAs are not rotated automatically", name,
                              cert_path.string(), cert->not_after());
  }
  K1S_RETURN_IF_ERROR(base::EnsureFileMode(key_path, kPrivateFileMode));
  return CertAndKey{*std::move(cert), *std::move(key)};
}

bool Covers(std::vector<std::string> have, const std::vector<std::string>& want) {
  std::sort(have.begin(), have.end());
  for (const std::string& name : want) {
    if (!std::binary_search(have.begin(), have.end(), name)) return false;
  }
  return true;
}

// Why the existing leaf cannot be kept, or "" when it can.
std::string ReasonToReissue(const Certificate& cert, const PrivateKey& key,
                            const CertificateSpec& spec, const Certificate& ca, int64_t now) {
  if (!cert.VerifySignedBy(ca).ok()) return "certificate is not signed by the current CA";
  if (!cert.MatchesKey(key)) return "certificate does not match its key";
  if (cert.not_after() - now < kRenewBefore) {
    return absl::StrCat("certificate expires within ", kRenewBefore / kSecondsPerDay, " days");
  }
  if (cert.CommonName() != spec.common_name) return "certificate has another common name";
  std::vector<std::string> have_groups = cert.Organizations();
  std::vector<std::string> want_groups = spec.organizations;
  std::sort(have_groups.begin(), have_groups.end());
  std::sort(want_groups.begin(), want_groups.end());
  if (have_groups != want_groups) return "certificate has other organizations";
  for (ExtendedKeyUsage usage : spec.usages) {
    if (!cert.HasExtendedKeyUsage(usage)) return "certificate lacks a required extended key usage";
  }
  if (!Covers(cert.DnsNames(), spec.dns_names) || !Covers(cert.IpAddresses(), spec.ip_addresses)) {
    return "certificate does not cover the requested SANs";
  }
  return std::string();
}

absl::Status EnsureLeaf(const CertificateSpec& spec, const std::filesystem::path& cert_path,
                        const std::filesystem::path& key_path, const CertAndKey& ca,
                        Writer& writer) {
  auto log = base::Logger("pki");
  K1S_ASSIGN_OR_RETURN(std::optional<std::string> key_pem, ReadIfExists(key_path));
  K1S_ASSIGN_OR_RETURN(std::optional<std::string> cert_pem, ReadIfExists(cert_path));
  std::optional<PrivateKey> key;
  if (key_pem) {
    auto parsed = PrivateKey::FromPem(*key_pem);
    if (parsed.ok() && parsed->type() == KeyType::kEcdsaP256) {
      key = *std::move(parsed);
    } else {
      log->warn("replacing unusable key {}: {}", key_path.string(),
                parsed.ok() ? "not an ECDSA P-256 key" : parsed.status().ToString());
    }
  }
  const bool new_key = !key.has_value();
  std::string reason;
  if (new_key) {
    K1S_ASSIGN_OR_RETURN(key, PrivateKey::GenerateEcdsaP256());
    reason = key_pem ? "key was unusable" : "key was missing";
  } else if (!cert_pem) {
    reason = "certificate was missing";
  } else {
    auto cert = Certificate::FromPem(*cert_pem);
    reason = cert.ok() ? ReasonToReissue(*cert, *key, spec, ca.cert, spec.now)
                       : absl::StrCat("certificate was unreadable: ", cert.status().message());
  }
  if (!new_key) K1S_RETURN_IF_ERROR(base::EnsureFileMode(key_path, kPrivateFileMode));
  if (reason.empty()) return absl::OkStatus();

  K1S_ASSIGN_OR_RETURN(Certificate cert, IssueCertificate(spec, *key, ca.cert, ca.key));
  K1S_ASSIGN_OR_RETURN(std::string new_cert_pem, cert.ToPem());
  if (new_key) {
    K1S_ASSIGN_OR_RETURN(std::string new_key_pem, key->ToPem());
    K1S_RETURN_IF_ERROR(writer.Write(key_path, new_key_pem, kPrivateFileMode));
  }
  K1S_RETURN_IF_ERROR(writer.Write(cert_path, new_cert_pem, kPublicFileMode));
  log->info("issued {} for {} ({})", cert_path.string(), spec.common_name, reason);
  return absl::OkStatus();
}

absl::Status EnsureServiceAccountKey(const ServerPkiFiles& files, Writer& writer) {
  K1S_ASSIGN_OR_RETURN(std::optional<std::string> key_pem, ReadIfExists(files.service_account_key));
  std::optional<PrivateKey> key;
  if (key_pem) {
    auto parsed = PrivateKey::FromPem(*key_pem);
    if (!parsed.ok()) {
      return base::WithContext(parsed.status(),
                               absl::StrCat("load ", files.service_account_key.string()));
    }
    if (parsed->type() != KeyType::kRsa) {
      return absl::FailedPreconditionError(
          absl::StrCat(files.service_account_key.string(), " is not an RSA key"));
    }
    key = *std::move(parsed);
    K1S_RETURN_IF_ERROR(base::EnsureFileMode(files.service_account_key, kPrivateFileMode));
  } else {
    K1S_ASSIGN_OR_RETURN(key, PrivateKey::GenerateRsa(kServiceAccountKeyBits));
    K1S_ASSIGN_OR_RETURN(std::string new_key_pem, key->ToPem());
    K1S_RETURN_IF_ERROR(writer.Write(files.service_account_key, new_key_pem, kPrivateFileMode));
  }
  K1S_ASSIGN_OR_RETURN(std::string public_pem, key->PublicKeyPem());
  K1S_ASSIGN_OR_RETURN(std::optional<std::string> existing_public,
                       ReadIfExists(files.service_account_public_key));
  if (existing_public != public_pem) {
    K1S_RETURN_IF_ERROR(
        writer.Write(files.service_account_public_key, public_pem, kPublicFileMode));
  }
  return absl::OkStatus();
}

// DNS names and IPs the serving certificate must carry.
absl::StatusOr<SubjectAltNames> ServingSans(const ServerPkiOptions& options) {
  std::vector<std::string> names = {"localhost",
                                    "kubernetes",
                                    "kubernetes.default",
                                    "kubernetes.default.svc",
                                    absl::StrCat("kubernetes.default.svc.", options.cluster_domain),
                                    "127.0.0.1",
                                    "::1"};
  if (CanonicalIpAddress(options.service_ip).empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("service IP \"", options.service_ip, "\" is not an IP address"));
  }
  names.push_back(options.service_ip);
  std::string node_name = options.node_name;
  if (node_name.empty()) {
    K1S_ASSIGN_OR_RETURN(node_name, LocalHostname());
  }
  names.push_back(node_name);
  std::vector<std::string> node_ips = options.node_ips;
  if (node_ips.empty() && options.discover_node_ips) {
    K1S_ASSIGN_OR_RETURN(node_ips, LocalIpAddresses());
  }
  for (const std::string& ip : node_ips) {
    if (CanonicalIpAddress(ip).empty()) {
      return absl::InvalidArgumentError(absl::StrCat("node IP \"", ip, "\" is not an IP address"));
    }
    names.push_back(ip);
  }
  names.insert(names.end(), options.tls_sans.begin(), options.tls_sans.end());
  return SplitSubjectAltNames(names);
}

}  // namespace

std::vector<ClientIdentity> DefaultServerClients() {
  return {{"admin", "system:admin", {"system:masters"}},
          {"supervisor", "system:k1s-supervisor", {"system:masters"}}};
}

ServerPkiFiles ServerPkiFiles::ForDataDir(const std::filesystem::path& data_dir) {
  ServerPkiFiles files;
  const std::filesystem::path server = data_dir / "server";
  files.tls_dir = server / "tls";
  files.server_ca_cert = files.tls_dir / "server-ca.crt";
  files.server_ca_key = files.tls_dir / "server-ca.key";
  files.client_ca_cert = files.tls_dir / "client-ca.crt";
  files.client_ca_key = files.tls_dir / "client-ca.key";
  files.service_account_key = files.tls_dir / "service.key";
  files.service_account_public_key = files.tls_dir / "service.pub";
  files.serving_cert = files.tls_dir / "serving-kube-apiserver.crt";
  files.serving_key = files.tls_dir / "serving-kube-apiserver.key";
  files.token = server / "token";
  return files;
}

std::filesystem::path ServerPkiFiles::ClientCert(const std::string& name) const {
  return tls_dir / absl::StrCat("client-", name, ".crt");
}

std::filesystem::path ServerPkiFiles::ClientKey(const std::string& name) const {
  return tls_dir / absl::StrCat("client-", name, ".key");
}

absl::StatusOr<ServerPki> EnsureServerPki(const ServerPkiOptions& options) {
  const base::Clock& clock = options.clock != nullptr ? *options.clock : base::RealClock();
  const int64_t now = clock.NowUnixNanos() / base::kNanosPerSecond;
  ServerPki result;
  result.files = ServerPkiFiles::ForDataDir(options.data_dir);
  const ServerPkiFiles& files = result.files;
  Writer writer;

  K1S_RETURN_IF_ERROR(base::EnsureDirectory(files.tls_dir.parent_path(), kPrivateDirectoryMode));
  K1S_RETURN_IF_ERROR(base::EnsureDirectory(files.tls_dir, kPrivateDirectoryMode));

  K1S_ASSIGN_OR_RETURN(SubjectAltNames sans, ServingSans(options));
  result.serving_dns_names = sans.dns_names;
  result.serving_ip_addresses = sans.ip_addresses;

  auto server_ca =
      LoadOrCreateCa(files.server_ca_cert, files.server_ca_key, "k1s-server-ca", now, writer);
  if (!server_ca.ok()) return base::WithContext(server_ca.status(), "server CA");
  auto client_ca =
      LoadOrCreateCa(files.client_ca_cert, files.client_ca_key, "k1s-client-ca", now, writer);
  if (!client_ca.ok()) return base::WithContext(client_ca.status(), "client CA");
  K1S_RETURN_IF_ERROR(
      base::WithContext(EnsureServiceAccountKey(files, writer), "service-account key"));

  CertificateSpec serving;
  serving.common_name = kServingCommonName;
  serving.dns_names = sans.dns_names;
  serving.ip_addresses = sans.ip_addresses;
  serving.usages = {ExtendedKeyUsage::kServerAuth};
  serving.now = now;
  serving.lifetime_seconds = kLeafLifetime;
  K1S_RETURN_IF_ERROR(base::WithContext(
      EnsureLeaf(serving, files.serving_cert, files.serving_key, *server_ca, writer),
      "serving certificate"));

  std::set<std::string> client_names;
  for (const ClientIdentity& client : options.clients) {
    if (client.name.empty() || client.user.empty() || client.name.find('/') != std::string::npos ||
        !client_names.insert(client.name).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid or duplicate client identity \"", client.name, "\""));
    }
    CertificateSpec spec;
    spec.common_name = client.user;
    spec.organizations = client.groups;
    spec.usages = {ExtendedKeyUsage::kClientAuth};
    spec.now = now;
    spec.lifetime_seconds = kLeafLifetime;
    K1S_RETURN_IF_ERROR(
        base::WithContext(EnsureLeaf(spec, files.ClientCert(client.name),
                                     files.ClientKey(client.name), *client_ca, writer),
                          absl::StrCat("client certificate ", client.name)));
  }

  K1S_ASSIGN_OR_RETURN(std::string ca_pem, base::ReadFile(files.server_ca_cert));
  K1S_ASSIGN_OR_RETURN(result.token, EnsureServerToken(files.token, ca_pem, options.token));
  result.written = writer.Take();
  return result;
}

}  // namespace k1s::pki
