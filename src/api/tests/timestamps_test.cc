#include "api/timestamps.h"

#include <gtest/gtest.h>

namespace k1s::api {
namespace {

TEST(TimestampsTest, FormatsUtcSeconds) {
  EXPECT_EQ(FormatTimestamp(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatTimestamp(1795385442), "2026-11-22T22:10:42Z");
}

TEST(TimestampsTest, FormatsPast2038) {
  EXPECT_EQ(FormatTimestamp(int64_t{4102444800}), "2100-01-01T00:00:00Z");
}

TEST(TimestampsTest, ParsesOffsetsAndFractions) {
  EXPECT_EQ(ParseTimestamp("2026-11-22T22:10:42Z"), 1795385442);
  EXPECT_EQ(ParseTimestamp("2026-11-22T22:10:42.999Z"), 1795385442);
  EXPECT_EQ(ParseTimestamp("2026-11-22T23:10:42+01:00"), 1795385442);
  EXPECT_EQ(ParseTimestamp("yesterday"), std::nullopt);
}

TEST(TimestampsTest, FormatsMicroseconds) {
  EXPECT_EQ(FormatMicroTimestamp(int64_t{1795385442} * 1'000'000'000 + 123'456'789),
            "2026-11-22T22:10:42.123456Z");
}

}  // namespace
}  // namespace k1s::api
