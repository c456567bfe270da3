#include "pki/certificate.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "pki/asn1_time.h"
#include "pki/openssl_util.h"

namespace k1s::pki {
namespace {

using internal::OpenSslError;

std::string Asn1StringToUtf8(const ASN1_STRING* value) {
  unsigned char* utf8 = nullptr;
  int length = ASN1_STRING_to_UTF8(&utf8, value);
  if (length < 0) {
    internal::ClearOpenSslErrors();
    return std::string();
  }
  std::string result(reinterpret_cast<const char*>(utf8), static_cast<size_t>(length));
  OPENSSL_free(utf8);
  return result;
}

std::vector<std::string> NameEntries(const X509_NAME* name, int nid) {
  std::vector<std::string> values;
  int index = -1;
  while ((index = X509_NAME_get_index_by_NID(name, nid, index)) >= 0) {
    values.push_back(Asn1StringToUtf8(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index))));
  }
  return values;
}

std::string FirstNameEntry(const X509_NAME* name, int nid) {
  std::vector<std::string> values = NameEntries(name, nid);
  return values.empty() ? std::string() : values.front();
}

std::string NameToString(const X509_NAME* name) {
  auto bio = internal::MemoryBio();
  if (!bio.ok()) return std::string();
  if (X509_NAME_print_ex(bio->get(), name, 0, XN_FLAG_RFC2253) < 0) {
    internal::ClearOpenSslErrors();
    return std::string();
  }
  return internal::BioContents(bio->get());
}

std::string OctetsToHex(const ASN1_OCTET_STRING* octets) {
  if (octets == nullptr) return std::string();
  return internal::HexEncode(
      std::string_view(reinterpret_cast<const char*>(ASN1_STRING_get0_data(octets)),
                       static_cast<size_t>(ASN1_STRING_length(octets))));
}

// Calls `visit(GENERAL_NAME*)` for each subject alternative name.
template <typename Visitor>
void ForEachSubjectAltName(X509* x509, Visitor visit) {
  internal::GeneralNamesPtr names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(x509, NID_subject_alt_name, nullptr, nullptr)));
  if (!names) return;
  for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
    visit(sk_GENERAL_NAME_value(names.get(), i));
  }
}

bool IsIpLiteral(const std::string& host) {
  unsigned char buffer[16];
  return inet_pton(AF_INET, host.c_str(), buffer) == 1 ||
         inet_pton(AF_INET6, host.c_str(), buffer) == 1;
}

const char* UsageName(ExtendedKeyUsage usage) {
  return usage == ExtendedKeyUsage::kServerAuth ? "serverAuth" : "clientAuth";
}

}  // namespace

absl::StatusOr<Certificate> Certificate::FromNative(X509* x509) {
  if (x509 == nullptr) return absl::InvalidArgumentError("null certificate");
  auto not_before = internal::Asn1TimeToUnix(X509_get0_notBefore(x509));
  if (!not_before.ok()) return not_before.status();
  auto not_after = internal::Asn1TimeToUnix(X509_get0_notAfter(x509));
  if (!not_after.ok()) return not_after.status();
  if (X509_up_ref(x509) != 1) return OpenSslError("reference certificate");
  return Certificate(x509, *not_before, *not_after);
}

absl::StatusOr<Certificate> Certificate::FromPem(std::string_view pem) {
  auto bio = internal::ReadOnlyBio(pem);
  if (!bio.ok()) return bio.status();
  internal::X509Ptr x509(PEM_read_bio_X509(bio->get(), nullptr, nullptr, nullptr));
  if (!x509) return OpenSslError("parse PEM certificate", absl::StatusCode::kInvalidArgument);
  return Certificate::FromNative(x509.get());  // takes its own reference
}

absl::StatusOr<std::vector<Certificate>> Certificate::BundleFromPem(std::string_view pem) {
  auto bio = internal::ReadOnlyBio(pem);
  if (!bio.ok()) return bio.status();
  std::vector<Certificate> certificates;
  internal::ClearOpenSslErrors();
  while (true) {
    internal::X509Ptr x509(PEM_read_bio_X509(bio->get(), nullptr, nullptr, nullptr));
    if (!x509) break;
    auto certificate = Certificate::FromNative(x509.get());
    if (!certificate.ok()) return certificate.status();
    certificates.push_back(*std::move(certificate));
  }
  // Running out of input shows up as "no start line"; anything else is a malformed block.
  const unsigned long error = ERR_peek_last_error();  // NOLINT(runtime/int)
  if (error != 0 &&
      !(ERR_GET_LIB(error) == ERR_LIB_PEM && ERR_GET_REASON(error) == PEM_R_NO_START_LINE)) {
    return OpenSslError("parse PEM certificate bundle", absl::StatusCode::kInvalidArgument);
  }
  internal::ClearOpenSslErrors();
  if (certificates.empty()) {
    return absl::InvalidArgumentError("PEM bundle holds no certificate");
  }
  return certificates;
}

Certificate::Certificate(const Certificate& other)
    : x509_(other.x509_), not_before_(other.not_before_), not_after_(other.not_after_) {
  if (x509_ != nullptr) X509_up_ref(x509_);
}

Certificate& Certificate::operator=(const Certificate& other) {
  if (this != &other) {
    if (other.x509_ != nullptr) X509_up_ref(other.x509_);
    X509_free(x509_);
    x509_ = other.x509_;
    not_before_ = other.not_before_;
    not_after_ = other.not_after_;
  }
  return *this;
}

Certificate::Certificate(Certificate&& other) noexcept
    : x509_(std::exchange(other.x509_, nullptr)),
      not_before_(other.not_before_),
      not_after_(other.not_after_) {}

Certificate& Certificate::operator=(Certificate&& other) noexcept {
  if (this != &other) {
    X509_free(x509_);
    x509_ = std::exchange(other.x509_, nullptr);
    not_before_ = other.not_before_;
    not_after_ = other.not_after_;
  }
  return *this;
}

Certificate::~Certificate() { X509_free(x509_); }

absl::StatusOr<std::string> Certificate::ToPem() const {
  auto bio = internal::MemoryBio();
  if (!bio.ok()) return bio.status();
  if (PEM_write_bio_X509(bio->get(), x509_) != 1) return OpenSslError("encode certificate");
  return internal::BioContents(bio->get());
}

std::string Certificate::CommonName() const {
  return FirstNameEntry(X509_get_subject_name(x509_), NID_commonName);
}

std::vector<std::string> Certificate::Organizations() const {
  return NameEntries(X509_get_subject_name(x509_), NID_organizationName);
}

std::string Certificate::IssuerCommonName() const {
  return FirstNameEntry(X509_get_issuer_name(x509_), NID_commonName);
}

std::string Certificate::Subject() const { return NameToString(X509_get_subject_name(x509_)); }

std::string Certificate::Issuer() const { return NameToString(X509_get_issuer_name(x509_)); }

std::string Certificate::SerialHex() const {
  internal::BignumPtr serial(ASN1_INTEGER_to_BN(X509_get0_serialNumber(x509_), nullptr));
  if (!serial) {
    internal::ClearOpenSslErrors();
    return std::string();
  }
  char* hex = BN_bn2hex(serial.get());
  if (hex == nullptr) {
    internal::ClearOpenSslErrors();
    return std::string();
  }
  std::string result = absl::AsciiStrToLower(hex);
  OPENSSL_free(hex);
  return result;
}

std::vector<std::string> Certificate::DnsNames() const {
  std::vector<std::string> names;
  ForEachSubjectAltName(x509_, [&names](const GENERAL_NAME* name) {
    if (name->type == GEN_DNS) names.push_back(Asn1StringToUtf8(name->d.dNSName));
  });
  return names;
}

std::vector<std::string> Certificate::IpAddresses() const {
  std::vector<std::string> addresses;
  ForEachSubjectAltName(x509_, [&addresses](const GENERAL_NAME* name) {
    if (name->type != GEN_IPADD) return;
    const ASN1_OCTET_STRING* octets = name->d.iPAddress;
    const int length = ASN1_STRING_length(octets);
    char text[INET6_ADDRSTRLEN] = {};
    const int family = length == 4 ? AF_INET : length == 16 ? AF_INET6 : AF_UNSPEC;
    if (family == AF_UNSPEC ||
        inet_ntop(family, ASN1_STRING_get0_data(octets), text, sizeof(text)) == nullptr) {
      return;
    }
    addresses.emplace_back(text);
  });
  return addresses;
}

bool Certificate::IsCa() const { return (X509_get_extension_flags(x509_) & EXFLAG_CA) != 0; }

bool Certificate::HasExtendedKeyUsage(ExtendedKeyUsage usage) const {
  if ((X509_get_extension_flags(x509_) & EXFLAG_XKUSAGE) == 0) return false;
  const uint32_t flags = X509_get_extended_key_usage(x509_);
  return (flags & (usage == ExtendedKeyUsage::kServerAuth ? XKU_SSL_SERVER : XKU_SSL_CLIENT)) != 0;
}

std::string Certificate::SubjectKeyId() const {
  return OctetsToHex(X509_get0_subject_key_id(x509_));
}

std::string Certificate::AuthorityKeyId() const {
  return OctetsToHex(X509_get0_authority_key_id(x509_));
}

bool Certificate::MatchesKey(const PrivateKey& key) const {
  EVP_PKEY* public_key = X509_get0_pubkey(x509_);
  const bool match = public_key != nullptr && key.native() != nullptr &&
                     EVP_PKEY_eq(public_key, key.native()) == 1;
  internal::ClearOpenSslErrors();
  return match;
}

absl::Status Certificate::VerifySignedBy(const Certificate& ca) const {
  const int issued = X509_check_issued(ca.x509_, x509_);
  if (issued != X509_V_OK) {
    return absl::FailedPreconditionError(
        absl::StrCat("certificate \"", Subject(), "\" was not issued by \"", ca.Subject(),
                     "\": ", X509_verify_cert_error_string(issued)));
  }
  EVP_PKEY* ca_key = X509_get0_pubkey(ca.x509_);
  if (ca_key == nullptr || X509_verify(x509_, ca_key) != 1) {
    return OpenSslError(absl::StrCat("signature of \"", Subject(), "\" does not verify with \"",
                                     ca.Subject(), "\""),
                        absl::StatusCode::kFailedPrecondition);
  }
  return absl::OkStatus();
}

absl::Status Certificate::VerifyIssuedBy(const Certificate& ca,
                                         const VerifyOptions& options) const {
  for (const Certificate* certificate : {this, &ca}) {
    if (options.now < certificate->not_before_ || options.now > certificate->not_after_) {
      return absl::FailedPreconditionError(absl::StrCat(
          "certificate \"", certificate->Subject(), "\" is not valid at ", options.now,
          " (valid from ", certificate->not_before_, " to ", certificate->not_after_, ")"));
    }
  }
  if (options.require_usage && !HasExtendedKeyUsage(options.usage)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "certificate \"", Subject(), "\" lacks extended key usage ", UsageName(options.usage)));
  }
  internal::X509StorePtr store(X509_STORE_new());
  internal::X509StoreCtxPtr context(X509_STORE_CTX_new());
  if (!store || !context) return OpenSslError("allocate certificate store");
  if (X509_STORE_add_cert(store.get(), ca.x509_) != 1) return OpenSslError("add CA to store");
  if (X509_STORE_CTX_init(context.get(), store.get(), x509_, nullptr) != 1) {
    return OpenSslError("initialize certificate verification");
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(context.get());
  // Validity was checked above on int64_t seconds; OpenSSL's own check takes a time_t.
  X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_NO_CHECK_TIME | X509_V_FLAG_X509_STRICT);
  if (options.require_usage) {
    X509_VERIFY_PARAM_set_purpose(param, options.usage == ExtendedKeyUsage::kServerAuth
                                             ? X509_PURPOSE_SSL_SERVER
                                             : X509_PURPOSE_SSL_CLIENT);
  }
  if (!options.host.empty()) {
    const int set = IsIpLiteral(options.host)
                        ? X509_VERIFY_PARAM_set1_ip_asc(param, options.host.c_str())
                        : X509_VERIFY_PARAM_set1_host(param, options.host.c_str(), 0);
    if (set != 1) return OpenSslError(absl::StrCat("set expected host ", options.host));
  }
  if (X509_verify_cert(context.get()) != 1) {
    const int error = X509_STORE_CTX_get_error(context.get());
    internal::ClearOpenSslErrors();
    return absl::FailedPreconditionError(
        absl::StrCat("verify \"", Subject(), "\" against \"", ca.Subject(),
                     "\": ", X509_verify_cert_error_string(error)));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> BundleToPem(const std::vector<Certificate>& certificates) {
  std::string bundle;
  for (const Certificate& certificate : certificates) {
    auto pem = certificate.ToPem();
    if (!pem.ok()) return pem.status();
    bundle += *pem;
  }
  return bundle;
}

}  // namespace k1s::pki
