#pragma once
// Creating certificates: self-signed CAs and CA-signed leaves (serving and client).
//
// Every certificate gets a random 128-bit serial, SHA-256 signature, basicConstraints,
// keyUsage and a subjectKeyIdentifier; leaves also get an authorityKeyIdentifier. NotBefore is
// backdated by kClockSkew so peers with slightly slow clocks accept a fresh certificate.
// Stateless and thread-safe.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "pki/certificate.h"
#include "pki/key.h"

namespace k1s::pki {

inline constexpr int64_t kSecondsPerDay = 86400;
inline constexpr int64_t kClockSkew = 3600;

// The leaf to issue. A serving certificate lists serverAuth and its SANs; a client certificate
// lists clientAuth and carries the user in common_name and the groups in organizations.
struct CertificateSpec {
  std::string common_name;
  std::vector<std::string> organizations;
  std::vector<std::string> dns_names;
  std::vector<std::string> ip_addresses;  // IPv4 or IPv6 literals
  std::vector<ExtendedKeyUsage> usages;
  int64_t now = 0;               // NotBefore = now - kClockSkew
  int64_t lifetime_seconds = 0;  // NotAfter = now + lifetime_seconds
};

// A self-signed CA valid from now - kClockSkew to now + lifetime_seconds.
absl::StatusOr<Certificate> CreateSelfSignedCa(const PrivateKey& key,
                                               const std::string& common_name, int64_t now,
                                               int64_t lifetime_seconds);

// A leaf for `subject_key` signed by `ca_key`, the key of `ca`.
absl::StatusOr<Certificate> IssueCertificate(const CertificateSpec& spec,
                                             const PrivateKey& subject_key, const Certificate& ca,
                                             const PrivateKey& ca_key);

// Subject alternative names split by kind: IP literals (canonicalised) and DNS names.
struct SubjectAltNames {
  std::vector<std::string> dns_names;
  std::vector<std::string> ip_addresses;
};

// Sorts each entry of `names` into DNS names or IP addresses, dropping empty entries and
// duplicates while keeping first-seen order. Host names are lower-cased.
SubjectAltNames SplitSubjectAltNames(const std::vector<std::string>& names);

// Returns `address` in canonical form ("::1", "10.0.0.1"), or "" if it is not an IP literal.
std::string CanonicalIpAddress(const std::string& address);

}  // namespace k1s::pki
