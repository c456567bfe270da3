#include "api/field_selector.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace k1s::api {
namespace {

// Debian's abseil has its own string_view type.
absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// Splits on commas that are not escaped by a backslash.
std::vector<std::string> SplitTerms(std::string_view text) {
  std::vector<std::string> terms;
  if (text.empty()) return terms;
  size_t start = 0;
  bool escaped = false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (escaped) {
      escaped = false;
    } else if (text[i] == '\\') {
      escaped = true;
    } else if (text[i] == ',') {
      terms.emplace_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  terms.emplace_back(text.substr(start));
  return terms;
}

size_t Utf8Length(unsigned char lead) {
  if ((lead & 0xe0) == 0xc0) return 2;
  if ((lead & 0xf0) == 0xe0) return 3;
  if ((lead & 0xf8) == 0xf0) return 4;
  return 1;
}

absl::StatusOr<std::string> Unescape(std::string_view value) {
  if (value.find_first_of("\\,=") == std::string_view::npos) return std::string(value);
  std::string out;
  out.reserve(value.size());
  bool escaped = false;
  for (size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (escaped) {
      if (c == '\\' || c == ',' || c == '=') {
        out += c;
        escaped = false;
        continue;
      }
      size_t len = std::min(Utf8Length(static_cast<unsigned char>(c)), value.size() - i);
      return absl::InvalidArgumentError(absl::StrCat(
          "invalid field selector: invalid escape sequence: \\", AV(value.substr(i, len))));
    }
    if (c == '\\') {
      escaped = true;
    } else if (c == ',' || c == '=') {
      // Upstream prints the rune with %v, i.e. as its decimal code point.
      return absl::InvalidArgumentError(absl::StrCat(
          "invalid field selector: unescaped character in value: ", static_cast<int>(c)));
    } else {
      out += c;
    }
  }
  if (escaped) {
    return absl::InvalidArgumentError("invalid field selector: invalid escape sequence: \\");
  }
  return out;
}

}  // namespace

std::string EscapeFieldSelectorValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\' || c == ',' || c == '=') out += '\\';
    out += c;
  }
  return out;
}

absl::StatusOr<FieldSelector> FieldSelector::Parse(std::string_view text) {
  std::vector<std::string> parts = SplitTerms(text);
  std::sort(parts.begin(), parts.end());
  std::vector<Term> terms;
  for (const std::string& part : parts) {
    if (part.empty()) continue;
    // The first operator occurrence wins; at one position "!=" and "==" beat "=".
    size_t at = std::string::npos;
    size_t op_len = 0;
    bool equals = true;
    for (size_t i = 0; i < part.size() && at == std::string::npos; ++i) {
      std::string_view rest = std::string_view(part).substr(i);
      if (rest.substr(0, 2) == "!=" || rest.substr(0, 2) == "==") {
        at = i;
        op_len = 2;
        equals = rest[0] == '=';
      } else if (rest[0] == '=') {
        at = i;
        op_len = 1;
      }
    }
    if (at == std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("invalid selector: '", AV(text), "'; can't understand '", part, "'"));
    }
    absl::StatusOr<std::string> value = Unescape(std::string_view(part).substr(at + op_len));
    if (!value.ok()) return value.status();
    std::string field = part.substr(0, at);
    // "=" alone selects everything upstream, so it adds no term.
    if (field.empty() && value->empty()) continue;
    terms.push_back(Term{std::move(field), equals, *std::move(value)});
  }
  return FieldSelector(std::move(terms));
}

FieldSelector FieldSelector::OneTermEqual(std::string field, std::string value) {
  return FieldSelector({Term{std::move(field), true, std::move(value)}});
}

std::vector<std::string> FieldSelector::Fields() const {
  std::vector<std::string> out;
  out.reserve(terms_.size());
  for (const Term& t : terms_) out.push_back(t.field);
  return out;
}

bool FieldSelector::Matches(const std::map<std::string, std::string>& fields) const {
  static const std::string kEmpty;
  for (const Term& t : terms_) {
    auto it = fields.find(t.field);
    const std::string& have = it == fields.end() ? kEmpty : it->second;
    if ((have == t.value) != t.equals) return false;
  }
  return true;
}

std::optional<std::string> FieldSelector::RequiredValue(std::string_view field) const {
  for (const Term& t : terms_) {
    if (t.equals && t.field == field) return t.value;
  }
  return std::nullopt;
}

std::string FieldSelector::String() const {
  std::vector<std::string> parts;
  parts.reserve(terms_.size());
  for (const Term& t : terms_) {
    parts.push_back(
        absl::StrCat(t.field, t.equals ? "=" : "!=", EscapeFieldSelectorValue(t.value)));
  }
  return absl::StrJoin(parts, ",");
}

}  // namespace k1s::api
