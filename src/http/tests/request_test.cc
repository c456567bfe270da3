#include "http/request.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "http/response_writer.h"

namespace k1s::http {
namespace {

TEST(HeadersTest, LookupIgnoresCaseAndKeepsOrder) {
  Headers headers;
  headers.Add("Content-Type", "application/json");
  headers.Add("X-Group", "a");
  headers.Add("x-group", "b");
  EXPECT_EQ(headers.Get("content-type"), "application/json");
  EXPECT_EQ(headers.Get("CONTENT-TYPE"), "application/json");
  EXPECT_EQ(headers.GetAll("X-GROUP"), (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(headers.Get("Accept").has_value());
  EXPECT_TRUE(headers.Has("x-GROUP"));

  headers.Set("X-Group", "c");
  EXPECT_EQ(headers.GetAll("x-group"), (std::vector<std::string>{"c"}));
  headers.Remove("CONTENT-type");
  EXPECT_FALSE(headers.Has("Content-Type"));
  EXPECT_EQ(headers.size(), 1u);
}

TEST(PercentDecodeTest, DecodesEscapesAndRejectsMalformedOnes) {
  EXPECT_EQ(PercentDecode("/api/v1/namespaces/a%20b", false), "/api/v1/namespaces/a b");
  EXPECT_EQ(PercentDecode("a+b", false), "a+b");
  EXPECT_EQ(PercentDecode("a+b", true), "a b");
  EXPECT_EQ(PercentDecode("%2F%2f", false), "//");
  EXPECT_FALSE(PercentDecode("%", false).has_value());
  EXPECT_FALSE(PercentDecode("abc%2", false).has_value());
  EXPECT_FALSE(PercentDecode("%zz", false).has_value());
}

TEST(RequestTest, QueryParamsAreDecodedInOrder) {
  Request request;
  request.raw_query = "labelSelector=app%3Dweb&watch=true&&empty=&flag&name=a+b&watch=false";
  const auto params = request.QueryParams();
  ASSERT_EQ(params.size(), 6u);
  EXPECT_EQ(params[0], (std::pair<std::string, std::string>{"labelSelector", "app=web"}));
  EXPECT_EQ(params[2], (std::pair<std::string, std::string>{"empty", ""}));
  EXPECT_EQ(params[3], (std::pair<std::string, std::string>{"flag", ""}));
  EXPECT_EQ(request.Query("watch"), "true");
  EXPECT_EQ(request.Query("name"), "a b");
  EXPECT_FALSE(request.Query("missing").has_value());
  EXPECT_EQ(ParseQuery("bad=%zz").at(0).second, "%zz");
}

TEST(KubernetesStatusJsonTest, MatchesTheApiserverShape) {
  const std::string body = KubernetesStatusJson(413, "RequestEntityTooLarge", "too \"big\"");
  EXPECT_EQ(body,
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
            "\"message\":\"too \\\"big\\\"\",\"reason\":\"RequestEntityTooLarge\",\"code\":413}");
  // Invalid UTF-8 in a message does not throw.
  const auto parsed = nlohmann::json::parse(KubernetesStatusJson(400, "BadRequest", "\xff"));
  EXPECT_EQ(parsed["code"], 400);
}

}  // namespace
}  // namespace k1s::http
