#include "controllers/node_ipam/cidr_set.h"

#include <arpa/inet.h>

#include <algorithm>

#include "base/strings.h"

namespace k1s::controllers::node_ipam {
namespace {

// Upstream's clusterSubnetMaxDiff: at most 2^16 subnets in one set.
constexpr int32_t kMaxSubnetBits = 16;

bool GetBit(const std::array<uint8_t, 16>& address, int32_t bit) {
  return (address[static_cast<size_t>(bit / 8)] >> (7 - bit % 8)) & 1;
}

void SetBit(std::array<uint8_t, 16>& address, int32_t bit, bool value) {
  const uint8_t mask = static_cast<uint8_t>(1u << (7 - bit % 8));
  uint8_t& byte = address[static_cast<size_t>(bit / 8)];
  byte = value ? static_cast<uint8_t>(byte | mask) : static_cast<uint8_t>(byte & ~mask);
}

// The `count` address bits starting at bit `from` (most significant first) as a number.
int32_t ReadBits(const std::array<uint8_t, 16>& address, int32_t from, int32_t count) {
  int32_t value = 0;
  for (int32_t i = 0; i < count; ++i) value = (value << 1) | (GetBit(address, from + i) ? 1 : 0);
  return value;
}

void WriteBits(std::array<uint8_t, 16>& address, int32_t from, int32_t count, int32_t value) {
  for (int32_t i = 0; i < count; ++i) {
    SetBit(address, from + count - 1 - i, (value >> i) & 1);
  }
}

void ClearFrom(std::array<uint8_t, 16>& address, int32_t bytes, int32_t from) {
  for (int32_t bit = from; bit < bytes * 8; ++bit) SetBit(address, bit, false);
}

void FillFrom(std::array<uint8_t, 16>& address, int32_t bytes, int32_t from) {
  for (int32_t bit = from; bit < bytes * 8; ++bit) SetBit(address, bit, true);
}

// The first `prefix` bits of both addresses are equal.
bool SamePrefix(const Network& a, const Network& b, int32_t prefix) {
  for (int32_t bit = 0; bit < prefix; ++bit) {
    if (GetBit(a.address, bit) != GetBit(b.address, bit)) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<Network> Network::Parse(std::string_view cidr) {
  const size_t slash = cidr.find('/');
  if (slash == std::string_view::npos) {
    return absl::InvalidArgumentError(base::StrCat("invalid CIDR address: ", cidr));
  }
  const std::string ip(cidr.substr(0, slash));
  const std::string_view length = cidr.substr(slash + 1);
  Network network;
  if (inet_pton(AF_INET, ip.c_str(), network.address.data()) == 1) {
    network.bytes = 4;
  } else if (inet_pton(AF_INET6, ip.c_str(), network.address.data()) == 1) {
    network.bytes = 16;
  } else {
    return absl::InvalidArgumentError(base::StrCat("invalid CIDR address: ", cidr));
  }
  if (length.empty() || length.size() > 3 ||
      !std::all_of(length.begin(), length.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return absl::InvalidArgumentError(base::StrCat("invalid CIDR address: ", cidr));
  }
  network.prefix = std::stoi(std::string(length));
  if (network.prefix > network.bytes * 8) {
    return absl::InvalidArgumentError(base::StrCat("invalid CIDR address: ", cidr));
  }
  ClearFrom(network.address, network.bytes, network.prefix);
  return network;
}

std::string Network::String() const {
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(ipv6() ? AF_INET6 : AF_INET, address.data(), text, sizeof(text));
  return base::StrCat(text, "/", prefix);
}

absl::StatusOr<CidrSet> CidrSet::Create(std::string_view cluster_cidr, int32_t node_mask_size) {
  absl::StatusOr<Network> cluster = Network::Parse(cluster_cidr);
  if (!cluster.ok()) return cluster.status();
  if (node_mask_size < cluster->prefix || node_mask_size > cluster->bytes * 8) {
    return absl::InvalidArgumentError(base::StrCat(
        "node CIDR mask size ", node_mask_size, " does not fit cluster CIDR ", cluster->String()));
  }
  if (node_mask_size - cluster->prefix > kMaxSubnetBits) {
    return absl::InvalidArgumentError("New CIDR set failed; the node CIDR size is too big");
  }
  return CidrSet(*cluster, node_mask_size);
}

CidrSet::CidrSet(Network cluster, int32_t node_mask)
    : cluster_(cluster),
      node_mask_(node_mask),
      max_subnets_(1 << (node_mask - cluster.prefix)),
      used_(static_cast<size_t>(max_subnets_), false) {}

absl::StatusOr<std::string> CidrSet::AllocateNext() {
  int32_t candidate = next_candidate_;
  for (int32_t i = 0; i < max_subnets_; ++i) {
    if (!used_[static_cast<size_t>(candidate)]) {
      used_[static_cast<size_t>(candidate)] = true;
      ++allocated_;
      next_candidate_ = (candidate + 1) % max_subnets_;
      return SubnetString(candidate);
    }
    candidate = (candidate + 1) % max_subnets_;
  }
  return absl::ResourceExhaustedError(
      "CIDR allocation failed; there are no remaining CIDRs left to allocate in the accepted "
      "range");
}

absl::Status CidrSet::Occupy(std::string_view cidr) {
  int32_t begin = 0;
  int32_t end = 0;
  if (absl::Status status = Indexes(cidr, &begin, &end); !status.ok()) return status;
  Mark(begin, end, true);
  return absl::OkStatus();
}

absl::Status CidrSet::Release(std::string_view cidr) {
  int32_t begin = 0;
  int32_t end = 0;
  if (absl::Status status = Indexes(cidr, &begin, &end); !status.ok()) return status;
  Mark(begin, end, false);
  return absl::OkStatus();
}

absl::Status CidrSet::Indexes(std::string_view cidr, int32_t* begin, int32_t* end) const {
  absl::StatusOr<Network> network = Network::Parse(cidr);
  if (!network.ok()) return network.status();
  const int32_t common = std::min(network->prefix, cluster_.prefix);
  if (network->bytes != cluster_.bytes || !SamePrefix(*network, cluster_, common)) {
    return absl::InvalidArgumentError(
        base::StrCat("cidr ", cidr, " is out the range of cluster cidr ", cluster_.String()));
  }
  const int32_t bits = node_mask_ - cluster_.prefix;
  if (network->prefix <= cluster_.prefix) {
    // Covers the whole cluster range.
    *begin = 0;
    *end = max_subnets_ - 1;
    return absl::OkStatus();
  }
  std::array<uint8_t, 16> first = network->address;
  std::array<uint8_t, 16> last = network->address;
  FillFrom(last, network->bytes, network->prefix);
  *begin = ReadBits(first, cluster_.prefix, bits);
  *end = ReadBits(last, cluster_.prefix, bits);
  return absl::OkStatus();
}

std::string CidrSet::SubnetString(int32_t index) const {
  Network subnet = cluster_;
  WriteBits(subnet.address, cluster_.prefix, node_mask_ - cluster_.prefix, index);
  subnet.prefix = node_mask_;
  return subnet.String();
}

void CidrSet::Mark(int32_t begin, int32_t end, bool used) {
  for (int32_t index = begin; index <= end && index < max_subnets_; ++index) {
    if (used_[static_cast<size_t>(index)] == used) continue;
    used_[static_cast<size_t>(index)] = used;
    allocated_ += used ? 1 : -1;
  }
}

}  // namespace k1s::controllers::node_ipam
