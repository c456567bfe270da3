#pragma once
// The etcd v3 gRPC services (KV, Watch, Lease, Maintenance, Cluster) as gRPC callback services
// over a Backend. Internal to src/datastore/etcd: EtcdServer owns and registers them.
//
// Threading: gRPC runs reactions on its own few threads, which must never block. Every call into
// the Backend (which may block until a group commit lands) runs on the shared WorkerPool; bidi
// streams process their requests one at a time on it and write their responses from a queue,
// one message in flight at a time. Watch callbacks arrive on the datastore's fan-out thread and
// only append to that queue.

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "datastore/etcd/worker_pool.h"
#include "etcdpb/rpc.grpc.pb.h"
#include "k1s/backend.h"

namespace k1s::datastore::etcd {

// What every service needs; owned by EtcdServer, outlives the services.
struct ServiceContext {
  ServiceContext(Backend& b, WorkerPool& p) : backend(b), pool(p) {}

  Backend& backend;
  WorkerPool& pool;
  uint64_t cluster_id = 0;
  uint64_t member_id = 0;
  std::string member_name;
  std::string version;
  // Per watch or keep-alive stream: responses waiting for a slow client, at most.
  size_t max_stream_queue_bytes = 64 << 20;

  void FillHeader(int64_t revision, etcdserverpb::ResponseHeader* header) const;
  // The URLs are known only once the listeners are bound (port 0), after serving began.
  void SetUrls(std::vector<std::string> client, std::vector<std::string> peer);
  void FillMember(etcdserverpb::Member* member);

 private:
  absl::Mutex urls_mu_;
  std::vector<std::string> client_urls_ ABSL_GUARDED_BY(urls_mu_);
  std::vector<std::string> peer_urls_ ABSL_GUARDED_BY(urls_mu_);
};

class KvService final : public etcdserverpb::KV::CallbackService {
 public:
  explicit KvService(ServiceContext& ctx) : ctx_(ctx) {}

  grpc::ServerUnaryReactor* Range(grpc::CallbackServerContext* context,
                                  const etcdserverpb::RangeRequest* request,
                                  etcdserverpb::RangeResponse* response) override;
  grpc::ServerUnaryReactor* Put(grpc::CallbackServerContext* context,
                                const etcdserverpb::PutRequest* request,
                                etcdserverpb::PutResponse* response) override;
  grpc::ServerUnaryReactor* DeleteRange(grpc::CallbackServerContext* context,
                                        const etcdserverpb::DeleteRangeRequest* request,
                                        etcdserverpb::DeleteRangeResponse* response) override;
  grpc::ServerUnaryReactor* Txn(grpc::CallbackServerContext* context,
                                const etcdserverpb::TxnRequest* request,
                                etcdserverpb::TxnResponse* response) override;
  grpc::ServerUnaryReactor* Compact(grpc::CallbackServerContext* context,
                                    const etcdserverpb::CompactionRequest* request,
                                    etcdserverpb::CompactionResponse* response) override;

 private:
  ServiceContext& ctx_;
};

class WatchStream;

class WatchService final : public etcdserverpb::Watch::CallbackService {
 public:
  explicit WatchService(ServiceContext& ctx) : ctx_(ctx) {}

  grpc::ServerBidiReactor<etcdserverpb::WatchRequest, etcdserverpb::WatchResponse>* Watch(
      grpc::CallbackServerContext* context) override;

  // Sends a progress notification to every watch created with progress_notify that has had no
  // events since the previous tick (etcd's progress_notify interval). Called by EtcdServer.
  void Tick();

  // For the streams' registration.
  void Register(const std::shared_ptr<WatchStream>& stream);
  void Unregister(WatchStream* stream);

 private:
  ServiceContext& ctx_;
  absl::Mutex mu_;
  std::vector<std::weak_ptr<WatchStream>> streams_ ABSL_GUARDED_BY(mu_);
};

class LeaseService final : public etcdserverpb::Lease::CallbackService {
 public:
  explicit LeaseService(ServiceContext& ctx) : ctx_(ctx) {}

  grpc::ServerUnaryReactor* LeaseGrant(grpc::CallbackServerContext* context,
                                       const etcdserverpb::LeaseGrantRequest* request,
                                       etcdserverpb::LeaseGrantResponse* response) override;
  grpc::ServerUnaryReactor* LeaseRevoke(grpc::CallbackServerContext* context,
                                        const etcdserverpb::LeaseRevokeRequest* request,
                                        etcdserverpb::LeaseRevokeResponse* response) override;
  grpc::ServerBidiReactor<etcdserverpb::LeaseKeepAliveRequest,
                          etcdserverpb::LeaseKeepAliveResponse>*
  LeaseKeepAlive(grpc::CallbackServerContext* context) override;
  grpc::ServerUnaryReactor* LeaseTimeToLive(
      grpc::CallbackServerContext* context, const etcdserverpb::LeaseTimeToLiveRequest* request,
      etcdserverpb::LeaseTimeToLiveResponse* response) override;
  grpc::ServerUnaryReactor* LeaseLeases(grpc::CallbackServerContext* context,
                                        const etcdserverpb::LeaseLeasesRequest* request,
                                        etcdserverpb::LeaseLeasesResponse* response) override;

 private:
  ServiceContext& ctx_;
};

class MaintenanceService final : public etcdserverpb::Maintenance::CallbackService {
 public:
  explicit MaintenanceService(ServiceContext& ctx) : ctx_(ctx) {}

  grpc::ServerUnaryReactor* Alarm(grpc::CallbackServerContext* context,
                                  const etcdserverpb::AlarmRequest* request,
                                  etcdserverpb::AlarmResponse* response) override;
  grpc::ServerUnaryReactor* Status(grpc::CallbackServerContext* context,
                                   const etcdserverpb::StatusRequest* request,
                                   etcdserverpb::StatusResponse* response) override;
  grpc::ServerUnaryReactor* Defragment(grpc::CallbackServerContext* context,
                                       const etcdserverpb::DefragmentRequest* request,
                                       etcdserverpb::DefragmentResponse* response) override;
  grpc::ServerUnaryReactor* Hash(grpc::CallbackServerContext* context,
                                 const etcdserverpb::HashRequest* request,
                                 etcdserverpb::HashResponse* response) override;
  grpc::ServerUnaryReactor* HashKV(grpc::CallbackServerContext* context,
                                   const etcdserverpb::HashKVRequest* request,
                                   etcdserverpb::HashKVResponse* response) override;
  grpc::ServerWriteReactor<etcdserverpb::SnapshotResponse>* Snapshot(
      grpc::CallbackServerContext* context, const etcdserverpb::SnapshotRequest* request) override;
  grpc::ServerUnaryReactor* MoveLeader(grpc::CallbackServerContext* context,
                                       const etcdserverpb::MoveLeaderRequest* request,
                                       etcdserverpb::MoveLeaderResponse* response) override;

 private:
  ServiceContext& ctx_;
};

class ClusterService final : public etcdserverpb::Cluster::CallbackService {
 public:
  explicit ClusterService(ServiceContext& ctx) : ctx_(ctx) {}

  grpc::ServerUnaryReactor* MemberAdd(grpc::CallbackServerContext* context,
                                      const etcdserverpb::MemberAddRequest* request,
                                      etcdserverpb::MemberAddResponse* response) override;
  grpc::ServerUnaryReactor* MemberRemove(grpc::CallbackServerContext* context,
                                         const etcdserverpb::MemberRemoveRequest* request,
                                         etcdserverpb::MemberRemoveResponse* response) override;
  grpc::ServerUnaryReactor* MemberUpdate(grpc::CallbackServerContext* context,
                                         const etcdserverpb::MemberUpdateRequest* request,
                                         etcdserverpb::MemberUpdateResponse* response) override;
  grpc::ServerUnaryReactor* MemberList(grpc::CallbackServerContext* context,
                                       const etcdserverpb::MemberListRequest* request,
                                       etcdserverpb::MemberListResponse* response) override;
  grpc::ServerUnaryReactor* MemberPromote(grpc::CallbackServerContext* context,
                                          const etcdserverpb::MemberPromoteRequest* request,
                                          etcdserverpb::MemberPromoteResponse* response) override;

 private:
  ServiceContext& ctx_;
};

// Runs `fn` (returning grpc::Status) on the pool and finishes the unary call with its result.
template <typename Fn>
grpc::ServerUnaryReactor* RunOnPool(grpc::CallbackServerContext* context, WorkerPool& pool, Fn fn) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  pool.Submit([reactor, fn = std::move(fn)]() mutable { reactor->Finish(fn()); });
  return reactor;
}

// Finishes a unary call at once (for answers that need no Backend call).
grpc::ServerUnaryReactor* FinishNow(grpc::CallbackServerContext* context,
                                    const grpc::Status& status);

}  // namespace k1s::datastore::etcd
