#pragma once
// An in-memory RbacSource for tests, plus builders for roles and bindings.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/rbac.h"

namespace k1s::auth::testing {

class FakeRbacSource : public RbacSource {
 public:
  std::vector<nlohmann::json> cluster_roles;
  std::vector<nlohmann::json> roles;
  std::vector<nlohmann::json> cluster_role_bindings;
  std::vector<nlohmann::json> role_bindings;

  std::vector<nlohmann::json> ClusterRoleBindings() override { return cluster_role_bindings; }
  std::vector<nlohmann::json> RoleBindings(std::string_view ns) override {
    std::vector<nlohmann::json> out;
    for (const auto& binding : role_bindings) {
      if (binding["metadata"]["namespace"] == ns) out.push_back(binding);
    }
    return out;
  }
  std::optional<nlohmann::json> ClusterRole(std::string_view name) override {
    return Find(cluster_roles, "", name);
  }
  std::optional<nlohmann::json> Role(std::string_view ns, std::string_view name) override {
    return Find(roles, ns, name);
  }

 private:
  static std::optional<nlohmann::json> Find(const std::vector<nlohmann::json>& objects,
                                            std::string_view ns, std::string_view name) {
    for (const auto& object : objects) {
      const auto& meta = object["metadata"];
      if (meta["name"] == name && meta.value("namespace", "") == ns) return object;
    }
    return std::nullopt;
  }
};

inline nlohmann::json User(std::string_view name) {
  return {{"kind", "User"}, {"apiGroup", "rbac.authorization.k8s.io"}, {"name", name}};
}

inline nlohmann::json RoleBinding(std::string_view ns, std::string_view name,
                                  std::string_view role_kind, std::string_view role_name,
                                  std::vector<nlohmann::json> subjects) {
  return {{"metadata", {{"name", name}, {"namespace", ns}}},
          {"roleRef",
           {{"apiGroup", "rbac.authorization.k8s.io"}, {"kind", role_kind}, {"name", role_name}}},
          {"subjects", std::move(subjects)}};
}

inline nlohmann::json ClusterRoleBinding(std::string_view name, std::string_view role_name,
                                         std::vector<nlohmann::json> subjects) {
  nlohmann::json binding = RoleBinding("", name, "ClusterRole", role_name, std::move(subjects));
  binding["metadata"].erase("namespace");
  return binding;
}

inline nlohmann::json NamedRole(std::string_view ns, std::string_view name, nlohmann::json rules) {
  nlohmann::json role = {{"metadata", {{"name", name}}}, {"rules", std::move(rules)}};
  if (!ns.empty()) role["metadata"]["namespace"] = ns;
  return role;
}

}  // namespace k1s::auth::testing
