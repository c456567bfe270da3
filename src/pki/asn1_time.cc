#include "pki/asn1_time.h"

#include <cstdio>
#include <ctime>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace k1s::pki::internal {
namespace {

constexpr int64_t kSecondsPerDay = 86400;

struct CivilDate {
  int64_t year;
  int month;
  int day;
};

// Inverse of DaysFromCivil. Works in 400-year eras of 146097 days, with years starting on
// March 1st so that the leap day is the last day of the year.
CivilDate CivilFromDays(int64_t days) {
  days += 719468;  // Shift the epoch from 1970-01-01 to 0000-03-01.
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t day_of_era = days - era * 146097;
  const int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t shifted_month = (5 * day_of_year + 2) / 153;  // 0 = March.
  const int day = static_cast<int>(day_of_year - (153 * shifted_month + 2) / 5 + 1);
  const int month = static_cast<int>(shifted_month < 10 ? shifted_month + 3 : shifted_month - 9);
  const int64_t year = year_of_era + era * 400 + (month <= 2 ? 1 : 0);
  return CivilDate{year, month, day};
}

int64_t FloorDiv(int64_t value, int64_t divisor) {
  int64_t quotient = value / divisor;
  if ((value % divisor != 0) && ((value < 0) != (divisor < 0))) --quotient;
  return quotient;
}

}  // namespace

int64_t DaysFromCivil(int64_t year, int month, int day) {
  year -= month <= 2 ? 1 : 0;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t year_of_era = year - era * 400;
  const int64_t shifted_month = month > 2 ? month - 3 : month + 9;
  const int64_t day_of_year = (153 * shifted_month + 2) / 5 + day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

absl::StatusOr<Asn1TimePtr> Asn1TimeFromUnix(int64_t unix_seconds) {
  const int64_t days = FloorDiv(unix_seconds, kSecondsPerDay);
  const int64_t second_of_day = unix_seconds - days * kSecondsPerDay;
  const CivilDate date = CivilFromDays(days);
  if (date.year < 0 || date.year > 9999) {
    return absl::OutOfRangeError(
        absl::StrFormat("time %d is outside the years 0000..9999", unix_seconds));
  }
  const std::string text =
      absl::StrFormat("%04d%02d%02d%02d%02d%02dZ", date.year, date.month, date.day,
                      second_of_day / 3600, (second_of_day / 60) % 60, second_of_day % 60);
  Asn1TimePtr time(ASN1_TIME_new());
  if (!time) return OpenSslError("allocate ASN1_TIME");
  if (ASN1_TIME_set_string_X509(time.get(), text.c_str()) != 1) {
    return OpenSslError(absl::StrCat("set certificate time ", text));
  }
  return time;
}

absl::StatusOr<int64_t> Asn1TimeToUnix(const ASN1_TIME* time) {
  if (time == nullptr) return absl::InvalidArgumentError("certificate time is missing");
  struct tm parts = {};
  if (ASN1_TIME_to_tm(time, &parts) != 1) return OpenSslError("parse certificate time");
  const int64_t days =
      DaysFromCivil(static_cast<int64_t>(parts.tm_year) + 1900, parts.tm_mon + 1, parts.tm_mday);
  return days * kSecondsPerDay + parts.tm_hour * 3600 + parts.tm_min * 60 + parts.tm_sec;
}

}  // namespace k1s::pki::internal
