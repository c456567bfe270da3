// Core (group "") kinds: the PodSpec shared by every workload, Pod, PodTemplate and
// ReplicationController. Mirrors pkg/apis/core/validation/validation.go.
#include <algorithm>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "absl/strings/str_join.h"
#include "api/validate_groups.h"
#include "api/validate_kinds.h"
#include "api/validate_util.h"
#include "base/strings.h"

namespace k1s::api {
namespace {

using json = nlohmann::json;
using base::StrCat;
using namespace validate;  // NOLINT(build/namespaces): internal helpers

constexpr char kFileModeMsg[] = "must be a number between 0 and 0777 (octal), both inclusive";
constexpr char kMaxInt32Str[] = "2147483647";
constexpr int64_t kMaxInt32 = 2147483647;

// ---- paths on disk ------------------------------------------------------------------------------

bool IsAbsPath(std::string_view p) { return !p.empty() && p.front() == '/'; }

void PathNoBacksteps(const std::string& value, const std::string& path, FieldErrors& errs) {
  size_t start = 0;
  while (true) {
    size_t slash = value.find('/', start);
    std::string part =
        value.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (part == "..") {
      errs.push_back(Invalid(path, value, "must not contain '..'"));
      return;
    }
    if (slash == std::string::npos) return;
    start = slash + 1;
  }
}

void LocalDescendingPath(const std::string& value, const std::string& path, FieldErrors& errs) {
  if (IsAbsPath(value)) errs.push_back(Invalid(path, value, "must be a relative path"));
  PathNoBacksteps(value, path, errs);
}

void LocalNonReservedPath(const std::string& value, const std::string& path, FieldErrors& errs) {
  LocalDescendingPath(value, path, errs);
  if (value.rfind("..", 0) == 0 && value.rfind("../", 0) != 0) {
    errs.push_back(Invalid(path, value, "must not start with '..'"));
  }
}

void FileMode(const json& object, const char* key, const std::string& path, FieldErrors& errs) {
  std::optional<int64_t> mode = Int(object, key);
  if (mode && (*mode > 0777 || *mode < 0)) errs.push_back(Invalid(path, *mode, kFileModeMsg));
}

// ---- volumes ------------------------------------------------------------------------------------

void KeyToPath(const json& item, const std::string& path, FieldErrors& errs) {
  if (Str(item, "key").empty()) errs.push_back(Required(Child(path, "key")));
  std::string p = Str(item, "path");
  if (p.empty()) errs.push_back(Required(Child(path, "path")));
  LocalNonReservedPath(p, Child(path, "path"), errs);
  FileMode(item, "mode", Child(path, "mode"), errs);
}

// podshelper.ConvertDownwardAPIFieldLabel plus the expression check of validateObjectFieldSelector.
void ObjectFieldSelector(const json& ref, const std::vector<std::string>& allowed,
                         const std::string& path, FieldErrors& errs) {
  std::string version = Str(ref, "apiVersion");
  std::string field_path = Str(ref, "fieldPath");
  if (version.empty()) {
    errs.push_back(Required(Child(path, "apiVersion")));
    return;
  }
  if (field_path.empty()) {
    errs.push_back(Required(Child(path, "fieldPath")));
    return;
  }
  if (version != "v1") {
    errs.push_back(
        Invalid(Child(path, "fieldPath"), field_path,
                StrCat("error converting fieldPath: unsupported pod version: ", version)));
    return;
  }
  size_t bracket = field_path.find('[');
  if (bracket != std::string::npos && field_path.back() == ']') {
    std::string base_path = field_path.substr(0, bracket);
    std::string subscript = field_path.substr(bracket + 1, field_path.size() - bracket - 2);
    if (subscript.size() >= 2 && subscript.front() == '\'' && subscript.back() == '\'') {
      subscript = subscript.substr(1, subscript.size() - 2);
    }
    if (base_path != "metadata.annotations" && base_path != "metadata.labels") {
      errs.push_back(Invalid(Child(path, "fieldPath"), field_path,
                             StrCat("error converting fieldPath: field label does not support "
                                    "subscript: ",
                                    field_path)));
      return;
    }
    if (base_path == "metadata.annotations") {
      std::transform(subscript.begin(), subscript.end(), subscript.begin(),
                     [](unsigned char c) { return std::tolower(c); });
    }
    for (std::string& msg : IsQualifiedName(subscript)) {
      errs.push_back(Invalid(path, subscript, std::move(msg)));
    }
    return;
  }
  static const std::set<std::string> kConvertible = {
      "metadata.annotations", "metadata.labels", "metadata.name",      "metadata.namespace",
      "metadata.uid",         "spec.nodeName",   "spec.restartPolicy", "spec.serviceAccountName",
      "spec.schedulerName",   "status.phase",    "status.hostIP",      "status.hostIPs",
      "status.podIP",         "status.podIPs",   "spec.host"};
  if (kConvertible.count(field_path) == 0) {
    errs.push_back(
        Invalid(Child(path, "fieldPath"), field_path,
                StrCat("error converting fieldPath: field label not supported: ", field_path)));
    return;
  }
  std::string internal = field_path == "spec.host" ? "spec.nodeName" : field_path;
  if (std::find(allowed.begin(), allowed.end(), internal) == allowed.end()) {
    errs.push_back(NotSupported(Child(path, "fieldPath"), internal, allowed));
  }
}

const std::vector<std::string> kContainerResourceFields = {
    "limits.cpu",   "limits.ephemeral-storage",   "limits.memory",
    "requests.cpu", "requests.ephemeral-storage", "requests.memory"};

void ResourceFieldSelector(const json& ref, const std::string& path, bool volume,
                           FieldErrors& errs) {
  std::string resource = Str(ref, "resource");
  if (volume && Str(ref, "containerName").empty()) {
    errs.push_back(Required(Child(path, "containerName")));
  } else if (resource.empty()) {
    errs.push_back(Required(Child(path, "resource")));
  } else if (std::find(kContainerResourceFields.begin(), kContainerResourceFields.end(),
                       resource) == kContainerResourceFields.end() &&
             resource.rfind("requests.hugepages-", 0) != 0 &&
             resource.rfind("limits.hugepages-", 0) != 0) {
    // sets.List sorts the expressions.
    errs.push_back(NotSupported(Child(path, "resource"), resource, kContainerResourceFields));
  }
}

const std::vector<std::string> kVolumeDownwardFields = {"metadata.annotations", "metadata.labels",
                                                        "metadata.name", "metadata.namespace",
                                                        "metadata.uid"};

void DownwardApiFile(const json& file, const std::string& path, FieldErrors& errs) {
  std::string p = Str(file, "path");
  if (p.empty()) errs.push_back(Required(Child(path, "path")));
  LocalNonReservedPath(p, Child(path, "path"), errs);
  if (Has(file, "fieldRef")) {
    ObjectFieldSelector(Get(file, "fieldRef"), kVolumeDownwardFields, Child(path, "fieldRef"),
                        errs);
    if (Has(file, "resourceFieldRef")) {
      errs.push_back(Invalid(path, "resource",
                             "fieldRef and resourceFieldRef can not be specified simultaneously"));
    }
  } else if (Has(file, "resourceFieldRef")) {
    ResourceFieldSelector(Get(file, "resourceFieldRef"), Child(path, "resourceFieldRef"), true,
                          errs);
  } else {
    errs.push_back(Required(path, "one of fieldRef and resourceFieldRef is required"));
  }
  FileMode(file, "mode", Child(path, "mode"), errs);
}

void ProjectedSources(const json& projected, const std::string& path, FieldErrors& errs) {
  std::set<std::string> paths;
  const json& sources = Get(projected, "sources");
  for (size_t i = 0; i < Size(sources); ++i) {
    const json& source = sources[i];
    std::string src_path = Index(Child(path, "sources"), i);
    int count = 0;
    for (const char* kind : {"secret", "configMap"}) {
      if (!Has(source, kind)) continue;
      ++count;
      const json& ref = Get(source, kind);
      std::string proj_path = Child(src_path, kind);
      if (Str(ref, "name").empty()) errs.push_back(Required(Child(proj_path, "name")));
      const json& items = Get(ref, "items");
      for (size_t j = 0; j < Size(items); ++j) {
        KeyToPath(items[j], Index(Child(proj_path, "items"), j), errs);
        std::string p = Str(items[j], "path");
        if (!p.empty() && !paths.insert(p).second) {
          errs.push_back(Invalid(path, Str(ref, "name"), "conflicting duplicate paths"));
        }
      }
    }
    if (Has(source, "downwardAPI")) {
      ++count;
      const json& items = Get(Get(source, "downwardAPI"), "items");
      for (size_t j = 0; j < Size(items); ++j) {
        DownwardApiFile(items[j], Child(src_path, "downwardAPI"), errs);
        std::string p = Str(items[j], "path");
        if (!p.empty() && !paths.insert(p).second) {
          errs.push_back(Invalid(path, p, "conflicting duplicate paths"));
        }
      }
    }
    if (Has(source, "serviceAccountToken")) {
      ++count;
      const json& token = Get(source, "serviceAccountToken");
      std::string token_path = Child(src_path, "serviceAccountToken");
      int64_t expiration = Int(token, "expirationSeconds").value_or(3600);
      if (expiration < 600) {
        errs.push_back(Invalid(Child(token_path, "expirationSeconds"), expiration,
                               "may not specify a duration less than 10 minutes"));
      }
      if (expiration > (int64_t{1} << 32)) {
        errs.push_back(Invalid(Child(token_path, "expirationSeconds"), expiration,
                               "may not specify a duration larger than 2^32 seconds"));
      }
      if (Str(token, "path").empty()) {
        errs.push_back(Required(Child(path, "path")));
      } else {
        LocalNonReservedPath(Str(token, "path"), Child(path, "path"), errs);
      }
    }
    if (Has(source, "clusterTrustBundle")) ++count;
    if (count > 1) {
      errs.push_back(Forbidden(src_path, "may not specify more than 1 volume type per source"));
    }
  }
}

// Volume source keys in upstream's check order, with the path upstream reports a second source
// under (note the upstream typo "downwarAPI" and "cephFS").
struct SourceKind {
  const char* key;
  const char* forbidden_as;
};
constexpr SourceKind kVolumeSources[] = {
    {"emptyDir", "emptyDir"},
    {"hostPath", "hostPath"},
    {"gitRepo", "gitRepo"},
    {"gcePersistentDisk", "gcePersistentDisk"},
    {"awsElasticBlockStore", "awsElasticBlockStore"},
    {"secret", "secret"},
    {"nfs", "nfs"},
    {"iscsi", "iscsi"},
    {"glusterfs", "glusterfs"},
    {"flocker", "flocker"},
    {"persistentVolumeClaim", "persistentVolumeClaim"},
    {"rbd", "rbd"},
    {"cinder", "cinder"},
    {"cephfs", "cephFS"},
    {"quobyte", "quobyte"},
    {"downwardAPI", "downwarAPI"},
    {"fc", "fc"},
    {"flexVolume", "flexVolume"},
    {"configMap", "configMap"},
    {"azureFile", "azureFile"},
    {"vsphereVolume", "vsphereVolume"},
    {"photonPersistentDisk", "photonPersistentDisk"},
    {"portworxVolume", "portworxVolume"},
    {"azureDisk", "azureDisk"},
    {"storageos", "storageos"},
    {"projected", "projected"},
    {"scaleIO", "scaleIO"},
    {"csi", "csi"},
    {"ephemeral", "ephemeral"},
    {"image", "image"},
};

void OneVolumeSource(const std::string& key, const json& source, const std::string& path,
                     FieldErrors& errs) {
  std::string p = Child(path, key);
  if (key == "emptyDir") {
    const json& limit = Get(source, "sizeLimit");
    if (!limit.is_null()) {
      std::optional<Quantity> q = ParseQuantity(limit);
      if (!q) {
        errs.push_back(Invalid(Child(p, "sizeLimit"), limit, kQuantityRegexMsg));
      } else if (q->nanos < 0) {
        errs.push_back(
            Forbidden(Child(p, "sizeLimit"), "SizeLimit field must be a valid resource quantity"));
      }
    }
  } else if (key == "hostPath") {
    std::string host_path = Str(source, "path");
    if (host_path.empty()) {
      errs.push_back(Required(Child(p, "path")));
      return;
    }
    PathNoBacksteps(host_path, Child(p, "path"), errs);
    if (Has(source, "type")) {
      static const std::vector<std::string> kTypes = {
          "",     "BlockDevice",  "CharDevice", "Directory", "DirectoryOrCreate",
          "File", "FileOrCreate", "Socket"};
      std::string type = Str(source, "type");
      if (std::find(kTypes.begin(), kTypes.end(), type) == kTypes.end()) {
        errs.push_back(NotSupported(Child(p, "type"), type, kTypes));
      }
    }
  } else if (key == "gitRepo") {
    if (Str(source, "repository").empty()) errs.push_back(Required(Child(p, "repository")));
    LocalDescendingPath(Str(source, "directory"), Child(p, "directory"), errs);
  } else if (key == "secret" || key == "configMap") {
    const char* name_key = key == "secret" ? "secretName" : "name";
    if (Str(source, name_key).empty()) errs.push_back(Required(Child(p, name_key)));
    FileMode(source, "defaultMode", Child(p, "defaultMode"), errs);
    const json& items = Get(source, "items");
    for (size_t i = 0; i < Size(items); ++i) {
      KeyToPath(items[i], Index(Child(p, "items"), i), errs);
    }
  } else if (key == "nfs") {
    if (Str(source, "server").empty()) errs.push_back(Required(Child(p, "server")));
    std::string nfs_path = Str(source, "path");
    if (nfs_path.empty()) errs.push_back(Required(Child(p, "path")));
    if (!IsAbsPath(nfs_path)) {
      errs.push_back(Invalid(Child(p, "path"), nfs_path, "must be an absolute path"));
    }
  } else if (key == "persistentVolumeClaim") {
    if (Str(source, "claimName").empty()) errs.push_back(Required(Child(p, "claimName")));
  } else if (key == "downwardAPI") {
    FileMode(source, "defaultMode", Child(p, "defaultMode"), errs);
    const json& items = Get(source, "items");
    for (size_t i = 0; i < Size(items); ++i) DownwardApiFile(items[i], p, errs);
  } else if (key == "projected") {
    FileMode(source, "defaultMode", Child(p, "defaultMode"), errs);
    ProjectedSources(source, p, errs);
  } else if (key == "csi") {
    std::string driver = Str(source, "driver");
    if (driver.empty()) {
      errs.push_back(Required(Child(p, "driver")));
    } else {
      if (driver.size() > 63) errs.push_back(TooLong(Child(p, "driver"), driver, 63));
      std::string lower = driver;
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return std::tolower(c); });
      for (std::string& msg : IsDns1123Subdomain(lower)) {
        errs.push_back(Invalid(Child(p, "driver"), driver, std::move(msg)));
      }
    }
    if (Has(source, "nodePublishSecretRef") &&
        Str(Get(source, "nodePublishSecretRef"), "name").empty()) {
      errs.push_back(Required(Child(Child(p, "nodePublishSecretRef"), "name")));
    }
  } else if (key == "ephemeral") {
    if (!Has(source, "volumeClaimTemplate")) {
      errs.push_back(Required(Child(p, "volumeClaimTemplate")));
    }
  }
}

// ValidateVolumes: returns the names of valid volumes (what volumeMounts may refer to).
std::map<std::string, std::string> ValidateVolumes(const json& volumes, const std::string& path,
                                                   FieldErrors& errs) {
  std::map<std::string, std::string> valid;  // name -> source kind
  for (size_t i = 0; i < Size(volumes); ++i) {
    const json& vol = volumes[i];
    std::string idx = Index(path, i);
    std::string name = Str(vol, "name");
    FieldErrors el;
    int count = 0;
    std::string kind;
    for (const SourceKind& source : kVolumeSources) {
      if (!Has(vol, source.key)) continue;
      if (count > 0) {
        el.push_back(
            Forbidden(Child(idx, source.forbidden_as), "may not specify more than 1 volume type"));
        continue;
      }
      ++count;
      kind = source.key;
      OneVolumeSource(source.key, Get(vol, source.key), idx, el);
    }
    if (count == 0) el.push_back(Required(idx, "must specify a volume type"));
    if (name.empty()) {
      el.push_back(Required(Child(idx, "name")));
    } else {
      for (std::string& msg : IsDns1123Label(name)) {
        el.push_back(Invalid(Child(idx, "name"), name, std::move(msg)));
      }
    }
    if (valid.count(name) > 0) el.push_back(Duplicate(Child(idx, "name"), name));
    if (el.empty()) {
      valid[name] = kind;
    } else {
      Append(errs, std::move(el));
    }
  }
  return valid;
}

// ---- containers ---------------------------------------------------------------------------------

void ContainerPorts(const json& ports, const std::string& path, FieldErrors& errs) {
  std::set<std::string> names;
  for (size_t i = 0; i < Size(ports); ++i) {
    const json& port = ports[i];
    std::string idx = Index(path, i);
    std::string name = Str(port, "name");
    if (!name.empty()) {
      std::vector<std::string> msgs = IsValidPortName(name);
      if (!msgs.empty()) {
        for (std::string& msg : msgs) errs.push_back(Invalid(Child(idx, "name"), name, msg));
      } else if (!names.insert(name).second) {
        errs.push_back(Duplicate(Child(idx, "name"), name));
      }
    }
    int64_t container_port = Int(port, "containerPort").value_or(0);
    if (container_port == 0) {
      errs.push_back(Required(Child(idx, "containerPort")));
    } else {
      for (std::string& msg : IsValidPortNum(container_port)) {
        errs.push_back(Invalid(Child(idx, "containerPort"), container_port, msg));
      }
    }
    int64_t host_port = Int(port, "hostPort").value_or(0);
    if (host_port != 0) {
      for (std::string& msg : IsValidPortNum(host_port)) {
        errs.push_back(Invalid(Child(idx, "hostPort"), host_port, msg));
      }
    }
    std::string protocol = Str(port, "protocol");
    if (protocol.empty()) {
      errs.push_back(Required(Child(idx, "protocol")));
    } else if (protocol != "TCP" && protocol != "UDP" && protocol != "SCTP") {
      errs.push_back(NotSupported(Child(idx, "protocol"), protocol, {"SCTP", "TCP", "UDP"}));
    }
  }
}

// validation.IsRelaxedEnvVarName (RelaxedEnvironmentVariableValidation is on by default in 1.32).
std::vector<std::string> IsRelaxedEnvVarName(std::string_view name) {
  std::vector<std::string> errs;
  if (name.empty()) errs.push_back("environment variable name must be non-empty");
  for (char c : name) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u > 127 || u < 0x20 || u == 0x7f || c == '=') {
      errs.push_back(
          "a valid environment variable name must consist only of printable ASCII "
          "characters other than '='");
      break;
    }
  }
  return errs;
}

void KeySelector(const json& ref, const std::string& path, FieldErrors& errs) {
  std::string name = Str(ref, "name");
  for (std::string& msg : ValidateName(name, NameRule::kDnsSubdomain, false)) {
    errs.push_back(Invalid(Child(path, "name"), name, std::move(msg)));
  }
  std::string key = Str(ref, "key");
  if (key.empty()) {
    errs.push_back(Required(Child(path, "key")));
  } else {
    for (std::string& msg : IsConfigMapKey(key)) {
      errs.push_back(Invalid(Child(path, "key"), key, std::move(msg)));
    }
  }
}

const std::vector<std::string> kEnvDownwardFields = {"metadata.name",
                                                     "metadata.namespace",
                                                     "metadata.uid",
                                                     "spec.nodeName",
                                                     "spec.serviceAccountName",
                                                     "status.hostIP",
                                                     "status.hostIPs",
                                                     "status.podIP",
                                                     "status.podIPs"};

void Env(const json& env, const std::string& path, FieldErrors& errs) {
  for (size_t i = 0; i < Size(env); ++i) {
    const json& ev = env[i];
    std::string idx = Index(path, i);
    std::string name = Str(ev, "name");
    if (name.empty()) {
      errs.push_back(Required(Child(idx, "name")));
    } else {
      for (std::string& msg : IsRelaxedEnvVarName(name)) {
        errs.push_back(Invalid(Child(idx, "name"), name, std::move(msg)));
      }
    }
    if (!Has(ev, "valueFrom")) continue;
    const json& from = Get(ev, "valueFrom");
    std::string from_path = Child(idx, "valueFrom");
    int sources = 0;
    if (Has(from, "fieldRef")) {
      ++sources;
      ObjectFieldSelector(Get(from, "fieldRef"), kEnvDownwardFields, Child(from_path, "fieldRef"),
                          errs);
    }
    if (Has(from, "resourceFieldRef")) {
      ++sources;
      ResourceFieldSelector(Get(from, "resourceFieldRef"), Child(from_path, "resourceFieldRef"),
                            false, errs);
    }
    if (Has(from, "configMapKeyRef")) {
      ++sources;
      KeySelector(Get(from, "configMapKeyRef"), Child(from_path, "configMapKeyRef"), errs);
    }
    if (Has(from, "secretKeyRef")) {
      ++sources;
      KeySelector(Get(from, "secretKeyRef"), Child(from_path, "secretKeyRef"), errs);
    }
    if (sources == 0) {
      errs.push_back(Invalid(from_path, "",
                             "must specify one of: `fieldRef`, `resourceFieldRef`, "
                             "`configMapKeyRef` or `secretKeyRef`"));
    } else if (!Str(ev, "value").empty()) {
      errs.push_back(Invalid(from_path, "", "may not be specified when `value` is not empty"));
    } else if (sources > 1) {
      errs.push_back(
          Invalid(from_path, "", "may not have more than one field specified at a time"));
    }
  }
}

void EnvFrom(const json& env_from, const std::string& path, FieldErrors& errs) {
  for (size_t i = 0; i < Size(env_from); ++i) {
    const json& ev = env_from[i];
    std::string idx = Index(path, i);
    std::string prefix = Str(ev, "prefix");
    if (!prefix.empty()) {
      for (std::string& msg : IsRelaxedEnvVarName(prefix)) {
        errs.push_back(Invalid(Child(idx, "prefix"), prefix, std::move(msg)));
      }
    }
    int sources = 0;
    for (const char* kind : {"configMapRef", "secretRef"}) {
      if (!Has(ev, kind)) continue;
      ++sources;
      std::string name = Str(Get(ev, kind), "name");
      std::string name_path = Child(Child(idx, kind), "name");
      if (name.empty()) {
        errs.push_back(Required(name_path));
      } else {
        for (std::string& msg : ValidateName(name, NameRule::kDnsSubdomain, true)) {
          errs.push_back(Invalid(name_path, name, std::move(msg)));
        }
      }
    }
    if (sources == 0) {
      errs.push_back(Invalid(path, "", "must specify one of: `configMapRef` or `secretRef`"));
    } else if (sources > 1) {
      errs.push_back(Invalid(path, "", "may not have more than one field specified at a time"));
    }
  }
}

void VolumeMounts(const json& container, const std::map<std::string, std::string>& volumes,
                  const std::string& path, FieldErrors& errs) {
  const json& mounts = Get(container, "volumeMounts");
  std::map<std::string, std::string> devices;  // name -> devicePath
  const json& device_list = Get(container, "volumeDevices");
  for (size_t i = 0; i < Size(device_list); ++i) {
    devices[Str(device_list[i], "name")] = Str(device_list[i], "devicePath");
  }
  std::set<std::string> mount_points;
  for (size_t i = 0; i < Size(mounts); ++i) {
    const json& mnt = mounts[i];
    std::string idx = Index(path, i);
    std::string name = Str(mnt, "name");
    std::string mount_path = Str(mnt, "mountPath");
    if (name.empty()) errs.push_back(Required(Child(idx, "name")));
    if (volumes.count(name) == 0) errs.push_back(NotFound(Child(idx, "name"), name));
    if (mount_path.empty()) errs.push_back(Required(Child(idx, "mountPath")));
    if (!mount_points.insert(mount_path).second) {
      errs.push_back(Invalid(Child(idx, "mountPath"), mount_path, "must be unique"));
    }
    if (devices.count(name) > 0) {
      errs.push_back(Invalid(Child(idx, "name"), name, "must not already exist in volumeDevices"));
    }
    for (const auto& [dev_name, dev_path] : devices) {
      if (dev_path == mount_path) {
        errs.push_back(Invalid(Child(idx, "mountPath"), mount_path,
                               "must not already exist as a path in volumeDevices"));
        break;
      }
    }
    std::string sub_path = Str(mnt, "subPath");
    std::string sub_path_expr = Str(mnt, "subPathExpr");
    // Upstream reports these under the list path, not the item path.
    if (!sub_path.empty()) LocalDescendingPath(sub_path, Child(path, "subPath"), errs);
    if (!sub_path_expr.empty()) {
      if (!sub_path.empty()) {
        errs.push_back(Invalid(Child(idx, "subPathExpr"), sub_path_expr,
                               "subPathExpr and subPath are mutually exclusive"));
      }
      LocalDescendingPath(sub_path_expr, Child(path, "subPathExpr"), errs);
    }
    if (Has(mnt, "mountPropagation")) {
      std::string propagation = Str(mnt, "mountPropagation");
      if (propagation != "Bidirectional" && propagation != "HostToContainer" &&
          propagation != "None") {
        errs.push_back(NotSupported(Child(path, "mountPropagation"), propagation,
                                    {"Bidirectional", "HostToContainer", "None"}));
      }
      if (propagation == "Bidirectional" &&
          !IsTrue(Get(container, "securityContext"), "privileged")) {
        errs.push_back(Forbidden(Child(path, "mountPropagation"),
                                 "Bidirectional mount propagation is available only to "
                                 "privileged containers"));
      }
    }
  }
}

void PullPolicy(const json& container, const std::string& path, FieldErrors& errs) {
  std::string policy = Str(container, "imagePullPolicy");
  if (policy == "Always" || policy == "IfNotPresent" || policy == "Never") return;
  if (policy.empty()) {
    errs.push_back(Required(path));
  } else {
    errs.push_back(NotSupported(path, policy, {"Always", "IfNotPresent", "Never"}));
  }
}

bool IsNativeResource(std::string_view name) {
  return name.find('/') == std::string_view::npos ||
         name.find("kubernetes.io/") != std::string_view::npos;
}
bool IsHugePages(std::string_view name) { return name.rfind("hugepages-", 0) == 0; }

bool IsIntegerResource(std::string_view name) {
  static const std::set<std::string_view> kInteger = {"pods",
                                                      "services",
                                                      "replicationcontrollers",
                                                      "resourcequotas",
                                                      "secrets",
                                                      "configmaps",
                                                      "persistentvolumeclaims",
                                                      "services.nodeports",
                                                      "services.loadbalancers"};
  if (kInteger.count(name) > 0 || name.rfind("count/", 0) == 0) return true;
  // Extended resources (domain-prefixed, not native) are integers.
  return !IsNativeResource(name) && name.rfind("requests.", 0) != 0;
}

void ContainerResourceName(const std::string& name, const std::string& path, FieldErrors& errs) {
  FieldErrors name_errs;
  for (std::string& msg : IsQualifiedName(name)) {
    name_errs.push_back(Invalid(path, name, std::move(msg)));
  }
  if (!name_errs.empty()) {
    Append(errs, std::move(name_errs));
    return;
  }
  if (name.find('/') == std::string::npos) {
    if (name != "cpu" && name != "memory" && name != "ephemeral-storage" && !IsHugePages(name)) {
      errs.push_back(Invalid(path, name, "must be a standard resource for containers"));
    }
  } else if (!IsNativeResource(name)) {
    if (!IsQualifiedName("requests." + name).empty()) {
      errs.push_back(Invalid(path, name, "doesn't follow extended resource name standard"));
    }
  }
}

// ValidateContainerResourceRequirements; keys in sorted order (upstream iterates a Go map).
void Resources(const json& resources, const std::string& path, FieldErrors& errs) {
  const json& limits = Get(resources, "limits");
  const json& requests = Get(resources, "requests");
  std::string lim_path = Child(path, "limits");
  std::string req_path = Child(path, "requests");
  bool cpu_or_memory = false;
  bool huge_pages = false;
  std::map<std::string, Quantity> parsed_limits;
  for (auto it = limits.begin(); limits.is_object() && it != limits.end(); ++it) {
    std::string p = Key(lim_path, it.key());
    ContainerResourceName(it.key(), p, errs);
    std::optional<Quantity> q = ParseQuantity(*it);
    if (!q) {
      errs.push_back(Invalid(p, *it, kQuantityRegexMsg));
      continue;
    }
    if (q->nanos < 0) errs.push_back(Invalid(p, q->canonical, kNonNegativeMsg));
    if (IsIntegerResource(it.key()) && !q->IsInteger()) {
      errs.push_back(Invalid(p, q->canonical, "must be an integer"));
    }
    parsed_limits[it.key()] = *q;
    huge_pages = huge_pages || IsHugePages(it.key());
    cpu_or_memory = cpu_or_memory || it.key() == "cpu" || it.key() == "memory";
  }
  for (auto it = requests.begin(); requests.is_object() && it != requests.end(); ++it) {
    std::string p = Key(req_path, it.key());
    ContainerResourceName(it.key(), p, errs);
    std::optional<Quantity> q = ParseQuantity(*it);
    if (!q) {
      errs.push_back(Invalid(p, *it, kQuantityRegexMsg));
      continue;
    }
    if (q->nanos < 0) errs.push_back(Invalid(p, q->canonical, kNonNegativeMsg));
    if (IsIntegerResource(it.key()) && !q->IsInteger()) {
      errs.push_back(Invalid(p, q->canonical, "must be an integer"));
    }
    bool overcommit = IsNativeResource(it.key()) && !IsHugePages(it.key());
    auto limit = parsed_limits.find(it.key());
    if (limit != parsed_limits.end()) {
      if (q->Compare(limit->second) != 0 && !overcommit) {
        errs.push_back(
            Invalid(req_path, q->canonical,
                    StrCat("must be equal to ", it.key(), " limit of ", limit->second.canonical)));
      } else if (q->Compare(limit->second) > 0) {
        errs.push_back(Invalid(req_path, q->canonical,
                               StrCat("must be less than or equal to ", it.key(), " limit of ",
                                      limit->second.canonical)));
      }
    } else if (!overcommit && limits.find(it.key()) == limits.end()) {
      errs.push_back(Required(lim_path, "Limit must be set for non overcommitable resources"));
    }
    huge_pages = huge_pages || IsHugePages(it.key());
    cpu_or_memory = cpu_or_memory || it.key() == "cpu" || it.key() == "memory";
  }
  if (!cpu_or_memory && huge_pages) {
    errs.push_back(Forbidden(path, "HugePages require cpu or memory"));
  }
}

void PortNumOrName(const json& port, const std::string& path, FieldErrors& errs) {
  if (port.is_string()) {
    for (std::string& msg : IsValidPortName(port.get<std::string>())) {
      errs.push_back(Invalid(path, port, std::move(msg)));
    }
  } else {
    int64_t value = port.is_number() ? port.get<int64_t>() : 0;
    for (std::string& msg : IsValidPortNum(value)) errs.push_back(Invalid(path, value, msg));
  }
}

// validateHandler over the handler kinds `kinds` (probes have no sleep, lifecycle no grpc).
void Handler(const json& handler, const std::vector<const char*>& kinds,
             std::optional<int64_t> grace, const std::string& path, FieldErrors& errs) {
  int count = 0;
  for (const char* kind : kinds) {
    if (!Has(handler, kind)) continue;
    std::string p = Child(path, kind);
    if (count > 0) {
      errs.push_back(Forbidden(p, "may not specify more than 1 handler type"));
      continue;
    }
    ++count;
    const json& action = Get(handler, kind);
    std::string k = kind;
    if (k == "exec") {
      if (Size(Get(action, "command")) == 0) errs.push_back(Required(Child(p, "command")));
    } else if (k == "httpGet") {
      // path and scheme are defaulted ("/", "HTTP") by the v1 defaulting.
      if (Has(action, "path") && Str(action, "path").empty()) {
        errs.push_back(Required(Child(p, "path")));
      }
      PortNumOrName(Get(action, "port"), Child(p, "port"), errs);
      std::string scheme = Has(action, "scheme") ? Str(action, "scheme") : "HTTP";
      if (scheme != "HTTP" && scheme != "HTTPS") {
        errs.push_back(NotSupported(Child(p, "scheme"), scheme, {"HTTP", "HTTPS"}));
      }
    } else if (k == "tcpSocket") {
      PortNumOrName(Get(action, "port"), Child(p, "port"), errs);
    } else if (k == "grpc") {
      PortNumOrName(Int(action, "port").value_or(0), Child(p, "port"), errs);
    } else if (k == "sleep") {
      int64_t seconds = Int(action, "seconds").value_or(0);
      if (grace && (seconds <= 0 || seconds > *grace)) {
        errs.push_back(Invalid(
            p, seconds,
            StrCat("must be greater than 0 and less than terminationGracePeriodSeconds (", *grace,
                   "). Enable AllowPodLifecycleSleepActionZeroValue feature gate for zero "
                   "sleep.")));
      }
    }
  }
  if (count == 0) errs.push_back(Required(path, "must specify a handler type"));
}

enum class ProbeKind { kLiveness, kReadiness, kStartup };

void Probe(const json& container, const char* key, ProbeKind kind, std::optional<int64_t> grace,
           const std::string& container_path, FieldErrors& errs) {
  if (!Has(container, key)) return;
  const json& probe = Get(container, key);
  std::string path = Child(container_path, key);
  Handler(probe, {"exec", "httpGet", "tcpSocket", "grpc"}, grace, path, errs);
  for (const char* field : {"initialDelaySeconds", "timeoutSeconds", "periodSeconds",
                            "successThreshold", "failureThreshold"}) {
    NonNegative(probe, field, Child(path, field), errs);
  }
  std::optional<int64_t> probe_grace = Int(probe, "terminationGracePeriodSeconds");
  if (probe_grace && *probe_grace <= 0) {
    errs.push_back(Invalid(Child(path, "terminationGracePeriodSeconds"), *probe_grace,
                           "must be greater than 0"));
  }
  if (kind == ProbeKind::kReadiness) {
    if (probe_grace) {
      errs.push_back(Invalid(Child(path, "terminationGracePeriodSeconds"), *probe_grace,
                             "must not be set for readinessProbes"));
    }
  } else {
    int64_t success = Int(probe, "successThreshold").value_or(1);
    if (success != 1) {
      errs.push_back(Invalid(Child(path, "successThreshold"), success, "must be 1"));
    }
  }
}

void Lifecycle(const json& container, std::optional<int64_t> grace, const std::string& path,
               FieldErrors& errs) {
  if (!Has(container, "lifecycle")) return;
  const json& lifecycle = Get(container, "lifecycle");
  for (const char* hook : {"postStart", "preStop"}) {
    if (Has(lifecycle, hook)) {
      Handler(Get(lifecycle, hook), {"exec", "httpGet", "tcpSocket", "sleep"}, grace,
              Child(Child(path, "lifecycle"), hook), errs);
    }
  }
}

void UserOrGroupId(const json& object, const char* key, const std::string& path,
                   FieldErrors& errs) {
  std::optional<int64_t> id = Int(object, key);
  if (id && (*id < 0 || *id > kMaxInt32)) {
    errs.push_back(Invalid(path, *id, InclusiveRangeError(0, kMaxInt32)));
  }
}

void SeccompProfile(const json& sc, const std::string& path, FieldErrors& errs) {
  if (!Has(sc, "seccompProfile")) return;
  const json& profile = Get(sc, "seccompProfile");
  std::string type = Str(profile, "type");
  if (type.empty()) {
    errs.push_back(Required(Child(path, "type"), "type is required when seccompProfile is set"));
  } else if (type != "Localhost" && type != "RuntimeDefault" && type != "Unconfined") {
    errs.push_back(
        NotSupported(Child(path, "type"), type, {"Localhost", "RuntimeDefault", "Unconfined"}));
  }
  if (type == "Localhost") {
    if (!Has(profile, "localhostProfile")) {
      errs.push_back(
          Required(Child(path, "localhostProfile"), "must be set when seccomp type is Localhost"));
    } else {
      LocalDescendingPath(Str(profile, "localhostProfile"), Child(path, "localhostProfile"), errs);
    }
  } else if (Has(profile, "localhostProfile")) {
    errs.push_back(Invalid(Child(path, "localhostProfile"), profile,
                           "can only be set when seccomp type is Localhost"));
  }
}

void ContainerSecurityContext(const json& container, bool host_users, const std::string& path,
                              FieldErrors& errs) {
  if (!Has(container, "securityContext")) return;
  const json& sc = Get(container, "securityContext");
  UserOrGroupId(sc, "runAsUser", Child(path, "runAsUser"), errs);
  UserOrGroupId(sc, "runAsGroup", Child(path, "runAsGroup"), errs);
  if (Has(sc, "procMount")) {
    std::string proc_mount = Str(sc, "procMount");
    if (proc_mount != "Default" && proc_mount != "Unmasked") {
      errs.push_back(NotSupported(Child(path, "procMount"), proc_mount, {"Default", "Unmasked"}));
    }
    if (host_users && proc_mount == "Unmasked") {
      errs.push_back(Invalid(Child(path, "procMount"), proc_mount,
                             "`hostUsers` must be false to use `Unmasked`"));
    }
  }
  SeccompProfile(sc, Child(path, "seccompProfile"), errs);
  const json& escalation = Get(sc, "allowPrivilegeEscalation");
  if (escalation.is_boolean() && !escalation.get<bool>()) {
    if (IsTrue(sc, "privileged")) {
      errs.push_back(Invalid(path, sc,
                             "cannot set `allowPrivilegeEscalation` to false and `privileged` to "
                             "true"));
    }
    for (const json& cap : Get(Get(sc, "capabilities"), "add")) {
      if (cap == "CAP_SYS_ADMIN") {
        errs.push_back(Invalid(path, sc,
                               "cannot set `allowPrivilegeEscalation` to false and "
                               "`capabilities.Add` CAP_SYS_ADMIN"));
      }
    }
  }
}

struct PodContext {
  std::map<std::string, std::string> volumes;
  std::optional<int64_t> grace;
  bool host_users = true;
};

// validateContainerCommon.
void ContainerCommon(const json& c, const PodContext& pod, const std::string& path,
                     FieldErrors& errs) {
  std::string name = Str(c, "name");
  if (name.empty()) {
    errs.push_back(Required(Child(path, "name")));
  } else {
    for (std::string& msg : IsDns1123Label(name)) {
      errs.push_back(Invalid(Child(path, "name"), name, std::move(msg)));
    }
  }
  if (Str(c, "image").empty()) errs.push_back(Required(Child(path, "image")));
  std::string tmp = Str(c, "terminationMessagePolicy");
  if (tmp.empty()) {
    errs.push_back(Required(Child(path, "terminationMessagePolicy")));
  } else if (tmp != "File" && tmp != "FallbackToLogsOnError") {
    errs.push_back(NotSupported(Child(path, "terminationMessagePolicy"), tmp,
                                {"File", "FallbackToLogsOnError"}));
  }
  ContainerPorts(Get(c, "ports"), Child(path, "ports"), errs);
  Env(Get(c, "env"), Child(path, "env"), errs);
  EnvFrom(Get(c, "envFrom"), Child(path, "envFrom"), errs);
  VolumeMounts(c, pod.volumes, Child(path, "volumeMounts"), errs);
  PullPolicy(c, Child(path, "imagePullPolicy"), errs);
  Resources(Get(c, "resources"), Child(path, "resources"), errs);
  ContainerSecurityContext(c, pod.host_users, Child(path, "securityContext"), errs);
}

// checkHostPortConflicts over `indices` of `containers`.
void HostPortConflicts(const json& containers, const std::vector<size_t>& indices,
                       const std::string& path, FieldErrors& errs) {
  std::set<std::string> seen;
  for (size_t ci : indices) {
    const json& ports = Get(containers[ci], "ports");
    for (size_t pi = 0; pi < Size(ports); ++pi) {
      int64_t host_port = Int(ports[pi], "hostPort").value_or(0);
      if (host_port == 0) continue;
      std::string key =
          StrCat(Str(ports[pi], "protocol"), "/", Str(ports[pi], "hostIP"), "/", host_port);
      if (!seen.insert(key).second) {
        errs.push_back(
            Duplicate(Child(Index(Child(Index(path, ci), "ports"), pi), "hostPort"), key));
      }
    }
  }
}

void Containers(const json& containers, const PodContext& pod, const std::string& path,
                FieldErrors& errs) {
  if (Size(containers) == 0) {
    errs.push_back(Required(path));
    return;
  }
  std::set<std::string> names;
  std::vector<size_t> all;
  for (size_t i = 0; i < containers.size(); ++i) {
    const json& c = containers[i];
    std::string p = Index(path, i);
    ContainerCommon(c, pod, p, errs);
    std::string name = Str(c, "name");
    if (!names.insert(name).second) errs.push_back(Duplicate(Child(p, "name"), name));
    Lifecycle(c, pod.grace, p, errs);
    Probe(c, "livenessProbe", ProbeKind::kLiveness, pod.grace, p, errs);
    Probe(c, "readinessProbe", ProbeKind::kReadiness, pod.grace, p, errs);
    Probe(c, "startupProbe", ProbeKind::kStartup, pod.grace, p, errs);
    if (Has(c, "restartPolicy")) {
      errs.push_back(
          Forbidden(Child(p, "restartPolicy"), "may not be set for non-init containers"));
    }
    all.push_back(i);
  }
  HostPortConflicts(containers, all, path, errs);
}

void InitContainers(const json& init, const json& regular, const PodContext& pod,
                    const std::string& path, FieldErrors& errs) {
  std::set<std::string> names;
  for (size_t i = 0; i < Size(regular); ++i) names.insert(Str(regular[i], "name"));
  for (size_t i = 0; i < Size(init); ++i) {
    const json& c = init[i];
    std::string p = Index(path, i);
    ContainerCommon(c, pod, p, errs);
    bool restart_always = false;
    if (Has(c, "restartPolicy")) {
      std::string policy = Str(c, "restartPolicy");
      if (policy != "Always") {
        errs.push_back(NotSupported(Child(p, "restartPolicy"), policy, {"Always"}));
      }
      restart_always = policy == "Always";
    }
    std::string name = Str(c, "name");
    if (names.count(name) > 0) {
      errs.push_back(Duplicate(Child(p, "name"), name));
    } else if (!name.empty()) {
      names.insert(name);
    }
    HostPortConflicts(init, {i}, path, errs);
    if (restart_always) {
      Lifecycle(c, pod.grace, p, errs);
      Probe(c, "livenessProbe", ProbeKind::kLiveness, pod.grace, p, errs);
      Probe(c, "readinessProbe", ProbeKind::kReadiness, pod.grace, p, errs);
      Probe(c, "startupProbe", ProbeKind::kStartup, pod.grace, p, errs);
    } else {
      for (const char* field : {"lifecycle", "livenessProbe", "readinessProbe", "startupProbe"}) {
        if (Has(c, field)) {
          errs.push_back(Forbidden(Child(p, field),
                                   "may not be set for init containers without "
                                   "restartPolicy=Always"));
        }
      }
    }
    if (Size(Get(c, "resizePolicy")) > 0) {
      errs.push_back(Invalid(Child(p, "resizePolicy"), Get(c, "resizePolicy"),
                             "must not be set for init "
                             "containers"));
    }
  }
}

std::string ImageWithoutSpaceError(const std::string& image) {
  size_t begin = image.find_first_not_of(" \t\n\r\v\f");
  size_t end = image.find_last_not_of(" \t\n\r\v\f");
  std::string trimmed =
      begin == std::string::npos ? std::string() : image.substr(begin, end - begin + 1);
  return trimmed.size() == image.size() ? "" : "must not have leading or trailing whitespace";
}

void EphemeralContainers(const json& spec, const PodContext& pod, const std::string& path,
                         FieldErrors& errs) {
  const json& ephemeral = Get(spec, "ephemeralContainers");
  if (Size(ephemeral) == 0) return;
  std::set<std::string> others;
  for (const char* list : {"containers", "initContainers"}) {
    const json& items = Get(spec, list);
    for (size_t i = 0; i < Size(items); ++i) others.insert(Str(items[i], "name"));
  }
  std::set<std::string> all = others;
  // Fields an ephemeral container may not set, in Container struct order.
  static const char* kDisallowed[] = {"ports",         "resources",     "resizePolicy",
                                      "restartPolicy", "livenessProbe", "readinessProbe",
                                      "startupProbe",  "lifecycle"};
  for (size_t i = 0; i < ephemeral.size(); ++i) {
    const json& c = ephemeral[i];
    std::string p = Index(path, i);
    ContainerCommon(c, pod, p, errs);
    std::string image = Str(c, "image");
    if (std::string msg = ImageWithoutSpaceError(image); !msg.empty()) {
      errs.push_back(Invalid(Child(p, "image"), image, msg));
    }
    std::string name = Str(c, "name");
    if (all.count(name) > 0) {
      errs.push_back(Duplicate(Child(p, "name"), name));
    } else {
      all.insert(name);
    }
    std::string target = Str(c, "targetContainerName");
    if (!target.empty() && others.count(target) == 0) {
      errs.push_back(NotFound(Child(p, "targetContainerName"), target));
    }
    for (const char* field : kDisallowed) {
      const json& v = Get(c, field);
      bool set = !v.is_null() && !((v.is_object() || v.is_array()) && v.empty());
      if (set)
        errs.push_back(Forbidden(Child(p, field), "cannot be set for an Ephemeral Container"));
    }
    const json& mounts = Get(c, "volumeMounts");
    for (size_t m = 0; m < Size(mounts); ++m) {
      for (const char* field : {"subPath", "subPathExpr"}) {
        if (!Str(mounts[m], field).empty()) {
          errs.push_back(Forbidden(Child(Index(Child(p, "volumeMounts"), m), field),
                                   "cannot be set for an Ephemeral Container"));
        }
      }
    }
  }
}

// ---- pod-level fields ---------------------------------------------------------------------------

void Tolerations(const json& tolerations, const std::string& path, FieldErrors& errs) {
  for (size_t i = 0; i < Size(tolerations); ++i) {
    const json& t = tolerations[i];
    std::string idx = Index(path, i);
    std::string key = Str(t, "key");
    std::string op = Str(t, "operator");
    std::string value = Str(t, "value");
    std::string effect = Str(t, "effect");
    if (!key.empty()) ValidateLabelName(key, Child(idx, "key"), errs);
    if (key.empty() && op != "Exists") {
      errs.push_back(Invalid(Child(idx, "operator"), op,
                             "operator must be Exists when `key` is empty, which means \"match "
                             "all values and all keys\""));
    }
    if (Has(t, "tolerationSeconds") && effect != "NoExecute") {
      errs.push_back(Invalid(Child(idx, "effect"), effect,
                             "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    if (op == "Equal" || op.empty()) {
      std::vector<std::string> msgs = IsValidLabelValue(value);
      if (!msgs.empty()) {
        errs.push_back(Invalid(Child(idx, "operator"), value, absl::StrJoin(msgs, ";")));
      }
    } else if (op == "Exists") {
      if (!value.empty()) {
        errs.push_back(Invalid(Child(idx, "operator"), value,
                               "value must be empty when `operator` is 'Exists'"));
      }
    } else {
      errs.push_back(NotSupported(Child(idx, "operator"), op, {"Equal", "Exists"}));
    }
    if (!effect.empty() && effect != "NoSchedule" && effect != "PreferNoSchedule" &&
        effect != "NoExecute") {
      errs.push_back(NotSupported(Child(idx, "effect"), effect,
                                  {"NoSchedule", "PreferNoSchedule", "NoExecute"}));
    }
  }
}

void NodeSelectorRequirement(const json& req, const std::string& path, FieldErrors& errs) {
  std::string op = Str(req, "operator");
  size_t values = Size(Get(req, "values"));
  if (op == "In" || op == "NotIn") {
    if (values == 0) {
      errs.push_back(
          Required(Child(path, "values"), "must be specified when `operator` is 'In' or 'NotIn'"));
    }
  } else if (op == "Exists" || op == "DoesNotExist") {
    if (values > 0) {
      errs.push_back(Forbidden(Child(path, "values"),
                               "may not be specified when `operator` is 'Exists' or "
                               "'DoesNotExist'"));
    }
  } else if (op == "Gt" || op == "Lt") {
    if (values != 1) {
      errs.push_back(Required(Child(path, "values"),
                              "must be specified single value when `operator` is 'Lt' or 'Gt'"));
    }
  } else {
    errs.push_back(Invalid(Child(path, "operator"), op, "not a valid selector operator"));
  }
  ValidateLabelName(Str(req, "key"), Child(path, "key"), errs);
}

void NodeSelectorTerm(const json& term, bool check_values, const std::string& path,
                      FieldErrors& errs) {
  const json& exprs = Get(term, "matchExpressions");
  for (size_t j = 0; j < Size(exprs); ++j) {
    std::string p = Index(Child(path, "matchExpressions"), j);
    NodeSelectorRequirement(exprs[j], p, errs);
    const json& values = Get(exprs[j], "values");
    for (size_t v = 0; check_values && v < Size(values); ++v) {
      std::string value = values[v].is_string() ? values[v].get<std::string>() : "";
      for (std::string& msg : IsValidLabelValue(value)) {
        errs.push_back(Invalid(Index(Child(p, "values"), v), value, std::move(msg)));
      }
    }
  }
  const json& fields = Get(term, "matchFields");
  for (size_t j = 0; j < Size(fields); ++j) {
    const json& req = fields[j];
    std::string p = Index(Child(path, "matchFields"), j);
    std::string op = Str(req, "operator");
    if (op == "In" || op == "NotIn") {
      if (Size(Get(req, "values")) != 1) {
        errs.push_back(Required(Child(p, "values"),
                                "must be only one value when `operator` is 'In' or 'NotIn' for "
                                "node field selector"));
      }
    } else {
      errs.push_back(Invalid(Child(p, "operator"), op, "not a valid selector operator"));
    }
    if (Str(req, "key") != "metadata.name") {
      errs.push_back(Invalid(Child(p, "key"), Str(req, "key"), "not a valid field selector key"));
    } else {
      const json& values = Get(req, "values");
      for (size_t v = 0; v < Size(values); ++v) {
        std::string value = values[v].is_string() ? values[v].get<std::string>() : "";
        for (std::string& msg : IsDns1123Subdomain(value)) {
          errs.push_back(Invalid(Index(Child(p, "values"), v), value, std::move(msg)));
        }
      }
    }
  }
}

void PodAffinityTerm(const json& term, const std::string& path, FieldErrors& errs) {
  ValidateLabelSelector(Get(term, "labelSelector"), Child(path, "labelSelector"), errs);
  ValidateLabelSelector(Get(term, "namespaceSelector"), Child(path, "namespaceSelector"), errs);
  for (const json& ns : Get(term, "namespaces")) {
    std::string name = ns.is_string() ? ns.get<std::string>() : "";
    for (std::string& msg : IsDns1123Label(name)) {
      errs.push_back(Invalid(Child(path, "namespace"), name, std::move(msg)));
    }
  }
  std::string topology = Str(term, "topologyKey");
  if (topology.empty()) {
    errs.push_back(Required(Child(path, "topologyKey"), "can not be empty"));
  }
  ValidateLabelName(topology, Child(path, "topologyKey"), errs);
}

void Affinity(const json& affinity, const std::string& path, FieldErrors& errs) {
  if (!affinity.is_object()) return;
  const json& node = Get(affinity, "nodeAffinity");
  std::string node_path = Child(path, "nodeAffinity");
  if (Has(node, "requiredDuringSchedulingIgnoredDuringExecution")) {
    std::string p = Child(Child(node_path, "requiredDuringSchedulingIgnoredDuringExecution"),
                          "nodeSelectorTerms");
    const json& terms =
        Get(Get(node, "requiredDuringSchedulingIgnoredDuringExecution"), "nodeSelectorTerms");
    if (Size(terms) == 0) {
      errs.push_back(Required(p, "must have at least one node selector term"));
    }
    for (size_t i = 0; i < Size(terms); ++i) NodeSelectorTerm(terms[i], true, Index(p, i), errs);
  }
  const json& preferred = Get(node, "preferredDuringSchedulingIgnoredDuringExecution");
  for (size_t i = 0; i < Size(preferred); ++i) {
    std::string p = Index(Child(node_path, "preferredDuringSchedulingIgnoredDuringExecution"), i);
    int64_t weight = Int(preferred[i], "weight").value_or(0);
    if (weight <= 0 || weight > 100) {
      errs.push_back(Invalid(Child(p, "weight"), weight, "must be in the range 1-100"));
    }
    NodeSelectorTerm(Get(preferred[i], "preference"), false, Child(p, "preference"), errs);
  }
  for (const char* kind : {"podAffinity", "podAntiAffinity"}) {
    const json& pa = Get(affinity, kind);
    std::string pa_path = Child(path, kind);
    const json& required = Get(pa, "requiredDuringSchedulingIgnoredDuringExecution");
    for (size_t i = 0; i < Size(required); ++i) {
      PodAffinityTerm(required[i],
                      Index(Child(pa_path, "requiredDuringSchedulingIgnoredDuringExecution"), i),
                      errs);
    }
    const json& weighted = Get(pa, "preferredDuringSchedulingIgnoredDuringExecution");
    for (size_t i = 0; i < Size(weighted); ++i) {
      std::string p = Index(Child(pa_path, "preferredDuringSchedulingIgnoredDuringExecution"), i);
      int64_t weight = Int(weighted[i], "weight").value_or(0);
      if (weight <= 0 || weight > 100) {
        errs.push_back(Invalid(Child(p, "weight"), weight, "must be in the range 1-100"));
      }
      PodAffinityTerm(Get(weighted[i], "podAffinityTerm"), Child(p, "podAffinityTerm"), errs);
    }
  }
}

void PodSecurityContext(const json& spec, const std::string& path, FieldErrors& errs) {
  if (!Has(spec, "securityContext")) return;
  const json& sc = Get(spec, "securityContext");
  UserOrGroupId(sc, "fsGroup", Child(path, "fsGroup"), errs);
  UserOrGroupId(sc, "runAsUser", Child(path, "runAsUser"), errs);
  UserOrGroupId(sc, "runAsGroup", Child(path, "runAsGroup"), errs);
  const json& groups = Get(sc, "supplementalGroups");
  for (size_t i = 0; i < Size(groups); ++i) {
    int64_t gid = groups[i].is_number() ? groups[i].get<int64_t>() : 0;
    if (gid < 0 || gid > kMaxInt32) {
      errs.push_back(Invalid(Index(Child(path, "supplementalGroups"), i), gid,
                             InclusiveRangeError(0, kMaxInt32)));
    }
  }
  // hostPID lives in the pod spec in v1 (in the security context internally).
  if (IsTrue(spec, "shareProcessNamespace") && IsTrue(spec, "hostPID")) {
    errs.push_back(Invalid(Child(path, "shareProcessNamespace"), true,
                           "ShareProcessNamespace and HostPID cannot both be enabled"));
  }
  const json& sysctls = Get(sc, "sysctls");
  std::set<std::string> names;
  for (size_t i = 0; i < Size(sysctls); ++i) {
    std::string name = Str(sysctls[i], "name");
    std::string p = Child(Index(Child(path, "sysctls"), i), "name");
    if (name.empty()) {
      errs.push_back(Required(p));
    } else if (names.count(name) > 0) {
      errs.push_back(Duplicate(p, name));
    }
    names.insert(name);
  }
  if (Has(sc, "fsGroupChangePolicy")) {
    std::string policy = Str(sc, "fsGroupChangePolicy");
    if (policy != "OnRootMismatch" && policy != "Always") {
      errs.push_back(
          NotSupported(Child(path, "fsGroupChangePolicy"), policy, {"Always", "OnRootMismatch"}));
    }
  }
  SeccompProfile(sc, Child(path, "seccompProfile"), errs);
}

void DnsConfig(const json& spec, const std::string& path, FieldErrors& errs) {
  std::string policy = Str(spec, "dnsPolicy");
  const json& config = Get(spec, "dnsConfig");
  if (policy == "None") {
    if (config.is_null()) {
      errs.push_back(Required(path, "must provide `dnsConfig` when `dnsPolicy` is None"));
      return;
    }
    if (Size(Get(config, "nameservers")) == 0) {
      errs.push_back(Required(Child(path, "nameservers"),
                              "must provide at least one DNS nameserver when `dnsPolicy` is "
                              "None"));
      return;
    }
  }
  if (config.is_null()) return;
  const json& nameservers = Get(config, "nameservers");
  if (Size(nameservers) > 3) {
    errs.push_back(
        Invalid(Child(path, "nameservers"), nameservers, "must not have more than 3 nameservers"));
  }
  for (size_t i = 0; i < Size(nameservers); ++i) {
    std::string ns = nameservers[i].is_string() ? nameservers[i].get<std::string>() : "";
    for (std::string& msg : IsValidIp(ns)) {
      errs.push_back(Invalid(Index(Child(path, "nameservers"), i), ns, std::move(msg)));
    }
  }
  const json& searches = Get(config, "searches");
  if (Size(searches) > 32) {
    errs.push_back(
        Invalid(Child(path, "searches"), searches, "must not have more than 32 search paths"));
  }
  size_t total = 0;
  for (size_t i = 0; i < Size(searches); ++i) {
    std::string search = searches[i].is_string() ? searches[i].get<std::string>() : "";
    total += search.size() + (i > 0 ? 1 : 0);
  }
  if (total > 2048) {
    errs.push_back(Invalid(Child(path, "searches"), searches,
                           "must not have more than 2048 characters (including spaces) in the "
                           "search list"));
  }
  for (size_t i = 0; i < Size(searches); ++i) {
    std::string search = searches[i].is_string() ? searches[i].get<std::string>() : "";
    if (!search.empty() && search.back() == '.') search.pop_back();
    for (std::string& msg : IsDns1123Subdomain(search)) {
      errs.push_back(Invalid(Index(Child(path, "searches"), i), search, std::move(msg)));
    }
  }
  const json& options = Get(config, "options");
  for (size_t i = 0; i < Size(options); ++i) {
    if (Str(options[i], "name").empty()) {
      errs.push_back(Required(Index(Child(path, "options"), i), "must not be empty"));
    }
  }
}

}  // namespace

FieldErrors ValidatePodSpec(const json& spec, const std::string& path, bool is_pod) {
  FieldErrors errs;
  PodContext pod;
  pod.grace = Int(spec, "terminationGracePeriodSeconds");
  if (!pod.grace) errs.push_back(Required(Child(path, "terminationGracePeriodSeconds")));
  const json& host_users = Get(Get(spec, "securityContext"), "hostUsers");
  pod.host_users = !host_users.is_boolean() || host_users.get<bool>();

  pod.volumes = ValidateVolumes(Get(spec, "volumes"), Child(path, "volumes"), errs);
  Containers(Get(spec, "containers"), pod, Child(path, "containers"), errs);
  InitContainers(Get(spec, "initContainers"), Get(spec, "containers"), pod,
                 Child(path, "initContainers"), errs);
  EphemeralContainers(spec, pod, Child(path, "ephemeralContainers"), errs);

  if (IsTrue(spec, "hostNetwork")) {
    const json& containers = Get(spec, "containers");
    for (size_t i = 0; i < Size(containers); ++i) {
      const json& ports = Get(containers[i], "ports");
      for (size_t p = 0; p < Size(ports); ++p) {
        int64_t hp = Int(ports[p], "hostPort").value_or(0);
        int64_t cp = Int(ports[p], "containerPort").value_or(0);
        if ((is_pod || hp != 0) && hp != cp) {
          errs.push_back(Invalid(
              Child(Index(Child(Index(Child(path, "containers"), i), "ports"), p), "hostPort"), hp,
              "must match `containerPort` when `hostNetwork` is true"));
        }
      }
    }
  }

  std::string restart = Str(spec, "restartPolicy");
  if (restart.empty()) {
    errs.push_back(Required(Child(path, "restartPolicy")));
  } else if (restart != "Always" && restart != "OnFailure" && restart != "Never") {
    errs.push_back(
        NotSupported(Child(path, "restartPolicy"), restart, {"Always", "OnFailure", "Never"}));
  }
  std::string dns = Str(spec, "dnsPolicy");
  if (dns.empty()) {
    errs.push_back(Required(Child(path, "dnsPolicy")));
  } else if (dns != "ClusterFirstWithHostNet" && dns != "ClusterFirst" && dns != "Default" &&
             dns != "None") {
    errs.push_back(NotSupported(Child(path, "dnsPolicy"), dns,
                                {"ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"}));
  }
  ValidateLabelMap(Get(spec, "nodeSelector"), Child(path, "nodeSelector"), errs);
  PodSecurityContext(spec, Child(path, "securityContext"), errs);
  const json& pull_secrets = Get(spec, "imagePullSecrets");
  for (size_t i = 0; i < Size(pull_secrets); ++i) {
    const json& ref = pull_secrets[i];
    if (ref.is_object() && (ref.size() > 1 || (ref.size() == 1 && !ref.contains("name")))) {
      errs.push_back(
          InvalidRendered(Index(Child(path, "imagePullSecrets"), i),
                          StrCat("core.LocalObjectReference{Name:", GoQuote(Str(ref, "name")), "}"),
                          "only name may be set"));
    }
  }
  Affinity(Get(spec, "affinity"), Child(path, "affinity"), errs);
  DnsConfig(spec, Child(path, "dnsConfig"), errs);
  const json& gates = Get(spec, "readinessGates");
  for (size_t i = 0; i < Size(gates); ++i) {
    std::string type = Str(gates[i], "conditionType");
    for (std::string& msg : IsQualifiedName(type)) {
      errs.push_back(
          Invalid(Child(Index(Child(path, "readinessGates"), i), "conditionType"), type, msg));
    }
  }
  const json& scheduling_gates = Get(spec, "schedulingGates");
  std::set<std::string> seen_gates;
  for (size_t i = 0; i < Size(scheduling_gates); ++i) {
    std::string name = Str(scheduling_gates[i], "name");
    std::string p = Index(Child(path, "schedulingGates"), i);
    for (std::string& msg : IsQualifiedName(name)) errs.push_back(Invalid(p, name, msg));
    if (!seen_gates.insert(name).second) errs.push_back(Duplicate(p, name));
  }
  if (Has(spec, "securityContext") && host_users.is_boolean() && !host_users.get<bool>()) {
    if (IsTrue(spec, "hostNetwork")) {
      errs.push_back(Forbidden(Child(path, "hostNetwork"), "when `pod.Spec.HostUsers` is false"));
    }
    if (IsTrue(spec, "hostPID")) {
      errs.push_back(Forbidden(Child(path, "HostPID"), "when `pod.Spec.HostUsers` is false"));
    }
    if (IsTrue(spec, "hostIPC")) {
      errs.push_back(Forbidden(Child(path, "HostIPC"), "when `pod.Spec.HostUsers` is false"));
    }
  }
  std::string sa = Str(spec, "serviceAccountName");
  if (!sa.empty()) {
    for (std::string& msg : IsDns1123Subdomain(sa)) {
      errs.push_back(Invalid(Child(path, "serviceAccountName"), sa, msg));
    }
  }
  std::string node = Str(spec, "nodeName");
  if (!node.empty()) {
    for (std::string& msg : IsDns1123Subdomain(node)) {
      errs.push_back(Invalid(Child(path, "nodeName"), node, msg));
    }
  }
  if (std::optional<int64_t> deadline = Int(spec, "activeDeadlineSeconds")) {
    if (*deadline < 1 || *deadline > kMaxInt32) {
      errs.push_back(Invalid(Child(path, "activeDeadlineSeconds"), *deadline,
                             StrCat("must be between 1 and ", kMaxInt32Str, ", inclusive")));
    }
  }
  for (const char* field : {"hostname", "subdomain"}) {
    std::string value = Str(spec, field);
    if (value.empty()) continue;
    for (std::string& msg : IsDns1123Label(value)) {
      errs.push_back(Invalid(Child(path, field), value, msg));
    }
  }
  Tolerations(Get(spec, "tolerations"), Child(path, "tolerations"), errs);
  const json& aliases = Get(spec, "hostAliases");
  for (size_t i = 0; i < Size(aliases); ++i) {
    std::string p = Index(Child(path, "hostAliases"), i);
    std::string ip = Str(aliases[i], "ip");
    for (std::string& msg : IsValidIp(ip)) errs.push_back(Invalid(Child(p, "ip"), ip, msg));
    const json& hostnames = Get(aliases[i], "hostnames");
    for (size_t j = 0; j < Size(hostnames); ++j) {
      std::string h = hostnames[j].is_string() ? hostnames[j].get<std::string>() : "";
      for (std::string& msg : IsDns1123Subdomain(h)) {
        errs.push_back(Invalid(Index(Child(p, "hostnames"), j), h, msg));
      }
    }
  }
  std::string priority_class = Str(spec, "priorityClassName");
  if (!priority_class.empty()) {
    for (std::string& msg : IsDns1123Subdomain(priority_class)) {
      errs.push_back(Invalid(Child(path, "priorityClassName"), priority_class, msg));
    }
  }
  if (Has(spec, "runtimeClassName")) {
    std::string rc = Str(spec, "runtimeClassName");
    for (std::string& msg : IsDns1123Subdomain(rc)) {
      errs.push_back(Invalid(Child(path, "runtimeClassName"), rc, msg));
    }
  }
  if (Has(spec, "preemptionPolicy")) {
    std::string policy = Str(spec, "preemptionPolicy");
    if (policy.empty()) {
      errs.push_back(Required(Child(path, "preemptionPolicy")));
    } else if (policy != "PreemptLowerPriority" && policy != "Never") {
      errs.push_back(
          NotSupported(Child(path, "preemptionPolicy"), policy, {"PreemptLowerPriority", "Never"}));
    }
  }
  if (Has(spec, "os")) {
    std::string os = Str(Get(spec, "os"), "name");
    if (os.empty()) {
      errs.push_back(Required(Child(Child(path, "os"), "name"), "cannot be empty"));
    } else if (os != "linux" && os != "windows") {
      errs.push_back(NotSupported(Child(Child(path, "os"), "name"), os, {"linux", "windows"}));
    }
  }
  return errs;
}

FieldErrors ValidatePodTemplateSpec(const json& template_spec, const std::string& path) {
  FieldErrors errs;
  const json& meta = Get(template_spec, "metadata");
  // Upstream reports template labels at "<path>.labels" (ObjectMeta is embedded).
  ValidateLabelMap(Get(meta, "labels"), Child(path, "labels"), errs);
  ValidateAnnotationMap(Get(meta, "annotations"), Child(path, "annotations"), errs);
  Append(errs, ValidatePodSpec(Get(template_spec, "spec"), Child(path, "spec"), false));
  if (Size(Get(Get(template_spec, "spec"), "ephemeralContainers")) > 0) {
    errs.push_back(Forbidden(Child(Child(path, "spec"), "ephemeralContainers"),
                             "ephemeral containers not allowed in pod template"));
  }
  return errs;
}

namespace core_kinds {

FieldErrors ValidatePod(const json& pod) {
  const json& spec = Get(pod, "spec");
  FieldErrors errs = ValidatePodSpec(spec, "spec", true);
  if (Str(spec, "serviceAccountName").empty()) {
    const json& volumes = Get(spec, "volumes");
    for (size_t vi = 0; vi < Size(volumes); ++vi) {
      const json& sources = Get(Get(volumes[vi], "projected"), "sources");
      for (size_t si = 0; si < Size(sources); ++si) {
        if (Has(sources[si], "serviceAccountToken")) {
          errs.push_back(Forbidden(
              StrCat("spec.volumes[", vi, "].projected.sources[", si, "].serviceAccountToken"),
              "must not be specified when serviceAccountName is not set"));
        }
      }
    }
  }
  for (const char* list : {"containers", "initContainers"}) {
    const json& items = Get(spec, list);
    for (size_t i = 0; i < Size(items); ++i) {
      std::string image = Str(items[i], "image");
      std::string msg = ImageWithoutSpaceError(image);
      if (!msg.empty()) {
        errs.push_back(Invalid(StrCat("spec.", list, "[", i, "].image"), image, msg));
      }
    }
  }
  return errs;
}

FieldErrors ValidatePodCreate(const json& pod) {
  FieldErrors errs = ValidatePod(pod);
  const json& spec = Get(pod, "spec");
  if (Size(Get(spec, "ephemeralContainers")) > 0) {
    errs.push_back(Forbidden("spec.ephemeralContainers", "cannot be set on create"));
  }
  if (!Str(spec, "nodeName").empty() && Size(Get(spec, "schedulingGates")) > 0) {
    errs.push_back(
        Forbidden("spec.nodeName", "cannot be set until all schedulingGates have been cleared"));
  }
  return errs;
}

namespace {

// validateOnlyAddedTolerations: every old toleration must still be present (tolerationSeconds
// may change).
bool OnlyAddedTolerations(const json& now, const json& before) {
  for (const json& old : before.is_array() ? before : json::array()) {
    json old_clone = old;
    bool found = false;
    for (const json& t : now.is_array() ? now : json::array()) {
      json candidate = t;
      if (old_clone.is_object()) old_clone.erase("tolerationSeconds");
      if (candidate.is_object()) candidate.erase("tolerationSeconds");
      if (old_clone == candidate) {
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}

}  // namespace

FieldErrors ValidatePodUpdate(const json& pod, const json& old) {
  FieldErrors errs = ValidatePod(pod);
  const json& spec = Get(pod, "spec");
  const json& old_spec = Get(old, "spec");
  for (const char* list : {"containers", "initContainers"}) {
    const json& now = Get(spec, list);
    const json& before = Get(old_spec, list);
    std::string path = StrCat("spec.", list);
    if (Size(now) != Size(before)) {
      errs.push_back(Forbidden(path, "pod updates may not add or remove containers"));
      return errs;
    }
    for (size_t i = 0; i < Size(now); ++i) {
      std::string image = Str(now[i], "image");
      if (image.empty()) errs.push_back(Required(StrCat(path, "[", i, "].image")));
      std::string msg = ImageWithoutSpaceError(image);
      if (!msg.empty()) errs.push_back(Invalid(StrCat(path, "[", i, "].image"), image, msg));
    }
  }
  std::optional<int64_t> deadline = Int(spec, "activeDeadlineSeconds");
  std::optional<int64_t> old_deadline = Int(old_spec, "activeDeadlineSeconds");
  if (deadline) {
    if (*deadline < 0 || *deadline > kMaxInt32) {
      errs.push_back(
          Invalid("spec.activeDeadlineSeconds", *deadline, InclusiveRangeError(0, kMaxInt32)));
      return errs;
    }
    if (old_deadline && *old_deadline < *deadline) {
      errs.push_back(Invalid("spec.activeDeadlineSeconds", *deadline,
                             "must be less than or equal to previous value"));
      return errs;
    }
  } else if (old_deadline) {
    errs.push_back(Invalid("spec.activeDeadlineSeconds", nullptr,
                           "must not update from a positive integer to nil value"));
  }
  if (!OnlyAddedTolerations(Get(spec, "tolerations"), Get(old_spec, "tolerations"))) {
    errs.push_back(Forbidden("spec.tolerations",
                             "existing toleration can not be modified except its "
                             "tolerationSeconds"));
  } else {
    Tolerations(Get(spec, "tolerations"), "spec.tolerations", errs);
  }
  // Scheduling gates may only be removed.
  const json& gates = Get(spec, "schedulingGates");
  std::set<std::string> old_gates;
  for (const json& g : Get(old_spec, "schedulingGates")) old_gates.insert(Str(g, "name"));
  for (size_t i = 0; i < Size(gates); ++i) {
    std::string name = Str(gates[i], "name");
    if (old_gates.count(name) == 0) {
      errs.push_back(Forbidden(
          StrCat("spec.schedulingGates[", i, "].name"),
          StrCat("only deletion is allowed, but found new scheduling gate '", name, "'")));
    }
  }
  if (spec == old_spec) return errs;
  // Munge the mutable fields to their old values and compare the rest.
  json munged = spec;
  if (munged.is_object()) {
    for (const char* list : {"containers", "initContainers"}) {
      json& items = munged[list];
      if (!items.is_array()) {
        munged.erase(list);
        continue;
      }
      for (size_t i = 0; i < items.size(); ++i) {
        if (items[i].is_object()) items[i]["image"] = Get(Get(old_spec, list)[i], "image");
      }
    }
    for (const char* field : {"activeDeadlineSeconds", "schedulingGates", "tolerations"}) {
      if (Has(old_spec, field)) {
        munged[field] = Get(old_spec, field);
      } else {
        munged.erase(field);
      }
    }
    std::optional<int64_t> old_grace = Int(old_spec, "terminationGracePeriodSeconds");
    if (old_grace && *old_grace < 0 && Int(munged, "terminationGracePeriodSeconds") == 1) {
      munged["terminationGracePeriodSeconds"] = *old_grace;
    }
    // Gated pods may add node selector entries.
    if (Size(Get(old_spec, "schedulingGates")) > 0 && Has(munged, "nodeSelector")) {
      bool only_added = true;
      const json& old_selector = Get(old_spec, "nodeSelector");
      for (auto it = old_selector.begin(); old_selector.is_object() && it != old_selector.end();
           ++it) {
        if (Get(munged["nodeSelector"], it.key()) != *it) only_added = false;
      }
      if (only_added) {
        if (old_selector.is_null()) {
          munged.erase("nodeSelector");
        } else {
          munged["nodeSelector"] = old_selector;
        }
      }
    }
  }
  if (munged != old_spec) {
    errs.push_back(Forbidden(
        "spec",
        StrCat("pod updates may not change fields other than `spec.containers[*].image`,"
               "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` "
               "(only additions to existing tolerations),`spec.terminationGracePeriodSeconds` "
               "(allow it to be set to 1 if it was previously negative)\n",
               GoSpecDiff("core.PodSpec", old_spec, munged))));
  }
  return errs;
}

FieldErrors ValidatePodTemplate(const json& object) {
  return ValidatePodTemplateSpec(Get(object, "template"), "template");
}

// ValidateReplicationControllerSpec.
FieldErrors ValidateReplicationController(const json& object) {
  FieldErrors errs;
  const json& spec = Get(object, "spec");
  NonNegative(spec, "minReadySeconds", "spec.minReadySeconds", errs);
  const json& selector = Get(spec, "selector");
  bool empty_selector = Size(selector) == 0;
  if (empty_selector) errs.push_back(Required("spec.selector"));
  NonNegative(spec, "replicas", "spec.replicas", errs);
  const json& tmpl = Get(spec, "template");
  if (tmpl.is_null()) {
    errs.push_back(Required("spec.template"));
    return errs;
  }
  const json& labels = Get(Get(tmpl, "metadata"), "labels");
  if (!empty_selector) {
    bool matches = true;
    for (auto it = selector.begin(); selector.is_object() && it != selector.end(); ++it) {
      if (Get(labels, it.key()) != *it) matches = false;
    }
    if (!matches) {
      errs.push_back(InvalidRendered("spec.template.metadata.labels", GoStringMap(labels),
                                     "`selector` does not match template `labels`"));
    }
  }
  Append(errs, ValidatePodTemplateSpec(tmpl, "spec.template"));
  std::string restart = Str(Get(tmpl, "spec"), "restartPolicy");
  if (restart != "Always") {
    errs.push_back(NotSupported("spec.template.spec.restartPolicy", restart, {"Always"}));
  }
  if (Has(Get(tmpl, "spec"), "activeDeadlineSeconds")) {
    errs.push_back(Forbidden("spec.template.spec.activeDeadlineSeconds",
                             "activeDeadlineSeconds in ReplicationController is not Supported"));
  }
  return errs;
}

}  // namespace core_kinds
}  // namespace k1s::api
