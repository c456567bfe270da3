#include "apiserver/range_allocator.h"

#include <gtest/gtest.h>

#include <set>

namespace k1s::apiserver {
namespace {

TEST(RangeAllocatorTest, ParsesCidrs) {
  std::optional<Ipv4Range> range = ParseIpv4Cidr("10.43.0.0/16");
  ASSERT_TRUE(range);
  EXPECT_EQ(FormatIpv4(range->first), "10.43.0.1");
  EXPECT_EQ(range->size, 65534u);
  EXPECT_FALSE(ParseIpv4Cidr("10.43.0.0"));
  EXPECT_FALSE(ParseIpv4Cidr("nope/16"));
}

TEST(RangeAllocatorTest, DynamicPicksAvoidTheStaticBand) {
  RangeAllocator allocator(100, 64, 16);
  std::set<uint32_t> seen;
  for (int i = 0; i < 48; ++i) {
    std::optional<uint32_t> value = allocator.AllocateNext();
    ASSERT_TRUE(value);
    EXPECT_GE(*value, 116u);
    seen.insert(*value);
  }
  EXPECT_EQ(seen.size(), 48u);
  // Only then does the static band fill up.
  std::optional<uint32_t> next = allocator.AllocateNext();
  ASSERT_TRUE(next);
  EXPECT_LT(*next, 116u);
}

TEST(RangeAllocatorTest, ExplicitValuesAndRelease) {
  RangeAllocator allocator(30000, 3, 0);
  EXPECT_TRUE(allocator.Allocate(30001));
  EXPECT_FALSE(allocator.Allocate(30001));
  EXPECT_FALSE(allocator.Allocate(40000));
  EXPECT_TRUE(allocator.AllocateNext());
  EXPECT_TRUE(allocator.AllocateNext());
  EXPECT_FALSE(allocator.AllocateNext());
  allocator.Release(30001);
  EXPECT_EQ(allocator.AllocateNext(), 30001u);
}

}  // namespace
}  // namespace k1s::apiserver
