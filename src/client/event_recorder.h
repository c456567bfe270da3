#pragma once
// Events as upstream's client-go record package writes them (core/v1 Events): a recorder per
// component (source.component "deployment-controller", "default-scheduler", "kubelet" with
// source.host), events named "<object>.<hex nanos>", and its correlator: a repeat of an identical
// event (same object, type, reason, message and source) still in the cache becomes a PATCH of
// count and lastTimestamp instead of a new object; more than 10 similar events (differing only in
// message) within 10 minutes are combined into one "(combined from similar events): ..." Event.
// A per-object token bucket (burst 25, one more every 5 minutes) drops floods, as upstream's spam
// filter does.
//
// Recording never blocks the caller: events go to the broadcaster's queue and one background
// thread writes them; a full queue (1000) drops the newest. Thread-safe.
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "client/client.h"

namespace k1s::client {

inline constexpr std::string_view kEventNormal = "Normal";
inline constexpr std::string_view kEventWarning = "Warning";

class EventRecorder {
 public:
  virtual ~EventRecorder() = default;
  // Records an event about `object` (any object with apiVersion, kind and metadata; a partial
  // object is fine as long as those are set). `type` is kEventNormal or kEventWarning.
  virtual void Event(const nlohmann::json& object, std::string_view type, std::string_view reason,
                     std::string_view message) = 0;
};

class EventBroadcaster {
 public:
  // Writes through `client` (it needs create/patch on events in every namespace).
  EventBroadcaster(Client client, base::Clock& clock);
  ~EventBroadcaster();  // stops the writer thread after flushing what is queued (1 s at most)

  // A recorder for `component` (and `host`, the node name for node components; "" otherwise).
  // The recorder may be used after the broadcaster is gone: its events are then dropped.
  std::shared_ptr<EventRecorder> NewRecorder(std::string component, std::string host = "");
  // Waits until every event queued so far has been written (tests).
  void Flush();

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace k1s::client
