#pragma once
// Audit policy (audit.k8s.io/v1 Policy): which requests are recorded, at which level, and which
// stages are skipped. Rules are tried in order and the first match decides, as in upstream's
// policy checker; a request no rule matches is not audited (level None).
//
// Thread-safe: a Policy is immutable after Parse/Default.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "auth/attributes.h"

namespace k1s::audit {

// Ordered: a level includes everything the levels before it record.
enum class Level { kNone, kMetadata, kRequest, kRequestResponse };
enum class Stage { kRequestReceived, kResponseStarted, kResponseComplete, kPanic };

// Wire names: "None", "Metadata", ..., "RequestReceived", ...
std::string_view LevelName(Level level);
std::string_view StageName(Stage stage);

class Policy {
 public:
  struct Decision {
    Level level = Level::kNone;
    std::vector<Stage> omit_stages;  // sorted, no duplicates
    bool omit_managed_fields = false;
  };

  // Parses a Policy document in YAML or JSON (apiVersion audit.k8s.io/v1, kind Policy) and
  // validates it as kube-apiserver does. Errors name the field, e.g.
  // `rules[0].level: Required value`.
  static absl::StatusOr<Policy> Parse(std::string_view yaml_or_json);

  // Every request at Metadata, RequestReceived omitted: what k1s uses when --audit-log-path is
  // set without --audit-policy-file.
  static Policy Default();

  Decision Evaluate(const auth::Attributes& attributes) const;

 private:
  struct GroupResources {
    std::string group;
    std::vector<std::string> resources;
    std::vector<std::string> resource_names;
  };
  struct Rule {
    Level level = Level::kNone;
    std::vector<std::string> users;
    std::vector<std::string> user_groups;
    std::vector<std::string> verbs;
    std::vector<GroupResources> resources;
    std::vector<std::string> namespaces;
    std::vector<std::string> non_resource_urls;
    std::vector<Stage> omit_stages;  // already united with the policy-wide list
    std::optional<bool> omit_managed_fields;
  };

  static bool RuleMatches(const Rule& rule, const auth::Attributes& attributes);
  static bool ResourceMatches(const Rule& rule, const auth::Attributes& attributes);

  std::vector<Rule> rules_;
  std::vector<Stage> omit_stages_;
  bool omit_managed_fields_ = false;

  friend class PolicyParser;
};

}  // namespace k1s::audit
