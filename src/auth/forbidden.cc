#include "auth/forbidden.h"

#include "base/go_text.h"
#include "base/strings.h"

namespace k1s::auth {
namespace {

// Upstream keeps the message from looking like HTML: & < > become entities.
std::string Sanitize(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// What the user may not do (upstream forbiddenMessage).
std::string Refusal(const Attributes& a) {
  std::string user = base::GoQuote(a.user.name);
  if (!a.resource_request) {
    return base::StrCat("User ", user, " cannot ", a.verb, " path ", base::GoQuote(a.path));
  }
  std::string resource = a.resource;
  if (!a.subresource.empty()) resource = base::StrCat(resource, "/", a.subresource);
  std::string text =
      base::StrCat("User ", user, " cannot ", a.verb, " resource ", base::GoQuote(resource),
                   " in API group ", base::GoQuote(a.api_group));
  if (a.namespace_name.empty()) return base::StrCat(text, " at the cluster scope");
  return base::StrCat(text, " in the namespace ", base::GoQuote(a.namespace_name));
}

}  // namespace

std::string ForbiddenMessage(const Attributes& attributes, std::string_view reason) {
  std::string cause = Sanitize(Refusal(attributes));
  if (!reason.empty()) cause = base::StrCat(cause, ": ", reason);
  // apierrors.NewForbidden: the qualified resource ("pods", "deployments.apps"), and its name.
  if (attributes.api_group.empty() && attributes.resource.empty()) {
    return base::StrCat("forbidden: ", cause);
  }
  std::string qualified = attributes.resource;
  if (!attributes.api_group.empty()) qualified = base::StrCat(qualified, ".", attributes.api_group);
  if (attributes.name.empty()) return base::StrCat(qualified, " is forbidden: ", cause);
  return base::StrCat(qualified, " ", base::GoQuote(attributes.name), " is forbidden: ", cause);
}

ForbiddenDetails ForbiddenStatusDetails(const Attributes& attributes) {
  return ForbiddenDetails{
      .name = attributes.name, .group = attributes.api_group, .kind = attributes.resource};
}

}  // namespace k1s::auth
