// KV: Range, Put, DeleteRange, Txn and Compact, each one Backend call on the worker pool.

#include <utility>

#include "datastore/etcd/convert.h"
#include "datastore/etcd/services.h"

namespace k1s::datastore::etcd {
namespace {

// etcd rejects these before they reach the store, with these texts.
const grpc::Status kEmptyKey(grpc::StatusCode::INVALID_ARGUMENT, "etcdserver: key is not provided");

bool ValidOp(const etcdserverpb::RequestOp& op);

bool ValidTxn(const etcdserverpb::TxnRequest& txn) {
  for (const auto& op : txn.success()) {
    if (!ValidOp(op)) return false;
  }
  for (const auto& op : txn.failure()) {
    if (!ValidOp(op)) return false;
  }
  return true;
}

bool ValidOp(const etcdserverpb::RequestOp& op) {
  switch (op.request_case()) {
    case etcdserverpb::RequestOp::kRequestRange:
      return !op.request_range().key().empty();
    case etcdserverpb::RequestOp::kRequestPut:
      return !op.request_put().key().empty();
    case etcdserverpb::RequestOp::kRequestDeleteRange:
      return !op.request_delete_range().key().empty();
    case etcdserverpb::RequestOp::kRequestTxn:
      return ValidTxn(op.request_txn());
    default:
      return true;
  }
}

}  // namespace

grpc::ServerUnaryReactor* FinishNow(grpc::CallbackServerContext* context,
                                    const grpc::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(status);
  return reactor;
}

void ServiceContext::FillHeader(int64_t revision, etcdserverpb::ResponseHeader* header) const {
  header->set_cluster_id(cluster_id);
  header->set_member_id(member_id);
  header->set_revision(revision);
  header->set_raft_term(1);
}

grpc::ServerUnaryReactor* KvService::Range(grpc::CallbackServerContext* context,
                                           const etcdserverpb::RangeRequest* request,
                                           etcdserverpb::RangeResponse* response) {
  if (request->key().empty()) return FinishNow(context, kEmptyKey);
  return RunOnPool(context, ctx_.pool, [this, request, response] {
    absl::StatusOr<RangeResponse> result = ctx_.backend.Range(FromProto(*request));
    if (!result.ok()) return ToGrpcStatus(result.status());
    ctx_.FillHeader(result->revision, response->mutable_header());
    ToProto(*std::move(result), response);
    return grpc::Status::OK;
  });
}

grpc::ServerUnaryReactor* KvService::Put(grpc::CallbackServerContext* context,
                                         const etcdserverpb::PutRequest* request,
                                         etcdserverpb::PutResponse* response) {
  if (request->key().empty()) return FinishNow(context, kEmptyKey);
  return RunOnPool(context, ctx_.pool, [this, request, response] {
    absl::StatusOr<PutResponse> result = ctx_.backend.Put(FromProto(*request));
    if (!result.ok()) return ToGrpcStatus(result.status());
    ctx_.FillHeader(result->revision, response->mutable_header());
    ToProto(*std::move(result), response);
    return grpc::Status::OK;
  });
}

grpc::ServerUnaryReactor* KvService::DeleteRange(grpc::CallbackServerContext* context,
                                                 const etcdserverpb::DeleteRangeRequest* request,
                                                 etcdserverpb::DeleteRangeResponse* response) {
  if (request->key().empty()) return FinishNow(context, kEmptyKey);
  return RunOnPool(context, ctx_.pool, [this, request, response] {
    absl::StatusOr<DeleteRangeResponse> result = ctx_.backend.DeleteRange(FromProto(*request));
    if (!result.ok()) return ToGrpcStatus(result.status());
    ctx_.FillHeader(result->revision, response->mutable_header());
    ToProto(*std::move(result), response);
    return grpc::Status::OK;
  });
}

grpc::ServerUnaryReactor* KvService::Txn(grpc::CallbackServerContext* context,
                                         const etcdserverpb::TxnRequest* request,
                                         etcdserverpb::TxnResponse* response) {
  if (!ValidTxn(*request)) return FinishNow(context, kEmptyKey);
  return RunOnPool(context, ctx_.pool, [this, request, response] {
    absl::StatusOr<TxnRequest> txn = FromProto(*request);
    if (!txn.ok()) return ToGrpcStatus(txn.status());
    absl::StatusOr<TxnResponse> result = ctx_.backend.Txn(*txn);
    if (!result.ok()) return ToGrpcStatus(result.status());
    ctx_.FillHeader(result->revision, response->mutable_header());
    ToProto(*std::move(result), response, response->header());
    return grpc::Status::OK;
  });
}

grpc::ServerUnaryReactor* KvService::Compact(grpc::CallbackServerContext* context,
                                             const etcdserverpb::CompactionRequest* request,
                                             etcdserverpb::CompactionResponse* response) {
  // Compaction is synchronous here, so `physical` (wait until it is applied) always holds.
  return RunOnPool(context, ctx_.pool, [this, request, response] {
    absl::Status status = ctx_.backend.Compact(request->revision());
    if (!status.ok()) return ToGrpcStatus(status);
    ctx_.FillHeader(ctx_.backend.CurrentRevision(), response->mutable_header());
    return grpc::Status::OK;
  });
}

}  // namespace k1s::datastore::etcd
