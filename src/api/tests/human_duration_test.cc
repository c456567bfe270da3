#include "api/human_duration.h"

#include <gtest/gtest.h>

namespace k1s::api {
namespace {

constexpr int64_t kMinute = 60;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t kYear = 365 * kDay;

TEST(HumanDurationTest, ToleratesOneSecondOfClockSkew) {
  EXPECT_EQ(HumanDuration(-1), "0s");
  EXPECT_EQ(HumanDuration(-2), "<invalid>");
  EXPECT_EQ(HumanDuration(0), "0s");
}

TEST(HumanDurationTest, SecondsUpToTwoMinutes) {
  EXPECT_EQ(HumanDuration(59), "59s");
  EXPECT_EQ(HumanDuration(119), "119s");
  EXPECT_EQ(HumanDuration(2 * kMinute), "2m");
}

TEST(HumanDurationTest, MinutesWithSecondsBelowTenMinutes) {
  EXPECT_EQ(HumanDuration(2 * kMinute + 3), "2m3s");
  EXPECT_EQ(HumanDuration(9 * kMinute + 59), "9m59s");
  EXPECT_EQ(HumanDuration(10 * kMinute + 30), "10m");
  EXPECT_EQ(HumanDuration(3 * kHour - 1), "179m");
}

TEST(HumanDurationTest, HoursWithMinutesBelowEightHours) {
  EXPECT_EQ(HumanDuration(3 * kHour), "3h");
  EXPECT_EQ(HumanDuration(3 * kHour + 20 * kMinute + 59), "3h20m");
  EXPECT_EQ(HumanDuration(7 * kHour + 59 * kMinute), "7h59m");
  EXPECT_EQ(HumanDuration(8 * kHour + 30 * kMinute), "8h");
  EXPECT_EQ(HumanDuration(2 * kDay - 1), "47h");
}

TEST(HumanDurationTest, DaysWithHoursBelowEightDays) {
  EXPECT_EQ(HumanDuration(2 * kDay), "2d");
  EXPECT_EQ(HumanDuration(2 * kDay + 5 * kHour + 59 * kMinute), "2d5h");
  EXPECT_EQ(HumanDuration(8 * kDay + 5 * kHour), "8d");
  EXPECT_EQ(HumanDuration(2 * kYear - 1), "729d");
}

TEST(HumanDurationTest, YearsWithDaysBelowEightYears) {
  EXPECT_EQ(HumanDuration(2 * kYear), "2y");
  EXPECT_EQ(HumanDuration(2 * kYear + 45 * kDay + 3 * kHour), "2y45d");
  EXPECT_EQ(HumanDuration(8 * kYear + 10 * kDay), "8y");
  EXPECT_EQ(HumanDuration(int64_t{120} * kYear), "120y");
}

TEST(ShortHumanDurationTest, OneUnitOnly) {
  EXPECT_EQ(ShortHumanDuration(-1), "0s");
  EXPECT_EQ(ShortHumanDuration(-5), "<invalid>");
  EXPECT_EQ(ShortHumanDuration(59), "59s");
  EXPECT_EQ(ShortHumanDuration(kMinute), "1m");
  EXPECT_EQ(ShortHumanDuration(kHour - 1), "59m");
  EXPECT_EQ(ShortHumanDuration(kHour), "1h");
  EXPECT_EQ(ShortHumanDuration(kDay - 1), "23h");
  EXPECT_EQ(ShortHumanDuration(kDay), "1d");
  EXPECT_EQ(ShortHumanDuration(kYear - 1), "364d");
  EXPECT_EQ(ShortHumanDuration(kYear), "1y");
  EXPECT_EQ(ShortHumanDuration(800 * kDay), "2y");
}

}  // namespace
}  // namespace k1s::api
