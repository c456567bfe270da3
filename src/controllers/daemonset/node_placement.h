#pragma once
// Where a DaemonSet's pods belong, as upstream decides it (NodeShouldRunDaemonPod and the
// daemon util helpers): the template's nodeName, spec.nodeSelector, required node affinity and
// the node's taints against the pod's tolerations, after the tolerations every DaemonSet pod is
// given. A DaemonSet pod is bound to its node through required node affinity on metadata.name,
// which the scheduler honours; TargetNodeName reads that back.
//
// Stateless functions on JSON objects; thread-safe.
#include <initializer_list>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace k1s::controllers::daemonset {

struct Placement {
  // A pod should be created on the node when none runs there.
  bool should_run = false;
  // A pod already there may stay (it tolerates the node's NoExecute taints).
  bool should_continue_running = false;
};

// NodeShouldRunDaemonPod(node, ds).
Placement NodeShouldRunDaemonPod(const nlohmann::json& node, const nlohmann::json& daemon_set);

// Adds (or replaces by key, operator, value and effect) the tolerations of every DaemonSet pod:
// not-ready and unreachable (NoExecute); disk-pressure, memory-pressure, pid-pressure and
// unschedulable (NoSchedule); network-unavailable (NoSchedule) for hostNetwork pods.
void AddDaemonPodTolerations(nlohmann::json& pod_spec);

// v1.Toleration.ToleratesTaint.
bool ToleratesTaint(const nlohmann::json& toleration, const nlohmann::json& taint);
// True when some taint whose effect is one of `effects` is tolerated by none of `tolerations`.
bool HasUntoleratedTaint(const nlohmann::json& taints, const nlohmann::json& tolerations,
                         std::initializer_list<std::string_view> effects);

// spec.nodeSelector and spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution
// of `pod_spec` against the node's labels and name (nodeaffinity.GetRequiredNodeAffinity.Match).
bool MatchesRequiredNodeAffinity(const nlohmann::json& pod_spec, const nlohmann::json& node);

// Replaces the required node affinity of `pod_spec` with one term pinning metadata.name to
// `node_name` (ReplaceDaemonSetPodNodeNameNodeAffinity).
void SetNodeNameAffinity(nlohmann::json& pod_spec, std::string_view node_name);

// spec.nodeName, else the node the metadata.name affinity term names; nullopt when neither.
std::optional<std::string> TargetNodeName(const nlohmann::json& pod);

}  // namespace k1s::controllers::daemonset
