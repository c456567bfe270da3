#include "api/identifiers.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>

namespace k1s::api {
namespace {

TEST(IdentifiersTest, UidsAreVersion4AndUnique) {
  std::regex shape("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string uid = NewUid();
    EXPECT_TRUE(std::regex_match(uid, shape)) << uid;
    seen.insert(uid);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(IdentifiersTest, GeneratedNamesKeepPrefixAndLimit) {
  std::string name = GenerateName("web-");
  EXPECT_EQ(name.size(), 9u);
  EXPECT_EQ(name.substr(0, 4), "web-");
  EXPECT_EQ(name.find_first_not_of("bcdfghjklmnpqrstvwxz2456789", 4), std::string::npos);
  EXPECT_EQ(GenerateName(std::string(300, 'a')).size(), 253u);
}

}  // namespace
}  // namespace k1s::api
