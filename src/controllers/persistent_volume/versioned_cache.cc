#include "controllers/persistent_volume/versioned_cache.h"

#include <charconv>
#include <nlohmann/json.hpp>
#include <optional>

namespace k1s::controllers::pv {

namespace {

std::optional<int64_t> VersionOf(const nlohmann::json& object) {
  auto metadata = object.find("metadata");
  if (metadata == object.end() || !metadata->is_object()) return std::nullopt;
  auto version = metadata->find("resourceVersion");
  if (version == metadata->end() || !version->is_string()) return std::nullopt;
  const std::string& text = version->get_ref<const std::string&>();
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

void VersionedCache::AddIndex(std::string name, client::IndexFunc func) {
  absl::MutexLock lock(&mu_);
  IndexData& index = indexes_[name];
  index.func = std::move(func);
  index.keys_by_value.clear();
  for (const auto& [key, object] : objects_) {
    for (const std::string& value : index.func(*object)) index.keys_by_value[value].insert(key);
  }
}

bool VersionedCache::Store(const client::ObjectPtr& object) {
  if (object == nullptr) return false;
  std::string key = client::ObjectKey(*object);
  absl::MutexLock lock(&mu_);
  auto it = objects_.find(key);
  if (it != objects_.end()) {
    std::optional<int64_t> cached = VersionOf(*it->second);
    std::optional<int64_t> incoming = VersionOf(*object);
    if (cached && incoming && *cached > *incoming) return false;
    Index(key, *it->second, /*add=*/false);
  }
  objects_[key] = object;
  Index(key, *object, /*add=*/true);
  return true;
}

void VersionedCache::Erase(const std::string& key) {
  absl::MutexLock lock(&mu_);
  auto it = objects_.find(key);
  if (it == objects_.end()) return;
  Index(key, *it->second, /*add=*/false);
  objects_.erase(it);
}

client::ObjectPtr VersionedCache::Get(std::string_view key) const {
  absl::MutexLock lock(&mu_);
  auto it = objects_.find(std::string(key));
  return it == objects_.end() ? nullptr : it->second;
}

std::vector<client::ObjectPtr> VersionedCache::ByIndex(std::string_view index,
                                                       std::string_view value) const {
  std::vector<client::ObjectPtr> result;
  absl::MutexLock lock(&mu_);
  auto found = indexes_.find(index);
  if (found == indexes_.end()) return result;
  auto keys = found->second.keys_by_value.find(std::string(value));
  if (keys == found->second.keys_by_value.end()) return result;
  for (const std::string& key : keys->second) {
    auto it = objects_.find(key);
    if (it != objects_.end()) result.push_back(it->second);
  }
  return result;
}

void VersionedCache::Index(const std::string& key, const nlohmann::json& object, bool add) {
  for (auto& [name, index] : indexes_) {
    for (const std::string& value : index.func(object)) {
      if (add) {
        index.keys_by_value[value].insert(key);
        continue;
      }
      auto it = index.keys_by_value.find(value);
      if (it == index.keys_by_value.end()) continue;
      it->second.erase(key);
      if (it->second.empty()) index.keys_by_value.erase(it);
    }
  }
}

}  // namespace k1s::controllers::pv
