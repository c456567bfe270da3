# Copies one of etcd's .proto files into the build tree in a form protoc accepts without the Go
# tooling: drops the gogoproto and google.api (grpc-gateway) imports and options and re-roots the
# imports under "etcdpb/". Run with: cmake -DIN=<source.proto> -DOUT=<dest.proto> -P <this file>
if(NOT IN OR NOT OUT)
  message(FATAL_ERROR "strip_etcd_proto: IN and OUT are required")
endif()
file(READ "${IN}" text)
# Imports of annotation-only files.
string(REGEX REPLACE "import \"gogoproto/gogo.proto\";" "" text "${text}")
string(REGEX REPLACE "import \"google/api/annotations.proto\";" "" text "${text}")
# File-level gogoproto options, e.g. option (gogoproto.marshaler_all) = true;
string(REGEX REPLACE "option \\(gogoproto\\.[a-z_]+\\) = [a-z]+;" "" text "${text}")
# Per-method HTTP mappings: option (google.api.http) = { post: "..." body: "*" }; some hold one
# nested additional_bindings { ... } block, removed first.
string(REGEX REPLACE "additional_bindings {[^}]*}" "" text "${text}")
string(REGEX REPLACE "option \\(google\\.api\\.http\\) = {[^}]*};" "" text "${text}")
# Field-level gogoproto options, e.g. [(gogoproto.nullable) = false]
string(REGEX REPLACE "\\[\\(gogoproto\\.[a-z_]+\\) = [^]]*\\]" "" text "${text}")
# Re-root the remaining imports.
string(REGEX REPLACE "import \"etcd/[a-z/]+/([a-z]+\\.proto)\";" "import \"etcdpb/\\1\";" text
       "${text}")
if(text MATCHES "gogoproto|google\\.api")
  message(FATAL_ERROR "strip_etcd_proto: ${IN} still references gogoproto or google.api")
endif()
file(WRITE "${OUT}.tmp" "${text}")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
