#include "quota/limit_ranger.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace k1s::quota {
namespace {

using json = nlohmann::json;

json LimitRange(json items) {
  return {{"apiVersion", "v1"},
          {"kind", "LimitRange"},
          {"metadata", {{"name", "limits"}, {"namespace", "default"}}},
          {"spec", {{"limits", items}}}};
}

json Pod(json containers, json init = json::array()) {
  json pod = {{"metadata", {{"name", "web"}}}, {"spec", {{"containers", containers}}}};
  if (!init.empty()) pod["spec"]["initContainers"] = init;
  return pod;
}

json Container(const std::string& name, json requests = nullptr, json limits = nullptr) {
  json c = {{"name", name}};
  if (!requests.is_null()) c["resources"]["requests"] = requests;
  if (!limits.is_null()) c["resources"]["limits"] = limits;
  return c;
}

TEST(LimitRangeDefaultsTest, FillsMissingRequestsAndLimitsWithAnnotation) {
  std::vector<json> ranges = {
      LimitRange({{{"type", "Container"},
                   {"default", {{"cpu", "500m"}, {"memory", "512Mi"}}},
                   {"defaultRequest", {{"cpu", "0.1"}, {"memory", "256Mi"}}}}})};
  json pod = Pod({Container("nginx"), Container("app", {{"cpu", "200m"}}, {{"cpu", "1"}})},
                 {Container("init", nullptr, {{"memory", "1Gi"}})});
  ApplyLimitRangeDefaults(ranges, pod);
  EXPECT_EQ(pod["spec"]["containers"][0]["resources"],
            json({{"requests", {{"cpu", "100m"}, {"memory", "256Mi"}}},
                  {"limits", {{"cpu", "500m"}, {"memory", "512Mi"}}}}));
  EXPECT_EQ(pod["spec"]["containers"][1]["resources"],
            json({{"requests", {{"cpu", "200m"}, {"memory", "256Mi"}}},
                  {"limits", {{"cpu", "1"}, {"memory", "512Mi"}}}}));
  EXPECT_EQ(pod["spec"]["initContainers"][0]["resources"]["limits"]["memory"], "1Gi");
  EXPECT_EQ(pod["metadata"]["annotations"]["kubernetes.io/limit-ranger"],
            "LimitRanger plugin set: cpu, memory request for container nginx; cpu, memory limit "
            "for container nginx; memory request for container app; memory limit for container "
            "app; cpu, memory request for init container init; cpu limit for init container "
            "init");
}

TEST(LimitRangeDefaultsTest, ItemDefaultingAndNothingToDo) {
  // Only max: it becomes the default limit and, through it, the default request.
  std::vector<json> ranges = {LimitRange({{{"type", "Container"}, {"max", {{"cpu", "2"}}}},
                                          {{"type", "Pod"}, {"max", {{"cpu", "4"}}}}})};
  json pod = Pod({Container("c")});
  ApplyLimitRangeDefaults(ranges, pod);
  EXPECT_EQ(pod["spec"]["containers"][0]["resources"],
            json({{"requests", {{"cpu", "2"}}}, {"limits", {{"cpu", "2"}}}}));
  EXPECT_EQ(pod["metadata"]["annotations"]["kubernetes.io/limit-ranger"],
            "LimitRanger plugin set: cpu request for container c; cpu limit for container c");

  json complete = Pod({Container("c", {{"cpu", "1"}}, {{"cpu", "1"}})});
  json before = complete;
  ApplyLimitRangeDefaults(ranges, complete);
  EXPECT_EQ(complete, before);  // no annotation when nothing was set
  ApplyLimitRangeDefaults({LimitRange({{{"type", "Pod"}, {"max", {{"cpu", "1"}}}}})}, complete);
  EXPECT_EQ(complete, before);
}

TEST(LimitRangeValidationTest, ContainerMinMaxAndRatio) {
  std::vector<json> ranges = {LimitRange({{{"type", "Container"},
                                           {"max", {{"cpu", "500m"}}},
                                           {"min", {{"memory", "100Mi"}}},
                                           {"maxLimitRequestRatio", {{"cpu", "2"}}}}})};
  json pod = Pod({Container("a", {{"cpu", "250m"}, {"memory", "50Mi"}}, {{"cpu", "1"}})});
  EXPECT_EQ(ValidateAgainstLimitRanges(ranges, "pods", pod),
            (std::vector<std::string>{
                "minimum memory usage per Container is 100Mi, but request is 50Mi",
                "maximum cpu usage per Container is 500m, but limit is 1",
                "cpu max limit to request ratio per Container is 2, but provided ratio is "
                "4.000000"}));

  json missing = Pod({Container("a")});
  EXPECT_EQ(ValidateAgainstLimitRanges(ranges, "pods", missing),
            (std::vector<std::string>{
                "minimum memory usage per Container is 100Mi.  No request is specified",
                "maximum cpu usage per Container is 500m.  No limit is specified",
                "cpu max limit to request ratio per Container is 2, but no request is specified "
                "or request is 0"}));

  json ok = Pod({Container("a", {{"cpu", "250m"}, {"memory", "100Mi"}},
                           {{"cpu", "500m"}, {"memory", "100Mi"}})});
  EXPECT_TRUE(ValidateAgainstLimitRanges(ranges, "pods", ok).empty());

  json limited_request =
      Pod({Container("a", {{"cpu", "600m"}, {"memory", "1Gi"}}, {{"cpu", "400m"}})});
  EXPECT_EQ(
      ValidateAgainstLimitRanges(
          {LimitRange({{{"type", "Container"}, {"max", {{"cpu", "500m"}}}}})}, "pods",
          limited_request),
      std::vector<std::string>{"maximum cpu usage per Container is 500m, but request is 600m"});
}

TEST(LimitRangeValidationTest, DuplicatesReportedOnceAndInitContainersChecked) {
  std::vector<json> ranges = {LimitRange({{{"type", "Container"}, {"max", {{"memory", "1Gi"}}}}})};
  json pod = Pod(
      {Container("a", nullptr, {{"memory", "2Gi"}}), Container("b", nullptr, {{"memory", "2Gi"}})},
      {Container("init", nullptr, {{"memory", "4Gi"}})});
  EXPECT_EQ(
      ValidateAgainstLimitRanges(ranges, "pods", pod),
      (std::vector<std::string>{"maximum memory usage per Container is 1Gi, but limit is 2Gi",
                                "maximum memory usage per Container is 1Gi, but limit is 4Gi"}));
}

TEST(LimitRangeValidationTest, PodTotals) {
  std::vector<json> ranges = {
      LimitRange({{{"type", "Pod"}, {"max", {{"cpu", "1"}}}, {"min", {{"memory", "1Gi"}}}}})};
  json sidecar = Container("proxy", {{"cpu", "300m"}, {"memory", "100Mi"}}, {{"cpu", "300m"}});
  sidecar["restartPolicy"] = "Always";
  json pod =
      Pod({Container("a", {{"cpu", "400m"}, {"memory", "256Mi"}}, {{"cpu", "800m"}})}, {sidecar});
  EXPECT_EQ(ValidateAgainstLimitRanges(ranges, "pods", pod),
            (std::vector<std::string>{"minimum memory usage per Pod is 1Gi, but request is 356Mi",
                                      "maximum cpu usage per Pod is 1, but limit is 1100m"}));
}

TEST(LimitRangeValidationTest, ClaimsAndFirstFailingRange) {
  std::vector<json> ranges = {
      LimitRange({{{"type", "Container"}, {"max", {{"cpu", "1"}}}}}),
      LimitRange({{{"type", "PersistentVolumeClaim"},
                   {"min", {{"storage", "1Gi"}}},
                   {"max", {{"storage", "10Gi"}}}}}),
      LimitRange({{{"type", "PersistentVolumeClaim"}, {"max", {{"storage", "1Mi"}}}}})};
  json pvc = {{"spec", {{"resources", {{"requests", {{"storage", "20Gi"}}}}}}}};
  EXPECT_EQ(ValidateAgainstLimitRanges(ranges, "persistentvolumeclaims", pvc),
            std::vector<std::string>{
                "maximum storage usage per PersistentVolumeClaim is 10Gi, but request is 20Gi"});
  json small = {{"spec", {{"resources", {{"requests", {{"storage", "500Mi"}}}}}}}};
  EXPECT_EQ(ValidateAgainstLimitRanges(ranges, "persistentvolumeclaims", small),
            std::vector<std::string>{
                "minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi"});
  json none = {{"spec", json::object()}};
  EXPECT_EQ(ValidateAgainstLimitRanges(ranges, "persistentvolumeclaims", none),
            (std::vector<std::string>{
                "minimum storage usage per PersistentVolumeClaim is 1Gi.  No request is specified",
                "maximum storage usage per PersistentVolumeClaim is 10Gi.  No request is "
                "specified"}));
  EXPECT_TRUE(ValidateAgainstLimitRanges(ranges, "services", pvc).empty());
  EXPECT_TRUE(ValidateAgainstLimitRanges(ranges, "pods", json("not an object")).empty());
}

}  // namespace
}  // namespace k1s::quota
