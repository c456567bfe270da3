#include "base/go_text.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <iterator>
#include <set>
#include <utility>

namespace k1s::base {
namespace {

// Decodes one UTF-8 sequence at text[i] as Go does; returns the rune and its width, or
// (-1, 1) for an invalid byte (overlong forms, surrogates and values past U+10FFFF included).
std::pair<int32_t, size_t> DecodeRune(std::string_view text, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char b0 = byte(i);
  if (b0 < 0x80) return {b0, 1};
  size_t width = b0 >= 0xF0 ? 4 : b0 >= 0xE0 ? 3 : b0 >= 0xC0 ? 2 : 0;
  if (width == 0 || b0 > 0xF4 || i + width > text.size()) return {-1, 1};
  int32_t rune = b0 & (0x7F >> width);
  for (size_t k = 1; k < width; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return {-1, 1};
    rune = (rune << 6) | (byte(i + k) & 0x3F);
  }
  static constexpr int32_t kMinForWidth[] = {0, 0, 0x80, 0x800, 0x10000};
  if (rune < kMinForWidth[width] || rune > 0x10FFFF || (rune >= 0xD800 && rune <= 0xDFFF)) {
    return {-1, 1};
  }
  return {rune, width};
}

// Go's unicode.IsPrint for the common cases: ASCII graphic characters and space, and non-ASCII
// runes other than controls, separators, format characters, private use and noncharacters.
// (Unassigned code points are treated as printable; Go escapes them.)
bool IsPrint(int32_t r) {
  if (r < 0x80) return r >= 0x20 && r < 0x7F;
  if (r <= 0xA0 || r == 0xAD || r == 0x1680 || r == 0x3000 || r == 0xFEFF) return false;
  if ((r >= 0x2000 && r <= 0x200F) || (r >= 0x2028 && r <= 0x202F) ||
      (r >= 0x205F && r <= 0x206F) || (r >= 0xE000 && r <= 0xF8FF) ||
      (r >= 0xFFF9 && r <= 0xFFFB) || r >= 0xF0000 || (r & 0xFFFE) == 0xFFFE) {
    return false;
  }
  return true;
}

std::string Hex(uint32_t value, int digits) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%0*x", digits, static_cast<unsigned>(value));
  return buf;
}

}  // namespace

std::string GoQuote(std::string_view text) {
  std::string out = "\"";
  for (size_t i = 0; i < text.size();) {
    auto [rune, width] = DecodeRune(text, i);
    if (rune < 0) {
      out += "\\x" + Hex(static_cast<unsigned char>(text[i]), 2);
    } else if (rune == '"' || rune == '\\') {
      out += '\\';
      out += static_cast<char>(rune);
    } else if (IsPrint(rune)) {
      out.append(text.substr(i, width));
    } else {
      static constexpr std::pair<int32_t, std::string_view> kEscapes[] = {
          {'\a', "\\a"}, {'\b', "\\b"}, {'\f', "\\f"}, {'\n', "\\n"},
          {'\r', "\\r"}, {'\t', "\\t"}, {'\v', "\\v"}};
      auto escape = std::find_if(std::begin(kEscapes), std::end(kEscapes),
                                 [&](const auto& e) { return e.first == rune; });
      if (escape != std::end(kEscapes)) {
        out.append(escape->second);
      } else if (rune < 0x20 || rune == 0x7F) {
        out += "\\x" + Hex(rune, 2);
      } else if (rune < 0x10000) {
        out += "\\u" + Hex(rune, 4);
      } else {
        out += "\\U" + Hex(rune, 8);
      }
    }
    i += width;
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

}  // namespace k1s::base
