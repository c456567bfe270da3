#pragma once
// Owners the garbage collector verified to be absent (a 404 or another uid at that name), so
// the dependents of one deleted owner do not each ask the apiserver again. A bounded LRU set
// (upstream keeps 500). Thread-safe.
#include <cstddef>
#include <list>
#include <map>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "controllers/garbage_collector/object_reference.h"

namespace k1s::controllers::gc {

class AbsentOwnerCache {
 public:
  explicit AbsentOwnerCache(size_t capacity = 500) : capacity_(capacity) {}

  void Add(const ObjectReference& owner);
  // True (and marks it recently used) when `owner` was recorded.
  bool Has(const ObjectReference& owner);

 private:
  const size_t capacity_;
  absl::Mutex mu_;
  std::list<ObjectReference> order_ ABSL_GUARDED_BY(mu_);  // most recent first
  std::map<ObjectReference, std::list<ObjectReference>::iterator> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace k1s::controllers::gc
