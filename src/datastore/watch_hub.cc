#include "datastore/watch_hub.h"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <utility>

#include "absl/strings/str_cat.h"

namespace k1s::datastore::internal {
namespace {

// At most this many revisions are handed to one watcher per pass, so one busy watcher cannot
// starve the others and responses stay a reasonable size.
constexpr int64_t kMaxRevisionsPerPass = 1000;
// History is read from SQLite in windows of this many revisions.
constexpr int64_t kHistoryWindow = 1000;

bool Wanted(const WatchRequest& request, const Event& event) {
  if (event.type == Event::Type::kPut && request.filter_put) return false;
  if (event.type == Event::Type::kDelete && request.filter_delete) return false;
  return true;
}

}  // namespace

struct WatchHub::Watcher {
  int64_t id = 0;
  WatchRequest request;
  KeyRange range;
  WatchCallback callback;
  // Guarded by the hub's mu_.
  int64_t next_revision = 0;
  bool progress_requested = false;
  int64_t cancel_compacted = 0;  // > 0: send a compacted cancel, then drop the watcher
  std::string cancel_reason;     // non-empty: send a cancel with this reason, then drop
  // Held while the callback runs; the handle's destructor takes it to wait out a delivery.
  std::mutex deliver_mu;
  std::atomic<bool> canceled{false};
};

class WatchHub::Handle : public WatchHandle {
 public:
  Handle(std::shared_ptr<WatchHub> hub, std::shared_ptr<Watcher> watcher)
      : hub_(std::move(hub)), watcher_(std::move(watcher)) {}
  ~Handle() override { hub_->Remove(watcher_); }
  void RequestProgress() override { hub_->RequestProgress(watcher_); }

 private:
  std::shared_ptr<WatchHub> hub_;
  std::shared_ptr<Watcher> watcher_;
};

WatchHub::WatchHub(int64_t published_revision, int64_t buffer_bytes, HistoryReader reader)
    : buffer_bytes_(buffer_bytes),
      reader_(std::move(reader)),
      published_(published_revision),
      ring_base_(published_revision) {}

WatchHub::~WatchHub() { Stop(); }

void WatchHub::Start() {
  thread_ = std::thread([this] { Run(); });
}

void WatchHub::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void WatchHub::Publish(std::vector<std::shared_ptr<const RevisionEvents>> revisions,
                       int64_t revision) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& entry : revisions) {
      if (entry->revision <= published_) continue;
      ring_bytes_ += entry->bytes;
      ring_.push_back(std::move(entry));
    }
    published_ = std::max(published_, revision);
    TrimLocked();
  }
  cv_.notify_all();
}

void WatchHub::TrimLocked() {
  // Revisions every watcher is past are not needed any more.
  int64_t needed = published_ + 1;
  for (const auto& [id, w] : watchers_) needed = std::min(needed, w->next_revision);
  // Beyond the budget, watchers still needing trimmed revisions read them back from SQLite.
  while (!ring_.empty() && (ring_.front()->revision < needed || ring_bytes_ > buffer_bytes_)) {
    ring_bytes_ -= ring_.front()->bytes;
    ring_base_ = ring_.front()->revision;
    ring_.pop_front();
  }
  if (ring_.empty()) ring_base_ = published_;
}

std::unique_ptr<WatchHandle> WatchHub::Add(const WatchRequest& request, WatchCallback callback,
                                           int64_t compact_revision) {
  auto watcher = std::make_shared<Watcher>();
  watcher->request = request;
  watcher->range = KeyRange::From(request.key, request.range_end);
  watcher->callback = std::move(callback);
  {
    std::lock_guard<std::mutex> lock(mu_);
    watcher->id = next_id_++;
    if (request.start_revision > 0 && request.start_revision < compact_revision) {
      watcher->cancel_compacted = compact_revision;
    }
    watcher->next_revision = request.start_revision > 0 ? request.start_revision : published_ + 1;
    watchers_[watcher->id] = watcher;
    if (request.prev_kv) prev_kv_watchers_.fetch_add(1);
  }
  cv_.notify_all();
  return std::make_unique<Handle>(shared_from_this(), std::move(watcher));
}

int64_t WatchHub::WatcherCount() {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int64_t>(watchers_.size());
}

void WatchHub::Remove(const std::shared_ptr<Watcher>& watcher) {
  bool on_fanout_thread;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (watchers_.erase(watcher->id) > 0 && watcher->request.prev_kv) {
      prev_kv_watchers_.fetch_sub(1);
    }
    on_fanout_thread = std::this_thread::get_id() == thread_id_;
  }
  watcher->canceled.store(true);
  // Wait out a delivery in progress, unless the handle is destroyed from inside a callback.
  if (!on_fanout_thread) {
    std::lock_guard<std::mutex> wait(watcher->deliver_mu);
  }
}

void WatchHub::RequestProgress(const std::shared_ptr<Watcher>& watcher) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    watcher->progress_requested = true;
  }
  cv_.notify_all();
}

void WatchHub::Deliver(Watcher& watcher, WatchResponse response) {
  std::lock_guard<std::mutex> lock(watcher.deliver_mu);
  if (watcher.canceled.load()) return;
  watcher.callback(std::move(response));
}

bool WatchHub::Serve(const std::shared_ptr<Watcher>& w, std::unique_lock<std::mutex>& lock) {
  if (w->cancel_compacted > 0 || !w->cancel_reason.empty()) {
    WatchResponse response;
    response.canceled = true;
    response.compact_revision = w->cancel_compacted;
    response.revision = published_;
    response.cancel_reason = w->cancel_compacted > 0
                                 ? "etcdserver: mvcc: required revision has been compacted"
                                 : w->cancel_reason;
    if (watchers_.erase(w->id) > 0 && w->request.prev_kv) prev_kv_watchers_.fetch_sub(1);
    lock.unlock();
    Deliver(*w, std::move(response));
    lock.lock();
    return true;
  }
  if (w->next_revision <= published_) {
    const int64_t from = w->next_revision;
    WatchResponse response;
    bool from_history = from <= ring_base_;
    int64_t to = std::min(ring_base_, from + kHistoryWindow - 1);
    auto it = std::lower_bound(ring_.begin(), ring_.end(), from,
                               [](const std::shared_ptr<const RevisionEvents>& e, int64_t rev) {
                                 return e->revision < rev;
                               });
    if (!from_history && w->request.prev_kv && it != ring_.end() && !(*it)->prev_values) {
      // The writer skipped loading old values (no prev_kv watcher then): read this revision
      // back from SQLite, where prev_kv can be found.
      from_history = true;
      to = (*it)->revision;
    }
    if (!from_history) {
      // Live: take whole revisions from the ring.
      std::vector<std::shared_ptr<const RevisionEvents>> taken;
      for (; it != ring_.end() && static_cast<int64_t>(taken.size()) < kMaxRevisionsPerPass; ++it) {
        if (w->request.prev_kv && !(*it)->prev_values) break;
        taken.push_back(*it);
      }
      const int64_t last = it == ring_.end() ? published_ : taken.back()->revision;
      w->next_revision = last + 1;
      lock.unlock();
      for (const auto& entry : taken) {
        for (const Event& event : entry->events) {
          if (!w->range.Contains(event.kv.key) || !Wanted(w->request, event)) continue;
          response.events.push_back(event);
          if (!w->request.prev_kv) response.events.back().prev_kv.reset();
        }
      }
      response.revision = last;
    } else {
      // Catching up: read a window of history from SQLite.
      lock.unlock();
      absl::StatusOr<History> history = reader_(w->range, w->request.prev_kv, from, to);
      lock.lock();
      if (!history.ok()) {
        w->cancel_reason =
            absl::StrCat("etcdserver: watch history read failed: ", history.status().message());
        return true;
      }
      if (history->compact_revision > from) {
        w->cancel_compacted = history->compact_revision;
        return true;
      }
      const int64_t covered = std::clamp(history->last_revision, from - 1, to);
      w->next_revision = covered + 1;
      lock.unlock();
      for (Event& event : history->events) {
        if (event.kv.mod_revision > covered) break;
        if (Wanted(w->request, event)) response.events.push_back(std::move(event));
      }
      response.revision = covered;
    }
    if (!response.events.empty()) Deliver(*w, std::move(response));
    lock.lock();
    return true;
  }
  if (w->progress_requested) {
    w->progress_requested = false;
    WatchResponse response;
    response.revision = published_;
    lock.unlock();
    Deliver(*w, std::move(response));
    lock.lock();
    return true;
  }
  return false;
}

void WatchHub::Run() {
  pthread_setname_np(pthread_self(), "k1s-ds-watch");
  std::unique_lock<std::mutex> lock(mu_);
  thread_id_ = std::this_thread::get_id();
  while (!stopping_) {
    bool worked = false;
    std::vector<std::shared_ptr<Watcher>> snapshot;
    snapshot.reserve(watchers_.size());
    for (const auto& [id, w] : watchers_) snapshot.push_back(w);
    for (const auto& w : snapshot) {
      if (stopping_) break;
      if (watchers_.count(w->id) == 0) continue;  // removed meanwhile
      if (Serve(w, lock)) worked = true;
    }
    TrimLocked();
    if (!worked && !stopping_) cv_.wait(lock);
  }
}

}  // namespace k1s::datastore::internal
