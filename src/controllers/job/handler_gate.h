#pragma once
// Informer handlers cannot be removed, and shared informers may outlive a controller. A
// controller's handlers therefore reach it through a HandlerGate they share: the controller
// closes the gate in its destructor, after which handlers do nothing. Handlers hold the gate's
// reader lock while they run (they only enqueue, so this is short); Close waits for them.
//
// Thread-safe.
#include <memory>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace k1s::controllers::job {

template <typename Target>
class HandlerGate {
 public:
  explicit HandlerGate(Target* target) : target_(target) {}

  // Runs fn(target) unless the gate is closed.
  template <typename Fn>
  void Run(Fn&& fn) {
    absl::ReaderMutexLock lock(&mu_);
    if (target_ != nullptr) std::forward<Fn>(fn)(*target_);
  }

  void Close() {
    absl::MutexLock lock(&mu_);
    target_ = nullptr;
  }

 private:
  absl::Mutex mu_;
  Target* target_ ABSL_GUARDED_BY(mu_);
};

}  // namespace k1s::controllers::job
