#include "base/logging.h"

#include <mutex>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/basic_file_sink.h>
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

// "%*" in the JSON pattern: the message as the body of a JSON string (quotes, backslashes
// and control characters escaped), so every line parses as one JSON object.
class JsonEscapedMessage final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& message, const std::tm&,
              spdlog::memory_buf_t& out) override {
    static constexpr char kHex[] = "0123456789abcdef";
    for (char c : message.payload) {
      switch (c) {
        case '"': out.append(std::string_view("\\\"")); break;
        case '\\': out.append(std::string_view("\\\\")); break;
        case '\n': out.append(std::string_view("\\n")); break;
        case '\t': out.append(std::string_view("\\t")); break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            const char escaped[] = {'\\', 'u', '0', '0', kHex[(c >> 4) & 0xf], kHex[c & 0xf]};
            out.append(escaped, escaped + sizeof(escaped));
          } else {
            out.push_back(c);
          }
      }
    }
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonEscapedMessage>();
  }
};

void Apply(spdlog::logger& logger, const LogOptions& options, const spdlog::sink_ptr& sink) {
  logger.sinks() = {sink};
  logger.set_level(LevelFor(options));
  auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  if (options.json) {
    formatter->add_flag<JsonEscapedMessage>('*').set_pattern(
        R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","component":"%n","msg":"%*"})");
  } else {
    formatter->set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %L %n: %v");
  }
  logger.set_formatter(std::move(formatter));
}

}  // namespace

absl::Status ConfigureLogging(const LogOptions& options) {
  spdlog::sink_ptr sink;
  if (options.file.empty()) {
    sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  } else {
    try {
      sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(options.file);
    } catch (const spdlog::spdlog_ex& e) {
      return absl::InvalidArgumentError(std::string("open log file: ") + e.what());
    }
  }
  LogState& state = State();
  std::lock_guard lock(state.mu);
  state.options = options;
  state.sink = sink;
  spdlog::apply_all([&](std::shared_ptr<spdlog::logger> logger) {
    Apply(*logger, options, sink);
  });
  return absl::OkStatus();
}

std::shared_ptr<spdlog::logger> Logger(std::string_view component) {
  LogState& state = State();
  std::lock_guard lock(state.mu);
  std::string name(component);
  if (auto existing = spdlog::get(name)) return existing;
  auto logger = std::make_shared<spdlog::logger>(name, state.sink);
  Apply(*logger, state.options, state.sink);
  logger->flush_on(spdlog::level::warn);
  spdlog::register_logger(logger);
  return logger;
}

}  // namespace k1s::base
