#include "pki/host_addresses.h"

#include <gtest/gtest.h>

namespace k1s::pki {
namespace {

TEST(FirstIpInCidrTest, Ipv4ServiceCidr) {
  EXPECT_EQ(*FirstIpInCidr("10.43.0.0/16"), "10.43.0.1");
  EXPECT_EQ(*FirstIpInCidr("10.43.7.9/16"), "10.43.0.1");  // host bits are ignored
  EXPECT_EQ(*FirstIpInCidr("192.168.128.0/17"), "192.168.128.1");
  EXPECT_EQ(*FirstIpInCidr("172.16.5.4/30"), "172.16.5.5");
}

TEST(FirstIpInCidrTest, Ipv6ServiceCidr) {
  EXPECT_EQ(*FirstIpInCidr("fd00:43::/112"), "fd00:43::1");
  EXPECT_EQ(*FirstIpInCidr("2001:db8:1:2::ffff/64"), "2001:db8:1:2::1");
}

TEST(FirstIpInCidrTest, RejectsMalformed) {
  for (const char* bad : {"10.43.0.0", "10.43.0.0/33", "10.43.0.0/32", "10.43.0.0/x", "10.43.0/16",
                          "fd00::/127", "/16", ""}) {
    auto result = FirstIpInCidr(bad);
    EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

TEST(LocalHostTest, HostnameIsLowerCaseAndNonEmpty) {
  auto hostname = LocalHostname();
  ASSERT_TRUE(hostname.ok()) << hostname.status();
  EXPECT_FALSE(hostname->empty());
  for (char c : *hostname) EXPECT_FALSE(c >= 'A' && c <= 'Z') << *hostname;
}

TEST(LocalHostTest, AddressesExcludeLoopbackAndLinkLocal) {
  auto addresses = LocalIpAddresses();
  ASSERT_TRUE(addresses.ok()) << addresses.status();
  for (const std::string& address : *addresses) {
    EXPECT_NE(address.rfind("127.", 0), 0u) << address;
    EXPECT_NE(address, "::1");
    EXPECT_NE(address.rfind("fe80:", 0), 0u) << address;
  }
}

}  // namespace
}  // namespace k1s::pki
