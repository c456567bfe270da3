#include "client/leader_election.h"

#include <atomic>
#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <utility>

#include "absl/time/time.h"
#include "api/errors.h"
#include "api/timestamps.h"
#include "base/logging.h"
#include "base/strings.h"
#include "base/thread_name.h"
#include "client/resource.h"

namespace k1s::client {
namespace {

using json = nlohmann::json;

// Upstream's wait.JitterUntil factor for acquire retries (a retry waits 1x to 2.2x the period)
// and the bound renewDeadline must exceed.
constexpr double kJitterFactor = 1.2;

// What a Lease's spec says about leadership (upstream's LeaderElectionRecord).
struct Record {
  std::string holder;
  int32_t lease_duration_seconds = 0;
  std::string acquire_time;  // MicroTime text, copied as is
  std::string renew_time;
  int32_t transitions = 0;

  bool operator==(const Record& other) const = default;
};

std::string StringField(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

int32_t IntField(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_number_integer() ? it->get<int32_t>() : 0;
}

Record RecordFromLease(const json& lease) {
  Record record;
  auto spec = lease.find("spec");
  if (spec == lease.end() || !spec->is_object()) return record;
  record.holder = StringField(*spec, "holderIdentity");
  record.lease_duration_seconds = IntField(*spec, "leaseDurationSeconds");
  record.acquire_time = StringField(*spec, "acquireTime");
  record.renew_time = StringField(*spec, "renewTime");
  record.transitions = IntField(*spec, "leaseTransitions");
  return record;
}

// Sets the record's fields on `spec`, keeping any others (strategy, preferredHolder).
void WriteRecord(const Record& record, json& spec) {
  if (!spec.is_object()) spec = json::object();
  spec["holderIdentity"] = record.holder;
  spec["leaseDurationSeconds"] = record.lease_duration_seconds;
  if (!record.acquire_time.empty()) spec["acquireTime"] = record.acquire_time;
  if (!record.renew_time.empty()) spec["renewTime"] = record.renew_time;
  spec["leaseTransitions"] = record.transitions;
}

int64_t Nanos(std::chrono::milliseconds duration) {
  return static_cast<int64_t>(duration.count()) * base::kNanosPerMilli;
}

}  // namespace

// The campaign runs on one thread. State the thread alone touches (the last Lease read, the
// observed record and when it was observed) needs no lock; what other threads read or set
// (stopping, leading) does.
class LeaderElector::Impl {
 public:
  Impl(Client client, LeaderElectionConfig config, LeaderCallbacks callbacks, base::Clock& clock)
      : client_(std::move(client)),
        config_(std::move(config)),
        callbacks_(std::move(callbacks)),
        clock_(clock),
        log_(base::Logger("leader-election")),
        random_(std::random_device{}()) {}

  ~Impl() { Stop(); }

  absl::Status Start() {
    if (config_.lease_name.empty()) return absl::InvalidArgumentError("lease name is empty");
    if (config_.identity.empty()) return absl::InvalidArgumentError("identity is empty");
    if (config_.lease_duration < std::chrono::seconds(1)) {
      return absl::InvalidArgumentError("leaseDuration must be at least one second");
    }
    if (config_.lease_duration <= config_.renew_deadline) {
      return absl::InvalidArgumentError("leaseDuration must be greater than renewDeadline");
    }
    if (config_.renew_deadline.count() <= kJitterFactor * config_.retry_period.count()) {
      return absl::InvalidArgumentError(
          "renewDeadline must be greater than retryPeriod*JitterFactor");
    }
    absl::MutexLock lock(&mu_);
    if (started_) return absl::FailedPreconditionError("leader elector already started");
    started_ = true;
    thread_ = std::thread([this] { Run(); });
    return absl::OkStatus();
  }

  void Stop() {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
    }
    std::lock_guard<std::mutex> join_lock(join_mu_);
    if (thread_.joinable()) thread_.join();
  }

  bool IsLeader() const { return leading_.load(); }

 private:
  void Run() {
    base::SetCurrentThreadName("leader-elect");
    log_->info("attempting to acquire leader lease {}/{}", config_.lease_namespace,
               config_.lease_name);
    if (!Acquire()) return;  // stopped before winning
    log_->info("successfully acquired lease {}/{}", config_.lease_namespace, config_.lease_name);
    leading_.store(true);
    if (callbacks_.on_started_leading) callbacks_.on_started_leading();
    if (Renew()) {
      Release();
      leading_.store(false);
      return;
    }
    leading_.store(false);
    log_->error("failed to renew lease {}/{}: leadership lost", config_.lease_namespace,
                config_.lease_name);
    if (callbacks_.on_stopped_leading) callbacks_.on_stopped_leading();
  }

  // Tries until the Lease is ours (true) or Stop (false), every retry period with jitter.
  bool Acquire() {
    while (!Stopping()) {
      const bool acquired = TryAcquireOrRenew();
      MaybeReportTransition();
      if (acquired) return true;
      std::uniform_real_distribution<double> jitter(0.0, kJitterFactor);
      const auto period = std::chrono::duration<double, std::milli>(config_.retry_period);
      if (WaitForStop(std::chrono::duration_cast<std::chrono::milliseconds>(
              period * (1.0 + jitter(random_))))) {
        return false;
      }
    }
    return false;
  }

  // Renews every retry period; returns true on Stop, false once a renewal did not succeed
  // within the renew deadline.
  bool Renew() {
    while (true) {
      const int64_t deadline = clock_.MonotonicNanos() + Nanos(config_.renew_deadline);
      bool renewed = false;
      while (!Stopping()) {
        renewed = TryAcquireOrRenew();
        if (renewed || clock_.MonotonicNanos() >= deadline) break;
        if (WaitForStop(config_.retry_period)) break;
      }
      MaybeReportTransition();
      if (Stopping()) return true;
      if (!renewed) return false;
      if (WaitForStop(config_.retry_period)) return true;
    }
  }

  // One round of upstream's tryAcquireOrRenew: true when we hold the Lease afterwards.
  bool TryAcquireOrRenew() {
    const std::string now = api::FormatMicroTimestamp(clock_.NowUnixNanos());
    const int64_t now_monotonic = clock_.MonotonicNanos();
    Record desired;
    desired.holder = config_.identity;
    desired.lease_duration_seconds = static_cast<int32_t>(
        std::chrono::duration_cast<std::chrono::seconds>(config_.lease_duration).count());
    desired.acquire_time = now;
    desired.renew_time = now;

    // 1. A leader first renews optimistically against the Lease it last wrote.
    if (HoldsObserved() && LeaseValid(now_monotonic) && lease_.has_value()) {
      desired.acquire_time = observed_.acquire_time;
      desired.transitions = observed_.transitions;
      absl::Status updated = Write(desired);
      if (updated.ok()) return true;
      log_->warn("optimistic renew of {}/{} failed, rereading it: {}", config_.lease_namespace,
                 config_.lease_name, updated.message());
    }

    // 2. Read the Lease, creating it when missing.
    absl::StatusOr<json> lease =
        client_.Get(resources::Leases(), config_.lease_namespace, config_.lease_name);
    if (!lease.ok()) {
      if (!api::IsNotFound(lease.status())) {
        log_->error("get lease {}/{}: {}", config_.lease_namespace, config_.lease_name,
                    lease.status().message());
        return false;
      }
      json object = {
          {"apiVersion", resources::Leases().ApiVersion()},
          {"kind", "Lease"},
          {"metadata", {{"name", config_.lease_name}, {"namespace", config_.lease_namespace}}},
          {"spec", json::object()}};
      WriteRecord(desired, object["spec"]);
      absl::StatusOr<json> created =
          client_.Create(resources::Leases(), config_.lease_namespace, object);
      if (!created.ok()) {
        log_->error("create lease {}/{}: {}", config_.lease_namespace, config_.lease_name,
                    created.status().message());
        return false;
      }
      lease_ = *std::move(created);
      Observe(desired);
      return true;
    }
    lease_ = *std::move(lease);

    // 3. Someone else's unexpired Lease stays theirs. Expiry counts from when WE saw the record
    // change, never from the times written in it (clocks differ between servers).
    const Record current = RecordFromLease(*lease_);
    if (!(current == observed_)) Observe(current);
    if (!current.holder.empty() && LeaseValid(now_monotonic) && !HoldsObserved()) return false;

    // 4. Take it over, or renew it after all.
    if (HoldsObserved()) {
      desired.acquire_time = current.acquire_time;
      desired.transitions = current.transitions;
    } else {
      desired.transitions = current.transitions + 1;
    }
    if (absl::Status updated = Write(desired); !updated.ok()) {
      log_->warn("update lease {}/{}: {}", config_.lease_namespace, config_.lease_name,
                 updated.message());
      return false;
    }
    return true;
  }

  // Writes `record` into the last Lease read (its resourceVersion guards the write).
  absl::Status Write(const Record& record) {
    if (!lease_.has_value()) return absl::FailedPreconditionError("lease not read yet");
    json object = *lease_;
    WriteRecord(record, object["spec"]);
    absl::StatusOr<json> updated = client_.Update(resources::Leases(), object);
    if (!updated.ok()) return updated.status();
    lease_ = *std::move(updated);
    Observe(record);
    return absl::OkStatus();
  }

  // On Stop a leader hands the Lease back: no holder and a one-second duration, as upstream's
  // ReleaseOnCancel does.
  void Release() {
    if (!HoldsObserved()) return;
    const std::string now = api::FormatMicroTimestamp(clock_.NowUnixNanos());
    Record released;
    released.lease_duration_seconds = 1;
    released.acquire_time = now;
    released.renew_time = now;
    released.transitions = observed_.transitions;
    if (absl::Status status = Write(released); !status.ok()) {
      log_->error("release lease {}/{}: {}", config_.lease_namespace, config_.lease_name,
                  status.message());
      return;
    }
    log_->info("released lease {}/{}", config_.lease_namespace, config_.lease_name);
  }

  void Observe(const Record& record) {
    observed_ = record;
    observed_monotonic_ = clock_.MonotonicNanos();
  }

  bool HoldsObserved() const { return observed_.holder == config_.identity; }

  bool LeaseValid(int64_t now_monotonic) const {
    return observed_monotonic_ + int64_t{observed_.lease_duration_seconds} * base::kNanosPerSecond >
           now_monotonic;
  }

  void MaybeReportTransition() {
    if (observed_.holder == reported_leader_) return;
    reported_leader_ = observed_.holder;
    if (reported_leader_.empty()) return;  // a released Lease names no one
    log_->info("new leader of {}/{}: {}", config_.lease_namespace, config_.lease_name,
               reported_leader_);
    if (callbacks_.on_new_leader) callbacks_.on_new_leader(reported_leader_);
  }

  bool Stopping() const {
    absl::MutexLock lock(&mu_);
    return stopping_;
  }

  // Waits up to `period` of real time; true when Stop was called.
  bool WaitForStop(std::chrono::milliseconds period) {
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&stopping_), absl::FromChrono(period));
    return stopping_;
  }

  Client client_;
  const LeaderElectionConfig config_;
  const LeaderCallbacks callbacks_;
  base::Clock& clock_;
  std::shared_ptr<spdlog::logger> log_;

  mutable absl::Mutex mu_;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::atomic<bool> leading_{false};
  std::mutex join_mu_;
  std::thread thread_;

  // The campaign thread's own state.
  std::optional<json> lease_;
  Record observed_;
  int64_t observed_monotonic_ = 0;
  std::string reported_leader_;
  std::mt19937 random_;
};

LeaderElector::LeaderElector(Client client, LeaderElectionConfig config, LeaderCallbacks callbacks,
                             base::Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(client), std::move(config), std::move(callbacks),
                                   clock)) {}

LeaderElector::~LeaderElector() { impl_->Stop(); }

absl::Status LeaderElector::Start() { return impl_->Start(); }
void LeaderElector::Stop() { impl_->Stop(); }
bool LeaderElector::IsLeader() const { return impl_->IsLeader(); }

}  // namespace k1s::client
