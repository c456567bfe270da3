#pragma once
// The create-only "review" endpoints, answered from the request alone and never stored:
// TokenReview and SelfSubjectReview (authentication.k8s.io/v1), SubjectAccessReview,
// SelfSubjectAccessReview, LocalSubjectAccessReview and SelfSubjectRulesReview
// (authorization.k8s.io/v1), plus the TokenRequest subresource serviceaccounts/<name>/token.
// These back `kubectl auth whoami`, `kubectl auth can-i [--list]` and `kubectl create token`.
// Thread-safe.
#include <memory>
#include <vector>

#include "api/resource_types.h"
#include "apiserver/authorization.h"
#include "apiserver/cluster_reader.h"
#include "apiserver/request_info.h"
#include "apiserver/service_account_tokens.h"
#include "http/request.h"
#include "http/response_writer.h"

namespace k1s::apiserver {

class Reviews {
 public:
  Reviews(const ServiceAccountTokens& tokens, const Authorizer& authorizer,
          const ClusterReader& reader);

  // True when `info` names one of the review resources (or serviceaccounts/token).
  static bool Handles(const RequestInfo& info);
  // Discovery entries for the review resources (verbs: create).
  static const std::vector<api::ResourceType>& Types();

  // Answers the request; returns the HTTP status sent.
  int32_t Serve(const RequestInfo& info, const auth::UserInfo& user, const http::Request& request,
                http::ResponseWriter& writer) const;

 private:
  absl::StatusOr<nlohmann::json> Review(const RequestInfo& info, const auth::UserInfo& user,
                                        nlohmann::json body) const;
  absl::StatusOr<nlohmann::json> TokenRequest(const RequestInfo& info, nlohmann::json body) const;
  nlohmann::json AccessReviewStatus(const auth::UserInfo& user, const nlohmann::json& spec,
                                    std::string_view url_namespace) const;
  nlohmann::json RulesReviewStatus(const auth::UserInfo& user,
                                   std::string_view namespace_name) const;

  const ServiceAccountTokens& tokens_;
  const Authorizer& authorizer_;
  const ClusterReader& reader_;
};

// UserInfo as authentication.k8s.io/v1 UserInfo JSON {username, uid, groups, extra}.
nlohmann::json UserInfoJson(const auth::UserInfo& user);

}  // namespace k1s::apiserver
