// Streaming responses (chunked transfer encoding, as watches and logs use), OnClose, graceful
// shutdown, backpressure and many idle streams on few threads.

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "base/clock.h"
#include "base/subprocess.h"
#include "http/server.h"
#include "http/tests/test_client.h"

namespace k1s::http {
namespace {

using testing::RawClient;
using testing::TestServer;

constexpr absl::Duration kWait = absl::Seconds(5);

// Memory bounds are only meaningful without sanitizer redzones and shadow memory.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

ServerOptions StreamOptions() {
  ServerOptions options;
  options.name = "stream-test";
  options.io_threads = 2;
  options.worker_threads = 4;
  return options;
}

int64_t ThreadCount() {
  int64_t count = 0;
  DIR* dir = opendir("/proc/self/task");
  if (dir == nullptr) return -1;
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(dir);
  return count;
}

// Names of this process's threads (from /proc/self/task/<tid>/comm).
std::vector<std::string> ThreadNames() {
  std::vector<std::string> names;
  DIR* dir = opendir("/proc/self/task");
  if (dir == nullptr) return names;
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] == '.') continue;
    std::ifstream comm(std::string("/proc/self/task/") + entry->d_name + "/comm");
    std::string name;
    std::getline(comm, name);
    names.push_back(name);
  }
  closedir(dir);
  return names;
}

int64_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  int64_t size = 0;
  int64_t resident = 0;
  statm >> size >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}

// Threads started by handlers; joined on destruction so none outlives what it points at.
class Threads {
 public:
  ~Threads() {
    std::vector<std::thread> threads;
    {
      absl::MutexLock lock(&mu_);
      threads.swap(threads_);
    }
    for (std::thread& thread : threads) thread.join();
  }
  void Start(std::function<void()> body) {
    absl::MutexLock lock(&mu_);
    threads_.emplace_back(std::move(body));
  }

 private:
  absl::Mutex mu_;
  std::vector<std::thread> threads_ ABSL_GUARDED_BY(mu_);
};

// Keeps the writers of open streams and counts OnClose callbacks.
class StreamRegistry {
 public:
  void Add(std::shared_ptr<ResponseWriter> writer) {
    writer->OnClose([this] {
      absl::MutexLock lock(&mu_);
      ++closed_;
    });
    absl::MutexLock lock(&mu_);
    writers_.push_back(std::move(writer));
  }
  bool WaitForStreams(size_t count) {
    absl::MutexLock lock(&mu_);
    want_streams_ = count;
    return mu_.AwaitWithTimeout(absl::Condition(
                                    +[](StreamRegistry* r) ABSL_EXCLUSIVE_LOCKS_REQUIRED(r->mu_) {
                                      return r->writers_.size() >= r->want_streams_;
                                    },
                                    this),
                                kWait * 4);
  }
  bool WaitForClosed(int64_t count) {
    absl::MutexLock lock(&mu_);
    want_closed_ = count;
    return mu_.AwaitWithTimeout(absl::Condition(
                                    +[](StreamRegistry* r) ABSL_EXCLUSIVE_LOCKS_REQUIRED(r->mu_) {
                                      return r->closed_ >= r->want_closed_;
                                    },
                                    this),
                                kWait * 2);
  }
  int64_t closed() {
    absl::MutexLock lock(&mu_);
    return closed_;
  }
  std::shared_ptr<ResponseWriter> writer(size_t index) {
    absl::MutexLock lock(&mu_);
    return writers_.at(index);
  }
  void Clear() {
    absl::MutexLock lock(&mu_);
    writers_.clear();
  }

 private:
  absl::Mutex mu_;
  std::vector<std::shared_ptr<ResponseWriter>> writers_ ABSL_GUARDED_BY(mu_);
  int64_t closed_ ABSL_GUARDED_BY(mu_) = 0;
  size_t want_streams_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t want_closed_ ABSL_GUARDED_BY(mu_) = 0;
};

TEST(StreamingTest, ChunksReachTheClientAsTheyAreWritten) {
  absl::Notification first_seen;
  std::atomic<int> calls{0};
  Threads threads;
  TestServer server(StreamOptions(), [&](Request, std::shared_ptr<ResponseWriter> writer) {
    const bool first = ++calls == 1;
    EXPECT_TRUE(writer->StartStream(200, Headers{{"Content-Type", "application/json"}}));
    EXPECT_TRUE(writer->WriteChunk("{\"type\":\"ADDED\"}\n"));
    if (!first) return;  // the stream ends when the writer is dropped
    EXPECT_TRUE(writer->WriteChunk(""));
    // The second event is written only after the client saw the first one.
    threads.Start([writer, &first_seen] {
      first_seen.WaitForNotificationWithTimeout(kWait);
      EXPECT_TRUE(writer->WriteChunk("{\"type\":\"MODIFIED\"}\n"));
      EXPECT_TRUE(writer->EndStream());
      EXPECT_FALSE(writer->WriteChunk("late"));
    });
  });
  ASSERT_TRUE(server.start_status().ok());
  auto client = RawClient::Connect(server.port());
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE((*client)->Send("GET /watch HTTP/1.1\r\nHost: h\r\n\r\n"));
  ASSERT_TRUE((*client)->ReadUntil("{\"type\":\"ADDED\"}\n\r\n"));
  EXPECT_EQ((*client)->data(),
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
            "\r\n11\r\n{\"type\":\"ADDED\"}\n\r\n");
  first_seen.Notify();
  ASSERT_TRUE((*client)->ReadUntil("0\r\n\r\n"));
  EXPECT_NE((*client)->data().find("14\r\n{\"type\":\"MODIFIED\"}\n\r\n0\r\n\r\n"),
            std::string::npos);

  // The connection stays usable after a finished stream; dropping the writer ends a stream.
  (*client)->ClearData();
  ASSERT_TRUE((*client)->Send("GET /watch HTTP/1.1\r\nHost: h\r\n\r\n"));
  ASSERT_TRUE((*client)->ReadUntil("0\r\n\r\n"));
  EXPECT_NE((*client)->data().find("ADDED"), std::string::npos);
}

TEST(StreamingTest, CurlSeesEventsIncrementally) {
  absl::Notification release;
  Threads threads;
  TestServer server(StreamOptions(), [&](Request, std::shared_ptr<ResponseWriter> writer) {
    writer->StartStream(200, {});
    writer->WriteChunk("first\n");
    threads.Start([writer, &release] {
      release.WaitForNotificationWithTimeout(kWait);
      writer->WriteChunk("second\n");
      writer->EndStream();
    });
  });
  ASSERT_TRUE(server.start_status().ok());
  testing::TempDir dir;
  const std::string out = dir.File("out");
  auto curl = base::Subprocess::Start(
      {{"curl", "-sS", "-N", server.Url("/logs", false)}, {}, out, false, false});
  ASSERT_TRUE(curl.ok()) << curl.status();
  // curl has printed the first event while the server still holds back the second.
  std::string seen;
  for (int i = 0; i < 500 && seen.find("first\n") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::ifstream in(out);
    seen.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  EXPECT_EQ(seen, "first\n");
  release.Notify();
  EXPECT_EQ((*curl)->WaitFor(10 * base::kNanosPerSecond), 0);
  std::ifstream in(out);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()),
            "first\nsecond\n");
}

TEST(StreamingTest, OnCloseFiresWhenTheClientDisconnects) {
  StreamRegistry streams;
  TestServer server(StreamOptions(), [&](Request, std::shared_ptr<ResponseWriter> writer) {
    writer->StartStream(200, {});
    writer->WriteChunk("hello\n");
    streams.Add(std::move(writer));
  });
  ASSERT_TRUE(server.start_status().ok());
  {
    auto client = RawClient::Connect(server.port());
    ASSERT_TRUE(client.ok());
    ASSERT_TRUE((*client)->Send("GET /watch HTTP/1.1\r\nHost: h\r\n\r\n"));
    ASSERT_TRUE((*client)->ReadUntil("hello\n"));
    ASSERT_TRUE(streams.WaitForStreams(1));
    EXPECT_FALSE(streams.writer(0)->closed());
    EXPECT_EQ(streams.closed(), 0);
  }  // the client goes away
  ASSERT_TRUE(streams.WaitForClosed(1));
  EXPECT_TRUE(streams.writer(0)->closed());
  EXPECT_FALSE(streams.writer(0)->WriteChunk("anyone?"));
  // A callback added after the end runs at once.
  bool ran = false;
  streams.writer(0)->OnClose([&] { ran = true; });
  EXPECT_TRUE(ran);
  EXPECT_EQ(server.server().open_connections(), 0);
}

TEST(StreamingTest, AWriterMayOutliveTheServer) {
  StreamRegistry streams;
  auto server = std::make_unique<TestServer>(StreamOptions(),
                                             [&](Request, std::shared_ptr<ResponseWriter> writer) {
                                               writer->StartStream(200, {});
                                               writer->WriteChunk("hello\n");
                                               streams.Add(std::move(writer));
                                             });
  ASSERT_TRUE(server->start_status().ok());
  auto client = RawClient::Connect(server->port());
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE((*client)->Send("GET /watch HTTP/1.1\r\nHost: h\r\n\r\n"));
  ASSERT_TRUE((*client)->ReadUntil("hello\n"));
  ASSERT_TRUE(streams.WaitForStreams(1));
  std::shared_ptr<ResponseWriter> writer = streams.writer(0);
  streams.Clear();
  client->reset();
  server.reset();  // stopped and destroyed while the handler side still holds the writer
  EXPECT_TRUE(writer->closed());
  EXPECT_FALSE(writer->WriteChunk("late"));
  EXPECT_FALSE(writer->EndStream());
  EXPECT_EQ(streams.closed(), 1);
  writer.reset();  // releases the last piece of the server
}

TEST(StreamingTest, ClientThatStopsReadingIsDisconnected) {
  ServerOptions options = StreamOptions();
  options.max_pending_write_bytes = 256 * 1024;
  std::atomic<int64_t> written{0};
  absl::Notification refused;
  absl::Notification closed;
  Threads threads;
  TestServer server(options, [&](Request, std::shared_ptr<ResponseWriter> writer) {
    writer->OnClose([&] { closed.Notify(); });
    writer->StartStream(200, {});
    threads.Start([writer, &written, &refused] {
      const std::string chunk(64 * 1024, 'e');
      // Far more than socket buffers hold: the bounded queue must refuse well before this.
      for (int i = 0; i < 4096; ++i) {
        if (!writer->WriteChunk(chunk)) {
          refused.Notify();
          return;
        }
        written += static_cast<int64_t>(chunk.size());
      }
    });
  });
  ASSERT_TRUE(server.start_status().ok());
  auto client = RawClient::Connect(server.port());
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE((*client)->Send("GET /watch HTTP/1.1\r\nHost: h\r\n\r\n"));
  // The client reads nothing.
  ASSERT_TRUE(refused.WaitForNotificationWithTimeout(kWait * 2));
  EXPECT_TRUE(closed.WaitForNotificationWithTimeout(kWait));
  EXPECT_LT(written.load(), 128 * 1024 * 1024);
  std::printf("[ stats    ] stalled client dropped after %lld bytes were accepted\n",
              static_cast<long long>(written.load()));  // NOLINT(runtime/int)
}

TEST(StreamingTest, StopEndsStreamsAndFinishesInFlightRequests) {
  StreamRegistry streams;
  absl::Notification slow_started;
  absl::Notification release_slow;
  TestServer server(StreamOptions(), [&](Request request, std::shared_ptr<ResponseWriter> writer) {
    if (request.path == "/slow") {
      slow_started.Notify();
      release_slow.WaitForNotificationWithTimeout(kWait);
      writer->Respond(200, {}, "finished");
      return;
    }
    writer->StartStream(200, {});
    writer->WriteChunk("event\n");
    streams.Add(std::move(writer));
  });
  ASSERT_TRUE(server.start_status().ok());

  std::vector<std::unique_ptr<RawClient>> watchers;
  for (int i = 0; i < 3; ++i) {
    auto client = RawClient::Connect(server.port());
    ASSERT_TRUE(client.ok());
    ASSERT_TRUE((*client)->Send("GET /watch HTTP/1.1\r\nHost: h\r\n\r\n"));
    ASSERT_TRUE((*client)->ReadUntil("event\n"));
    watchers.push_back(std::move(*client));
  }
  auto idle = RawClient::Connect(server.port());
  auto slow = RawClient::Connect(server.port());
  ASSERT_TRUE(idle.ok() && slow.ok());
  ASSERT_TRUE((*slow)->Send("GET /slow HTTP/1.1\r\nHost: h\r\n\r\n"));
  ASSERT_TRUE(slow_started.WaitForNotificationWithTimeout(kWait));

  const int64_t start = testing::NowMillis();
  std::thread stopper([&] { server.Stop(); });
  // Streams end with the terminating chunk, then the server closes the connection.
  for (auto& watcher : watchers) {
    EXPECT_TRUE(watcher->ReadUntilClosed());
    const std::string& wire = watcher->data();
    EXPECT_EQ(wire.substr(wire.size() - 5), "0\r\n\r\n") << wire;
    watcher.reset();  // like a real client: close once the server has
  }
  EXPECT_TRUE((*idle)->ReadUntilClosed());
  idle->reset();
  EXPECT_TRUE(streams.WaitForClosed(3));
  // The in-flight request still gets its answer, marked as the last one on the connection.
  release_slow.Notify();
  auto response = (*slow)->ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->body, "finished");
  EXPECT_EQ(response->headers.Get("Connection"), "close");
  EXPECT_TRUE((*slow)->ReadUntilClosed());
  slow->reset();
  stopper.join();
  // Nobody waited for a linger or grace timeout: every client closed when the server did.
  EXPECT_LT(testing::NowMillis() - start, 1500);
  EXPECT_EQ(streams.closed(), 3);
  EXPECT_FALSE(streams.writer(0)->WriteChunk("after stop"));
  // Nothing listens any more.
  EXPECT_FALSE(RawClient::Connect(server.port()).ok());
}

TEST(StreamingTest, StopForceClosesWhatOutlivesTheGracePeriod) {
  ServerOptions options = StreamOptions();
  options.shutdown_grace_nanos = 200 * base::kNanosPerMilli;
  absl::Notification started;
  absl::Notification release;
  TestServer server(options, [&](Request, std::shared_ptr<ResponseWriter> writer) {
    started.Notify();
    // A handler stuck longer than the grace period.
    release.WaitForNotificationWithTimeout(kWait);
    EXPECT_FALSE(writer->Respond(200, {}, "too late"));
  });
  ASSERT_TRUE(server.start_status().ok());
  auto client = RawClient::Connect(server.port());
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE((*client)->Send("GET / HTTP/1.1\r\nHost: h\r\n\r\n"));
  ASSERT_TRUE(started.WaitForNotificationWithTimeout(kWait));
  std::thread stopper([&] { server.Stop(); });
  EXPECT_TRUE((*client)->ReadUntilClosed(3000));
  EXPECT_EQ((*client)->data(), "");
  release.Notify();
  stopper.join();
}

// The scale case: thousands of idle watch streams share two I/O threads.
TEST(StreamingTest, ThousandsOfIdleStreamsUseFewThreads) {
  constexpr int kStreams = 2000;
  rlimit limit{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &limit), 0);
  const rlim_t needed = 2 * kStreams + 256;
  if (limit.rlim_cur < needed) {
    if (limit.rlim_max < needed) GTEST_SKIP() << "RLIMIT_NOFILE hard limit too low";
    limit.rlim_cur = needed;
    ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &limit), 0);
  }

  StreamRegistry streams;
  TestServer server(StreamOptions(), [&](Request, std::shared_ptr<ResponseWriter> writer) {
    writer->StartStream(200, {});
    writer->WriteChunk("hello\n");
    streams.Add(std::move(writer));
  });
  ASSERT_TRUE(server.start_status().ok());
  {
    // Warm up allocator pools and lazy initialisation before measuring.
    auto warm = RawClient::Connect(server.port());
    ASSERT_TRUE(warm.ok());
    ASSERT_TRUE((*warm)->Send("GET / HTTP/1.1\r\nHost: h\r\n\r\n"));
    ASSERT_TRUE((*warm)->ReadUntil("hello\n"));
  }
  ASSERT_TRUE(streams.WaitForClosed(1));
  streams.Clear();
  const int64_t threads_before = ThreadCount();
  const int64_t rss_before = ResidentBytes();
  const int64_t start = testing::NowMillis();

  std::vector<std::unique_ptr<RawClient>> clients;
  clients.reserve(kStreams);
  for (int i = 0; i < kStreams; ++i) {
    auto client = RawClient::Connect(server.port());
    ASSERT_TRUE(client.ok()) << i << ": " << client.status();
    ASSERT_TRUE((*client)->Send("GET /watch HTTP/1.1\r\nHost: h\r\n\r\n"));
    clients.push_back(std::move(*client));
  }
  for (auto& client : clients) ASSERT_TRUE(client->ReadUntil("hello\n"));
  ASSERT_TRUE(streams.WaitForStreams(kStreams));
  const int64_t open_millis = testing::NowMillis() - start;
  const int64_t threads_during = ThreadCount();
  const int64_t rss_during = ResidentBytes();
  EXPECT_EQ(server.server().open_connections(), kStreams);
  // 1 test thread + 2 I/O + 4 workers, whatever the number of connections.
  EXPECT_EQ(threads_during, threads_before);
  EXPECT_LE(threads_during, 8);
  int io_threads = 0;
  int workers = 0;
  for (const std::string& name : ThreadNames()) {
    if (name.rfind("stream-test-io", 0) == 0) ++io_threads;
    if (name.rfind("stream-test-w", 0) == 0) ++workers;
  }
  EXPECT_EQ(io_threads, 2);
  EXPECT_EQ(workers, 4);
  const int64_t per_connection = (rss_during - rss_before) / kStreams;
  std::printf(
      "[ stats    ] %d idle streams: %lld threads, %lld bytes RSS per connection "
      "(server and test client in one process), opened in %lld ms\n",
      kStreams, static_cast<long long>(threads_during),  // NOLINT(runtime/int)
      static_cast<long long>(per_connection),            // NOLINT(runtime/int)
      static_cast<long long>(open_millis));              // NOLINT(runtime/int)
  if (!kSanitized) {
    EXPECT_LT(per_connection, 64 * 1024);
  }

  std::thread stopper([&] { server.Stop(); });
  int ended = 0;
  for (auto& client : clients) {
    const std::string& wire = client->data();
    if (client->ReadUntilClosed() && wire.size() >= 5 &&
        wire.compare(wire.size() - 5, 5, "0\r\n\r\n") == 0) {
      ++ended;
    }
    client.reset();
  }
  stopper.join();
  EXPECT_EQ(ended, kStreams);
  EXPECT_TRUE(streams.WaitForClosed(kStreams));
  EXPECT_EQ(server.server().open_connections(), 0);
}

// Parent/child protocol bytes for the TLS scale test.
constexpr char kWarmedUp = 'W';
constexpr char kContinue = 'C';
constexpr char kReady = 'R';
constexpr char kStopping = 'S';

bool ReadByte(int fd, char expected, int timeout_ms) {
  pollfd poll_fd{fd, POLLIN, 0};
  if (poll(&poll_fd, 1, timeout_ms) != 1) return false;
  char byte = 0;
  return read(fd, &byte, 1) == 1 && byte == expected;
}

bool WriteByte(int fd, char byte) { return write(fd, &byte, 1) == 1; }

// The forked client side of the TLS scale test; returns its exit code. Uses no gtest.
int RunTlsClients(int from_parent, int to_parent, const testing::TlsClientConfig& config,
                  int count) {
  uint16_t port = 0;
  if (read(from_parent, &port, sizeof(port)) != sizeof(port)) return 10;
  SSL_CTX* context = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nullptr);
  if (SSL_CTX_load_verify_locations(context, config.ca_file.c_str(), nullptr) != 1) return 11;
  testing::TlsClientConfig shared = config;
  shared.shared_context = context;
  {
    auto warm = RawClient::Connect(port, shared);
    if (!warm.ok() || !(*warm)->Send("GET / HTTP/1.1\r\nHost: h\r\n\r\n") ||
        !(*warm)->ReadUntil("hello\n", 10000)) {
      return 12;
    }
  }
  if (!WriteByte(to_parent, kWarmedUp) || !ReadByte(from_parent, kContinue, 30000)) return 13;
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int i = 0; i < count; ++i) {
    auto client = RawClient::Connect(port, shared);
    if (!client.ok() || !(*client)->Send("GET /watch HTTP/1.1\r\nHost: h\r\n\r\n")) return 14;
    clients.push_back(std::move(*client));
  }
  for (auto& client : clients) {
    if (!client->ReadUntil("hello\n", 10000)) return 15;
  }
  if (!WriteByte(to_parent, kReady) || !ReadByte(from_parent, kStopping, 60000)) return 16;
  int32_t ended = 0;
  for (auto& client : clients) {
    const std::string& wire = client->data();
    if (client->ReadUntilClosed(10000) && wire.size() >= 5 &&
        wire.compare(wire.size() - 5, 5, "0\r\n\r\n") == 0) {
      ++ended;
    }
  }
  clients.clear();
  SSL_CTX_free(context);
  return write(to_parent, &ended, sizeof(ended)) == sizeof(ended) ? 0 : 17;
}

// The same over TLS, with the clients in a child process so the server's memory is measured
// alone. The child is forked before the server starts any thread.
TEST(StreamingTest, ThousandsOfIdleTlsStreams) {
  constexpr int kStreams = 2000;
  rlimit limit{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &limit), 0);
  const rlim_t needed = kStreams + 256;
  if (limit.rlim_cur < needed) {
    if (limit.rlim_max < needed) GTEST_SKIP() << "RLIMIT_NOFILE hard limit too low";
    limit.rlim_cur = needed;
    ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &limit), 0);
  }
  testing::TempDir dir;
  auto pki = testing::MakeTestPki(dir);
  ASSERT_TRUE(pki.ok()) << pki.status();
  testing::TlsClientConfig config;
  config.ca_file = pki->server_ca;

  int to_child[2];
  int from_child[2];
  ASSERT_EQ(pipe2(to_child, O_CLOEXEC), 0);
  ASSERT_EQ(pipe2(from_child, O_CLOEXEC), 0);
  fflush(nullptr);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(to_child[1]);
    close(from_child[0]);
    _exit(RunTlsClients(to_child[0], from_child[1], config, kStreams));
  }
  close(to_child[0]);
  close(from_child[1]);
  const int to = to_child[1];
  const int from = from_child[0];
  auto finish_child = [&] {
    close(to);
    close(from);
    int status = 0;
    waitpid(child, &status, 0);
    return status;
  };

  StreamRegistry streams;
  ServerOptions options = StreamOptions();
  options.tls = TlsFiles{pki->server_cert, pki->server_key, ""};
  TestServer server(options, [&](Request, std::shared_ptr<ResponseWriter> writer) {
    writer->StartStream(200, {});
    writer->WriteChunk("hello\n");
    streams.Add(std::move(writer));
  });
  ASSERT_TRUE(server.start_status().ok()) << server.start_status();
  const uint16_t port = server.port();
  ASSERT_EQ(write(to, &port, sizeof(port)), static_cast<ssize_t>(sizeof(port)));
  ASSERT_TRUE(ReadByte(from, kWarmedUp, 30000)) << "child status " << finish_child();
  ASSERT_TRUE(streams.WaitForClosed(1));
  streams.Clear();
  const int64_t threads_before = ThreadCount();
  const int64_t rss_before = ResidentBytes();
  const int64_t start = testing::NowMillis();
  ASSERT_TRUE(WriteByte(to, kContinue));
  ASSERT_TRUE(ReadByte(from, kReady, 60000)) << "child status " << finish_child();
  ASSERT_TRUE(streams.WaitForStreams(kStreams));
  const int64_t open_millis = testing::NowMillis() - start;
  const int64_t threads_during = ThreadCount();
  const int64_t per_connection = (ResidentBytes() - rss_before) / kStreams;
  std::printf(
      "[ stats    ] %d idle TLS streams: %lld threads, %lld bytes server RSS per "
      "connection, opened in %lld ms\n",
      kStreams, static_cast<long long>(threads_during),  // NOLINT(runtime/int)
      static_cast<long long>(per_connection),            // NOLINT(runtime/int)
      static_cast<long long>(open_millis));              // NOLINT(runtime/int)
  EXPECT_EQ(server.server().open_connections(), kStreams);
  EXPECT_EQ(threads_during, threads_before);
  EXPECT_LE(threads_during, 8);
  if (!kSanitized) {
    EXPECT_LT(per_connection, 48 * 1024);
  }

  ASSERT_TRUE(WriteByte(to, kStopping));
  server.Stop();
  EXPECT_TRUE(streams.WaitForClosed(kStreams));
  int32_t ended = -1;
  pollfd poll_fd{from, POLLIN, 0};
  if (poll(&poll_fd, 1, 30000) == 1) {
    EXPECT_EQ(read(from, &ended, sizeof(ended)), static_cast<ssize_t>(sizeof(ended)));
  }
  EXPECT_EQ(ended, kStreams);
  const int status = finish_child();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

}  // namespace
}  // namespace k1s::http
