#include "cli/config_file.h"

#include <algorithm>
#include <filesystem>
#include <map>

#include <CLI/CLI.hpp>
#include <yaml-cpp/yaml.h>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/files.h"
#include "base/status.h"

namespace k1s::cli {
namespace {

bool ParseBool(const std::string& text, bool* value) {
  static const std::map<std::string, bool> kWords = {
      {"true", true}, {"yes", true}, {"on", true}, {"1", true},
      {"false", false}, {"no", false}, {"off", false}, {"0", false}};
  auto it = kWords.find(text);
  if (it == kWords.end()) return false;
  *value = it->second;
  return true;
}

absl::Status ParseOneFile(const std::string& path, std::map<std::string, ConfigEntry>& merged,
                          std::vector<std::string>& order) {
  K1S_ASSIGN_OR_RETURN(std::string text, base::ReadFile(path));
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": invalid YAML: ", e.what()));
  }
  if (root.IsNull()) return absl::OkStatus();  // an empty file sets nothing
  if (!root.IsMap()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": expected a mapping of flag names to values"));
  }
  for (const auto& item : root) {
    std::string key = item.first.as<std::string>();
    bool append = absl::EndsWith(key, "+");
    if (append) key.pop_back();
    ConfigEntry entry{key, {}, false, false, path};
    const YAML::Node& value = item.second;
    if (value.IsSequence()) {
      entry.is_list = true;
      for (const auto& element : value) {
        if (!element.IsScalar()) {
          return absl::InvalidArgumentError(
              absl::StrCat(path, ": key \"", key, "\": list items must be plain values"));
        }
        entry.values.push_back(element.Scalar());
      }
    } else if (value.IsScalar()) {
      entry.values.push_back(value.Scalar());
    } else if (value.IsNull()) {
      continue;  // "key:" with nothing after it leaves the default
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": key \"", key, "\": expected a value or a list, not a mapping"));
    }
    auto [it, inserted] = merged.try_emplace(key, entry);
    if (inserted) {
      order.push_back(key);
    } else if (append) {
      it->second.values.insert(it->second.values.end(), entry.values.begin(), entry.values.end());
      it->second.is_list = true;
      it->second.source = path;
    } else {
      it->second = entry;
    }
  }
  return absl::OkStatus();
}

std::vector<std::string> DropInFiles(const std::string& path) {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(path + ".d", ec)) {
    std::string name = entry.path().string();
    if (entry.is_regular_file() && (absl::EndsWith(name, ".yaml") || absl::EndsWith(name, ".yml"))) {
      files.push_back(name);
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

CLI::Option* FindOption(CLI::App& command, const std::string& key) {
  for (CLI::App* app = &command; app != nullptr; app = app->get_parent()) {
    if (CLI::Option* option = app->get_option_no_throw("--" + key)) return option;
  }
  return nullptr;
}

absl::Status TypeError(const ConfigEntry& entry, absl::string_view expected) {
  return absl::InvalidArgumentError(absl::StrCat(entry.source, ": key \"", entry.key, "\" ",
                                                 expected, ", got \"",
                                                 entry.values.empty() ? "" : entry.values[0],
                                                 "\""));
}

absl::Status ApplyEntry(CLI::Option& option, const ConfigEntry& entry) {
  const bool is_flag = option.get_expected_max() == 0;  // CLI11 flags take no argument
  const bool takes_many = option.get_items_expected_max() > 1;
  if (!takes_many && entry.values.size() != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(entry.source, ": key \"", entry.key, "\" takes one value, not a list"));
  }
  if (is_flag) {
    bool value = false;
    if (!ParseBool(entry.values[0], &value)) return TypeError(entry, "must be true or false");
    option.add_result(value ? "true" : "false");
  } else {
    const std::string type = option.get_type_name();
    for (const auto& value : entry.values) {
      int64_t number = 0;
      if ((type == "INT" || type == "UINT") && !absl::SimpleAtoi(value, &number)) {
        return TypeError(entry, "must be an integer");
      }
      option.add_result(value);
    }
  }
  try {
    option.run_callback();
  } catch (const CLI::ParseError& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(entry.source, ": key \"", entry.key, "\": ", e.what()));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<ConfigEntry>> LoadConfigFiles(const std::string& path, bool required) {
  std::map<std::string, ConfigEntry> merged;
  std::vector<std::string> order;
  if (base::PathExists(path)) {
    K1S_RETURN_IF_ERROR(ParseOneFile(path, merged, order));
  } else if (required) {
    return absl::NotFoundError(absl::StrCat("config file ", path, " does not exist"));
  }
  for (const auto& drop_in : DropInFiles(path)) {
    K1S_RETURN_IF_ERROR(ParseOneFile(drop_in, merged, order));
  }
  std::vector<ConfigEntry> entries;
  for (const auto& key : order) entries.push_back(merged.at(key));
  return entries;
}

absl::Status ApplyConfig(CLI::App& command, const std::vector<ConfigEntry>& entries,
                         const std::vector<std::string>& known_elsewhere) {
  for (const auto& entry : entries) {
    CLI::Option* option = FindOption(command, entry.key);
    if (option == nullptr || entry.key == "config") {
      if (std::find(known_elsewhere.begin(), known_elsewhere.end(), entry.key) !=
          known_elsewhere.end()) {
        continue;
      }
      return absl::InvalidArgumentError(absl::StrCat(entry.source, ": unknown key \"", entry.key,
                                                     "\" (k1s ", command.get_name(),
                                                     " has no flag --", entry.key, ")"));
    }
    if (option->count() > 0) continue;  // set by flag or environment: those win
    K1S_RETURN_IF_ERROR(ApplyEntry(*option, entry));
  }
  return absl::OkStatus();
}

}  // namespace k1s::cli
