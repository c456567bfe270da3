// The Pod Security Standards checks, one function per upstream check id. Each returns the
// violation for the given policy minor version, or nullopt when the pod passes.
#include <algorithm>
#include <array>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_join.h"
#include "admission/pod_security.h"
#include "admission/pod_security_internal.h"
#include "base/strings.h"

namespace k1s::admission {
namespace {

using internal::IsTrue;
using internal::Member;
using internal::StringOf;
using json = nlohmann::json;
using Names = std::vector<std::string>;
using SortedSet = std::set<std::string>;  // sets.String: deduplicated, byte-wise sorted
using Result = std::optional<Violation>;

constexpr std::string_view kRuntimeDefault = "RuntimeDefault";
constexpr std::string_view kLocalhost = "Localhost";

// Upstream's joinQuote: `"a", "b"` (no escaping).
std::string JoinQuote(const Names& items) {
  if (items.empty()) return "";
  return base::StrCat("\"", absl::StrJoin(items, "\", \""), "\"");
}
std::string JoinQuote(const SortedSet& items) {
  return JoinQuote(Names(items.begin(), items.end()));
}

std::string_view Pluralize(std::string_view singular, std::string_view plural, size_t count) {
  return count == 1 ? singular : plural;
}

// `container "a"` / `containers "a", "b"`.
std::string NamedContainers(const Names& names) {
  return base::StrCat(Pluralize("container", "containers", names.size()), " ", JoinQuote(names));
}

// Init, regular and ephemeral containers, in upstream's visiting order.
void ForEachContainer(const json& spec, const std::function<void(const json&)>& visit) {
  for (std::string_view list : {"initContainers", "containers", "ephemeralContainers"}) {
    const json& containers = Member(spec, list);
    if (!containers.is_array()) continue;
    for (const json& container : containers) visit(container);
  }
}

std::string ContainerName(const json& container) { return StringOf(Member(container, "name")); }

// container.securityContext.<key> (null when any step is missing).
const json& ContainerSecurity(const json& container, std::string_view key) {
  return Member(Member(container, "securityContext"), key);
}
const json& PodSecurity(const json& spec, std::string_view key) {
  return Member(Member(spec, "securityContext"), key);
}

bool IsWindowsPod(const json& spec) {
  return StringOf(Member(Member(spec, "os"), "name")) == "windows";
}

// "pod and containers "a", "b"": who set a forbidden value.
std::string Setters(bool pod, const Names& containers) {
  Names setters;
  if (pod) setters.push_back("pod");
  if (!containers.empty()) setters.push_back(NamedContainers(containers));
  return absl::StrJoin(setters, " and ");
}

// A profile type field (seccompProfile, appArmorProfile) on pod and containers: collects who set
// a type outside RuntimeDefault/Localhost, and the bad types. `pod_valid` reports whether the pod
// level sets an allowed type.
struct ProfileTypeScan {
  bool pod_bad = false;
  bool pod_valid = false;
  Names bad_containers;
  Names unset_containers;
  SortedSet bad_types;
};
ProfileTypeScan ScanProfileType(const json& spec, std::string_view field) {
  auto allowed = [](const json& profile) {
    std::string type = StringOf(Member(profile, "type"));
    return type == kRuntimeDefault || type == kLocalhost;
  };
  ProfileTypeScan scan;
  const json& pod_profile = PodSecurity(spec, field);
  if (!pod_profile.is_null()) {
    scan.pod_valid = allowed(pod_profile);
    scan.pod_bad = !scan.pod_valid;
    if (scan.pod_bad) scan.bad_types.insert(StringOf(Member(pod_profile, "type")));
  }
  ForEachContainer(spec, [&](const json& c) {
    const json& profile = ContainerSecurity(c, field);
    if (profile.is_null()) {
      scan.unset_containers.push_back(ContainerName(c));
    } else if (!allowed(profile)) {
      scan.bad_containers.push_back(ContainerName(c));
      scan.bad_types.insert(StringOf(Member(profile, "type")));
    }
  });
  return scan;
}

// --- Baseline checks ---

Result AppArmorProfile(const json& meta, const json& spec, int64_t) {
  constexpr std::string_view kAnnotationPrefix = "container.apparmor.security.beta.kubernetes.io/";
  ProfileTypeScan scan = ScanProfileType(spec, "appArmorProfile");
  Names bad_values(scan.bad_types.begin(), scan.bad_types.end());
  Names annotations;
  const json& all = Member(meta, "annotations");
  if (all.is_object()) {
    for (const auto& [key, value] : all.items()) {
      std::string profile = StringOf(value);
      bool allowed =
          profile.empty() || profile == "runtime/default" || profile.starts_with("localhost/");
      if (key.starts_with(kAnnotationPrefix) && !allowed) {
        annotations.push_back(base::StrCat(key, "=", internal::GoQuote(profile)));
      }
    }
  }
  std::string setters = Setters(scan.pod_bad, scan.bad_containers);
  if (!annotations.empty()) {
    std::sort(annotations.begin(), annotations.end());
    bad_values.insert(bad_values.end(), annotations.begin(), annotations.end());
    std::string_view noun = Pluralize("annotation", "annotations", annotations.size());
    setters = setters.empty() ? std::string(noun) : base::StrCat(setters, " and ", noun);
  }
  if (setters.empty()) return std::nullopt;
  return Violation{
      std::string(Pluralize("forbidden AppArmor profile", "forbidden AppArmor profiles",
                            bad_values.size())),
      base::StrCat(setters, " must not set AppArmor profile type to ", JoinQuote(bad_values))};
}

Result CapabilitiesBaseline(const json&, const json& spec, int64_t) {
  static const SortedSet kAllowed = {
      "AUDIT_WRITE",      "CHOWN",   "DAC_OVERRIDE", "FOWNER",  "FSETID", "KILL",      "MKNOD",
      "NET_BIND_SERVICE", "SETFCAP", "SETGID",       "SETPCAP", "SETUID", "SYS_CHROOT"};
  Names bad_containers;
  SortedSet added;
  ForEachContainer(spec, [&](const json& c) {
    const json& add = Member(ContainerSecurity(c, "capabilities"), "add");
    if (!add.is_array()) return;
    bool valid = true;
    for (const json& cap : add) {
      std::string name = StringOf(cap);
      if (!kAllowed.contains(name)) {
        valid = false;
        added.insert(name);
      }
    }
    if (!valid) bad_containers.push_back(ContainerName(c));
  });
  if (bad_containers.empty()) return std::nullopt;
  return Violation{"non-default capabilities",
                   base::StrCat(NamedContainers(bad_containers), " must not include ",
                                JoinQuote(added), " in securityContext.capabilities.add")};
}

Result HostNamespaces(const json&, const json& spec, int64_t) {
  Names used;
  for (std::string_view field : {"hostNetwork", "hostPID", "hostIPC"}) {
    if (IsTrue(Member(spec, field))) used.push_back(base::StrCat(field, "=true"));
  }
  if (used.empty()) return std::nullopt;
  return Violation{"host namespaces", absl::StrJoin(used, ", ")};
}

Result HostPathVolumes(const json&, const json& spec, int64_t) {
  Names volumes;
  const json& all = Member(spec, "volumes");
  if (all.is_array()) {
    for (const json& v : all) {
      if (!Member(v, "hostPath").is_null()) volumes.push_back(StringOf(Member(v, "name")));
    }
  }
  if (volumes.empty()) return std::nullopt;
  return Violation{"hostPath volumes", base::StrCat(Pluralize("volume", "volumes", volumes.size()),
                                                    " ", JoinQuote(volumes))};
}

Result HostPorts(const json&, const json& spec, int64_t) {
  Names bad_containers;
  SortedSet ports;
  ForEachContainer(spec, [&](const json& c) {
    const json& list = Member(c, "ports");
    if (!list.is_array()) return;
    bool valid = true;
    for (const json& port : list) {
      const json& host_port = Member(port, "hostPort");
      if (host_port.is_number_integer() && host_port.get<int64_t>() != 0) {
        valid = false;
        ports.insert(std::to_string(host_port.get<int64_t>()));
      }
    }
    if (!valid) bad_containers.push_back(ContainerName(c));
  });
  if (bad_containers.empty()) return std::nullopt;
  return Violation{"hostPort", base::StrCat(NamedContainers(bad_containers), " ",
                                            Pluralize("uses", "use", bad_containers.size()), " ",
                                            Pluralize("hostPort", "hostPorts", ports.size()), " ",
                                            absl::StrJoin(ports, ", "))};
}

Result Privileged(const json&, const json& spec, int64_t) {
  Names bad;
  ForEachContainer(spec, [&](const json& c) {
    if (IsTrue(ContainerSecurity(c, "privileged"))) bad.push_back(ContainerName(c));
  });
  if (bad.empty()) return std::nullopt;
  return Violation{"privileged", base::StrCat(NamedContainers(bad),
                                              " must not set securityContext.privileged=true")};
}

Result ProcMount(const json&, const json& spec, int64_t) {
  Names bad;
  SortedSet types;
  ForEachContainer(spec, [&](const json& c) {
    const json& proc_mount = ContainerSecurity(c, "procMount");
    if (proc_mount.is_null() || StringOf(proc_mount) == "Default") return;
    bad.push_back(ContainerName(c));
    types.insert(StringOf(proc_mount));
  });
  if (bad.empty()) return std::nullopt;
  return Violation{"procMount",
                   base::StrCat(NamedContainers(bad), " must not set securityContext.procMount to ",
                                JoinQuote(types))};
}

Result SeLinuxOptions(const json&, const json& spec, int64_t minor) {
  SortedSet allowed_types = {"", "container_t", "container_init_t", "container_kvm_t"};
  if (minor >= 31) allowed_types.insert("container_engine_t");
  SortedSet bad_types;
  bool set_user = false;
  bool set_role = false;
  auto valid = [&](const json& opts) {
    bool ok = true;
    std::string type = StringOf(Member(opts, "type"));
    if (!allowed_types.contains(type)) {
      ok = false;
      bad_types.insert(type);
    }
    if (!StringOf(Member(opts, "user")).empty()) {
      ok = false;
      set_user = true;
    }
    if (!StringOf(Member(opts, "role")).empty()) {
      ok = false;
      set_role = true;
    }
    return ok;
  };
  const json& pod_opts = PodSecurity(spec, "seLinuxOptions");
  bool pod_bad = !pod_opts.is_null() && !valid(pod_opts);
  Names bad_containers;
  ForEachContainer(spec, [&](const json& c) {
    const json& opts = ContainerSecurity(c, "seLinuxOptions");
    if (!opts.is_null() && !valid(opts)) bad_containers.push_back(ContainerName(c));
  });
  if (!pod_bad && bad_containers.empty()) return std::nullopt;
  Names bad_data;
  if (!bad_types.empty()) {
    bad_data.push_back(
        base::StrCat(Pluralize("type", "types", bad_types.size()), " ", JoinQuote(bad_types)));
  }
  if (set_user) bad_data.push_back("user may not be set");
  if (set_role) bad_data.push_back("role may not be set");
  return Violation{"seLinuxOptions", base::StrCat(Setters(pod_bad, bad_containers),
                                                  " set forbidden securityContext.seLinuxOptions: ",
                                                  absl::StrJoin(bad_data, "; "))};
}

// Before v1.19 seccomp was set by alpha annotations.
Result SeccompAnnotations(const json& meta, const json& spec) {
  constexpr std::string_view kPodKey = "seccomp.security.alpha.kubernetes.io/pod";
  constexpr std::string_view kContainerPrefix = "container.seccomp.security.alpha.kubernetes.io/";
  const json& annotations = Member(meta, "annotations");
  SortedSet forbidden;
  auto check = [&](const std::string& key) {
    if (!annotations.is_object() || !annotations.contains(key)) return;
    std::string value = StringOf(annotations[key]);
    if (value == "runtime/default" || value == "docker/default" ||
        value.starts_with("localhost/")) {
      return;
    }
    forbidden.insert(base::StrCat(key, "=", internal::GoQuote(value)));
  };
  check(std::string(kPodKey));
  ForEachContainer(spec,
                   [&](const json& c) { check(base::StrCat(kContainerPrefix, ContainerName(c))); });
  if (forbidden.empty()) return std::nullopt;
  return Violation{
      "seccompProfile",
      base::StrCat("forbidden ", Pluralize("annotation", "annotations", forbidden.size()), " ",
                   absl::StrJoin(forbidden, ", "))};
}

// Explicitly forbidden seccompProfile types, shared by the baseline and restricted checks.
Result SeccompExplicit(const ProfileTypeScan& scan) {
  if (!scan.pod_bad && scan.bad_containers.empty()) return std::nullopt;
  return Violation{"seccompProfile",
                   base::StrCat(Setters(scan.pod_bad, scan.bad_containers),
                                " must not set securityContext.seccompProfile.type to ",
                                JoinQuote(scan.bad_types))};
}

Result SeccompProfileBaseline(const json& meta, const json& spec, int64_t minor) {
  if (minor < 19) return SeccompAnnotations(meta, spec);
  return SeccompExplicit(ScanProfileType(spec, "seccompProfile"));
}

Result Sysctls(const json&, const json& spec, int64_t minor) {
  SortedSet allowed = {"kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range",
                       "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range",
                       "net.ipv4.ip_unprivileged_port_start"};
  if (minor >= 27) allowed.insert("net.ipv4.ip_local_reserved_ports");
  if (minor >= 29) {
    allowed.insert({"net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout",
                    "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes"});
  }
  if (minor >= 32) allowed.insert({"net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"});
  Names forbidden;  // in pod order, duplicates kept, as upstream
  const json& sysctls = PodSecurity(spec, "sysctls");
  if (sysctls.is_array()) {
    for (const json& s : sysctls) {
      std::string name = StringOf(Member(s, "name"));
      if (!allowed.contains(name)) forbidden.push_back(name);
    }
  }
  if (forbidden.empty()) return std::nullopt;
  return Violation{"forbidden sysctls", absl::StrJoin(forbidden, ", ")};
}

Result WindowsHostProcess(const json&, const json& spec, int64_t) {
  Names bad;
  ForEachContainer(spec, [&](const json& c) {
    if (IsTrue(Member(ContainerSecurity(c, "windowsOptions"), "hostProcess"))) {
      bad.push_back(ContainerName(c));
    }
  });
  bool pod_bad = IsTrue(Member(PodSecurity(spec, "windowsOptions"), "hostProcess"));
  if (!pod_bad && bad.empty()) return std::nullopt;
  return Violation{"hostProcess",
                   base::StrCat(Setters(pod_bad, bad),
                                " must not set securityContext.windowsOptions.hostProcess=true")};
}

// --- Restricted checks ---
// From v1.25 pods with spec.os.name=windows are exempt from the Linux-only restricted checks.

Result AllowPrivilegeEscalation(const json&, const json& spec, int64_t minor) {
  if (minor >= 25 && IsWindowsPod(spec)) return std::nullopt;
  Names bad;
  ForEachContainer(spec, [&](const json& c) {
    const json& allow = ContainerSecurity(c, "allowPrivilegeEscalation");
    if (!allow.is_boolean() || allow.get<bool>()) bad.push_back(ContainerName(c));
  });
  if (bad.empty()) return std::nullopt;
  return Violation{"allowPrivilegeEscalation != false",
                   base::StrCat(NamedContainers(bad),
                                " must set securityContext.allowPrivilegeEscalation=false")};
}

Result CapabilitiesRestricted(const json&, const json& spec, int64_t minor) {
  if (minor >= 25 && IsWindowsPod(spec)) return std::nullopt;
  Names missing_drop_all;
  Names adding_forbidden;
  SortedSet forbidden;
  ForEachContainer(spec, [&](const json& c) {
    const json& caps = ContainerSecurity(c, "capabilities");
    if (caps.is_null()) {
      missing_drop_all.push_back(ContainerName(c));
      return;
    }
    bool dropped_all = false;
    const json& drop = Member(caps, "drop");
    if (drop.is_array()) {
      for (const json& cap : drop) dropped_all = dropped_all || StringOf(cap) == "ALL";
    }
    if (!dropped_all) missing_drop_all.push_back(ContainerName(c));
    bool added_forbidden = false;
    const json& add = Member(caps, "add");
    if (add.is_array()) {
      for (const json& cap : add) {
        if (StringOf(cap) == "NET_BIND_SERVICE") continue;
        added_forbidden = true;
        forbidden.insert(StringOf(cap));
      }
    }
    if (added_forbidden) adding_forbidden.push_back(ContainerName(c));
  });
  Names details;
  if (!missing_drop_all.empty()) {
    details.push_back(base::StrCat(NamedContainers(missing_drop_all),
                                   " must set securityContext.capabilities.drop=[\"ALL\"]"));
  }
  if (!adding_forbidden.empty()) {
    details.push_back(base::StrCat(NamedContainers(adding_forbidden), " must not include ",
                                   JoinQuote(forbidden), " in securityContext.capabilities.add"));
  }
  if (details.empty()) return std::nullopt;
  return Violation{"unrestricted capabilities", absl::StrJoin(details, "; ")};
}

Result RestrictedVolumes(const json&, const json& spec, int64_t) {
  static constexpr std::array<std::string_view, 8> kAllowed = {
      "configMap", "csi",   "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim",
      "projected", "secret"};
  static constexpr std::array<std::string_view, 21> kRestricted = {
      // Upstream's order of precedence; the names reported are the JSON field names.
      "hostPath",
      "gcePersistentDisk",
      "awsElasticBlockStore",
      "gitRepo",
      "nfs",
      "iscsi",
      "glusterfs",
      "rbd",
      "flexVolume",
      "cinder",
      "cephfs",
      "flocker",
      "fc",
      "azureFile",
      "vsphereVolume",
      "quobyte",
      "azureDisk",
      "photonPersistentDisk",
      "portworxVolume",
      "scaleIO",
      "storageos"};
  Names bad_volumes;
  SortedSet bad_types;
  const json& volumes = Member(spec, "volumes");
  if (!volumes.is_array()) return std::nullopt;
  for (const json& v : volumes) {
    auto has = [&](std::string_view field) { return !Member(v, field).is_null(); };
    if (std::any_of(kAllowed.begin(), kAllowed.end(), has)) continue;
    bad_volumes.push_back(StringOf(Member(v, "name")));
    auto type = std::find_if(kRestricted.begin(), kRestricted.end(), has);
    bad_types.insert(type == kRestricted.end() ? "unknown" : std::string(*type));
  }
  if (bad_volumes.empty()) return std::nullopt;
  return Violation{
      "restricted volume types",
      base::StrCat(Pluralize("volume", "volumes", bad_volumes.size()), " ", JoinQuote(bad_volumes),
                   " ", Pluralize("uses", "use", bad_volumes.size()), " ",
                   Pluralize("restricted volume type", "restricted volume types", bad_types.size()),
                   " ", JoinQuote(bad_types))};
}

Result RunAsNonRoot(const json&, const json& spec, int64_t) {
  const json& pod_value = PodSecurity(spec, "runAsNonRoot");
  bool pod_bad = pod_value.is_boolean() && !pod_value.get<bool>();
  bool pod_true = IsTrue(pod_value);
  Names explicitly_bad;
  Names implicitly_bad;
  ForEachContainer(spec, [&](const json& c) {
    const json& value = ContainerSecurity(c, "runAsNonRoot");
    if (value.is_boolean()) {
      if (!value.get<bool>()) explicitly_bad.push_back(ContainerName(c));
    } else if (!pod_true) {
      implicitly_bad.push_back(ContainerName(c));
    }
  });
  if (pod_bad || !explicitly_bad.empty()) {
    return Violation{"runAsNonRoot != true",
                     base::StrCat(Setters(pod_bad, explicitly_bad),
                                  " must not set securityContext.runAsNonRoot=false")};
  }
  if (implicitly_bad.empty()) return std::nullopt;
  return Violation{"runAsNonRoot != true",
                   base::StrCat("pod or ", NamedContainers(implicitly_bad),
                                " must set securityContext.runAsNonRoot=true")};
}

Result RunAsUser(const json&, const json& spec, int64_t) {
  auto is_root = [](const json& uid) { return uid.is_number() && uid == 0; };
  bool pod_bad = is_root(PodSecurity(spec, "runAsUser"));
  Names bad;
  ForEachContainer(spec, [&](const json& c) {
    if (is_root(ContainerSecurity(c, "runAsUser"))) bad.push_back(ContainerName(c));
  });
  if (!pod_bad && bad.empty()) return std::nullopt;
  return Violation{"runAsUser=0", base::StrCat(Setters(pod_bad, bad), " must not set runAsUser=0")};
}

Result SeccompProfileRestricted(const json&, const json& spec, int64_t minor) {
  if (minor >= 25 && IsWindowsPod(spec)) return std::nullopt;
  ProfileTypeScan scan = ScanProfileType(spec, "seccompProfile");
  if (Result explicit_bad = SeccompExplicit(scan)) return explicit_bad;
  if (scan.pod_valid || scan.unset_containers.empty()) return std::nullopt;
  return Violation{"seccompProfile",
                   base::StrCat("pod or ", NamedContainers(scan.unset_containers),
                                " must set securityContext.seccompProfile.type to "
                                "\"RuntimeDefault\" or \"Localhost\"")};
}

// The registry. Order is upstream's evaluation order: baseline ids sorted, then restricted ids
// sorted (byte-wise). `since` is the minor a check first applies at; a baseline check with
// `restricted_replaced_from` >= 0 is replaced at the restricted level from that minor by its
// restricted counterpart (upstream's OverrideCheckIDs).
using CheckFn = Result (*)(const json& meta, const json& spec, int64_t minor);
struct CheckDef {
  PodSecurityLevel level = PodSecurityLevel::kBaseline;
  int64_t since = 0;
  int64_t restricted_replaced_from = -1;
  CheckFn check = nullptr;
};
constexpr PodSecurityLevel kB = PodSecurityLevel::kBaseline;
constexpr PodSecurityLevel kR = PodSecurityLevel::kRestricted;
constexpr std::array<CheckDef, 17> kChecks = {{
    {kB, 0, -1, AppArmorProfile},            // appArmorProfile
    {kB, 0, 22, CapabilitiesBaseline},       // capabilities_baseline
    {kB, 0, -1, HostNamespaces},             // hostNamespaces
    {kB, 0, 0, HostPathVolumes},             // hostPathVolumes
    {kB, 0, -1, HostPorts},                  // hostPorts
    {kB, 0, -1, Privileged},                 // privileged
    {kB, 0, -1, ProcMount},                  // procMount
    {kB, 0, -1, SeLinuxOptions},             // seLinuxOptions
    {kB, 0, 19, SeccompProfileBaseline},     // seccompProfile_baseline
    {kB, 0, -1, Sysctls},                    // sysctls
    {kB, 0, -1, WindowsHostProcess},         // windowsHostProcess
    {kR, 8, -1, AllowPrivilegeEscalation},   // allowPrivilegeEscalation
    {kR, 22, -1, CapabilitiesRestricted},    // capabilities_restricted
    {kR, 0, -1, RestrictedVolumes},          // restrictedVolumes
    {kR, 0, -1, RunAsNonRoot},               // runAsNonRoot
    {kR, 23, -1, RunAsUser},                 // runAsUser
    {kR, 19, -1, SeccompProfileRestricted},  // seccompProfile_restricted
}};

}  // namespace

std::vector<Violation> CheckPod(const LevelVersion& policy, const nlohmann::json& pod_metadata,
                                const nlohmann::json& pod_spec) {
  std::vector<Violation> violations;
  if (policy.level == PodSecurityLevel::kPrivileged) return violations;
  bool restricted = policy.level == PodSecurityLevel::kRestricted;
  int64_t minor = internal::PolicyMinor(policy.version);
  for (const CheckDef& def : kChecks) {
    if (def.since > minor || (def.level == kR && !restricted)) continue;
    if (restricted && def.restricted_replaced_from >= 0 && minor >= def.restricted_replaced_from) {
      continue;
    }
    if (Result violation = def.check(pod_metadata, pod_spec, minor)) {
      violations.push_back(std::move(*violation));
    }
  }
  return violations;
}

}  // namespace k1s::admission
