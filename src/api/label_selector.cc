#include "api/label_selector.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "api/validation.h"

namespace k1s::api {
namespace {

using json = nlohmann::json;
using Op = LabelSelector::Operator;
using Requirement = LabelSelector::Requirement;

// Go's strconv.ParseInt(s, 10, 64).
std::optional<int64_t> ParseInt64(std::string_view s) {
  if (s.empty()) return std::nullopt;
  bool negative = false;
  size_t i = 0;
  if (s[0] == '+' || s[0] == '-') {
    negative = s[0] == '-';
    i = 1;
    if (s.size() == 1) return std::nullopt;
  }
  uint64_t magnitude = 0;
  const uint64_t limit = negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    uint64_t digit = static_cast<uint64_t>(s[i] - '0');
    if (magnitude > (limit - digit) / 10) return std::nullopt;
    magnitude = magnitude * 10 + digit;
  }
  if (negative) {
    return magnitude == (uint64_t{1} << 63) ? std::numeric_limits<int64_t>::min()
                                            : -static_cast<int64_t>(magnitude);
  }
  return static_cast<int64_t>(magnitude);
}

// Joins field errors the way utilerrors.NewAggregate prints them.
std::string Aggregate(const FieldErrors& errs) {
  std::vector<std::string> messages;
  std::set<std::string> seen;
  for (const FieldError& e : errs) {
    std::string msg = e.ToString();
    if (seen.insert(msg).second) messages.push_back(std::move(msg));
  }
  if (messages.size() == 1) return messages[0];
  return absl::StrCat("[", absl::StrJoin(messages, ", "), "]");
}

json ValuesJson(const std::vector<std::string>& values, bool nil_when_empty) {
  if (values.empty() && nil_when_empty) return json(nullptr);
  json out = json::array();
  for (const std::string& v : values) out.push_back(v);
  return out;
}

// Upstream labels.NewRequirement's checks, with field paths relative to `path` ("" = nil path,
// which upstream prints as "<nil>" only for a bare key error).
absl::StatusOr<Requirement> NewRequirement(std::string key, Op op, std::vector<std::string> values,
                                           bool nil_when_empty) {
  FieldErrors errs;
  if (std::vector<std::string> msgs = IsQualifiedName(key); !msgs.empty()) {
    errs.push_back(Invalid("key", key, absl::StrJoin(msgs, "; ")));
  }
  switch (op) {
    case Op::kIn:
    case Op::kNotIn:
      if (values.empty()) {
        errs.push_back(Invalid("values", ValuesJson(values, nil_when_empty),
                               "for 'in', 'notin' operators, values set can't be empty"));
      }
      break;
    case Op::kEquals:
    case Op::kDoubleEquals:
    case Op::kNotEquals:
      if (values.size() != 1) {
        errs.push_back(Invalid("values", ValuesJson(values, nil_when_empty),
                               "exact-match compatibility requires one single value"));
      }
      break;
    case Op::kExists:
    case Op::kDoesNotExist:
      if (!values.empty()) {
        errs.push_back(Invalid("values", ValuesJson(values, nil_when_empty),
                               "values set must be empty for exists and does not exist"));
      }
      break;
    case Op::kGreaterThan:
    case Op::kLessThan:
      if (values.size() != 1) {
        errs.push_back(Invalid("values", ValuesJson(values, nil_when_empty),
                               "for 'Gt', 'Lt' operators, exactly one value is required"));
      }
      for (size_t i = 0; i < values.size(); ++i) {
        if (!ParseInt64(values[i])) {
          errs.push_back(Invalid(absl::StrCat("values[", i, "]"), values[i],
                                 "for 'Gt', 'Lt' operators, the value must be an integer"));
        }
      }
      break;
  }
  for (size_t i = 0; i < values.size(); ++i) {
    if (std::vector<std::string> msgs = IsValidLabelValue(values[i]); !msgs.empty()) {
      errs.push_back(Invalid(absl::StrCat("values[", i, "][", key, "]"), values[i],
                             absl::StrJoin(msgs, "; ")));
    }
  }
  if (!errs.empty()) return absl::InvalidArgumentError(Aggregate(errs));
  return Requirement{std::move(key), op, std::move(values)};
}

// ---- Lexer and parser for the text form ----

enum class Token {
  kError,
  kEnd,
  kClosePar,
  kComma,
  kNot,
  kDoubleEquals,
  kEquals,
  kGreater,
  kIdentifier,
  kIn,
  kLess,
  kNotEquals,
  kNotIn,
  kOpenPar,
};

std::optional<Token> KeywordToken(std::string_view s) {
  if (s == ")") return Token::kClosePar;
  if (s == ",") return Token::kComma;
  if (s == "!") return Token::kNot;
  if (s == "==") return Token::kDoubleEquals;
  if (s == "=") return Token::kEquals;
  if (s == ">") return Token::kGreater;
  if (s == "in") return Token::kIn;
  if (s == "<") return Token::kLess;
  if (s == "!=") return Token::kNotEquals;
  if (s == "notin") return Token::kNotIn;
  if (s == "(") return Token::kOpenPar;
  return std::nullopt;
}

bool IsWhitespace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool IsSpecial(char c) {
  return c == '=' || c == '!' || c == '(' || c == ')' || c == ',' || c == '>' || c == '<';
}

struct Item {
  Token token;
  std::string literal;
};

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  Item Next() {
    char c = Read();
    while (IsWhitespace(c)) c = Read();
    if (c == '\0') return {Token::kEnd, ""};
    Unread();
    return IsSpecial(c) ? ScanSpecial() : ScanWord();
  }

 private:
  // A NUL byte ends the input, as in upstream's lexer.
  char Read() { return pos_ < text_.size() ? text_[pos_++] : '\0'; }
  void Unread() { --pos_; }

  Item ScanWord() {
    std::string buffer;
    while (true) {
      char c = Read();
      if (c == '\0') break;
      if (IsSpecial(c) || IsWhitespace(c)) {
        Unread();
        break;
      }
      buffer += c;
    }
    if (std::optional<Token> t = KeywordToken(buffer)) return {*t, buffer};
    return {Token::kIdentifier, buffer};
  }

  // Longest run of operator characters that still forms a known operator.
  Item ScanSpecial() {
    std::string buffer;
    std::optional<Item> last;
    while (true) {
      char c = Read();
      if (c == '\0') break;
      if (!IsSpecial(c)) {
        Unread();
        break;
      }
      buffer += c;
      if (std::optional<Token> t = KeywordToken(buffer)) {
        last = Item{*t, buffer};
      } else if (last) {
        Unread();
        break;
      }
    }
    if (!last) return {Token::kError, absl::StrCat("error expected: keyword found '", buffer, "'")};
    return *last;
  }

  std::string_view text_;
  size_t pos_ = 0;
};

class Parser {
 public:
  explicit Parser(std::string_view text) {
    Lexer lexer(text);
    while (true) {
      items_.push_back(lexer.Next());
      if (items_.back().token == Token::kEnd) break;
    }
  }

  absl::StatusOr<std::vector<Requirement>> Parse() {
    std::vector<Requirement> out;
    while (true) {
      Item next = Lookahead(true);
      switch (next.token) {
        case Token::kIdentifier:
        case Token::kNot: {
          absl::StatusOr<Requirement> r = ParseRequirement();
          if (!r.ok()) {
            return absl::InvalidArgumentError(
                absl::StrCat("unable to parse requirement: ", r.status().message()));
          }
          out.push_back(*std::move(r));
          Item sep = Consume(true);
          if (sep.token == Token::kEnd) return out;
          if (sep.token == Token::kComma) {
            Item after = Lookahead(true);
            if (after.token != Token::kIdentifier && after.token != Token::kNot) {
              return Error("found '", after.literal, "', expected: identifier after ','");
            }
            break;
          }
          return Error("found '", sep.literal, "', expected: ',' or 'end of string'");
        }
        case Token::kEnd:
          return out;
        default:
          return Error("found '", next.literal, "', expected: !, identifier, or 'end of string'");
      }
    }
  }

 private:
  template <typename... Args>
  static absl::Status Error(const Args&... args) {
    return absl::InvalidArgumentError(absl::StrCat(args...));
  }

  // In value context "in" and "notin" are ordinary identifiers.
  static Item InContext(Item item, bool values) {
    if (values && (item.token == Token::kIn || item.token == Token::kNotIn)) {
      item.token = Token::kIdentifier;
    }
    return item;
  }
  Item Lookahead(bool values) const { return InContext(items_[position_], values); }
  Item Consume(bool values) {
    Item item = InContext(items_[position_], values);
    if (position_ + 1 < items_.size()) ++position_;
    return item;
  }

  absl::StatusOr<Requirement> ParseRequirement() {
    Op op = Op::kEquals;
    bool negated = false;
    Item key = Consume(true);
    if (key.token == Token::kNot) {
      negated = true;
      key = Consume(true);
    }
    if (key.token != Token::kIdentifier) {
      return Error("found '", key.literal, "', expected: identifier");
    }
    if (std::vector<std::string> msgs = IsQualifiedName(key.literal); !msgs.empty()) {
      return Error(Invalid("<nil>", key.literal, absl::StrJoin(msgs, "; ")).ToString());
    }
    Token after = Lookahead(true).token;
    if (negated) {
      return NewRequirement(key.literal, Op::kDoesNotExist, {}, false);
    }
    if (after == Token::kEnd || after == Token::kComma) {
      return NewRequirement(key.literal, Op::kExists, {}, false);
    }
    Item op_item = Consume(false);
    switch (op_item.token) {
      case Token::kIn:
        op = Op::kIn;
        break;
      case Token::kEquals:
        op = Op::kEquals;
        break;
      case Token::kDoubleEquals:
        op = Op::kDoubleEquals;
        break;
      case Token::kGreater:
        op = Op::kGreaterThan;
        break;
      case Token::kLess:
        op = Op::kLessThan;
        break;
      case Token::kNotIn:
        op = Op::kNotIn;
        break;
      case Token::kNotEquals:
        op = Op::kNotEquals;
        break;
      default:
        return Error("found '", op_item.literal, "', expected: in, notin, =, ==, !=, gt, lt");
    }
    absl::StatusOr<std::set<std::string>> values =
        (op == Op::kIn || op == Op::kNotIn) ? ParseValues() : ParseExactValue();
    if (!values.ok()) return values.status();
    return NewRequirement(key.literal, op, {values->begin(), values->end()}, false);
  }

  absl::StatusOr<std::set<std::string>> ParseValues() {
    Item open = Consume(true);
    if (open.token != Token::kOpenPar) {
      return Error("found '", open.literal, "' expected: '('");
    }
    Item next = Lookahead(true);
    switch (next.token) {
      case Token::kIdentifier:
      case Token::kComma: {
        absl::StatusOr<std::set<std::string>> list = ParseIdentifierList();
        if (!list.ok()) return list.status();
        if (Consume(true).token != Token::kClosePar) {
          return Error("found '", next.literal, "', expected: ')'");
        }
        return list;
      }
      case Token::kClosePar:
        Consume(true);
        return std::set<std::string>{""};
      default:
        return Error("found '", next.literal, "', expected: ',', ')' or identifier");
    }
  }

  // A possibly empty, comma separated list of possibly empty identifiers, up to ')'.
  absl::StatusOr<std::set<std::string>> ParseIdentifierList() {
    std::set<std::string> out;
    while (true) {
      Item item = Consume(true);
      if (item.token == Token::kIdentifier) {
        out.insert(item.literal);
        Item next = Lookahead(true);
        if (next.token == Token::kComma) continue;
        if (next.token == Token::kClosePar) return out;
        return Error("found '", next.literal, "', expected: ',' or ')'");
      }
      if (item.token == Token::kComma) {
        if (out.empty()) out.insert("");  // "(,"
        Token next = Lookahead(true).token;
        if (next == Token::kClosePar) {
          out.insert("");  // ",)"
          return out;
        }
        if (next == Token::kComma) out.insert("");  // ",,"
        continue;
      }
      return Error("found '", item.literal, "', expected: ',', or identifier");
    }
  }

  absl::StatusOr<std::set<std::string>> ParseExactValue() {
    Token next = Lookahead(true).token;
    if (next == Token::kEnd || next == Token::kComma) return std::set<std::string>{""};
    Item item = Consume(true);
    if (item.token == Token::kIdentifier) return std::set<std::string>{item.literal};
    return Error("found '", item.literal, "', expected: identifier");
  }

  std::vector<Item> items_;
  size_t position_ = 0;
};

void SortByKey(std::vector<Requirement>& requirements) {
  std::stable_sort(requirements.begin(), requirements.end(),
                   [](const Requirement& a, const Requirement& b) { return a.key < b.key; });
}

bool HasValue(const Requirement& r, std::string_view value) {
  return std::find(r.values.begin(), r.values.end(), value) != r.values.end();
}

// `lookup` returns a pointer to the label's value or nullptr when absent.
template <typename Lookup>
bool MatchesRequirement(const Requirement& r, const Lookup& lookup) {
  const std::string* value = lookup(r.key);
  switch (r.op) {
    case Op::kIn:
    case Op::kEquals:
    case Op::kDoubleEquals:
      return value != nullptr && HasValue(r, *value);
    case Op::kNotIn:
    case Op::kNotEquals:
      return value == nullptr || !HasValue(r, *value);
    case Op::kExists:
      return value != nullptr;
    case Op::kDoesNotExist:
      return value == nullptr;
    case Op::kGreaterThan:
    case Op::kLessThan: {
      if (value == nullptr || r.values.size() != 1) return false;
      std::optional<int64_t> have = ParseInt64(*value);
      std::optional<int64_t> want = ParseInt64(r.values[0]);
      if (!have || !want) return false;
      return r.op == Op::kGreaterThan ? *have > *want : *have < *want;
    }
  }
  return false;
}

std::string RequirementString(const Requirement& r) {
  std::string out;
  if (r.op == Op::kDoesNotExist) out += "!";
  out += r.key;
  switch (r.op) {
    case Op::kEquals:
      out += "=";
      break;
    case Op::kDoubleEquals:
      out += "==";
      break;
    case Op::kNotEquals:
      out += "!=";
      break;
    case Op::kIn:
      out += " in ";
      break;
    case Op::kNotIn:
      out += " notin ";
      break;
    case Op::kGreaterThan:
      out += ">";
      break;
    case Op::kLessThan:
      out += "<";
      break;
    case Op::kExists:
    case Op::kDoesNotExist:
      return out;
  }
  bool set_based = r.op == Op::kIn || r.op == Op::kNotIn;
  std::vector<std::string> values = r.values;
  std::sort(values.begin(), values.end());
  if (set_based) out += "(";
  out += absl::StrJoin(values, ",");
  if (set_based) out += ")";
  return out;
}

}  // namespace

absl::StatusOr<LabelSelector> LabelSelector::Parse(std::string_view text) {
  Parser parser(text);
  absl::StatusOr<std::vector<Requirement>> requirements = parser.Parse();
  if (!requirements.ok()) return requirements.status();
  SortByKey(*requirements);
  return LabelSelector(*std::move(requirements));
}

absl::StatusOr<LabelSelector> LabelSelector::FromJson(const json& selector) {
  if (selector.is_null()) return LabelSelector();
  if (!selector.is_object()) {
    return absl::InvalidArgumentError("label selector must be an object");
  }
  std::vector<Requirement> requirements;
  if (auto it = selector.find("matchLabels"); it != selector.end() && !it->is_null()) {
    if (!it->is_object()) return absl::InvalidArgumentError("matchLabels must be an object");
    for (auto label = it->begin(); label != it->end(); ++label) {
      if (!label->is_string()) {
        return absl::InvalidArgumentError(
            absl::StrCat("matchLabels value of ", GoQuote(label.key()), " must be a string"));
      }
      absl::StatusOr<Requirement> r =
          NewRequirement(label.key(), Op::kEquals, {label->get<std::string>()}, true);
      if (!r.ok()) return r.status();
      requirements.push_back(*std::move(r));
    }
  }
  if (auto it = selector.find("matchExpressions"); it != selector.end() && !it->is_null()) {
    if (!it->is_array()) return absl::InvalidArgumentError("matchExpressions must be an array");
    for (const json& expr : *it) {
      if (!expr.is_object()) {
        return absl::InvalidArgumentError("matchExpressions items must be objects");
      }
      std::string key = expr.value("key", "");
      std::string op_text = expr.contains("operator") && expr["operator"].is_string()
                                ? expr["operator"].get<std::string>()
                                : "";
      Op op;
      if (op_text == "In") {
        op = Op::kIn;
      } else if (op_text == "NotIn") {
        op = Op::kNotIn;
      } else if (op_text == "Exists") {
        op = Op::kExists;
      } else if (op_text == "DoesNotExist") {
        op = Op::kDoesNotExist;
      } else {
        return absl::InvalidArgumentError(
            absl::StrCat(GoQuote(op_text), " is not a valid label selector operator"));
      }
      std::vector<std::string> values;
      if (auto v = expr.find("values"); v != expr.end() && v->is_array()) {
        for (const json& value : *v) {
          if (!value.is_string()) {
            return absl::InvalidArgumentError("matchExpressions values must be strings");
          }
          values.push_back(value.get<std::string>());
        }
      }
      absl::StatusOr<Requirement> r = NewRequirement(std::move(key), op, std::move(values), true);
      if (!r.ok()) return r.status();
      requirements.push_back(*std::move(r));
    }
  }
  SortByKey(requirements);
  return LabelSelector(std::move(requirements));
}

bool LabelSelector::Matches(const json& labels) const {
  auto lookup = [&labels](const std::string& key) -> const std::string* {
    if (!labels.is_object()) return nullptr;
    auto it = labels.find(key);
    if (it == labels.end() || !it->is_string()) return nullptr;
    return &it->get_ref<const std::string&>();
  };
  return std::all_of(requirements_.begin(), requirements_.end(),
                     [&](const Requirement& r) { return MatchesRequirement(r, lookup); });
}

bool LabelSelector::Matches(const std::map<std::string, std::string>& labels) const {
  auto lookup = [&labels](const std::string& key) -> const std::string* {
    auto it = labels.find(key);
    return it == labels.end() ? nullptr : &it->second;
  };
  return std::all_of(requirements_.begin(), requirements_.end(),
                     [&](const Requirement& r) { return MatchesRequirement(r, lookup); });
}

std::string LabelSelector::String() const {
  std::vector<std::string> parts;
  parts.reserve(requirements_.size());
  for (const Requirement& r : requirements_) parts.push_back(RequirementString(r));
  return absl::StrJoin(parts, ",");
}

bool LabelSelector::RequiresExactMatch(std::string_view key, std::string* value) const {
  for (const Requirement& r : requirements_) {
    if (r.key != key) continue;
    if ((r.op == Op::kEquals || r.op == Op::kDoubleEquals || r.op == Op::kIn) &&
        r.values.size() == 1) {
      if (value != nullptr) *value = r.values[0];
      return true;
    }
    return false;
  }
  return false;
}

}  // namespace k1s::api
