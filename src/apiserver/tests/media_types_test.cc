#include "apiserver/media_types.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/errors.h"

namespace k1s::apiserver {
namespace {

TEST(MediaTypesTest, KubectlGetAsksForTables) {
  std::optional<Negotiated> negotiated = Negotiate(
      "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;"
      "g=meta.k8s.io,application/json",
      false);
  ASSERT_TRUE(negotiated);
  EXPECT_EQ(negotiated->representation, Representation::kTable);
}

TEST(MediaTypesTest, ProtobufFallsBackToJsonAndUnknownIsRefused) {
  EXPECT_EQ(
      Negotiate("application/vnd.kubernetes.protobuf,application/json", false)->representation,
      Representation::kJson);
  EXPECT_EQ(Negotiate("", false)->representation, Representation::kJson);
  EXPECT_EQ(Negotiate("application/yaml", false)->representation, Representation::kYaml);
  EXPECT_FALSE(Negotiate("text/html", false));
}

TEST(MediaTypesTest, AggregatedDiscoveryOnlyWhereAllowed) {
  std::string accept =
      "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json";
  EXPECT_EQ(Negotiate(accept, true)->representation, Representation::kDiscoveryV2);
  EXPECT_EQ(Negotiate(accept, false)->representation, Representation::kJson);
}

TEST(MediaTypesTest, DecodesJsonAndYamlAndRejectsGarbage) {
  EXPECT_EQ((*DecodeBody("application/json", R"({"a":1})"))["a"], 1);
  EXPECT_EQ((*DecodeBody("application/yaml", "a: 1\n"))["a"], 1);
  absl::StatusOr<nlohmann::json> bad = DecodeBody("application/json", "{nope");
  EXPECT_EQ(api::ToHttpError(bad.status()).code, 400);
  absl::StatusOr<nlohmann::json> unknown = DecodeBody("text/plain", "x");
  EXPECT_EQ(api::ToHttpError(unknown.status()).code, 415);
}

}  // namespace
}  // namespace k1s::apiserver
