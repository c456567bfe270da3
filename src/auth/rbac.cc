#include "auth/rbac.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>

#include "absl/status/status.h"
#include "auth/json_fields.h"
#include "base/go_text.h"
#include "base/strings.h"

namespace k1s::auth {
namespace {

using nlohmann::json;
using ErrorStyle = RbacAuthorizer::ErrorStyle;

// Whether any string item of rule[key] satisfies `matches`.
template <typename Pred>
bool AnyItem(const json& rule, const char* key, Pred matches) {
  auto it = rule.find(key);
  if (it == rule.end() || !it->is_array()) return false;
  return std::any_of(it->begin(), it->end(), [&](const json& item) {
    return item.is_string() && matches(item.get_ref<const std::string&>());
  });
}

bool HasItems(const json& rule, const char* key) {
  auto it = rule.find(key);
  return it != rule.end() && it->is_array() && !it->empty();
}

bool VerbMatches(const json& rule, std::string_view verb) {
  return AnyItem(rule, "verbs", [&](const std::string& v) { return v == "*" || v == verb; });
}

bool GroupMatches(const json& rule, std::string_view group) {
  return AnyItem(rule, "apiGroups", [&](const std::string& g) { return g == "*" || g == group; });
}

bool ResourceMatches(const json& rule, std::string_view combined, std::string_view subresource) {
  return AnyItem(rule, "resources", [&](const std::string& r) {
    if (r == "*" || r == combined) return true;
    // "*/<subresource>" matches that subresource of every resource.
    return !subresource.empty() && r.size() == subresource.size() + 2 && r.starts_with("*/") &&
           r.ends_with(subresource);
  });
}

bool ResourceNameMatches(const json& rule, std::string_view name) {
  if (!HasItems(rule, "resourceNames")) return true;
  return AnyItem(rule, "resourceNames", [&](const std::string& n) { return n == name; });
}

bool NonResourceUrlMatches(const json& rule, std::string_view path) {
  return AnyItem(rule, "nonResourceURLs", [&](const std::string& url) {
    if (url == "*" || url == path) return true;
    if (!url.ends_with('*')) return false;
    std::string_view prefix = url;
    while (!prefix.empty() && prefix.back() == '*') prefix.remove_suffix(1);
    return path.starts_with(prefix);
  });
}

std::string NotFoundMessage(std::string_view kind, std::string_view name, ErrorStyle style) {
  // Listers name the resource by its lower-case kind, storage by its plural.
  std::string resource = kind == "Role" ? "role" : "clusterrole";
  if (style == ErrorStyle::kRegistry) resource += 's';
  return base::StrCat(resource, ".rbac.authorization.k8s.io ", base::GoQuote(name), " not found");
}

// The role object a roleRef names, or the error upstream reports for it.
absl::StatusOr<json> ReferencedRole(RbacSource& source, const json& role_ref,
                                    std::string_view binding_namespace, ErrorStyle style) {
  std::string_view kind = StringField(role_ref, "kind");
  std::string_view name = StringField(role_ref, "name");
  std::optional<json> role;
  if (kind == "Role") {
    role = source.Role(binding_namespace, name);
  } else if (kind == "ClusterRole") {
    role = source.ClusterRole(name);
  } else {
    return absl::InvalidArgumentError(
        base::StrCat("unsupported role reference kind: ", base::GoQuote(kind)));
  }
  if (!role) return absl::NotFoundError(NotFoundMessage(kind, name, style));
  return std::move(*role);
}

const json& RulesOf(const json& role) {
  static const json kNoRules = json::array();
  const json& rules = Field(role, "rules");
  return rules.is_array() ? rules : kNoRules;
}

// The first subject of a binding that names the user (upstream appliesTo).
const json* MatchingSubject(const json& binding, const UserInfo& user,
                            std::string_view binding_namespace) {
  if (!binding.is_object()) return nullptr;
  auto subjects = binding.find("subjects");
  if (subjects == binding.end() || !subjects->is_array()) return nullptr;
  for (const json& subject : *subjects) {
    if (SubjectMatches(subject, user, binding_namespace)) return &subject;
  }
  return nullptr;
}

// A rule's origin, described only when a request is allowed by it.
struct RuleSource {
  const json* binding = nullptr;
  const json* subject = nullptr;
  std::string_view binding_namespace{};  // "" for a ClusterRoleBinding

  std::string Describe() const {
    std::string_view sa_namespace = StringField(*subject, "namespace");
    if (sa_namespace.empty()) sa_namespace = binding_namespace;
    std::string_view subject_kind = StringField(*subject, "kind");
    std::string subject_name(StringField(*subject, "name"));
    if (subject_kind == "ServiceAccount")
      subject_name = base::StrCat(subject_name, "/", sa_namespace);
    std::string binding_name(StringField(Field(*binding, "metadata"), "name"));
    if (!binding_namespace.empty())
      binding_name = base::StrCat(binding_name, "/", binding_namespace);
    const json& ref = Field(*binding, "roleRef");
    return base::StrCat(binding_namespace.empty() ? "ClusterRoleBinding " : "RoleBinding ",
                        base::GoQuote(binding_name), " of ", StringField(ref, "kind"), " ",
                        base::GoQuote(StringField(ref, "name")), " to ", subject_kind, " ",
                        base::GoQuote(subject_name));
  }
};

// Upstream VisitRulesFor: calls visit(source, rule, error) for every rule of every binding that
// applies to the user, cluster role bindings first; an error comes with a null rule. Stops when
// visit returns false.
template <typename Visitor>
void VisitRules(RbacSource& source, const UserInfo& user, std::string_view namespace_name,
                ErrorStyle style, Visitor&& visit) {
  auto visit_bindings = [&](const std::vector<json>& bindings, std::string_view binding_ns) {
    for (const json& binding : bindings) {
      const json* subject = MatchingSubject(binding, user, binding_ns);
      if (subject == nullptr) continue;
      absl::StatusOr<json> role =
          ReferencedRole(source, Field(binding, "roleRef"), binding_ns, style);
      if (!role.ok()) {
        std::string message(role.status().message());
        if (!visit(RuleSource{}, nullptr, &message)) return false;
        continue;
      }
      RuleSource origin{.binding = &binding, .subject = subject, .binding_namespace = binding_ns};
      for (const json& rule : RulesOf(*role)) {
        if (!visit(origin, &rule, nullptr)) return false;
      }
    }
    return true;
  };
  if (!visit_bindings(source.ClusterRoleBindings(), "")) return;
  if (!namespace_name.empty()) visit_bindings(source.RoleBindings(namespace_name), namespace_name);
}

}  // namespace

bool RuleAllows(const json& rule, const Attributes& attributes) {
  if (!rule.is_object() || !VerbMatches(rule, attributes.verb)) return false;
  if (!attributes.resource_request) return NonResourceUrlMatches(rule, attributes.path);
  std::string combined = attributes.resource;
  if (!attributes.subresource.empty())
    combined = base::StrCat(combined, "/", attributes.subresource);
  return GroupMatches(rule, attributes.api_group) &&
         ResourceMatches(rule, combined, attributes.subresource) &&
         ResourceNameMatches(rule, attributes.name);
}

bool SubjectMatches(const json& subject, const UserInfo& user, std::string_view binding_namespace) {
  std::string_view kind = StringField(subject, "kind");
  std::string_view name = StringField(subject, "name");
  if (kind == "User") return user.name == name;
  if (kind == "Group")
    return std::find(user.groups.begin(), user.groups.end(), name) != user.groups.end();
  if (kind != "ServiceAccount") return false;
  std::string_view sa_namespace = StringField(subject, "namespace");
  if (sa_namespace.empty()) sa_namespace = binding_namespace;
  if (sa_namespace.empty()) return false;
  return user.name == base::StrCat(kServiceAccountUserPrefix, sa_namespace, ":", name);
}

AuthorizationResult RbacAuthorizer::Authorize(const Attributes& attributes) const {
  AuthorizationResult result;
  std::vector<std::string> errors;
  VisitRules(source_, attributes.user, attributes.namespace_name, ErrorStyle::kLister,
             [&](const RuleSource& origin, const json* rule, const std::string* error) {
               if (rule != nullptr && RuleAllows(*rule, attributes)) {
                 result = {Decision::kAllow, base::StrCat("RBAC: allowed by ", origin.Describe())};
                 return false;
               }
               if (error != nullptr) errors.push_back(*error);
               return true;
             });
  if (result.decision == Decision::kAllow) return result;
  if (!errors.empty()) result.reason = base::StrCat("RBAC: ", base::AggregateErrorText(errors));
  return result;
}

RbacAuthorizer::Rules RbacAuthorizer::RulesFor(const UserInfo& user,
                                               std::string_view namespace_name,
                                               ErrorStyle style) const {
  Rules out;
  VisitRules(source_, user, namespace_name, style,
             [&](const RuleSource&, const json* rule, const std::string* error) {
               if (rule != nullptr) out.rules.push_back(*rule);
               if (error != nullptr) out.errors.push_back(*error);
               return true;
             });
  return out;
}

absl::StatusOr<std::vector<json>> RbacAuthorizer::RoleReferenceRules(
    const json& role_ref, std::string_view binding_namespace, ErrorStyle style) const {
  absl::StatusOr<json> role = ReferencedRole(source_, role_ref, binding_namespace, style);
  if (!role.ok()) return role.status();
  const json& rules = RulesOf(*role);
  return std::vector<json>(rules.begin(), rules.end());
}

}  // namespace k1s::auth
