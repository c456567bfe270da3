#pragma once
// `k1s datastore`: the datastore alone (SQLite at <data-dir>/server/db/state.db) behind the etcd
// v3 API, for etcdctl, other etcd clients and benchmarks.

#include "cli/command.h"

namespace k1s::cli {

Command AddDatastoreCommand(CLI::App& root);

}  // namespace k1s::cli
