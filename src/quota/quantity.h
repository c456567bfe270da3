#pragma once
// resource.Quantity for quota and limit-range arithmetic: exact values in nano units (the
// finest scale upstream keeps; finer input rounds up), the format remembered for printing, and
// String() in upstream's canonical form ("1536Mi", "1500m", "2k", "10e3").
//
// Thread-safe: a value type.

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "absl/numeric/int128.h"

namespace k1s::quota {

enum class QuantityFormat { kDecimalSI, kBinarySI, kDecimalExponent };

class Quantity {
 public:
  Quantity() = default;

  // "100m", "1Gi", "1.5", "2e3"; nullopt when malformed or too large to hold exactly.
  static std::optional<Quantity> Parse(std::string_view text);
  // A JSON string as above, or a JSON number.
  static std::optional<Quantity> FromJson(const nlohmann::json& value);
  // An integer count in DecimalSI, as resource.NewQuantity(n, DecimalSI).
  static Quantity FromInt(int64_t value);

  std::string String() const;

  int Compare(const Quantity& other) const;
  int Sign() const { return nanos_ > 0 ? 1 : nanos_ < 0 ? -1 : 0; }
  bool IsZero() const { return nanos_ == 0; }

  // As upstream: a zero receiver takes the other operand's format.
  void Add(const Quantity& other);
  void Sub(const Quantity& other);

  // Whole units and thousandths, rounded away from zero (Value(), MilliValue()); saturate at
  // the int64 range.
  int64_t Value() const;
  int64_t MilliValue() const;
  // Rounds to a whole number away from zero (RoundUp(0)).
  void RoundUpToInteger();

  QuantityFormat format() const { return format_; }

 private:
  Quantity(absl::int128 nanos, QuantityFormat format) : nanos_(nanos), format_(format) {}

  absl::int128 nanos_ = 0;
  QuantityFormat format_ = QuantityFormat::kDecimalSI;
};

}  // namespace k1s::quota
