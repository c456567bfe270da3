#pragma once
// The binder's own view of volumes or claims: the newest version of each object it has seen,
// from informer events or from its own writes. Binding writes four objects in sequence (volume
// spec, volume status, claim spec, claim status); keeping the versions it wrote lets the next
// sync see them before the informer catches up, instead of redoing them and failing with
// conflicts. Optional indexes (like the informer's) find volumes by class or by claim.
//
// Thread-safe.
#include <functional>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "client/informer.h"

namespace k1s::controllers::pv {

class VersionedCache {
 public:
  // One index: the values an object is filed under.
  void AddIndex(std::string name, client::IndexFunc func);

  // Stores `object` unless the cached version is newer; false means `object` is older than
  // what is cached (the same version passes, so periodic resyncs are processed).
  bool Store(const client::ObjectPtr& object);
  void Erase(const std::string& key);
  client::ObjectPtr Get(std::string_view key) const;
  std::vector<client::ObjectPtr> ByIndex(std::string_view index, std::string_view value) const;

 private:
  void Index(const std::string& key, const nlohmann::json& object, bool add)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  struct IndexData {
    client::IndexFunc func;
    std::unordered_map<std::string, std::set<std::string>> keys_by_value;
  };
  mutable absl::Mutex mu_;
  std::unordered_map<std::string, client::ObjectPtr> objects_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, IndexData, std::less<>> indexes_ ABSL_GUARDED_BY(mu_);
};

}  // namespace k1s::controllers::pv
