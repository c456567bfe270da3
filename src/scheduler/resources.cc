#include "scheduler/resources.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>

#include "api/json_fields.h"
#include "quota/quantity.h"

namespace k1s::scheduler {
namespace {

using api::ArrayOrEmpty;
using api::Member;

using nlohmann::json;

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// Sets `name` in `resources` from one quantity.
void SetQuantity(Resources& resources, const std::string& name, const quota::Quantity& quantity) {
  if (name == "cpu") {
    resources.milli_cpu = quantity.MilliValue();
  } else if (name == "memory") {
    resources.memory = quantity.Value();
  } else if (name == "ephemeral-storage") {
    resources.ephemeral_storage = quantity.Value();
  } else if (name == "pods") {
    resources.allowed_pods = quantity.Value();
  } else if (IsScalarResourceName(name)) {
    resources.scalar[name] = quantity.Value();
  }
}

// A container's requests, with the scoring defaults for a missing cpu or memory when asked.
Resources ContainerRequests(const json& container, bool non_zero) {
  const json& requests = Member(Member(container, "resources"), "requests");
  Resources result = ResourcesFromList(requests);
  if (non_zero) {
    if (!requests.is_object() || !requests.contains("cpu")) {
      result.milli_cpu = kDefaultMilliCpuRequest;
    }
    if (!requests.is_object() || !requests.contains("memory")) {
      result.memory = kDefaultMemoryRequest;
    }
  }
  return result;
}

}  // namespace

void Resources::Add(const Resources& other) {
  milli_cpu += other.milli_cpu;
  memory += other.memory;
  ephemeral_storage += other.ephemeral_storage;
  allowed_pods += other.allowed_pods;
  for (const auto& [name, value] : other.scalar) scalar[name] += value;
}

void Resources::Subtract(const Resources& other) {
  milli_cpu -= other.milli_cpu;
  memory -= other.memory;
  ephemeral_storage -= other.ephemeral_storage;
  allowed_pods -= other.allowed_pods;
  for (const auto& [name, value] : other.scalar) scalar[name] -= value;
}

void Resources::SetMax(const Resources& other) {
  milli_cpu = std::max(milli_cpu, other.milli_cpu);
  memory = std::max(memory, other.memory);
  ephemeral_storage = std::max(ephemeral_storage, other.ephemeral_storage);
  allowed_pods = std::max(allowed_pods, other.allowed_pods);
  for (const auto& [name, value] : other.scalar) {
    int64_t& mine = scalar[name];
    mine = std::max(mine, value);
  }
}

int64_t Resources::Get(std::string_view name) const {
  if (name == "cpu") return milli_cpu;
  if (name == "memory") return memory;
  if (name == "ephemeral-storage") return ephemeral_storage;
  if (name == "pods") return allowed_pods;
  auto it = scalar.find(std::string(name));
  return it == scalar.end() ? 0 : it->second;
}

bool IsScalarResourceName(std::string_view name) {
  if (StartsWith(name, "hugepages-") || StartsWith(name, "attachable-volumes-")) return true;
  // Extended ("example.com/gpu") and prefixed native ("kubernetes.io/x") resources; "requests.*"
  // names are quota names, never extended resources.
  if (name.find('/') == std::string_view::npos) return false;
  return !StartsWith(name, "requests.") || name.find("kubernetes.io/") != std::string_view::npos;
}

Resources ResourcesFromList(const json& list) {
  Resources result;
  if (!list.is_object()) return result;
  for (const auto& [name, value] : list.items()) {
    std::optional<quota::Quantity> quantity = quota::Quantity::FromJson(value);
    if (quantity) SetQuantity(result, name, *quantity);
  }
  return result;
}

Resources PodRequests(const json& pod, bool non_zero) {
  const json& spec = Member(pod, "spec");
  Resources total;
  for (const json& container : ArrayOrEmpty(Member(spec, "containers"))) {
    total.Add(ContainerRequests(container, non_zero));
  }
  Resources sidecars;  // restartable init containers started so far
  Resources init_peak;
  for (const json& container : ArrayOrEmpty(Member(spec, "initContainers"))) {
    Resources own = ContainerRequests(container, non_zero);
    const json& policy = Member(container, "restartPolicy");
    if (policy.is_string() && policy.get<std::string>() == "Always") {
      total.Add(own);
      sidecars.Add(own);
      init_peak.SetMax(sidecars);
    } else {
      own.Add(sidecars);
      init_peak.SetMax(own);
    }
  }
  total.SetMax(init_peak);
  total.Add(ResourcesFromList(Member(spec, "overhead")));
  total.allowed_pods = 0;
  return total;
}

Resources NodeAllocatable(const json& node) {
  return ResourcesFromList(Member(Member(node, "status"), "allocatable"));
}

}  // namespace k1s::scheduler
