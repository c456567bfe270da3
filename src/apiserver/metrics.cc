#include "apiserver/metrics.h"

#include <dirent.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "base/files.h"
#include "base/strings.h"

namespace k1s::apiserver {
namespace {

struct ProcessStats {
  double cpu_seconds = 0;
  double virtual_bytes = 0;
  double resident_bytes = 0;
};

// /proc/self/stat fields 14-15 (utime, stime in ticks), 23 (vsize), 24 (rss in pages).
ProcessStats ReadProcessStats() {
  ProcessStats stats;
  absl::StatusOr<std::string> stat = base::ReadFile("/proc/self/stat");
  if (!stat.ok()) return stats;
  size_t end_of_name = stat->rfind(')');
  if (end_of_name == std::string::npos) return stats;
  std::vector<std::string> fields =
      absl::StrSplit(absl::string_view(*stat).substr(end_of_name + 2), ' ');
  // fields[0] is field 3 (state).
  if (fields.size() < 22) return stats;
  double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  stats.cpu_seconds = (std::stod(fields[11]) + std::stod(fields[12])) / ticks;
  stats.virtual_bytes = std::stod(fields[20]);
  stats.resident_bytes = std::stod(fields[21]) * static_cast<double>(sysconf(_SC_PAGESIZE));
  return stats;
}

int64_t CountOpenFds() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return 0;
  int64_t count = 0;
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(dir);
  return count - 1;  // the directory stream itself
}

std::string FormatDouble(double value) { return absl::StrFormat("%.17g", value); }

}  // namespace

// Label pairs in name order, as Prometheus client libraries print them.
std::string Metrics::Labels(const LatencyKey& key) {
  const auto& [verb, group, version, resource, subresource, scope, dry_run] = key;
  return base::StrCat("component=\"apiserver\",dry_run=\"", dry_run, "\",group=\"", group,
                      "\",resource=\"", resource, "\",scope=\"", scope, "\",subresource=\"",
                      subresource, "\",verb=\"", verb, "\",version=\"", version, "\"");
}

namespace {}  // namespace

Metrics::Metrics() : start_unix_seconds_(static_cast<int64_t>(std::time(nullptr))) {}

void Metrics::ObserveRequest(std::string_view verb, std::string_view group,
                             std::string_view version, std::string_view resource,
                             std::string_view subresource, std::string_view scope, bool dry_run,
                             int32_t code, double seconds) {
  std::string upper_verb(verb);
  for (char& c : upper_verb) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  LatencyKey key(upper_verb, group, version, resource, subresource, scope, dry_run ? "All" : "");
  absl::MutexLock lock(&mu_);
  ++requests_[RequestKey(key, code)];
  Histogram& histogram = latencies_[key];
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++histogram.counts[i];
  }
  ++histogram.count;
  histogram.sum += seconds;
}

void Metrics::AddGauge(std::string name, std::string help, std::function<double()> value) {
  absl::MutexLock lock(&mu_);
  gauges_[std::move(name)] = Gauge{std::move(help), std::move(value)};
}

std::string Metrics::Render() const {
  std::string out;
  absl::MutexLock lock(&mu_);
  base::StrAppend(&out,
                  "# HELP apiserver_request_total Counter of apiserver requests broken out for "
                  "each verb, group, version, resource and HTTP response code.\n"
                  "# TYPE apiserver_request_total counter\n");
  for (const auto& [key, count] : requests_) {
    base::StrAppend(&out, "apiserver_request_total{code=\"", key.second, "\",", Labels(key.first),
                    "} ", count, "\n");
  }
  base::StrAppend(&out,
                  "# HELP apiserver_request_duration_seconds Response latency distribution in "
                  "seconds for each verb, group, version, resource and subresource.\n"
                  "# TYPE apiserver_request_duration_seconds histogram\n");
  for (const auto& [key, histogram] : latencies_) {
    std::string labels = Labels(key);
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      base::StrAppend(&out, "apiserver_request_duration_seconds_bucket{", labels, ",le=\"",
                      FormatDouble(kBuckets[i]), "\"} ", histogram.counts[i], "\n");
    }
    base::StrAppend(&out, "apiserver_request_duration_seconds_bucket{", labels, ",le=\"+Inf\"} ",
                    histogram.count, "\n");
    base::StrAppend(&out, "apiserver_request_duration_seconds_sum{", labels, "} ",
                    FormatDouble(histogram.sum), "\n");
    base::StrAppend(&out, "apiserver_request_duration_seconds_count{", labels, "} ",
                    histogram.count, "\n");
  }
  for (const auto& [name, gauge] : gauges_) {
    base::StrAppend(&out, "# HELP ", name, " ", gauge.help, "\n# TYPE ", name, " gauge\n", name,
                    " ", FormatDouble(gauge.value()), "\n");
  }
  ProcessStats stats = ReadProcessStats();
  base::StrAppend(
      &out,
      "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"
      "# TYPE process_cpu_seconds_total counter\n",
      "process_cpu_seconds_total ", FormatDouble(stats.cpu_seconds), "\n",
      "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
      "# TYPE process_resident_memory_bytes gauge\n",
      "process_resident_memory_bytes ", FormatDouble(stats.resident_bytes), "\n",
      "# HELP process_virtual_memory_bytes Virtual memory size in bytes.\n"
      "# TYPE process_virtual_memory_bytes gauge\n",
      "process_virtual_memory_bytes ", FormatDouble(stats.virtual_bytes), "\n",
      "# HELP process_open_fds Number of open file descriptors.\n"
      "# TYPE process_open_fds gauge\n",
      "process_open_fds ", CountOpenFds(), "\n",
      "# HELP process_start_time_seconds Start time of the process since unix epoch in "
      "seconds.\n"
      "# TYPE process_start_time_seconds gauge\n",
      "process_start_time_seconds ", start_unix_seconds_, "\n");
  return out;
}

}  // namespace k1s::apiserver
