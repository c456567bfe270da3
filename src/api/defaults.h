#pragma once
// Server-side defaulting of built-in kinds, reproducing kube-apiserver v1.32: the hand-written
// SetDefaults_* functions of pkg/apis/<group>/<version>/defaults.go, the declarative `+default=`
// markers of k8s.io/api, and the generated SetObjectDefaults_* recursion that decides which
// nested structs (pod templates, volumes, probes, claim templates...) get defaulted. Feature
// gates are taken at their v1.32 defaults.
//
// Defaulting runs on the decoded JSON of every create and update, so every function here is
// idempotent and never throws: a value of the wrong JSON type is left alone (validation reports it
// later), and a Go value struct that is absent (e.g. a Deployment's spec.strategy) is created, as
// decoding into a Go struct would have. Quantities and IntOrString values are kept as given.
//
// What upstream does in registry strategies or admission instead (Pod status.phase, Service
// clusterIP and ipFamilies, Job selectors, priority, tolerations, service-account tokens) is not
// done here.
//
// Pure functions of their arguments; thread-safe.
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

namespace k1s::api {

// Applies the v1.32 defaults of group/version/kind (core group is "") to `object`, a full object
// ({"apiVersion", "kind", "metadata", "spec", ...}). Unknown kinds and non-object values are left
// unchanged.
void ApplyDefaults(std::string_view group, std::string_view version, std::string_view kind,
                   nlohmann::json& object);

// True when ApplyDefaults has defaulting rules for group/version/kind (it may still change
// nothing for a given object).
bool HasDefaults(std::string_view group, std::string_view version, std::string_view kind);

// The defaults every embedded PodTemplateSpec ({"metadata", "spec"}) gets: SetDefaults_PodSpec plus
// containers, volumes and probes. Pod-only defaults (enableServiceLinks, requests copied from
// limits, hostNetwork host ports) are not applied to templates, as upstream.
void ApplyPodTemplateSpecDefaults(nlohmann::json& pod_template_spec);

// The defaults of a PersistentVolumeClaim ({"metadata", "spec", "status"}), also used for
// StatefulSet volumeClaimTemplates.
void ApplyPersistentVolumeClaimDefaults(nlohmann::json& claim);

// The tag that kubelet's image-name parser finds in `image`: the explicit tag, "latest" when there
// is neither tag nor digest, "" when only a digest is given or the reference does not parse.
std::string ImageTag(std::string_view image);

// The imagePullPolicy a container without one gets: "Always" for a "latest" (or missing) tag,
// "IfNotPresent" otherwise.
std::string DefaultImagePullPolicy(std::string_view image);

}  // namespace k1s::api
