#include "apiserver/request_info.h"

#include <gtest/gtest.h>

namespace k1s::apiserver {
namespace {

TEST(RequestInfoTest, NamespacedObject) {
  RequestInfo info = ParseRequestInfo("GET", "/api/v1/namespaces/default/configmaps/foo", false);
  EXPECT_TRUE(info.is_resource_request);
  EXPECT_EQ(info.verb, "get");
  EXPECT_EQ(info.group, "");
  EXPECT_EQ(info.version, "v1");
  EXPECT_EQ(info.namespace_name, "default");
  EXPECT_EQ(info.resource, "configmaps");
  EXPECT_EQ(info.name, "foo");
}

TEST(RequestInfoTest, GroupListAndWatch) {
  RequestInfo list = ParseRequestInfo("GET", "/apis/coordination.k8s.io/v1/leases", false);
  EXPECT_EQ(list.verb, "list");
  EXPECT_EQ(list.group, "coordination.k8s.io");
  EXPECT_EQ(list.resource, "leases");
  RequestInfo watch = ParseRequestInfo("GET", "/apis/coordination.k8s.io/v1/leases", true);
  EXPECT_EQ(watch.verb, "watch");
  RequestInfo legacy = ParseRequestInfo("GET", "/api/v1/watch/namespaces/a/pods/p", false);
  EXPECT_EQ(legacy.verb, "watch");
  EXPECT_EQ(legacy.namespace_name, "a");
  EXPECT_EQ(legacy.name, "p");
}

TEST(RequestInfoTest, NamespaceItselfAndSubresources) {
  RequestInfo ns = ParseRequestInfo("GET", "/api/v1/namespaces/kube-system", false);
  EXPECT_EQ(ns.resource, "namespaces");
  EXPECT_EQ(ns.name, "kube-system");
  EXPECT_EQ(ns.namespace_name, "kube-system");
  RequestInfo finalize = ParseRequestInfo("PUT", "/api/v1/namespaces/x/status", false);
  EXPECT_EQ(finalize.resource, "namespaces");
  EXPECT_EQ(finalize.subresource, "status");
  EXPECT_EQ(finalize.verb, "update");
  RequestInfo binding = ParseRequestInfo("POST", "/api/v1/namespaces/d/pods/p/binding", false);
  EXPECT_EQ(binding.verb, "create");
  EXPECT_EQ(binding.subresource, "binding");
}

TEST(RequestInfoTest, VerbsFromMethods) {
  EXPECT_EQ(ParseRequestInfo("POST", "/api/v1/namespaces/d/pods", false).verb, "create");
  EXPECT_EQ(ParseRequestInfo("PATCH", "/api/v1/nodes/n", false).verb, "patch");
  EXPECT_EQ(ParseRequestInfo("DELETE", "/api/v1/namespaces/d/pods/p", false).verb, "delete");
  EXPECT_EQ(ParseRequestInfo("DELETE", "/api/v1/namespaces/d/pods", false).verb,
            "deletecollection");
}

TEST(RequestInfoTest, NonResourcePaths) {
  EXPECT_FALSE(ParseRequestInfo("GET", "/api", false).is_resource_request);
  EXPECT_FALSE(ParseRequestInfo("GET", "/api/v1", false).is_resource_request);
  EXPECT_FALSE(ParseRequestInfo("GET", "/apis/apps", false).is_resource_request);
  EXPECT_FALSE(ParseRequestInfo("GET", "/healthz", false).is_resource_request);
}

TEST(RequestInfoTest, GoBooleans) {
  bool valid = false;
  EXPECT_TRUE(ParseGoBool("1", &valid));
  EXPECT_TRUE(ParseGoBool("True", &valid));
  EXPECT_FALSE(ParseGoBool("false", &valid));
  EXPECT_TRUE(valid);
  EXPECT_FALSE(ParseGoBool("yes", &valid));
  EXPECT_FALSE(valid);
}

}  // namespace
}  // namespace k1s::apiserver
