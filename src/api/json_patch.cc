#include "api/json_patch.h"

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace k1s::api {
namespace {

using nlohmann::json;

// Go's encoding/json names for the kinds of JSON value, used in decode error texts.
std::string GoKind(const json& value) {
  switch (value.type()) {
    case json::value_t::object:
      return "object";
    case json::value_t::array:
      return "array";
    case json::value_t::string:
      return "string";
    case json::value_t::boolean:
      return "bool";
    case json::value_t::null:
      return "null";
    default:
      return "number";
  }
}

absl::Status Unprocessable(std::string_view message) {
  return absl::FailedPreconditionError(absl::string_view(message.data(), message.size()));
}

// Splits a JSON pointer into unescaped reference tokens; nullopt when it is not a pointer.
std::optional<std::vector<std::string>> ParsePointer(const std::string& pointer,
                                                     std::string* error) {
  std::vector<std::string> tokens;
  if (pointer.empty()) return tokens;
  if (pointer[0] != '/') {
    *error =
        absl::StrCat("invalid JSON pointer \"", pointer, "\": must be empty or start with \"/\"");
    return std::nullopt;
  }
  std::string token;
  for (size_t i = 1; i <= pointer.size(); ++i) {
    if (i == pointer.size() || pointer[i] == '/') {
      tokens.push_back(std::move(token));
      token.clear();
      continue;
    }
    if (pointer[i] == '~') {
      if (i + 1 < pointer.size() && (pointer[i + 1] == '0' || pointer[i + 1] == '1')) {
        token.push_back(pointer[i + 1] == '0' ? '~' : '/');
        ++i;
        continue;
      }
      *error = absl::StrCat("invalid JSON pointer \"", pointer,
                            "\": \"~\" must be followed by \"0\" or \"1\"");
      return std::nullopt;
    }
    token.push_back(pointer[i]);
  }
  return tokens;
}

// strconv.Atoi semantics (optional sign, decimal digits, int64 range) with Go's error texts,
// because evanphx/json-patch parses array indices that way and surfaces those errors.
std::optional<int64_t> GoAtoi(const std::string& text, std::string* error) {
  size_t i = 0;
  bool negative = false;
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
    negative = text[0] == '-';
    i = 1;
  }
  if (i == text.size()) {
    *error = absl::StrCat("strconv.Atoi: parsing \"", text, "\": invalid syntax");
    return std::nullopt;
  }
  uint64_t magnitude = 0;
  bool overflow = false;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c < '0' || c > '9') {
      *error = absl::StrCat("strconv.Atoi: parsing \"", text, "\": invalid syntax");
      return std::nullopt;
    }
    if (magnitude > (std::numeric_limits<uint64_t>::max() - 9) / 10) overflow = true;
    if (!overflow) magnitude = magnitude * 10 + static_cast<uint64_t>(c - '0');
  }
  const uint64_t limit = negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
  if (overflow || magnitude > limit) {
    *error = absl::StrCat("strconv.Atoi: parsing \"", text, "\": value out of range");
    return std::nullopt;
  }
  if (negative)
    return magnitude == limit ? std::numeric_limits<int64_t>::min()
                              : -static_cast<int64_t>(magnitude);
  return static_cast<int64_t>(magnitude);
}

std::string InvalidIndex(int64_t index) {
  return absl::StrCat("Unable to access invalid index: ", index, ": invalid index referenced");
}

// Index of an existing element (negative counts from the end), or an error text.
std::optional<size_t> ExistingIndex(const json& array, const std::string& token,
                                    std::string* error) {
  std::optional<int64_t> index = GoAtoi(token, error);
  if (!index) return std::nullopt;
  const auto size = static_cast<int64_t>(array.size());
  int64_t resolved = *index;
  if (resolved < 0) {
    if (resolved < -size) {
      *error = InvalidIndex(*index);
      return std::nullopt;
    }
    resolved += size;
  }
  if (resolved >= size) {
    *error = InvalidIndex(resolved);
    return std::nullopt;
  }
  return static_cast<size_t>(resolved);
}

// The container holding the value a pointer names (its last token is looked up by the caller);
// nullptr when some ancestor is missing or is a scalar, like evanphx's findObject.
json* FindParent(json& doc, const std::vector<std::string>& tokens) {
  if (tokens.empty()) return nullptr;
  json* current = &doc;
  for (size_t i = 0; i + 1 < tokens.size(); ++i) {
    if (current->is_object()) {
      auto it = current->find(tokens[i]);
      if (it == current->end()) return nullptr;
      current = &*it;
    } else if (current->is_array()) {
      std::string ignored;
      std::optional<size_t> index = ExistingIndex(*current, tokens[i], &ignored);
      if (!index) return nullptr;
      current = &(*current)[*index];
    } else {
      return nullptr;
    }
  }
  if (!current->is_object() && !current->is_array()) return nullptr;
  return current;
}

// Inserts `value` at `key` of `container`; returns an error text on failure.
std::optional<std::string> AddTo(json& container, const std::string& key, json value) {
  if (container.is_object()) {
    container[key] = std::move(value);
    return std::nullopt;
  }
  if (key == "-") {
    container.push_back(std::move(value));
    return std::nullopt;
  }
  std::string error;
  std::optional<int64_t> index = GoAtoi(key, &error);
  if (!index) return absl::StrCat("value was not a proper array index: '", key, "': ", error);
  const auto size = static_cast<int64_t>(container.size()) + 1;
  int64_t resolved = *index;
  if (resolved >= size) return InvalidIndex(*index);
  if (resolved < 0) {
    if (resolved < -size) return InvalidIndex(*index);
    resolved += size;
  }
  container.insert(container.begin() + static_cast<std::ptrdiff_t>(resolved), std::move(value));
  return std::nullopt;
}

// Removes `key` from `container`, handing back the removed value or an error text.
std::optional<std::string> RemoveFrom(json& container, const std::string& key, json* removed) {
  if (container.is_object()) {
    auto it = container.find(key);
    if (it == container.end()) {
      return absl::StrCat("Unable to remove nonexistent key: ", key, ": missing value");
    }
    if (removed != nullptr) *removed = std::move(*it);
    container.erase(it);
    return std::nullopt;
  }
  std::string error;
  std::optional<size_t> index = ExistingIndex(container, key, &error);
  if (!index) return error;
  if (removed != nullptr) *removed = std::move(container[*index]);
  container.erase(*index);
  return std::nullopt;
}

// The member or element `key` of `container`; nullptr (with `error` set for arrays, empty for
// a missing object member) when absent.
json* Lookup(json& container, const std::string& key, std::string* error) {
  error->clear();
  if (container.is_object()) {
    auto it = container.find(key);
    return it == container.end() ? nullptr : &*it;
  }
  std::optional<size_t> index = ExistingIndex(container, key, error);
  return index ? &container[*index] : nullptr;
}

// One validated operation of a patch.
struct Operation {
  std::string op;
  std::string path;
  std::vector<std::string> path_tokens;
  std::string from;
  std::vector<std::string> from_tokens;
  json value;  // null when the member is missing, as evanphx v4 treats it
};

absl::StatusOr<Operation> DecodeOperation(const json& raw) {
  if (!raw.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat("json: cannot unmarshal ", GoKind(raw),
                                                   " into Go value of type jsonpatch.Operation"));
  }
  Operation operation;
  auto op = raw.find("op");
  operation.op = op != raw.end() && op->is_string() ? op->get<std::string>() : "unknown";
  if (operation.op != "add" && operation.op != "remove" && operation.op != "replace" &&
      operation.op != "move" && operation.op != "copy" && operation.op != "test") {
    return absl::InvalidArgumentError(absl::StrCat("Unexpected kind: ", operation.op));
  }
  auto path = raw.find("path");
  if (path == raw.end() || !path->is_string()) {
    return absl::InvalidArgumentError(absl::StrCat(
        operation.op,
        " operation failed to decode path: operation missing path field: missing value"));
  }
  operation.path = path->get<std::string>();
  std::string error;
  std::optional<std::vector<std::string>> tokens = ParsePointer(operation.path, &error);
  if (!tokens) return absl::InvalidArgumentError(error);
  operation.path_tokens = std::move(*tokens);
  if (operation.op == "move" || operation.op == "copy") {
    auto from = raw.find("from");
    if (from == raw.end() || !from->is_string()) {
      return absl::InvalidArgumentError(absl::StrCat(
          operation.op,
          " operation failed to decode from: operation, missing from field: missing value"));
    }
    operation.from = from->get<std::string>();
    tokens = ParsePointer(operation.from, &error);
    if (!tokens) return absl::InvalidArgumentError(error);
    operation.from_tokens = std::move(*tokens);
  }
  auto value = raw.find("value");
  if (value != raw.end()) operation.value = *value;
  return operation;
}

absl::Status Add(json& doc, const Operation& op) {
  if (op.path_tokens.empty()) {
    doc = op.value;
    return absl::OkStatus();
  }
  json* parent = FindParent(doc, op.path_tokens);
  if (parent == nullptr) {
    return Unprocessable(absl::StrCat("add operation does not apply: doc is missing path: \"",
                                      op.path, "\": missing value"));
  }
  if (auto error = AddTo(*parent, op.path_tokens.back(), op.value)) {
    return Unprocessable(absl::StrCat("error in add for path: '", op.path, "': ", *error));
  }
  return absl::OkStatus();
}

absl::Status Remove(json& doc, const Operation& op) {
  json* parent = FindParent(doc, op.path_tokens);
  if (parent == nullptr) {
    return Unprocessable(absl::StrCat("remove operation does not apply: doc is missing path: \"",
                                      op.path, "\": missing value"));
  }
  if (auto error = RemoveFrom(*parent, op.path_tokens.back(), nullptr)) {
    return Unprocessable(absl::StrCat("error in remove for path: '", op.path, "': ", *error));
  }
  return absl::OkStatus();
}

absl::Status Replace(json& doc, const Operation& op) {
  if (op.path_tokens.empty()) {
    doc = op.value;
    return absl::OkStatus();
  }
  json* parent = FindParent(doc, op.path_tokens);
  if (parent == nullptr) {
    return Unprocessable(absl::StrCat(
        "replace operation does not apply: doc is missing path: ", op.path, ": missing value"));
  }
  std::string error;
  json* target = Lookup(*parent, op.path_tokens.back(), &error);
  if (target == nullptr) {
    return Unprocessable(absl::StrCat(
        "replace operation does not apply: doc is missing key: ", op.path, ": missing value"));
  }
  *target = op.value;
  return absl::OkStatus();
}

absl::Status Move(json& doc, const Operation& op) {
  if (op.from_tokens.empty()) {
    if (op.path_tokens.empty()) return absl::OkStatus();
    return Unprocessable("unable to move entire document to another path: invalid state detected");
  }
  json* from_parent = FindParent(doc, op.from_tokens);
  if (from_parent == nullptr) {
    return Unprocessable(absl::StrCat(
        "move operation does not apply: doc is missing from path: ", op.from, ": missing value"));
  }
  const std::string& from_key = op.from_tokens.back();
  json moved;
  if (auto error = RemoveFrom(*from_parent, from_key, &moved)) {
    return Unprocessable(absl::StrCat("error in move for path: '", from_key, "': ", *error));
  }
  if (op.path_tokens.empty()) {
    doc = std::move(moved);
    return absl::OkStatus();
  }
  json* parent = FindParent(doc, op.path_tokens);
  if (parent == nullptr) {
    return Unprocessable(
        absl::StrCat("move operation does not apply: doc is missing destination path: ", op.path,
                     ": missing value"));
  }
  if (auto error = AddTo(*parent, op.path_tokens.back(), std::move(moved))) {
    return Unprocessable(absl::StrCat("error in move for path: '", op.path, "': ", *error));
  }
  return absl::OkStatus();
}

absl::Status Copy(json& doc, const Operation& op) {
  json copied;
  if (op.from_tokens.empty()) {
    copied = doc;
  } else {
    json* from_parent = FindParent(doc, op.from_tokens);
    if (from_parent == nullptr) {
      return Unprocessable(absl::StrCat(
          "copy operation does not apply: doc is missing from path: ", op.from, ": missing value"));
    }
    std::string error;
    json* source = Lookup(*from_parent, op.from_tokens.back(), &error);
    if (source == nullptr) {
      if (error.empty()) {
        error = absl::StrCat("unable to get nonexistent key: ", op.from_tokens.back(),
                             ": missing value");
      }
      return Unprocessable(absl::StrCat("error in copy for from: '", op.from, "': ", error));
    }
    copied = *source;
  }
  if (op.path_tokens.empty()) {
    doc = std::move(copied);
    return absl::OkStatus();
  }
  json* parent = FindParent(doc, op.path_tokens);
  if (parent == nullptr) {
    return Unprocessable(
        absl::StrCat("copy operation does not apply: doc is missing destination path: ", op.path,
                     ": missing value"));
  }
  if (auto error = AddTo(*parent, op.path_tokens.back(), std::move(copied))) {
    return Unprocessable(absl::StrCat("error while adding value during copy: ", *error));
  }
  return absl::OkStatus();
}

absl::Status Test(json& doc, const Operation& op) {
  const std::string failed = absl::StrCat("testing value ", op.path, " failed: test failed");
  if (op.path_tokens.empty()) {
    return doc == op.value ? absl::OkStatus() : Unprocessable(failed);
  }
  json* parent = FindParent(doc, op.path_tokens);
  if (parent == nullptr) {
    return Unprocessable(absl::StrCat("test operation does not apply: is missing path: ", op.path,
                                      ": missing value"));
  }
  std::string error;
  json* actual = Lookup(*parent, op.path_tokens.back(), &error);
  if (actual == nullptr) {
    if (!error.empty()) {
      return Unprocessable(absl::StrCat("error in test for path: '", op.path, "': ", error));
    }
    // A missing member equals null, as in evanphx/json-patch.
    return op.value.is_null() ? absl::OkStatus() : Unprocessable(failed);
  }
  return *actual == op.value ? absl::OkStatus() : Unprocessable(failed);
}

}  // namespace

absl::StatusOr<json> ApplyJsonPatch(const json& document, const json& patch) {
  if (!patch.is_array()) {
    return absl::InvalidArgumentError(absl::StrCat("json: cannot unmarshal ", GoKind(patch),
                                                   " into Go value of type jsonpatch.Patch"));
  }
  // Decode everything first so a malformed patch is reported as such (400) even when an
  // earlier operation would not apply.
  std::vector<Operation> operations;
  operations.reserve(patch.size());
  for (const json& raw : patch) {
    absl::StatusOr<Operation> operation = DecodeOperation(raw);
    if (!operation.ok()) return operation.status();
    operations.push_back(*std::move(operation));
  }
  json doc = document;
  for (const Operation& op : operations) {
    absl::Status status;
    if (op.op == "add") {
      status = Add(doc, op);
    } else if (op.op == "remove") {
      status = Remove(doc, op);
    } else if (op.op == "replace") {
      status = Replace(doc, op);
    } else if (op.op == "move") {
      status = Move(doc, op);
    } else if (op.op == "copy") {
      status = Copy(doc, op);
    } else {
      status = Test(doc, op);
    }
    if (!status.ok()) return status;
  }
  return doc;
}

}  // namespace k1s::api
