#pragma once
// The write rules of custom resources (objects of a CustomResourceDefinition's version) and of
// CRDs themselves.
#include <memory>
#include <nlohmann/json_fwd.hpp>

#include "api/resource_types.h"
#include "apiserver/strategy.h"

namespace k1s::apiserver {

// Rules for objects of `type`, a served version of `crd`: its structural schema prunes unknown
// fields, fills defaults and validates, as upstream does for custom resources.
std::unique_ptr<Strategy> MakeCustomResourceStrategy(const nlohmann::json& crd,
                                                     const api::ResourceType& type);

// Rules for CustomResourceDefinition objects: names, versions and schemas are checked, and a new
// CRD carries the cleanup finalizer so its objects go before it does.
std::unique_ptr<Strategy> MakeCustomResourceDefinitionStrategy();

}  // namespace k1s::apiserver
