#include "pki/issue.h"

#include <arpa/inet.h>

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "pki/asn1_time.h"
#include "pki/openssl_util.h"

namespace k1s::pki {
namespace {

using internal::OpenSslError;
using internal::X509Ptr;

constexpr size_t kSerialBytes = 16;

absl::Status SetRandomSerial(X509* x509) {
  auto bytes = internal::RandomBytes(kSerialBytes);
  if (!bytes.ok()) return bytes.status();
  // 16 random octets with the top bit cleared, so the DER INTEGER is positive without a padding
  // octet (RFC 5280 allows up to 20), and never zero.
  (*bytes)[0] = static_cast<char>((*bytes)[0] & 0x7f);
  if (bytes->find_first_not_of('\0') == std::string::npos) (*bytes)[kSerialBytes - 1] = 1;
  internal::BignumPtr number(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes->data()),
                                       static_cast<int>(bytes->size()), nullptr));
  if (!number) return OpenSslError("build serial number");
  internal::Asn1IntegerPtr serial(BN_to_ASN1_INTEGER(number.get(), nullptr));
  if (!serial || X509_set_serialNumber(x509, serial.get()) != 1) {
    return OpenSslError("set serial number");
  }
  return absl::OkStatus();
}

absl::Status SetSubject(X509* x509, const std::string& common_name,
                        const std::vector<std::string>& organizations) {
  internal::X509NamePtr name(X509_NAME_new());
  if (!name) return OpenSslError("allocate subject name");
  auto add = [&name](const char* field, const std::string& value) {
    return X509_NAME_add_entry_by_txt(name.get(), field, MBSTRING_UTF8,
                                      reinterpret_cast<const unsigned char*>(value.data()),
                                      static_cast<int>(value.size()), -1, 0) == 1;
  };
  for (const std::string& organization : organizations) {
    if (!add("O", organization)) return OpenSslError(absl::StrCat("set O=", organization));
  }
  if (!add("CN", common_name)) return OpenSslError(absl::StrCat("set CN=", common_name));
  if (X509_set_subject_name(x509, name.get()) != 1) return OpenSslError("set subject name");
  return absl::OkStatus();
}

absl::Status SetValidity(X509* x509, int64_t now, int64_t lifetime_seconds) {
  if (lifetime_seconds <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("certificate lifetime must be positive, got ", lifetime_seconds));
  }
  auto not_before = internal::Asn1TimeFromUnix(now - kClockSkew);
  if (!not_before.ok()) return not_before.status();
  auto not_after = internal::Asn1TimeFromUnix(now + lifetime_seconds);
  if (!not_after.ok()) return not_after.status();
  if (X509_set1_notBefore(x509, not_before->get()) != 1 ||
      X509_set1_notAfter(x509, not_after->get()) != 1) {
    return OpenSslError("set validity");
  }
  return absl::OkStatus();
}

// Adds an extension written in OpenSSL's configuration syntax, e.g. "critical,CA:TRUE".
absl::Status AddConfiguredExtension(X509* x509, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX context;
  X509V3_set_ctx(&context, issuer, x509, nullptr, nullptr, 0);
  internal::X509ExtensionPtr extension(X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str()));
  if (!extension || X509_add_ext(x509, extension.get(), -1) != 1) {
    return OpenSslError(absl::StrCat("add extension ", OBJ_nid2sn(nid), "=", value));
  }
  return absl::OkStatus();
}

absl::Status AddSubjectAltNames(X509* x509, const std::vector<std::string>& dns_names,
                                const std::vector<std::string>& ip_addresses) {
  if (dns_names.empty() && ip_addresses.empty()) return absl::OkStatus();
  internal::GeneralNamesPtr names(GENERAL_NAMES_new());
  if (!names) return OpenSslError("allocate subject alternative names");
  for (const std::string& dns_name : dns_names) {
    internal::GeneralNamePtr name(GENERAL_NAME_new());
    ASN1_IA5STRING* text = ASN1_IA5STRING_new();
    if (!name || text == nullptr ||
        ASN1_STRING_set(text, dns_name.data(), static_cast<int>(dns_name.size())) != 1) {
      ASN1_IA5STRING_free(text);
      return OpenSslError(absl::StrCat("build DNS name ", dns_name));
    }
    GENERAL_NAME_set0_value(name.get(), GEN_DNS, text);
    if (sk_GENERAL_NAME_push(names.get(), name.get()) == 0) return OpenSslError("add DNS name");
    name.release();  // Now owned by `names`.
  }
  for (const std::string& address : ip_addresses) {
    unsigned char octets[16];
    int length = 0;
    if (inet_pton(AF_INET, address.c_str(), octets) == 1) {
      length = 4;
    } else if (inet_pton(AF_INET6, address.c_str(), octets) == 1) {
      length = 16;
    } else {
      return absl::InvalidArgumentError(absl::StrCat("\"", address, "\" is not an IP address"));
    }
    internal::GeneralNamePtr name(GENERAL_NAME_new());
    ASN1_OCTET_STRING* value = ASN1_OCTET_STRING_new();
    if (!name || value == nullptr || ASN1_OCTET_STRING_set(value, octets, length) != 1) {
      ASN1_OCTET_STRING_free(value);
      return OpenSslError(absl::StrCat("build IP address ", address));
    }
    GENERAL_NAME_set0_value(name.get(), GEN_IPADD, value);
    if (sk_GENERAL_NAME_push(names.get(), name.get()) == 0) return OpenSslError("add IP SAN");
    name.release();
  }
  if (X509_add1_ext_i2d(x509, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) != 1) {
    return OpenSslError("add subjectAltName extension");
  }
  return absl::OkStatus();
}

// Creates an unsigned certificate with serial, subject, validity and public key set.
absl::StatusOr<X509Ptr> NewCertificate(const std::string& common_name,
                                       const std::vector<std::string>& organizations,
                                       const PrivateKey& subject_key, int64_t now,
                                       int64_t lifetime_seconds) {
  if (common_name.empty()) return absl::InvalidArgumentError("certificate needs a common name");
  if (subject_key.native() == nullptr) return absl::InvalidArgumentError("empty subject key");
  X509Ptr x509(X509_new());
  if (!x509) return OpenSslError("allocate certificate");
  if (X509_set_version(x509.get(), X509_VERSION_3) != 1) return OpenSslError("set version");
  absl::Status status = SetRandomSerial(x509.get());
  if (status.ok()) status = SetSubject(x509.get(), common_name, organizations);
  if (status.ok()) status = SetValidity(x509.get(), now, lifetime_seconds);
  if (status.ok() && X509_set_pubkey(x509.get(), subject_key.native()) != 1) {
    status = OpenSslError("set public key");
  }
  if (!status.ok()) return status;
  return x509;
}

absl::StatusOr<Certificate> SignAndWrap(X509* x509, const PrivateKey& signer) {
  if (X509_sign(x509, signer.native(), EVP_sha256()) <= 0) {
    return OpenSslError("sign certificate");
  }
  return Certificate::FromNative(x509);
}

}  // namespace

absl::StatusOr<Certificate> CreateSelfSignedCa(const PrivateKey& key,
                                               const std::string& common_name, int64_t now,
                                               int64_t lifetime_seconds) {
  auto x509 = NewCertificate(common_name, {}, key, now, lifetime_seconds);
  if (!x509.ok()) return x509.status();
  X509* cert = x509->get();
  if (X509_set_issuer_name(cert, X509_get_subject_name(cert)) != 1) {
    return OpenSslError("set issuer name");
  }
  absl::Status status =
      AddConfiguredExtension(cert, cert, NID_basic_constraints, "critical,CA:TRUE");
  if (status.ok()) {
    status = AddConfiguredExtension(cert, cert, NID_key_usage,
                                    "critical,digitalSignature,keyEncipherment,keyCertSign");
  }
  if (status.ok()) status = AddConfiguredExtension(cert, cert, NID_subject_key_identifier, "hash");
  if (!status.ok()) return status;
  return SignAndWrap(cert, key);
}

absl::StatusOr<Certificate> IssueCertificate(const CertificateSpec& spec,
                                             const PrivateKey& subject_key, const Certificate& ca,
                                             const PrivateKey& ca_key) {
  if (!ca.IsCa()) {
    return absl::InvalidArgumentError(absl::StrCat("\"", ca.Subject(), "\" is not a CA"));
  }
  if (!ca.MatchesKey(ca_key)) {
    return absl::InvalidArgumentError(
        absl::StrCat("signing key does not belong to CA \"", ca.Subject(), "\""));
  }
  if (spec.usages.empty()) {
    return absl::InvalidArgumentError("certificate needs at least one extended key usage");
  }
  auto x509 = NewCertificate(spec.common_name, spec.organizations, subject_key, spec.now,
                             spec.lifetime_seconds);
  if (!x509.ok()) return x509.status();
  X509* cert = x509->get();
  if (X509_set_issuer_name(cert, X509_get_subject_name(ca.native())) != 1) {
    return OpenSslError("set issuer name");
  }
  std::vector<std::string> usages;
  for (ExtendedKeyUsage usage : spec.usages) {
    usages.push_back(usage == ExtendedKeyUsage::kServerAuth ? "serverAuth" : "clientAuth");
  }
  X509* issuer = ca.native();
  absl::Status status =
      AddConfiguredExtension(cert, issuer, NID_basic_constraints, "critical,CA:FALSE");
  if (status.ok()) {
    status = AddConfiguredExtension(cert, issuer, NID_key_usage,
                                    "critical,digitalSignature,keyEncipherment");
  }
  if (status.ok()) {
    status = AddConfiguredExtension(cert, issuer, NID_ext_key_usage, absl::StrJoin(usages, ","));
  }
  if (status.ok()) {
    status = AddConfiguredExtension(cert, issuer, NID_subject_key_identifier, "hash");
  }
  if (status.ok()) {
    status = AddConfiguredExtension(cert, issuer, NID_authority_key_identifier, "keyid:always");
  }
  if (status.ok()) status = AddSubjectAltNames(cert, spec.dns_names, spec.ip_addresses);
  if (!status.ok()) return status;
  return SignAndWrap(cert, ca_key);
}

std::string CanonicalIpAddress(const std::string& address) {
  unsigned char octets[16];
  char text[INET6_ADDRSTRLEN] = {};
  if (inet_pton(AF_INET, address.c_str(), octets) == 1) {
    return inet_ntop(AF_INET, octets, text, sizeof(text)) ? std::string(text) : std::string();
  }
  if (inet_pton(AF_INET6, address.c_str(), octets) == 1) {
    return inet_ntop(AF_INET6, octets, text, sizeof(text)) ? std::string(text) : std::string();
  }
  return std::string();
}

SubjectAltNames SplitSubjectAltNames(const std::vector<std::string>& names) {
  SubjectAltNames result;
  std::set<std::string> seen;
  for (const std::string& raw : names) {
    std::string name(absl::StripAsciiWhitespace(raw));
    if (name.empty()) continue;
    std::string ip = CanonicalIpAddress(name);
    if (!ip.empty()) {
      if (seen.insert(ip).second) result.ip_addresses.push_back(ip);
      continue;
    }
    absl::AsciiStrToLower(&name);
    if (seen.insert(name).second) result.dns_names.push_back(name);
  }
  return result;
}

}  // namespace k1s::pki
