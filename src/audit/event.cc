#include "audit/event.h"

#include <time.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <random>

#include "base/strings.h"

namespace k1s::audit {

using base::StrAppend;

namespace {

constexpr char kHex[] = "0123456789abcdef";

void AppendUnicodeEscape(std::string& out, uint32_t code) {
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) out += kHex[(code >> shift) & 0xF];
}

// Length of the valid UTF-8 sequence at s[i], or 0 when it is invalid (as Go's utf8.DecodeRune
// sees it: no overlong forms, no surrogates, nothing above U+10FFFF). Sets *code.
size_t Utf8Sequence(std::string_view s, size_t i, uint32_t* code) {
  auto byte = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  uint8_t b0 = byte(i);
  size_t len = b0 >= 0xF0 ? 4 : b0 >= 0xE0 ? 3 : b0 >= 0xC0 ? 2 : 0;
  if (len == 0 || b0 > 0xF4 || i + len > s.size()) return 0;
  uint32_t c = b0 & (0x7F >> len);
  for (size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    c = (c << 6) | (byte(i + k) & 0x3F);
  }
  static const uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (c < kMin[len] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return 0;
  *code = c;
  return len;
}

// A JSON string as Go's encoding/json writes it with HTML escaping (the default).
void AppendQuoted(std::string& out, std::string_view s) {
  out += '"';
  for (size_t i = 0; i < s.size();) {
    uint8_t b = static_cast<uint8_t>(s[i]);
    if (b < 0x80) {
      switch (b) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        default:
          if (b < 0x20 || b == '<' || b == '>' || b == '&') {
            AppendUnicodeEscape(out, b);
          } else {
            out += static_cast<char>(b);
          }
      }
      ++i;
      continue;
    }
    uint32_t code = 0;
    size_t len = Utf8Sequence(s, i, &code);
    if (len == 0) {
      out += "\\ufffd";
      ++i;
    } else if (code == 0x2028 || code == 0x2029) {
      AppendUnicodeEscape(out, code);
      i += len;
    } else {
      out.append(s.substr(i, len));
      i += len;
    }
  }
  out += '"';
}

// Embedded raw JSON (runtime.Unknown) as encoding/json re-emits it: whitespace between tokens
// removed, <, >, &, U+2028 and U+2029 escaped. The text must already be valid JSON.
std::string CompactRaw(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  bool in_string = false;
  bool escaped = false;
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '<' || c == '>' || c == '&') {
      AppendUnicodeEscape(out, static_cast<uint8_t>(c));
    } else if (static_cast<uint8_t>(c) == 0xE2 && i + 2 < raw.size() &&
               static_cast<uint8_t>(raw[i + 1]) == 0x80 &&
               (static_cast<uint8_t>(raw[i + 2]) & 0xFE) == 0xA8) {
      AppendUnicodeEscape(out, 0x2000 + 0x28 + (static_cast<uint8_t>(raw[i + 2]) & 1));
      i += 2;
      escaped = false;
      continue;
    } else if (in_string || (c != ' ' && c != '\t' && c != '\n' && c != '\r')) {
      out += c;
    }
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    }
  }
  return out;
}

// Writes the members of one JSON object, with the commas between them.
class ObjectWriter {
 public:
  explicit ObjectWriter(std::string& out) : out_(out) { out_ += '{'; }
  ~ObjectWriter() { out_ += '}'; }

  void Raw(std::string_view key, std::string_view raw) {
    Key(key);
    out_.append(raw);
  }
  void String(std::string_view key, std::string_view value) {
    Key(key);
    AppendQuoted(out_, value);
  }
  void StringOmitEmpty(std::string_view key, std::string_view value) {
    if (!value.empty()) String(key, value);
  }
  void List(std::string_view key, const std::vector<std::string>& values) {
    Key(key);
    out_ += '[';
    for (size_t i = 0; i < values.size(); ++i) {
      if (i > 0) out_ += ',';
      AppendQuoted(out_, values[i]);
    }
    out_ += ']';
  }
  void ListOmitEmpty(std::string_view key, const std::vector<std::string>& values) {
    if (!values.empty()) List(key, values);
  }
  // Starts a nested value under `key`; the caller appends it to out().
  std::string& Nested(std::string_view key) {
    Key(key);
    return out_;
  }

 private:
  void Key(std::string_view key) {
    if (!first_) out_ += ',';
    first_ = false;
    AppendQuoted(out_, key);
    out_ += ':';
  }

  std::string& out_;
  bool first_ = true;
};

void AppendUserInfo(std::string& out, const auth::UserInfo& user) {
  ObjectWriter w(out);
  w.StringOmitEmpty("username", user.name);
  w.StringOmitEmpty("uid", user.uid);
  w.ListOmitEmpty("groups", user.groups);
  if (!user.extra.empty()) {
    ObjectWriter extra(w.Nested("extra"));
    for (const auto& [key, values] : user.extra) extra.List(key, values);
  }
}

void AppendObjectRef(std::string& out, const ObjectReference& ref) {
  ObjectWriter w(out);
  w.StringOmitEmpty("resource", ref.resource);
  w.StringOmitEmpty("namespace", ref.namespace_name);
  w.StringOmitEmpty("name", ref.name);
  w.StringOmitEmpty("uid", ref.uid);
  w.StringOmitEmpty("apiGroup", ref.api_group);
  w.StringOmitEmpty("apiVersion", ref.api_version);
  w.StringOmitEmpty("resourceVersion", ref.resource_version);
  w.StringOmitEmpty("subresource", ref.subresource);
}

bool ValidJson(std::string_view text) { return nlohmann::json::accept(text); }

void AppendStatus(std::string& out, const ResponseStatus& status) {
  ObjectWriter w(out);
  w.Raw("metadata", "{}");  // ListMeta is a struct: never omitted
  w.StringOmitEmpty("status", status.status);
  w.StringOmitEmpty("message", status.message);
  w.StringOmitEmpty("reason", status.reason);
  if (!status.details_json.empty() && ValidJson(status.details_json)) {
    w.Raw("details", CompactRaw(status.details_json));
  }
  if (status.code != 0) w.Raw("code", std::to_string(status.code));
}

void AppendTime(ObjectWriter& w, std::string_view key, int64_t unix_nanos) {
  if (unix_nanos == 0) {
    w.Raw(key, "null");
  } else {
    w.String(key, MicroTime(unix_nanos));
  }
}

void RemoveManagedFields(nlohmann::ordered_json& object) {
  if (!object.is_object()) return;
  auto metadata = object.find("metadata");
  if (metadata != object.end() && metadata->is_object()) metadata->erase("managedFields");
}

}  // namespace

std::string MicroTime(int64_t unix_nanos) {
  int64_t seconds = unix_nanos / 1'000'000'000;
  int64_t micros = (unix_nanos % 1'000'000'000) / 1000;
  if (micros < 0) {
    micros += 1'000'000;
    --seconds;
  }
  time_t t = static_cast<time_t>(seconds);
  struct tm tm {};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(micros));
  return buf;
}

std::string EventJsonLine(const Event& event) {
  std::string out;
  out.reserve(512 + event.request_object.size() + event.response_object.size());
  {
    ObjectWriter w(out);
    w.String("kind", "Event");
    w.String("apiVersion", "audit.k8s.io/v1");
    w.String("level", LevelName(event.level));
    w.String("auditID", event.audit_id);
    w.String("stage", StageName(event.stage));
    w.String("requestURI", event.request_uri);
    w.String("verb", event.verb);
    AppendUserInfo(w.Nested("user"), event.user);
    if (event.impersonated_user)
      AppendUserInfo(w.Nested("impersonatedUser"), *event.impersonated_user);
    w.ListOmitEmpty("sourceIPs", event.source_ips);
    w.StringOmitEmpty("userAgent", event.user_agent);
    if (event.object_ref) AppendObjectRef(w.Nested("objectRef"), *event.object_ref);
    if (event.response_status) AppendStatus(w.Nested("responseStatus"), *event.response_status);
    if (event.level >= Level::kRequest && !event.request_object.empty() &&
        ValidJson(event.request_object)) {
      w.Raw("requestObject", CompactRaw(event.request_object));
    }
    if (event.level >= Level::kRequestResponse && !event.response_object.empty() &&
        ValidJson(event.response_object)) {
      w.Raw("responseObject", CompactRaw(event.response_object));
    }
    AppendTime(w, "requestReceivedTimestamp", event.request_received_unix_nanos);
    AppendTime(w, "stageTimestamp", event.stage_unix_nanos);
    if (!event.annotations.empty()) {
      ObjectWriter annotations(w.Nested("annotations"));
      for (const auto& [key, value] : event.annotations) annotations.String(key, value);
    }
  }
  out += '\n';
  return out;
}

std::string NewAuditId() {
  thread_local std::mt19937_64 generator([] {
    std::random_device device;
    std::seed_seq seed{device(), device(), device(), device()};
    return std::mt19937_64(seed);
  }());
  uint64_t hi = generator();
  uint64_t lo = generator();
  hi = (hi & ~0xF000ULL) | 0x4000ULL;              // version 4
  lo = (lo & ~(0xC0ULL << 56)) | (0x80ULL << 56);  // RFC 4122 variant
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xFFFF), static_cast<unsigned>(hi & 0xFFFF),
                static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFULL));
  return buf;
}

std::string WithoutManagedFields(std::string_view object_json) {
  nlohmann::ordered_json object =
      nlohmann::ordered_json::parse(object_json, nullptr, /*allow_exceptions=*/false);
  if (!object.is_object()) return std::string(object_json);
  RemoveManagedFields(object);
  if (auto items = object.find("items"); items != object.end() && items->is_array()) {
    for (auto& item : *items) RemoveManagedFields(item);
  }
  if (object.value("kind", "") == "Table") {
    if (auto rows = object.find("rows"); rows != object.end() && rows->is_array()) {
      for (auto& row : *rows) {
        if (row.is_object() && row.contains("object")) RemoveManagedFields(row["object"]);
      }
    }
  }
  return object.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace k1s::audit
