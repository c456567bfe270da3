#include "quota/quantity.h"

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>

#include "base/strings.h"

namespace k1s::quota {

using base::StrCat;

namespace {

constexpr int kMaxDigits = 37;  // decimal digits of a nano value: safely inside int128

absl::int128 Pow10(int n) {
  absl::int128 v = 1;
  for (int i = 0; i < n; ++i) v *= 10;
  return v;
}

const absl::int128 kNano = Pow10(9);

std::string Digits(absl::int128 v) {  // v >= 0
  if (v == 0) return "0";
  std::string out;
  while (v > 0) {
    out.push_back(static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  }
  std::reverse(out.begin(), out.end());
  return out;
}

// Division rounding away from zero.
absl::int128 DivAway(absl::int128 value, absl::int128 divisor) {
  absl::int128 q = value / divisor;
  if (value % divisor != 0) q += value > 0 ? 1 : -1;
  return q;
}

int64_t Saturate(absl::int128 v) {
  if (v > std::numeric_limits<int64_t>::max()) return std::numeric_limits<int64_t>::max();
  if (v < std::numeric_limits<int64_t>::min()) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(v);
}

struct Suffix {
  QuantityFormat format;
  int exp10;
  int exp1024;
};

std::optional<Suffix> ParseSuffix(std::string_view s) {
  static const std::pair<std::string_view, int> kDecimal[] = {
      {"", 0},  {"n", -9}, {"u", -6}, {"m", -3}, {"k", 3},
      {"M", 6}, {"G", 9},  {"T", 12}, {"P", 15}, {"E", 18}};
  static const std::pair<std::string_view, int> kBinary[] = {{"Ki", 1}, {"Mi", 2}, {"Gi", 3},
                                                             {"Ti", 4}, {"Pi", 5}, {"Ei", 6}};
  for (const auto& [name, exp] : kDecimal) {
    if (s == name) return Suffix{QuantityFormat::kDecimalSI, exp, 0};
  }
  for (const auto& [name, exp] : kBinary) {
    if (s == name) return Suffix{QuantityFormat::kBinarySI, 0, exp};
  }
  if (s[0] != 'e' && s[0] != 'E') return std::nullopt;
  std::string_view digits = s.substr(1);
  bool negative = !digits.empty() && digits[0] == '-';
  if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) digits.remove_prefix(1);
  if (digits.empty() || digits.size() > 3 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  int exp = 0;
  for (char c : digits) exp = exp * 10 + (c - '0');
  return Suffix{QuantityFormat::kDecimalExponent, negative ? -exp : exp, 0};
}

}  // namespace

std::optional<Quantity> Quantity::Parse(std::string_view text) {
  size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
  std::string digits;  // integer and fraction digits together
  int fraction = 0;
  bool seen_dot = false;
  bool any_digit = false;
  for (; i < text.size() && ((text[i] >= '0' && text[i] <= '9') || text[i] == '.'); ++i) {
    if (text[i] == '.') {
      if (seen_dot) return std::nullopt;
      seen_dot = true;
      continue;
    }
    any_digit = true;
    if (digits.empty() && text[i] == '0') {  // leading zeros carry no value
      if (seen_dot) ++fraction;
      continue;
    }
    digits.push_back(text[i]);
    if (seen_dot) ++fraction;
  }
  if (!any_digit) return std::nullopt;
  std::optional<Suffix> suffix = ParseSuffix(text.substr(i));
  if (!suffix) return std::nullopt;
  // Fraction digits beyond nano precision only round up; drop them but remember.
  int shift = 9 + suffix->exp10 - fraction;  // nanos = digits * 10^shift * 1024^exp1024
  bool inexact = false;
  while (shift < 0 && !digits.empty()) {
    inexact = inexact || digits.back() != '0';
    digits.pop_back();
    ++shift;
  }
  if (shift < 0) shift = 0;  // every digit was below nano scale
  // 1024^k has at most 3k+1 digits.
  int binary_digits = suffix->exp1024 == 0 ? 0 : 3 * suffix->exp1024 + 1;
  if (static_cast<int>(digits.size()) + shift + binary_digits > kMaxDigits) {
    return std::nullopt;
  }
  absl::int128 nanos = 0;
  for (char c : digits) nanos = nanos * 10 + (c - '0');
  nanos *= Pow10(shift);
  if (inexact) nanos += 1;
  for (int k = 0; k < suffix->exp1024; ++k) nanos *= 1024;
  return Quantity(negative ? -nanos : nanos, suffix->format);
}

std::optional<Quantity> Quantity::FromJson(const nlohmann::json& value) {
  if (value.is_string()) return Parse(value.get_ref<const std::string&>());
  if (value.is_number()) return Parse(value.dump());
  return std::nullopt;
}

Quantity Quantity::FromInt(int64_t value) {
  return Quantity(absl::int128(value) * kNano, QuantityFormat::kDecimalSI);
}

std::string Quantity::String() const {
  if (nanos_ == 0) return "0";
  std::string sign = nanos_ < 0 ? "-" : "";
  absl::int128 abs = nanos_ < 0 ? -nanos_ : nanos_;
  QuantityFormat format = format_;
  // Binary needs a whole number of at least 1Ki; otherwise upstream prints decimal.
  if (format == QuantityFormat::kBinarySI && (abs % kNano != 0 || abs < 1024 * kNano)) {
    format = QuantityFormat::kDecimalSI;
  }
  if (format == QuantityFormat::kBinarySI) {
    static const char* kSuffixes[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
    absl::int128 whole = abs / kNano;
    int k = 0;
    while (k < 6 && whole % 1024 == 0) {
      whole /= 1024;
      ++k;
    }
    return StrCat(sign, Digits(whole), kSuffixes[k]);
  }
  // The largest power of 1000 (from nano up to exa) that leaves a whole mantissa.
  int exponent = -9;
  absl::int128 mantissa = abs;
  while (exponent < 18 && mantissa % 1000 == 0) {
    mantissa /= 1000;
    exponent += 3;
  }
  if (format == QuantityFormat::kDecimalExponent) {
    return StrCat(sign, Digits(mantissa), exponent == 0 ? "" : StrCat("e", exponent));
  }
  static const char* kSi[] = {"n", "u", "m", "", "k", "M", "G", "T", "P", "E"};
  return StrCat(sign, Digits(mantissa), kSi[(exponent + 9) / 3]);
}

int Quantity::Compare(const Quantity& other) const {
  return nanos_ < other.nanos_ ? -1 : nanos_ > other.nanos_ ? 1 : 0;
}

void Quantity::Add(const Quantity& other) {
  if (nanos_ == 0) format_ = other.format_;
  nanos_ += other.nanos_;
}

void Quantity::Sub(const Quantity& other) {
  if (nanos_ == 0) format_ = other.format_;
  nanos_ -= other.nanos_;
}

int64_t Quantity::Value() const { return Saturate(DivAway(nanos_, kNano)); }

int64_t Quantity::MilliValue() const { return Saturate(DivAway(nanos_, Pow10(6))); }

void Quantity::RoundUpToInteger() { nanos_ = DivAway(nanos_, kNano) * kNano; }

}  // namespace k1s::quota
