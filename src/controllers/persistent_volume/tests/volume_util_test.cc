// Choosing a volume for a claim, as upstream's FindMatchingVolume and its access-mode index do.
#include "controllers/persistent_volume/volume_util.h"

#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace k1s::controllers::pv {
namespace {

using nlohmann::json;

client::ObjectPtr Volume(const std::string& name, const std::string& size,
                         std::vector<std::string> modes = {"ReadWriteOnce"},
                         const std::string& storage_class = "",
                         const std::string& phase = "Available") {
  json volume = {{"metadata", {{"name", name}, {"labels", {{"tier", "gold"}}}}},
                 {"spec",
                  {{"capacity", {{"storage", size}}},
                   {"accessModes", modes},
                   {"storageClassName", storage_class}}},
                 {"status", {{"phase", phase}}}};
  return std::make_shared<const json>(std::move(volume));
}

json Claim(const std::string& size, std::vector<std::string> modes = {"ReadWriteOnce"},
           const std::string& storage_class = "") {
  return {{"metadata", {{"name", "claim"}, {"namespace", "ns"}, {"uid", "claim-uid"}}},
          {"spec",
           {{"accessModes", modes},
            {"resources", {{"requests", {{"storage", size}}}}},
            {"storageClassName", storage_class}}}};
}

std::string NameOf(const absl::StatusOr<client::ObjectPtr>& volume) {
  if (!volume.ok() || *volume == nullptr) return "";
  return (**volume)["metadata"]["name"];
}

TEST(FindBestMatchTest, SmallestVolumeThatFits) {
  std::vector<client::ObjectPtr> volumes = {Volume("big", "10Gi"), Volume("small", "1Gi"),
                                            Volume("mid", "5Gi"), Volume("exact", "2048Mi")};
  EXPECT_EQ(NameOf(FindBestMatch(Claim("2Gi"), volumes, false, nullptr)), "exact");
  EXPECT_EQ(NameOf(FindBestMatch(Claim("3Gi"), volumes, false, nullptr)), "mid");
  EXPECT_EQ(NameOf(FindBestMatch(Claim("20Gi"), volumes, false, nullptr)), "");
}

TEST(FindBestMatchTest, ClassPhaseModesAndSelectorMustFit) {
  std::vector<client::ObjectPtr> volumes = {Volume("fast", "1Gi", {"ReadWriteOnce"}, "fast"),
                                            Volume("bound", "1Gi", {"ReadWriteOnce"}, "", "Bound"),
                                            Volume("readonly", "1Gi", {"ReadOnlyMany"})};
  EXPECT_EQ(NameOf(FindBestMatch(Claim("1Gi"), volumes, false, nullptr)), "");
  EXPECT_EQ(NameOf(FindBestMatch(Claim("1Gi", {"ReadWriteOnce"}, "fast"), volumes, false, nullptr)),
            "fast");
  json selective = Claim("1Gi", {"ReadOnlyMany"});
  selective["spec"]["selector"] = {{"matchLabels", {{"tier", "silver"}}}};
  EXPECT_EQ(NameOf(FindBestMatch(selective, volumes, false, nullptr)), "");
  selective["spec"]["selector"] = {{"matchLabels", {{"tier", "gold"}}}};
  EXPECT_EQ(NameOf(FindBestMatch(selective, volumes, false, nullptr)), "readonly");
}

TEST(FindBestMatchTest, FewestExtraAccessModesFirst) {
  // A larger volume offering exactly the requested modes beats a smaller one offering more.
  std::vector<client::ObjectPtr> volumes = {
      Volume("many-modes", "1Gi", {"ReadWriteOnce", "ReadOnlyMany"}),
      Volume("exact-modes", "5Gi", {"ReadWriteOnce"})};
  EXPECT_EQ(NameOf(FindBestMatch(Claim("1Gi"), volumes, false, nullptr)), "exact-modes");
}

TEST(FindBestMatchTest, PreBoundVolumeWinsAndDelayedClaimsWaitForANode) {
  json prebound = *Volume("reserved", "10Gi", {"ReadWriteOnce"}, "other", "Available");
  prebound["spec"]["claimRef"] = {{"namespace", "ns"}, {"name", "claim"}};
  std::vector<client::ObjectPtr> volumes = {Volume("free", "1Gi"),
                                            std::make_shared<const json>(prebound)};
  EXPECT_EQ(NameOf(FindBestMatch(Claim("1Gi"), {volumes[0]}, true, nullptr)), "");

  json affine = *Volume("on-n1", "1Gi");
  affine["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"] = json::array(
      {{{"matchExpressions",
         json::array(
             {{{"key", "kubernetes.io/hostname"}, {"operator", "In"}, {"values", {"n1"}}}})}}});
  std::vector<client::ObjectPtr> local = {std::make_shared<const json>(affine)};
  json n1 = {{"metadata", {{"name", "n1"}, {"labels", {{"kubernetes.io/hostname", "n1"}}}}}};
  json n2 = {{"metadata", {{"name", "n2"}, {"labels", {{"kubernetes.io/hostname", "n2"}}}}}};
  EXPECT_EQ(NameOf(FindBestMatch(Claim("1Gi"), local, true, &n1)), "on-n1");
  EXPECT_EQ(NameOf(FindBestMatch(Claim("1Gi"), local, true, &n2)), "");
  // Pre-bound: returned whatever its class, even when delayed.
  EXPECT_EQ(NameOf(FindBestMatch(Claim("1Gi"), {volumes[1]}, true, nullptr)), "reserved");
}

TEST(VolumeUtilTest, ClassesModesAndBinding) {
  json claim = Claim("1Gi");
  EXPECT_TRUE(ClaimHasClass(claim));
  claim["spec"].erase("storageClassName");
  EXPECT_FALSE(ClaimHasClass(claim));
  claim["metadata"]["annotations"][kAnnBetaStorageClass] = "beta";
  EXPECT_EQ(ClaimClass(claim), "beta");

  json volume = *Volume("v", "1Gi");
  EXPECT_FALSE(VolumeModeMismatch(Claim("1Gi"), volume));
  volume["spec"]["volumeMode"] = "Block";
  EXPECT_TRUE(VolumeModeMismatch(Claim("1Gi"), volume));
  EXPECT_EQ(CheckVolumeSatisfiesClaim(volume, Claim("1Gi")), "incompatible volumeMode");
  EXPECT_EQ(CheckVolumeSatisfiesClaim(*Volume("v", "1Gi"), Claim("2Gi")),
            "requested PV is too small");

  volume["spec"]["claimRef"] = {{"namespace", "ns"}, {"name", "claim"}, {"uid", "other"}};
  EXPECT_FALSE(IsVolumeBoundToClaim(volume, Claim("1Gi")));
  volume["spec"]["claimRef"]["uid"] = "claim-uid";
  EXPECT_TRUE(IsVolumeBoundToClaim(volume, Claim("1Gi")));
}

TEST(VolumeUtilTest, DefaultClassIsTheNewest) {
  auto storage_class = [](const std::string& name, const std::string& created, bool is_default) {
    json object = {{"metadata", {{"name", name}, {"creationTimestamp", created}}}};
    if (is_default) object["metadata"]["annotations"][kAnnDefaultClass] = "true";
    return std::make_shared<const json>(std::move(object));
  };
  EXPECT_EQ(DefaultClass({storage_class("a", "2024-01-01T00:00:00Z", false)}), nullptr);
  client::ObjectPtr chosen = DefaultClass({storage_class("old", "2024-01-01T00:00:00Z", true),
                                           storage_class("new", "2024-06-01T00:00:00Z", true),
                                           storage_class("plain", "2025-01-01T00:00:00Z", false)});
  ASSERT_NE(chosen, nullptr);
  EXPECT_EQ((*chosen)["metadata"]["name"], "new");
}

}  // namespace
}  // namespace k1s::controllers::pv
