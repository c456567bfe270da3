#include "api/protobuf_codec.h"


#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/message.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "api/generated_protos.h"
#include "api/proto/admissionregistration_v1.pb.h"
#include "api/proto/apiextensions_v1.pb.h"
#include "api/proto/apps_v1.pb.h"
#include "api/proto/authentication_v1.pb.h"
#include "api/proto/authorization_v1.pb.h"
#include "api/proto/autoscaling_v1.pb.h"
#include "api/proto/autoscaling_v2.pb.h"
#include "api/proto/batch_v1.pb.h"
#include "api/proto/certificates_v1.pb.h"
#include "api/proto/coordination_v1.pb.h"
#include "api/proto/core_v1.pb.h"
#include "api/proto/discovery_v1.pb.h"
#include "api/proto/events_v1.pb.h"
#include "api/proto/flowcontrol_v1.pb.h"
#include "api/proto/intstr.pb.h"
#include "api/proto/k1s_options.pb.h"
#include "api/proto/meta_v1.pb.h"
#include "api/proto/networking_v1.pb.h"
#include "api/proto/node_v1.pb.h"
#include "api/proto/policy_v1.pb.h"
#include "api/proto/rbac_v1.pb.h"
#include "api/proto/resource.pb.h"
#include "api/proto/runtime.pb.h"
#include "api/proto/scheduling_v1.pb.h"
#include "api/proto/storage_v1.pb.h"
#include "api/timestamps.h"

namespace k1s::api {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using json = nlohmann::json;
namespace k8s_runtime = k8s::io::apimachinery::pkg::runtime;

constexpr std::string_view kMagic("k8s\0", 4);
constexpr char kMetaPackage[] = "k8s.io.apimachinery.pkg.apis.meta.v1";

constexpr std::string_view kTime = "k8s.io.apimachinery.pkg.apis.meta.v1.Time";
constexpr std::string_view kMicroTime = "k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime";
constexpr std::string_view kDuration = "k8s.io.apimachinery.pkg.apis.meta.v1.Duration";
constexpr std::string_view kFieldsV1 = "k8s.io.apimachinery.pkg.apis.meta.v1.FieldsV1";
constexpr std::string_view kIntOrString = "k8s.io.apimachinery.pkg.util.intstr.IntOrString";
constexpr std::string_view kQuantity = "k8s.io.apimachinery.pkg.api.resource.Quantity";
constexpr std::string_view kQuantityValue = "k8s.io.apimachinery.pkg.api.resource.QuantityValue";
constexpr std::string_view kRawExtension = "k8s.io.apimachinery.pkg.runtime.RawExtension";

// Go named slice types marked +protobuf.nullable: a message {repeated items = 1} on the wire, a
// plain JSON array.
constexpr std::array<std::string_view, 4> kListWrappers = {
    "k8s.io.apimachinery.pkg.apis.meta.v1.Verbs",
    "k8s.io.api.authentication.v1.ExtraValue",
    "k8s.io.api.authorization.v1.ExtraValue",
    "k8s.io.api.certificates.v1.ExtraValue",
};

// Option kinds that every group version accepts (they live in meta/v1).
constexpr std::array<std::string_view, 7> kMetaKinds = {
    "DeleteOptions", "CreateOptions", "UpdateOptions", "PatchOptions",
    "GetOptions",    "ListOptions",   "Status",
};

template <size_t N>
bool Contains(const std::array<std::string_view, N>& list, std::string_view name) {
  for (std::string_view entry : list) {
    if (entry == name) return true;
  }
  return false;
}

// Go embedded structs (`json:",inline"` in types.go, the k1s `inline` option): a nested message
// on the wire, flattened into the parent in JSON.
bool IsInline(const FieldDescriptor& field) {
  return field.type() == FieldDescriptor::TYPE_MESSAGE && !field.is_repeated() &&
         field.options().GetExtension(k1s::k8spb::inline_);
}

// Debian's abseil has its own string_view type.
absl::string_view Av(std::string_view text) { return {text.data(), text.size()}; }

absl::Status Invalid(std::string_view path, std::string_view message) {
  return absl::InvalidArgumentError(path.empty() ? std::string(message)
                                                 : absl::StrCat(Av(path), ": ", Av(message)));
}

std::string JoinPath(std::string_view path, std::string_view key) {
  return path.empty() ? std::string(key) : absl::StrCat(Av(path), ".", Av(key));
}

// Links every generated file in, so the generated pool knows their messages.
void RegisterGeneratedFiles() { (void)GeneratedProtoFiles(); }

// "apps/v1" + "Deployment" -> k8s.io.api.apps.v1.Deployment; "v1" is the core group. Only
// groups of the Kubernetes project (no dot, or *.k8s.io) are known.
const Descriptor* FindObjectType(std::string_view api_version, std::string_view kind) {
  RegisterGeneratedFiles();
  if (kind.empty()) return nullptr;
  std::string_view group;
  std::string_view version = api_version;
  if (size_t slash = api_version.find('/'); slash != std::string_view::npos) {
    group = api_version.substr(0, slash);
    version = api_version.substr(slash + 1);
  }
  if (version.empty() || version.find('/') != std::string_view::npos) return nullptr;
  std::string_view short_group = group.empty() ? "core" : group.substr(0, group.find('.'));
  if (group.find('.') != std::string_view::npos && !group.ends_with(".k8s.io")) return nullptr;
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  const Descriptor* type = pool->FindMessageTypeByName(
      absl::StrCat("k8s.io.api.", Av(short_group), ".", Av(version), ".", Av(kind)));
  // Top-level objects carry metadata; this keeps kinds like "Container" out.
  if (type != nullptr && type->FindFieldByName("metadata") != nullptr) return type;
  if (Contains(kMetaKinds, kind)) {
    return pool->FindMessageTypeByName(absl::StrCat(kMetaPackage, ".", Av(kind)));
  }
  return nullptr;
}

absl::Status UnknownKindError(std::string_view api_version, std::string_view kind) {
  return absl::InvalidArgumentError(absl::StrCat("no kind \"", Av(kind),
                                                 "\" is registered for version \"", Av(api_version),
                                                 "\" in scheme \"k1s\""));
}

// ---------------------------------------------------------------------------------------------
// Go durations ("1h2m3.5s", "150ms").

std::string FormatFraction(uint64_t value, int digits) {
  // value has `digits` fractional decimal digits; trailing zeros are trimmed as Go does.
  uint64_t scale = 1;
  for (int i = 0; i < digits; ++i) scale *= 10;
  std::string text = absl::StrCat(value / scale);
  uint64_t fraction = value % scale;
  if (fraction != 0) {
    std::string digits_text = absl::StrCat(fraction + scale).substr(1);
    while (!digits_text.empty() && digits_text.back() == '0') digits_text.pop_back();
    absl::StrAppend(&text, ".", digits_text);
  }
  return text;
}

std::string FormatGoDuration(int64_t nanos) {
  if (nanos == 0) return "0s";
  std::string sign = nanos < 0 ? "-" : "";
  uint64_t u = nanos < 0 ? static_cast<uint64_t>(-(nanos + 1)) + 1 : static_cast<uint64_t>(nanos);
  if (u < 1000) return absl::StrCat(sign, u, "ns");
  if (u < 1000000) return absl::StrCat(sign, FormatFraction(u, 3), "µs");
  if (u < 1000000000) return absl::StrCat(sign, FormatFraction(u, 6), "ms");
  std::string text = absl::StrCat(FormatFraction(u % 60000000000ULL, 9), "s");
  uint64_t minutes = u / 60000000000ULL;
  if (minutes > 0) {
    text = absl::StrCat(minutes % 60, "m", text);
    if (minutes / 60 > 0) text = absl::StrCat(minutes / 60, "h", text);
  }
  return absl::StrCat(sign, text);
}

std::optional<int64_t> ParseGoDuration(std::string_view text) {
  bool negative = false;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  if (text == "0") return 0;
  if (text.empty()) return std::nullopt;
  double total = 0;
  while (!text.empty()) {
    size_t i = 0;
    while (i < text.size() && ((text[i] >= '0' && text[i] <= '9') || text[i] == '.')) ++i;
    if (i == 0) return std::nullopt;
    std::string number(text.substr(0, i));
    text.remove_prefix(i);
    size_t j = 0;
    while (j < text.size() && !((text[j] >= '0' && text[j] <= '9') || text[j] == '.')) ++j;
    std::string_view unit = text.substr(0, j);
    text.remove_prefix(j);
    double scale = 0;
    if (unit == "ns") {
      scale = 1;
    } else if (unit == "us" || unit == "µs" || unit == "μs") {
      scale = 1e3;
    } else if (unit == "ms") {
      scale = 1e6;
    } else if (unit == "s") {
      scale = 1e9;
    } else if (unit == "m") {
      scale = 60e9;
    } else if (unit == "h") {
      scale = 3600e9;
    } else {
      return std::nullopt;
    }
    char* end = nullptr;
    double value = std::strtod(number.c_str(), &end);
    if (end != number.c_str() + number.size()) return std::nullopt;
    total += value * scale;
  }
  if (total > static_cast<double>(std::numeric_limits<int64_t>::max())) return std::nullopt;
  int64_t nanos = std::llround(total);
  return negative ? -nanos : nanos;
}

// Nanoseconds of an RFC 3339 fraction ("...:42.123456Z" -> 123456000).
int32_t FractionNanos(std::string_view text) {
  size_t dot = text.find('.');
  if (dot == std::string_view::npos) return 0;
  int32_t nanos = 0;
  int digits = 0;
  for (size_t i = dot + 1; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    if (digits == 9) continue;
    nanos = nanos * 10 + (text[i] - '0');
    ++digits;
  }
  for (; digits < 9; ++digits) nanos *= 10;
  return nanos;
}

// ---------------------------------------------------------------------------------------------
// protobuf -> JSON

// Go's zero time.Time is marshalled as an empty Timestamp (or, by older writers, year 1).
bool IsZeroTime(int64_t seconds, int32_t nanos) {
  return (seconds == 0 || seconds == -62135596800LL) && nanos == 0;
}

absl::StatusOr<std::optional<json>> MessageToJson(const Message& message, std::string_view path);

absl::StatusOr<json> ParseEmbeddedJson(const std::string& raw, std::string_view path) {
  if (std::string_view(raw).starts_with(kMagic)) {
    auto decoded = DecodeKubernetesProtobuf(raw);
    if (!decoded.ok()) {
      const absl::string_view message = decoded.status().message();
      return Invalid(path, std::string_view(message.data(), message.size()));
    }
    return *std::move(decoded);
  }
  json parsed = json::parse(raw, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return Invalid(path, "embedded object is not valid JSON");
  return parsed;
}

// JSON of one value of `field` as stored, before the presence rule.
absl::StatusOr<std::optional<json>> StoredValueToJson(const Message& message,
                                                      const FieldDescriptor& field, int index,
                                                      std::string_view path) {
  const Reflection& r = *message.GetReflection();
  const bool repeated = index >= 0;
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return json(repeated ? r.GetRepeatedInt32(message, &field, index)
                           : r.GetInt32(message, &field));
    case FieldDescriptor::CPPTYPE_INT64:
      return json(repeated ? r.GetRepeatedInt64(message, &field, index)
                           : r.GetInt64(message, &field));
    case FieldDescriptor::CPPTYPE_UINT32:
      return json(repeated ? r.GetRepeatedUInt32(message, &field, index)
                           : r.GetUInt32(message, &field));
    case FieldDescriptor::CPPTYPE_UINT64:
      return json(repeated ? r.GetRepeatedUInt64(message, &field, index)
                           : r.GetUInt64(message, &field));
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return json(repeated ? r.GetRepeatedDouble(message, &field, index)
                           : r.GetDouble(message, &field));
    case FieldDescriptor::CPPTYPE_FLOAT:
      return json(repeated ? r.GetRepeatedFloat(message, &field, index)
                           : r.GetFloat(message, &field));
    case FieldDescriptor::CPPTYPE_BOOL:
      return json(repeated ? r.GetRepeatedBool(message, &field, index)
                           : r.GetBool(message, &field));
    case FieldDescriptor::CPPTYPE_ENUM:
      return json(repeated ? r.GetRepeatedEnumValue(message, &field, index)
                           : r.GetEnumValue(message, &field));
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string value =
          repeated ? r.GetRepeatedString(message, &field, index) : r.GetString(message, &field);
      if (field.type() == FieldDescriptor::TYPE_BYTES) return json(absl::Base64Escape(value));
      return json(std::move(value));
    }
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      const Message& child =
          repeated ? r.GetRepeatedMessage(message, &field, index) : r.GetMessage(message, &field);
      auto value = MessageToJson(child, path);
      if (!value.ok()) return value.status();
      // A zero Time inside a list cannot vanish without shifting its neighbours.
      if (!value->has_value() && repeated) return json(nullptr);
      return *std::move(value);
    }
  }
  return Invalid(path, "unsupported protobuf field type");
}

bool IsZeroScalar(const json& value) {
  return (value.is_string() && value.get_ref<const std::string&>().empty()) ||
         (value.is_boolean() && !value.get<bool>()) ||
         (value.is_number_integer() && value.get<int64_t>() == 0) ||
         (value.is_number_float() && value.get<double>() == 0);
}

// JSON of one value of `field` (element `index` when repeated, -1 otherwise). nullopt when the
// presence rule drops it: a zero scalar of a Go non-pointer omitempty field, a zero Time.
absl::StatusOr<std::optional<json>> ValueToJson(const Message& message,
                                                const FieldDescriptor& field, int index,
                                                std::string_view path) {
  auto value = StoredValueToJson(message, field, index, path);
  if (!value.ok() || index >= 0 || !value->has_value() ||
      field.cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
    return value;
  }
  if (field.options().GetExtension(k1s::k8spb::omit_zero) && IsZeroScalar(**value)) {
    return std::optional<json>();
  }
  return value;
}

absl::StatusOr<json> MapToJson(const Message& message, const FieldDescriptor& field,
                               std::string_view path) {
  const Reflection& r = *message.GetReflection();
  const FieldDescriptor* key_field = field.message_type()->map_key();
  const FieldDescriptor* value_field = field.message_type()->map_value();
  json object = json::object();
  for (int i = 0; i < r.FieldSize(message, &field); ++i) {
    const Message& entry = r.GetRepeatedMessage(message, &field, i);
    std::string key = entry.GetReflection()->GetString(entry, key_field);
    std::string entry_path = JoinPath(path, key);
    auto value = ValueToJson(entry, *value_field, -1, entry_path);
    if (!value.ok()) return value.status();
    object[key] = value->has_value() ? **value : json(nullptr);
  }
  return object;
}

// Adds the JSON members of `message`'s present fields to `out` (inline fields flatten here).
absl::Status AppendFields(const Message& message, std::string_view path, json& out) {
  const Reflection& r = *message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  r.ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    std::string name = field->json_name();
    std::string field_path = JoinPath(path, name);
    if (IsInline(*field)) {
      absl::Status status = AppendFields(r.GetMessage(message, field), path, out);
      if (!status.ok()) return status;
      continue;
    }
    if (field->is_map()) {
      auto object = MapToJson(message, *field, field_path);
      if (!object.ok()) return object.status();
      out[name] = *std::move(object);
      continue;
    }
    if (field->is_repeated()) {
      json array = json::array();
      for (int i = 0; i < r.FieldSize(message, field); ++i) {
        auto value = ValueToJson(message, *field, i, absl::StrCat(field_path, "[", i, "]"));
        if (!value.ok()) return value.status();
        array.push_back(**value);
      }
      out[name] = std::move(array);
      continue;
    }
    auto value = ValueToJson(message, *field, -1, field_path);
    if (!value.ok()) return value.status();
    if (value->has_value()) out[name] = **std::move(value);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<json>> MessageToJson(const Message& message, std::string_view path) {
  const Descriptor& type = *message.GetDescriptor();
  const Reflection& r = *message.GetReflection();
  const std::string& name = type.full_name();
  auto field = [&](const char* field_name) { return type.FindFieldByName(field_name); };
  if (name == kTime || name == kMicroTime) {
    int64_t seconds = r.GetInt64(message, field("seconds"));
    int32_t nanos = r.GetInt32(message, field("nanos"));
    if (IsZeroTime(seconds, nanos)) return std::optional<json>();
    if (name == kTime) return json(FormatTimestamp(seconds));
    return json(FormatMicroTimestamp(seconds * 1000000000 + nanos));
  }
  if (name == kDuration) return json(FormatGoDuration(r.GetInt64(message, field("duration"))));
  if (name == kIntOrString) {
    if (r.GetInt64(message, field("type")) == 1) return json(r.GetString(message, field("strVal")));
    return json(r.GetInt32(message, field("intVal")));
  }
  if (name == kQuantity || name == kQuantityValue) {
    return json(r.GetString(message, field("string")));
  }
  if (name == kRawExtension || name == kFieldsV1) {
    const std::string& raw = r.GetString(message, field(name == kFieldsV1 ? "Raw" : "raw"));
    if (raw.empty()) return std::optional<json>();
    auto parsed = ParseEmbeddedJson(raw, path);
    if (!parsed.ok()) return parsed.status();
    return *std::move(parsed);
  }
  if (Contains(kListWrappers, name)) {
    const FieldDescriptor* items = field("items");
    json array = json::array();
    for (int i = 0; i < r.FieldSize(message, items); ++i) {
      array.push_back(r.GetRepeatedString(message, items, i));
    }
    return array;
  }
  json out = json::object();
  absl::Status status = AppendFields(message, path, out);
  if (!status.ok()) return status;
  return out;
}

// ---------------------------------------------------------------------------------------------
// JSON -> protobuf

absl::Status JsonToMessage(const json& value, Message& message, std::string_view path);

template <typename T>
absl::StatusOr<T> JsonInteger(const json& value, std::string_view path) {
  if (value.is_number_integer()) {
    if (value.is_number_unsigned()) {
      uint64_t u = value.get<uint64_t>();
      if (u > static_cast<uint64_t>(std::numeric_limits<T>::max())) {
        return Invalid(path, "number out of range");
      }
      return static_cast<T>(u);
    }
    int64_t i = value.get<int64_t>();
    if (i < static_cast<int64_t>(std::numeric_limits<T>::min()) ||
        (i > 0 &&
         static_cast<uint64_t>(i) > static_cast<uint64_t>(std::numeric_limits<T>::max()))) {
      return Invalid(path, "number out of range");
    }
    return static_cast<T>(i);
  }
  if (value.is_number_float()) {
    double d = value.get<double>();
    if (std::trunc(d) == d && d >= static_cast<double>(std::numeric_limits<T>::min()) &&
        d <= static_cast<double>(std::numeric_limits<T>::max())) {
      return static_cast<T>(d);
    }
  }
  return Invalid(path, "expected an integer");
}

// Sets (or, when `repeated`, adds) one value of `field`.
absl::Status SetValue(const json& value, Message& message, const FieldDescriptor& field,
                      bool repeated, std::string_view path) {
  const Reflection& r = *message.GetReflection();
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32: {
      auto v = JsonInteger<int32_t>(value, path);
      if (!v.ok()) return v.status();
      repeated ? r.AddInt32(&message, &field, *v) : r.SetInt32(&message, &field, *v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_INT64: {
      auto v = JsonInteger<int64_t>(value, path);
      if (!v.ok()) return v.status();
      repeated ? r.AddInt64(&message, &field, *v) : r.SetInt64(&message, &field, *v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_UINT32: {
      auto v = JsonInteger<uint32_t>(value, path);
      if (!v.ok()) return v.status();
      repeated ? r.AddUInt32(&message, &field, *v) : r.SetUInt32(&message, &field, *v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_UINT64: {
      auto v = JsonInteger<uint64_t>(value, path);
      if (!v.ok()) return v.status();
      repeated ? r.AddUInt64(&message, &field, *v) : r.SetUInt64(&message, &field, *v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      auto v = JsonInteger<int32_t>(value, path);
      if (!v.ok()) return v.status();
      repeated ? r.AddEnumValue(&message, &field, *v) : r.SetEnumValue(&message, &field, *v);
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_DOUBLE:
    case FieldDescriptor::CPPTYPE_FLOAT: {
      if (!value.is_number()) return Invalid(path, "expected a number");
      double d = value.get<double>();
      if (field.cpp_type() == FieldDescriptor::CPPTYPE_FLOAT) {
        repeated ? r.AddFloat(&message, &field, static_cast<float>(d))
                 : r.SetFloat(&message, &field, static_cast<float>(d));
      } else {
        repeated ? r.AddDouble(&message, &field, d) : r.SetDouble(&message, &field, d);
      }
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_BOOL:
      if (!value.is_boolean()) return Invalid(path, "expected a boolean");
      repeated ? r.AddBool(&message, &field, value.get<bool>())
               : r.SetBool(&message, &field, value.get<bool>());
      return absl::OkStatus();
    case FieldDescriptor::CPPTYPE_STRING: {
      if (!value.is_string()) return Invalid(path, "expected a string");
      std::string text = value.get<std::string>();
      if (field.type() == FieldDescriptor::TYPE_BYTES) {
        std::string decoded;
        if (!absl::Base64Unescape(text, &decoded)) return Invalid(path, "invalid base64 data");
        text = std::move(decoded);
      }
      repeated ? r.AddString(&message, &field, std::move(text))
               : r.SetString(&message, &field, std::move(text));
      return absl::OkStatus();
    }
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      Message* child =
          repeated ? r.AddMessage(&message, &field) : r.MutableMessage(&message, &field);
      return JsonToMessage(value, *child, path);
    }
  }
  return Invalid(path, "unsupported protobuf field type");
}

// The field that takes JSON member `key` in `type`, looking through inline fields; `chain`
// receives the inline fields to descend through.
const FieldDescriptor* FindJsonField(const Descriptor& type, std::string_view key,
                                     std::vector<const FieldDescriptor*>& chain) {
  for (int i = 0; i < type.field_count(); ++i) {
    const FieldDescriptor* field = type.field(i);
    if (!IsInline(*field) && field->json_name() == key) return field;
  }
  for (int i = 0; i < type.field_count(); ++i) {
    const FieldDescriptor* field = type.field(i);
    if (!IsInline(*field)) continue;
    chain.push_back(field);
    if (const FieldDescriptor* found = FindJsonField(*field->message_type(), key, chain)) {
      return found;
    }
    chain.pop_back();
  }
  return nullptr;
}

absl::Status SetMember(const json& value, Message& message, const FieldDescriptor& field,
                       std::string_view path) {
  const Reflection& r = *message.GetReflection();
  if (field.is_map()) {
    if (!value.is_object()) return Invalid(path, "expected an object");
    const FieldDescriptor* key_field = field.message_type()->map_key();
    const FieldDescriptor* value_field = field.message_type()->map_value();
    for (const auto& [key, item] : value.items()) {
      Message* entry = r.AddMessage(&message, &field);
      entry->GetReflection()->SetString(entry, key_field, key);
      if (item.is_null()) continue;
      absl::Status status = SetValue(item, *entry, *value_field, false, JoinPath(path, key));
      if (!status.ok()) return status;
    }
    return absl::OkStatus();
  }
  if (field.is_repeated()) {
    if (!value.is_array()) return Invalid(path, "expected an array");
    for (size_t i = 0; i < value.size(); ++i) {
      absl::Status status =
          SetValue(value[i], message, field, true, absl::StrCat(Av(path), "[", i, "]"));
      if (!status.ok()) return status;
    }
    return absl::OkStatus();
  }
  return SetValue(value, message, field, false, path);
}

absl::Status JsonToMessage(const json& value, Message& message, std::string_view path) {
  const Descriptor& type = *message.GetDescriptor();
  const Reflection& r = *message.GetReflection();
  const std::string& name = type.full_name();
  auto field = [&](const char* field_name) { return type.FindFieldByName(field_name); };
  if (name == kTime || name == kMicroTime) {
    if (!value.is_string()) return Invalid(path, "expected an RFC 3339 time string");
    std::string text = value.get<std::string>();
    std::optional<int64_t> seconds = ParseTimestamp(text);
    if (!seconds.has_value()) return Invalid(path, "expected an RFC 3339 time string");
    r.SetInt64(&message, field("seconds"), *seconds);
    if (name == kMicroTime) {
      // Go truncates MicroTime to microseconds.
      r.SetInt32(&message, field("nanos"), FractionNanos(text) / 1000 * 1000);
    }
    return absl::OkStatus();
  }
  if (name == kDuration) {
    std::optional<int64_t> nanos =
        value.is_string() ? ParseGoDuration(value.get<std::string>()) : std::nullopt;
    if (!nanos.has_value()) return Invalid(path, "expected a duration such as \"1h2m3s\"");
    r.SetInt64(&message, field("duration"), *nanos);
    return absl::OkStatus();
  }
  if (name == kIntOrString) {
    if (value.is_string()) {
      r.SetInt64(&message, field("type"), 1);
      r.SetString(&message, field("strVal"), value.get<std::string>());
      return absl::OkStatus();
    }
    auto number = JsonInteger<int32_t>(value, path);
    if (!number.ok()) return Invalid(path, "expected an integer or a string");
    r.SetInt64(&message, field("type"), 0);
    r.SetInt32(&message, field("intVal"), *number);
    return absl::OkStatus();
  }
  if (name == kQuantity || name == kQuantityValue) {
    // Quantities are strings, but manifests often carry plain numbers ("cpu: 1").
    if (!value.is_string() && !value.is_number()) return Invalid(path, "expected a quantity");
    r.SetString(&message, field("string"),
                value.is_string() ? value.get<std::string>() : value.dump());
    return absl::OkStatus();
  }
  if (name == kRawExtension || name == kFieldsV1) {
    r.SetString(&message, field(name == kFieldsV1 ? "Raw" : "raw"), value.dump());
    return absl::OkStatus();
  }
  if (Contains(kListWrappers, name)) {
    if (!value.is_array()) return Invalid(path, "expected an array of strings");
    for (const json& item : value) {
      if (!item.is_string()) return Invalid(path, "expected an array of strings");
      r.AddString(&message, field("items"), item.get<std::string>());
    }
    return absl::OkStatus();
  }
  if (!value.is_object()) return Invalid(path, "expected an object");
  for (const auto& [key, member] : value.items()) {
    std::string member_path = JoinPath(path, key);
    if (path.empty() && (key == "apiVersion" || key == "kind")) continue;
    std::vector<const FieldDescriptor*> chain;
    const FieldDescriptor* target = FindJsonField(type, key, chain);
    if (target == nullptr) {
      return Invalid(member_path, absl::StrCat("unknown field in ", type.name()));
    }
    if (member.is_null()) continue;
    Message* holder = &message;
    for (const FieldDescriptor* inline_field : chain) {
      holder = holder->GetReflection()->MutableMessage(holder, inline_field);
    }
    absl::Status status = SetMember(member, *holder, *target, member_path);
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<json> DecodeKubernetesProtobuf(std::string_view body) {
  if (!body.starts_with(kMagic)) {
    return absl::InvalidArgumentError(
        "provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]");
  }
  body.remove_prefix(kMagic.size());
  k8s_runtime::Unknown unknown;
  if (!unknown.ParsePartialFromArray(body.data(), static_cast<int>(body.size()))) {
    return absl::InvalidArgumentError(
        "unable to decode protobuf body: malformed runtime.Unknown envelope");
  }
  const std::string& api_version = unknown.typemeta().apiversion();
  const std::string& kind = unknown.typemeta().kind();
  if (kind.empty()) {
    return absl::InvalidArgumentError("Object 'Kind' is missing in protobuf body");
  }
  if (!unknown.contentencoding().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("unsupported protobuf content encoding \"", unknown.contentencoding(), "\""));
  }
  const Descriptor* type = FindObjectType(api_version, kind);
  if (type == nullptr) return UnknownKindError(api_version, kind);
  std::unique_ptr<Message> object(
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(type)->New());
  const std::string& raw = unknown.raw();
  if (!object->ParsePartialFromArray(raw.data(), static_cast<int>(raw.size()))) {
    return absl::InvalidArgumentError(
        absl::StrCat("unable to decode protobuf body: malformed ", api_version, " ", kind));
  }
  json out = json::object();
  out["apiVersion"] = api_version;
  out["kind"] = kind;
  absl::Status status = AppendFields(*object, "", out);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("unable to decode protobuf body: ", status.message()));
  }
  if (auto it = out.find("status"); it != out.end() && it->is_object() && it->empty()) {
    out.erase(it);
  }
  return out;
}

absl::StatusOr<std::string> EncodeKubernetesProtobuf(const json& object) {
  if (!object.is_object()) return absl::InvalidArgumentError("object must be a JSON object");
  auto api_version = object.find("apiVersion");
  auto kind = object.find("kind");
  if (api_version == object.end() || !api_version->is_string() || kind == object.end() ||
      !kind->is_string()) {
    return absl::InvalidArgumentError("object must have string apiVersion and kind");
  }
  const Descriptor* type =
      FindObjectType(api_version->get<std::string>(), kind->get<std::string>());
  if (type == nullptr) {
    return UnknownKindError(api_version->get<std::string>(), kind->get<std::string>());
  }
  std::unique_ptr<Message> message(
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(type)->New());
  absl::Status status = JsonToMessage(object, *message, "");
  if (!status.ok()) return status;

  k8s_runtime::Unknown unknown;
  unknown.mutable_typemeta()->set_apiversion(api_version->get<std::string>());
  unknown.mutable_typemeta()->set_kind(kind->get<std::string>());
  // Deterministic output (sorted map keys) keeps encodings comparable, as Go's are.
  auto serialize = [](const Message& m) {
    std::string out;
    {
      google::protobuf::io::StringOutputStream stream(&out);
      google::protobuf::io::CodedOutputStream coded(&stream);
      coded.SetSerializationDeterministic(true);
      m.SerializePartialToCodedStream(&coded);
    }
    return out;
  };
  unknown.set_raw(serialize(*message));
  return absl::StrCat(absl::string_view(kMagic.data(), kMagic.size()), serialize(unknown));
}

}  // namespace k1s::api
