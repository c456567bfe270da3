#include "auth/go_text.h"

#include <set>

#include "absl/strings/str_format.h"

namespace k1s::auth {

std::string GoQuote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\a':
        out += "\\a";
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
      case '\v':
        out += "\\v";
        break;
      default: {
        const auto byte = static_cast<unsigned char>(c);
        // Bytes of multi-byte UTF-8 characters are printable to Go and stay as they are.
        if (byte < 0x20 || byte == 0x7f) {
          out += absl::StrFormat("\\x%02x", byte);
        } else {
          out += c;
        }
      }
    }
  }
  out += '"';
  return out;
}

std::string GoQuoteList(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ' ';
    out += GoQuote(items[i]);
  }
  out += ']';
  return out;
}

std::string AggregateErrorText(const std::vector<std::string>& messages) {
  if (messages.empty()) return "";
  if (messages.size() == 1) return messages[0];
  std::set<std::string> seen;
  std::string joined;
  for (const std::string& message : messages) {
    if (!seen.insert(message).second) continue;
    if (seen.size() > 1) joined += ", ";
    joined += message;
  }
  return seen.size() == 1 ? joined : "[" + joined + "]";
}

}  // namespace k1s::auth
