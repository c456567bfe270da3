#pragma once
// Who made a request, as authentication found it: the shape of upstream's user.Info.
#include <map>
#include <string>
#include <vector>

namespace k1s::auth {

struct UserInfo {
  std::string name;  // "jane", "system:serviceaccount:default:builder", "system:node:pi4"
  std::string uid;   // set for service accounts; empty for certificate users
  std::vector<std::string> groups;
  // Extra attributes, e.g. authentication.kubernetes.io/pod-name for a pod-bound token.
  std::map<std::string, std::vector<std::string>> extra;
};

// Group names the API server gives meaning to.
inline constexpr char kSystemMasters[] = "system:masters";
inline constexpr char kAuthenticated[] = "system:authenticated";
inline constexpr char kUnauthenticated[] = "system:unauthenticated";
inline constexpr char kAnonymousUser[] = "system:anonymous";
inline constexpr char kNodesGroup[] = "system:nodes";
inline constexpr char kNodeUserPrefix[] = "system:node:";
inline constexpr char kServiceAccountsGroup[] = "system:serviceaccounts";
inline constexpr char kServiceAccountUserPrefix[] = "system:serviceaccount:";

}  // namespace k1s::auth
