#include "server/datastore_component.h"

#include "base/logging.h"
#include "datastore/etcd/listen_url.h"
#include "datastore/sqlite_backend.h"

namespace k1s::server {
namespace {

spdlog::logger& Log() {
  static const std::shared_ptr<spdlog::logger> logger = base::Logger("datastore");
  return *logger;
}

}  // namespace

DatastoreComponent::DatastoreComponent(DatastoreOptions options) : options_(std::move(options)) {}

DatastoreComponent::~DatastoreComponent() { Stop(); }

absl::Status DatastoreComponent::Start(base::StopSignal& stop) {
  const datastore::etcd::TlsFiles tls{options_.cert_file, options_.key_file,
                                      options_.trusted_ca_file};
  if (!options_.listen_client_urls.empty()) {
    // Refuse bad listeners before touching the database.
    auto urls = datastore::etcd::ParseListenUrls(options_.listen_client_urls);
    if (!urls.ok()) return urls.status();
    if (absl::Status status = datastore::etcd::ValidateListeners(*urls, tls); !status.ok()) {
      return status;
    }
  }
  datastore::SqliteBackendOptions backend_options;
  backend_options.path = options_.data_dir + "/server/db/state.db";
  backend_options.auto_compaction = options_.auto_compaction;
  absl::StatusOr<std::unique_ptr<Backend>> backend = datastore::OpenSqliteBackend(backend_options);
  if (!backend.ok()) return backend.status();
  backend_ = *std::move(backend);
  Log().info("opened {} at revision {}", backend_options.path, backend_->CurrentRevision());
  if (options_.listen_client_urls.empty()) return absl::OkStatus();

  datastore::etcd::EtcdServerOptions etcd_options;
  etcd_options.listen_client_urls = {options_.listen_client_urls};
  etcd_options.tls = tls;
  etcd_options.name = options_.name;
  absl::StatusOr<std::unique_ptr<datastore::etcd::EtcdServer>> etcd =
      datastore::etcd::EtcdServer::Start(*backend_, std::move(etcd_options));
  if (!etcd.ok()) {
    backend_.reset();
    return etcd.status();
  }
  etcd_ = *std::move(etcd);
  for (const std::string& url : etcd_->client_urls()) {
    Log().info("serving the etcd v3 API on {}", url);
  }
  return absl::OkStatus();
}

void DatastoreComponent::Stop() {
  if (backend_ == nullptr) return;
  etcd_.reset();     // ends watch and keep-alive streams, waits for running calls
  backend_.reset();  // flushes and closes SQLite
  Log().info("stopped");
}

}  // namespace k1s::server
