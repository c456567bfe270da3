#include "client/https_transport.h"

#include <curl/curl.h>

#include <atomic>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "api/errors.h"
#include "base/files.h"
#include "base/logging.h"
#include "base/status.h"
#include "base/strings.h"
#include "base/thread_name.h"

namespace k1s::client {
namespace {

// Idle handles kept for reuse; more concurrent requests than this still work, their handles are
// simply closed afterwards.
constexpr size_t kMaxIdleHandles = 16;
constexpr long kConnectTimeoutSeconds = 10;
// The most of a failed watch's body kept for its error status.
constexpr size_t kMaxErrorBody = 64 * 1024;

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Sets a PEM blob option; curl copies the bytes.
void SetBlob(CURL* easy, CURLoption option, const std::string& pem) {
  curl_blob blob;
  blob.data = const_cast<char*>(pem.data());
  blob.len = pem.size();
  blob.flags = CURL_BLOB_COPY;
  curl_easy_setopt(easy, option, &blob);
}

size_t AppendToString(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

// Owns a curl_slist.
struct HeaderList {
  ~HeaderList() { curl_slist_free_all(list); }
  void Add(const std::string& header) { list = curl_slist_append(list, header.c_str()); }
  curl_slist* list = nullptr;
};

std::string CurlError(CURLcode code, const char* error_buffer) {
  if (error_buffer != nullptr && error_buffer[0] != '\0') return error_buffer;
  return curl_easy_strerror(code);
}

// Connection settings shared by every handle (immutable after Create) and the idle handles.
class CurlClient {
 public:
  explicit CurlClient(HttpsOptions options) : options_(std::move(options)) {
    while (!options_.server_url.empty() && options_.server_url.back() == '/') {
      options_.server_url.pop_back();
    }
  }

  ~CurlClient() {
    absl::MutexLock lock(&mu_);
    for (CURL* easy : idle_) curl_easy_cleanup(easy);
  }

  const HttpsOptions& options() const { return options_; }

  std::string Url(const HttpRequest& request) const {
    std::string url = base::StrCat(options_.server_url, request.path);
    if (!request.query.empty()) base::StrAppend(&url, "?", request.query);
    return url;
  }

  // Resets `easy` and applies the connection settings and the request's method, headers and
  // body. `headers` and `request` must outlive the transfer.
  void Prepare(CURL* easy, const HttpRequest& request, HeaderList& headers,
               char* error_buffer) const {
    curl_easy_reset(easy);  // keeps the connection cache, so keep-alive still works
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, error_buffer);
    curl_easy_setopt(easy, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
    curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT, kConnectTimeoutSeconds);
    curl_easy_setopt(easy, CURLOPT_USERAGENT, options_.user_agent.c_str());
    if (!options_.ca_pem.empty()) SetBlob(easy, CURLOPT_CAINFO_BLOB, options_.ca_pem);
    if (!options_.client_cert_pem.empty()) {
      curl_easy_setopt(easy, CURLOPT_SSLCERTTYPE, "PEM");
      SetBlob(easy, CURLOPT_SSLCERT_BLOB, options_.client_cert_pem);
      curl_easy_setopt(easy, CURLOPT_SSLKEYTYPE, "PEM");
      SetBlob(easy, CURLOPT_SSLKEY_BLOB, options_.client_key_pem);
    }

    headers.Add("Accept: application/json");
    headers.Add("Expect:");  // no 100-continue round trip for large bodies
    if (!request.content_type.empty()) {
      headers.Add(base::StrCat("Content-Type: ", request.content_type));
    }
    if (!options_.bearer_token.empty()) {
      headers.Add(base::StrCat("Authorization: Bearer ", options_.bearer_token));
    }
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers.list);

    const std::string url = Url(request);
    curl_easy_setopt(easy, CURLOPT_URL, url.c_str());  // curl copies strings
    const std::string& method = request.method;
    if (method == "GET" && request.body.empty()) {
      curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
    } else if (method == "HEAD") {
      curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
    } else {
      // Any other method sends its body (possibly empty, then with Content-Length: 0).
      curl_easy_setopt(easy, CURLOPT_POSTFIELDS, request.body.data());
      curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
      if (method != "POST") curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, method.c_str());
    }
  }

  CURL* Acquire() {
    {
      absl::MutexLock lock(&mu_);
      if (!idle_.empty()) {
        CURL* easy = idle_.back();
        idle_.pop_back();
        return easy;
      }
    }
    return curl_easy_init();
  }

  void Release(CURL* easy) {
    {
      absl::MutexLock lock(&mu_);
      if (idle_.size() < kMaxIdleHandles) {
        idle_.push_back(easy);
        return;
      }
    }
    curl_easy_cleanup(easy);
  }

  absl::StatusOr<HttpResponse> Do(const HttpRequest& request) {
    CURL* easy = Acquire();
    if (easy == nullptr) return absl::InternalError("curl_easy_init failed");
    HeaderList headers;
    char error_buffer[CURL_ERROR_SIZE] = {};
    Prepare(easy, request, headers, error_buffer);
    if (options_.timeout_seconds > 0) {
      curl_easy_setopt(easy, CURLOPT_TIMEOUT, static_cast<long>(options_.timeout_seconds));
    }
    HttpResponse response;
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, AppendToString);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &response.body);
    const CURLcode result = curl_easy_perform(easy);
    long code = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
    // The handle must not point at this frame's buffers once it is idle.
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, nullptr);
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, nullptr);
    Release(easy);
    if (result != CURLE_OK) {
      return absl::UnavailableError(
          base::StrCat(request.method, " ", Url(request), ": ", CurlError(result, error_buffer)));
    }
    response.status = static_cast<int32_t>(code);
    return response;
  }

 private:
  HttpsOptions options_;
  absl::Mutex mu_;
  std::vector<CURL*> idle_ ABSL_GUARDED_BY(mu_);
};

// One watch: a thread drives a curl multi handle holding one transfer, so Cancel can wake it
// (curl_multi_wakeup) and it stops at once. The write callback cuts the body into lines.
class HttpsWatchStream : public WatchStream {
 public:
  HttpsWatchStream(const CurlClient& transport, HttpRequest request)
      : request_(std::move(request)), url_(transport.Url(request_)) {
    easy_ = curl_easy_init();
    multi_ = curl_multi_init();
    if (easy_ == nullptr || multi_ == nullptr) {
      absl::MutexLock lock(&mu_);
      Finish(absl::InternalError("curl init failed"));
      return;
    }
    transport.Prepare(easy_, request_, headers_, error_buffer_);
    curl_easy_setopt(easy_, CURLOPT_HEADERFUNCTION, &HttpsWatchStream::OnHeader);
    curl_easy_setopt(easy_, CURLOPT_HEADERDATA, this);
    curl_easy_setopt(easy_, CURLOPT_WRITEFUNCTION, &HttpsWatchStream::OnData);
    curl_easy_setopt(easy_, CURLOPT_WRITEDATA, this);
    curl_multi_add_handle(multi_, easy_);
    thread_ = std::thread([this] { Run(); });
  }

  ~HttpsWatchStream() override {
    Cancel();
    if (multi_ != nullptr && easy_ != nullptr) curl_multi_remove_handle(multi_, easy_);
    if (multi_ != nullptr) curl_multi_cleanup(multi_);
    if (easy_ != nullptr) curl_easy_cleanup(easy_);
  }

  // Waits until a 200 answer started or the transfer ended: OK for a started stream, otherwise
  // the server's error (api::StatusFromHttp) or Unavailable when no answer arrived.
  absl::Status AwaitHeaders(absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return code_ == 200 || done_; };
    if (!mu_.AwaitWithTimeout(absl::Condition(&ready), timeout)) {
      return absl::UnavailableError(base::StrCat("GET ", url_, ": no answer"));
    }
    if (code_ == 200) return absl::OkStatus();
    if (!final_status_.ok()) return final_status_;
    return api::StatusFromHttp(code_ == 0 ? 500 : code_, error_body_);
  }

  absl::StatusOr<std::optional<std::string>> Next(std::chrono::milliseconds timeout) override {
    absl::MutexLock lock(&mu_);
    auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !lines_.empty() || done_; };
    mu_.AwaitWithTimeout(absl::Condition(&ready), absl::FromChrono(timeout));
    if (!lines_.empty()) {
      std::string line = std::move(lines_.front());
      lines_.pop_front();
      return std::optional<std::string>(std::move(line));
    }
    // A clean end is OutOfRange, as the in-process transport reports it (StatusOr cannot hold
    // an OK status).
    if (done_) {
      if (!final_status_.ok()) return final_status_;
      return absl::OutOfRangeError("watch stream ended");
    }
    return std::optional<std::string>();
  }

  void Cancel() override {
    cancelled_.store(true);
    if (multi_ != nullptr) curl_multi_wakeup(multi_);
    std::lock_guard<std::mutex> join_lock(join_mu_);
    if (thread_.joinable()) thread_.join();
  }

 private:
  static size_t OnHeader(char* data, size_t size, size_t count, void* self_ptr) {
    auto* self = static_cast<HttpsWatchStream*>(self_ptr);
    const size_t length = size * count;
    // The blank line ends a header block; 1xx blocks are followed by the real one.
    if (length <= 2 && (length == 0 || data[0] == '\r' || data[0] == '\n')) {
      long code = 0;
      curl_easy_getinfo(self->easy_, CURLINFO_RESPONSE_CODE, &code);
      if (code >= 200) {
        absl::MutexLock lock(&self->mu_);
        self->code_ = static_cast<int32_t>(code);
      }
    }
    return length;
  }

  static size_t OnData(char* data, size_t size, size_t count, void* self_ptr) {
    auto* self = static_cast<HttpsWatchStream*>(self_ptr);
    const size_t length = size * count;
    if (self->cancelled_.load()) return 0;  // aborts the transfer
    absl::MutexLock lock(&self->mu_);
    if (self->code_ != 200) {
      if (self->error_body_.size() < kMaxErrorBody) self->error_body_.append(data, length);
      return length;
    }
    self->partial_.append(data, length);
    size_t start = 0;
    for (size_t newline = self->partial_.find('\n'); newline != std::string::npos;
         newline = self->partial_.find('\n', start)) {
      self->PushLine(self->partial_.substr(start, newline - start));
      start = newline + 1;
    }
    self->partial_.erase(0, start);
    return length;
  }

  void PushLine(std::string line) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) lines_.push_back(std::move(line));
  }

  void Run() {
    base::SetCurrentThreadName("https-watch");
    int running = 1;
    CURLMcode multi_result = CURLM_OK;
    while (!cancelled_.load()) {
      multi_result = curl_multi_perform(multi_, &running);
      if (multi_result != CURLM_OK || running == 0) break;
      multi_result = curl_multi_poll(multi_, nullptr, 0, 1000, nullptr);
      if (multi_result != CURLM_OK) break;
    }
    CURLcode result = CURLE_OK;
    int queued = 0;
    while (CURLMsg* message = curl_multi_info_read(multi_, &queued)) {
      if (message->msg == CURLMSG_DONE) result = message->data.result;
    }
    absl::MutexLock lock(&mu_);
    if (cancelled_.load()) {
      Finish(absl::OkStatus());
    } else if (multi_result != CURLM_OK) {
      Finish(absl::UnavailableError(
          base::StrCat("watch ", url_, ": ", curl_multi_strerror(multi_result))));
    } else if (result != CURLE_OK) {
      Finish(absl::UnavailableError(
          base::StrCat("watch ", url_, ": ", CurlError(result, error_buffer_))));
    } else if (code_ != 200) {
      Finish(api::StatusFromHttp(code_ == 0 ? 500 : code_, error_body_));
    } else {
      PushLine(std::move(partial_));  // a last event without its newline
      partial_.clear();
      Finish(absl::OkStatus());
    }
  }

  void Finish(absl::Status status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    final_status_ = std::move(status);
    done_ = true;
  }

  const HttpRequest request_;
  const std::string url_;
  HeaderList headers_;
  char error_buffer_[CURL_ERROR_SIZE] = {};
  CURL* easy_ = nullptr;
  CURLM* multi_ = nullptr;
  std::atomic<bool> cancelled_{false};

  absl::Mutex mu_;
  int32_t code_ ABSL_GUARDED_BY(mu_) = 0;
  std::string error_body_ ABSL_GUARDED_BY(mu_);
  std::string partial_ ABSL_GUARDED_BY(mu_);
  std::deque<std::string> lines_ ABSL_GUARDED_BY(mu_);
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status final_status_ ABSL_GUARDED_BY(mu_);

  std::mutex join_mu_;
  std::thread thread_;
};

}  // namespace

class HttpsTransport::Impl : public CurlClient {
 public:
  using CurlClient::CurlClient;
};

absl::StatusOr<std::unique_ptr<HttpsTransport>> HttpsTransport::Create(HttpsOptions options) {
  if (options.server_url.rfind("https://", 0) != 0 && options.server_url.rfind("http://", 0) != 0) {
    return absl::InvalidArgumentError(
        base::StrCat("server URL \"", options.server_url, "\" is not an http(s) URL"));
  }
  if (options.client_cert_pem.empty() != options.client_key_pem.empty()) {
    return absl::InvalidArgumentError("a client certificate needs its key and vice versa");
  }
  GlobalInit();
  return std::unique_ptr<HttpsTransport>(
      new HttpsTransport(std::make_unique<Impl>(std::move(options))));
}

absl::StatusOr<std::unique_ptr<HttpsTransport>> HttpsTransport::FromKubeconfigFile(
    const std::string& path, std::string user_agent) {
  absl::StatusOr<std::string> text = base::ReadFile(path);
  if (!text.ok()) return base::WithContext(text.status(), base::StrCat("read kubeconfig ", path));
  const std::filesystem::path base_dir = std::filesystem::path(path).parent_path();
  absl::StatusOr<pki::Kubeconfig> config = pki::ParseKubeconfig(*text, base_dir);
  if (!config.ok()) return base::WithContext(config.status(), base::StrCat("kubeconfig ", path));
  HttpsOptions options;
  options.server_url = config->server_url;
  options.ca_pem = config->ca_pem;
  options.client_cert_pem = config->client_cert_pem;
  options.client_key_pem = config->client_key_pem;
  options.user_agent = std::move(user_agent);
  return Create(std::move(options));
}

HttpsTransport::HttpsTransport(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpsTransport::~HttpsTransport() = default;

absl::StatusOr<HttpResponse> HttpsTransport::Do(const HttpRequest& request) {
  return impl_->Do(request);
}

absl::StatusOr<std::unique_ptr<WatchStream>> HttpsTransport::Watch(const HttpRequest& request) {
  auto stream = std::make_unique<HttpsWatchStream>(*impl_, request);
  // A watch answers its headers at once; waiting as long as a whole request may take is ample.
  const int32_t seconds =
      impl_->options().timeout_seconds > 0 ? impl_->options().timeout_seconds : 60;
  absl::Status started = stream->AwaitHeaders(absl::Seconds(seconds));
  if (!started.ok()) return started;
  return std::unique_ptr<WatchStream>(std::move(stream));
}

}  // namespace k1s::client
