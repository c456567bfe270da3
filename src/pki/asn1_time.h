#pragma once
// Conversions between Unix seconds held in int64_t and ASN.1 certificate times.
//
// The arithmetic is done on civil dates in 64-bit integers and never passes through time_t,
// so certificate lifetimes past 2038 are computed correctly on 32-bit ARM as well.

#include <cstdint>

#include "absl/status/statusor.h"
#include "pki/openssl_util.h"

namespace k1s::pki::internal {

// Builds an RFC 5280 time (UTCTime before 2050, GeneralizedTime from 2050) for `unix_seconds`.
// Fails outside the years 0000..9999.
absl::StatusOr<Asn1TimePtr> Asn1TimeFromUnix(int64_t unix_seconds);

// Reads an ASN.1 UTCTime or GeneralizedTime as Unix seconds.
absl::StatusOr<int64_t> Asn1TimeToUnix(const ASN1_TIME* time);

// Days since 1970-01-01 for a proleptic Gregorian date (month 1..12, day 1..31).
int64_t DaysFromCivil(int64_t year, int month, int day);

}  // namespace k1s::pki::internal
