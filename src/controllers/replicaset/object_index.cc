#include "controllers/replicaset/object_index.h"

#include <nlohmann/json.hpp>

#include "base/strings.h"
#include "controllers/common/owner_refs.h"
#include "controllers/replicaset/object_fields.h"

namespace k1s::controllers::workload {

client::IndexFunc ControllerUidOrOrphanIndex() {
  return [](const nlohmann::json& object) -> std::vector<std::string> {
    if (const nlohmann::json* ref = ControllerRefOf(object)) {
      std::string uid = StringOf(Member(*ref, "uid"));
      if (!uid.empty()) return {uid};
    }
    return {OrphanIndexKey(NamespaceOf(object))};
  };
}

std::string OrphanIndexKey(std::string_view namespace_name) {
  return base::StrCat("orphan/", namespace_name);
}

void AddControllerUidIndex(client::Informer& informer) {
  informer.AddIndex(std::string(kControllerUidIndex), ControllerUidOrOrphanIndex());
}

std::vector<client::ObjectPtr> ControlledBy(const client::Informer& informer,
                                            std::string_view owner_uid) {
  if (owner_uid.empty()) return {};
  return informer.ByIndex(kControllerUidIndex, owner_uid);
}

std::vector<client::ObjectPtr> ControlledByOrOrphans(const client::Informer& informer,
                                                     std::string_view namespace_name,
                                                     std::string_view owner_uid) {
  std::vector<client::ObjectPtr> out = ControlledBy(informer, owner_uid);
  std::vector<client::ObjectPtr> orphans =
      informer.ByIndex(kControllerUidIndex, OrphanIndexKey(namespace_name));
  out.insert(out.end(), orphans.begin(), orphans.end());
  return out;
}

}  // namespace k1s::controllers::workload
