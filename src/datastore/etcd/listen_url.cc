#include "datastore/etcd/listen_url.h"

#include <arpa/inet.h>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace k1s::datastore::etcd {
namespace {

bool IsLoopbackHost(const std::string& host) {
  if (host == "localhost") return true;
  in_addr v4;
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6;
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    return IN6_IS_ADDR_LOOPBACK(&v6);
  }
  return false;
}

}  // namespace

std::string ListenUrl::GrpcAddress() const {
  if (scheme == Scheme::kUnix) return absl::StrCat("unix:", path);
  if (host.find(':') != std::string::npos) return absl::StrCat("[", host, "]:", port);
  return absl::StrCat(host, ":", port);
}

std::string ListenUrl::ToString(uint16_t actual_port) const {
  if (scheme == Scheme::kUnix) return absl::StrCat("unix://", path);
  std::string h = host.find(':') != std::string::npos ? absl::StrCat("[", host, "]") : host;
  return absl::StrCat(scheme == Scheme::kHttps ? "https://" : "http://", h, ":", actual_port);
}

absl::StatusOr<ListenUrl> ParseListenUrl(absl::string_view url) {
  ListenUrl out;
  absl::string_view rest = url;
  if (absl::ConsumePrefix(&rest, "unix://")) {
    out.scheme = ListenUrl::Scheme::kUnix;
    if (rest.empty() || rest[0] != '/') {
      return absl::InvalidArgumentError(
          absl::StrCat("listen URL ", url, ": unix socket needs an absolute path (unix:///path)"));
    }
    out.path = std::string(rest);
    out.loopback = true;
    return out;
  }
  if (absl::ConsumePrefix(&rest, "http://")) {
    out.scheme = ListenUrl::Scheme::kHttp;
  } else if (absl::ConsumePrefix(&rest, "https://")) {
    out.scheme = ListenUrl::Scheme::kHttps;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("listen URL ", url, ": scheme must be http, https or unix"));
  }
  absl::ConsumeSuffix(&rest, "/");
  size_t colon;
  if (!rest.empty() && rest[0] == '[') {
    size_t close = rest.find(']');
    if (close == absl::string_view::npos || close + 1 >= rest.size() || rest[close + 1] != ':') {
      return absl::InvalidArgumentError(absl::StrCat("listen URL ", url, ": expected [ipv6]:port"));
    }
    out.host = std::string(rest.substr(1, close - 1));
    colon = close + 1;
  } else {
    colon = rest.rfind(':');
    if (colon == absl::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat("listen URL ", url, ": missing port"));
    }
    out.host = std::string(rest.substr(0, colon));
  }
  uint32_t port = 0;
  if (out.host.empty() || !absl::SimpleAtoi(rest.substr(colon + 1), &port) || port > 65535 ||
      out.host.find('/') != std::string::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("listen URL ", url, ": expected ", "scheme://host:port"));
  }
  out.port = static_cast<uint16_t>(port);
  out.loopback = IsLoopbackHost(out.host);
  return out;
}

absl::StatusOr<std::vector<ListenUrl>> ParseListenUrls(absl::string_view urls) {
  std::vector<ListenUrl> out;
  for (absl::string_view part : absl::StrSplit(urls, ',', absl::SkipWhitespace())) {
    auto parsed = ParseListenUrl(absl::StripAsciiWhitespace(part));
    if (!parsed.ok()) return parsed.status();
    out.push_back(*std::move(parsed));
  }
  if (out.empty()) return absl::InvalidArgumentError("no listen URL given");
  return out;
}

absl::Status ValidateListeners(const std::vector<ListenUrl>& urls, const TlsFiles& tls) {
  for (const ListenUrl& url : urls) {
    if (url.scheme == ListenUrl::Scheme::kHttp && !url.loopback) {
      return absl::InvalidArgumentError(absl::StrCat(
          "listen URL ", url.ToString(url.port),
          ": plaintext is only allowed on loopback addresses; use https:// with --cert-file, "
          "--key-file and --trusted-ca-file (client certificates are required)"));
    }
    if (url.scheme == ListenUrl::Scheme::kHttps) {
      const char* missing = tls.cert_file.empty()         ? "--cert-file"
                            : tls.key_file.empty()        ? "--key-file"
                            : tls.trusted_ca_file.empty() ? "--trusted-ca-file"
                                                          : nullptr;
      if (missing != nullptr) {
        return absl::InvalidArgumentError(
            absl::StrCat("listen URL ", url.ToString(url.port), ": https requires ", missing));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace k1s::datastore::etcd
