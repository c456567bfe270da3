#include "controllers/endpointslice/slice_tracker.h"

#include <nlohmann/json.hpp>

#include "controllers/endpointslice/slice_builder.h"

namespace k1s::controllers::endpointslice {
namespace {

using nlohmann::json;

std::string MetadataString(const json& object, const char* key) {
  if (!object.is_object() || !object.contains("metadata") || !object["metadata"].is_object()) {
    return "";
  }
  const json& value = object["metadata"].contains(key) ? object["metadata"][key] : json();
  return value.is_string() ? value.get<std::string>() : "";
}

}  // namespace

void SliceTracker::Wrote(const std::string& service_key, const json& written,
                         const std::string& replaced_version) {
  absl::MutexLock lock(&mu_);
  Expectation& expectation = expectations_[service_key][MetadataString(written, "name")];
  expectation = Expectation{};
  expectation.written_version = MetadataString(written, "resourceVersion");
  expectation.replaced_version = replaced_version;
}

void SliceTracker::ExpectDeletion(const std::string& service_key, const std::string& name) {
  absl::MutexLock lock(&mu_);
  Expectation& expectation = expectations_[service_key][name];
  expectation = Expectation{};
  expectation.deleted = true;
}

bool SliceTracker::ShouldSync(const json& slice) {
  absl::MutexLock lock(&mu_);
  auto service = expectations_.find(ServiceKeyOfSlice(slice));
  if (service == expectations_.end()) return true;
  auto it = service->second.find(MetadataString(slice, "name"));
  if (it == service->second.end() || it->second.deleted) return true;
  if (it->second.written_version != MetadataString(slice, "resourceVersion")) return true;
  it->second.observed = true;
  return false;
}

bool SliceTracker::HandleDeletion(const json& slice) {
  absl::MutexLock lock(&mu_);
  auto service = expectations_.find(ServiceKeyOfSlice(slice));
  if (service == expectations_.end()) return true;
  auto it = service->second.find(MetadataString(slice, "name"));
  if (it == service->second.end()) return true;
  const bool expected = it->second.deleted;
  service->second.erase(it);
  return !expected;
}

bool SliceTracker::Stale(const std::string& service_key,
                         const std::vector<client::ObjectPtr>& slices) {
  std::map<std::string, std::string> versions;
  for (const client::ObjectPtr& slice : slices) {
    versions[MetadataString(*slice, "name")] = MetadataString(*slice, "resourceVersion");
  }
  absl::MutexLock lock(&mu_);
  auto service = expectations_.find(service_key);
  if (service == expectations_.end()) return false;
  for (const auto& [name, expectation] : service->second) {
    auto seen = versions.find(name);
    if (expectation.deleted) {
      if (seen != versions.end()) return true;
    } else if (seen == versions.end()) {
      // A slice we created that the lister has never shown.
      if (expectation.replaced_version.empty() && !expectation.observed) return true;
    } else if (seen->second == expectation.replaced_version) {
      return true;
    }
  }
  return false;
}

void SliceTracker::DeleteService(const std::string& service_key) {
  absl::MutexLock lock(&mu_);
  expectations_.erase(service_key);
}

}  // namespace k1s::controllers::endpointslice
