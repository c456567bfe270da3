#include "pki/host_addresses.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/status.h"

namespace k1s::pki {

absl::StatusOr<std::string> LocalHostname() {
  char name[HOST_NAME_MAX + 1] = {};
  if (::gethostname(name, sizeof(name) - 1) != 0) return base::ErrnoStatus("gethostname", errno);
  std::string hostname = absl::AsciiStrToLower(name);
  if (hostname.empty()) return absl::FailedPreconditionError("host name is empty");
  return hostname;
}

absl::StatusOr<std::vector<std::string>> LocalIpAddresses() {
  struct ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return base::ErrnoStatus("getifaddrs", errno);
  std::vector<std::string> ipv4;
  std::vector<std::string> ipv6;
  for (struct ifaddrs* entry = list; entry != nullptr; entry = entry->ifa_next) {
    if (entry->ifa_addr == nullptr || (entry->ifa_flags & IFF_UP) == 0 ||
        (entry->ifa_flags & IFF_LOOPBACK) != 0) {
      continue;
    }
    char text[INET6_ADDRSTRLEN] = {};
    if (entry->ifa_addr->sa_family == AF_INET) {
      const auto* address = reinterpret_cast<const sockaddr_in*>(entry->ifa_addr);
      if (inet_ntop(AF_INET, &address->sin_addr, text, sizeof(text)) != nullptr) {
        ipv4.emplace_back(text);
      }
    } else if (entry->ifa_addr->sa_family == AF_INET6) {
      const auto* address = reinterpret_cast<const sockaddr_in6*>(entry->ifa_addr);
      if (IN6_IS_ADDR_LINKLOCAL(&address->sin6_addr) || IN6_IS_ADDR_LOOPBACK(&address->sin6_addr)) {
        continue;
      }
      if (inet_ntop(AF_INET6, &address->sin6_addr, text, sizeof(text)) != nullptr) {
        ipv6.emplace_back(text);
      }
    }
  }
  ::freeifaddrs(list);
  std::vector<std::string> addresses;
  for (auto* family : {&ipv4, &ipv6}) {
    for (std::string& address : *family) {
      bool seen = false;
      for (const std::string& existing : addresses) seen = seen || existing == address;
      if (!seen) addresses.push_back(std::move(address));
    }
  }
  return addresses;
}

absl::StatusOr<std::string> FirstIpInCidr(std::string_view cidr) {
  const std::string text(cidr);
  const size_t slash = text.find('/');
  auto invalid = [&text](const char* why) {
    return absl::InvalidArgumentError(absl::StrCat("invalid CIDR \"", text, "\": ", why));
  };
  if (slash == std::string::npos) return invalid("missing /prefix");
  const std::string address = text.substr(0, slash);
  int prefix = 0;
  if (!absl::SimpleAtoi(text.substr(slash + 1), &prefix)) return invalid("bad prefix length");
  unsigned char octets[16] = {};
  int family = AF_INET;
  int bits = 32;
  if (inet_pton(AF_INET, address.c_str(), octets) != 1) {
    if (inet_pton(AF_INET6, address.c_str(), octets) != 1) return invalid("bad address");
    family = AF_INET6;
    bits = 128;
  }
  // A /32 or /128 (and /31, /127) leaves no room for a usable address after the network's.
  if (prefix < 0 || prefix > bits - 2) return invalid("prefix length out of range");
  const int bytes = bits / 8;
  for (int i = 0; i < bytes; ++i) {
    const int keep = prefix - i * 8;
    if (keep >= 8) continue;
    octets[i] &= keep <= 0 ? 0 : static_cast<unsigned char>(0xff << (8 - keep));
  }
  octets[bytes - 1] |= 1;  // The network address has its host bits zero; add one.
  char result[INET6_ADDRSTRLEN] = {};
  if (inet_ntop(family, octets, result, sizeof(result)) == nullptr) {
    return base::ErrnoStatus("inet_ntop", errno);
  }
  return std::string(result);
}

}  // namespace k1s::pki
