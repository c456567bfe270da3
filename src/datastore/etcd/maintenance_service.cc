// Maintenance and Cluster: the parts of etcd's operations API that mean something for a
// single-member SQLite datastore; the rest answers UNIMPLEMENTED with the reason.

#include <string>
#include <utility>
#include <vector>

#include "datastore/etcd/convert.h"
#include "datastore/etcd/services.h"

namespace k1s::datastore::etcd {
namespace {

grpc::Status Unimplemented(const char* what) {
  return grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                      std::string("k1s datastore: ") + what + " is not supported");
}

// Answers a server-streaming call with an error and no messages.
template <typename Response>
class FailedWriteReactor final : public grpc::ServerWriteReactor<Response> {
 public:
  explicit FailedWriteReactor(const grpc::Status& status) { this->Finish(status); }
  void OnDone() override { delete this; }
};

}  // namespace

void ServiceContext::SetUrls(std::vector<std::string> client, std::vector<std::string> peer) {
  absl::MutexLock lock(&urls_mu_);
  client_urls_ = std::move(client);
  peer_urls_ = std::move(peer);
}

void ServiceContext::FillMember(etcdserverpb::Member* member) {
  member->set_id(member_id);
  member->set_name(member_name);
  absl::MutexLock lock(&urls_mu_);
  for (const std::string& url : peer_urls_) member->add_peerurls(url);
  for (const std::string& url : client_urls_) member->add_clienturls(url);
}

grpc::ServerUnaryReactor* MaintenanceService::Alarm(grpc::CallbackServerContext* context,
                                                    const etcdserverpb::AlarmRequest* request,
                                                    etcdserverpb::AlarmResponse* response) {
  // No alarms are ever raised (no space quota, no corruption checks): GET answers an empty list,
  // ACTIVATE and DEACTIVATE have nothing to act on.
  return RunOnPool(context, ctx_.pool, [this, response] {
    ctx_.FillHeader(ctx_.backend.CurrentRevision(), response->mutable_header());
    return grpc::Status::OK;
  });
}

grpc::ServerUnaryReactor* MaintenanceService::Status(grpc::CallbackServerContext* context,
                                                     const etcdserverpb::StatusRequest* request,
                                                     etcdserverpb::StatusResponse* response) {
  return RunOnPool(context, ctx_.pool, [this, response] {
    absl::StatusOr<BackendStatus> status = ctx_.backend.Status();
    if (!status.ok()) return ToGrpcStatus(status.status());
    ctx_.FillHeader(status->revision, response->mutable_header());
    response->set_version(ctx_.version);
    response->set_dbsize(status->db_size_bytes);
    response->set_dbsizeinuse(status->db_size_in_use_bytes);
    response->set_leader(ctx_.member_id);
    // There is no raft log; the revision plays the role of the applied index.
    response->set_raftindex(static_cast<uint64_t>(status->revision));
    response->set_raftappliedindex(static_cast<uint64_t>(status->revision));
    response->set_raftterm(response->header().raft_term());
    return grpc::Status::OK;
  });
}

grpc::ServerUnaryReactor* MaintenanceService::Defragment(
    grpc::CallbackServerContext* context, const etcdserverpb::DefragmentRequest* request,
    etcdserverpb::DefragmentResponse* response) {
  return RunOnPool(context, ctx_.pool, [this, response] {
    absl::Status status = ctx_.backend.Defragment();
    if (!status.ok()) return ToGrpcStatus(status);
    ctx_.FillHeader(ctx_.backend.CurrentRevision(), response->mutable_header());
    return grpc::Status::OK;
  });
}

grpc::ServerUnaryReactor* MaintenanceService::Hash(grpc::CallbackServerContext* context,
                                                   const etcdserverpb::HashRequest* request,
                                                   etcdserverpb::HashResponse* response) {
  return FinishNow(context, Unimplemented("Hash (a bbolt database checksum)"));
}

grpc::ServerUnaryReactor* MaintenanceService::HashKV(grpc::CallbackServerContext* context,
                                                     const etcdserverpb::HashKVRequest* request,
                                                     etcdserverpb::HashKVResponse* response) {
  return FinishNow(context, Unimplemented("HashKV (used to compare raft members)"));
}

grpc::ServerWriteReactor<etcdserverpb::SnapshotResponse>* MaintenanceService::Snapshot(
    grpc::CallbackServerContext* context, const etcdserverpb::SnapshotRequest* request) {
  return new FailedWriteReactor<etcdserverpb::SnapshotResponse>(Unimplemented(
      "Snapshot (a bbolt file); back up <data-dir>/server/db/state.db with sqlite3 .backup"));
}

grpc::ServerUnaryReactor* MaintenanceService::MoveLeader(
    grpc::CallbackServerContext* context, const etcdserverpb::MoveLeaderRequest* request,
    etcdserverpb::MoveLeaderResponse* response) {
  return FinishNow(context, Unimplemented("MoveLeader (there is a single member)"));
}

grpc::ServerUnaryReactor* ClusterService::MemberList(grpc::CallbackServerContext* context,
                                                     const etcdserverpb::MemberListRequest* request,
                                                     etcdserverpb::MemberListResponse* response) {
  return RunOnPool(context, ctx_.pool, [this, response] {
    ctx_.FillHeader(ctx_.backend.CurrentRevision(), response->mutable_header());
    ctx_.FillMember(response->add_members());
    return grpc::Status::OK;
  });
}

grpc::ServerUnaryReactor* ClusterService::MemberAdd(grpc::CallbackServerContext* context,
                                                    const etcdserverpb::MemberAddRequest* request,
                                                    etcdserverpb::MemberAddResponse* response) {
  return FinishNow(context, Unimplemented("MemberAdd (the datastore has a single member)"));
}

grpc::ServerUnaryReactor* ClusterService::MemberRemove(
    grpc::CallbackServerContext* context, const etcdserverpb::MemberRemoveRequest* request,
    etcdserverpb::MemberRemoveResponse* response) {
  return FinishNow(context, Unimplemented("MemberRemove (the datastore has a single member)"));
}

grpc::ServerUnaryReactor* ClusterService::MemberUpdate(
    grpc::CallbackServerContext* context, const etcdserverpb::MemberUpdateRequest* request,
    etcdserverpb::MemberUpdateResponse* response) {
  return FinishNow(context, Unimplemented("MemberUpdate (the datastore has a single member)"));
}

grpc::ServerUnaryReactor* ClusterService::MemberPromote(
    grpc::CallbackServerContext* context, const etcdserverpb::MemberPromoteRequest* request,
    etcdserverpb::MemberPromoteResponse* response) {
  return FinishNow(context, Unimplemented("MemberPromote (the datastore has a single member)"));
}

}  // namespace k1s::datastore::etcd
