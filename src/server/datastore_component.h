#pragma once
// The embedded datastore as a Component: opens SQLite at <data-dir>/server/db/state.db and, when
// listen URLs are given, serves the etcd v3 API over the same Backend (for etcdctl and other
// etcd clients). Other components use backend() after Start. Stop closes the etcd listeners
// first, then flushes and closes the database.
#include <memory>
#include <string>

#include "base/lifecycle.h"
#include "datastore/etcd/etcd_server.h"
#include "k1s/backend.h"

namespace k1s::server {

struct DatastoreOptions {
  std::string data_dir = "/var/lib/k1s";
  bool auto_compaction = true;
  // Comma-separated etcd listen URLs; empty = no etcd API (in-process use only).
  std::string listen_client_urls;
  std::string cert_file;
  std::string key_file;
  std::string trusted_ca_file;
  std::string name;  // member name reported by `etcdctl member list`
};

class DatastoreComponent final : public base::Component {
 public:
  explicit DatastoreComponent(DatastoreOptions options);
  ~DatastoreComponent() override;

  std::string_view Name() const override { return "datastore"; }
  absl::Status Start(base::StopSignal& stop) override;
  void Stop() override;

  // The open store; valid between Start and Stop.
  Backend& backend() { return *backend_; }

 private:
  const DatastoreOptions options_;
  std::unique_ptr<Backend> backend_;
  std::unique_ptr<datastore::etcd::EtcdServer> etcd_;
};

}  // namespace k1s::server
