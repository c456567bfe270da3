#pragma once
// ClusterRole aggregation, as upstream's clusterrole-aggregation controller does it: a
// ClusterRole with an aggregationRule gets the union of the rules of every other ClusterRole
// whose labels match any of its clusterRoleSelectors. Pure functions; thread-safe.
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace k1s::auth {

// Whether `labels` (a metadata.labels object; null = none) match a metav1.LabelSelector:
// every matchLabels pair and every matchExpressions term (In, NotIn, Exists, DoesNotExist).
// An empty selector matches everything. InvalidArgument for a malformed selector.
absl::StatusOr<bool> LabelSelectorMatches(const nlohmann::json& selector,
                                          const nlohmann::json& labels);

// The rules `aggregating_role` should hold: for each selector in order, the matching roles
// (itself excluded) sorted by name, their rules appended unless an equal rule is already there.
// A json array (empty when nothing matches, or when the role has no aggregationRule's
// selectors). InvalidArgument when a selector is malformed (upstream leaves the role as is).
absl::StatusOr<nlohmann::json> AggregatedRules(
    const nlohmann::json& aggregating_role, const std::vector<nlohmann::json>& all_cluster_roles);

// Brings every role with an aggregationRule up to date, repeating until nothing changes so
// nested aggregation (admin <- edit <- view) settles. Roles whose selectors are malformed are
// left alone. Returns the names of the roles whose rules changed.
std::vector<std::string> AggregateClusterRoles(std::vector<nlohmann::json>* cluster_roles);

}  // namespace k1s::auth
