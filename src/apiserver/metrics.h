#pragma once
// Prometheus metrics of the apiserver: request counts and latencies by verb, resource and code
// (the upstream metric names dashboards already use) plus the process's own CPU, memory and file
// descriptors, rendered in the text exposition format at /metrics. Thread-safe.
#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <tuple>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace k1s::apiserver {

class Metrics {
 public:
  Metrics();

  // One finished request. Watches are counted when they end, like upstream's WATCH verb.
  // `scope` is "resource" (one object), "namespace", "cluster" or "" for non-resource paths.
  void ObserveRequest(std::string_view verb, std::string_view group, std::string_view version,
                      std::string_view resource, std::string_view subresource,
                      std::string_view scope, bool dry_run, int32_t code, double seconds);
  // Adds lines computed at scrape time (e.g. the watch cache's watcher count).
  void AddGauge(std::string name, std::string help, std::function<double()> value);

  std::string Render() const;

 private:
  static constexpr std::array<double, 23> kBuckets = {0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8,
                                                      1.0,   1.25,  1.5,  2,   3,   4,   5,   6,
                                                      8,     10,    15,   20,  30,  45,  60};
  // verb, group, version, resource, subresource, scope, dry_run; requests add the code.
  using LatencyKey = std::tuple<std::string, std::string, std::string, std::string, std::string,
                                std::string, std::string>;
  using RequestKey = std::pair<LatencyKey, int32_t>;
  static std::string Labels(const LatencyKey& key);

  struct Histogram {
    std::array<uint64_t, kBuckets.size()> counts{};
    uint64_t count = 0;
    double sum = 0;
  };
  struct Gauge {
    std::string help;
    std::function<double()> value;
  };

  const int64_t start_unix_seconds_;
  mutable absl::Mutex mu_;
  std::map<RequestKey, uint64_t> requests_ ABSL_GUARDED_BY(mu_);
  std::map<LatencyKey, Histogram> latencies_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, Gauge> gauges_ ABSL_GUARDED_BY(mu_);
};

}  // namespace k1s::apiserver
