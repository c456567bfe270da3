#pragma once
// Logging: one named spdlog logger per component, configured once at process start.
//
//   auto log = k1s::base::Logger("datastore");
//   log->info("opened {} at revision {}", path, revision);
//
// Thread-safe: loggers are created on first use and shared.

#include <memory>
#include <string>
#include <string_view>

#include <spdlog/logger.h>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace k1s::base {

struct LogOptions {
  bool debug = false;     // --debug: debug level for every component
  int verbosity = 0;      // -v N: N >= 1 also enables debug, N >= 5 trace
  bool json = false;      // one JSON object per line instead of text
  std::string file;       // --log FILE: append here instead of stderr
};

// Applies options to every existing and future logger. Call before starting components.
// Fails only when the log file cannot be opened.
absl::Status ConfigureLogging(const LogOptions& options);

// Returns the logger for `component`, creating it with the configured sinks and level.
std::shared_ptr<spdlog::logger> Logger(std::string_view component);

}  // namespace k1s::base

// Lets log lines format absl types directly: log->warn("start: {}", status).
template <>
struct fmt::formatter<absl::string_view> : fmt::formatter<fmt::string_view> {
  template <typename Context>
  auto format(absl::string_view value, Context& context) const {
    return fmt::formatter<fmt::string_view>::format(fmt::string_view(value.data(), value.size()),
                                                    context);
  }
};

template <>
struct fmt::formatter<absl::Status> : fmt::formatter<fmt::string_view> {
  template <typename Context>
  auto format(const absl::Status& status, Context& context) const {
    std::string text = status.ToString();
    return fmt::formatter<fmt::string_view>::format(fmt::string_view(text), context);
  }
};
