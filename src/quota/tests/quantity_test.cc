#include "quota/quantity.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace k1s::quota {
namespace {

std::string Canonical(std::string_view text) {
  std::optional<Quantity> q = Quantity::Parse(text);
  return q ? q->String() : "<invalid>";
}

TEST(QuantityTest, CanonicalFormsAsUpstream) {
  EXPECT_EQ(Canonical("100m"), "100m");
  EXPECT_EQ(Canonical("1000m"), "1");
  EXPECT_EQ(Canonical("0.5"), "500m");
  EXPECT_EQ(Canonical("1.5k"), "1500");
  EXPECT_EQ(Canonical("1200000"), "1200k");
  EXPECT_EQ(Canonical("1Gi"), "1Gi");
  EXPECT_EQ(Canonical("1.5Gi"), "1536Mi");
  EXPECT_EQ(Canonical("1024Mi"), "1Gi");
  EXPECT_EQ(Canonical("0.5Ki"), "512");
  EXPECT_EQ(Canonical("1e3"), "1e3");
  EXPECT_EQ(Canonical("1e4"), "10e3");
  EXPECT_EQ(Canonical("1.5n"), "2n");  // finer than nano rounds up
  EXPECT_EQ(Canonical("0"), "0");
  EXPECT_EQ(Canonical("0Gi"), "0");
  EXPECT_EQ(Canonical("-250m"), "-250m");
  EXPECT_EQ(Canonical("007"), "7");
  EXPECT_EQ(Canonical("12E"), "12E");
  EXPECT_EQ(Canonical("1000000Ei"), "1000000Ei");
}

TEST(QuantityTest, RejectsMalformed) {
  for (const char* bad : {"", "m", "1.2.3", "1Kb", "1 Gi", "1e", "1e1000", "--1", "1ki",
                          "1000000000000000000000000000000000000000"}) {
    EXPECT_FALSE(Quantity::Parse(bad).has_value()) << bad;
  }
  EXPECT_FALSE(Quantity::FromJson(nlohmann::json::array()).has_value());
  EXPECT_EQ(Quantity::FromJson(nlohmann::json(2))->String(), "2");
  EXPECT_EQ(Quantity::FromJson(nlohmann::json(0.25))->String(), "250m");
}

TEST(QuantityTest, AddKeepsTheReceiversFormatUnlessZero) {
  Quantity gi = *Quantity::Parse("1Gi");
  gi.Add(*Quantity::Parse("512Mi"));
  EXPECT_EQ(gi.String(), "1536Mi");
  Quantity decimal = *Quantity::Parse("1G");
  decimal.Add(*Quantity::Parse("1Gi"));
  EXPECT_EQ(decimal.String(), "2073741824");
  Quantity zero = Quantity::FromInt(0);
  zero.Add(*Quantity::Parse("2Gi"));
  EXPECT_EQ(zero.String(), "2Gi");
  Quantity cpu = *Quantity::Parse("1");
  cpu.Sub(*Quantity::Parse("1500m"));
  EXPECT_EQ(cpu.String(), "-500m");
  EXPECT_EQ(cpu.Sign(), -1);
}

TEST(QuantityTest, ValuesRoundAwayFromZero) {
  EXPECT_EQ(Quantity::Parse("1500m")->Value(), 2);
  EXPECT_EQ(Quantity::Parse("1500m")->MilliValue(), 1500);
  EXPECT_EQ(Quantity::Parse("1.0001m")->MilliValue(), 2);
  EXPECT_EQ(Quantity::Parse("1Gi")->Value(), 1073741824);
  EXPECT_EQ(Quantity::Parse("-1500m")->Value(), -2);
  EXPECT_EQ(Quantity::Parse("100E")->Value(), INT64_MAX);
  Quantity storage = *Quantity::Parse("1500m");
  storage.RoundUpToInteger();
  EXPECT_EQ(storage.String(), "2");
  EXPECT_GT(Quantity::Parse("1Gi")->Compare(*Quantity::Parse("1G")), 0);
  EXPECT_EQ(Quantity::Parse("1000m")->Compare(*Quantity::Parse("1")), 0);
}

}  // namespace
}  // namespace k1s::quota
