#include "apiserver/scale.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/errors.h"

namespace k1s::apiserver {
namespace {

using nlohmann::json;

const api::ResourceType& TypeOf(const std::string& group, const std::string& kind) {
  for (const api::ResourceType& type : api::BuiltinResourceTypes()) {
    if (type.group == group && type.kind == kind) return type;
  }
  throw std::runtime_error("no type " + kind);
}

json Deployment() {
  return {{"apiVersion", "apps/v1"},
          {"kind", "Deployment"},
          {"metadata",
           {{"name", "web"}, {"namespace", "default"}, {"uid", "u1"}, {"resourceVersion", "12"}}},
          {"spec",
           {{"replicas", 3},
            {"selector",
             {{"matchLabels", {{"app", "web"}}},
              {"matchExpressions",
               {{{"key", "tier"}, {"operator", "In"}, {"values", {"b", "a"}}}}}}}}},
          {"status", {{"replicas", 2}}}};
}

TEST(ScaleTest, DeploymentScaleCarriesReplicasAndSelectorText) {
  absl::StatusOr<json> scale = ScaleOf(TypeOf("apps", "Deployment"), Deployment());
  ASSERT_TRUE(scale.ok()) << scale.status();
  EXPECT_EQ((*scale)["apiVersion"], "autoscaling/v1");
  EXPECT_EQ((*scale)["kind"], "Scale");
  EXPECT_EQ((*scale)["metadata"]["resourceVersion"], "12");
  EXPECT_EQ((*scale)["spec"]["replicas"], 3);
  EXPECT_EQ((*scale)["status"]["replicas"], 2);
  EXPECT_EQ((*scale)["status"]["selector"], "app=web,tier in (a,b)");
}

TEST(ScaleTest, ReplicationControllerSelectorIsALabelMap) {
  json rc = {{"metadata", {{"name", "rc"}}},
             {"spec", {{"replicas", 1}, {"selector", {{"app", "x"}}}}}};
  absl::StatusOr<json> scale = ScaleOf(TypeOf("", "ReplicationController"), rc);
  ASSERT_TRUE(scale.ok());
  EXPECT_EQ((*scale)["status"]["selector"], "app=x");
  EXPECT_EQ((*scale)["status"]["replicas"], 0);
}

TEST(ScaleTest, ApplyScaleWritesSpecReplicas) {
  json deployment = Deployment();
  json scale = {{"kind", "Scale"}, {"spec", {{"replicas", 5}}}};
  ASSERT_TRUE(ApplyScale(TypeOf("apps", "Deployment"), scale, deployment).ok());
  EXPECT_EQ(deployment["spec"]["replicas"], 5);
}

TEST(ScaleTest, NegativeReplicasAreInvalid) {
  json deployment = Deployment();
  absl::Status status = ApplyScale(TypeOf("apps", "Deployment"),
                                   {{"spec", {{"replicas", -1}}}}, deployment);
  api::HttpError error = api::ToHttpError(status);
  EXPECT_EQ(error.code, 422);
  EXPECT_EQ(json::parse(error.body)["message"],
            "Scale.autoscaling \"web\" is invalid: spec.replicas: Invalid value: -1: must be "
            "greater than or equal to 0");
  EXPECT_EQ(deployment["spec"]["replicas"], 3);
}

TEST(ScaleTest, StaleResourceVersionConflicts) {
  json deployment = Deployment();
  absl::Status status =
      ApplyScale(TypeOf("apps", "Deployment"),
                 {{"metadata", {{"resourceVersion", "11"}}}, {"spec", {{"replicas", 1}}}},
                 deployment);
  EXPECT_EQ(api::ToHttpError(status).code, 409);
}

}  // namespace
}  // namespace k1s::apiserver
