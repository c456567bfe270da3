// Watch: one bidi stream carries many watches. Requests (create, cancel, progress) are handled
// one at a time on the worker pool; Backend callbacks (fan-out thread) turn into queued responses.
//
// Locks: handles_mu_ serializes everything that touches WatchHandles (create, cancel, progress
// requests, teardown) and may be held while calling into the Backend, including a handle's
// destructor, which waits for a running callback. mu_ guards the per-watch state that callbacks
// read; it is never held while calling into the Backend or gRPC. Order: handles_mu_ -> mu_.

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "datastore/etcd/convert.h"
#include "datastore/etcd/queued_reactor.h"
#include "datastore/etcd/services.h"

namespace k1s::datastore::etcd {

// Events are split across responses above this size, well below gRPC's 4 MiB default.
constexpr size_t kMaxWatchMessageBytes = 1024 * 1024;

class WatchStream final
    : public QueuedBidiReactor<etcdserverpb::WatchRequest, etcdserverpb::WatchResponse>,
      public std::enable_shared_from_this<WatchStream> {
 public:
  WatchStream(ServiceContext& ctx, WatchService& service)
      : QueuedBidiReactor(ctx.max_stream_queue_bytes), ctx_(ctx), service_(service) {}

  void Start() {
    self_ = shared_from_this();
    service_.Register(self_);
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      Close(grpc::Status::OK);
      return;
    }
    // Handle it on the pool, then read the next one: requests stay in order.
    ctx_.pool.Submit([self = shared_from_this()] {
      self->Handle(self->request_);
      self->StartRead(&self->request_);
    });
  }

  void OnDone() override {
    service_.Unregister(this);
    std::map<int64_t, std::unique_ptr<WatchHandle>> handles;
    {
      absl::MutexLock hl(&handles_mu_);
      {
        absl::MutexLock lock(&mu_);
        done_ = true;
        watches_.clear();
      }
      handles.swap(handles_);
      handles.clear();  // cancels the watches; no callback runs afterwards
    }
    self_.reset();
  }

  // progress_notify: see WatchService::Tick.
  void Tick() {
    absl::MutexLock hl(&handles_mu_);
    std::vector<int64_t> ids;
    {
      absl::MutexLock lock(&mu_);
      if (done_) return;
      for (auto& [id, watch] : watches_) {
        if (!watch.progress_notify) continue;
        if (!watch.had_events && !watch.pending_notify) {
          watch.pending_notify = true;
          ids.push_back(id);
        }
        watch.had_events = false;
      }
    }
    for (int64_t id : ids) {
      auto it = handles_.find(id);
      if (it != handles_.end()) it->second->RequestProgress();
    }
  }

 private:
  struct WatchState {
    bool progress_notify = false;
    bool had_events = false;      // since the last progress_notify tick
    bool pending_notify = false;  // a tick asked the Backend for progress
    bool pending_all = false;     // a stream-wide progress request waits for this watch
  };

  void Handle(const etcdserverpb::WatchRequest& request) {
    switch (request.request_union_case()) {
      case etcdserverpb::WatchRequest::kCreateRequest:
        Create(request.create_request());
        break;
      case etcdserverpb::WatchRequest::kCancelRequest:
        Cancel(request.cancel_request().watch_id());
        break;
      case etcdserverpb::WatchRequest::kProgressRequest:
        RequestProgressAll();
        break;
      default:
        break;
    }
  }

  void Create(const etcdserverpb::WatchCreateRequest& create) {
    const int64_t revision = ctx_.backend.CurrentRevision();
    absl::MutexLock hl(&handles_mu_);
    ReapDeadHandles();
    int64_t id = create.watch_id();
    bool duplicate = false;
    {
      absl::MutexLock lock(&mu_);
      if (id != 0) {
        duplicate = watches_.count(id) > 0 || handles_.count(id) > 0;
      } else {
        // etcd numbers watches per stream from 0, skipping ids the client chose.
        while (watches_.count(next_id_) > 0 || handles_.count(next_id_) > 0) ++next_id_;
        id = next_id_++;
      }
      if (!duplicate) watches_[id].progress_notify = create.progress_notify();
    }
    etcdserverpb::WatchResponse created;
    ctx_.FillHeader(revision, created.mutable_header());
    created.set_created(true);
    if (duplicate) {
      created.set_watch_id(-1);
      created.set_canceled(true);
      created.set_cancel_reason("mvcc: duplicate watch ID provided on the WatchStream");
      Send(std::move(created));
      return;
    }
    created.set_watch_id(id);
    // Sent before the Backend can deliver anything for this watch.
    Send(std::move(created));
    absl::StatusOr<std::unique_ptr<WatchHandle>> handle = ctx_.backend.Watch(
        FromProto(create),
        [this, id](WatchResponse response) { Deliver(id, std::move(response)); });
    if (!handle.ok()) {
      bool present;
      {
        absl::MutexLock lock(&mu_);
        present = watches_.erase(id) > 0;
      }
      if (present) {
        etcdserverpb::WatchResponse canceled;
        ctx_.FillHeader(revision, canceled.mutable_header());
        canceled.set_watch_id(id);
        canceled.set_canceled(true);
        canceled.set_cancel_reason(std::string(handle.status().message()));
        Send(std::move(canceled));
      }
      return;
    }
    handles_[id] = *std::move(handle);
    // A watch the Backend canceled during creation (compacted start) is reaped next time.
  }

  void Cancel(int64_t id) {
    absl::MutexLock hl(&handles_mu_);
    ReapDeadHandles();
    auto it = handles_.find(id);
    if (it == handles_.end()) return;  // etcd answers nothing for an unknown id
    std::unique_ptr<WatchHandle> handle = std::move(it->second);
    handles_.erase(it);
    bool present;
    {
      absl::MutexLock lock(&mu_);
      present = watches_.erase(id) > 0;
      if (present) FinishProgressWaitLocked(id, std::nullopt);
    }
    handle.reset();        // no more events for it after this
    if (!present) return;  // the Backend had already canceled it and said so
    etcdserverpb::WatchResponse canceled;
    ctx_.FillHeader(ctx_.backend.CurrentRevision(), canceled.mutable_header());
    canceled.set_watch_id(id);
    canceled.set_canceled(true);
    Send(std::move(canceled));
    SendPendingProgress();
  }

  // A stream-wide progress request: answered with watch_id -1 once every watch on the stream has
  // confirmed that it delivered everything up to a revision; the answer carries the lowest.
  void RequestProgressAll() {
    absl::MutexLock hl(&handles_mu_);
    ReapDeadHandles();
    std::vector<int64_t> ids;
    {
      absl::MutexLock lock(&mu_);
      ++progress_all_requests_;
      if (!progress_all_waiting_.empty()) return;  // the running round answers this one too
      for (auto& [id, watch] : watches_) {
        watch.pending_all = true;
        progress_all_waiting_.insert(id);
        ids.push_back(id);
      }
      progress_all_revision_ = std::numeric_limits<int64_t>::max();
    }
    if (ids.empty()) {
      {
        absl::MutexLock lock(&mu_);
        progress_all_revision_ = ctx_.backend.CurrentRevision();
      }
      SendPendingProgress();
      return;
    }
    for (int64_t id : ids) {
      auto it = handles_.find(id);
      if (it != handles_.end()) it->second->RequestProgress();
    }
  }

  // Removes `id` from the stream-wide progress round; `revision` is its confirmed revision.
  void FinishProgressWaitLocked(int64_t id, std::optional<int64_t> revision)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (progress_all_waiting_.erase(id) == 0) return;
    if (revision) progress_all_revision_ = std::min(progress_all_revision_, *revision);
  }

  // Sends the stream-wide progress answers once the round is complete.
  void SendPendingProgress() {
    int64_t count = 0;
    int64_t revision = 0;
    {
      absl::MutexLock lock(&mu_);
      if (progress_all_requests_ == 0 || !progress_all_waiting_.empty()) return;
      count = progress_all_requests_;
      progress_all_requests_ = 0;
      revision = progress_all_revision_;
    }
    if (revision == std::numeric_limits<int64_t>::max()) {
      revision = ctx_.backend.CurrentRevision();  // every watch went away meanwhile
    }
    for (int64_t i = 0; i < count; ++i) {
      etcdserverpb::WatchResponse progress;
      ctx_.FillHeader(revision, progress.mutable_header());
      progress.set_watch_id(-1);
      Send(std::move(progress));
    }
  }

  // Destroys handles of watches the Backend canceled by itself (not from inside its callback).
  void ReapDeadHandles() ABSL_EXCLUSIVE_LOCKS_REQUIRED(handles_mu_) {
    std::vector<int64_t> dead;
    {
      absl::MutexLock lock(&mu_);
      dead.swap(dead_ids_);
    }
    for (int64_t id : dead) handles_.erase(id);
  }

  // Backend callback (fan-out thread): must not block.
  void Deliver(int64_t id, WatchResponse response) {
    std::vector<etcdserverpb::WatchResponse> out;
    bool progress_round_done = false;
    {
      absl::MutexLock lock(&mu_);
      if (done_) return;
      auto it = watches_.find(id);
      if (it == watches_.end()) return;
      if (response.canceled) {
        watches_.erase(it);
        dead_ids_.push_back(id);
        FinishProgressWaitLocked(id, std::nullopt);
        progress_round_done = true;
        etcdserverpb::WatchResponse& canceled = out.emplace_back();
        ctx_.FillHeader(response.revision, canceled.mutable_header());
        canceled.set_watch_id(id);
        canceled.set_canceled(true);
        canceled.set_compact_revision(response.compact_revision);
        canceled.set_cancel_reason(response.cancel_reason);
      } else if (!response.events.empty()) {
        it->second.had_events = true;
        size_t bytes = 0;
        for (Event& event : response.events) {
          if (out.empty() || bytes >= kMaxWatchMessageBytes) {
            etcdserverpb::WatchResponse& message = out.emplace_back();
            ctx_.FillHeader(response.revision, message.mutable_header());
            message.set_watch_id(id);
            bytes = 0;
          }
          mvccpb::Event* pb = out.back().add_events();
          ToProto(std::move(event), pb);
          bytes += pb->ByteSizeLong();
        }
      } else if (it->second.pending_all) {
        it->second.pending_all = false;
        FinishProgressWaitLocked(id, response.revision);
        progress_round_done = true;
      } else if (it->second.pending_notify) {
        it->second.pending_notify = false;
        etcdserverpb::WatchResponse& progress = out.emplace_back();
        ctx_.FillHeader(response.revision, progress.mutable_header());
        progress.set_watch_id(id);
      }
    }
    for (auto& message : out) Send(std::move(message));
    if (progress_round_done) SendPendingProgress();
  }

  ServiceContext& ctx_;
  WatchService& service_;
  std::shared_ptr<WatchStream> self_;  // keeps the stream alive until OnDone
  etcdserverpb::WatchRequest request_;

  absl::Mutex handles_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  std::map<int64_t, std::unique_ptr<WatchHandle>> handles_ ABSL_GUARDED_BY(handles_mu_);

  absl::Mutex mu_;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  int64_t next_id_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<int64_t, WatchState> watches_ ABSL_GUARDED_BY(mu_);
  std::vector<int64_t> dead_ids_ ABSL_GUARDED_BY(mu_);
  int64_t progress_all_requests_ ABSL_GUARDED_BY(mu_) = 0;
  std::set<int64_t> progress_all_waiting_ ABSL_GUARDED_BY(mu_);
  int64_t progress_all_revision_ ABSL_GUARDED_BY(mu_) = 0;
};

grpc::ServerBidiReactor<etcdserverpb::WatchRequest, etcdserverpb::WatchResponse>*
WatchService::Watch(grpc::CallbackServerContext* context) {
  auto stream = std::make_shared<WatchStream>(ctx_, *this);
  stream->Start();
  return stream.get();
}

void WatchService::Register(const std::shared_ptr<WatchStream>& stream) {
  absl::MutexLock lock(&mu_);
  streams_.push_back(stream);
}

void WatchService::Unregister(WatchStream* stream) {
  absl::MutexLock lock(&mu_);
  streams_.erase(std::remove_if(streams_.begin(), streams_.end(),
                                [stream](const std::weak_ptr<WatchStream>& weak) {
                                  auto strong = weak.lock();
                                  return !strong || strong.get() == stream;
                                }),
                 streams_.end());
}

void WatchService::Tick() {
  std::vector<std::shared_ptr<WatchStream>> streams;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& weak : streams_) {
      if (auto strong = weak.lock()) streams.push_back(std::move(strong));
    }
  }
  for (const auto& stream : streams) stream->Tick();
}

}  // namespace k1s::datastore::etcd
