#include "api/managed_fields.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <utility>

#include "absl/status/status.h"
#include "api/timestamps.h"
#include "base/strings.h"

namespace k1s::api {

using nlohmann::json;

struct FieldSet::Child {
  PathElement element;
  FieldSet set;
};

// Reaches the tree of a FieldSet for the walkers of this file.
class FieldSetAccess {
 public:
  static std::vector<PathElement>& Members(FieldSet& set) { return set.members_; }
  static const std::vector<PathElement>& Members(const FieldSet& set) { return set.members_; }
  static std::vector<FieldSet::Child>& Children(FieldSet& set) { return set.children_; }
  static const std::vector<FieldSet::Child>& Children(const FieldSet& set) {
    return set.children_;
  }
  // The child set of `element`, created when missing.
  static FieldSet& Descend(FieldSet& set, const PathElement& element);
  static const FieldSet* Get(const FieldSet& set, const PathElement& element);
};

namespace {

// --- JSON and Go formatting -------------------------------------------------------------------

// Go's encoding/json string form (as jsoniter in standard-library mode writes it): HTML
// characters and U+2028/U+2029 escaped, control characters as \n, \r, \t or \u00XX.
void AppendGoJsonString(std::string* out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    switch (c) {
      case '"':
        out->append("\\\"");
        continue;
      case '\\':
        out->append("\\\\");
        continue;
      case '\n':
        out->append("\\n");
        continue;
      case '\r':
        out->append("\\r");
        continue;
      case '\t':
        out->append("\\t");
        continue;
      default:
        break;
    }
    if (c < 0x20 || c == '<' || c == '>' || c == '&') {
      out->append("\\u00");
      out->push_back(kHex[c >> 4]);
      out->push_back(kHex[c & 0xF]);
      continue;
    }
    // U+2028 and U+2029 are E2 80 A8 / E2 80 A9 in UTF-8.
    if (c == 0xE2 && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0x80 &&
        (static_cast<unsigned char>(text[i + 2]) == 0xA8 ||
         static_cast<unsigned char>(text[i + 2]) == 0xA9)) {
      out->append(static_cast<unsigned char>(text[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029");
      i += 2;
      continue;
    }
    out->push_back(static_cast<char>(c));
  }
  out->push_back('"');
}

// Go's json.Marshal of a decoded value: objects with sorted keys, no spaces.
void AppendGoJson(std::string* out, const json& value) {
  switch (value.type()) {
    case json::value_t::string:
      AppendGoJsonString(out, value.get_ref<const std::string&>());
      return;
    case json::value_t::object: {
      out->push_back('{');
      bool first = true;
      for (const auto& [key, member] : value.items()) {
        if (!first) out->push_back(',');
        first = false;
        AppendGoJsonString(out, key);
        out->push_back(':');
        AppendGoJson(out, member);
      }
      out->push_back('}');
      return;
    }
    case json::value_t::array: {
      out->push_back('[');
      bool first = true;
      for (const json& item : value) {
        if (!first) out->push_back(',');
        first = false;
        AppendGoJson(out, item);
      }
      out->push_back(']');
      return;
    }
    default:
      out->append(value.dump());
      return;
  }
}

// Go's %q: a double-quoted string with Go escapes (printable UTF-8 kept as is).
std::string GoQuote(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (char ch : text) {
    unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\a':
        out.append("\\a");
        break;
      case '\b':
        out.append("\\b");
        break;
      case '\f':
        out.append("\\f");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      case '\v':
        out.append("\\v");
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          out.append("\\x");
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xF]);
        } else {
          out.push_back(ch);
        }
    }
  }
  out.push_back('"');
  return out;
}

std::string FormatFloat(double value) {
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  if (ec != std::errc()) return json(value).dump();
  return std::string(buffer, end);
}

// Upstream's value.ToString, used in path strings: strings quoted, maps as k=v.
std::string ValueToString(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::number_float:
      return FormatFloat(value.get<double>());
    case json::value_t::string:
      return GoQuote(value.get_ref<const std::string&>());
    case json::value_t::array: {
      std::string out = "[";
      bool first = true;
      for (const json& item : value) {
        if (!first) out.push_back(',');
        first = false;
        out += ValueToString(item);
      }
      return out + "]";
    }
    case json::value_t::object: {
      std::string out;
      for (const auto& [key, member] : value.items()) {
        base::StrAppend(&out, key, "=", ValueToString(member));
      }
      return out;
    }
    default:
      return value.dump();
  }
}

bool IsInteger(const json& value) { return value.is_number_integer(); }

int Sign(int64_t a, int64_t b) { return a < b ? -1 : (a > b ? 1 : 0); }
int FloatSign(double a, double b) { return a < b ? -1 : (a > b ? 1 : 0); }

double AsDouble(const json& value) {
  if (value.is_number_unsigned()) return static_cast<double>(value.get<uint64_t>());
  if (value.is_number_integer()) return static_cast<double>(value.get<int64_t>());
  return value.get<double>();
}

// Upstream's total order of values: floats and ints numerically, then ints, strings, booleans,
// lists, maps, null last.
int CompareValues(const json& lhs, const json& rhs) {
  if (lhs.is_number_float()) {
    if (!rhs.is_number_float()) {
      return IsInteger(rhs) ? FloatSign(lhs.get<double>(), AsDouble(rhs)) : -1;
    }
    return FloatSign(lhs.get<double>(), rhs.get<double>());
  }
  if (rhs.is_number_float()) {
    return IsInteger(lhs) ? FloatSign(AsDouble(lhs), rhs.get<double>()) : 1;
  }
  if (IsInteger(lhs)) {
    if (!IsInteger(rhs)) return -1;
    if (lhs.is_number_unsigned() || rhs.is_number_unsigned()) {
      return FloatSign(AsDouble(lhs), AsDouble(rhs));
    }
    return Sign(lhs.get<int64_t>(), rhs.get<int64_t>());
  }
  if (IsInteger(rhs)) return 1;
  if (lhs.is_string()) {
    if (!rhs.is_string()) return -1;
    int c = lhs.get_ref<const std::string&>().compare(rhs.get_ref<const std::string&>());
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  if (rhs.is_string()) return 1;
  if (lhs.is_boolean()) {
    if (!rhs.is_boolean()) return -1;
    return Sign(lhs.get<bool>() ? 1 : 0, rhs.get<bool>() ? 1 : 0);
  }
  if (rhs.is_boolean()) return 1;
  if (lhs.is_array()) {
    if (!rhs.is_array()) return -1;
    for (size_t i = 0; i < lhs.size() && i < rhs.size(); ++i) {
      if (int c = CompareValues(lhs[i], rhs[i]); c != 0) return c;
    }
    return Sign(static_cast<int64_t>(lhs.size()), static_cast<int64_t>(rhs.size()));
  }
  if (rhs.is_array()) return 1;
  if (lhs.is_object()) {
    if (!rhs.is_object()) return -1;
    auto l = lhs.begin();
    auto r = rhs.begin();
    for (; l != lhs.end() && r != rhs.end(); ++l, ++r) {
      if (int c = l.key().compare(r.key()); c != 0) return c < 0 ? -1 : 1;
      if (int c = CompareValues(l.value(), r.value()); c != 0) return c;
    }
    return Sign(static_cast<int64_t>(lhs.size()), static_cast<int64_t>(rhs.size()));
  }
  if (rhs.is_object()) return 1;
  if (lhs.is_null()) return rhs.is_null() ? 0 : -1;
  return rhs.is_null() ? 1 : 0;
}

const json& NullValue() {
  static const json* null = new json(nullptr);
  return *null;
}

}  // namespace

// --- PathElement ------------------------------------------------------------------------------

PathElement PathElement::Field(std::string name) {
  PathElement element;
  element.kind_ = Kind::kField;
  element.field_ = std::move(name);
  return element;
}

PathElement PathElement::Key(const json& key) {
  PathElement element;
  element.kind_ = Kind::kKey;
  element.value_ = std::make_shared<const json>(key);
  return element;
}

PathElement PathElement::Value(const json& value) {
  PathElement element;
  element.kind_ = Kind::kValue;
  element.value_ = std::make_shared<const json>(value);
  return element;
}

PathElement PathElement::Index(int64_t index) {
  PathElement element;
  element.kind_ = Kind::kIndex;
  element.index_ = index;
  return element;
}

json PathElement::value() const { return value_ ? *value_ : json(); }

int PathElement::Compare(const PathElement& other) const {
  if (kind_ != other.kind_) return kind_ < other.kind_ ? -1 : 1;
  switch (kind_) {
    case Kind::kField: {
      int c = field_.compare(other.field_);
      return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    case Kind::kKey:
    case Kind::kValue:
      return CompareValues(*value_, *other.value_);
    case Kind::kIndex:
      return Sign(index_, other.index_);
  }
  return 0;
}

std::string PathElement::ToString() const {
  switch (kind_) {
    case Kind::kField:
      return "." + field_;
    case Kind::kKey: {
      std::string out = "[";
      bool first = true;
      for (const auto& [name, value] : value_->items()) {
        if (!first) out.push_back(',');
        first = false;
        base::StrAppend(&out, name, "=", ValueToString(value));
      }
      return out + "]";
    }
    case Kind::kValue:
      return "[=" + ValueToString(*value_) + "]";
    case Kind::kIndex:
      return base::StrCat("[", index_, "]");
  }
  return "{{invalid path element}}";
}

std::string PathElement::Serialize() const {
  std::string out;
  switch (kind_) {
    case Kind::kField:
      return "f:" + field_;
    case Kind::kKey:
      out = "k:";
      AppendGoJson(&out, *value_);
      return out;
    case Kind::kValue:
      out = "v:";
      AppendGoJson(&out, *value_);
      return out;
    case Kind::kIndex:
      return base::StrCat("i:", index_);
  }
  return out;
}

absl::StatusOr<PathElement> PathElement::Deserialize(std::string_view text) {
  if (text.size() < 2) return absl::InvalidArgumentError("key must be 2 characters long:");
  if (text[1] != ':') {
    return absl::InvalidArgumentError(base::StrCat("missing colon: ", text));
  }
  std::string_view rest = text.substr(2);
  switch (text[0]) {
    case 'f':
      return Field(std::string(rest));
    case 'v':
    case 'k': {
      json parsed = json::parse(rest, nullptr, /*allow_exceptions=*/false);
      if (parsed.is_discarded()) {
        return absl::InvalidArgumentError(base::StrCat("invalid JSON in path element: ", text));
      }
      if (text[0] == 'v') return Value(parsed);
      if (!parsed.is_object()) {
        return absl::InvalidArgumentError(base::StrCat("key is not an object: ", text));
      }
      return Key(parsed);
    }
    case 'i': {
      int64_t index = 0;
      auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), index);
      if (ec != std::errc() || end != rest.data() + rest.size()) {
        return absl::InvalidArgumentError(
            base::StrCat("strconv.Atoi: parsing ", GoQuote(rest), ": invalid syntax"));
      }
      return Index(index);
    }
    default:
      return absl::NotFoundError("unknown path element type");
  }
}

std::string FieldPathString(const FieldPath& path) {
  std::string out;
  for (const PathElement& element : path) out += element.ToString();
  return out;
}

FieldPath MakeFieldPath(const std::vector<std::string>& fields) {
  FieldPath path;
  for (const std::string& field : fields) path.push_back(PathElement::Field(field));
  return path;
}

// --- FieldSet ---------------------------------------------------------------------------------

FieldSet::FieldSet() = default;
FieldSet::FieldSet(std::initializer_list<FieldPath> paths) {
  for (const FieldPath& path : paths) Insert(path);
}
FieldSet::FieldSet(const FieldSet& other) = default;
FieldSet::FieldSet(FieldSet&& other) noexcept = default;
FieldSet& FieldSet::operator=(const FieldSet& other) = default;
FieldSet& FieldSet::operator=(FieldSet&& other) noexcept = default;
FieldSet::~FieldSet() = default;

FieldSet& FieldSetAccess::Descend(FieldSet& set, const PathElement& element) {
  auto& children = set.children_;
  auto it = std::lower_bound(
      children.begin(), children.end(), element,
      [](const FieldSet::Child& child, const PathElement& e) { return child.element < e; });
  if (it == children.end() || !(it->element == element)) {
    it = children.insert(it, FieldSet::Child{element, FieldSet()});
  }
  return it->set;
}

const FieldSet* FieldSetAccess::Get(const FieldSet& set, const PathElement& element) {
  const auto& children = set.children_;
  auto it = std::lower_bound(
      children.begin(), children.end(), element,
      [](const FieldSet::Child& child, const PathElement& e) { return child.element < e; });
  if (it == children.end() || !(it->element == element)) return nullptr;
  return &it->set;
}

namespace {

void InsertMember(std::vector<PathElement>& members, const PathElement& element) {
  auto it = std::lower_bound(members.begin(), members.end(), element);
  if (it == members.end() || !(*it == element)) members.insert(it, element);
}

bool HasMember(const std::vector<PathElement>& members, const PathElement& element) {
  return std::binary_search(members.begin(), members.end(), element);
}

}  // namespace

void FieldSet::Insert(const FieldPath& path) {
  if (path.empty()) return;
  FieldSet* set = this;
  for (size_t i = 0; i + 1 < path.size(); ++i) set = &FieldSetAccess::Descend(*set, path[i]);
  InsertMember(set->members_, path.back());
}

bool FieldSet::Has(const FieldPath& path) const {
  if (path.empty()) return false;
  const FieldSet* set = this;
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    set = FieldSetAccess::Get(*set, path[i]);
    if (set == nullptr) return false;
  }
  return HasMember(set->members_, path.back());
}

bool FieldSet::Empty() const {
  if (!members_.empty()) return false;
  for (const Child& child : children_) {
    if (!child.set.Empty()) return false;
  }
  return true;
}

size_t FieldSet::Size() const {
  size_t size = members_.size();
  for (const Child& child : children_) size += child.set.Size();
  return size;
}

FieldSet FieldSet::Union(const FieldSet& other) const {
  FieldSet out;
  std::set_union(members_.begin(), members_.end(), other.members_.begin(), other.members_.end(),
                 std::back_inserter(out.members_));
  size_t i = 0;
  size_t j = 0;
  while (i < children_.size() && j < other.children_.size()) {
    int c = children_[i].element.Compare(other.children_[j].element);
    if (c < 0) {
      out.children_.push_back(children_[i++]);
    } else if (c > 0) {
      out.children_.push_back(other.children_[j++]);
    } else {
      out.children_.push_back(
          Child{children_[i].element, children_[i].set.Union(other.children_[j].set)});
      ++i;
      ++j;
    }
  }
  for (; i < children_.size(); ++i) out.children_.push_back(children_[i]);
  for (; j < other.children_.size(); ++j) out.children_.push_back(other.children_[j]);
  return out;
}

FieldSet FieldSet::Intersection(const FieldSet& other) const {
  FieldSet out;
  std::set_intersection(members_.begin(), members_.end(), other.members_.begin(),
                        other.members_.end(), std::back_inserter(out.members_));
  for (const Child& child : children_) {
    if (const FieldSet* theirs = FieldSetAccess::Get(other, child.element)) {
      FieldSet both = child.set.Intersection(*theirs);
      if (!both.Empty()) out.children_.push_back(Child{child.element, std::move(both)});
    }
  }
  return out;
}

FieldSet FieldSet::Difference(const FieldSet& other) const {
  FieldSet out;
  std::set_difference(members_.begin(), members_.end(), other.members_.begin(),
                      other.members_.end(), std::back_inserter(out.members_));
  for (const Child& child : children_) {
    if (const FieldSet* theirs = FieldSetAccess::Get(other, child.element)) {
      FieldSet rest = child.set.Difference(*theirs);
      if (!rest.Empty()) out.children_.push_back(Child{child.element, std::move(rest)});
    } else {
      out.children_.push_back(child);
    }
  }
  return out;
}

FieldSet FieldSet::RecursiveDifference(const FieldSet& other) const {
  FieldSet out;
  std::set_difference(members_.begin(), members_.end(), other.members_.begin(),
                      other.members_.end(), std::back_inserter(out.members_));
  for (const Child& child : children_) {
    if (HasMember(other.members_, child.element)) continue;
    if (const FieldSet* theirs = FieldSetAccess::Get(other, child.element)) {
      FieldSet rest = child.set.RecursiveDifference(*theirs);
      if (!rest.Empty()) out.children_.push_back(Child{child.element, std::move(rest)});
    } else {
      out.children_.push_back(child);
    }
  }
  return out;
}

FieldSet FieldSet::WithPrefix(const PathElement& element) const {
  const FieldSet* child = FieldSetAccess::Get(*this, element);
  return child == nullptr ? FieldSet() : *child;
}

namespace {

void IteratePrefix(const FieldSet& set, FieldPath& prefix,
                   const std::function<void(const FieldPath&)>& visit) {
  for (const PathElement& member : FieldSetAccess::Members(set)) {
    prefix.push_back(member);
    visit(prefix);
    prefix.pop_back();
  }
  for (const FieldSet::Child& child : FieldSetAccess::Children(set)) {
    prefix.push_back(child.element);
    IteratePrefix(child.set, prefix, visit);
    prefix.pop_back();
  }
}

}  // namespace

void FieldSet::Iterate(const std::function<void(const FieldPath&)>& visit) const {
  FieldPath prefix;
  IteratePrefix(*this, prefix, visit);
}

std::vector<FieldPath> FieldSet::Paths() const {
  std::vector<FieldPath> paths;
  Iterate([&](const FieldPath& path) { paths.push_back(path); });
  return paths;
}

bool FieldSet::operator==(const FieldSet& other) const {
  if (members_ != other.members_ || children_.size() != other.children_.size()) return false;
  for (size_t i = 0; i < children_.size(); ++i) {
    if (!(children_[i].element == other.children_[i].element) ||
        !(children_[i].set == other.children_[i].set)) {
      return false;
    }
  }
  return true;
}

std::string FieldSet::ToString() const {
  std::string out;
  Iterate([&](const FieldPath& path) {
    if (!out.empty()) out.push_back('\n');
    out += FieldPathString(path);
  });
  return out;
}

namespace {

// Writes the members and children of one level; a member that also has children is written
// once, its object starting with ".":{}.
void EmitFieldsV1(const FieldSet& set, bool include_self, std::string* out) {
  const auto& members = FieldSetAccess::Members(set);
  const auto& children = FieldSetAccess::Children(set);
  bool first = true;
  auto separate = [&] {
    if (!first) out->push_back(',');
    first = false;
  };
  if (include_self && !(members.empty() && children.empty())) {
    separate();
    out->append("\".\":{}");
  }
  auto key = [&](const PathElement& element) {
    AppendGoJsonString(out, element.Serialize());
    out->push_back(':');
  };
  size_t m = 0;
  size_t c = 0;
  while (m < members.size() || c < children.size()) {
    int order = m == members.size()    ? 1
                : c == children.size() ? -1
                                       : members[m].Compare(children[c].element);
    separate();
    if (order < 0) {
      key(members[m++]);
      out->append("{}");
      continue;
    }
    key(children[c].element);
    out->push_back('{');
    EmitFieldsV1(children[c].set, /*include_self=*/order == 0, out);
    out->push_back('}');
    if (order == 0) ++m;
    ++c;
  }
}

// Reads one level of FieldsV1 into `out`; returns whether the level is itself a member.
absl::StatusOr<bool> ReadFieldsV1(const json& object, FieldSet& out) {
  if (!object.is_object()) {
    return absl::InvalidArgumentError(
        base::StrCat("ReadMapCB: expect { or n, but found ", object.dump()));
  }
  bool is_member = false;
  for (const auto& [key, value] : object.items()) {
    if (key == ".") {
      is_member = true;
      continue;
    }
    absl::StatusOr<PathElement> element = PathElement::Deserialize(key);
    if (absl::IsNotFound(element.status())) continue;  // a future element type
    if (!element.ok()) {
      return absl::InvalidArgumentError(base::StrCat("parsing key as path element: ",
                                                     std::string(element.status().message())));
    }
    FieldSet grandchildren;
    absl::StatusOr<bool> child_is_member = ReadFieldsV1(value, grandchildren);
    if (!child_is_member.ok()) return child_is_member.status();
    if (*child_is_member) InsertMember(FieldSetAccess::Members(out), *element);
    if (!grandchildren.Empty()) {
      FieldSet& slot = FieldSetAccess::Descend(out, *element);
      slot = slot.Union(grandchildren);
    }
  }
  if (out.Empty()) is_member = true;
  return is_member;
}

}  // namespace

std::string FieldSet::ToFieldsV1String() const {
  std::string out = "{";
  EmitFieldsV1(*this, /*include_self=*/false, &out);
  out.push_back('}');
  return out;
}

json FieldSet::ToFieldsV1() const { return json::parse(ToFieldsV1String()); }

absl::StatusOr<FieldSet> FieldSet::FromFieldsV1(const json& fields) {
  FieldSet set;
  absl::StatusOr<bool> member = ReadFieldsV1(fields, set);
  if (!member.ok()) return member.status();
  return set;
}

// --- Schema types -----------------------------------------------------------------------------

namespace {

using schema::Definition;
using schema::Property;
using schema::Shape;

// A position in the schema: the root definition, or a shape (with its property, whose patch
// strategy decides how a list without x-kubernetes-list-type merges). All null: anything.
struct TypeRef {
  const Definition* definition = nullptr;
  const Shape* shape = nullptr;
  const Property* property = nullptr;
};

enum class Kind { kLeaf, kScalar, kList, kMap };

struct Atom {
  Kind kind = Kind::kLeaf;
  bool atomic = false;
  bool associative = false;                          // kList
  std::vector<std::string> keys;                     // kList: map keys (empty for a set)
  const Definition* fields = nullptr;                // kMap: a struct
  const Shape* element = nullptr;                    // kList items, kMap values
  schema::Type scalar = schema::Type::kAny;          // kScalar
};

Atom StructAtom(const Definition* definition, bool atomic) {
  Atom atom;
  atom.kind = Kind::kMap;
  atom.fields = definition;
  atom.atomic = atomic || definition->map_type == schema::MapType::kAtomic;
  return atom;
}

Atom Resolve(const TypeRef& type) {
  if (type.shape == nullptr) {
    if (type.definition == nullptr) return Atom{};
    return StructAtom(type.definition, false);
  }
  const Shape& shape = *type.shape;
  Atom atom;
  switch (shape.type) {
    case schema::Type::kObject:
      if (shape.definition == nullptr) return Atom{};
      return StructAtom(shape.definition, shape.map_type == schema::MapType::kAtomic);
    case schema::Type::kArray:
      atom.kind = Kind::kList;
      atom.element = shape.items.get();
      switch (shape.list_type) {
        case schema::ListType::kAtomic:
          atom.atomic = true;
          break;
        case schema::ListType::kSet:
          atom.associative = true;
          break;
        case schema::ListType::kMap:
          atom.associative = true;
          atom.keys = shape.list_map_keys;
          break;
        case schema::ListType::kUnspecified: {
          // As kube-openapi's schema conversion: a merge patch strategy makes the list
          // associative, keyed by the merge key (a set without one); otherwise it is atomic.
          const std::string strategy = type.property ? type.property->patch_strategy : "";
          if (strategy == "merge" || strategy == "merge,retainKeys") {
            atom.associative = true;
            if (!type.property->patch_merge_key.empty()) {
              atom.keys = {type.property->patch_merge_key};
            }
          } else {
            atom.atomic = true;
          }
          break;
        }
      }
      return atom;
    case schema::Type::kMap:
      atom.kind = Kind::kMap;
      atom.element = shape.items.get();
      atom.atomic = shape.map_type == schema::MapType::kAtomic;
      return atom;
    case schema::Type::kAny:
      return Atom{};
    default:
      atom.kind = Kind::kScalar;
      atom.scalar = shape.type;
      return atom;
  }
}

// How a member of a map resolves.
enum class Member { kDeclared, kElement, kUnknown };

Member FindMember(const Atom& atom, const std::string& name, TypeRef* type) {
  if (atom.fields != nullptr) {
    if (const Property* property = atom.fields->Find(name)) {
      *type = TypeRef{nullptr, &property->shape, property};
      return Member::kDeclared;
    }
    *type = TypeRef{};
    return Member::kUnknown;
  }
  *type = TypeRef{nullptr, atom.element, nullptr};
  // A map without a value shape holds anything.
  return Member::kElement;
}

TypeRef ElementType(const Atom& atom) { return TypeRef{nullptr, atom.element, nullptr}; }

// Defaults of list map keys, from the upstream OpenAPI (`+default=` on key fields).
const json* KeyDefault(const Definition* element, const std::string& field) {
  if (element == nullptr) return nullptr;
  static const json* tcp = new json("TCP");
  static const json* empty = new json("");
  if (field == "protocol" && (element->name == "io.k8s.api.core.v1.ContainerPort" ||
                              element->name == "io.k8s.api.core.v1.ServicePort")) {
    return tcp;
  }
  if (field == "name" && element->name == "io.k8s.api.core.v1.LocalObjectReference") return empty;
  return nullptr;
}

// The path element of a list item, or upstream's error.
absl::StatusOr<PathElement> ListItemElement(const Atom& list, const json& item) {
  if (!list.associative) {
    return absl::InvalidArgumentError("invalid indexing of non-associative list");
  }
  if (!list.keys.empty()) {
    if (item.is_null()) {
      return absl::InvalidArgumentError("associative list with keys may not have a null element");
    }
    if (!item.is_object()) {
      return absl::InvalidArgumentError(
          "associative list with keys may not have non-map elements");
    }
    const Definition* element_definition =
        (list.element && list.element->type == schema::Type::kObject) ? list.element->definition
                                                                       : nullptr;
    json key = json::object();
    for (const std::string& field : list.keys) {
      auto it = item.find(field);
      if (it != item.end()) {
        key[field] = *it;
      } else if (const json* fallback = KeyDefault(element_definition, field)) {
        key[field] = *fallback;
      } else {
        return absl::InvalidArgumentError(
            base::StrCat("associative list with keys has an element that omits key field ",
                         GoQuote(field), " (and doesn't have default value)"));
      }
    }
    return PathElement::Key(key);
  }
  if (item.is_object()) {
    return absl::InvalidArgumentError(
        "associative list without keys has an element that's a map type");
  }
  if (item.is_array()) {
    return absl::InvalidArgumentError("not supported: associative list with lists as elements");
  }
  if (item.is_null()) {
    return absl::InvalidArgumentError(
        "associative list without keys has an element that's an explicit null");
  }
  return PathElement::Value(item);
}

// Errors of the walkers: a path (already prefixed) and a message.
struct WalkError {
  std::string path;
  std::string message;
};
using WalkErrors = std::vector<WalkError>;

void Prefix(WalkErrors& errors, size_t from, const std::string& prefix) {
  for (size_t i = from; i < errors.size(); ++i) errors[i].path = prefix + errors[i].path;
}

std::string FormatErrors(const WalkErrors& errors) {
  auto one = [](const WalkError& error) {
    return error.path.empty() ? error.message : base::StrCat(error.path, ": ", error.message);
  };
  if (errors.size() == 1) return one(errors[0]);
  std::string out = "errors:";
  for (const WalkError& error : errors) base::StrAppend(&out, "\n  ", one(error));
  return out;
}

// --- ToFieldSet -------------------------------------------------------------------------------

void ToFieldSet(const TypeRef& type, const json& value, FieldPath& path, FieldSet& set) {
  Atom atom = Resolve(type);
  switch (atom.kind) {
    case Kind::kLeaf:
    case Kind::kScalar:
      set.Insert(path);
      return;
    case Kind::kList: {
      if (atom.atomic) {
        set.Insert(path);
        return;
      }
      if (!value.is_array()) return;
      std::vector<std::optional<PathElement>> elements;
      std::vector<PathElement> seen;
      std::vector<PathElement> duplicates;
      for (const json& item : value) {
        absl::StatusOr<PathElement> element = ListItemElement(atom, item);
        if (!element.ok()) {
          elements.push_back(std::nullopt);
          continue;
        }
        elements.push_back(*element);
        if (HasMember(seen, *element)) {
          if (!HasMember(duplicates, *element)) {
            // A duplicated item is owned as a whole.
            path.push_back(*element);
            set.Insert(path);
            path.pop_back();
            InsertMember(duplicates, *element);
          }
        } else {
          InsertMember(seen, *element);
        }
      }
      for (size_t i = 0; i < value.size(); ++i) {
        if (!elements[i] || HasMember(duplicates, *elements[i])) continue;
        path.push_back(*elements[i]);
        ToFieldSet(ElementType(atom), value[i], path, set);
        set.Insert(path);
        path.pop_back();
      }
      return;
    }
    case Kind::kMap: {
      if (atom.atomic) {
        set.Insert(path);
        return;
      }
      if (!value.is_object()) return;
      for (const auto& [key, member] : value.items()) {
        TypeRef member_type;
        Member found = FindMember(atom, key, &member_type);
        path.push_back(PathElement::Field(key));
        ToFieldSet(member_type, member, path, set);
        if (member.is_null() || (member.is_object() && member.empty()) ||
            found != Member::kDeclared) {
          set.Insert(path);
        }
        path.pop_back();
      }
      return;
    }
  }
}

// --- Compare ----------------------------------------------------------------------------------

void CompareNode(const TypeRef& type, const json* lhs, const json* rhs, FieldPath& path,
                 FieldComparison& out, WalkErrors& errors);

void CompareListItems(const Atom& atom, const json* lhs, const json* rhs, FieldPath& path,
                      FieldComparison& out, WalkErrors& errors) {
  std::vector<PathElement> all;
  std::map<PathElement, std::vector<const json*>> left;
  std::map<PathElement, std::vector<const json*>> right;
  auto index = [&](const json* list, std::map<PathElement, std::vector<const json*>>& values,
                   bool add_new) {
    if (list == nullptr) return;
    for (size_t i = 0; i < list->size(); ++i) {
      absl::StatusOr<PathElement> element = ListItemElement(atom, (*list)[i]);
      if (!element.ok()) {
        errors.push_back({"", base::StrCat("element ", i, ": ", element.status().message())});
        continue;
      }
      auto [it, inserted] = values.try_emplace(*element);
      it->second.push_back(&(*list)[i]);
      if (inserted && (add_new || left.find(*element) == left.end())) all.push_back(*element);
    }
  };
  index(lhs, left, true);
  index(rhs, right, false);
  for (const PathElement& element : all) {
    auto l = left.find(element);
    auto r = right.find(element);
    size_t nl = l == left.end() ? 0 : l->second.size();
    size_t nr = r == right.end() ? 0 : r->second.size();
    path.push_back(element);
    if (nl <= 1 && nr <= 1) {
      size_t before = errors.size();
      CompareNode(ElementType(atom), nl ? l->second[0] : nullptr, nr ? r->second[0] : nullptr,
                  path, out, errors);
      Prefix(errors, before, element.ToString());
    } else if (nl >= 2 && nr >= 2) {
      bool same = nl == nr;
      for (size_t i = 0; same && i < nl; ++i) same = *l->second[i] == *r->second[i];
      if (!same) out.modified.Insert(path);
    } else if (nl >= 2) {
      if (nr != 0) CompareNode(ElementType(atom), nullptr, r->second[0], path, out, errors);
      out.removed.Insert(path);
    } else {
      if (nl != 0) CompareNode(ElementType(atom), l->second[0], nullptr, path, out, errors);
      out.added.Insert(path);
    }
    path.pop_back();
  }
}

void CompareMapItems(const Atom& atom, const json* lhs, const json* rhs, FieldPath& path,
                     FieldComparison& out, WalkErrors& errors) {
  auto visit = [&](const std::string& key, const json* l, const json* r) {
    TypeRef member_type;
    FindMember(atom, key, &member_type);
    path.push_back(PathElement::Field(key));
    size_t before = errors.size();
    CompareNode(member_type, l, r, path, out, errors);
    Prefix(errors, before, "." + key);
    path.pop_back();
  };
  if (lhs != nullptr) {
    for (const auto& [key, value] : lhs->items()) {
      const json* r = nullptr;
      if (rhs != nullptr) {
        auto it = rhs->find(key);
        if (it != rhs->end()) r = &*it;
      }
      visit(key, &value, r);
    }
  }
  if (rhs != nullptr) {
    for (const auto& [key, value] : rhs->items()) {
      if (lhs != nullptr && lhs->contains(key)) continue;
      visit(key, nullptr, &value);
    }
  }
}

void CompareNode(const TypeRef& type, const json* lhs, const json* rhs, FieldPath& path,
                 FieldComparison& out, WalkErrors& errors) {
  Atom atom = Resolve(type);
  bool leaf = false;
  switch (atom.kind) {
    case Kind::kLeaf:
    case Kind::kScalar:
      leaf = true;
      break;
    case Kind::kList: {
      const json* l = lhs && lhs->is_array() ? lhs : nullptr;
      const json* r = rhs && rhs->is_array() ? rhs : nullptr;
      bool empty = (!l || l->empty()) && (!r || r->empty());
      if (atom.atomic || empty) {
        leaf = true;
      } else {
        CompareListItems(atom, l, r, path, out, errors);
      }
      break;
    }
    case Kind::kMap: {
      const json* l = lhs && lhs->is_object() ? lhs : nullptr;
      const json* r = rhs && rhs->is_object() ? rhs : nullptr;
      bool empty = (!l || l->empty()) && (!r || r->empty());
      if (atom.atomic || empty) {
        leaf = true;
      } else {
        CompareMapItems(atom, l, r, path, out, errors);
      }
      break;
    }
  }
  if (leaf) {
    if (lhs == nullptr) {
      out.added.Insert(path);
    } else if (rhs == nullptr) {
      out.removed.Insert(path);
    } else if (!(*lhs == *rhs)) {
      out.modified.Insert(path);
    }
    return;
  }
  if (lhs == nullptr) {
    out.added.Insert(path);
  } else if (rhs == nullptr) {
    out.removed.Insert(path);
  }
}

// --- Merge ------------------------------------------------------------------------------------

std::optional<json> MergeNode(const TypeRef& type, const json* lhs, const json* rhs,
                              WalkErrors& errors);

struct IndexedList {
  std::vector<PathElement> elements;
  std::map<PathElement, const json*> observed;
};

IndexedList IndexList(const Atom& atom, const json* list, bool allow_duplicates,
                      WalkErrors& errors) {
  IndexedList out;
  if (list == nullptr) return out;
  for (size_t i = 0; i < list->size(); ++i) {
    const json& item = (*list)[i];
    absl::StatusOr<PathElement> element = ListItemElement(atom, item);
    if (!element.ok()) {
      errors.push_back({"", base::StrCat("element ", i, ": ", element.status().message())});
      continue;
    }
    auto it = out.observed.find(*element);
    if (it != out.observed.end() && !allow_duplicates) {
      errors.push_back({"", "duplicate entries for key " + element->ToString()});
      continue;
    }
    if (it == out.observed.end()) {
      out.observed.emplace(*element, &item);
    } else {
      // Duplicated items are not merged with the applied one.
      it->second = &NullValue();
    }
    out.elements.push_back(*element);
  }
  return out;
}

std::optional<json> MergeListItems(const Atom& atom, const json* lhs, const json* rhs,
                                   WalkErrors& errors) {
  size_t before = errors.size();
  IndexedList right = IndexList(atom, rhs, false, errors);
  IndexedList left = IndexList(atom, lhs, true, errors);
  if (errors.size() != before) return std::nullopt;

  auto find = [](const IndexedList& list, const PathElement& element) -> const json* {
    auto it = list.observed.find(element);
    return it == list.observed.end() ? nullptr : it->second;
  };
  // The applied items the live list also has, in applied order: they keep that order.
  std::vector<PathElement> shared;
  for (const PathElement& element : right.elements) {
    if (left.observed.count(element)) shared.push_back(element);
  }
  size_t next_shared_index = 0;
  const PathElement* next_shared = shared.empty() ? nullptr : &shared[next_shared_index++];
  auto advance = [&] {
    next_shared = next_shared_index < shared.size() ? &shared[next_shared_index++] : nullptr;
  };

  json out = json::array();
  std::vector<PathElement> merged_right;
  auto merge_item = [&](const PathElement& element, const json* l, const json* r) {
    size_t mark = errors.size();
    std::optional<json> merged = MergeNode(ElementType(atom), l, r, errors);
    Prefix(errors, mark, element.ToString());
    if (merged) out.push_back(std::move(*merged));
  };
  size_t nl = left.elements.size();
  size_t nr = right.elements.size();
  for (size_t li = 0, ri = 0; li < nl || ri < nr;) {
    if (li < nl && ri < nr) {
      const PathElement& element = left.elements[li];
      if (element == right.elements[ri]) {
        InsertMember(merged_right, element);
        merge_item(element, find(left, element), find(right, element));
        ++li;
        ++ri;
        advance();
        continue;
      }
      if (right.observed.count(element) && next_shared != nullptr &&
          !(*next_shared == element)) {
        // A shared item, but not the one due now: it comes with the applied order.
        ++li;
        continue;
      }
    }
    if (li < nl) {
      const PathElement& element = left.elements[li];
      if (!right.observed.count(element)) {
        merge_item(element, &(*lhs)[li], nullptr);
        ++li;
        continue;
      }
      if (HasMember(merged_right, element)) ++li;
    }
    if (ri < nr) {
      const PathElement& element = right.elements[ri];
      InsertMember(merged_right, element);
      merge_item(element, find(left, element), find(right, element));
      ++ri;
      if (next_shared != nullptr && *next_shared == element) advance();
    }
  }
  if (out.empty()) return std::nullopt;
  return out;
}

std::optional<json> MergeMapItems(const Atom& atom, const json* lhs, const json* rhs,
                                  WalkErrors& errors) {
  json out = json::object();
  auto visit = [&](const std::string& key, const json* l, const json* r) {
    TypeRef member_type;
    FindMember(atom, key, &member_type);
    size_t mark = errors.size();
    std::optional<json> merged = MergeNode(member_type, l, r, errors);
    Prefix(errors, mark, "." + key);
    if (merged) out[key] = std::move(*merged);
  };
  if (lhs != nullptr) {
    for (const auto& [key, value] : lhs->items()) {
      const json* r = nullptr;
      if (rhs != nullptr) {
        auto it = rhs->find(key);
        if (it != rhs->end()) r = &*it;
      }
      visit(key, &value, r);
    }
  }
  if (rhs != nullptr) {
    for (const auto& [key, value] : rhs->items()) {
      if (lhs != nullptr && lhs->contains(key)) continue;
      visit(key, nullptr, &value);
    }
  }
  if (out.empty()) return std::nullopt;
  return out;
}

std::optional<json> MergeNode(const TypeRef& type, const json* lhs, const json* rhs,
                              WalkErrors& errors) {
  Atom atom = Resolve(type);
  auto keep_rhs = [&]() -> std::optional<json> { return rhs ? *rhs : *lhs; };
  switch (atom.kind) {
    case Kind::kLeaf:
    case Kind::kScalar:
      return keep_rhs();
    case Kind::kList: {
      const json* l = lhs && lhs->is_array() ? lhs : nullptr;
      const json* r = rhs && rhs->is_array() ? rhs : nullptr;
      if (atom.atomic || ((!l || l->empty()) && (!r || r->empty()))) return keep_rhs();
      return MergeListItems(atom, l, r, errors);
    }
    case Kind::kMap: {
      const json* l = lhs && lhs->is_object() ? lhs : nullptr;
      const json* r = rhs && rhs->is_object() ? rhs : nullptr;
      if (atom.atomic || ((!l || l->empty()) && (!r || r->empty()))) return keep_rhs();
      return MergeMapItems(atom, l, r, errors);
    }
  }
  return keep_rhs();
}

// --- Remove -----------------------------------------------------------------------------------

json RemoveNode(const TypeRef& type, const json& value, const FieldSet& remove) {
  Atom atom = Resolve(type);
  switch (atom.kind) {
    case Kind::kLeaf:
    case Kind::kScalar:
      return value;
    case Kind::kList: {
      if (!value.is_array() || value.empty() || atom.atomic) return nullptr;
      json items = json::array();
      for (const json& item : value) {
        absl::StatusOr<PathElement> element = ListItemElement(atom, item);
        if (!element.ok()) {
          items.push_back(item);
          continue;
        }
        if (remove.Has({*element})) continue;
        FieldSet below = remove.WithPrefix(*element);
        items.push_back(below.Empty() ? item : RemoveNode(ElementType(atom), item, below));
      }
      if (items.empty()) return nullptr;
      return items;
    }
    case Kind::kMap: {
      if (!value.is_object() || value.empty() || atom.atomic) return nullptr;
      json members = json::object();
      for (const auto& [key, member] : value.items()) {
        PathElement element = PathElement::Field(key);
        if (remove.Has({element})) continue;
        FieldSet below = remove.WithPrefix(element);
        if (below.Empty()) {
          members[key] = member;
        } else {
          TypeRef member_type;
          FindMember(atom, key, &member_type);
          members[key] = RemoveNode(member_type, member, below);
        }
      }
      if (members.empty()) return nullptr;
      return members;
    }
  }
  return value;
}

FieldSet EnsureNamed(const TypeRef& type, const FieldSet& set) {
  Atom atom = Resolve(type);
  FieldSet out;
  FieldSetAccess::Members(out) = FieldSetAccess::Members(set);
  for (const FieldSet::Child& child : FieldSetAccess::Children(set)) {
    TypeRef child_type;
    if (child.element.kind() == PathElement::Kind::kField && atom.kind == Kind::kMap) {
      if (FindMember(atom, child.element.field(), &child_type) == Member::kDeclared) {
        InsertMember(FieldSetAccess::Members(out), child.element);
      }
    } else if (child.element.kind() == PathElement::Kind::kKey && atom.kind == Kind::kList) {
      child_type = ElementType(atom);
    }
    FieldSetAccess::Children(out).push_back(
        FieldSet::Child{child.element, EnsureNamed(child_type, child.set)});
  }
  return out;
}

void StripNullsNode(const TypeRef& type, json& value) {
  Atom atom = Resolve(type);
  if (atom.kind == Kind::kList && value.is_array()) {
    for (json& item : value) StripNullsNode(ElementType(atom), item);
  } else if (atom.kind == Kind::kMap && value.is_object()) {
    for (auto it = value.begin(); it != value.end();) {
      if (it->is_null()) {
        it = value.erase(it);
        continue;
      }
      TypeRef member_type;
      FindMember(atom, it.key(), &member_type);
      StripNullsNode(member_type, it.value());
      ++it;
    }
  }
}

// --- Validate ---------------------------------------------------------------------------------

std::string GoTypeName(const json& value) {
  switch (value.type()) {
    case json::value_t::string:
      return "string";
    case json::value_t::boolean:
      return "bool";
    case json::value_t::number_float:
      return "float64";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "int64";
    case json::value_t::object:
      return "map[string]interface {}";
    case json::value_t::array:
      return "[]interface {}";
    default:
      return "<nil>";
  }
}

void ValidateNode(const TypeRef& type, const json& value, bool allow_duplicates,
                  WalkErrors& errors) {
  Atom atom = Resolve(type);
  switch (atom.kind) {
    case Kind::kLeaf:
      return;
    case Kind::kScalar: {
      if (value.is_null()) return;
      switch (atom.scalar) {
        case schema::Type::kInteger:
        case schema::Type::kNumber:
          if (!value.is_number()) {
            errors.push_back(
                {"", "expected numeric (int or float), got " + GoTypeName(value)});
          }
          return;
        case schema::Type::kBoolean:
          if (!value.is_boolean()) errors.push_back({"", "expected boolean, got " + value.dump()});
          return;
        case schema::Type::kString:
        case schema::Type::kBytes:
        case schema::Type::kTime:
          if (!value.is_string()) errors.push_back({"", "expected string, got " + value.dump()});
          return;
        default:
          if (value.is_object() || value.is_array()) {
            errors.push_back({"", "expected any scalar, got " + value.dump()});
          }
          return;
      }
    }
    case Kind::kList: {
      if (value.is_null()) return;
      if (!value.is_array()) {
        errors.push_back({"", "expected list, got " + value.dump()});
        return;
      }
      std::vector<PathElement> observed;
      for (size_t i = 0; i < value.size(); ++i) {
        PathElement element = PathElement::Index(static_cast<int64_t>(i));
        if (atom.associative) {
          absl::StatusOr<PathElement> keyed = ListItemElement(atom, value[i]);
          if (!keyed.ok()) {
            errors.push_back({"", base::StrCat("element ", i, ": ", keyed.status().message())});
            return;
          }
          element = *keyed;
          if (HasMember(observed, element) && !allow_duplicates) {
            errors.push_back({"", "duplicate entries for key " + element.ToString()});
          }
          InsertMember(observed, element);
        }
        size_t mark = errors.size();
        ValidateNode(ElementType(atom), value[i], allow_duplicates, errors);
        Prefix(errors, mark, element.ToString());
      }
      return;
    }
    case Kind::kMap: {
      if (value.is_null()) return;
      if (!value.is_object()) {
        errors.push_back({"", "expected map, got " + value.dump()});
        return;
      }
      for (const auto& [key, member] : value.items()) {
        TypeRef member_type;
        if (FindMember(atom, key, &member_type) == Member::kUnknown) {
          errors.push_back({"." + key, "field not declared in schema"});
          return;
        }
        size_t mark = errors.size();
        ValidateNode(member_type, member, allow_duplicates, errors);
        Prefix(errors, mark, "." + key);
      }
      return;
    }
  }
}

TypeRef Root(const Definition& definition) { return TypeRef{&definition, nullptr, nullptr}; }

}  // namespace

FieldSet FieldSetOf(const Definition& definition, const json& object) {
  FieldSet set;
  FieldPath path;
  ToFieldSet(Root(definition), object, path, set);
  return set;
}

FieldComparison CompareObjects(const Definition& definition, const json* before,
                               const json* after) {
  FieldComparison out;
  if (before == nullptr && after == nullptr) return out;
  FieldPath path;
  WalkErrors errors;
  CompareNode(Root(definition), before, after, path, out, errors);
  return out;
}

absl::StatusOr<json> MergeObjects(const Definition& definition, const json& live,
                                  const json& applied) {
  WalkErrors errors;
  std::optional<json> merged = MergeNode(Root(definition), &live, &applied, errors);
  if (!errors.empty()) return absl::InvalidArgumentError(FormatErrors(errors));
  return merged ? std::move(*merged) : json::object();
}

json RemoveFields(const Definition& definition, const json& object, const FieldSet& fields) {
  json out = RemoveNode(Root(definition), object, fields);
  return out.is_null() ? json::object() : out;
}

FieldSet EnsureNamedFieldsAreMembers(const Definition& definition, const FieldSet& fields) {
  return EnsureNamed(Root(definition), fields);
}

void StripNulls(const Definition& definition, json& object) {
  StripNullsNode(Root(definition), object);
}

std::string ValidateTyped(const Definition& definition, const json& object,
                          bool allow_duplicates) {
  WalkErrors errors;
  ValidateNode(Root(definition), object, allow_duplicates, errors);
  return errors.empty() ? "" : FormatErrors(errors);
}

// --- managedFields ----------------------------------------------------------------------------

std::string ManagerIdentifier(std::string_view manager, std::string_view operation,
                              std::string_view api_version, std::string_view subresource) {
  // Field order and omitempty of metav1.ManagedFieldsEntry's JSON encoding.
  std::string out = "{";
  bool first = true;
  auto member = [&](std::string_view name, std::string_view value) {
    if (value.empty()) return;
    if (!first) out.push_back(',');
    first = false;
    AppendGoJsonString(&out, name);
    out.push_back(':');
    AppendGoJsonString(&out, value);
  };
  member("manager", manager);
  member("operation", operation);
  if (operation != kOperationApply) member("apiVersion", api_version);
  member("subresource", subresource);
  out.push_back('}');
  return out;
}

absl::StatusOr<std::vector<ManagedFieldsEntry>> DecodeManagedFields(const json& managed_fields) {
  std::vector<ManagedFieldsEntry> entries;
  if (managed_fields.is_null()) return entries;
  if (!managed_fields.is_array()) {
    return absl::InvalidArgumentError("managedFields must be a list");
  }
  for (size_t i = 0; i < managed_fields.size(); ++i) {
    const json& item = managed_fields[i];
    if (!item.is_object()) {
      return absl::InvalidArgumentError("managedFields entry is not an object");
    }
    auto text = [&](const char* name) {
      auto it = item.find(name);
      return it != item.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    ManagedFieldsEntry entry;
    entry.manager = text("manager");
    entry.operation = text("operation");
    entry.api_version = text("apiVersion");
    entry.subresource = text("subresource");
    if (entry.operation != kOperationApply && entry.operation != kOperationUpdate) {
      return absl::InvalidArgumentError("operation must be `Apply` or `Update`");
    }
    if (entry.api_version.empty()) {
      return absl::InvalidArgumentError("apiVersion must not be empty");
    }
    std::string fields_type = text("fieldsType");
    if (fields_type.empty()) {
      return absl::InvalidArgumentError(
          base::StrCat("missing fieldsType in managed fields entry ", i));
    }
    if (fields_type != "FieldsV1") {
      return absl::InvalidArgumentError(base::StrCat("invalid fieldsType ", GoQuote(fields_type),
                                                     " in managed fields entry ", i));
    }
    if (std::string time = text("time"); !time.empty()) entry.time = ParseTimestamp(time);
    auto fields = item.find("fieldsV1");
    if (fields != item.end() && !fields->is_null()) {
      absl::StatusOr<FieldSet> set = FieldSet::FromFieldsV1(*fields);
      if (!set.ok()) {
        return absl::InvalidArgumentError(
            base::StrCat("error decoding set: ", std::string(set.status().message())));
      }
      entry.fields = *std::move(set);
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

json EncodeManagedFields(std::vector<ManagedFieldsEntry> entries) {
  std::stable_sort(entries.begin(), entries.end(),
                   [](const ManagedFieldsEntry& p, const ManagedFieldsEntry& q) {
                     if (p.operation != q.operation) return p.operation < q.operation;
                     int64_t ps = p.time.value_or(0);
                     int64_t qs = q.time.value_or(0);
                     if (ps != qs) return ps < qs;
                     if (p.manager != q.manager) return p.manager < q.manager;
                     if (p.api_version != q.api_version) return p.api_version < q.api_version;
                     return p.subresource < q.subresource;
                   });
  json out = json::array();
  for (const ManagedFieldsEntry& entry : entries) {
    json item = json::object();
    if (!entry.manager.empty()) item["manager"] = entry.manager;
    if (!entry.operation.empty()) item["operation"] = entry.operation;
    if (!entry.api_version.empty()) item["apiVersion"] = entry.api_version;
    if (entry.time) item["time"] = FormatTimestamp(*entry.time);
    item["fieldsType"] = "FieldsV1";
    item["fieldsV1"] = entry.fields.ToFieldsV1();
    if (!entry.subresource.empty()) item["subresource"] = entry.subresource;
    out.push_back(std::move(item));
  }
  return out;
}

namespace {

// Paths never owned (upstream's stripMetaManager).
const FieldSet& StrippedFields() {
  static const FieldSet* set = new FieldSet{
      MakeFieldPath({"apiVersion"}),
      MakeFieldPath({"kind"}),
      MakeFieldPath({"metadata"}),
      MakeFieldPath({"metadata", "name"}),
      MakeFieldPath({"metadata", "namespace"}),
      MakeFieldPath({"metadata", "creationTimestamp"}),
      MakeFieldPath({"metadata", "selfLink"}),
      MakeFieldPath({"metadata", "uid"}),
      MakeFieldPath({"metadata", "clusterName"}),
      MakeFieldPath({"metadata", "generation"}),
      MakeFieldPath({"metadata", "managedFields"}),
      MakeFieldPath({"metadata", "resourceVersion"}),
  };
  return *set;
}

const json* FindMetadataMember(const json& object, const char* name) {
  if (!object.is_object()) return nullptr;
  auto metadata = object.find("metadata");
  if (metadata == object.end() || !metadata->is_object()) return nullptr;
  auto it = metadata->find(name);
  return it == metadata->end() ? nullptr : &*it;
}

void EraseManagedFields(json& object) {
  if (!object.is_object()) return;
  auto metadata = object.find("metadata");
  if (metadata != object.end() && metadata->is_object()) metadata->erase("managedFields");
}

using Managed = std::map<std::string, ManagedFieldsEntry>;  // by manager identifier

Managed ToManaged(std::vector<ManagedFieldsEntry> entries) {
  Managed managed;
  for (ManagedFieldsEntry& entry : entries) {
    std::string id =
        ManagerIdentifier(entry.manager, entry.operation, entry.api_version, entry.subresource);
    managed[id] = std::move(entry);
  }
  return managed;
}

std::vector<ManagedFieldsEntry> FromManaged(Managed managed) {
  std::vector<ManagedFieldsEntry> entries;
  for (auto& [id, entry] : managed) entries.push_back(std::move(entry));
  return entries;
}

// Merges the oldest Update entries into one "ancient-changes" entry per apiVersion until at most
// `max` Update entries remain.
void CapUpdateManagers(Managed& managed, int max) {
  std::vector<std::string> updaters;
  for (const auto& [id, entry] : managed) {
    if (entry.operation == kOperationUpdate) updaters.push_back(id);
  }
  if (static_cast<int>(updaters.size()) <= max) return;
  std::sort(updaters.begin(), updaters.end(), [&](const std::string& a, const std::string& b) {
    int64_t at = managed[a].time.value_or(0);
    int64_t bt = managed[b].time.value_or(0);
    if (at != bt) return at < bt;
    return a < b;
  });
  std::map<std::string, std::string> first_of_version;
  int length = static_cast<int>(updaters.size());
  for (size_t i = 0; i < updaters.size() && length > max; ++i) {
    const std::string& id = updaters[i];
    ManagedFieldsEntry entry = managed[id];
    std::string bucket =
        ManagerIdentifier("ancient-changes", kOperationUpdate, entry.api_version, "");
    auto first = first_of_version.find(entry.api_version);
    if (first == first_of_version.end()) {
      first_of_version[entry.api_version] = id;
      continue;
    }
    if (!managed.count(bucket)) {
      ManagedFieldsEntry moved = managed[first->second];
      managed.erase(first->second);
      moved.manager = "ancient-changes";
      moved.subresource.clear();
      moved.time.reset();
      managed[bucket] = std::move(moved);
    }
    ManagedFieldsEntry& target = managed[bucket];
    target.fields = entry.fields.Union(target.fields);
    target.api_version = entry.api_version;
    target.time = entry.time;
    if (id != bucket) managed.erase(id);
    --length;
  }
}

bool IsResetManagedFields(const json* managed_fields) {
  if (managed_fields == nullptr || !managed_fields->is_array()) return false;
  if (managed_fields->empty()) return true;
  return managed_fields->size() == 1 && (*managed_fields)[0].is_object() &&
         (*managed_fields)[0].empty();
}

Managed DecodeOrEmpty(const json* managed_fields) {
  if (managed_fields == nullptr) return {};
  absl::StatusOr<std::vector<ManagedFieldsEntry>> entries = DecodeManagedFields(*managed_fields);
  if (!entries.ok()) return {};
  return ToManaged(*std::move(entries));
}

// What the "live" object of a create looks like upstream: a zero Go struct, whose value-struct
// fields are present (so a create does not own them as nodes, only what is under them). The
// schema does not say which fields are values and which pointers; required ones are never
// omitted (structs as zero structs, the rest as null), and metadata, spec and status are value
// structs by convention.
json ZeroObject(const Definition& definition, int depth) {
  json out = json::object();
  if (depth > 8) return out;
  for (const Property& property : definition.properties) {
    bool is_struct =
        property.shape.type == schema::Type::kObject && property.shape.definition != nullptr;
    if (is_struct && (property.required || property.name == "metadata" ||
                      property.name == "spec" || property.name == "status")) {
      out[property.name] = ZeroObject(*property.shape.definition, depth + 1);
    } else if (property.required) {
      out[property.name] = nullptr;  // a zero scalar, nil slice or nil pointer
    }
  }
  return out;
}

int64_t Seconds(int64_t nanos) {
  int64_t seconds = nanos / 1000000000;
  if (nanos % 1000000000 < 0) --seconds;
  return seconds;
}

}  // namespace

nlohmann::json UpdateManagedFields(const Definition& definition, const json* live, json updated,
                                   const FieldManagerRequest& request) {
  const json* live_fields = live ? FindMetadataMember(*live, "managedFields") : nullptr;
  const json* new_fields = FindMetadataMember(updated, "managedFields");
  Managed managed;
  if (!request.subresource.empty()) {
    // Subresources cannot set managedFields.
    managed = DecodeOrEmpty(live_fields);
  } else if (IsResetManagedFields(new_fields)) {
    managed.clear();
  } else {
    absl::StatusOr<std::vector<ManagedFieldsEntry>> sent =
        new_fields ? DecodeManagedFields(*new_fields)
                   : absl::StatusOr<std::vector<ManagedFieldsEntry>>(
                         std::vector<ManagedFieldsEntry>());
    if (!sent.ok() || sent->empty()) {
      // Clients that do not know managedFields must not drop them.
      managed = DecodeOrEmpty(live_fields);
    } else {
      managed = ToManaged(*std::move(sent));
    }
  }
  EraseManagedFields(updated);

  // An existing object without managedFields is tracked from its first apply on.
  const json* uid = live ? FindMetadataMember(*live, "uid") : nullptr;
  bool exists = uid != nullptr && uid->is_string() && !uid->get_ref<const std::string&>().empty();
  if (managed.empty() && exists) return updated;

  json before = live ? *live : ZeroObject(definition, 0);
  EraseManagedFields(before);
  FieldPath path;
  WalkErrors errors;
  FieldComparison compare;
  CompareNode(Root(definition), &before, &updated, path, compare, errors);
  if (!errors.empty()) {
    // As UpdateNoErrors: keep the live object's managedFields.
    if (live_fields != nullptr) updated["metadata"]["managedFields"] = *live_fields;
    return updated;
  }
  compare.added = compare.added.RecursiveDifference(request.reset_fields);
  compare.modified = compare.modified.RecursiveDifference(request.reset_fields);
  compare.removed = compare.removed.RecursiveDifference(request.reset_fields);
  FieldSet changed = compare.modified.Union(compare.added);
  for (auto it = managed.begin(); it != managed.end();) {
    FieldSet& fields = it->second.fields;
    fields = fields.Difference(changed).Difference(compare.removed);
    it = fields.Empty() ? managed.erase(it) : std::next(it);
  }
  FieldSet mine = changed.RecursiveDifference(request.reset_fields).Difference(StrippedFields());
  if (!mine.Empty()) {
    std::string manager = request.manager.empty() ? "unknown" : request.manager;
    std::string id =
        ManagerIdentifier(manager, kOperationUpdate, request.api_version, request.subresource);
    auto previous = managed.find(id);
    if (previous != managed.end()) mine = mine.Union(previous->second.fields);
    ManagedFieldsEntry& entry = managed[id];
    entry.manager = manager;
    entry.operation = std::string(kOperationUpdate);
    entry.api_version = request.api_version;
    entry.subresource = request.subresource;
    entry.fields = std::move(mine);
    entry.time = Seconds(request.now_nanos);
  }
  CapUpdateManagers(managed, request.max_update_managers);
  if (!managed.empty()) {
    updated["metadata"]["managedFields"] = EncodeManagedFields(FromManaged(std::move(managed)));
  }
  return updated;
}

std::string ManagerFromUserAgent(std::string_view field_manager, std::string_view user_agent) {
  if (!field_manager.empty()) return std::string(field_manager);
  std::string_view prefix = user_agent.substr(0, user_agent.find('/'));
  std::string out;
  for (char ch : prefix) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7F) continue;  // unprintable
    if (out.size() + 1 > 128) break;
    out.push_back(ch);
  }
  return out;
}

}  // namespace k1s::api
