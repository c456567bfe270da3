// Lease: Grant, Revoke, TimeToLive and Leases as unary calls on the worker pool; KeepAlive as a
// bidi stream whose requests are renewed one at a time, in order.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "datastore/etcd/convert.h"
#include "datastore/etcd/queued_reactor.h"
#include "datastore/etcd/services.h"

namespace k1s::datastore::etcd {
namespace {

class KeepAliveStream final : public QueuedBidiReactor<etcdserverpb::LeaseKeepAliveRequest,
                                                       etcdserverpb::LeaseKeepAliveResponse>,
                              public std::enable_shared_from_this<KeepAliveStream> {
 public:
  explicit KeepAliveStream(ServiceContext& ctx)
      : QueuedBidiReactor(ctx.max_stream_queue_bytes), ctx_(ctx) {}

  void Start() {
    self_ = shared_from_this();
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      Close(grpc::Status::OK);
      return;
    }
    ctx_.pool.Submit([self = shared_from_this()] { self->Renew(); });
  }

  void OnDone() override { self_.reset(); }

 private:
  void Renew() {
    const int64_t id = request_.id();
    absl::StatusOr<int64_t> ttl = ctx_.backend.LeaseKeepAlive(id);
    etcdserverpb::LeaseKeepAliveResponse response;
    if (ttl.ok()) {
      response.set_ttl(*ttl);
    } else if (absl::IsNotFound(ttl.status())) {
      response.set_ttl(0);  // etcd answers an unknown or expired lease with TTL 0
    } else {
      Close(ToGrpcStatus(ttl.status()));
      return;
    }
    ctx_.FillHeader(ctx_.backend.CurrentRevision(), response.mutable_header());
    response.set_id(id);
    Send(std::move(response));
    StartRead(&request_);
  }

  ServiceContext& ctx_;
  std::shared_ptr<KeepAliveStream> self_;  // keeps the stream alive until OnDone
  etcdserverpb::LeaseKeepAliveRequest request_;
};

}  // namespace

grpc::ServerUnaryReactor* LeaseService::LeaseGrant(grpc::CallbackServerContext* context,
                                                   const etcdserverpb::LeaseGrantRequest* request,
                                                   etcdserverpb::LeaseGrantResponse* response) {
  return RunOnPool(context, ctx_.pool, [this, request, response] {
    absl::StatusOr<LeaseInfo> lease = ctx_.backend.LeaseGrant(request->id(), request->ttl());
    if (!lease.ok()) return ToGrpcStatus(lease.status());
    ctx_.FillHeader(ctx_.backend.CurrentRevision(), response->mutable_header());
    response->set_id(lease->id);
    response->set_ttl(lease->granted_ttl != 0 ? lease->granted_ttl : lease->ttl);
    return grpc::Status::OK;
  });
}

grpc::ServerUnaryReactor* LeaseService::LeaseRevoke(grpc::CallbackServerContext* context,
                                                    const etcdserverpb::LeaseRevokeRequest* request,
                                                    etcdserverpb::LeaseRevokeResponse* response) {
  return RunOnPool(context, ctx_.pool, [this, request, response] {
    absl::Status status = ctx_.backend.LeaseRevoke(request->id());
    if (!status.ok()) return ToGrpcStatus(status);
    ctx_.FillHeader(ctx_.backend.CurrentRevision(), response->mutable_header());
    return grpc::Status::OK;
  });
}

grpc::ServerBidiReactor<etcdserverpb::LeaseKeepAliveRequest, etcdserverpb::LeaseKeepAliveResponse>*
LeaseService::LeaseKeepAlive(grpc::CallbackServerContext* context) {
  auto stream = std::make_shared<KeepAliveStream>(ctx_);
  stream->Start();
  return stream.get();
}

grpc::ServerUnaryReactor* LeaseService::LeaseTimeToLive(
    grpc::CallbackServerContext* context, const etcdserverpb::LeaseTimeToLiveRequest* request,
    etcdserverpb::LeaseTimeToLiveResponse* response) {
  return RunOnPool(context, ctx_.pool, [this, request, response] {
    absl::StatusOr<LeaseInfo> lease = ctx_.backend.LeaseTimeToLive(request->id(), request->keys());
    response->set_id(request->id());
    if (!lease.ok() && !absl::IsNotFound(lease.status())) return ToGrpcStatus(lease.status());
    ctx_.FillHeader(ctx_.backend.CurrentRevision(), response->mutable_header());
    if (!lease.ok() || lease->ttl < 0) {
      response->set_ttl(-1);  // etcd's answer for a lease that does not exist (any more)
      return grpc::Status::OK;
    }
    response->set_ttl(lease->ttl);
    response->set_grantedttl(lease->granted_ttl);
    for (const std::string& key : lease->keys) response->add_keys(key);
    return grpc::Status::OK;
  });
}

grpc::ServerUnaryReactor* LeaseService::LeaseLeases(grpc::CallbackServerContext* context,
                                                    const etcdserverpb::LeaseLeasesRequest* request,
                                                    etcdserverpb::LeaseLeasesResponse* response) {
  return RunOnPool(context, ctx_.pool, [this, response] {
    absl::StatusOr<std::vector<int64_t>> leases = ctx_.backend.LeaseList();
    if (!leases.ok()) return ToGrpcStatus(leases.status());
    ctx_.FillHeader(ctx_.backend.CurrentRevision(), response->mutable_header());
    for (int64_t id : *leases) response->add_leases()->set_id(id);
    return grpc::Status::OK;
  });
}

}  // namespace k1s::datastore::etcd
