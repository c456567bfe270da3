// EtcdServer over an in-memory SQLite Backend, driven through the generated gRPC stubs: what
// etcdctl does not exercise (several watches per stream, client-chosen and duplicate watch ids,
// stream-wide progress, keep-alive streams, headers, error codes, stopping with open streams).

#include "datastore/etcd/etcd_server.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "datastore/sqlite_backend.h"
#include "etcdpb/rpc.grpc.pb.h"

namespace k1s::datastore::etcd {
namespace {

class EtcdServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SqliteBackendOptions options;
    options.path = ":memory:";
    options.auto_compaction = false;
    auto backend = OpenSqliteBackend(options);
    ASSERT_TRUE(backend.ok()) << backend.status();
    backend_ = *std::move(backend);
    EtcdServerOptions server_options;
    server_options.listen_client_urls = {"http://127.0.0.1:0"};
    server_options.name = "test";
    auto server = EtcdServer::Start(*backend_, server_options);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    ASSERT_EQ(server_->client_urls().size(), 1u);
    std::string target = server_->client_urls()[0].substr(std::string("http://").size());
    channel_ = grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
    kv_ = etcdserverpb::KV::NewStub(channel_);
    watch_ = etcdserverpb::Watch::NewStub(channel_);
    lease_ = etcdserverpb::Lease::NewStub(channel_);
  }

  void TearDown() override {
    if (server_) server_->Stop();
  }

  int64_t Put(const std::string& key, const std::string& value) {
    etcdserverpb::PutRequest request;
    request.set_key(key);
    request.set_value(value);
    etcdserverpb::PutResponse response;
    grpc::ClientContext context;
    grpc::Status status = kv_->Put(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.header().revision();
  }

  static void SetDeadline(grpc::ClientContext& context) {
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  }

  std::unique_ptr<Backend> backend_;
  std::unique_ptr<EtcdServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<etcdserverpb::KV::Stub> kv_;
  std::unique_ptr<etcdserverpb::Watch::Stub> watch_;
  std::unique_ptr<etcdserverpb::Lease::Stub> lease_;
};

TEST_F(EtcdServerTest, HeadersAndErrorsAsEtcd) {
  int64_t revision = Put("a", "1");
  EXPECT_GT(revision, 1);

  etcdserverpb::RangeRequest range;
  range.set_key("a");
  etcdserverpb::RangeResponse response;
  grpc::ClientContext context;
  ASSERT_TRUE(kv_->Range(&context, range, &response).ok());
  EXPECT_EQ(response.header().member_id(), server_->member_id());
  EXPECT_EQ(response.header().cluster_id(), server_->cluster_id());
  EXPECT_NE(server_->member_id(), 0u);
  EXPECT_EQ(response.header().revision(), revision);
  EXPECT_EQ(response.header().raft_term(), 1u);
  ASSERT_EQ(response.kvs_size(), 1);
  EXPECT_EQ(response.kvs(0).value(), "1");

  range.set_revision(revision + 100);
  grpc::ClientContext future;
  grpc::Status status = kv_->Range(&future, range, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_EQ(status.error_message(), "etcdserver: mvcc: required revision is a future revision");

  etcdserverpb::PutRequest empty;
  etcdserverpb::PutResponse put_response;
  grpc::ClientContext empty_context;
  status = kv_->Put(&empty_context, empty, &put_response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(status.error_message(), "etcdserver: key is not provided");
}

TEST_F(EtcdServerTest, ManyWatchesOnOneStream) {
  grpc::ClientContext context;
  SetDeadline(context);
  auto stream = watch_->Watch(&context);
  etcdserverpb::WatchResponse response;

  auto create = [&](const std::string& key, int64_t id) {
    etcdserverpb::WatchRequest request;
    request.mutable_create_request()->set_key(key);
    request.mutable_create_request()->set_watch_id(id);
    ASSERT_TRUE(stream->Write(request));
  };
  create("a", 0);  // auto: 0
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_TRUE(response.created());
  EXPECT_EQ(response.watch_id(), 0);
  create("b", 7);  // chosen by the client
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_TRUE(response.created());
  EXPECT_EQ(response.watch_id(), 7);
  create("c", 7);  // duplicate
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_TRUE(response.created());
  EXPECT_TRUE(response.canceled());
  EXPECT_EQ(response.watch_id(), -1);
  create("c", 0);  // auto again: 1
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_EQ(response.watch_id(), 1);

  int64_t rev_b = Put("b", "x");
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_EQ(response.watch_id(), 7);
  ASSERT_EQ(response.events_size(), 1);
  EXPECT_EQ(response.events(0).kv().key(), "b");
  EXPECT_EQ(response.events(0).kv().mod_revision(), rev_b);
  EXPECT_EQ(response.header().revision(), rev_b);

  // Cancel watch 0: answered with canceled; its key's events stop.
  etcdserverpb::WatchRequest cancel;
  cancel.mutable_cancel_request()->set_watch_id(0);
  ASSERT_TRUE(stream->Write(cancel));
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_TRUE(response.canceled());
  EXPECT_EQ(response.watch_id(), 0);
  Put("a", "ignored");
  int64_t rev_c = Put("c", "y");
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_EQ(response.watch_id(), 1);
  ASSERT_EQ(response.events_size(), 1);
  EXPECT_EQ(response.events(0).kv().mod_revision(), rev_c);

  // Stream-wide progress: watch id -1 at the revision everything has been delivered up to.
  etcdserverpb::WatchRequest progress;
  progress.mutable_progress_request();
  ASSERT_TRUE(stream->Write(progress));
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_EQ(response.watch_id(), -1);
  EXPECT_EQ(response.events_size(), 0);
  EXPECT_FALSE(response.canceled());
  EXPECT_EQ(response.header().revision(), rev_c);

  ASSERT_TRUE(stream->WritesDone());
  while (stream->Read(&response)) {
  }
  EXPECT_TRUE(stream->Finish().ok());
}

TEST_F(EtcdServerTest, CompactedStartRevisionCancelsTheWatch) {
  Put("k", "1");
  int64_t rev = Put("k", "2");
  Put("k", "3");
  ASSERT_TRUE(backend_->Compact(rev).ok());

  grpc::ClientContext context;
  SetDeadline(context);
  auto stream = watch_->Watch(&context);
  etcdserverpb::WatchRequest request;
  request.mutable_create_request()->set_key("k");
  request.mutable_create_request()->set_start_revision(rev - 1);
  ASSERT_TRUE(stream->Write(request));
  etcdserverpb::WatchResponse response;
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_TRUE(response.created());
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_TRUE(response.canceled());
  EXPECT_EQ(response.compact_revision(), rev);

  // A replay from above the compaction revision works, prev_kv included.
  request.mutable_create_request()->set_start_revision(rev + 1);
  request.mutable_create_request()->set_prev_kv(true);
  ASSERT_TRUE(stream->Write(request));
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_TRUE(response.created());
  ASSERT_TRUE(stream->Read(&response));
  ASSERT_EQ(response.events_size(), 1);
  EXPECT_EQ(response.events(0).kv().mod_revision(), rev + 1);
  EXPECT_EQ(response.events(0).kv().value(), "3");
  EXPECT_EQ(response.events(0).prev_kv().value(), "2");
  context.TryCancel();
  stream->Finish();
}

TEST_F(EtcdServerTest, KeepAliveStream) {
  etcdserverpb::LeaseGrantRequest grant;
  grant.set_ttl(30);
  etcdserverpb::LeaseGrantResponse granted;
  grpc::ClientContext grant_context;
  ASSERT_TRUE(lease_->LeaseGrant(&grant_context, grant, &granted).ok());
  EXPECT_NE(granted.id(), 0);
  EXPECT_EQ(granted.ttl(), 30);

  grpc::ClientContext context;
  SetDeadline(context);
  auto stream = lease_->LeaseKeepAlive(&context);
  etcdserverpb::LeaseKeepAliveRequest request;
  etcdserverpb::LeaseKeepAliveResponse response;
  for (int i = 0; i < 3; ++i) {
    request.set_id(granted.id());
    ASSERT_TRUE(stream->Write(request));
    ASSERT_TRUE(stream->Read(&response));
    EXPECT_EQ(response.id(), granted.id());
    EXPECT_EQ(response.ttl(), 30);
  }
  request.set_id(granted.id() + 1);  // unknown: TTL 0, the stream stays open
  ASSERT_TRUE(stream->Write(request));
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_EQ(response.ttl(), 0);
  ASSERT_TRUE(stream->WritesDone());
  EXPECT_TRUE(stream->Finish().ok());

  etcdserverpb::LeaseTimeToLiveRequest ttl;
  ttl.set_id(granted.id() + 1);
  etcdserverpb::LeaseTimeToLiveResponse ttl_response;
  grpc::ClientContext ttl_context;
  ASSERT_TRUE(lease_->LeaseTimeToLive(&ttl_context, ttl, &ttl_response).ok());
  EXPECT_EQ(ttl_response.ttl(), -1);
}

TEST_F(EtcdServerTest, StopEndsOpenStreams) {
  grpc::ClientContext context;
  SetDeadline(context);
  auto stream = watch_->Watch(&context);
  etcdserverpb::WatchRequest request;
  request.mutable_create_request()->set_key("x");
  ASSERT_TRUE(stream->Write(request));
  etcdserverpb::WatchResponse response;
  ASSERT_TRUE(stream->Read(&response));
  auto start = std::chrono::steady_clock::now();
  server_->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_FALSE(stream->Read(&response));
  stream->Finish();
}

TEST(EtcdServerProgressNotifyTest, IdleWatchGetsProgress) {
  SqliteBackendOptions options;
  options.auto_compaction = false;
  auto backend = OpenSqliteBackend(options);
  ASSERT_TRUE(backend.ok()) << backend.status();
  EtcdServerOptions server_options;
  server_options.listen_client_urls = {"http://127.0.0.1:0"};
  server_options.progress_notify_interval = std::chrono::milliseconds(50);
  auto server = EtcdServer::Start(**backend, server_options);
  ASSERT_TRUE(server.ok()) << server.status();
  auto channel = grpc::CreateChannel((*server)->client_urls()[0].substr(7),
                                     grpc::InsecureChannelCredentials());
  auto watch = etcdserverpb::Watch::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  auto stream = watch->Watch(&context);
  etcdserverpb::WatchRequest request;
  request.mutable_create_request()->set_key("quiet");
  request.mutable_create_request()->set_progress_notify(true);
  request.mutable_create_request()->set_watch_id(3);
  ASSERT_TRUE(stream->Write(request));
  etcdserverpb::WatchResponse response;
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_TRUE(response.created());
  // The next message is a progress notification for watch 3 at the current revision.
  ASSERT_TRUE(stream->Read(&response));
  EXPECT_EQ(response.watch_id(), 3);
  EXPECT_EQ(response.events_size(), 0);
  EXPECT_FALSE(response.canceled());
  EXPECT_EQ(response.header().revision(), (*backend)->CurrentRevision());
  context.TryCancel();
  stream->Finish();
  (*server)->Stop();
}

// A client that stops reading must not make the server buffer without bound.
TEST(EtcdServerSlowClientTest, StreamEndsWhenItsQueueOverflows) {
  SqliteBackendOptions options;
  options.auto_compaction = false;
  auto backend = OpenSqliteBackend(options);
  ASSERT_TRUE(backend.ok()) << backend.status();
  EtcdServerOptions server_options;
  server_options.listen_client_urls = {"http://127.0.0.1:0"};
  server_options.max_stream_queue_bytes = 1 << 20;
  auto server = EtcdServer::Start(**backend, server_options);
  ASSERT_TRUE(server.ok()) << server.status();
  auto channel = grpc::CreateChannel((*server)->client_urls()[0].substr(7),
                                     grpc::InsecureChannelCredentials());
  auto watch = etcdserverpb::Watch::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  auto stream = watch->Watch(&context);
  etcdserverpb::WatchRequest request;
  request.mutable_create_request()->set_key("big/");
  request.mutable_create_request()->set_range_end("big0");
  ASSERT_TRUE(stream->Write(request));
  etcdserverpb::WatchResponse response;
  ASSERT_TRUE(stream->Read(&response));
  ASSERT_TRUE(response.created());
  // 40 MiB of events that nobody reads: far beyond socket buffers and flow-control windows.
  const std::string value(256 * 1024, 'x');
  for (int i = 0; i < 160; ++i) {
    PutRequest put;
    put.key = "big/" + std::to_string(i);
    put.value = value;
    ASSERT_TRUE((*backend)->Put(put).ok());
  }
  int events = 0;
  while (stream->Read(&response)) events += response.events_size();
  grpc::Status status = stream->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << status.error_message();
  EXPECT_LT(events, 160);
  (*server)->Stop();
}

TEST(EtcdServerStartTest, RejectsPlaintextOffLoopback) {
  SqliteBackendOptions options;
  auto backend = OpenSqliteBackend(options);
  ASSERT_TRUE(backend.ok());
  EtcdServerOptions server_options;
  server_options.listen_client_urls = {"http://0.0.0.0:0"};
  auto server = EtcdServer::Start(**backend, server_options);
  EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace k1s::datastore::etcd
