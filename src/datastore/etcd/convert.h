#pragma once
// Conversions between etcd's protobuf messages and the Backend's plain C++ structs, and between
// absl::Status and grpc::Status. Internal to src/datastore/etcd (pulls in generated headers);
// pure functions, thread-compatible.

#include <grpcpp/support/status.h>

#include "absl/status/status.h"
#include "etcdpb/kv.pb.h"
#include "etcdpb/rpc.pb.h"
#include "k1s/backend.h"

namespace k1s::datastore::etcd {

// The Backend's codes are gRPC's and its messages are etcd's text, so this is 1:1.
grpc::Status ToGrpcStatus(const absl::Status& status);

// Response conversions move the keys and values out of `in` (ranges can be large).
void ToProto(KeyValue&& in, mvccpb::KeyValue* out);

RangeRequest FromProto(const etcdserverpb::RangeRequest& in);
PutRequest FromProto(const etcdserverpb::PutRequest& in);
DeleteRangeRequest FromProto(const etcdserverpb::DeleteRangeRequest& in);
// Fails on ops or compare targets the Backend cannot express (unset oneofs).
absl::StatusOr<TxnRequest> FromProto(const etcdserverpb::TxnRequest& in);
WatchRequest FromProto(const etcdserverpb::WatchCreateRequest& in);

// Fill the response body; the caller sets the header.
void ToProto(RangeResponse&& in, etcdserverpb::RangeResponse* out);
void ToProto(PutResponse&& in, etcdserverpb::PutResponse* out);
void ToProto(DeleteRangeResponse&& in, etcdserverpb::DeleteRangeResponse* out);
void ToProto(TxnResponse&& in, etcdserverpb::TxnResponse* out,
             const etcdserverpb::ResponseHeader& header);
void ToProto(Event&& in, mvccpb::Event* out);

}  // namespace k1s::datastore::etcd
