#include "client/event_recorder.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <list>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>
#include <unordered_map>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "api/errors.h"
#include "api/timestamps.h"
#include "base/logging.h"
#include "base/strings.h"
#include "base/thread_name.h"
#include "client/resource.h"

namespace k1s::client {
namespace {

using json = nlohmann::json;

// Upstream's correlator defaults (client-go tools/record/events_cache.go).
constexpr size_t kCacheEntries = 4096;
constexpr size_t kAggregateMaxEvents = 10;
constexpr int64_t kAggregateIntervalNanos = 600 * base::kNanosPerSecond;
constexpr double kSpamBurst = 25;
constexpr double kSpamRefillSeconds = 300;  // one more event every 5 minutes
constexpr char kCombinedPrefix[] = "(combined from similar events): ";
// Upstream's event sink: queue length, tries per event and the pause between them.
constexpr size_t kMaxQueuedEvents = 1000;
constexpr int32_t kMaxTriesPerEvent = 12;
constexpr auto kRetrySleep = std::chrono::seconds(10);
constexpr auto kShutdownDrain = std::chrono::seconds(1);

std::string Str(const json& object, const char* key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

const json& Child(const json& object, const char* key) {
  static const json kEmpty = json::object();
  if (!object.is_object()) return kEmpty;
  auto it = object.find(key);
  return it != object.end() && it->is_object() ? *it : kEmpty;
}

// Joins cache-key parts with a separator no field contains.
template <typename... Parts>
std::string Key(const Parts&... parts) {
  std::string key;
  ((key.append(parts), key.push_back('\x1f')), ...);
  return key;
}

// The object reference an Event points at: from an object's apiVersion, kind and metadata, or
// from an ObjectReference (which may carry a fieldPath such as "spec.containers{app}").
json Reference(const json& object) {
  json ref = json::object();
  auto set = [&ref](const char* key, std::string value) {
    if (!value.empty()) ref[key] = std::move(value);
  };
  set("kind", Str(object, "kind"));
  const json& metadata = Child(object, "metadata");
  if (object.is_object() && object.contains("metadata")) {
    set("namespace", Str(metadata, "namespace"));
    set("name", Str(metadata, "name"));
    set("uid", Str(metadata, "uid"));
    set("apiVersion", Str(object, "apiVersion"));
    set("resourceVersion", Str(metadata, "resourceVersion"));
  } else {
    set("namespace", Str(object, "namespace"));
    set("name", Str(object, "name"));
    set("uid", Str(object, "uid"));
    set("apiVersion", Str(object, "apiVersion"));
    set("resourceVersion", Str(object, "resourceVersion"));
    set("fieldPath", Str(object, "fieldPath"));
  }
  return ref;
}

std::string EventName(const std::string& object_name, int64_t unix_nanos) {
  // Names must not collide when two events share a nanosecond or the clock stands still (a
  // test's fake clock): the stamp only moves forward within the process.
  static std::atomic<int64_t> last_stamp{0};
  int64_t previous = last_stamp.load();
  int64_t stamp = 0;
  do {
    stamp = std::max(unix_nanos, previous + 1);
  } while (!last_stamp.compare_exchange_weak(previous, stamp));
  return absl::StrCat(object_name, ".", absl::Hex(static_cast<uint64_t>(stamp)));
}

std::string SecondsTimestamp(int64_t unix_nanos) {
  int64_t seconds = unix_nanos / base::kNanosPerSecond;
  if (unix_nanos < 0 && unix_nanos % base::kNanosPerSecond != 0) --seconds;
  return api::FormatTimestamp(seconds);
}

// A least-recently-used map of bounded size (upstream keeps every correlator cache this way).
template <typename Value>
class LruCache {
 public:
  explicit LruCache(size_t capacity) : capacity_(capacity) {}

  Value* Find(const std::string& key) {
    auto it = index_.find(key);
    if (it == index_.end()) return nullptr;
    entries_.splice(entries_.begin(), entries_, it->second);
    return &it->second->second;
  }

  // The entry for `key`, created with Value{} when missing.
  Value& Get(const std::string& key) {
    if (Value* found = Find(key)) return *found;
    entries_.emplace_front(key, Value{});
    index_[key] = entries_.begin();
    if (entries_.size() > capacity_) {
      index_.erase(entries_.back().first);
      entries_.pop_back();
    }
    return entries_.front().second;
  }

 private:
  const size_t capacity_;
  std::list<std::pair<std::string, Value>> entries_;
  std::unordered_map<std::string, typename std::list<std::pair<std::string, Value>>::iterator>
      index_;
};

// A token bucket that starts full.
struct TokenBucket {
  double tokens = kSpamBurst;
  int64_t last_monotonic = -1;

  bool TryAccept(int64_t now_monotonic) {
    if (last_monotonic >= 0 && now_monotonic > last_monotonic) {
      const double elapsed =
          static_cast<double>(now_monotonic - last_monotonic) / base::kNanosPerSecond;
      tokens = std::min(kSpamBurst, tokens + elapsed / kSpamRefillSeconds);
    }
    last_monotonic = now_monotonic;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  }
};

// Similar events (all but the message equal) seen within the aggregation interval.
struct AggregateRecord {
  std::set<std::string> messages;
  int64_t last_unix_nanos = 0;
  bool seen = false;
};

// The last write of an event, to turn a repeat into a count patch.
struct EventLog {
  int32_t count = 0;
  std::string first_timestamp;
  std::string name;
  std::string resource_version;
};

// What to write for one recorded event.
struct Correlation {
  json event;
  std::string patch;  // a strategic merge patch when count > 1
  std::string key;    // where the written result is remembered
  bool skip = false;
};

// Upstream's EventCorrelator: aggregation of similar events, counting of identical ones and the
// per-object spam filter. Used by the writer thread only.
class EventCorrelator {
 public:
  explicit EventCorrelator(base::Clock& clock)
      : clock_(clock), aggregates_(kCacheEntries), logs_(kCacheEntries), spam_(kCacheEntries) {}

  Correlation Correlate(json event) {
    const json& ref = Child(event, "involvedObject");
    const json& source = Child(event, "source");
    const std::string component = Str(source, "component");
    const std::string host = Str(source, "host");
    const std::string kind = Str(ref, "kind");
    const std::string ref_namespace = Str(ref, "namespace");
    const std::string name = Str(ref, "name");
    const std::string uid = Str(ref, "uid");
    const std::string api_version = Str(ref, "apiVersion");
    const std::string type = Str(event, "type");
    const std::string reason = Str(event, "reason");
    const std::string message = Str(event, "message");

    Correlation result;
    result.key = Key(component, host, kind, ref_namespace, name, Str(ref, "fieldPath"), uid,
                     api_version, type, reason, message);

    // 1. Ten different messages of otherwise equal events within ten minutes: one combined
    // Event, keyed by what they share, whose message is the latest.
    const int64_t now = clock_.NowUnixNanos();
    const std::string aggregate_key =
        Key(component, host, kind, ref_namespace, name, uid, api_version, type, reason,
            Str(event, "reportingComponent"), Str(event, "reportingInstance"));
    AggregateRecord& aggregate = aggregates_.Get(aggregate_key);
    if (!aggregate.seen || now - aggregate.last_unix_nanos > kAggregateIntervalNanos) {
      aggregate = AggregateRecord{};
      aggregate.seen = true;
    }
    aggregate.messages.insert(message);
    aggregate.last_unix_nanos = now;
    if (aggregate.messages.size() >= kAggregateMaxEvents) {
      aggregate.messages.erase(aggregate.messages.begin());
      const std::string timestamp = SecondsTimestamp(now);
      event["metadata"] = {{"name", EventName(name, now)},
                           {"namespace", Str(Child(event, "metadata"), "namespace")}};
      event["message"] = base::StrCat(kCombinedPrefix, message);
      event["count"] = 1;
      event["firstTimestamp"] = timestamp;
      event["lastTimestamp"] = timestamp;
      result.key = aggregate_key;
    }

    // 2. A repeat of an event already written becomes a patch of that Event.
    EventLog& log = logs_.Get(result.key);
    if (log.count > 0) {
      event["metadata"]["name"] = log.name;
      if (!log.resource_version.empty()) {
        event["metadata"]["resourceVersion"] = log.resource_version;
      }
      event["firstTimestamp"] = log.first_timestamp;
      event["count"] = log.count + 1;
      json patch = {{"count", log.count + 1}, {"lastTimestamp", event["lastTimestamp"]}};
      const std::string patched_message = Str(event, "message");
      if (!patched_message.empty()) patch["message"] = patched_message;
      result.patch = patch.dump();
    }
    log.count = event.value("count", 1);
    log.first_timestamp = Str(event, "firstTimestamp");
    log.name = Str(Child(event, "metadata"), "name");
    log.resource_version = Str(Child(event, "metadata"), "resourceVersion");

    // 3. A source may burst 25 events about an object, then one every 5 minutes. As upstream,
    // the count above still grows for a dropped event, so the next written one tells the truth.
    TokenBucket& bucket =
        spam_.Get(Key(component, host, kind, ref_namespace, name, uid, api_version));
    result.skip = !bucket.TryAccept(clock_.MonotonicNanos());
    result.event = std::move(event);
    return result;
  }

  // Remembers the server's copy (its name, count and resourceVersion) after a write.
  void Written(const std::string& key, const json& event) {
    EventLog& log = logs_.Get(key);
    log.count = event.value("count", 1);
    log.first_timestamp = Str(event, "firstTimestamp");
    log.name = Str(Child(event, "metadata"), "name");
    log.resource_version = Str(Child(event, "metadata"), "resourceVersion");
  }

 private:
  base::Clock& clock_;
  LruCache<AggregateRecord> aggregates_;
  LruCache<EventLog> logs_;
  LruCache<TokenBucket> spam_;
};

// The queue and its writer thread. Recorders hold it weakly, so they outlive it harmlessly.
class EventWriter {
 public:
  EventWriter(Client client, base::Clock& clock)
      : client_(std::move(client)),
        clock_(clock),
        log_(base::Logger("events")),
        correlator_(clock),
        random_(std::random_device{}()) {
    thread_ = std::thread([this] { Run(); });
  }

  ~EventWriter() { Shutdown(); }

  // Builds the Event as the recorder sees it now and queues it.
  void Record(const std::string& component, const std::string& host, const json& object,
              std::string_view type, std::string_view reason, std::string_view message) {
    if (type != kEventNormal && type != kEventWarning) {
      log_->error("unsupported event type '{}' (reason {}), event dropped", type, reason);
      return;
    }
    json ref = Reference(object);
    const std::string name = Str(ref, "name");
    if (name.empty() || Str(ref, "kind").empty()) {
      log_->error("event {} about an object without kind or name dropped", reason);
      return;
    }
    const int64_t now = clock_.NowUnixNanos();
    const std::string timestamp = SecondsTimestamp(now);
    std::string event_namespace = Str(ref, "namespace");
    if (event_namespace.empty()) event_namespace = "default";
    json source = {{"component", component}};
    if (!host.empty()) source["host"] = host;
    json event = {{"apiVersion", "v1"},
                  {"kind", "Event"},
                  {"metadata", {{"name", EventName(name, now)}, {"namespace", event_namespace}}},
                  {"involvedObject", std::move(ref)},
                  {"reason", std::string(reason)},
                  {"message", std::string(message)},
                  {"source", std::move(source)},
                  {"firstTimestamp", timestamp},
                  {"lastTimestamp", timestamp},
                  {"count", 1},
                  {"type", std::string(type)},
                  {"reportingComponent", component},
                  {"reportingInstance", host}};
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
    if (queue_.size() >= kMaxQueuedEvents) {
      ++dropped_;
      if (dropped_ == 1 || dropped_ % 100 == 0) {
        log_->error("too many queued events, dropped event {} ({} dropped so far)", reason,
                    dropped_);
      }
      return;
    }
    queue_.push_back(std::move(event));
    ++queued_;
  }

  void Flush() {
    absl::MutexLock lock(&mu_);
    const int64_t target = queued_;
    auto done = [this, target]()
                    ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return handled_ >= target || finished_; };
    mu_.Await(absl::Condition(&done));
  }

  void Shutdown() {
    {
      absl::MutexLock lock(&mu_);
      if (!stopping_) {
        stopping_ = true;
        drain_deadline_ = std::chrono::steady_clock::now() + kShutdownDrain;
      }
    }
    std::lock_guard<std::mutex> join_lock(join_mu_);
    if (thread_.joinable()) thread_.join();
  }

 private:
  void Run() {
    base::SetCurrentThreadName("event-writer");
    while (true) {
      json event;
      {
        absl::MutexLock lock(&mu_);
        auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
          return !queue_.empty() || stopping_;
        };
        mu_.Await(absl::Condition(&ready));
        if (queue_.empty() || (stopping_ && std::chrono::steady_clock::now() >= drain_deadline_)) {
          if (!queue_.empty()) {
            log_->warn("shutting down: {} queued events not written", queue_.size());
          }
          handled_ += static_cast<int64_t>(queue_.size());
          queue_.clear();
          finished_ = true;
          return;
        }
        event = std::move(queue_.front());
        queue_.pop_front();
      }
      Write(std::move(event));
      absl::MutexLock lock(&mu_);
      ++handled_;
    }
  }

  // Upstream's recordToSink: correlate, then create or patch, retrying only when the server
  // could not be reached.
  void Write(json event) {
    Correlation correlation = correlator_.Correlate(std::move(event));
    if (correlation.skip) return;
    json& out = correlation.event;
    const json& metadata = Child(out, "metadata");
    const std::string event_namespace = Str(metadata, "namespace");
    const std::string name = Str(metadata, "name");
    for (int32_t tries = 1;; ++tries) {
      absl::StatusOr<json> written = absl::UnknownError("not written");
      const bool update = out.value("count", 1) > 1;
      if (update) {
        written = client_.Patch(resources::Events(), event_namespace, name,
                                PatchType::kStrategicMerge, correlation.patch);
      }
      if (!update || api::IsNotFound(written.status())) {
        // The first of its kind, or the Event it counts was deleted (events expire).
        out["metadata"].erase("resourceVersion");
        written = client_.Create(resources::Events(), event_namespace, out);
      }
      if (written.ok()) {
        correlator_.Written(correlation.key, *written);
        return;
      }
      const absl::Status& status = written.status();
      if (!api::ErrorReason(status).empty() || !absl::IsUnavailable(status)) {
        // The server answered: retrying the same write would get the same answer.
        if (api::IsAlreadyExists(status)) {
          log_->debug("event {}/{} rejected: {}", event_namespace, name, status.message());
        } else {
          log_->error("event {}/{} rejected (will not retry): {}", event_namespace, name,
                      status.message());
        }
        return;
      }
      if (tries >= kMaxTriesPerEvent) {
        log_->error("unable to write event {}/{} (retry limit exceeded): {}", event_namespace, name,
                    status.message());
        return;
      }
      log_->warn("unable to write event {}/{} (will retry): {}", event_namespace, name,
                 status.message());
      // The first pause is random so that many clients do not all retry at once.
      auto delay = std::chrono::duration_cast<std::chrono::milliseconds>(kRetrySleep);
      if (tries == 1) {
        delay = std::chrono::milliseconds(static_cast<int64_t>(
            std::uniform_real_distribution<double>(0, 1)(random_) * delay.count()));
      }
      absl::MutexLock lock(&mu_);
      if (mu_.AwaitWithTimeout(absl::Condition(&stopping_), absl::FromChrono(delay))) {
        log_->error("unable to write event {}/{} (shutting down)", event_namespace, name);
        return;
      }
    }
  }

  Client client_;
  base::Clock& clock_;
  std::shared_ptr<spdlog::logger> log_;
  EventCorrelator correlator_;  // writer thread only
  std::mt19937 random_;         // writer thread only

  absl::Mutex mu_;
  std::deque<json> queue_ ABSL_GUARDED_BY(mu_);
  int64_t queued_ ABSL_GUARDED_BY(mu_) = 0;   // events ever queued
  int64_t handled_ ABSL_GUARDED_BY(mu_) = 0;  // of those, written or given up
  int64_t dropped_ ABSL_GUARDED_BY(mu_) = 0;  // refused because the queue was full
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  std::chrono::steady_clock::time_point drain_deadline_ ABSL_GUARDED_BY(mu_){};
  std::mutex join_mu_;
  std::thread thread_;
};

class Recorder : public EventRecorder {
 public:
  Recorder(std::weak_ptr<EventWriter> broadcaster, std::string component, std::string host)
      : broadcaster_(std::move(broadcaster)),
        component_(std::move(component)),
        host_(std::move(host)) {}

  void Event(const json& object, std::string_view type, std::string_view reason,
             std::string_view message) override {
    if (std::shared_ptr<EventWriter> broadcaster = broadcaster_.lock()) {
      broadcaster->Record(component_, host_, object, type, reason, message);
    }
  }

 private:
  const std::weak_ptr<EventWriter> broadcaster_;
  const std::string component_;
  const std::string host_;
};

}  // namespace

class EventBroadcaster::Impl : public EventWriter {
 public:
  using EventWriter::EventWriter;
};

EventBroadcaster::EventBroadcaster(Client client, base::Clock& clock)
    : impl_(std::make_shared<Impl>(std::move(client), clock)) {}

EventBroadcaster::~EventBroadcaster() { impl_->Shutdown(); }

std::shared_ptr<EventRecorder> EventBroadcaster::NewRecorder(std::string component,
                                                             std::string host) {
  return std::make_shared<Recorder>(impl_, std::move(component), std::move(host));
}

void EventBroadcaster::Flush() { impl_->Flush(); }

}  // namespace k1s::client
