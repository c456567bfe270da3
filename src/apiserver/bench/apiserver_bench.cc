// apiserver_bench: drives a running k1s API server over HTTPS, authenticated with the admin
// kubeconfig's client certificate, through fixed scenarios and prints one line per scenario
// plus a final one-line JSON summary:
//
//   scenario=creates clients=32 ops=10000 errors=0 seconds=3.09 ops_per_s=3232.0 p50_ms=8.99 ...
//
// Scenarios, in order, all in one fresh namespace:
//   creates  N small ConfigMaps (2 data keys, ~100 bytes) from C concurrent clients, each a
//            keep-alive connection of its own;
//   list     GET of the whole collection, repeated; latency and response size;
//   watch    W concurrent watches from the current resourceVersion, then U merge-patches of
//            one ConfigMap, one at a time; for every event each watcher receives, the time
//            since the patch's response arrived (0 when the event came first: counted as
//            before_response) and since the patch was sent;
//   memory   the server's VmRSS (--server-pid, read from /proc) at each step, and its VmHWM
//            at the end; every scenario also reports the CPU seconds the server and this tool
//            used, which a shared 2-core machine distorts less than latencies.
// Exits 1 when any create, list or update failed. Used by `scripts/bench apiserver`, which starts a
// fresh server for it.
//
//   apiserver_bench --kubeconfig K.yaml [--server-pid PID] [--objects 10000] [--clients 32]
//                   [--lists 20] [--watchers 1000] [--updates 100] [--update-interval-ms 50]
//                   [--watch-threads 2] [--scale F] [--namespace NAME]
//
// Why libcurl: its blob options take the kubeconfig's PEM material as is; an easy handle keeps
// its connection alive across requests, so a create client is one TLS connection, as a
// controller's would be; and its multi interface, driven here through socket callbacks and
// poll(2), follows a thousand chunked watch streams from two threads while touching only the
// sockets that have data (curl_multi_perform would walk every transfer on each wake-up and skew
// the latencies it is meant to measure). Beast would need the HTTP client written by hand.
//
// Single-process tool; threads share nothing but atomics until they are joined.

#include <curl/curl.h>
#include <poll.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "pki/kubeconfig.h"

namespace {

using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

// Every event carries this marker followed by the update's sequence number, so a watcher can
// tell which update a line belongs to without parsing JSON on the measuring thread.
constexpr std::string_view kSeqMarker = "k1s-bench-seq-";

// Targets from the brief (docs/benchmarks.md).
constexpr double kMutatingP99TargetMs = 50;
constexpr double kList10kTargetMs = 200;
constexpr double kRss10kTargetMb = 150;

struct Options {
  std::string kubeconfig;
  int64_t server_pid = 0;
  std::string namespace_name;
  int64_t objects = 10000;
  int32_t clients = 32;
  int64_t lists = 20;
  int64_t watchers = 1000;
  int64_t updates = 100;
  int64_t update_interval_ms = 50;
  int32_t watch_threads = 2;
  double scale = 1.0;
};

int64_t NowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

double Ms(int64_t nanos) { return static_cast<double>(nanos) / 1e6; }

struct Distribution {
  int64_t count = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
  double mean_ms = 0;
};

// Nearest-rank percentiles.
Distribution Summarize(std::vector<int64_t> nanos) {
  Distribution d;
  d.count = static_cast<int64_t>(nanos.size());
  if (nanos.empty()) return d;
  std::sort(nanos.begin(), nanos.end());
  auto rank = [&](double p) {
    size_t index = static_cast<size_t>(p * static_cast<double>(nanos.size()) + 0.999999);
    return Ms(nanos[std::min(nanos.size(), std::max<size_t>(index, 1)) - 1]);
  };
  d.p50_ms = rank(0.50);
  d.p99_ms = rank(0.99);
  d.max_ms = Ms(nanos.back());
  double sum = 0;
  for (int64_t n : nanos) sum += static_cast<double>(n);
  d.mean_ms = sum / static_cast<double>(nanos.size()) / 1e6;
  return d;
}

json ToJson(const Distribution& d) {
  return {{"count", d.count},
          {"p50_ms", d.p50_ms},
          {"p99_ms", d.p99_ms},
          {"max_ms", d.max_ms},
          {"mean_ms", d.mean_ms}};
}

// ---------------------------------------------------------------------------------------------
// Server memory.

struct Memory {
  double rss_mb = -1;  // -1: unknown (no --server-pid, or the process is gone)
  double hwm_mb = -1;
};

Memory ReadMemory(int64_t pid) {
  Memory memory;
  if (pid <= 0) return memory;
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    auto value = [&](std::string_view key) {
      return std::strtod(line.c_str() + key.size(), nullptr) / 1024.0;  // kB -> MiB
    };
    if (line.rfind("VmRSS:", 0) == 0) memory.rss_mb = value("VmRSS:");
    if (line.rfind("VmHWM:", 0) == 0) memory.hwm_mb = value("VmHWM:");
  }
  return memory;
}

// CPU seconds used by the server and by this tool: on a shared 2-core machine they say more
// about cost than latencies do, and show whether the load generator itself was the bottleneck.
class CpuMeter {
 public:
  explicit CpuMeter(int64_t pid) : pid_(pid), server_(ServerSeconds()), self_(SelfSeconds()) {}
  double server_seconds() const { return pid_ > 0 ? ServerSeconds() - server_ : -1; }
  double self_seconds() const { return SelfSeconds() - self_; }
  json ToJson() const {
    return {{"server_cpu_s", server_seconds()}, {"bench_cpu_s", self_seconds()}};
  }

 private:
  double ServerSeconds() const {
    if (pid_ <= 0) return 0;
    std::ifstream in("/proc/" + std::to_string(pid_) + "/stat");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // Fields after the parenthesized command name; utime and stime are fields 14 and 15.
    size_t close = text.rfind(')');
    if (close == std::string::npos) return 0;
    std::istringstream fields(text.substr(close + 2));
    std::string field;
    double ticks = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i) {
      if (i >= 14) ticks += std::strtod(field.c_str(), nullptr);
    }
    return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
  }
  static double SelfSeconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    auto seconds = [](const timeval& t) {
      return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
    };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
  }

  int64_t pid_;
  double server_;
  double self_;
};

// ---------------------------------------------------------------------------------------------
// HTTP.

absl::StatusOr<k1s::pki::Kubeconfig> LoadKubeconfig(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("read kubeconfig ", path));
  std::stringstream text;
  text << in.rdbuf();
  return k1s::pki::ParseKubeconfig(text.str(), std::filesystem::path(path).parent_path());
}

size_t AppendToString(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

void SetBlob(CURL* easy, CURLoption option, const std::string& pem) {
  curl_blob blob;
  blob.data = const_cast<char*>(pem.data());
  blob.len = pem.size();
  blob.flags = CURL_BLOB_COPY;
  curl_easy_setopt(easy, option, &blob);
}

// An easy handle with the kubeconfig's TLS material, HTTP/1.1 and keep-alive.
CURL* NewEasy(const k1s::pki::Kubeconfig& config) {
  CURL* easy = curl_easy_init();
  if (easy == nullptr) {
    std::fprintf(stderr, "curl_easy_init failed\n");
    std::exit(1);
  }
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(easy, CURLOPT_SSLCERTTYPE, "PEM");
  curl_easy_setopt(easy, CURLOPT_SSLKEYTYPE, "PEM");
  SetBlob(easy, CURLOPT_CAINFO_BLOB, config.ca_pem);
  SetBlob(easy, CURLOPT_SSLCERT_BLOB, config.client_cert_pem);
  SetBlob(easy, CURLOPT_SSLKEY_BLOB, config.client_key_pem);
  return easy;
}

struct Response {
  int64_t code = 0;  // 0: transport error
  std::string body;
  std::string error;
  int64_t latency_ns = 0;
  int64_t sent_ns = 0;  // when the request started
  int64_t done_ns = 0;  // when the whole response had arrived
};

// One keep-alive connection; one request at a time. Thread-compatible.
class Client {
 public:
  explicit Client(const k1s::pki::Kubeconfig& config)
      : base_(config.server_url), easy_(NewEasy(config)) {
    while (!base_.empty() && base_.back() == '/') base_.pop_back();
  }
  ~Client() { curl_easy_cleanup(easy_); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  Response Do(const char* method, const std::string& path, const std::string& body = "",
              const char* content_type = "application/json") {
    Response response;
    curl_slist* headers = curl_slist_append(nullptr, "Accept: application/json");
    headers = curl_slist_append(headers, "Expect:");
    std::string type_header = absl::StrCat("Content-Type: ", content_type);
    const std::string url = base_ + path;
    curl_easy_setopt(easy_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(easy_, CURLOPT_TIMEOUT_MS, 60000L);
    if (std::strcmp(method, "GET") == 0) {
      curl_easy_setopt(easy_, CURLOPT_HTTPGET, 1L);
      curl_easy_setopt(easy_, CURLOPT_CUSTOMREQUEST, nullptr);
    } else {
      headers = curl_slist_append(headers, type_header.c_str());
      curl_easy_setopt(easy_, CURLOPT_POSTFIELDS, body.data());
      curl_easy_setopt(easy_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
      curl_easy_setopt(easy_, CURLOPT_CUSTOMREQUEST, method);
    }
    curl_easy_setopt(easy_, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(easy_, CURLOPT_WRITEFUNCTION, AppendToString);
    curl_easy_setopt(easy_, CURLOPT_WRITEDATA, &response.body);
    response.sent_ns = NowNanos();
    CURLcode result = curl_easy_perform(easy_);
    response.done_ns = NowNanos();
    response.latency_ns = response.done_ns - response.sent_ns;
    curl_slist_free_all(headers);
    if (result != CURLE_OK) {
      response.error = curl_easy_strerror(result);
      return response;
    }
    long code = 0;
    curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &code);
    response.code = code;
    return response;
  }

 private:
  std::string base_;
  CURL* easy_;
};

std::string Describe(const Response& response) {
  if (response.code == 0) return absl::StrCat("transport error: ", response.error);
  return absl::StrCat("HTTP ", response.code, ": ", response.body.substr(0, 300));
}

// ---------------------------------------------------------------------------------------------
// Scenarios.

std::string ConfigMapBody(const std::string& name, int64_t i) {
  char value[64];
  std::snprintf(value, sizeof(value), "value-%08" PRId64 "-abcdefghijklmnopqrstuvwxyz", i);
  return absl::StrCat(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":")", name,
                      R"("},"data":{"alpha":")", value, R"(","beta":")", value, R"("}})");
}

json Creates(const k1s::pki::Kubeconfig& config, const Options& options) {
  const std::string path =
      absl::StrCat("/api/v1/namespaces/", options.namespace_name, "/configmaps");
  std::vector<std::vector<int64_t>> latencies(static_cast<size_t>(options.clients));
  std::vector<std::map<int64_t, int64_t>> codes(static_cast<size_t>(options.clients));
  std::atomic<int64_t> next{0};
  std::atomic<bool> reported{false};
  // Connect every client first so that handshakes stay out of the measurement.
  std::vector<std::unique_ptr<Client>> clients;
  for (int32_t c = 0; c < options.clients; ++c) {
    clients.push_back(std::make_unique<Client>(config));
    clients.back()->Do("GET", "/api/v1/namespaces/" + options.namespace_name);
  }
  const CpuMeter cpu(options.server_pid);
  const int64_t start = NowNanos();
  std::vector<std::thread> threads;
  for (int32_t c = 0; c < options.clients; ++c) {
    threads.emplace_back([&, c] {
      const auto slot = static_cast<size_t>(c);
      char name[32];
      for (int64_t i = next++; i < options.objects; i = next++) {
        std::snprintf(name, sizeof(name), "cm-%06" PRId64, i);
        Response response = clients[slot]->Do("POST", path, ConfigMapBody(name, i));
        latencies[slot].push_back(response.latency_ns);
        ++codes[slot][response.code];
        if (response.code != 201 && !reported.exchange(true)) {
          std::fprintf(stderr, "create %s: %s\n", name, Describe(response).c_str());
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const double seconds = static_cast<double>(NowNanos() - start) / 1e9;
  std::vector<int64_t> all;
  std::map<int64_t, int64_t> by_code;
  for (size_t c = 0; c < latencies.size(); ++c) {
    all.insert(all.end(), latencies[c].begin(), latencies[c].end());
    for (auto [code, n] : codes[c]) by_code[code] += n;
  }
  int64_t errors = options.objects - (by_code.count(201) ? by_code[201] : 0);
  Distribution d = Summarize(std::move(all));
  double rate = seconds > 0 ? static_cast<double>(options.objects) / seconds : 0;
  std::printf("scenario=creates clients=%d ops=%" PRId64 " errors=%" PRId64
              " seconds=%.2f ops_per_s=%.1f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f server_cpu_s=%.2f"
              " bench_cpu_s=%.2f\n",
              options.clients, options.objects, errors, seconds, rate, d.p50_ms, d.p99_ms, d.max_ms,
              cpu.server_seconds(), cpu.self_seconds());
  std::fflush(stdout);
  json codes_json = json::object();
  for (auto [code, n] : by_code) codes_json[std::to_string(code)] = n;
  json out = ToJson(d);
  out["clients"] = options.clients;
  out["ops"] = options.objects;
  out["errors"] = errors;
  out["status_codes"] = codes_json;
  out["seconds"] = seconds;
  out["ops_per_s"] = rate;
  out.update(cpu.ToJson());
  return out;
}

json List(const k1s::pki::Kubeconfig& config, const Options& options) {
  const std::string path =
      absl::StrCat("/api/v1/namespaces/", options.namespace_name, "/configmaps");
  Client client(config);
  client.Do("GET", "/api/v1/namespaces/" + options.namespace_name);  // connect
  std::vector<int64_t> latencies;
  int64_t bytes = 0;
  int64_t items = -1;
  int64_t errors = 0;
  const CpuMeter cpu(options.server_pid);
  for (int64_t i = 0; i < options.lists; ++i) {
    Response response = client.Do("GET", path);
    if (response.code != 200) {
      std::fprintf(stderr, "list: %s\n", Describe(response).c_str());
      ++errors;
      continue;
    }
    latencies.push_back(response.latency_ns);
    bytes = static_cast<int64_t>(response.body.size());
    if (items < 0) {
      json list = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
      items = list.is_object() && list.contains("items") && list["items"].is_array()
                  ? static_cast<int64_t>(list["items"].size())
                  : -1;
    }
  }
  Distribution d = Summarize(std::move(latencies));
  std::printf("scenario=list items=%" PRId64 " reps=%" PRId64 " errors=%" PRId64 " bytes=%" PRId64
              " p50_ms=%.2f p99_ms=%.2f max_ms=%.2f server_cpu_s=%.2f"
              " bench_cpu_s=%.2f\n",
              items, options.lists, errors, bytes, d.p50_ms, d.p99_ms, d.max_ms,
              cpu.server_seconds(), cpu.self_seconds());
  std::fflush(stdout);
  json out = ToJson(d);
  out["items"] = items;
  out["reps"] = options.lists;
  out["errors"] = errors;
  out["response_bytes"] = bytes;
  out.update(cpu.ToJson());
  return out;
}

// One watch stream. Owned by its group's thread until that thread is joined; `received` may
// be read by anyone.
struct Watcher {
  CURL* easy = nullptr;
  std::string partial;                              // bytes after the last newline
  std::vector<std::pair<int64_t, int64_t>> events;  // (update sequence, receive time)
  int64_t other_lines = 0;
  std::string first_other;
  std::atomic<int64_t> received{0};
  std::atomic<bool> ready{false};
  bool ended = false;  // the stream finished before we stopped it
  std::string end_reason;
};

size_t WatchHeader(char* data, size_t size, size_t count, void* user) {
  auto* watcher = static_cast<Watcher*>(user);
  std::string_view line(data, size * count);
  if (line == "\r\n" || line == "\n") {
    long code = 0;
    curl_easy_getinfo(watcher->easy, CURLINFO_RESPONSE_CODE, &code);
    if (code == 200) watcher->ready = true;
  }
  return size * count;
}

size_t WatchBody(char* data, size_t size, size_t count, void* user) {
  const int64_t now = NowNanos();
  auto* watcher = static_cast<Watcher*>(user);
  std::string_view chunk(data, size * count);
  size_t newline;
  while ((newline = chunk.find('\n')) != std::string_view::npos) {
    watcher->partial.append(chunk.substr(0, newline));
    chunk.remove_prefix(newline + 1);
    const std::string& line = watcher->partial;
    size_t at = line.find(kSeqMarker);
    if (at != std::string::npos) {
      watcher->events.emplace_back(std::atoll(line.c_str() + at + kSeqMarker.size()), now);
      ++watcher->received;
    } else if (!line.empty()) {
      if (watcher->other_lines++ == 0) watcher->first_other = line.substr(0, 300);
    }
    watcher->partial.clear();
  }
  watcher->partial.append(chunk);
  return size * count;
}

// Drives a share of the watchers with curl's socket interface over poll(2).
class WatchGroup {
 public:
  WatchGroup(const k1s::pki::Kubeconfig& config, std::string url, std::vector<Watcher*> watchers)
      : config_(config), url_(std::move(url)), watchers_(std::move(watchers)) {}

  void Run(const std::atomic<bool>& stop) {
    CURLM* multi = curl_multi_init();
    curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, OnSocket);
    curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, this);
    curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, OnTimer);
    curl_multi_setopt(multi, CURLMOPT_TIMERDATA, this);
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, static_cast<long>(watchers_.size() + 8));
    curl_slist* headers = curl_slist_append(nullptr, "Accept: application/json");
    std::unordered_map<CURL*, Watcher*> by_easy;
    for (Watcher* watcher : watchers_) {
      watcher->easy = NewEasy(config_);
      curl_easy_setopt(watcher->easy, CURLOPT_URL, url_.c_str());
      curl_easy_setopt(watcher->easy, CURLOPT_HTTPHEADER, headers);
      curl_easy_setopt(watcher->easy, CURLOPT_HEADERFUNCTION, WatchHeader);
      curl_easy_setopt(watcher->easy, CURLOPT_HEADERDATA, watcher);
      curl_easy_setopt(watcher->easy, CURLOPT_WRITEFUNCTION, WatchBody);
      curl_easy_setopt(watcher->easy, CURLOPT_WRITEDATA, watcher);
      curl_easy_setopt(watcher->easy, CURLOPT_CONNECTTIMEOUT_MS, 60000L);
      curl_multi_add_handle(multi, watcher->easy);
      by_easy[watcher->easy] = watcher;
    }
    int running = 0;
    curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running);
    std::vector<pollfd> fds;
    while (!stop) {
      fds.clear();
      for (auto [socket, what] : sockets_) {
        pollfd fd{};
        fd.fd = socket;
        if (what == CURL_POLL_IN || what == CURL_POLL_INOUT) fd.events |= POLLIN;
        if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT) fd.events |= POLLOUT;
        fds.push_back(fd);
      }
      int wait_ms = 50;  // bounds how long a stop request waits
      if (timer_deadline_ns_ >= 0) {
        wait_ms = static_cast<int>(
            std::clamp<int64_t>((timer_deadline_ns_ - NowNanos()) / 1'000'000, 0, wait_ms));
      }
      int ready = poll(fds.data(), fds.size(), wait_ms);
      if (ready > 0) {
        for (const pollfd& fd : fds) {
          if (fd.revents == 0) continue;
          int mask = 0;
          if (fd.revents & POLLIN) mask |= CURL_CSELECT_IN;
          if (fd.revents & POLLOUT) mask |= CURL_CSELECT_OUT;
          if (fd.revents & (POLLERR | POLLHUP | POLLNVAL)) mask |= CURL_CSELECT_ERR;
          curl_multi_socket_action(multi, fd.fd, mask, &running);
        }
      }
      if (timer_deadline_ns_ >= 0 && NowNanos() >= timer_deadline_ns_) {
        timer_deadline_ns_ = -1;
        curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running);
      }
      int queued = 0;
      while (CURLMsg* message = curl_multi_info_read(multi, &queued)) {
        if (message->msg != CURLMSG_DONE) continue;
        Watcher* watcher = by_easy[message->easy_handle];
        watcher->ended = true;
        long code = 0;
        curl_easy_getinfo(message->easy_handle, CURLINFO_RESPONSE_CODE, &code);
        watcher->end_reason =
            absl::StrCat(curl_easy_strerror(message->data.result), ", HTTP ", code);
      }
    }
    for (Watcher* watcher : watchers_) {
      curl_multi_remove_handle(multi, watcher->easy);
      curl_easy_cleanup(watcher->easy);
      watcher->easy = nullptr;
    }
    curl_multi_cleanup(multi);
    curl_slist_free_all(headers);
  }

 private:
  static int OnSocket(CURL*, curl_socket_t socket, int what, void* user, void*) {
    auto* group = static_cast<WatchGroup*>(user);
    if (what == CURL_POLL_REMOVE) {
      group->sockets_.erase(socket);
    } else {
      group->sockets_[socket] = what;
    }
    return 0;
  }

  static int OnTimer(CURLM*, long timeout_ms, void* user) {
    auto* group = static_cast<WatchGroup*>(user);
    group->timer_deadline_ns_ = timeout_ms < 0 ? -1 : NowNanos() + timeout_ms * 1'000'000;
    return 0;
  }

  const k1s::pki::Kubeconfig& config_;
  const std::string url_;
  const std::vector<Watcher*> watchers_;
  std::unordered_map<curl_socket_t, int> sockets_;
  int64_t timer_deadline_ns_ = -1;
};

// `connected`: server memory once every watch is open, before any event; `while_watching`: after
// the last event was delivered, with the watches still open.
json Watch(const k1s::pki::Kubeconfig& config, const Options& options, Memory* connected,
           Memory* while_watching) {
  const std::string collection =
      absl::StrCat("/api/v1/namespaces/", options.namespace_name, "/configmaps");
  Client writer(config);
  Response created = writer.Do(
      "POST", collection,
      R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"watch-target"},"data":{}})");
  if (created.code != 201) {
    std::fprintf(stderr, "create watch-target: %s\n", Describe(created).c_str());
    std::exit(1);
  }
  const json target = json::parse(created.body, nullptr, /*allow_exceptions=*/false);
  std::string version;
  if (target.is_object()) {
    version = target.value(json::json_pointer("/metadata/resourceVersion"), std::string());
  }
  if (version.empty()) {  // without it the watches would replay every object first
    std::fprintf(stderr, "create watch-target: no resourceVersion in %s\n", created.body.c_str());
    std::exit(1);
  }
  std::string server = config.server_url;
  while (!server.empty() && server.back() == '/') server.pop_back();
  const std::string url = absl::StrCat(server, collection, "?watch=true&resourceVersion=", version);

  std::vector<std::unique_ptr<Watcher>> watchers;
  for (int64_t w = 0; w < options.watchers; ++w) watchers.push_back(std::make_unique<Watcher>());
  std::vector<std::unique_ptr<WatchGroup>> groups;
  for (int32_t g = 0; g < options.watch_threads; ++g) {
    std::vector<Watcher*> share;
    for (size_t w = static_cast<size_t>(g); w < watchers.size();
         w += static_cast<size_t>(options.watch_threads)) {
      share.push_back(watchers[w].get());
    }
    groups.push_back(std::make_unique<WatchGroup>(config, url, std::move(share)));
  }
  std::atomic<bool> stop{false};
  std::unique_ptr<CpuMeter> cpu = std::make_unique<CpuMeter>(options.server_pid);
  const int64_t connect_start = NowNanos();
  std::vector<std::thread> threads;
  for (auto& group : groups) threads.emplace_back([&stop, g = group.get()] { g->Run(stop); });

  // Wait for every stream's response headers (or give up after 60 s and go on with the rest).
  auto count_ready = [&] {
    int64_t n = 0;
    for (auto& w : watchers) n += w->ready ? 1 : 0;
    return n;
  };
  int64_t ready = 0;
  while ((ready = count_ready()) < options.watchers &&
         NowNanos() - connect_start < 60'000'000'000) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const double connect_seconds = static_cast<double>(NowNanos() - connect_start) / 1e9;
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // let the handshakes settle
  const json connect_cpu = cpu->ToJson();
  *connected = ReadMemory(options.server_pid);
  cpu = std::make_unique<CpuMeter>(options.server_pid);

  std::vector<int64_t> sent(static_cast<size_t>(options.updates));
  std::vector<int64_t> answered(static_cast<size_t>(options.updates));
  std::vector<int64_t> update_latencies;
  int64_t update_errors = 0;
  const auto first = Clock::now();
  for (int64_t i = 0; i < options.updates; ++i) {
    std::this_thread::sleep_until(first +
                                  std::chrono::milliseconds(options.update_interval_ms * i));
    char patch[96];
    std::snprintf(patch, sizeof(patch), R"({"data":{"seq":"%.*s%06)" PRId64 R"("}})",
                  static_cast<int>(kSeqMarker.size()), kSeqMarker.data(), i);
    Response response =
        writer.Do("PATCH", collection + "/watch-target", patch, "application/merge-patch+json");
    sent[static_cast<size_t>(i)] = response.sent_ns;
    answered[static_cast<size_t>(i)] = response.done_ns;
    update_latencies.push_back(response.latency_ns);
    if (response.code != 200) {
      if (update_errors++ == 0) std::fprintf(stderr, "patch: %s\n", Describe(response).c_str());
    }
  }
  // Wait (at most 10 s) for every ready watcher to see every update.
  const int64_t wait_start = NowNanos();
  auto all_delivered = [&] {
    for (auto& w : watchers) {
      if (w->ready && !w->ended && w->received < options.updates) return false;
    }
    return true;
  };
  while (!all_delivered() && NowNanos() - wait_start < 10'000'000'000) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const json events_cpu = cpu->ToJson();
  *while_watching = ReadMemory(options.server_pid);
  stop = true;
  for (auto& thread : threads) thread.join();

  std::vector<int64_t> from_response;
  std::vector<int64_t> from_request;
  int64_t early = 0;  // events that arrived before the write's response did
  int64_t complete = 0;
  int64_t ended = 0;
  int64_t other_lines = 0;
  int64_t duplicates = 0;
  std::string first_other;
  std::string first_end;
  for (auto& w : watchers) {
    std::vector<bool> seen(static_cast<size_t>(options.updates), false);
    int64_t distinct = 0;
    for (auto [seq, at] : w->events) {
      if (seq < 0 || seq >= options.updates) continue;
      const auto s = static_cast<size_t>(seq);
      if (seen[s]) {
        ++duplicates;
        continue;
      }
      seen[s] = true;
      ++distinct;
      int64_t latency = at - answered[s];
      if (latency < 0) {
        ++early;
        latency = 0;
      }
      from_response.push_back(latency);
      from_request.push_back(at - sent[s]);
    }
    if (distinct == options.updates) ++complete;
    if (w->ended) {
      ++ended;
      if (first_end.empty()) first_end = w->end_reason;
    }
    other_lines += w->other_lines;
    if (first_other.empty()) first_other = w->first_other;
  }
  if (!first_other.empty())
    std::fprintf(stderr, "watch: unexpected line: %s\n", first_other.c_str());
  if (!first_end.empty())
    std::fprintf(stderr, "watch: stream ended early: %s\n", first_end.c_str());
  const int64_t expected = options.watchers * options.updates;
  const int64_t delivered = static_cast<int64_t>(from_response.size());
  Distribution d = Summarize(std::move(from_response));
  Distribution r = Summarize(std::move(from_request));
  Distribution u = Summarize(std::move(update_latencies));
  std::printf("scenario=updates ops=%" PRId64 " errors=%" PRId64 " interval_ms=%" PRId64
              " p50_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
              options.updates, update_errors, options.update_interval_ms, u.p50_ms, u.p99_ms,
              u.max_ms);
  std::printf("scenario=watch watchers=%" PRId64 " ready=%" PRId64
              " connect_s=%.2f updates=%" PRId64 " events=%" PRId64 "/%" PRId64
              " complete_watchers=%" PRId64 " ended_early=%" PRId64 " before_response=%" PRId64
              " p50_ms=%.2f p99_ms=%.2f max_ms=%.2f from_request_p50_ms=%.2f"
              " from_request_p99_ms=%.2f connect_server_cpu_s=%.2f connect_bench_cpu_s=%.2f"
              " server_cpu_s=%.2f bench_cpu_s=%.2f\n",
              options.watchers, ready, connect_seconds, options.updates, delivered, expected,
              complete, ended, early, d.p50_ms, d.p99_ms, d.max_ms, r.p50_ms, r.p99_ms,
              connect_cpu["server_cpu_s"].get<double>(), connect_cpu["bench_cpu_s"].get<double>(),
              events_cpu["server_cpu_s"].get<double>(), events_cpu["bench_cpu_s"].get<double>());
  std::fflush(stdout);
  json out;
  out["watchers"] = options.watchers;
  out["ready"] = ready;
  out["connect_seconds"] = connect_seconds;
  out["updates"] = options.updates;
  out["events_expected"] = expected;
  out["events_delivered"] = delivered;
  out["complete_watchers"] = complete;
  out["ended_early"] = ended;
  out["duplicates"] = duplicates;
  out["other_lines"] = other_lines;
  out["early_events"] = early;
  out["latency_from_response"] = ToJson(d);
  out["latency_from_request"] = ToJson(r);
  out["update"] = ToJson(u);
  out["update"]["errors"] = update_errors;
  out["connect_cpu"] = connect_cpu;
  out["events_cpu"] = events_cpu;  // from the first update until every event was delivered
  return out;
}

// ---------------------------------------------------------------------------------------------

void RaiseFileLimit(int64_t needed) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
  getrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur != RLIM_INFINITY && static_cast<int64_t>(limit.rlim_cur) < needed) {
    std::fprintf(stderr, "warning: RLIMIT_NOFILE is %llu, %" PRId64 " descriptors wanted\n",
                 static_cast<unsigned long long>(limit.rlim_cur), needed);
  }
}

int64_t Scaled(const Options& options, int64_t n) {
  return std::max<int64_t>(1, static_cast<int64_t>(static_cast<double>(n) * options.scale));
}

int Usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s --kubeconfig FILE [--server-pid PID] [--namespace NAME]\n"
               "  [--objects N] [--clients N] [--lists N] [--watchers N] [--updates N]\n"
               "  [--update-interval-ms N] [--watch-threads N] [--scale F]\n",
               argv0);
  return 2;
}

json MemoryJson(const Memory& memory) { return memory.rss_mb < 0 ? json() : json(memory.rss_mb); }

}  // namespace

int main(int argc, char** argv) {
  Options options;
  bool scaled_objects = true, scaled_lists = true, scaled_watchers = true, scaled_updates = true;
  for (int i = 1; i < argc; i += 2) {
    if (i + 1 >= argc) return Usage(argv[0]);
    const std::string flag = argv[i];
    const char* value = argv[i + 1];
    if (flag == "--kubeconfig") {
      options.kubeconfig = value;
    } else if (flag == "--server-pid") {
      options.server_pid = std::atoll(value);
    } else if (flag == "--namespace") {
      options.namespace_name = value;
    } else if (flag == "--objects") {
      options.objects = std::atoll(value);
      scaled_objects = false;
    } else if (flag == "--clients") {
      options.clients = std::max(1, std::atoi(value));
    } else if (flag == "--lists") {
      options.lists = std::atoll(value);
      scaled_lists = false;
    } else if (flag == "--watchers") {
      options.watchers = std::atoll(value);
      scaled_watchers = false;
    } else if (flag == "--updates") {
      options.updates = std::atoll(value);
      scaled_updates = false;
    } else if (flag == "--update-interval-ms") {
      options.update_interval_ms = std::atoll(value);
    } else if (flag == "--watch-threads") {
      options.watch_threads = std::max(1, std::atoi(value));
    } else if (flag == "--scale") {
      options.scale = std::atof(value);
    } else {
      return Usage(argv[0]);
    }
  }
  if (options.kubeconfig.empty()) return Usage(argv[0]);
  if (scaled_objects) options.objects = Scaled(options, options.objects);
  if (scaled_lists) options.lists = Scaled(options, options.lists);
  if (scaled_watchers) options.watchers = Scaled(options, options.watchers);
  if (scaled_updates) options.updates = Scaled(options, options.updates);
  if (options.namespace_name.empty()) {
    options.namespace_name = absl::StrCat("k1s-bench-", static_cast<int64_t>(std::time(nullptr)));
  }
  RaiseFileLimit(options.watchers + options.clients + 64);

  absl::StatusOr<k1s::pki::Kubeconfig> config = LoadKubeconfig(options.kubeconfig);
  if (!config.ok()) {
    std::fprintf(stderr, "%s\n", config.status().ToString().c_str());
    return 1;
  }
  curl_global_init(CURL_GLOBAL_ALL);
  std::printf("server=%s namespace=%s server_pid=%" PRId64 "\n", config->server_url.c_str(),
              options.namespace_name.c_str(), options.server_pid);
  {
    Client client(*config);
    Response response =
        client.Do("POST", "/api/v1/namespaces",
                  absl::StrCat(R"({"apiVersion":"v1","kind":"Namespace","metadata":{"name":")",
                               options.namespace_name, R"("}})"));
    if (response.code != 201) {
      std::fprintf(stderr, "create namespace: %s\n", Describe(response).c_str());
      return 1;
    }
  }
  const Memory at_start = ReadMemory(options.server_pid);
  json summary;
  summary["server"] = config->server_url;
  summary["namespace"] = options.namespace_name;
  summary["creates"] = Creates(*config, options);
  const Memory after_creates = ReadMemory(options.server_pid);
  summary["list"] = List(*config, options);
  const Memory after_list = ReadMemory(options.server_pid);
  Memory watches_open;
  Memory while_watching;
  summary["watch"] = Watch(*config, options, &watches_open, &while_watching);
  std::this_thread::sleep_for(std::chrono::seconds(2));  // let the server drop the watches
  const Memory at_end = ReadMemory(options.server_pid);

  std::printf(
      "scenario=memory rss_start_mb=%.1f rss_after_creates_mb=%.1f rss_after_list_mb=%.1f"
      " rss_watches_open_mb=%.1f rss_watching_mb=%.1f rss_end_mb=%.1f hwm_mb=%.1f\n",
      at_start.rss_mb, after_creates.rss_mb, after_list.rss_mb, watches_open.rss_mb,
      while_watching.rss_mb, at_end.rss_mb, at_end.hwm_mb);
  summary["memory_mb"] = {{"start", MemoryJson(at_start)},
                          {"after_creates", MemoryJson(after_creates)},
                          {"after_list", MemoryJson(after_list)},
                          {"watches_open", MemoryJson(watches_open)},
                          {"watching", MemoryJson(while_watching)},
                          {"end", MemoryJson(at_end)},
                          {"peak_hwm", at_end.hwm_mb < 0 ? json() : json(at_end.hwm_mb)}};

  // Targets are stated for 10,000 objects; at other scales they are printed but not judged.
  const bool full_size = options.objects >= 10000;
  const double mutating_p99 = std::max(summary["creates"].value("p99_ms", 0.0),
                                       summary["watch"]["update"].value("p99_ms", 0.0));
  const double list_p99 = summary["list"].value("p99_ms", 0.0);
  auto verdict = [&](bool ok) { return !full_size ? "n/a" : ok ? "PASS" : "FAIL"; };
  json targets;
  targets["mutating_p99_ms"] = {{"value", mutating_p99},
                                {"target", kMutatingP99TargetMs},
                                {"result", verdict(mutating_p99 <= kMutatingP99TargetMs)}};
  targets["list_10k_p99_ms"] = {{"value", list_p99},
                                {"target", kList10kTargetMs},
                                {"result", verdict(list_p99 <= kList10kTargetMs)}};
  if (after_creates.rss_mb >= 0) {
    targets["rss_10k_mb"] = {{"value", after_list.rss_mb},
                             {"target", kRss10kTargetMb},
                             {"result", verdict(after_list.rss_mb <= kRss10kTargetMb)}};
  }
  summary["targets"] = targets;
  for (auto& [name, target] : targets.items()) {
    std::printf("target=%s value=%.1f limit=%.0f result=%s\n", name.c_str(),
                target["value"].get<double>(), target["target"].get<double>(),
                target["result"].get<std::string>().c_str());
  }
  std::printf("%s\n", summary.dump().c_str());
  std::fflush(stdout);
  curl_global_cleanup();
  const bool failed = summary["creates"].value("errors", 0) > 0 ||
                      summary["list"].value("errors", 0) > 0 ||
                      summary["watch"]["update"].value("errors", 0) > 0;
  return failed ? 1 : 0;
}
