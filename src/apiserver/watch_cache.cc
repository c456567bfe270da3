#include "apiserver/watch_cache.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_format.h"
#include "api/errors.h"
#include "base/logging.h"
#include "base/strings.h"
#include "base/thread_name.h"

namespace k1s::apiserver {
namespace {

constexpr std::string_view kRegistryPrefix = "/registry/";
constexpr std::string_view kRegistryEnd = "/registry0";  // '0' follows '/'

spdlog::logger& Log() {
  static const std::shared_ptr<spdlog::logger> logger = base::Logger("watch-cache");
  return *logger;
}

bool FieldsMatch(const api::FieldSelector& selector, const CachedObject& object) {
  return selector.Empty() || selector.Matches(object.fields);
}

}  // namespace

bool ObjectFilter::Matches(const CachedObject& object) const {
  if (!namespace_name.empty() && object.namespace_name != namespace_name) return false;
  if (!labels.Empty() && !labels.Matches(object.labels)) return false;
  return FieldsMatch(fields, object);
}

struct WatchCache::Watcher {
  uint64_t id = 0;
  ObjectFilter filter;
  Sink sink;
  WatchOptions options;
  int64_t min_revision = 0;  // events at or below were already covered
  std::chrono::steady_clock::time_point next_bookmark;
};

struct WatchCache::TypeState {
  api::ResourceType type;
  std::map<std::string, ObjectRef> objects;  // by key
  std::deque<CacheEvent> history;
  int64_t history_start = 0;  // every event after this revision is in `history`
  std::map<uint64_t, std::unique_ptr<Watcher>> watchers;
};

class WatchCache::RegistrationImpl : public WatchCache::Registration {
 public:
  RegistrationImpl(WatchCache* cache, TypeState* state, uint64_t id)
      : cache_(cache), state_(state), id_(id) {}
  ~RegistrationImpl() override { cache_->Unregister(state_, id_); }

 private:
  WatchCache* cache_;
  TypeState* state_;
  uint64_t id_;
};

WatchCache::WatchCache(Backend& backend, std::vector<api::ResourceType> types,
                       size_t history_per_type)
    : backend_(backend), history_per_type_(history_per_type) {
  for (api::ResourceType& type : types) {
    // Types that share storage (an API view of another kind) share one state.
    if (StateFor(type) != nullptr) continue;
    auto state = std::make_unique<TypeState>();
    state->type = std::move(type);
    states_.push_back(std::move(state));
  }
}

WatchCache::~WatchCache() { Stop(); }

WatchCache::TypeState* WatchCache::StateFor(const api::ResourceType& type) const {
  absl::ReaderMutexLock lock(&states_mu_);
  for (const auto& state : states_) {
    if (state->type.storage_prefix == type.storage_prefix) return state.get();
  }
  return nullptr;
}

WatchCache::TypeState* WatchCache::StateForKey(const std::string& key) const {
  absl::ReaderMutexLock lock(&states_mu_);
  for (const auto& state : states_) {
    if (key.compare(0, state->type.storage_prefix.size(), state->type.storage_prefix) == 0) {
      return state.get();
    }
  }
  return nullptr;
}

absl::Status WatchCache::Load() {
  RangeRequest request;
  request.key = std::string(kRegistryPrefix);
  request.range_end = std::string(kRegistryEnd);
  absl::StatusOr<RangeResponse> range = backend_.Range(request);
  if (!range.ok()) return range.status();
  for (auto& state : states_) {
    state->objects.clear();
    state->history.clear();
    state->history_start = range->revision;
  }
  for (KeyValue& kv : range->kvs) {
    TypeState* state = StateForKey(kv.key);
    if (state == nullptr) continue;
    absl::StatusOr<ObjectRef> object =
        MakeCachedObject(state->type, kv.key, kv.value, kv.mod_revision);
    if (!object.ok()) {
      Log().warn("skipping {}: {}", kv.key, object.status());
      continue;
    }
    state->objects.emplace(kv.key, *std::move(object));
  }
  revision_ = range->revision;
  WatchRequest watch;
  watch.key = std::string(kRegistryPrefix);
  watch.range_end = std::string(kRegistryEnd);
  watch.start_revision = range->revision + 1;
  absl::StatusOr<std::unique_ptr<WatchHandle>> handle = backend_.Watch(
      watch, [this](WatchResponse response) { OnDatastoreMessage(std::move(response)); });
  if (!handle.ok()) return handle.status();
  SetDatastoreWatch(std::shared_ptr<WatchHandle>(std::move(*handle)));
  return absl::OkStatus();
}

absl::Status WatchCache::AddType(const api::ResourceType& type) {
  absl::MutexLock lock(&mu_);
  if (StateFor(type) != nullptr) return absl::OkStatus();
  // Under mu_ no event applies, so objects read at revision_ plus the events after it are
  // exactly the type's history.
  RangeRequest request;
  request.key = type.storage_prefix;
  request.range_end = type.storage_prefix;
  request.range_end.back() = static_cast<char>(request.range_end.back() + 1);
  request.revision = revision_;
  absl::StatusOr<RangeResponse> range = backend_.Range(request);
  if (!range.ok()) return range.status();
  auto state = std::make_unique<TypeState>();
  state->type = type;
  state->history_start = revision_;
  for (KeyValue& kv : range->kvs) {
    absl::StatusOr<ObjectRef> object =
        MakeCachedObject(state->type, kv.key, kv.value, kv.mod_revision);
    if (object.ok()) state->objects.emplace(kv.key, *std::move(object));
  }
  absl::MutexLock states_lock(&states_mu_);
  states_.push_back(std::move(state));
  return absl::OkStatus();
}

absl::Status WatchCache::Start() {
  {
    absl::MutexLock lock(&mu_);
    if (absl::Status status = Load(); !status.ok()) {
      return absl::Status(status.code(), base::StrCat("load watch cache: ", status.message()));
    }
  }
  thread_ = std::thread([this] { Run(); });
  return absl::OkStatus();
}

void WatchCache::Stop() {
  {
    absl::MutexLock lock(&queue_mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  SetDatastoreWatch(nullptr);
  if (thread_.joinable()) thread_.join();
  {
    absl::MutexLock lock(&mu_);
    for (auto& state : states_) {
      for (auto& [id, watcher] : state->watchers) {
        watcher->sink(CacheEvent{EventType::kClose, revision_, nullptr, nullptr});
        retired_.push_back(std::move(watcher));
      }
      state->watchers.clear();
    }
    watchers_ = 0;
  }
  DestroyRetired();
}

void WatchCache::DestroyRetired() {
  std::vector<std::unique_ptr<Watcher>> retired;
  {
    absl::MutexLock lock(&mu_);
    retired.swap(retired_);
  }
}

std::shared_ptr<WatchHandle> WatchCache::DatastoreWatch() {
  absl::MutexLock lock(&handle_mu_);
  return datastore_watch_;
}

void WatchCache::SetDatastoreWatch(std::shared_ptr<WatchHandle> handle) {
  std::shared_ptr<WatchHandle> old;
  {
    absl::MutexLock lock(&handle_mu_);
    old = std::move(datastore_watch_);
    datastore_watch_ = std::move(handle);
  }
  old.reset();  // cancels the previous watch outside the lock
}

void WatchCache::OnDatastoreMessage(WatchResponse response) {
  absl::MutexLock lock(&queue_mu_);
  queue_.push_back(std::move(response));
}

void WatchCache::Run() {
  base::SetCurrentThreadName("watch-cache");
  while (true) {
    std::deque<WatchResponse> batch;
    {
      absl::MutexLock lock(&queue_mu_);
      auto ready = [this]() ABSL_SHARED_LOCKS_REQUIRED(queue_mu_) {
        return stopping_ || !queue_.empty();
      };
      queue_mu_.AwaitWithTimeout(absl::Condition(&ready), absl::Seconds(1));
      if (stopping_) return;
      batch.swap(queue_);
    }
    ApplyBatch(batch);
    DestroyRetired();
  }
}

void WatchCache::ApplyBatch(const std::deque<WatchResponse>& batch) {
  absl::MutexLock lock(&mu_);
  for (const WatchResponse& response : batch) {
    try {
      Apply(response);
    } catch (const std::exception& error) {
      // A stored value this cache cannot read must not take the process down.
      Log().error("watch cache: skipping a datastore message at revision {}: {}", response.revision,
                  error.what());
      revision_ = std::max(revision_, response.revision);
    }
  }
  {
    if (reload_needed_) {
      Log().warn("datastore watch ended unexpectedly; reloading and ending every watch");
      for (auto& state : states_) {
        for (auto& [id, watcher] : state->watchers) {
          watcher->sink(CacheEvent{EventType::kClose, revision_, nullptr, nullptr});
        }
        for (auto& [id, watcher] : state->watchers) retired_.push_back(std::move(watcher));
        state->watchers.clear();
      }
      watchers_ = 0;
      SetDatastoreWatch(nullptr);
      absl::Status status = Load();
      if (status.ok()) {
        reload_needed_ = false;
      } else {
        Log().error("reload watch cache: {}", status);
      }
    }
    Tick();
  }
}

void WatchCache::Apply(const WatchResponse& response) {
  if (response.canceled) {
    reload_needed_ = true;
    return;
  }
  for (const Event& event : response.events) {
    TypeState* state = StateForKey(event.kv.key);
    if (state == nullptr) continue;
    auto existing = state->objects.find(event.kv.key);
    ObjectRef prev = existing == state->objects.end() ? nullptr : existing->second;
    CacheEvent cache_event;
    cache_event.revision = event.kv.mod_revision;
    cache_event.prev = prev;
    if (event.type == Event::Type::kPut) {
      absl::StatusOr<ObjectRef> object =
          MakeCachedObject(state->type, event.kv.key, event.kv.value, event.kv.mod_revision);
      if (!object.ok()) {
        Log().warn("skipping {}: {}", event.kv.key, object.status());
        continue;
      }
      cache_event.type = prev == nullptr ? EventType::kAdded : EventType::kModified;
      cache_event.object = *object;
      state->objects[event.kv.key] = *std::move(object);
    } else {
      if (prev == nullptr) continue;
      // A DELETED event carries the last state at the delete's revision, as upstream sends it.
      nlohmann::json last = nlohmann::json::parse(prev->json);
      cache_event.type = EventType::kDeleted;
      cache_event.object = MakeCachedObject(state->type, event.kv.key, last, event.kv.mod_revision);
      state->objects.erase(existing);
    }
    state->history.push_back(cache_event);
    while (state->history.size() > history_per_type_) {
      state->history_start = state->history.front().revision;
      state->history.pop_front();
    }
    Deliver(*state, cache_event);
  }
  revision_ = std::max(revision_, response.revision);
}

namespace {

// What `watcher` sees of `event` after its filter: moving into the selection reads as ADDED,
// moving out as DELETED; nullopt when the event does not concern it.
std::optional<CacheEvent> Translate(const ObjectFilter& filter, const CacheEvent& event) {
  bool now = event.object != nullptr && filter.Matches(*event.object);
  bool before = event.prev != nullptr && filter.Matches(*event.prev);
  CacheEvent out = event;
  switch (event.type) {
    case EventType::kAdded:
      if (!now) return std::nullopt;
      return out;
    case EventType::kModified:
      if (now && before) return out;
      if (now) {
        out.type = EventType::kAdded;
        return out;
      }
      if (before) {
        out.type = EventType::kDeleted;
        return out;
      }
      return std::nullopt;
    case EventType::kDeleted:
      if (!now) return std::nullopt;
      return out;
    default:
      return out;
  }
}

}  // namespace

void WatchCache::Deliver(TypeState& state, const CacheEvent& event) {
  for (auto it = state.watchers.begin(); it != state.watchers.end();) {
    Watcher& watcher = *it->second;
    bool keep = true;
    if (event.revision > watcher.min_revision) {
      if (std::optional<CacheEvent> seen = Translate(watcher.filter, event)) {
        keep = watcher.sink(*seen);
      }
    }
    if (keep) {
      ++it;
    } else {
      retired_.push_back(std::move(it->second));
      it = state.watchers.erase(it);
      --watchers_;
    }
  }
}

void WatchCache::Tick() {
  auto now = std::chrono::steady_clock::now();
  for (auto& state : states_) {
    for (auto it = state->watchers.begin(); it != state->watchers.end();) {
      Watcher& watcher = *it->second;
      bool keep = true;
      if (now >= watcher.options.deadline) {
        watcher.sink(CacheEvent{EventType::kClose, revision_, nullptr, nullptr});
        keep = false;
      } else if (watcher.options.bookmarks && now >= watcher.next_bookmark) {
        watcher.next_bookmark = now + bookmark_interval_;
        keep = watcher.sink(CacheEvent{EventType::kBookmark, revision_, nullptr, nullptr});
      }
      if (keep) {
        ++it;
      } else {
        retired_.push_back(std::move(it->second));
        it = state->watchers.erase(it);
        --watchers_;
      }
    }
  }
}

int64_t WatchCache::revision() const {
  absl::MutexLock lock(&mu_);
  return revision_;
}

absl::Status WatchCache::WaitForRevision(int64_t revision, absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  auto caught_up = [this, revision]()
                       ABSL_SHARED_LOCKS_REQUIRED(mu_) { return revision_ >= revision; };
  absl::Duration slice = absl::Milliseconds(5);
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (mu_.AwaitWithTimeout(absl::Condition(&caught_up), slice)) return absl::OkStatus();
    }
    if (absl::Now() >= deadline) {
      return api::TimeoutError(absl::StrFormat("Too large resource version: %d, current: %d",
                                               revision, this->revision()));
    }
    // Writes outside /registry/ advance the datastore without sending us events: ask for a
    // progress notification so the cache learns the revision.
    {
      absl::MutexLock lock(&queue_mu_);
      if (stopping_) return absl::UnavailableError("watch cache stopped");
    }
    if (std::shared_ptr<WatchHandle> handle = DatastoreWatch()) handle->RequestProgress();
    slice = std::min(absl::Milliseconds(50), deadline - absl::Now());
  }
}

absl::StatusOr<int64_t> WatchCache::WaitUntilFresh(absl::Duration timeout) {
  int64_t current = backend_.CurrentRevision();
  if (absl::Status status = WaitForRevision(current, timeout); !status.ok()) return status;
  return current;
}

WatchCache::ListResult WatchCache::List(const api::ResourceType& type,
                                        const ObjectFilter& filter) const {
  ListResult result;
  TypeState* state = StateFor(type);
  absl::MutexLock lock(&mu_);
  result.revision = revision_;
  if (state == nullptr) return result;
  auto begin = state->objects.begin();
  auto end = state->objects.end();
  if (!filter.namespace_name.empty() && type.namespaced) {
    std::string prefix = NamespacePrefix(type, filter.namespace_name);
    begin = state->objects.lower_bound(prefix);
    std::string limit = prefix;
    limit.back() = static_cast<char>(limit.back() + 1);
    end = state->objects.lower_bound(limit);
  }
  for (auto it = begin; it != end; ++it) {
    if (filter.Matches(*it->second)) result.objects.push_back(it->second);
  }
  return result;
}

ObjectRef WatchCache::Get(const api::ResourceType& type, std::string_view namespace_name,
                          std::string_view name) const {
  TypeState* state = StateFor(type);
  if (state == nullptr) return nullptr;
  absl::MutexLock lock(&mu_);
  auto it = state->objects.find(ObjectKey(type, namespace_name, name));
  return it == state->objects.end() ? nullptr : it->second;
}

absl::StatusOr<std::unique_ptr<WatchCache::Registration>> WatchCache::Watch(
    const api::ResourceType& type, ObjectFilter filter, WatchOptions options, Sink sink) {
  TypeState* state = StateFor(type);
  if (state == nullptr) {
    return absl::InternalError(base::StrCat("no watch cache for ", type.plural));
  }
  absl::MutexLock lock(&mu_);
  if (!options.send_initial_state && options.after_revision < state->history_start) {
    return api::ExpiredError(absl::StrFormat("too old resource version: %d (%d)",
                                             options.after_revision, state->history_start));
  }
  auto watcher = std::make_unique<Watcher>();
  watcher->id = next_watcher_id_++;
  watcher->filter = std::move(filter);
  watcher->sink = std::move(sink);
  watcher->options = options;
  watcher->next_bookmark = std::chrono::steady_clock::now() + bookmark_interval_;
  bool alive = true;
  if (options.send_initial_state) {
    for (const auto& [key, object] : state->objects) {
      if (!alive) break;
      if (!watcher->filter.Matches(*object)) continue;
      alive = watcher->sink(CacheEvent{EventType::kAdded, object->revision, object, nullptr});
    }
    watcher->min_revision = revision_;
  } else {
    for (const CacheEvent& event : state->history) {
      if (!alive) break;
      if (event.revision <= options.after_revision) continue;
      if (std::optional<CacheEvent> seen = Translate(watcher->filter, event)) {
        alive = watcher->sink(*seen);
      }
    }
    watcher->min_revision = std::max(options.after_revision, revision_);
  }
  uint64_t id = watcher->id;
  if (alive) {
    state->watchers.emplace(id, std::move(watcher));
    ++watchers_;
  }
  return std::unique_ptr<Registration>(new RegistrationImpl(this, state, id));
}

void WatchCache::Unregister(TypeState* state, uint64_t id) {
  std::unique_ptr<Watcher> removed;  // destroyed after the lock is released
  {
    absl::MutexLock lock(&mu_);
    auto it = state->watchers.find(id);
    if (it == state->watchers.end()) return;
    removed = std::move(it->second);
    state->watchers.erase(it);
    --watchers_;
  }
}

int64_t WatchCache::watcher_count() const {
  absl::MutexLock lock(&mu_);
  return watchers_;
}

void WatchCache::set_bookmark_interval(std::chrono::milliseconds interval) {
  absl::MutexLock lock(&mu_);
  bookmark_interval_ = interval;
}

}  // namespace k1s::apiserver
