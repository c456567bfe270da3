#include "pki/asn1_time.h"

#include <gtest/gtest.h>
#include <openssl/asn1.h>

#include <string>

namespace k1s::pki::internal {
namespace {

std::string Text(const ASN1_TIME* time) {
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(time)),
                     static_cast<size_t>(ASN1_STRING_length(time)));
}

TEST(DaysFromCivilTest, KnownDates) {
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(2000, 3, 1), 11017);
  EXPECT_EQ(DaysFromCivil(1969, 12, 31), -1);
  EXPECT_EQ(DaysFromCivil(2038, 1, 19), 24855);
}

TEST(Asn1TimeTest, UsesUtcTimeBefore2050) {
  auto time = Asn1TimeFromUnix(1'700'000'000);  // 2023-11-14 22:13:20 UTC
  ASSERT_TRUE(time.ok()) << time.status();
  EXPECT_EQ(ASN1_STRING_type(time->get()), V_ASN1_UTCTIME);
  EXPECT_EQ(Text(time->get()), "231114221320Z");
  auto back = Asn1TimeToUnix(time->get());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, 1'700'000'000);
}

TEST(Asn1TimeTest, PastThe32BitRolloverWithoutTimeT) {
  // One second after 2038-01-19 03:14:07, where a 32-bit time_t overflows.
  const int64_t after_rollover = 2'147'483'648;
  auto time = Asn1TimeFromUnix(after_rollover);
  ASSERT_TRUE(time.ok()) << time.status();
  EXPECT_EQ(Text(time->get()), "380119031408Z");
  auto back = Asn1TimeToUnix(time->get());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, after_rollover);
}

TEST(Asn1TimeTest, UsesGeneralizedTimeFrom2050) {
  const int64_t year_2050 = DaysFromCivil(2050, 1, 1) * 86400;
  auto time = Asn1TimeFromUnix(year_2050 + 61);
  ASSERT_TRUE(time.ok()) << time.status();
  EXPECT_EQ(ASN1_STRING_type(time->get()), V_ASN1_GENERALIZEDTIME);
  EXPECT_EQ(Text(time->get()), "20500101000101Z");
  auto back = Asn1TimeToUnix(time->get());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, year_2050 + 61);
}

TEST(Asn1TimeTest, LeapDayRoundTrips) {
  const int64_t leap_day = DaysFromCivil(2096, 2, 29) * 86400 + 12 * 3600;
  auto time = Asn1TimeFromUnix(leap_day);
  ASSERT_TRUE(time.ok()) << time.status();
  EXPECT_EQ(Text(time->get()), "20960229120000Z");
  EXPECT_EQ(*Asn1TimeToUnix(time->get()), leap_day);
}

TEST(Asn1TimeTest, RejectsYearsBeyond9999) {
  const int64_t year_10000 = DaysFromCivil(10000, 1, 1) * 86400;
  EXPECT_EQ(Asn1TimeFromUnix(year_10000).status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_TRUE(Asn1TimeFromUnix(year_10000 - 1).ok());
}

}  // namespace
}  // namespace k1s::pki::internal
