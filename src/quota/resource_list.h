#pragma once
// corev1.ResourceList arithmetic (upstream pkg/quota/v1/resources.go and the pod resource
// helpers' add/max): name -> Quantity, kept sorted by name as upstream prints them.
//
// Thread-safe: free functions on values.

#include <map>
#include <nlohmann/json_fwd.hpp>
#include <set>
#include <string>
#include <vector>

#include "quota/quantity.h"

namespace k1s::quota {

using ResourceList = std::map<std::string, Quantity>;
using ResourceNames = std::set<std::string>;

// {"cpu":"100m","memory":"1Gi"}; entries that are not quantities are skipped (stored objects
// were validated), anything but an object is the empty list.
ResourceList ResourceListFromJson(const nlohmann::json& value);
// Canonical strings: {"cpu":"100m"}.
nlohmann::json ResourceListToJson(const ResourceList& list);

ResourceNames Names(const ResourceList& list);
// quota.Add: every name of either list, summed where both have it.
ResourceList Add(const ResourceList& a, const ResourceList& b);
// quota.SubtractWithNonNegativeResult: every name of either list, a - b floored at zero.
ResourceList SubtractNonNegative(const ResourceList& a, const ResourceList& b);
// quota.Mask: only the given names.
ResourceList Mask(const ResourceList& list, const ResourceNames& names);
ResourceList RemoveZeros(const ResourceList& list);
// Names whose quantity is negative.
ResourceNames Negative(const ResourceList& list);
// quota.LessThanOrEqual's second result: names of `limits` that `list` holds more of.
ResourceNames Exceeded(const ResourceList& list, const ResourceList& limits);
// quota.Equals: the same names with equal quantities.
bool Equal(const ResourceList& a, const ResourceList& b);
// "cpu=1,memory=1Gi" (the admission plugin's prettyPrint).
std::string PrettyPrint(const ResourceList& list);

// The pod resource helpers' addResourceList and maxResourceList, in place.
void AddInto(ResourceList& sum, const ResourceList& more);
void MaxInto(ResourceList& max, const ResourceList& other);

}  // namespace k1s::quota
