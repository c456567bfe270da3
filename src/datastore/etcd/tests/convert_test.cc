#include "datastore/etcd/convert.h"

#include <gtest/gtest.h>

namespace k1s::datastore::etcd {
namespace {

TEST(ConvertTest, StatusKeepsCodeAndEtcdText) {
  grpc::Status status =
      ToGrpcStatus(absl::OutOfRangeError("etcdserver: mvcc: required revision has been compacted"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_EQ(status.error_message(), "etcdserver: mvcc: required revision has been compacted");
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
}

TEST(ConvertTest, RangeRequest) {
  etcdserverpb::RangeRequest pb;
  pb.set_key(std::string("a\0b", 3));
  pb.set_range_end(std::string(1, '\0'));
  pb.set_limit(5);
  pb.set_revision(7);
  pb.set_sort_order(etcdserverpb::RangeRequest::DESCEND);
  pb.set_sort_target(etcdserverpb::RangeRequest::MOD);
  pb.set_keys_only(true);
  pb.set_min_create_revision(3);
  RangeRequest request = FromProto(pb);
  EXPECT_EQ(request.key, std::string("a\0b", 3));
  EXPECT_EQ(request.range_end, std::string(1, '\0'));
  EXPECT_EQ(request.limit, 5);
  EXPECT_EQ(request.revision, 7);
  EXPECT_EQ(request.sort_order, SortOrder::kDescend);
  EXPECT_EQ(request.sort_target, SortTarget::kMod);
  EXPECT_TRUE(request.keys_only);
  EXPECT_FALSE(request.count_only);
  EXPECT_EQ(request.min_create_revision, 3);
}

TEST(ConvertTest, NestedTxnRoundTrip) {
  etcdserverpb::TxnRequest pb;
  etcdserverpb::Compare* compare = pb.add_compare();
  compare->set_key("k");
  compare->set_target(etcdserverpb::Compare::VALUE);
  compare->set_result(etcdserverpb::Compare::NOT_EQUAL);
  compare->set_value("v");
  pb.add_success()->mutable_request_put()->set_key("k");
  etcdserverpb::TxnRequest* nested = pb.add_failure()->mutable_request_txn();
  nested->add_success()->mutable_request_delete_range()->set_key("x");
  absl::StatusOr<TxnRequest> txn = FromProto(pb);
  ASSERT_TRUE(txn.ok()) << txn.status();
  ASSERT_EQ(txn->compare.size(), 1u);
  EXPECT_EQ(txn->compare[0].target, Compare::Target::kValue);
  EXPECT_EQ(txn->compare[0].result, Compare::Result::kNotEqual);
  EXPECT_EQ(txn->compare[0].value, "v");
  ASSERT_EQ(txn->success.size(), 1u);
  EXPECT_EQ(std::get<PutRequest>(txn->success[0].request).key, "k");
  ASSERT_EQ(txn->failure.size(), 1u);
  const auto& inner = std::get<TxnRequest>(txn->failure[0].request);
  EXPECT_EQ(std::get<DeleteRangeRequest>(inner.success[0].request).key, "x");

  TxnResponse response;
  response.revision = 9;
  response.succeeded = true;
  RangeResponse range;
  range.kvs.push_back(KeyValue{"k", "v", 2, 9, 3, 0});
  range.count = 1;
  response.responses.push_back(ResponseOp{range});
  response.responses.push_back(ResponseOp{PutResponse{9, std::nullopt}});
  etcdserverpb::ResponseHeader header;
  header.set_revision(9);
  header.set_member_id(42);
  etcdserverpb::TxnResponse out;
  ToProto(std::move(response), &out, header);
  EXPECT_TRUE(out.succeeded());
  ASSERT_EQ(out.responses_size(), 2);
  const auto& kv = out.responses(0).response_range().kvs(0);
  EXPECT_EQ(kv.key(), "k");
  EXPECT_EQ(kv.mod_revision(), 9);
  EXPECT_EQ(kv.version(), 3);
  // Nested headers carry the revision only, as etcd's do.
  EXPECT_EQ(out.responses(1).response_put().header().revision(), 9);
  EXPECT_EQ(out.responses(1).response_put().header().member_id(), 0u);
}

TEST(ConvertTest, TxnWithoutRequestIsRejected) {
  etcdserverpb::TxnRequest pb;
  pb.add_success();  // RequestOp with no request set
  EXPECT_FALSE(FromProto(pb).ok());
}

TEST(ConvertTest, WatchFiltersAndEvents) {
  etcdserverpb::WatchCreateRequest pb;
  pb.set_key("a");
  pb.set_start_revision(4);
  pb.set_prev_kv(true);
  pb.add_filters(etcdserverpb::WatchCreateRequest::NODELETE);
  WatchRequest request = FromProto(pb);
  EXPECT_EQ(request.start_revision, 4);
  EXPECT_TRUE(request.prev_kv);
  EXPECT_TRUE(request.filter_delete);
  EXPECT_FALSE(request.filter_put);

  Event event;
  event.type = Event::Type::kDelete;
  event.kv.key = "a";
  event.kv.mod_revision = 8;
  event.prev_kv = KeyValue{"a", "old", 2, 5, 2, 0};
  mvccpb::Event out;
  ToProto(std::move(event), &out);
  EXPECT_EQ(out.type(), mvccpb::Event::DELETE);
  EXPECT_EQ(out.kv().mod_revision(), 8);
  EXPECT_EQ(out.prev_kv().value(), "old");
}

}  // namespace
}  // namespace k1s::datastore::etcd
