#include "datastore/etcd/convert.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"

namespace k1s::datastore::etcd {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

void ToProto(KeyValue&& in, mvccpb::KeyValue* out) {
  out->set_key(std::move(in.key));
  out->set_value(std::move(in.value));
  out->set_create_revision(in.create_revision);
  out->set_mod_revision(in.mod_revision);
  out->set_version(in.version);
  out->set_lease(in.lease);
}

RangeRequest FromProto(const etcdserverpb::RangeRequest& in) {
  RangeRequest out;
  out.key = in.key();
  out.range_end = in.range_end();
  out.limit = in.limit();
  out.revision = in.revision();
  switch (in.sort_order()) {
    case etcdserverpb::RangeRequest::ASCEND:
      out.sort_order = SortOrder::kAscend;
      break;
    case etcdserverpb::RangeRequest::DESCEND:
      out.sort_order = SortOrder::kDescend;
      break;
    default:
      out.sort_order = SortOrder::kNone;
  }
  switch (in.sort_target()) {
    case etcdserverpb::RangeRequest::VERSION:
      out.sort_target = SortTarget::kVersion;
      break;
    case etcdserverpb::RangeRequest::CREATE:
      out.sort_target = SortTarget::kCreate;
      break;
    case etcdserverpb::RangeRequest::MOD:
      out.sort_target = SortTarget::kMod;
      break;
    case etcdserverpb::RangeRequest::VALUE:
      out.sort_target = SortTarget::kValue;
      break;
    default:
      out.sort_target = SortTarget::kKey;
  }
  out.keys_only = in.keys_only();
  out.count_only = in.count_only();
  out.min_mod_revision = in.min_mod_revision();
  out.max_mod_revision = in.max_mod_revision();
  out.min_create_revision = in.min_create_revision();
  out.max_create_revision = in.max_create_revision();
  return out;
}

PutRequest FromProto(const etcdserverpb::PutRequest& in) {
  PutRequest out;
  out.key = in.key();
  out.value = in.value();
  out.lease = in.lease();
  out.prev_kv = in.prev_kv();
  out.ignore_value = in.ignore_value();
  out.ignore_lease = in.ignore_lease();
  return out;
}

DeleteRangeRequest FromProto(const etcdserverpb::DeleteRangeRequest& in) {
  DeleteRangeRequest out;
  out.key = in.key();
  out.range_end = in.range_end();
  out.prev_kv = in.prev_kv();
  return out;
}

namespace {

absl::StatusOr<Compare> CompareFromProto(const etcdserverpb::Compare& in) {
  Compare out;
  switch (in.result()) {
    case etcdserverpb::Compare::EQUAL:
      out.result = Compare::Result::kEqual;
      break;
    case etcdserverpb::Compare::GREATER:
      out.result = Compare::Result::kGreater;
      break;
    case etcdserverpb::Compare::LESS:
      out.result = Compare::Result::kLess;
      break;
    case etcdserverpb::Compare::NOT_EQUAL:
      out.result = Compare::Result::kNotEqual;
      break;
    default:
      return absl::InvalidArgumentError("etcdserver: unknown compare result");
  }
  out.key = in.key();
  out.range_end = in.range_end();
  // etcd reads the number or value from the oneof; an unset oneof compares against zero/empty.
  switch (in.target()) {
    case etcdserverpb::Compare::VERSION:
      out.target = Compare::Target::kVersion;
      out.number = in.version();
      break;
    case etcdserverpb::Compare::CREATE:
      out.target = Compare::Target::kCreate;
      out.number = in.create_revision();
      break;
    case etcdserverpb::Compare::MOD:
      out.target = Compare::Target::kMod;
      out.number = in.mod_revision();
      break;
    case etcdserverpb::Compare::VALUE:
      out.target = Compare::Target::kValue;
      out.value = in.value();
      break;
    case etcdserverpb::Compare::LEASE:
      out.target = Compare::Target::kLease;
      out.number = in.lease();
      break;
    default:
      return absl::InvalidArgumentError("etcdserver: unknown compare target");
  }
  return out;
}

absl::Status FromProtoOps(const google::protobuf::RepeatedPtrField<etcdserverpb::RequestOp>& in,
                          std::vector<RequestOp>* out) {
  out->reserve(in.size());
  for (const etcdserverpb::RequestOp& op : in) {
    switch (op.request_case()) {
      case etcdserverpb::RequestOp::kRequestRange:
        out->push_back(RequestOp{FromProto(op.request_range())});
        break;
      case etcdserverpb::RequestOp::kRequestPut:
        out->push_back(RequestOp{FromProto(op.request_put())});
        break;
      case etcdserverpb::RequestOp::kRequestDeleteRange:
        out->push_back(RequestOp{FromProto(op.request_delete_range())});
        break;
      case etcdserverpb::RequestOp::kRequestTxn: {
        absl::StatusOr<TxnRequest> txn = FromProto(op.request_txn());
        if (!txn.ok()) return txn.status();
        out->push_back(RequestOp{*std::move(txn)});
        break;
      }
      default:
        // etcd's text for a RequestOp without a request.
        return absl::InvalidArgumentError("etcdserver: key not found");
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<TxnRequest> FromProto(const etcdserverpb::TxnRequest& in) {
  TxnRequest out;
  out.compare.reserve(in.compare_size());
  for (const etcdserverpb::Compare& c : in.compare()) {
    absl::StatusOr<Compare> compare = CompareFromProto(c);
    if (!compare.ok()) return compare.status();
    out.compare.push_back(*std::move(compare));
  }
  absl::Status status = FromProtoOps(in.success(), &out.success);
  if (!status.ok()) return status;
  status = FromProtoOps(in.failure(), &out.failure);
  if (!status.ok()) return status;
  return out;
}

WatchRequest FromProto(const etcdserverpb::WatchCreateRequest& in) {
  WatchRequest out;
  out.key = in.key();
  out.range_end = in.range_end();
  out.start_revision = in.start_revision();
  out.prev_kv = in.prev_kv();
  for (int filter : in.filters()) {
    if (filter == etcdserverpb::WatchCreateRequest::NOPUT) out.filter_put = true;
    if (filter == etcdserverpb::WatchCreateRequest::NODELETE) out.filter_delete = true;
  }
  return out;
}

void ToProto(RangeResponse&& in, etcdserverpb::RangeResponse* out) {
  out->mutable_kvs()->Reserve(static_cast<int>(in.kvs.size()));
  for (KeyValue& kv : in.kvs) ToProto(std::move(kv), out->add_kvs());
  out->set_more(in.more);
  out->set_count(in.count);
}

void ToProto(PutResponse&& in, etcdserverpb::PutResponse* out) {
  if (in.prev_kv) ToProto(std::move(*in.prev_kv), out->mutable_prev_kv());
}

void ToProto(DeleteRangeResponse&& in, etcdserverpb::DeleteRangeResponse* out) {
  out->set_deleted(in.deleted);
  for (KeyValue& kv : in.prev_kvs) ToProto(std::move(kv), out->add_prev_kvs());
}

void ToProto(TxnResponse&& in, etcdserverpb::TxnResponse* out,
             const etcdserverpb::ResponseHeader& header) {
  out->set_succeeded(in.succeeded);
  // Like etcd, nested responses carry a header holding only the revision.
  etcdserverpb::ResponseHeader nested;
  nested.set_revision(header.revision());
  for (ResponseOp& op : in.responses) {
    etcdserverpb::ResponseOp* pb = out->add_responses();
    if (auto* range = std::get_if<RangeResponse>(&op.response)) {
      auto* r = pb->mutable_response_range();
      *r->mutable_header() = nested;
      ToProto(std::move(*range), r);
    } else if (auto* put = std::get_if<PutResponse>(&op.response)) {
      auto* r = pb->mutable_response_put();
      *r->mutable_header() = nested;
      ToProto(std::move(*put), r);
    } else if (auto* del = std::get_if<DeleteRangeResponse>(&op.response)) {
      auto* r = pb->mutable_response_delete_range();
      *r->mutable_header() = nested;
      ToProto(std::move(*del), r);
    } else if (auto* txn = std::get_if<TxnResponse>(&op.response)) {
      auto* r = pb->mutable_response_txn();
      *r->mutable_header() = nested;
      ToProto(std::move(*txn), r, nested);
    }
  }
}

void ToProto(Event&& in, mvccpb::Event* out) {
  out->set_type(in.type == Event::Type::kPut ? mvccpb::Event::PUT : mvccpb::Event::DELETE);
  ToProto(std::move(in.kv), out->mutable_kv());
  if (in.prev_kv) ToProto(std::move(*in.prev_kv), out->mutable_prev_kv());
}

}  // namespace k1s::datastore::etcd
