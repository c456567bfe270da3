#pragma once
// X.509 certificates: PEM parsing and encoding, reading the fields k1s cares about (names,
// SANs, usages, validity) and verifying that a certificate was issued by a CA.
//
// A Certificate holds a reference-counted OpenSSL X509; copies share it and are cheap. All
// accessors are const and thread-safe. Times are Unix seconds in int64_t (no time_t).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "pki/key.h"

typedef struct x509_st X509;

namespace k1s::pki {

enum class ExtendedKeyUsage { kServerAuth, kClientAuth };

// What a chain is checked for in Certificate::VerifyIssuedBy.
struct VerifyOptions {
  // Checked against NotBefore/NotAfter of the certificate and the CA.
  int64_t now = 0;
  // When set, the certificate must carry this extended key usage.
  bool require_usage = false;
  ExtendedKeyUsage usage = ExtendedKeyUsage::kServerAuth;
  // When non-empty, the certificate must be valid for this host name or IP address literal.
  std::string host;
};

class Certificate {
 public:
  // Parses the first certificate of a PEM text.
  static absl::StatusOr<Certificate> FromPem(std::string_view pem);
  // Parses every certificate of a PEM bundle (at least one).
  static absl::StatusOr<std::vector<Certificate>> BundleFromPem(std::string_view pem);
  // Takes one reference on `x509` (the caller keeps its own).
  static absl::StatusOr<Certificate> FromNative(X509* x509);

  Certificate(const Certificate& other);
  Certificate& operator=(const Certificate& other);
  Certificate(Certificate&& other) noexcept;
  Certificate& operator=(Certificate&& other) noexcept;
  ~Certificate();

  absl::StatusOr<std::string> ToPem() const;

  // Subject common name (CN), "" when absent.
  std::string CommonName() const;
  // Subject organizations (O), in certificate order; Kubernetes reads them as groups.
  std::vector<std::string> Organizations() const;
  // Issuer common name, "" when absent.
  std::string IssuerCommonName() const;
  // One-line RFC 2253 renderings, e.g. "CN=system:admin,O=system:masters".
  std::string Subject() const;
  std::string Issuer() const;
  // Serial number in lower-case hex.
  std::string SerialHex() const;

  int64_t not_before() const { return not_before_; }
  int64_t not_after() const { return not_after_; }

  // Subject alternative names. IP addresses are in canonical text form ("10.43.0.1", "::1").
  std::vector<std::string> DnsNames() const;
  std::vector<std::string> IpAddresses() const;

  bool IsCa() const;
  bool HasExtendedKeyUsage(ExtendedKeyUsage usage) const;
  // Key identifiers in lower-case hex, "" when the extension is absent.
  std::string SubjectKeyId() const;
  std::string AuthorityKeyId() const;

  // True when `key` is the private half of this certificate's public key.
  bool MatchesKey(const PrivateKey& key) const;

  // Checks that `ca` issued this certificate: issuer name and signature only.
  absl::Status VerifySignedBy(const Certificate& ca) const;

  // Full path validation with OpenSSL's verifier (X509_verify_cert) against `ca` as the only
  // trust anchor, plus validity at options.now, the usage and the host when requested.
  absl::Status VerifyIssuedBy(const Certificate& ca, const VerifyOptions& options) const;

  // Borrowed handle, owned by this object.
  X509* native() const { return x509_; }

 private:
  Certificate(X509* x509, int64_t not_before, int64_t not_after)
      : x509_(x509), not_before_(not_before), not_after_(not_after) {}

  X509* x509_ = nullptr;
  int64_t not_before_ = 0;
  int64_t not_after_ = 0;
};

// Encodes several certificates as one PEM bundle.
absl::StatusOr<std::string> BundleToPem(const std::vector<Certificate>& certificates);

}  // namespace k1s::pki
