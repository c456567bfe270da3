#include "api/schema.h"

#include <google/protobuf/descriptor.h>

#include <algorithm>
#include <array>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

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
#include "api/proto/k1s_options.pb.h"
#include "api/proto/meta_v1.pb.h"
#include "api/proto/networking_v1.pb.h"
#include "api/proto/node_v1.pb.h"
#include "api/proto/policy_v1.pb.h"
#include "api/proto/rbac_v1.pb.h"
#include "api/proto/scheduling_v1.pb.h"
#include "api/proto/storage_v1.pb.h"
#include "base/strings.h"

namespace k1s::api::schema {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::FileDescriptor;

constexpr std::string_view kMetaPackage = "k8s.io.apimachinery.pkg.apis.meta.v1";
constexpr std::string_view kExtensionsPackage =
    "k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1";

// Types whose JSON is not an object of their fields (custom marshallers in Go).
enum class Special { kNone, kTime, kDuration, kIntOrString, kQuantity, kAny, kStringList };

Special SpecialOf(const Descriptor& type) {
  static const auto* const specials = new std::map<std::string, Special, std::less<>>{
      {base::StrCat(kMetaPackage, ".Time"), Special::kTime},
      {base::StrCat(kMetaPackage, ".MicroTime"), Special::kTime},
      {base::StrCat(kMetaPackage, ".Duration"), Special::kDuration},
      {base::StrCat(kMetaPackage, ".FieldsV1"), Special::kAny},
      {"k8s.io.apimachinery.pkg.util.intstr.IntOrString", Special::kIntOrString},
      {"k8s.io.apimachinery.pkg.api.resource.Quantity", Special::kQuantity},
      {"k8s.io.apimachinery.pkg.api.resource.QuantityValue", Special::kQuantity},
      {"k8s.io.apimachinery.pkg.runtime.RawExtension", Special::kAny},
      // apiextensions' JSON and its "schema or something else" unions.
      {base::StrCat(kExtensionsPackage, ".JSON"), Special::kAny},
      {base::StrCat(kExtensionsPackage, ".JSONSchemaPropsOrArray"), Special::kAny},
      {base::StrCat(kExtensionsPackage, ".JSONSchemaPropsOrBool"), Special::kAny},
      {base::StrCat(kExtensionsPackage, ".JSONSchemaPropsOrStringArray"), Special::kAny},
  };
  auto it = specials->find(type.full_name());
  if (it != specials->end()) return it->second;
  // Go named slice types (+protobuf.nullable): {repeated string items = 1} on the wire, a plain
  // JSON array (metav1.Verbs, the ExtraValue of user info).
  if (type.field_count() == 1 && type.field(0)->name() == "items" && type.field(0)->is_repeated() &&
      type.field(0)->type() == FieldDescriptor::TYPE_STRING &&
      type.FindFieldByName("metadata") == nullptr) {
    return Special::kStringList;
  }
  return Special::kNone;
}

// Proto packages spell Go import paths with dots and underscores: "k8s.io.api.apps.v1" is
// "k8s.io/api/apps/v1", OpenAPI's "io.k8s.api.apps.v1".
std::string OpenApiName(const Descriptor& type) {
  std::string package = type.file()->package();
  std::string name = package.starts_with("k8s.io.")
                         ? base::StrCat("io.k8s.", std::string_view(package).substr(7))
                         : package;
  std::replace(name.begin(), name.end(), '_', '-');
  return base::StrCat(name, ".", type.name());
}

// The API group of a proto package's types ("" for core); nullopt for packages that are no
// group (meta, runtime).
struct GroupVersion {
  std::string group;
  std::string version;
};

std::optional<GroupVersion> GroupOf(std::string_view package) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 20> kGroups = {{
      {"k8s.io.api.core", ""},
      {"k8s.io.api.apps", "apps"},
      {"k8s.io.api.batch", "batch"},
      {"k8s.io.api.policy", "policy"},
      {"k8s.io.api.autoscaling", "autoscaling"},
      {"k8s.io.api.networking", "networking.k8s.io"},
      {"k8s.io.api.storage", "storage.k8s.io"},
      {"k8s.io.api.rbac", "rbac.authorization.k8s.io"},
      {"k8s.io.api.coordination", "coordination.k8s.io"},
      {"k8s.io.api.discovery", "discovery.k8s.io"},
      {"k8s.io.api.events", "events.k8s.io"},
      {"k8s.io.api.node", "node.k8s.io"},
      {"k8s.io.api.scheduling", "scheduling.k8s.io"},
      {"k8s.io.api.certificates", "certificates.k8s.io"},
      {"k8s.io.api.admissionregistration", "admissionregistration.k8s.io"},
      {"k8s.io.api.authentication", "authentication.k8s.io"},
      {"k8s.io.api.authorization", "authorization.k8s.io"},
      {"k8s.io.api.flowcontrol", "flowcontrol.apiserver.k8s.io"},
      {"k8s.io.apiextensions_apiserver.pkg.apis.apiextensions", "apiextensions.k8s.io"},
      {"k8s.io.apimachinery.pkg.apis.meta", "meta.k8s.io"},
  }};
  size_t dot = package.rfind('.');
  if (dot == std::string_view::npos) return std::nullopt;
  std::string_view prefix = package.substr(0, dot);
  for (const auto& [proto_prefix, group] : kGroups) {
    if (proto_prefix == prefix) {
      return GroupVersion{std::string(group), std::string(package.substr(dot + 1))};
    }
  }
  return std::nullopt;
}

// meta/v1 kinds that metav1.AddToGroupVersion registers into every group version.
constexpr std::array<std::string_view, 7> kPerGroupMetaKinds = {
    "CreateOptions", "DeleteOptions", "GetOptions", "ListOptions",
    "PatchOptions",  "UpdateOptions", "WatchEvent",
};
// ...and the unversioned ones, served as core v1.
constexpr std::array<std::string_view, 5> kUnversionedMetaKinds = {
    "APIGroup", "APIGroupList", "APIResourceList", "APIVersions", "Status",
};
// meta.k8s.io/v1's own kinds.
constexpr std::array<std::string_view, 3> kMetaGroupKinds = {
    "PartialObjectMetadata", "PartialObjectMetadataList", "TableOptions"};

template <size_t N>
bool Contains(const std::array<std::string_view, N>& list, std::string_view name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

ListType ParseListType(std::string_view text) {
  if (text == "atomic") return ListType::kAtomic;
  if (text == "set") return ListType::kSet;
  if (text == "map") return ListType::kMap;
  return ListType::kUnspecified;
}

MapType ParseMapType(std::string_view text) {
  if (text == "atomic") return MapType::kAtomic;
  if (text == "granular") return MapType::kGranular;
  return MapType::kUnspecified;
}

template <typename Extension>
std::vector<std::string> RepeatedOption(const google::protobuf::FieldOptions& options,
                                        const Extension& extension) {
  std::vector<std::string> values;
  for (int i = 0; i < options.ExtensionSize(extension); ++i) {
    values.push_back(options.GetExtension(extension, i));
  }
  return values;
}

// The k8s.io files of the generated pool: the k1s declarations and everything they import.

// Reads the descriptors into a catalog: one Definition per struct message.
class Reader {
 public:
  explicit Reader(Catalog& catalog) : catalog_(catalog) {}

  void Read() {
    std::vector<const Descriptor*> types;
    std::set<std::pair<std::string, std::string>> group_versions;
    for (const FileDescriptor* file : GeneratedProtoFiles()) {
      std::optional<GroupVersion> gv = GroupOf(file->package());
      if (gv.has_value() && gv->group != "meta.k8s.io") {
        group_versions.emplace(gv->group, gv->version);
      }
      for (int i = 0; i < file->message_type_count(); ++i) {
        const Descriptor* type = file->message_type(i);
        // The runtime package's envelope types are no API types.
        if (file->package() == "k8s.io.apimachinery.pkg.runtime") continue;
        if (SpecialOf(*type) != Special::kNone) continue;
        types.push_back(type);
      }
    }
    for (const Descriptor* type : types) {
      auto definition = std::make_unique<Definition>();
      definition->name = OpenApiName(*type);
      definition->map_type =
          ParseMapType(type->options().GetExtension(k1s::k8spb::struct_map_type));
      definitions_[type] = catalog_.Add(std::move(definition));
    }
    for (const Descriptor* type : types) {
      Definition& definition = *definitions_[type];
      AppendProperties(*type, definition.properties);
      definition.kinds = KindsOf(*type, group_versions);
      // TypeMeta is inline in every kind but has no field on the wire.
      if (!definition.kinds.empty() && type->name() != "WatchEvent") {
        for (const char* name : {"apiVersion", "kind"}) {
          if (definition.Find(name) != nullptr) continue;
          Property property;
          property.name = name;
          property.shape.type = Type::kString;
          definition.properties.push_back(std::move(property));
        }
      }
    }
  }

 private:
  static std::vector<GroupVersionKind> KindsOf(
      const Descriptor& type, const std::set<std::pair<std::string, std::string>>& served) {
    std::vector<GroupVersionKind> kinds;
    const std::string& kind = type.name();
    if (type.file()->package() == kMetaPackage) {
      if (Contains(kPerGroupMetaKinds, kind)) {
        for (const auto& [group, version] : served) kinds.push_back({group, version, kind});
      } else if (Contains(kUnversionedMetaKinds, kind)) {
        kinds.push_back({"", "v1", kind});
      } else if (Contains(kMetaGroupKinds, kind)) {
        kinds.push_back({"meta.k8s.io", "v1", kind});
      }
      return kinds;
    }
    if (!type.options().GetExtension(k1s::k8spb::registered_kind)) return kinds;
    std::optional<GroupVersion> gv = GroupOf(type.file()->package());
    if (gv.has_value()) kinds.push_back({gv->group, gv->version, kind});
    return kinds;
  }

  // Adds the properties of `type`'s fields; inline fields contribute their own properties.
  void AppendProperties(const Descriptor& type, std::vector<Property>& out) {
    for (int i = 0; i < type.field_count(); ++i) {
      const FieldDescriptor& field = *type.field(i);
      const auto& options = field.options();
      if (field.type() == FieldDescriptor::TYPE_MESSAGE && !field.is_repeated() &&
          options.GetExtension(k1s::k8spb::inline_)) {
        AppendProperties(*field.message_type(), out);
        continue;
      }
      Property property;
      property.name = field.json_name();
      property.shape = FieldShape(field);
      property.required = options.GetExtension(k1s::k8spb::required);
      property.patch_strategy = options.GetExtension(k1s::k8spb::patch_strategy);
      property.patch_merge_key = options.GetExtension(k1s::k8spb::patch_merge_key);
      out.push_back(std::move(property));
    }
  }

  Shape FieldShape(const FieldDescriptor& field) {
    const auto& options = field.options();
    std::vector<std::string> enum_values = RepeatedOption(options, k1s::k8spb::enum_values);
    if (field.is_map()) {
      Shape shape;
      shape.type = Type::kMap;
      shape.items = std::make_shared<Shape>(ValueShape(*field.message_type()->map_value()));
      shape.map_type = ParseMapType(options.GetExtension(k1s::k8spb::map_type));
      return shape;
    }
    Shape value = ValueShape(field);
    if (field.is_repeated()) {
      value.enum_values = std::move(enum_values);
      Shape shape;
      shape.type = Type::kArray;
      shape.items = std::make_shared<Shape>(std::move(value));
      shape.list_type = ParseListType(options.GetExtension(k1s::k8spb::list_type));
      shape.list_map_keys = RepeatedOption(options, k1s::k8spb::list_map_keys);
      return shape;
    }
    value.enum_values = std::move(enum_values);
    if (value.type == Type::kArray) {
      // A named slice type (metav1.Verbs) still carries the field's list markers.
      value.list_type = ParseListType(options.GetExtension(k1s::k8spb::list_type));
    }
    if (value.type == Type::kObject || value.type == Type::kMap) {
      if (MapType map_type = ParseMapType(options.GetExtension(k1s::k8spb::map_type));
          map_type != MapType::kUnspecified) {
        value.map_type = map_type;
      }
    }
    return value;
  }

  // The shape of one value of `field` (one element when repeated).
  Shape ValueShape(const FieldDescriptor& field) {
    Shape shape;
    switch (field.type()) {
      case FieldDescriptor::TYPE_INT32:
      case FieldDescriptor::TYPE_SINT32:
      case FieldDescriptor::TYPE_SFIXED32:
      case FieldDescriptor::TYPE_UINT32:
      case FieldDescriptor::TYPE_FIXED32:
        shape.type = Type::kInteger;
        shape.format = "int32";
        return shape;
      case FieldDescriptor::TYPE_INT64:
      case FieldDescriptor::TYPE_SINT64:
      case FieldDescriptor::TYPE_SFIXED64:
      case FieldDescriptor::TYPE_UINT64:
      case FieldDescriptor::TYPE_FIXED64:
        shape.type = Type::kInteger;
        shape.format = "int64";
        return shape;
      case FieldDescriptor::TYPE_DOUBLE:
      case FieldDescriptor::TYPE_FLOAT:
        shape.type = Type::kNumber;
        shape.format = "double";
        return shape;
      case FieldDescriptor::TYPE_BOOL:
        shape.type = Type::kBoolean;
        return shape;
      case FieldDescriptor::TYPE_STRING:
      case FieldDescriptor::TYPE_ENUM:
        shape.type = Type::kString;
        return shape;
      case FieldDescriptor::TYPE_BYTES:
        shape.type = Type::kBytes;
        shape.format = "byte";
        return shape;
      case FieldDescriptor::TYPE_MESSAGE:
      case FieldDescriptor::TYPE_GROUP:
        return MessageShape(*field.message_type());
    }
    return shape;
  }

  Shape MessageShape(const Descriptor& type) {
    Shape shape;
    switch (SpecialOf(type)) {
      case Special::kTime:
        shape.type = Type::kTime;
        shape.format = "date-time";
        return shape;
      case Special::kDuration:
        shape.type = Type::kString;
        return shape;
      case Special::kIntOrString:
        shape.type = Type::kIntOrString;
        shape.format = "int-or-string";
        return shape;
      case Special::kQuantity:
        shape.type = Type::kQuantity;
        return shape;
      case Special::kAny:
        shape.type = Type::kAny;
        return shape;
      case Special::kStringList: {
        shape.type = Type::kArray;
        auto item = std::make_shared<Shape>();
        item->type = Type::kString;
        shape.items = std::move(item);
        return shape;
      }
      case Special::kNone:
        break;
    }
    auto it = definitions_.find(&type);
    if (it == definitions_.end()) return shape;  // not a k8s.io type: any JSON
    shape.type = Type::kObject;
    shape.definition = it->second;
    return shape;
  }

  Catalog& catalog_;
  std::map<const Descriptor*, Definition*> definitions_;
};

std::string KindKey(std::string_view group, std::string_view version, std::string_view kind) {
  return base::StrCat(group, "/", version, "/", kind);
}

}  // namespace

const Property* Definition::Find(std::string_view name) const {
  // Properties are sorted once sealed; a definition still being built is searched in full.
  auto it = std::lower_bound(properties.begin(), properties.end(), name,
                             [](const Property& p, std::string_view n) { return p.name < n; });
  if (it != properties.end() && it->name == name) return &*it;
  for (const Property& property : properties) {
    if (property.name == name) return &property;
  }
  return nullptr;
}

const Catalog& Catalog::Builtin() {
  static const Catalog* const catalog = [] {
    auto* built = new Catalog();
    Reader(*built).Read();
    built->Seal();
    return built;
  }();
  return *catalog;
}

const Definition* Catalog::ForKind(std::string_view group, std::string_view version,
                                   std::string_view kind) const {
  std::string key = KindKey(group, version, kind);
  auto it =
      std::lower_bound(kinds_.begin(), kinds_.end(), key,
                       [](const auto& entry, const std::string& k) { return entry.first < k; });
  if (it == kinds_.end() || it->first != key) return nullptr;
  return it->second;
}

const Definition* Catalog::ByName(std::string_view name) const {
  auto it = std::lower_bound(
      definitions_.begin(), definitions_.end(), name,
      [](const std::unique_ptr<Definition>& d, std::string_view n) { return d->name < n; });
  if (it == definitions_.end() || (*it)->name != name) return nullptr;
  return it->get();
}

Definition* Catalog::Add(std::unique_ptr<Definition> definition) {
  definitions_.push_back(std::move(definition));
  return definitions_.back().get();
}

void Catalog::Seal() {
  std::sort(definitions_.begin(), definitions_.end(),
            [](const auto& a, const auto& b) { return a->name < b->name; });
  kinds_.clear();
  for (const auto& definition : definitions_) {
    std::sort(definition->properties.begin(), definition->properties.end(),
              [](const Property& a, const Property& b) { return a.name < b.name; });
    for (const GroupVersionKind& gvk : definition->kinds) {
      kinds_.emplace_back(KindKey(gvk.group, gvk.version, gvk.kind), definition.get());
    }
  }
  std::sort(kinds_.begin(), kinds_.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
}

}  // namespace k1s::api::schema
