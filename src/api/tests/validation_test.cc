#include "api/validation.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace k1s::api {
namespace {

using json = nlohmann::json;
using Strings = std::vector<std::string>;

constexpr char kLabelRegexMsg[] =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
constexpr char kSubdomainRegexMsg[] =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used "
    "for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
constexpr char kNamePartRegexMsg[] =
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
    "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

Strings ToStrings(const FieldErrors& errs) {
  Strings out;
  for (const FieldError& e : errs) out.push_back(e.ToString());
  return out;
}

TEST(NameValidationTest, Dns1123Label) {
  EXPECT_TRUE(IsDns1123Label("my-name").empty());
  EXPECT_EQ(IsDns1123Label("Foo"), Strings{kLabelRegexMsg});
  EXPECT_EQ(IsDns1123Label("a.b"), Strings{"must not contain dots"});
  EXPECT_EQ(IsDns1123Label(std::string(64, 'a')), Strings{"must be no more than 63 characters"});
  EXPECT_EQ(IsDns1123Label(""), Strings{kLabelRegexMsg});
}

TEST(NameValidationTest, Dns1123Subdomain) {
  EXPECT_TRUE(IsDns1123Subdomain("a.b-c.d").empty());
  EXPECT_EQ(IsDns1123Subdomain("Foo_bar"), Strings{kSubdomainRegexMsg});
  EXPECT_EQ(IsDns1123Subdomain("a..b"), Strings{kSubdomainRegexMsg});
  EXPECT_EQ(IsDns1123Subdomain(std::string(254, 'a')),
            Strings{"must be no more than 253 characters"});
}

TEST(NameValidationTest, QualifiedName) {
  EXPECT_TRUE(IsQualifiedName("example.com/MyName").empty());
  EXPECT_TRUE(IsQualifiedName("app.kubernetes.io/name").empty());
  EXPECT_EQ(IsQualifiedName("/a"), Strings{"prefix part must be non-empty"});
  EXPECT_EQ(IsQualifiedName("a/"), (Strings{"name part must be non-empty", kNamePartRegexMsg}));
  EXPECT_EQ(IsQualifiedName("-a"), Strings{kNamePartRegexMsg});
  EXPECT_EQ(IsQualifiedName(std::string(64, 'a')),
            Strings{"name part must be no more than 63 bytes"});
  Strings prefix = IsQualifiedName("Example.com/a");
  ASSERT_EQ(prefix.size(), 1u);
  EXPECT_EQ(prefix[0].substr(0, 45), "prefix part a lowercase RFC 1123 subdomain mu");
}

TEST(NameValidationTest, LabelValue) {
  EXPECT_TRUE(IsValidLabelValue("").empty());
  EXPECT_TRUE(IsValidLabelValue("My_value-1.2").empty());
  Strings bad = IsValidLabelValue("-a");
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_EQ(bad[0],
            "a valid label must be an empty string or consist of alphanumeric characters, '-', "
            "'_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  "
            "or 'my_value',  or '12345', regex used for validation is "
            "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')");
  EXPECT_EQ(IsValidLabelValue(std::string(64, 'a')), Strings{"must be no more than 63 bytes"});
}

TEST(NameValidationTest, NameRules) {
  EXPECT_TRUE(ValidateName("foo-", NameRule::kDnsSubdomain, true).empty());
  EXPECT_FALSE(ValidateName("foo-", NameRule::kDnsSubdomain, false).empty());
  EXPECT_TRUE(ValidateName("system:admin", NameRule::kPathSegment, false).empty());
  EXPECT_EQ(ValidateName("..", NameRule::kPathSegment, false), Strings{"may not be '..'"});
  EXPECT_EQ(ValidateName("a/b%", NameRule::kPathSegment, false),
            (Strings{"may not contain '/'", "may not contain '%'"}));
  EXPECT_EQ(ValidateName("a.b", NameRule::kDnsLabel, false), Strings{"must not contain dots"});
}

TEST(FieldErrorTest, MessagesAndReasons) {
  EXPECT_EQ(Required("metadata.name").ToString(), "metadata.name: Required value");
  EXPECT_EQ(Required("metadata.name", "name or generateName is required").Message(),
            "Required value: name or generateName is required");
  EXPECT_EQ(Invalid("spec.replicas", -1, "must be greater than or equal to 0").Message(),
            "Invalid value: -1: must be greater than or equal to 0");
  EXPECT_EQ(Invalid("a", "x\"y\n", "bad").Message(), "Invalid value: \"x\\\"y\\n\": bad");
  EXPECT_EQ(Invalid("a", json::array({"<b>"}), "bad").Message(),
            "Invalid value: [\"\\u003cb\\u003e\"]: bad");
  EXPECT_EQ(Invalid("a", true, "").Message(), "Invalid value: true");
  EXPECT_EQ(NotSupported("spec.type", "Foo", {"ClusterIP", "NodePort"}).Message(),
            "Unsupported value: \"Foo\": supported values: \"ClusterIP\", \"NodePort\"");
  EXPECT_EQ(TooLong("metadata.annotations", "", 262144).Message(),
            "Too long: may not be more than 262144 bytes");
  EXPECT_EQ(TooMany("spec.items", 5, 3).Message(), "Too many: 5: must have at most 3 items");
  EXPECT_EQ(Duplicate("spec.ports[1].port", 80).Message(), "Duplicate value: 80");
  EXPECT_EQ(Forbidden("metadata.namespace", "not allowed on this type").Message(),
            "Forbidden: not allowed on this type");
  EXPECT_EQ(Required("a").Reason(), "FieldValueRequired");
  EXPECT_EQ(Invalid("a", 1, "").Reason(), "FieldValueInvalid");
  EXPECT_EQ(NotSupported("a", 1, {}).Reason(), "FieldValueNotSupported");
  EXPECT_EQ(TooLong("a", "", 1).Reason(), "FieldValueTooLong");
  EXPECT_EQ(Forbidden("a", "").Reason(), "FieldValueForbidden");
  EXPECT_EQ(Duplicate("a", 1).Reason(), "FieldValueDuplicate");
}

TEST(FieldErrorTest, GoQuote) {
  EXPECT_EQ(GoQuote("foo"), "\"foo\"");
  EXPECT_EQ(GoQuote("a\\b\t\x01"), "\"a\\\\b\\t\\x01\"");
  EXPECT_EQ(GoQuote("h\xc3\xa9llo"), "\"h\xc3\xa9llo\"");
  EXPECT_EQ(GoQuote("\xff"), "\"\\xff\"");
}

TEST(ObjectMetaTest, ValidMetadataPasses) {
  json meta = json::parse(R"({
    "name": "web-1", "namespace": "default",
    "labels": {"app": "web", "example.com/tier": ""},
    "annotations": {"Example.com/Note": "anything goes here"},
    "finalizers": ["kubernetes.io/pvc-protection"],
    "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs",
                         "uid": "u1", "controller": true}]})");
  EXPECT_TRUE(ValidateObjectMeta(meta, true, NameRule::kDnsSubdomain).empty());
}

TEST(ObjectMetaTest, NameRequired) {
  EXPECT_EQ(ToStrings(ValidateObjectMeta(json{{"namespace", "d"}}, true, NameRule::kDnsSubdomain)),
            Strings{"metadata.name: Required value: name or generateName is required"});
  // Non-object metadata counts as empty.
  EXPECT_EQ(ValidateObjectMeta(json(nullptr), false, NameRule::kDnsSubdomain).size(), 1u);
}

TEST(ObjectMetaTest, InvalidNameAndGenerateName) {
  FieldErrors errs = ValidateObjectMeta(json{{"name", "Foo"}, {"generateName", "Bar-"}}, false,
                                        NameRule::kDnsSubdomain);
  EXPECT_EQ(
      ToStrings(errs),
      (Strings{std::string("metadata.generateName: Invalid value: \"Bar-\": ") + kSubdomainRegexMsg,
               std::string("metadata.name: Invalid value: \"Foo\": ") + kSubdomainRegexMsg}));
  EXPECT_TRUE(
      ValidateObjectMeta(json{{"name", "x"}, {"generateName", "web-"}}, false, NameRule::kDnsLabel)
          .empty());
}

TEST(ObjectMetaTest, NamespaceRules) {
  EXPECT_EQ(ToStrings(ValidateObjectMeta(json{{"name", "a"}}, true, NameRule::kDnsSubdomain)),
            Strings{"metadata.namespace: Required value"});
  EXPECT_EQ(ToStrings(ValidateObjectMeta(json{{"name", "a"}, {"namespace", "x"}}, false,
                                         NameRule::kDnsSubdomain)),
            Strings{"metadata.namespace: Forbidden: not allowed on this type"});
  EXPECT_EQ(ToStrings(ValidateObjectMeta(json{{"name", "a"}, {"namespace", "a.b"}}, true,
                                         NameRule::kDnsSubdomain)),
            Strings{"metadata.namespace: Invalid value: \"a.b\": must not contain dots"});
}

TEST(ObjectMetaTest, LabelsAnnotationsAndFinalizers) {
  json meta = json::parse(R"({"name": "a", "labels": {"-bad": "ok", "good": "-bad"},
                              "annotations": {"a/b/c": "x"},
                              "finalizers": ["orphan", "foregroundDeletion", "no/pe/"]})");
  Strings errs = ToStrings(ValidateObjectMeta(meta, false, NameRule::kDnsSubdomain));
  ASSERT_EQ(errs.size(), 5u);
  EXPECT_EQ(errs[0], std::string("metadata.labels: Invalid value: \"-bad\": ") + kNamePartRegexMsg);
  EXPECT_EQ(errs[1].substr(0, 58), "metadata.labels: Invalid value: \"-bad\": a valid label must");
  EXPECT_EQ(errs[2].substr(0, 61),
            "metadata.annotations: Invalid value: \"a/b/c\": a valid label k");
  EXPECT_EQ(errs[3].substr(0, 50), "metadata.finalizers: Invalid value: \"no/pe/\": a va");
  EXPECT_EQ(errs[4],
            "metadata.finalizers: Invalid value: [\"orphan\",\"foregroundDeletion\",\"no/pe/\"]: "
            "finalizer orphan and foregroundDeletion cannot be both set");
}

TEST(ObjectMetaTest, AnnotationSizeLimit) {
  json meta = {{"name", "a"}, {"annotations", {{"k", std::string(262144, 'x')}}}};
  EXPECT_EQ(ToStrings(ValidateObjectMeta(meta, false, NameRule::kDnsSubdomain)),
            Strings{"metadata.annotations: Too long: may not be more than 262144 bytes"});
  meta["annotations"]["k"] = std::string(262143, 'x');
  EXPECT_TRUE(ValidateObjectMeta(meta, false, NameRule::kDnsSubdomain).empty());
}

TEST(ObjectMetaTest, OwnerReferences) {
  json meta = json::parse(R"({"name": "a", "ownerReferences": [
    {"apiVersion": "a/b/c", "controller": true, "kind": "K", "name": "n", "uid": "u"},
    {"controller": true},
    {"apiVersion": "v1", "kind": "Event", "name": "e", "uid": "u2"}]})");
  Strings errs = ToStrings(ValidateObjectMeta(meta, false, NameRule::kDnsSubdomain));
  Strings want = {
      "metadata.ownerReferences[0].apiVersion: Invalid value: \"a/b/c\": must be "
      "<group>/<version> or <version>",
      "metadata.ownerReferences[1].apiVersion: Required value: must not be empty",
      "metadata.ownerReferences[1].kind: Required value: must not be empty",
      "metadata.ownerReferences[1].name: Required value: must not be empty",
      "metadata.ownerReferences[1].uid: Required value: must not be empty",
  };
  ASSERT_EQ(errs.size(), 7u);
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(errs[i], want[i]);
  EXPECT_EQ(
      errs[5].rfind(
          "metadata.ownerReferences: Invalid value: [{\"apiVersion\":\"a/b/c\",\"kind\":\"K\","
          "\"name\":\"n\",\"uid\":\"u\",\"controller\":true},{\"apiVersion\":\"\",\"kind\":\"\","
          "\"name\":\"\",\"uid\":\"\",\"controller\":true},{\"apiVersion\":\"v1\",\"kind\":"
          "\"Event\"",
          0),
      0u);
  EXPECT_NE(errs[5].find("Only one reference can have Controller set to true. Found \"true\" in "
                         "references for K/n and /"),
            std::string::npos);
  EXPECT_EQ(errs[6],
            "metadata.ownerReferences[2]: Invalid value: {\"apiVersion\":\"v1\",\"kind\":\"Event\","
            "\"name\":\"e\",\"uid\":\"u2\"}: /v1, Kind=Event is disallowed from being an owner");
}

TEST(ObjectMetaTest, NegativeGeneration) {
  EXPECT_EQ(ToStrings(ValidateObjectMeta(json{{"name", "a"}, {"generation", -2}}, false,
                                         NameRule::kDnsSubdomain)),
            Strings{"metadata.generation: Invalid value: -2: must be greater than or equal to 0"});
}

TEST(ObjectMetaUpdateTest, ImmutableFields) {
  json old_meta = json::parse(R"({"name": "a", "namespace": "d", "uid": "u1",
    "creationTimestamp": "2026-01-01T00:00:00Z", "resourceVersion": "5", "generation": 3})");
  json new_meta = old_meta;
  EXPECT_TRUE(ValidateObjectMetaUpdate(new_meta, old_meta, true, NameRule::kDnsSubdomain).empty());
  new_meta["name"] = "b";
  new_meta["uid"] = "u2";
  new_meta.erase("creationTimestamp");
  new_meta["generation"] = 2;
  EXPECT_EQ(ToStrings(ValidateObjectMetaUpdate(new_meta, old_meta, true, NameRule::kDnsSubdomain)),
            (Strings{"metadata.generation: Invalid value: 2: must not be decremented",
                     "metadata.name: Invalid value: \"b\": field is immutable",
                     "metadata.uid: Invalid value: \"u2\": field is immutable",
                     "metadata.creationTimestamp: Invalid value: null: field is immutable"}));
}

TEST(ObjectMetaUpdateTest, NoNewFinalizersWhileDeleting) {
  json old_meta = json::parse(R"({"name": "a", "deletionTimestamp": "2026-01-01T00:00:00Z",
                                  "finalizers": ["x.io/a"]})");
  json new_meta = old_meta;
  new_meta["finalizers"] = {"x.io/a", "x.io/c", "x.io/b"};
  EXPECT_EQ(
      ToStrings(ValidateObjectMetaUpdate(new_meta, old_meta, false, NameRule::kDnsSubdomain)),
      Strings{"metadata.finalizers: Forbidden: no new finalizers can be added if the object is "
              "being deleted, found new finalizers []string{\"x.io/b\", \"x.io/c\"}"});
  new_meta["finalizers"] = json::array();  // removing is fine
  EXPECT_TRUE(ValidateObjectMetaUpdate(new_meta, old_meta, false, NameRule::kDnsSubdomain).empty());
}

TEST(ObjectMetaUpdateTest, ChecksNewLabels) {
  json old_meta = {{"name", "a"}};
  json new_meta = {{"name", "a"}, {"labels", {{"k", "bad value"}}}};
  FieldErrors errs = ValidateObjectMetaUpdate(new_meta, old_meta, false, NameRule::kDnsSubdomain);
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs[0].field, "metadata.labels");
}

TEST(InvalidMessageTest, UpstreamFormat) {
  EXPECT_EQ(InvalidMessage("ConfigMap", "foo", {}), "ConfigMap \"foo\" is invalid");
  EXPECT_EQ(InvalidMessage("ConfigMap", "foo", {Required("metadata.namespace")}),
            "ConfigMap \"foo\" is invalid: metadata.namespace: Required value");
  EXPECT_EQ(InvalidMessage("Deployment.apps", "web",
                           {Required("spec.selector"), Invalid("spec.replicas", -1, "bad"),
                            Required("spec.selector")}),
            "Deployment.apps \"web\" is invalid: [spec.selector: Required value, "
            "spec.replicas: Invalid value: -1: bad]");
}

}  // namespace
}  // namespace k1s::api
