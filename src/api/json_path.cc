#include "api/json_path.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <utility>

#include "absl/status/status.h"
#include "api/human_duration.h"
#include "api/timestamps.h"
#include "base/strings.h"

namespace k1s::api {

using json = nlohmann::json;

struct JsonPath::Step {
  enum class Kind { kField, kWildcard, kRecursive, kIndex, kSlice, kFilter };
  Kind kind = Kind::kField;
  std::string name;  // kField
  // kIndex uses start; kSlice uses the optional bounds and step.
  int64_t start = 0;
  bool has_start = false;
  int64_t end = 0;
  bool has_end = false;
  int64_t step = 1;
  // kFilter: `@<filter_path> <op> <literal>`; an empty op tests existence.
  std::vector<Step> filter_path;
  std::string op;
  json literal;
};

JsonPath::JsonPath() = default;
JsonPath::~JsonPath() = default;
JsonPath::JsonPath(JsonPath&&) noexcept = default;
JsonPath& JsonPath::operator=(JsonPath&&) noexcept = default;
JsonPath::JsonPath(const JsonPath&) = default;
JsonPath& JsonPath::operator=(const JsonPath&) = default;

namespace {

using Step = JsonPath::Step;

absl::Status ParseError(std::string_view expr, std::string_view what) {
  return absl::InvalidArgumentError(base::StrCat("invalid JSONPath ", expr, ": ", what));
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

bool ParseInt(std::string_view s, int64_t* out) {
  s = Trim(s);
  if (s.empty()) return false;
  std::string text(s);
  char* end = nullptr;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (end != text.c_str() + text.size()) return false;
  *out = v;
  return true;
}

// A literal on the right of a filter comparison.
bool ParseLiteral(std::string_view s, json* out) {
  s = Trim(s);
  if (s.size() >= 2 && (s.front() == '"' || s.front() == '\'') && s.back() == s.front()) {
    *out = std::string(s.substr(1, s.size() - 2));
    return true;
  }
  if (s == "true" || s == "false") {
    *out = s == "true";
    return true;
  }
  int64_t i;
  if (ParseInt(s, &i)) {
    *out = i;
    return true;
  }
  std::string text(s);
  char* end = nullptr;
  double d = std::strtod(text.c_str(), &end);
  if (!text.empty() && end == text.c_str() + text.size()) {
    *out = d;
    return true;
  }
  return false;
}

class Parser {
 public:
  Parser(std::string_view full, std::string_view text) : full_(full), s_(text) {}

  absl::Status Run(std::vector<Step>* steps) {
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (c == '.') {
        if (pos_ + 1 < s_.size() && s_[pos_ + 1] == '.') {
          Step r;
          r.kind = Step::Kind::kRecursive;
          steps->push_back(std::move(r));
          ++pos_;  // the second '.' starts the following field
          continue;
        }
        ++pos_;
        if (pos_ < s_.size() && s_[pos_] == '*') {
          ++pos_;
          Step w;
          w.kind = Step::Kind::kWildcard;
          steps->push_back(std::move(w));
          continue;
        }
        std::string name;
        while (pos_ < s_.size() && s_[pos_] != '.' && s_[pos_] != '[') {
          if (s_[pos_] == '\\' && pos_ + 1 < s_.size()) ++pos_;
          name += s_[pos_++];
        }
        if (name.empty()) {
          // A lone trailing "." (e.g. "{.}") selects the current object.
          if (pos_ >= s_.size()) break;
          return ParseError(full_, "empty field name");
        }
        Step f;
        f.kind = Step::Kind::kField;
        f.name = std::move(name);
        steps->push_back(std::move(f));
      } else if (c == '[') {
        absl::Status st = ParseBracket(steps);
        if (!st.ok()) return st;
      } else {
        return ParseError(full_, base::StrCat("unexpected character '", std::string(1, c), "'"));
      }
    }
    return absl::OkStatus();
  }

 private:
  absl::Status ParseBracket(std::vector<Step>* steps) {
    // Find the matching ']' outside quotes and parentheses.
    size_t depth = 0;
    char quote = 0;
    size_t close = std::string_view::npos;
    for (size_t i = pos_ + 1; i < s_.size(); ++i) {
      char c = s_[i];
      if (quote != 0) {
        if (c == quote) quote = 0;
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '(') {
        ++depth;
      } else if (c == ')') {
        if (depth > 0) --depth;
      } else if (c == ']' && depth == 0) {
        close = i;
        break;
      }
    }
    if (close == std::string_view::npos) return ParseError(full_, "unterminated [");
    std::string_view inner = Trim(s_.substr(pos_ + 1, close - pos_ - 1));
    pos_ = close + 1;
    Step step;
    if (inner == "*") {
      step.kind = Step::Kind::kWildcard;
    } else if (!inner.empty() && (inner.front() == '\'' || inner.front() == '"')) {
      if (inner.size() < 2 || inner.back() != inner.front()) {
        return ParseError(full_, "unterminated quoted key");
      }
      step.kind = Step::Kind::kField;
      step.name = std::string(inner.substr(1, inner.size() - 2));
    } else if (!inner.empty() && inner.front() == '?') {
      std::string_view f = Trim(inner.substr(1));
      if (f.size() < 2 || f.front() != '(' || f.back() != ')') {
        return ParseError(full_, "filter must look like [?(...)]");
      }
      f = Trim(f.substr(1, f.size() - 2));
      if (f.empty() || f.front() != '@') return ParseError(full_, "filter must start with @");
      size_t op_pos = f.find_first_of("=!<>");
      std::string_view left =
          Trim(f.substr(1, op_pos == std::string_view::npos ? f.npos : op_pos - 1));
      step.kind = Step::Kind::kFilter;
      Parser sub(full_, left);
      absl::Status st = sub.Run(&step.filter_path);
      if (!st.ok()) return st;
      if (op_pos != std::string_view::npos) {
        size_t op_len = (op_pos + 1 < f.size() && f[op_pos + 1] == '=') ? 2 : 1;
        step.op = std::string(f.substr(op_pos, op_len));
        if (step.op == "=" || step.op == "!") return ParseError(full_, "unknown filter operator");
        if (!ParseLiteral(f.substr(op_pos + op_len), &step.literal)) {
          return ParseError(full_, "filter needs a string, number or boolean literal");
        }
      }
    } else if (inner.find(':') != std::string_view::npos) {
      step.kind = Step::Kind::kSlice;
      std::string_view parts[3];
      size_t n = 0;
      size_t start = 0;
      while (n < 3) {
        size_t colon = inner.find(':', start);
        parts[n++] =
            inner.substr(start, colon == std::string_view::npos ? inner.npos : colon - start);
        if (colon == std::string_view::npos) break;
        start = colon + 1;
      }
      if (!Trim(parts[0]).empty()) {
        if (!ParseInt(parts[0], &step.start)) return ParseError(full_, "bad slice start");
        step.has_start = true;
      }
      if (n > 1 && !Trim(parts[1]).empty()) {
        if (!ParseInt(parts[1], &step.end)) return ParseError(full_, "bad slice end");
        step.has_end = true;
      }
      if (n > 2 && !Trim(parts[2]).empty()) {
        if (!ParseInt(parts[2], &step.step) || step.step <= 0) {
          return ParseError(full_, "bad slice step");
        }
      }
    } else {
      step.kind = Step::Kind::kIndex;
      if (!ParseInt(inner, &step.start)) return ParseError(full_, "bad array index");
    }
    steps->push_back(std::move(step));
    return absl::OkStatus();
  }

  std::string_view full_;
  std::string_view s_;
  size_t pos_ = 0;
};

void Descendants(const json& v, std::vector<const json*>& out) {
  out.push_back(&v);
  if (v.is_object() || v.is_array()) {
    for (const json& child : v) Descendants(child, out);
  }
}

bool Compare(const json& left, const std::string& op, const json& right) {
  if (left.is_number() && right.is_number()) {
    double a = left.get<double>();
    double b = right.get<double>();
    if (op == "==") return a == b;
    if (op == "!=") return a != b;
    if (op == "<") return a < b;
    if (op == "<=") return a <= b;
    if (op == ">") return a > b;
    if (op == ">=") return a >= b;
    return false;
  }
  if (op == "==") return left == right;
  if (op == "!=") return left != right;
  if (left.is_string() && right.is_string()) {
    const std::string& a = left.get_ref<const std::string&>();
    const std::string& b = right.get_ref<const std::string&>();
    if (op == "<") return a < b;
    if (op == "<=") return a <= b;
    if (op == ">") return a > b;
    if (op == ">=") return a >= b;
  }
  return false;
}

std::vector<const json*> Evaluate(const std::vector<Step>& steps, const json& root) {
  std::vector<const json*> current = {&root};
  for (const Step& step : steps) {
    std::vector<const json*> next;
    for (const json* v : current) {
      switch (step.kind) {
        case Step::Kind::kField:
          if (v->is_object()) {
            auto it = v->find(step.name);
            if (it != v->end()) next.push_back(&*it);
          }
          break;
        case Step::Kind::kWildcard:
          if (v->is_object() || v->is_array()) {
            for (const json& child : *v) next.push_back(&child);
          }
          break;
        case Step::Kind::kRecursive:
          Descendants(*v, next);
          break;
        case Step::Kind::kIndex: {
          if (!v->is_array()) break;
          int64_t size = static_cast<int64_t>(v->size());
          int64_t i = step.start < 0 ? step.start + size : step.start;
          if (i >= 0 && i < size) next.push_back(&(*v)[static_cast<size_t>(i)]);
          break;
        }
        case Step::Kind::kSlice: {
          if (!v->is_array()) break;
          int64_t size = static_cast<int64_t>(v->size());
          int64_t b = step.has_start ? step.start : 0;
          int64_t e = step.has_end ? step.end : size;
          if (b < 0) b += size;
          if (e < 0) e += size;
          b = std::max<int64_t>(0, std::min(b, size));
          e = std::max<int64_t>(0, std::min(e, size));
          for (int64_t i = b; i < e; i += step.step) next.push_back(&(*v)[static_cast<size_t>(i)]);
          break;
        }
        case Step::Kind::kFilter: {
          if (!v->is_array()) break;
          for (const json& item : *v) {
            std::vector<const json*> left = Evaluate(step.filter_path, item);
            if (step.op.empty()) {
              if (!left.empty()) next.push_back(&item);
            } else if (!left.empty() && Compare(*left.front(), step.op, step.literal)) {
              next.push_back(&item);
            }
          }
          break;
        }
      }
    }
    current = std::move(next);
  }
  return current;
}

// The text kubectl's JSONPath printer writes for one value.
std::string PrintValue(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number_integer()) return v.dump();
  if (v.is_number_float()) return GoFormatFloat(v.get<double>());
  // Objects and arrays are marshaled as compact JSON (with Go's HTML escaping).
  std::string out;
  for (char c : v.dump(-1, ' ', false, json::error_handler_t::replace)) {
    if (c == '<') {
      out += "\\u003c";
    } else if (c == '>') {
      out += "\\u003e";
    } else if (c == '&') {
      out += "\\u0026";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<JsonPath> JsonPath::Parse(std::string_view expression) {
  std::string_view text = Trim(expression);
  if (text.size() >= 2 && text.front() == '{' && text.back() == '}') {
    text = Trim(text.substr(1, text.size() - 2));
  }
  if (!text.empty() && text.front() == '$') text.remove_prefix(1);
  if (text.empty()) return ParseError(expression, "empty expression");
  if (text.front() != '.' && text.front() != '[') {
    return ParseError(expression, "must start with '.' or '['");
  }
  JsonPath out;
  Parser parser(expression, text);
  absl::Status st = parser.Run(&out.steps_);
  if (!st.ok()) return st;
  return out;
}

std::vector<json> JsonPath::FindResults(const json& object) const {
  std::vector<json> out;
  for (const json* v : Evaluate(steps_, object)) out.push_back(*v);
  return out;
}

json PrinterColumnCell(const json& object, const JsonPath& path, std::string_view type,
                       int64_t now_unix_seconds) {
  std::vector<json> results = path.FindResults(object);
  if (results.empty()) return nullptr;
  const json& value = results.front();
  if (value.is_null()) return nullptr;
  if (type == "string") return PrintValue(value);
  if (type == "integer") {
    if (value.is_number_integer()) return value.get<int64_t>();
    if (value.is_number_float()) return static_cast<int64_t>(value.get<double>());
    return nullptr;
  }
  if (type == "number") {
    if (value.is_number()) return value.get<double>();
    return nullptr;
  }
  if (type == "boolean") return value.is_boolean() ? value : json(nullptr);
  if (type == "date") {
    if (!value.is_string()) return nullptr;
    const std::string& text = value.get_ref<const std::string&>();
    // metav1.Time treats "" and "null" as the zero time, which tables show as <unknown>.
    if (text.empty() || text == "null") return "<unknown>";
    std::optional<int64_t> t = ParseTimestamp(text);
    if (!t) return "<invalid>";
    return HumanDuration(now_unix_seconds - *t);
  }
  return nullptr;
}

std::string GoFormatFloat(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == 0) return std::signbit(v) ? "-0" : "0";
  // Shortest digits that round-trip, as Go's strconv does.
  char buf[64];
  for (int prec = 1; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof(buf), "%.*e", prec - 1, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  std::string s(buf);
  size_t e = s.find('e');
  int exp = std::atoi(s.c_str() + e + 1);
  std::string digits;
  bool neg = false;
  for (char c : s.substr(0, e)) {
    if (c == '-') {
      neg = true;
    } else if (c != '.') {
      digits += c;
    }
  }
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  std::string out = neg ? "-" : "";
  // %v switches to exponent form below 1e-4 and from 1e21.
  if (exp < -4 || exp >= 21) {
    out += digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    char ebuf[16];
    std::snprintf(ebuf, sizeof(ebuf), "e%c%02d", exp < 0 ? '-' : '+', std::abs(exp));
    return out + ebuf;
  }
  if (exp < 0) return out + "0." + std::string(static_cast<size_t>(-exp - 1), '0') + digits;
  size_t int_digits = static_cast<size_t>(exp) + 1;
  if (digits.size() <= int_digits)
    return out + digits + std::string(int_digits - digits.size(), '0');
  return out + digits.substr(0, int_digits) + "." + digits.substr(int_digits);
}

}  // namespace k1s::api
