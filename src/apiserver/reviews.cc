#include "apiserver/reviews.h"

#include "api/errors.h"
#include "apiserver/media_types.h"
#include "base/strings.h"

namespace k1s::apiserver {
namespace {

using nlohmann::json;

api::ResourceType ReviewType(std::string group, std::string kind, std::string plural,
                             bool namespaced) {
  api::ResourceType type;
  type.group = std::move(group);
  type.version = "v1";
  type.kind = std::move(kind);
  type.plural = std::move(plural);
  type.namespaced = namespaced;
  type.verbs = {"create"};
  return type;
}

std::vector<std::string> StringList(const json& value) {
  std::vector<std::string> out;
  if (!value.is_array()) return out;
  for (const json& entry : value) {
    if (entry.is_string()) out.push_back(entry.get<std::string>());
  }
  return out;
}

// The user a SubjectAccessReview asks about, from its spec.
auth::UserInfo SpecUser(const json& spec) {
  auth::UserInfo user;
  user.name = spec.value("user", "");
  user.uid = spec.value("uid", "");
  user.groups = StringList(spec.value("groups", json()));
  const json& extra = spec.value("extra", json());
  if (extra.is_object()) {
    for (const auto& [key, values] : extra.items()) user.extra[key] = StringList(values);
  }
  return user;
}

const api::ResourceType* FindReview(const RequestInfo& info) {
  for (const api::ResourceType& type : Reviews::Types()) {
    if (type.group == info.group && type.version == info.version && type.plural == info.resource) {
      return &type;
    }
  }
  return nullptr;
}

json RulesJson(const std::vector<json>& rules, bool resource) {
  json out = json::array();
  for (const json& rule : rules) {
    bool is_resource = rule.contains("resources") || rule.contains("apiGroups");
    if (is_resource != resource) continue;
    json entry = {{"verbs", rule.value("verbs", json::array())}};
    if (resource) {
      entry["apiGroups"] = rule.value("apiGroups", json::array());
      entry["resources"] = rule.value("resources", json::array());
      if (rule.contains("resourceNames")) entry["resourceNames"] = rule["resourceNames"];
    } else {
      entry["nonResourceURLs"] = rule.value("nonResourceURLs", json::array());
    }
    out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace

json UserInfoJson(const auth::UserInfo& user) {
  json out = {{"username", user.name}, {"groups", user.groups}};
  if (!user.uid.empty()) out["uid"] = user.uid;
  if (!user.extra.empty()) out["extra"] = user.extra;
  return out;
}

Reviews::Reviews(const ServiceAccountTokens& tokens, const Authorizer& authorizer,
                 const ClusterReader& reader)
    : tokens_(tokens), authorizer_(authorizer), reader_(reader) {}

const std::vector<api::ResourceType>& Reviews::Types() {
  static const std::vector<api::ResourceType> types = {
      ReviewType("authentication.k8s.io", "SelfSubjectReview", "selfsubjectreviews", false),
      ReviewType("authentication.k8s.io", "TokenReview", "tokenreviews", false),
      ReviewType("authorization.k8s.io", "LocalSubjectAccessReview", "localsubjectaccessreviews",
                 true),
      ReviewType("authorization.k8s.io", "SelfSubjectAccessReview", "selfsubjectaccessreviews",
                 false),
      ReviewType("authorization.k8s.io", "SelfSubjectRulesReview", "selfsubjectrulesreviews",
                 false),
      ReviewType("authorization.k8s.io", "SubjectAccessReview", "subjectaccessreviews", false),
  };
  return types;
}

bool Reviews::Handles(const RequestInfo& info) {
  if (!info.is_resource_request) return false;
  if (info.group.empty() && info.resource == "serviceaccounts" && info.subresource == "token") {
    return true;
  }
  return FindReview(info) != nullptr;
}

int32_t Reviews::Serve(const RequestInfo& info, const auth::UserInfo& user,
                       const http::Request& request, http::ResponseWriter& writer) const {
  absl::StatusOr<json> answer;
  if (info.verb != "create") {
    answer = api::MethodNotAllowedError(
        "the server does not allow this method on the requested resource");
  } else {
    absl::StatusOr<json> body =
        DecodeBody(request.headers.Get("Content-Type").value_or(""), request.body);
    if (!body.ok()) {
      answer = body.status();
    } else if (!body->is_object()) {
      answer = api::BadRequestError("the request body must be a JSON object");
    } else if (info.resource == "serviceaccounts") {
      answer = TokenRequest(info, *std::move(body));
    } else {
      answer = Review(info, user, *std::move(body));
    }
  }
  if (!answer.ok()) {
    api::HttpError error = api::ToHttpError(answer.status());
    writer.Respond(error.code, http::Headers{{"Content-Type", "application/json"}},
                   std::move(error.body));
    return error.code;
  }
  writer.Respond(201, http::Headers{{"Content-Type", "application/json"}}, answer->dump());
  return 201;
}

absl::StatusOr<json> Reviews::TokenRequest(const RequestInfo& info, json body) const {
  std::optional<json> account = reader_.Get("", "ServiceAccount", info.namespace_name, info.name);
  if (!account) {
    return api::NotFoundError(*reader_.resources().FindType("", "ServiceAccount"), info.name);
  }
  return tokens_.IssueToken(*account, std::move(body));
}

absl::StatusOr<json> Reviews::Review(const RequestInfo& info, const auth::UserInfo& user,
                                     json body) const {
  const api::ResourceType& type = *FindReview(info);
  json spec = body.value("spec", json::object());
  if (!spec.is_object()) spec = json::object();
  json status;
  if (type.kind == "TokenReview") {
    std::string token = spec.value("token", "");
    if (token.empty()) {
      return api::InvalidError(type, "", {api::Required("spec.token", "")});
    }
    absl::StatusOr<AuthenticatedToken> result =
        tokens_.Authenticate(token, StringList(spec.value("audiences", json())));
    if (result.ok()) {
      status = {{"authenticated", true},
                {"user", UserInfoJson(result->user)},
                {"audiences", result->audiences}};
    } else {
      status = {{"user", json::object()}, {"error", result.status().message()}};
    }
  } else if (type.kind == "SelfSubjectReview") {
    status = {{"userInfo", UserInfoJson(user)}};
  } else if (type.kind == "SelfSubjectRulesReview") {
    status = RulesReviewStatus(user, spec.value("namespace", ""));
  } else {
    bool has_resource = spec.contains("resourceAttributes");
    bool has_non_resource = spec.contains("nonResourceAttributes");
    api::FieldErrors errors;
    if (has_resource == has_non_resource) {
      errors.push_back(api::Invalid("spec.resourceAttributes",
                                    spec.value("resourceAttributes", json()),
                                    "exactly one of nonResourceAttributes or resourceAttributes "
                                    "must be specified"));
    }
    auth::UserInfo subject = user;
    if (type.kind == "SubjectAccessReview" || type.kind == "LocalSubjectAccessReview") {
      subject = SpecUser(spec);
      if (subject.name.empty() && subject.groups.empty()) {
        errors.push_back(
            api::Invalid("spec.user", "", "at least one of user or group must be specified"));
      }
    }
    if (type.kind == "LocalSubjectAccessReview") {
      std::string asked = spec.value("resourceAttributes", json::object()).value("namespace", "");
      if (asked != info.namespace_name) {
        errors.push_back(api::Invalid("spec.resourceAttributes.namespace", asked,
                                      "must match metadata.namespace"));
      }
    }
    if (!errors.empty()) return api::InvalidError(type, "", errors);
    status = AccessReviewStatus(subject, spec, info.namespace_name);
  }
  body["apiVersion"] = type.GroupVersion();
  body["kind"] = type.kind;
  if (!body.contains("metadata") || !body["metadata"].is_object())
    body["metadata"] = json::object();
  body["metadata"]["creationTimestamp"] = nullptr;
  body["spec"] = std::move(spec);
  body["status"] = std::move(status);
  return body;
}

json Reviews::AccessReviewStatus(const auth::UserInfo& user, const json& spec,
                                 std::string_view url_namespace) const {
  auth::Attributes attributes;
  attributes.user = user;
  if (spec.contains("resourceAttributes")) {
    const json& asked = spec["resourceAttributes"];
    attributes.resource_request = true;
    attributes.verb = asked.value("verb", "");
    attributes.api_group = asked.value("group", "");
    attributes.api_version = asked.value("version", "");
    attributes.resource = asked.value("resource", "");
    attributes.subresource = asked.value("subresource", "");
    attributes.namespace_name = asked.value("namespace", std::string(url_namespace));
    attributes.name = asked.value("name", "");
  } else {
    const json& asked = spec["nonResourceAttributes"];
    attributes.verb = asked.value("verb", "");
    attributes.path = asked.value("path", "");
  }
  auth::AuthorizationResult result = authorizer_.Authorize(attributes);
  json status = {{"allowed", result.decision == auth::Decision::kAllow}};
  if (result.decision == auth::Decision::kDeny) status["denied"] = true;
  if (!result.reason.empty()) status["reason"] = result.reason;
  return status;
}

json Reviews::RulesReviewStatus(const auth::UserInfo& user, std::string_view namespace_name) const {
  auth::RbacAuthorizer::Rules rules = authorizer_.RulesFor(user, namespace_name);
  json status = {{"resourceRules", RulesJson(rules.rules, true)},
                 {"nonResourceRules", RulesJson(rules.rules, false)},
                 {"incomplete", !rules.errors.empty()}};
  if (!rules.errors.empty()) {
    std::string joined;
    for (const std::string& error : rules.errors) {
      base::StrAppend(&joined, joined.empty() ? "" : ", ", error);
    }
    status["evaluationError"] = joined;
  }
  return status;
}

}  // namespace k1s::apiserver
