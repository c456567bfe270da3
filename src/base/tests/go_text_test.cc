#include "base/go_text.h"

#include <gtest/gtest.h>

namespace k1s::base {
namespace {

TEST(GoTextTest, Quote) {
  EXPECT_EQ(GoQuote("jane"), R"("jane")");
  EXPECT_EQ(GoQuote(""), R"("")");
  EXPECT_EQ(GoQuote("a\"b\\c\nd\te"), R"("a\"b\\c\nd\te")");
  EXPECT_EQ(GoQuote(std::string("x\x01y\x7f", 4)), R"("x\x01y\x7f")");
  EXPECT_EQ(GoQuote("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
}

TEST(GoTextTest, QuoteList) {
  EXPECT_EQ(GoQuoteList({}), "[]");
  EXPECT_EQ(GoQuoteList({""}), R"([""])");
  EXPECT_EQ(GoQuoteList({"system:authenticated", "dev"}), R"(["system:authenticated" "dev"])");
}

TEST(GoTextTest, AggregateErrors) {
  EXPECT_EQ(AggregateErrorText({}), "");
  EXPECT_EQ(AggregateErrorText({"a"}), "a");
  EXPECT_EQ(AggregateErrorText({"a", "b"}), "[a, b]");
  EXPECT_EQ(AggregateErrorText({"a", "a"}), "a");
  EXPECT_EQ(AggregateErrorText({"a", "b", "a"}), "[a, b]");
}

}  // namespace
}  // namespace k1s::base
