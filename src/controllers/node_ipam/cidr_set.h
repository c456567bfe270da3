#pragma once
// A cluster CIDR cut into equal node subnets (upstream's nodeipam cidrset): a bitmap of which
// subnets are taken, allocation of the next free one round-robin from the last allocation,
// marking ranges taken (existing nodes, an overlapping service range) and releasing them.
// IPv4 and IPv6; at most 2^16 subnets per set, as upstream. Not thread-safe (the allocator
// locks around it).
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace k1s::controllers::node_ipam {

// An IP network in binary form: 4 or 16 address bytes and a prefix length.
struct Network {
  std::array<uint8_t, 16> address{};
  int32_t bytes = 4;
  int32_t prefix = 0;

  // "10.42.0.0/16", "fd00::/48"; the address is masked to the prefix.
  static absl::StatusOr<Network> Parse(std::string_view cidr);
  std::string String() const;
  bool ipv6() const { return bytes == 16; }
};

class CidrSet {
 public:
  // InvalidArgument when the node mask is not longer than the cluster's or yields more than
  // 2^16 subnets.
  static absl::StatusOr<CidrSet> Create(std::string_view cluster_cidr, int32_t node_mask_size);

  // The next free subnet; ResourceExhausted ("CIDR allocation failed; there are no remaining
  // CIDRs left to allocate in the accepted range") when none is left.
  absl::StatusOr<std::string> AllocateNext();
  // Marks every subnet overlapping `cidr` taken / free. InvalidArgument when `cidr` does not
  // parse, is of the other family or lies outside the cluster CIDR.
  absl::Status Occupy(std::string_view cidr);
  absl::Status Release(std::string_view cidr);

  const Network& cluster() const { return cluster_; }
  int32_t node_mask_size() const { return node_mask_; }
  int32_t allocated() const { return allocated_; }

 private:
  CidrSet(Network cluster, int32_t node_mask);
  // The range of subnet indexes `cidr` overlaps.
  absl::Status Indexes(std::string_view cidr, int32_t* begin, int32_t* end) const;
  std::string SubnetString(int32_t index) const;
  void Mark(int32_t begin, int32_t end, bool used);

  Network cluster_;
  int32_t node_mask_ = 0;
  int32_t max_subnets_ = 0;
  std::vector<bool> used_;
  int32_t next_candidate_ = 0;
  int32_t allocated_ = 0;
};

}  // namespace k1s::controllers::node_ipam
