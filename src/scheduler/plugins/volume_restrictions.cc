// VolumeRestrictions (upstream plugins/volumerestrictions): two rules about volumes that only
// one pod may write.
//  - Inline disks (GCE PD, AWS EBS, Ceph RBD, iSCSI) cannot be mounted on a node where another
//    pod mounts the same disk, unless both mount it read-only (EBS: never).
//  - A PersistentVolumeClaim with the ReadWriteOncePod access mode cannot be used while any
//    scheduled pod in the cluster uses it; PreFilter counts those users per node (NodeInfo keeps
//    how many pods mount each claim) and Filter rejects every node while there are any.
//    Filter recounts the node it is given, so that the preemption dry run, which takes victims
//    off (or nominated pods onto) that node, sees the change as upstream's AddPod/RemovePod
//    PreFilter extensions make it.
// Stateless and thread-safe.
#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/strings.h"
#include "scheduler/plugins/plugins.h"

namespace k1s::scheduler::plugins {
namespace {

using nlohmann::json;

constexpr char kStateKey[] = "PreFilterVolumeRestrictions";
constexpr char kDiskConflict[] = "node(s) had no available disk";
constexpr char kReadWriteOncePodConflict[] =
    "node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode";

// One inline disk volume, reduced to what identifies the disk.
struct DiskVolume {
  enum class Kind { kGcePd, kAwsEbs, kRbd, kIscsi };
  Kind kind = Kind::kGcePd;
  std::string id;                     // pdName, volumeID, iqn, or the RBD image
  std::string pool;                   // RBD only
  std::vector<std::string> monitors;  // RBD only
  bool read_only = false;
};

struct VolumeRestrictionsState {
  std::vector<DiskVolume> disks;  // the pod's inline disks
  // "namespace/claim" of the pod's ReadWriteOncePod claims; only when some are in use (upstream
  // skips the claim rule otherwise).
  std::vector<std::string> in_use_claims;
  // How many scheduled pods use them: in all, and per node (only nodes with users).
  int32_t users = 0;
  std::map<std::string, int32_t, std::less<>> users_by_node;
};

const json& Field(const json& object, const char* key) {
  static const json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

std::string StringField(const json& object, const char* key) {
  const json& value = Field(object, key);
  return value.is_string() ? value.get<std::string>() : std::string();
}

bool BoolField(const json& object, const char* key) {
  const json& value = Field(object, key);
  return value.is_boolean() && value.get<bool>();
}

// The inline disks among `pod`'s volumes (upstream needsRestrictionsCheck's four kinds).
std::vector<DiskVolume> ParseDisks(const json& pod) {
  std::vector<DiskVolume> disks;
  const json& volumes = Field(Field(pod, "spec"), "volumes");
  if (!volumes.is_array()) return disks;
  for (const json& volume : volumes) {
    DiskVolume disk;
    if (const json& gce = Field(volume, "gcePersistentDisk"); gce.is_object()) {
      disk.kind = DiskVolume::Kind::kGcePd;
      disk.id = StringField(gce, "pdName");
      disk.read_only = BoolField(gce, "readOnly");
    } else if (const json& ebs = Field(volume, "awsElasticBlockStore"); ebs.is_object()) {
      disk.kind = DiskVolume::Kind::kAwsEbs;
      disk.id = StringField(ebs, "volumeID");
    } else if (const json& rbd = Field(volume, "rbd"); rbd.is_object()) {
      disk.kind = DiskVolume::Kind::kRbd;
      disk.id = StringField(rbd, "image");
      disk.pool = StringField(rbd, "pool");
      // The API defaults the pool to "rbd"; objects from a defaulting apiserver already say so.
      if (disk.pool.empty()) disk.pool = "rbd";
      const json& monitors = Field(rbd, "monitors");
      for (const json& monitor : monitors.is_array() ? monitors : json::array()) {
        if (monitor.is_string()) disk.monitors.push_back(monitor.get<std::string>());
      }
      disk.read_only = BoolField(rbd, "readOnly");
    } else if (const json& iscsi = Field(volume, "iscsi"); iscsi.is_object()) {
      disk.kind = DiskVolume::Kind::kIscsi;
      disk.id = StringField(iscsi, "iqn");
      disk.read_only = BoolField(iscsi, "readOnly");
    } else {
      continue;
    }
    disks.push_back(std::move(disk));
  }
  return disks;
}

bool ShareMonitor(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  for (const std::string& monitor : a) {
    if (std::find(b.begin(), b.end(), monitor) != b.end()) return true;
  }
  return false;
}

// upstream isVolumeConflict for one pair of disks.
bool Conflict(const DiskVolume& wanted, const DiskVolume& used) {
  if (wanted.kind != used.kind || wanted.id != used.id) return false;
  switch (wanted.kind) {
    case DiskVolume::Kind::kAwsEbs:
      return true;
    case DiskVolume::Kind::kRbd:
      return wanted.pool == used.pool && ShareMonitor(wanted.monitors, used.monitors) &&
             !(wanted.read_only && used.read_only);
    case DiskVolume::Kind::kGcePd:
    case DiskVolume::Kind::kIscsi:
      return !(wanted.read_only && used.read_only);
  }
  return false;
}

bool DiskConflictOnNode(const std::vector<DiskVolume>& disks, const NodeInfo& node) {
  for (const auto& [key, placed] : node.pods()) {
    if (placed->object == nullptr) continue;
    for (const DiskVolume& used : ParseDisks(*placed->object)) {
      for (const DiskVolume& wanted : disks) {
        if (Conflict(wanted, used)) return true;
      }
    }
  }
  return false;
}

// How many pods on `node` mount one of `claim_keys`.
int32_t ClaimUsers(const std::vector<std::string>& claim_keys, const NodeInfo& node) {
  const std::map<std::string, int32_t>& counts = node.pvc_ref_counts();
  if (counts.empty()) return 0;
  int32_t users = 0;
  for (const std::string& key : claim_keys) {
    if (auto it = counts.find(key); it != counts.end()) users += it->second;
  }
  return users;
}

bool HasAccessMode(const json& claim, std::string_view mode) {
  const json& modes = Field(Field(claim, "spec"), "accessModes");
  if (!modes.is_array()) return false;
  return std::any_of(modes.begin(), modes.end(),
                     [&](const json& m) { return m.is_string() && m.get<std::string>() == mode; });
}

}  // namespace

Status VolumeRestrictions::PreFilter(CycleState& state, const PodInfo& pod,
                                     const Snapshot& snapshot,
                                     std::optional<std::set<std::string>>*) const {
  VolumeRestrictionsState restrictions;
  restrictions.disks = ParseDisks(*pod.pod);
  // Each claim must exist (its access modes decide); a missing one cannot be fixed by moving
  // pods, as upstream's lister NotFound error.
  std::vector<std::string> exclusive_claims;
  for (const std::string& claim_name : PodClaimNames(*pod.pod)) {
    client::ObjectPtr claim = objects_ == nullptr
                                  ? nullptr
                                  : objects_->Get(client::resources::PersistentVolumeClaims(),
                                                  pod.namespace_name, claim_name);
    if (claim == nullptr) {
      return Status::Unresolvable(
          {base::StrCat("persistentvolumeclaim \"", claim_name, "\" not found")});
    }
    if (HasAccessMode(*claim, "ReadWriteOncePod") &&
        std::find(exclusive_claims.begin(), exclusive_claims.end(), claim_name) ==
            exclusive_claims.end()) {
      exclusive_claims.push_back(claim_name);
    }
  }
  std::vector<std::string> claim_keys;
  for (const std::string& claim_name : exclusive_claims) {
    claim_keys.push_back(client::ObjectKey(pod.namespace_name, claim_name));
  }
  if (!claim_keys.empty()) {
    for (const NodeInfoPtr& node : snapshot.nodes) {
      const int32_t users = ClaimUsers(claim_keys, *node);
      if (users == 0) continue;
      restrictions.users += users;
      restrictions.users_by_node[node->name()] = users;
    }
    if (restrictions.users > 0) restrictions.in_use_claims = std::move(claim_keys);
  }
  const bool skip = restrictions.disks.empty() && restrictions.users == 0;
  // Written even when skipping, so that Filter knows there is nothing to check.
  state.Write(kStateKey, std::move(restrictions));
  return skip ? Status::Skip() : Status::Success();
}

Status VolumeRestrictions::Filter(const CycleState& state, const PodInfo& pod,
                                  const NodeInfo& node) const {
  const auto* restrictions = state.Read<VolumeRestrictionsState>(kStateKey);
  if (restrictions == nullptr) {
    // Without PreFilter (a dry run on a fresh state) only the node-local disk rule can be
    // checked; the claim rule needs the whole snapshot.
    std::vector<DiskVolume> disks = ParseDisks(*pod.pod);
    if (!disks.empty() && DiskConflictOnNode(disks, node)) {
      return Status::Unschedulable({kDiskConflict});
    }
    return Status::Success();
  }
  if (!restrictions->disks.empty() && DiskConflictOnNode(restrictions->disks, node)) {
    return Status::Unschedulable({kDiskConflict});
  }
  if (!restrictions->in_use_claims.empty()) {
    // The users on other nodes as PreFilter saw them, plus this node's as it is now.
    int32_t users = restrictions->users;
    if (auto it = restrictions->users_by_node.find(node.name());
        it != restrictions->users_by_node.end()) {
      users -= it->second;
    }
    users += ClaimUsers(restrictions->in_use_claims, node);
    if (users > 0) return Status::Unschedulable({kReadWriteOncePodConflict});
  }
  return Status::Success();
}

}  // namespace k1s::scheduler::plugins
