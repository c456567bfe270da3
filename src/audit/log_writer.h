#pragma once
// The audit log file (--audit-log-path) with kube-apiserver's rotation, which is lumberjack's:
// a line that would take the file past max size first moves the file aside to
// `<name>-<UTC time 2006-01-02T15-04-05.000><.ext>` and starts a new one with the same mode;
// after each rotation, backups beyond max_backups (newest kept) and older than max_age_days (by
// the time in their name) are deleted. A line longer than the max size itself is dropped.
//
// Thread-safe. Each Write is one write(2) under a mutex (no fsync per line); rotation and pruning
// run on the writing thread but only once per max_size_mb of output.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "base/clock.h"

namespace k1s::audit {

struct LogOptions {
  std::string path;                    // "-" = standard output (no rotation)
  int32_t max_age_days = 0;            // 0 = keep backups whatever their age
  int32_t max_backups = 0;             // 0 = keep every backup
  int32_t max_size_mb = 0;             // 0 = lumberjack's default, 100 megabytes
  const base::Clock* clock = nullptr;  // for backup names and max age; nullptr = real clock
};

class LogWriter {
 public:
  // Creates the file (0600) and its directory (0700) when missing, as kube-apiserver does
  // before its first event, and prunes old backups.
  static absl::StatusOr<std::unique_ptr<LogWriter>> Open(LogOptions options);
  ~LogWriter();

  LogWriter(const LogWriter&) = delete;
  LogWriter& operator=(const LogWriter&) = delete;

  // Appends `line` (which carries its own "\n"). Errors are counted, never thrown: auditing
  // must not fail requests.
  void Write(std::string_view line);
  // Makes what was written durable (fdatasync); for shutdown.
  void Flush();

  // Lines dropped because they exceed the max size or could not be written.
  int64_t dropped_lines() const;

 private:
  explicit LogWriter(LogOptions options);

  int64_t MaxBytes() const;
  absl::Status OpenExisting() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status Rotate() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Prune() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string BackupName() const;

  const LogOptions options_;
  const base::Clock& clock_;
  const std::string dir_;
  const std::string prefix_;  // file name before the extension, plus "-"
  const std::string ext_;     // ".log" or ""

  mutable absl::Mutex mu_;
  int fd_ ABSL_GUARDED_BY(mu_) = -1;
  int64_t size_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t dropped_ ABSL_GUARDED_BY(mu_) = 0;
  bool wrote_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace k1s::audit
