#pragma once
// The k3s-style configuration file: /etc/k1s/config.yaml plus config.yaml.d/*.yaml drop-ins.
//
// Keys are flag names without dashes ("tls-san", "data-dir"); a repeatable flag takes a list or
// a single value. Drop-ins are applied in name order after the main file; a later value
// replaces an earlier one, except for keys written with a trailing "+" ("node-label+"), which
// append to the list. Precedence: flags > K1S_* environment > config file > defaults.

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace CLI {
class App;
}

namespace k1s::cli {

// One key after merging: its values as strings and the file that set it last.
struct ConfigEntry {
  std::string key;
  std::vector<std::string> values;
  bool is_list = false;    // written as a YAML sequence (or appended with "key+")
  bool is_bool = false;    // written as a YAML boolean scalar
  std::string source;      // the file, for error messages
};

constexpr char kDefaultConfigFile[] = "/etc/k1s/config.yaml";

// Reads `path` and `path`.d/*.yaml. A missing file is fine unless `required` (the user named
// it). Malformed YAML, a non-mapping document or a nested value is an error naming the file.
absl::StatusOr<std::vector<ConfigEntry>> LoadConfigFiles(const std::string& path, bool required);

// Applies entries to the parsed subcommand `command` (and its parent for global flags): keys
// the user already set by flag or environment are left alone. `known_elsewhere` lists keys
// that belong to a sibling command's flags and are silently skipped (one file serves both
// server and agent). Unknown keys and values of the wrong type fail, naming the key and file.
absl::Status ApplyConfig(CLI::App& command, const std::vector<ConfigEntry>& entries,
                         const std::vector<std::string>& known_elsewhere);

}  // namespace k1s::cli
