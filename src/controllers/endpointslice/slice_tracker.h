#pragma once
// Remembers the EndpointSlice writes this controller made, as upstream's EndpointSliceTracker,
// so that (1) informer events caused by our own writes do not trigger another sync and (2) a
// sync never runs on a lister that has not yet seen our previous writes (that would create
// duplicate slices or undo changes). Upstream compares metadata.generation; our slices carry
// none, so this tracks resourceVersions: the one we wrote and the one it replaced.
//
// Thread-safe (informer handlers and workers use it).
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "client/informer.h"

namespace k1s::controllers::endpointslice {

class SliceTracker {
 public:
  // We created (`replaced_version` "") or updated a slice of `service_key`; `written` is what
  // the server stored.
  void Wrote(const std::string& service_key, const nlohmann::json& written,
             const std::string& replaced_version);
  // We deleted the slice `name` of `service_key`.
  void ExpectDeletion(const std::string& service_key, const std::string& name);
  // An add or update event: false when it shows our own last write.
  bool ShouldSync(const nlohmann::json& slice);
  // A delete event: false when we deleted it ourselves.
  bool HandleDeletion(const nlohmann::json& slice);
  // True when `slices` (the lister's view of the Service's slices) misses one of our writes.
  bool Stale(const std::string& service_key, const std::vector<client::ObjectPtr>& slices);
  void DeleteService(const std::string& service_key);

 private:
  struct Expectation {
    bool deleted = false;
    std::string written_version;
    std::string replaced_version;  // "" for a slice we created
    bool observed = false;         // an informer event showed written_version
  };
  absl::Mutex mu_;
  // service key -> slice name -> what we expect the lister to show.
  std::map<std::string, std::map<std::string, Expectation>> expectations_ ABSL_GUARDED_BY(mu_);
};

}  // namespace k1s::controllers::endpointslice
