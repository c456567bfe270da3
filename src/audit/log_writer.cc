#include "audit/log_writer.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "base/files.h"
#include "base/logging.h"
#include "base/strings.h"

namespace k1s::audit {

using base::StrCat;

namespace {

constexpr int64_t kMegabyte = 1024 * 1024;
constexpr int64_t kDefaultMaxSizeMb = 100;  // lumberjack's default for MaxSize 0
constexpr char kCompressSuffix[] = ".gz";
constexpr size_t kTimestampLength = 23;  // 2006-01-02T15-04-05.000

std::string DirName(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string BaseName(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// filepath.Ext: from the last dot of the file name.
std::string Extension(const std::string& name) {
  size_t dot = name.rfind('.');
  return dot == std::string::npos ? std::string() : name.substr(dot);
}

std::string Stem(const std::string& name) {
  return name.substr(0, name.size() - Extension(name).size());
}

// Parses "2006-01-02T15-04-05.000" (UTC) strictly, as Go's time.Parse with that layout.
std::optional<int64_t> ParseBackupTime(std::string_view text) {
  if (text.size() != kTimestampLength) return std::nullopt;
  static const char kLayout[] = "dddd-dd-ddTdd-dd-dd.ddd";
  for (size_t i = 0; i < kTimestampLength; ++i) {
    bool digit = text[i] >= '0' && text[i] <= '9';
    if (kLayout[i] == 'd' ? !digit : text[i] != kLayout[i]) return std::nullopt;
  }
  auto num = [&](size_t pos, size_t len) {
    int v = 0;
    for (size_t i = pos; i < pos + len; ++i) v = v * 10 + (text[i] - '0');
    return v;
  };
  struct tm tm {};
  tm.tm_year = num(0, 4) - 1900;
  tm.tm_mon = num(5, 2) - 1;
  tm.tm_mday = num(8, 2);
  tm.tm_hour = num(11, 2);
  tm.tm_min = num(14, 2);
  tm.tm_sec = num(17, 2);
  if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_hour > 23 || tm.tm_min > 59 ||
      tm.tm_sec > 59) {
    return std::nullopt;
  }
  struct tm check = tm;
  time_t seconds = timegm(&check);
  if (check.tm_mday != tm.tm_mday) return std::nullopt;  // e.g. February 30
  return static_cast<int64_t>(seconds) * base::kNanosPerSecond +
         static_cast<int64_t>(num(20, 3)) * base::kNanosPerMilli;
}

absl::Status ErrnoStatus(std::string_view what, const std::string& path) {
  return absl::InternalError(StrCat(what, " ", path, ": ", std::strerror(errno)));
}

}  // namespace

LogWriter::LogWriter(LogOptions options)
    : options_(std::move(options)),
      clock_(options_.clock != nullptr ? *options_.clock : base::RealClock()),
      dir_(DirName(options_.path)),
      prefix_(StrCat(Stem(BaseName(options_.path)), "-")),
      ext_(Extension(BaseName(options_.path))) {}

LogWriter::~LogWriter() {
  absl::MutexLock lock(&mu_);
  if (fd_ >= 0 && fd_ != STDOUT_FILENO) close(fd_);
}

absl::StatusOr<std::unique_ptr<LogWriter>> LogWriter::Open(LogOptions options) {
  if (options.path.empty()) return absl::InvalidArgumentError("the audit log path is empty");
  if (options.max_age_days < 0 || options.max_backups < 0 || options.max_size_mb < 0) {
    return absl::InvalidArgumentError(
        "--audit-log-maxage, --audit-log-maxbackup and --audit-log-maxsize must not be negative");
  }
  std::unique_ptr<LogWriter> writer(new LogWriter(std::move(options)));
  absl::MutexLock lock(&writer->mu_);
  if (writer->options_.path == "-") {
    writer->fd_ = STDOUT_FILENO;
    return writer;
  }
  if (absl::Status s = base::MakeDirs(writer->dir_, 0700); !s.ok()) return s;
  if (absl::Status s = writer->OpenExisting(); !s.ok()) return s;
  writer->Prune();
  return writer;
}

int64_t LogWriter::MaxBytes() const {
  return (options_.max_size_mb == 0 ? kDefaultMaxSizeMb : options_.max_size_mb) * kMegabyte;
}

absl::Status LogWriter::OpenExisting() {
  int fd = open(options_.path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoStatus("cannot open audit log", options_.path);
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    absl::Status status = ErrnoStatus("cannot stat audit log", options_.path);
    close(fd);
    return status;
  }
  fd_ = fd;
  size_ = st.st_size;
  return absl::OkStatus();
}

std::string LogWriter::BackupName() const {
  int64_t now = clock_.NowUnixNanos();
  time_t seconds = static_cast<time_t>(now / base::kNanosPerSecond);
  int millis = static_cast<int>((now % base::kNanosPerSecond) / base::kNanosPerMilli);
  struct tm tm {};
  gmtime_r(&seconds, &tm);
  char stamp[96];
  std::snprintf(stamp, sizeof(stamp), "%04d-%02d-%02dT%02d-%02d-%02d.%03d", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  return StrCat(dir_, "/", prefix_, stamp, ext_);
}

absl::Status LogWriter::Rotate() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  mode_t mode = 0600;
  struct stat st {};
  if (stat(options_.path.c_str(), &st) == 0) {
    mode = st.st_mode & 07777;  // the new file keeps the old one's mode
    if (rename(options_.path.c_str(), BackupName().c_str()) != 0) {
      return ErrnoStatus("cannot rename audit log", options_.path);
    }
  }
  int fd = open(options_.path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return ErrnoStatus("cannot open new audit log", options_.path);
  fchmod(fd, mode);
  fd_ = fd;
  size_ = 0;
  Prune();
  return absl::OkStatus();
}

void LogWriter::Prune() {
  if (options_.max_backups == 0 && options_.max_age_days == 0) return;
  struct Backup {
    int64_t time;
    std::string name;
  };
  std::vector<Backup> backups;
  DIR* dir = opendir(dir_.c_str());
  if (dir == nullptr) return;
  while (struct dirent* entry = readdir(dir)) {
    std::string name = entry->d_name;
    std::string path = StrCat(dir_, "/", name);
    struct stat st {};
    if (lstat(path.c_str(), &st) != 0 || S_ISDIR(st.st_mode)) continue;
    for (const std::string& ext : {ext_, StrCat(ext_, kCompressSuffix)}) {
      if (name.size() < prefix_.size() + ext.size() ||
          name.compare(0, prefix_.size(), prefix_) != 0 ||
          name.compare(name.size() - ext.size(), ext.size(), ext) != 0) {
        continue;
      }
      std::optional<int64_t> time = ParseBackupTime(
          std::string_view(name).substr(prefix_.size(), name.size() - prefix_.size() - ext.size()));
      if (time) {
        backups.push_back({*time, name});
        break;
      }
    }
  }
  closedir(dir);
  std::sort(backups.begin(), backups.end(),
            [](const Backup& a, const Backup& b) { return a.time > b.time; });

  std::vector<std::string> remove;
  if (options_.max_backups > 0 && static_cast<size_t>(options_.max_backups) < backups.size()) {
    // A backup and its compressed copy count once.
    std::set<std::string> preserved;
    std::vector<Backup> remaining;
    for (Backup& b : backups) {
      std::string key = b.name;
      if (key.size() >= 3 && key.compare(key.size() - 3, 3, kCompressSuffix) == 0) {
        key.resize(key.size() - 3);
      }
      preserved.insert(key);
      if (preserved.size() > static_cast<size_t>(options_.max_backups)) {
        remove.push_back(b.name);
      } else {
        remaining.push_back(std::move(b));
      }
    }
    backups = std::move(remaining);
  }
  if (options_.max_age_days > 0) {
    int64_t cutoff =
        clock_.NowUnixNanos() - int64_t{options_.max_age_days} * 24 * 3600 * base::kNanosPerSecond;
    for (const Backup& b : backups) {
      if (b.time < cutoff) remove.push_back(b.name);
    }
  }
  for (const std::string& name : remove) unlink(StrCat(dir_, "/", name).c_str());
}

void LogWriter::Write(std::string_view line) {
  absl::MutexLock lock(&mu_);
  bool to_stdout = options_.path == "-";
  if (!to_stdout) {
    int64_t len = static_cast<int64_t>(line.size());
    if (len > MaxBytes()) {
      ++dropped_;
      return;
    }
    // Like lumberjack, the first write after opening an existing file also rotates when it
    // would fill the file exactly.
    bool first = !wrote_;
    wrote_ = true;
    if (fd_ < 0 || size_ + len > MaxBytes() || (first && size_ + len >= MaxBytes())) {
      if (absl::Status s = Rotate(); !s.ok()) {
        ++dropped_;
        base::Logger("audit")->warn("audit log rotation failed: {}", s);
        return;
      }
    }
  }
  size_t done = 0;
  while (done < line.size()) {
    ssize_t n = write(fd_, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ++dropped_;
      return;
    }
    done += static_cast<size_t>(n);
    size_ += n;
  }
}

void LogWriter::Flush() {
  absl::MutexLock lock(&mu_);
  if (fd_ >= 0 && fd_ != STDOUT_FILENO) fdatasync(fd_);
}

int64_t LogWriter::dropped_lines() const {
  absl::MutexLock lock(&mu_);
  return dropped_;
}

}  // namespace k1s::audit
