#pragma once
// A bidi-stream reactor base that writes responses from a queue, one message in flight at a
// time, and finishes the call once reading has ended and the queue has drained. A peer that
// stops reading while more than `max_queued_bytes` pile up gets the call ended with
// RESOURCE_EXHAUSTED (etcd clients re-create their watches from the last revision they saw).
// Internal to src/datastore/etcd. Send() and Close() are thread-safe and never block.

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <cstddef>
#include <deque>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace k1s::datastore::etcd {

template <typename Request, typename Response>
class QueuedBidiReactor : public grpc::ServerBidiReactor<Request, Response> {
 public:
  explicit QueuedBidiReactor(size_t max_queued_bytes) : max_queued_bytes_(max_queued_bytes) {}

  // Queues `message`; dropped once the call is finishing.
  void Send(Response message) {
    Response* first = nullptr;
    const size_t bytes = message.ByteSizeLong();
    {
      absl::MutexLock lock(&write_mu_);
      if (closing_ || broken_) return;
      if (queued_bytes_ + bytes > max_queued_bytes_ && !queue_.empty()) {
        // The peer does not keep up: keep only the message being written, then finish.
        closing_ = true;
        status_ = grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                               "k1s: stream closed, the client does not read its responses fast "
                               "enough");
        queue_.resize(writing_ ? 1 : 0);
        queued_bytes_ = 0;
        if (writing_) return;  // OnWriteDone finishes
      } else {
        queue_.push_back(std::move(message));
        queued_bytes_ += bytes;
        if (writing_) return;
        writing_ = true;
        first = &queue_.front();  // deque::push_back keeps references to elements valid
      }
    }
    if (first == nullptr) {
      this->Finish(status_);
      return;
    }
    this->StartWrite(first);
  }

  // Ends the call with `status` after the queued messages have been written.
  void Close(const grpc::Status& status) {
    {
      absl::MutexLock lock(&write_mu_);
      if (closing_) return;
      closing_ = true;
      status_ = status;
      if (writing_) return;  // OnWriteDone finishes
    }
    this->Finish(status);
  }

  void OnWriteDone(bool ok) override {
    Response* next = nullptr;
    {
      absl::MutexLock lock(&write_mu_);
      if (queued_bytes_ > 0) queued_bytes_ -= std::min(queued_bytes_, queue_.front().ByteSizeLong());
      queue_.pop_front();
      if (!ok) {
        broken_ = true;  // the peer is gone; reading ends too, which closes the call
        queue_.clear();
      }
      if (!queue_.empty()) {
        next = &queue_.front();
      } else {
        writing_ = false;
        if (!closing_) return;
      }
    }
    if (next != nullptr) {
      this->StartWrite(next);
    } else {
      this->Finish(status_);
    }
  }

 private:
  const size_t max_queued_bytes_;
  absl::Mutex write_mu_;
  std::deque<Response> queue_ ABSL_GUARDED_BY(write_mu_);
  size_t queued_bytes_ ABSL_GUARDED_BY(write_mu_) = 0;
  bool writing_ ABSL_GUARDED_BY(write_mu_) = false;
  bool closing_ ABSL_GUARDED_BY(write_mu_) = false;
  bool broken_ ABSL_GUARDED_BY(write_mu_) = false;
  grpc::Status status_;  // written before closing_ is set, read after
};

}  // namespace k1s::datastore::etcd
