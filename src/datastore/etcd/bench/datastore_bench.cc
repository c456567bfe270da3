// datastore_bench: drives an etcd v3 server (k1s datastore or etcd itself) through the same
// generated gRPC stubs with fixed workloads and prints one line per workload:
//
//   workload=put_seq clients=1 ops=2000 seconds=1.93 ops_per_s=1036.3 p50_ms=0.95 p99_ms=1.80
//
// Workloads: put_seq (1 client, sequential puts), put_concurrent (64 clients), get_seq (1
// client, single-key reads: request overhead without a commit), range (reads of 1,000 keys),
// watch (100 watchers on one prefix; latency from put to event). Used by
// `scripts/bench datastore`, which runs it against both servers.
//
//   datastore_bench --endpoint 127.0.0.1:2379 [--workloads put_seq,range] [--scale 1.0]

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "etcdpb/rpc.grpc.pb.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string endpoint = "127.0.0.1:2379";
  std::string workloads = "put_seq,put_concurrent,get_seq,range,watch";
  double scale = 1.0;  // multiplies operation counts
};

int64_t NowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

double Percentile(std::vector<int64_t>& nanos, double p) {
  if (nanos.empty()) return 0;
  size_t index = static_cast<size_t>(p * static_cast<double>(nanos.size() - 1));
  std::nth_element(nanos.begin(), nanos.begin() + static_cast<std::ptrdiff_t>(index), nanos.end());
  return static_cast<double>(nanos[index]) / 1e6;
}

void Report(const char* workload, int clients, std::vector<int64_t> latencies, double seconds,
            int64_t ops) {
  double p50 = Percentile(latencies, 0.50);
  double p99 = Percentile(latencies, 0.99);
  std::printf(
      "workload=%s clients=%d ops=%lld seconds=%.2f ops_per_s=%.1f p50_ms=%.3f "
      "p99_ms=%.3f\n",
      workload, clients, static_cast<long long>(ops), seconds,
      seconds > 0 ? static_cast<double>(ops) / seconds : 0.0, p50, p99);
  std::fflush(stdout);
}

std::shared_ptr<grpc::Channel> NewChannel(const std::string& endpoint, int index) {
  grpc::ChannelArguments args;
  args.SetInt("k1s.bench.channel", index);  // distinct args: a separate connection per channel
  args.SetMaxReceiveMessageSize(-1);
  return grpc::CreateCustomChannel(endpoint, grpc::InsecureChannelCredentials(), args);
}

bool Put(etcdserverpb::KV::Stub& kv, const std::string& key, const std::string& value) {
  etcdserverpb::PutRequest request;
  request.set_key(key);
  request.set_value(value);
  etcdserverpb::PutResponse response;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  grpc::Status status = kv.Put(&context, request, &response);
  if (!status.ok()) {
    std::fprintf(stderr, "put %s: %s\n", key.c_str(), status.error_message().c_str());
    return false;
  }
  return true;
}

// `clients` threads share `connections` channels and do `total` puts between them.
void PutWorkload(const Options& options, const char* name, int clients, int connections,
                 int64_t total) {
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < connections; ++i) channels.push_back(NewChannel(options.endpoint, i));
  const std::string value(256, 'v');
  std::vector<std::vector<int64_t>> latencies(static_cast<size_t>(clients));
  std::atomic<int64_t> next{0};
  std::atomic<bool> failed{false};
  auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      auto stub = etcdserverpb::KV::NewStub(channels[static_cast<size_t>(c % connections)]);
      char key[64];
      for (int64_t i = next++; i < total && !failed; i = next++) {
        std::snprintf(key, sizeof(key), "bench/%s/%010lld", name, static_cast<long long>(i));
        int64_t begin = NowNanos();
        if (!Put(*stub, key, value)) failed = true;
        latencies[static_cast<size_t>(c)].push_back(NowNanos() - begin);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (failed) std::exit(1);
  std::vector<int64_t> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  Report(name, clients, std::move(all), seconds, total);
}

void GetWorkload(const Options& options, int64_t reads) {
  auto stub = etcdserverpb::KV::NewStub(NewChannel(options.endpoint, 0));
  if (!Put(*stub, "bench/get", std::string(256, 'g'))) std::exit(1);
  std::vector<int64_t> latencies;
  auto start = Clock::now();
  for (int64_t i = 0; i < reads; ++i) {
    etcdserverpb::RangeRequest request;
    request.set_key("bench/get");
    etcdserverpb::RangeResponse response;
    grpc::ClientContext context;
    int64_t begin = NowNanos();
    grpc::Status status = stub->Range(&context, request, &response);
    latencies.push_back(NowNanos() - begin);
    if (!status.ok() || response.kvs_size() != 1) {
      std::fprintf(stderr, "get: %s\n", status.error_message().c_str());
      std::exit(1);
    }
  }
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  Report("get_seq", 1, std::move(latencies), seconds, reads);
}

void RangeWorkload(const Options& options, int64_t reads) {
  auto channel = NewChannel(options.endpoint, 0);
  auto stub = etcdserverpb::KV::NewStub(channel);
  const std::string value(256, 'r');
  char key[64];
  for (int i = 0; i < 1000; ++i) {
    std::snprintf(key, sizeof(key), "bench/range/%04d", i);
    if (!Put(*stub, key, value)) std::exit(1);
  }
  std::vector<int64_t> latencies;
  auto start = Clock::now();
  for (int64_t i = 0; i < reads; ++i) {
    etcdserverpb::RangeRequest request;
    request.set_key("bench/range/");
    request.set_range_end("bench/range0");  // prefix end: '/' + 1
    etcdserverpb::RangeResponse response;
    grpc::ClientContext context;
    int64_t begin = NowNanos();
    grpc::Status status = stub->Range(&context, request, &response);
    latencies.push_back(NowNanos() - begin);
    if (!status.ok() || response.kvs_size() != 1000) {
      std::fprintf(stderr, "range: %s, %d keys\n", status.error_message().c_str(),
                   response.kvs_size());
      std::exit(1);
    }
  }
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  Report("range_1000", 1, std::move(latencies), seconds, reads);
}

// 100 watch streams on one prefix; a writer puts `events` keys whose value is the send time;
// every watcher records now - send time for each event.
void WatchWorkload(const Options& options, int watchers, int64_t events) {
  constexpr int kConnections = 10;
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < kConnections; ++i) channels.push_back(NewChannel(options.endpoint, 100 + i));
  std::vector<std::vector<int64_t>> latencies(static_cast<size_t>(watchers));
  std::atomic<int> ready{0};
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  for (int w = 0; w < watchers; ++w) contexts.push_back(std::make_unique<grpc::ClientContext>());
  std::vector<std::thread> threads;
  for (int w = 0; w < watchers; ++w) {
    threads.emplace_back([&, w] {
      auto stub = etcdserverpb::Watch::NewStub(channels[static_cast<size_t>(w % kConnections)]);
      auto stream = stub->Watch(contexts[static_cast<size_t>(w)].get());
      etcdserverpb::WatchRequest request;
      request.mutable_create_request()->set_key("bench/watch/");
      request.mutable_create_request()->set_range_end("bench/watch0");
      stream->Write(request);
      etcdserverpb::WatchResponse response;
      int64_t seen = 0;
      while (seen < events && stream->Read(&response)) {
        if (response.created()) {
          ++ready;
          continue;
        }
        int64_t now = NowNanos();
        for (const auto& event : response.events()) {
          latencies[static_cast<size_t>(w)].push_back(now - std::stoll(event.kv().value()));
          ++seen;
        }
      }
      stream->WritesDone();
      contexts[static_cast<size_t>(w)]->TryCancel();
      stream->Finish();
    });
  }
  while (ready.load() < watchers) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  auto stub = etcdserverpb::KV::NewStub(NewChannel(options.endpoint, 999));
  auto start = Clock::now();
  char key[64];
  for (int64_t i = 0; i < events; ++i) {
    std::snprintf(key, sizeof(key), "bench/watch/%08lld", static_cast<long long>(i));
    if (!Put(*stub, key, std::to_string(NowNanos()))) std::exit(1);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  for (auto& thread : threads) thread.join();
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<int64_t> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  int64_t delivered = static_cast<int64_t>(all.size());
  Report("watch_100", watchers, std::move(all), seconds, delivered);
}

void Cleanup(const Options& options) {
  auto stub = etcdserverpb::KV::NewStub(NewChannel(options.endpoint, 1000));
  etcdserverpb::DeleteRangeRequest request;
  request.set_key("bench/");
  request.set_range_end("bench0");
  etcdserverpb::DeleteRangeResponse response;
  grpc::ClientContext context;
  stub->DeleteRange(&context, request, &response);
}

int64_t Scaled(const Options& options, int64_t n) {
  return std::max<int64_t>(1, static_cast<int64_t>(static_cast<double>(n) * options.scale));
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--endpoint") {
      options.endpoint = argv[i + 1];
    } else if (flag == "--workloads") {
      options.workloads = argv[i + 1];
    } else if (flag == "--scale") {
      options.scale = std::atof(argv[i + 1]);
    } else {
      std::fprintf(stderr, "usage: %s --endpoint HOST:PORT [--workloads a,b] [--scale F]\n",
                   argv[0]);
      return 2;
    }
  }
  auto want = [&](const char* name) {
    return ("," + options.workloads + ",").find(std::string(",") + name + ",") != std::string::npos;
  };
  Cleanup(options);
  if (want("put_seq")) PutWorkload(options, "put_seq", 1, 1, Scaled(options, 2000));
  if (want("put_concurrent")) PutWorkload(options, "put_concurrent", 64, 8, Scaled(options, 20000));
  if (want("get_seq")) GetWorkload(options, Scaled(options, 2000));
  if (want("range")) RangeWorkload(options, Scaled(options, 300));
  if (want("watch")) WatchWorkload(options, 100, Scaled(options, 200));
  Cleanup(options);
  return 0;
}
