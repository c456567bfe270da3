#include "base/logging.h"

#include <mutex>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace k1s::base {
namespace {

struct LogState {
  std::mutex mu;
  LogOptions options;
  spdlog::sink_ptr sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
};

LogState& State() {
  static LogState* state = new LogState();  // never destroyed: loggers outlive static teardown
  return *state;
}

spdlog::level::level_enum LevelFor(const LogOptions& options) {
  if (options.verbosity >= 5) return spdlog::level::trace;
  if (options.debug || options.verbosity >= 1) return spdlog::level::debug;
  return spdlog::level::info;
}

const char* PatternFor(const LogOptions& options) {
  // The JSON form keeps the message last so that it can be escaped-free in practice; spdlog
  // does not escape, so messages with quotes stay readable rather than strictly valid JSON.
  if (options.json) {
    return R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","component":"%n","msg":"%v"})";
  }
  return "%Y-%m-%dT%H:%M:%S.%fZ %L %n: %v";
}

void Apply(spdlog::logger& logger, const LogOptions& options) {
  logger.set_level(LevelFor(options));
  logger.set_pattern(PatternFor(options), spdlog::pattern_time_type::utc);
}

}  // namespace

void ConfigureLogging(const LogOptions& options) {
  LogState& state = State();
  std::lock_guard lock(state.mu);
  state.options = options;
  spdlog::apply_all([&](std::shared_ptr<spdlog::logger> logger) { Apply(*logger, options); });
}

std::shared_ptr<spdlog::logger> Logger(std::string_view component) {
  LogState& state = State();
  std::lock_guard lock(state.mu);
  std::string name(component);
  if (auto existing = spdlog::get(name)) return existing;
  auto logger = std::make_shared<spdlog::logger>(name, state.sink);
  Apply(*logger, state.options);
  logger->flush_on(spdlog::level::warn);
  spdlog::register_logger(logger);
  return logger;
}

}  // namespace k1s::base
