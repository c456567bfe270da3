#include "client/in_process_transport.h"

#include <deque>
#include <functional>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "api/errors.h"
#include "http/request.h"

namespace k1s::client {
namespace {

http::Request ToHttpRequest(const HttpRequest& request, const InProcessIdentity& identity) {
  http::Request out;
  out.method = request.method;
  out.path = request.path;
  out.raw_query = request.query;
  out.target = request.query.empty() ? request.path : request.path + "?" + request.query;
  out.body = request.body;
  if (!request.content_type.empty()) out.headers.Add("Content-Type", request.content_type);
  out.headers.Add("Accept", "application/json");
  out.headers.Add("User-Agent", "k1s-in-process");
  out.identity = http::ClientIdentity{identity.user, identity.groups};
  out.remote_address = "127.0.0.1:0";
  out.tls = true;
  return out;
}

// The writer an in-process request answers into. A plain response is kept for the waiting Do; a
// stream's chunks are split into event lines for WatchStream::Next. Sinks call WriteChunk with
// the watch cache's lock held, so nothing here blocks.
class Exchange : public http::ResponseWriter {
 public:
  bool Respond(int status, const http::Headers&, std::string body) override {
    absl::MutexLock lock(&mu_);
    if (answered_ || closed_) return false;
    answered_ = true;
    status_ = status;
    body_ = std::move(body);
    CloseLocked();
    return true;
  }
  bool StartStream(int status, const http::Headers&) override {
    absl::MutexLock lock(&mu_);
    if (answered_ || closed_) return false;
    answered_ = true;
    streaming_ = true;
    status_ = status;
    return true;
  }
  bool WriteChunk(std::string_view data) override {
    absl::MutexLock lock(&mu_);
    if (!streaming_ || closed_) return false;
    partial_.append(data);
    size_t start = 0;
    for (size_t newline; (newline = partial_.find('\n', start)) != std::string::npos;
         start = newline + 1) {
      if (newline > start) lines_.emplace_back(partial_, start, newline - start);
    }
    partial_.erase(0, start);
    return true;
  }
  bool EndStream() override {
    absl::MutexLock lock(&mu_);
    if (!streaming_ || closed_) return false;
    if (!partial_.empty()) lines_.push_back(std::move(partial_));
    partial_.clear();
    CloseLocked();
    return true;
  }
  void OnClose(std::function<void()> callback) override {
    {
      absl::MutexLock lock(&mu_);
      if (!closed_) {
        on_close_.push_back(std::move(callback));
        return;
      }
    }
    callback();
  }
  bool closed() const override {
    absl::MutexLock lock(&mu_);
    return closed_;
  }

  // Ends the exchange from the client's side (a cancelled watch): the server's sink sees false.
  void Close() {
    std::vector<std::function<void()>> callbacks;
    {
      absl::MutexLock lock(&mu_);
      if (closed_) return;
      closed_ = true;
      callbacks.swap(on_close_);
    }
    for (auto& callback : callbacks) callback();
  }

  // Waits for the answer of a plain request. A writer released without an answer is a 500, as
  // the HTTP server would send.
  HttpResponse AwaitResponse() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(+[](Exchange* self) ABSL_EXCLUSIVE_LOCKS_REQUIRED(self->mu_) {
      return self->answered_ || self->closed_;
    }, this));
    return HttpResponse{answered_ ? status_ : 500, body_};
  }
  bool answered() const {
    absl::MutexLock lock(&mu_);
    return answered_;
  }
  bool streaming() const {
    absl::MutexLock lock(&mu_);
    return streaming_;
  }

  // For watches: the next line, nullopt on timeout, or the end.
  absl::StatusOr<std::optional<std::string>> NextLine(std::chrono::milliseconds timeout) {
    absl::MutexLock lock(&mu_);
    auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return !lines_.empty() || closed_;
    };
    mu_.AwaitWithTimeout(absl::Condition(&ready), absl::FromChrono(timeout));
    if (!lines_.empty()) {
      std::string line = std::move(lines_.front());
      lines_.pop_front();
      return std::optional<std::string>(std::move(line));
    }
    if (closed_) return absl::OutOfRangeError("watch stream ended");
    return std::optional<std::string>();
  }

 private:
  void CloseLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    // Callbacks run outside the lock by Close(); a server-side end runs them here without it.
    closed_ = true;
    std::vector<std::function<void()>> callbacks;
    callbacks.swap(on_close_);
    mu_.Unlock();
    for (auto& callback : callbacks) callback();
    mu_.Lock();
  }

  mutable absl::Mutex mu_;
  bool answered_ ABSL_GUARDED_BY(mu_) = false;
  bool streaming_ ABSL_GUARDED_BY(mu_) = false;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  int status_ ABSL_GUARDED_BY(mu_) = 0;
  std::string body_ ABSL_GUARDED_BY(mu_);
  std::string partial_ ABSL_GUARDED_BY(mu_);
  std::deque<std::string> lines_ ABSL_GUARDED_BY(mu_);
  std::vector<std::function<void()>> on_close_ ABSL_GUARDED_BY(mu_);
};

class InProcessWatch : public WatchStream {
 public:
  explicit InProcessWatch(std::shared_ptr<Exchange> exchange) : exchange_(std::move(exchange)) {}
  ~InProcessWatch() override { Cancel(); }

  absl::StatusOr<std::optional<std::string>> Next(std::chrono::milliseconds timeout) override {
    return exchange_->NextLine(timeout);
  }
  void Cancel() override { exchange_->Close(); }

 private:
  std::shared_ptr<Exchange> exchange_;
};

}  // namespace

InProcessTransport::InProcessTransport(http::Handler handler, InProcessIdentity identity)
    : handler_(std::move(handler)), identity_(std::move(identity)) {}

absl::StatusOr<HttpResponse> InProcessTransport::Do(const HttpRequest& request) {
  auto exchange = std::make_shared<Exchange>();
  handler_(ToHttpRequest(request, identity_), exchange);
  return exchange->AwaitResponse();
}

absl::StatusOr<std::unique_ptr<WatchStream>> InProcessTransport::Watch(
    const HttpRequest& request) {
  auto exchange = std::make_shared<Exchange>();
  handler_(ToHttpRequest(request, identity_), exchange);
  if (!exchange->streaming()) {
    HttpResponse response = exchange->AwaitResponse();
    return api::StatusFromHttp(response.status, response.body);
  }
  return std::unique_ptr<WatchStream>(std::make_unique<InProcessWatch>(std::move(exchange)));
}

}  // namespace k1s::client
