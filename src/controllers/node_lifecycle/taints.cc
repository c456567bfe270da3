#include "controllers/node_lifecycle/taints.h"

#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "api/errors.h"
#include "api/timestamps.h"

namespace k1s::controllers::node_lifecycle {
namespace {

using nlohmann::json;

// Upstream's UpdateTaintBackoff steps.
constexpr int32_t kUpdateAttempts = 5;

std::string StringMember(const json& object, std::string_view key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

bool SameKeyAndEffect(const json& a, const json& b) {
  return StringMember(a, "key") == StringMember(b, "key") &&
         StringMember(a, "effect") == StringMember(b, "effect");
}

// The taints after the swap, or nullopt when they would not change.
std::optional<json> SwappedTaints(const json& node, const std::vector<json>& add,
                                  const std::vector<json>& remove, const std::string& now) {
  std::vector<json> taints = NodeTaints(node);
  bool changed = false;
  std::vector<json> result;
  for (const json& taint : taints) {
    bool drop = false;
    for (const json& unwanted : remove) drop = drop || SameKeyAndEffect(taint, unwanted);
    if (drop) {
      changed = true;
    } else {
      result.push_back(taint);
    }
  }
  for (const json& wanted : add) {
    bool present = false;
    for (json& taint : result) {
      if (!SameKeyAndEffect(taint, wanted)) continue;
      present = true;
      if (StringMember(taint, "value") != StringMember(wanted, "value")) {
        taint = wanted;
        taint["timeAdded"] = now;
        changed = true;
      }
    }
    if (!present) {
      json taint = wanted;
      taint["timeAdded"] = now;
      result.push_back(std::move(taint));
      changed = true;
    }
  }
  if (!changed) return std::nullopt;
  return json(result);
}

}  // namespace

json MakeTaint(std::string_view key, std::string_view effect) {
  return {{"key", key}, {"effect", effect}};
}

std::vector<json> NodeTaints(const json& node) {
  std::vector<json> taints;
  if (!node.is_object() || !node.contains("spec") || !node["spec"].is_object()) return taints;
  const json& list = node["spec"].contains("taints") ? node["spec"]["taints"] : json();
  if (!list.is_array()) return taints;
  for (const json& taint : list) {
    if (taint.is_object()) taints.push_back(taint);
  }
  return taints;
}

std::vector<json> NoExecuteTaints(const json& node) {
  std::vector<json> taints;
  for (json& taint : NodeTaints(node)) {
    if (StringMember(taint, "effect") == "NoExecute") taints.push_back(std::move(taint));
  }
  return taints;
}

bool TaintExists(const std::vector<json>& taints, const json& taint) {
  for (const json& candidate : taints) {
    if (SameKeyAndEffect(candidate, taint)) return true;
  }
  return false;
}

bool ToleratesTaint(const json& toleration, const json& taint) {
  const std::string effect = StringMember(toleration, "effect");
  if (!effect.empty() && effect != StringMember(taint, "effect")) return false;
  const std::string key = StringMember(toleration, "key");
  if (!key.empty() && key != StringMember(taint, "key")) return false;
  const std::string op = StringMember(toleration, "operator");
  if (op.empty() || op == "Equal") {
    return StringMember(toleration, "value") == StringMember(taint, "value");
  }
  return op == "Exists";
}

bool MatchingTolerations(const std::vector<json>& taints, const json& tolerations,
                         std::vector<json>* used) {
  used->clear();
  for (const json& taint : taints) {
    bool tolerated = false;
    if (tolerations.is_array()) {
      for (const json& toleration : tolerations) {
        if (ToleratesTaint(toleration, taint)) {
          used->push_back(toleration);
          tolerated = true;
          break;
        }
      }
    }
    if (!tolerated) {
      used->clear();
      return false;
    }
  }
  return true;
}

int64_t MinTolerationSeconds(const std::vector<json>& tolerations) {
  if (tolerations.empty()) return 0;
  int64_t min = std::numeric_limits<int64_t>::max();
  for (const json& toleration : tolerations) {
    auto it = toleration.find("tolerationSeconds");
    if (it == toleration.end() || !it->is_number_integer()) continue;
    const int64_t seconds = it->get<int64_t>();
    if (seconds <= 0) return 0;
    if (seconds < min) min = seconds;
  }
  return min == std::numeric_limits<int64_t>::max() ? -1 : min;
}

absl::Status SwapNodeTaints(client::Client& client, const base::Clock& clock, const json& node,
                            const std::vector<json>& add, const std::vector<json>& remove) {
  const std::string now = api::FormatTimestamp(clock.NowUnixNanos() / base::kNanosPerSecond);
  json current = node;
  absl::Status last;
  for (int32_t attempt = 0; attempt < kUpdateAttempts; ++attempt) {
    if (attempt > 0) {
      const std::string name = current["metadata"].value("name", "");
      absl::StatusOr<json> fresh = client.Get(client::resources::Nodes(), "", name);
      if (!fresh.ok()) return fresh.status();
      current = std::move(*fresh);
    }
    std::optional<json> taints = SwappedTaints(current, add, remove, now);
    if (!taints.has_value()) return absl::OkStatus();
    json updated = current;
    if (!updated["spec"].is_object()) updated["spec"] = json::object();
    if (taints->empty()) {
      updated["spec"].erase("taints");
    } else {
      updated["spec"]["taints"] = std::move(*taints);
    }
    absl::StatusOr<json> written = client.Update(client::resources::Nodes(), updated);
    if (written.ok()) return absl::OkStatus();
    last = written.status();
    if (!api::IsConflict(last)) return last;
  }
  return last;
}

}  // namespace k1s::controllers::node_lifecycle
