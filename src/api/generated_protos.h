#pragma once
// Every generated Kubernetes proto file (src/api/proto), registered with protobuf's generated
// pool: nothing references most of them by symbol, so this is what links them in. Built once;
// thread-safe.
#include <google/protobuf/descriptor.h>

#include <vector>

namespace k1s::api {

const std::vector<const google::protobuf::FileDescriptor*>& GeneratedProtoFiles();

}  // namespace k1s::api
