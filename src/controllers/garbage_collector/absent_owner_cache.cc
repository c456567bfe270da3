#include "controllers/garbage_collector/absent_owner_cache.h"

namespace k1s::controllers::gc {

void AbsentOwnerCache::Add(const ObjectReference& owner) {
  absl::MutexLock lock(&mu_);
  if (auto it = entries_.find(owner); it != entries_.end()) {
    order_.splice(order_.begin(), order_, it->second);
    return;
  }
  order_.push_front(owner);
  entries_[owner] = order_.begin();
  if (entries_.size() > capacity_) {
    entries_.erase(order_.back());
    order_.pop_back();
  }
}

bool AbsentOwnerCache::Has(const ObjectReference& owner) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(owner);
  if (it == entries_.end()) return false;
  order_.splice(order_.begin(), order_, it->second);
  return true;
}

}  // namespace k1s::controllers::gc
