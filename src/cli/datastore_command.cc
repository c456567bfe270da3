// `k1s datastore`: opens the SQLite datastore and serves the etcd v3 API over it until SIGINT or
// SIGTERM, like a single-member etcd:
//
//   k1s datastore --data-dir /tmp/d --listen-client-urls http://127.0.0.1:2379,unix:///tmp/d.sock

#include "cli/commands.h"

#include <iostream>
#include <memory>
#include <string>
#include <utility>

#include <CLI/CLI.hpp>

#include "base/lifecycle.h"
#include "base/logging.h"
#include "base/stop_signal.h"
#include "datastore/etcd/etcd_server.h"
#include "datastore/etcd/listen_url.h"
#include "datastore/sqlite_backend.h"

namespace k1s::cli {
namespace {

struct DatastoreFlags {
  std::string data_dir = "/var/lib/k1s";
  std::string listen_client_urls = "http://127.0.0.1:2379";
  std::string cert_file;
  std::string key_file;
  std::string trusted_ca_file;
  std::string name;
  bool auto_compaction = true;
};

// The Backend and the etcd server over it, started and stopped as one component.
class DatastoreComponent final : public base::Component {
 public:
  explicit DatastoreComponent(const DatastoreFlags& flags) : flags_(flags) {}

  std::string_view Name() const override { return "datastore"; }

  absl::Status Start(base::StopSignal& stop) override {
    auto log = base::Logger("datastore");
    // Refuse bad listeners before touching the database.
    auto urls = datastore::etcd::ParseListenUrls(flags_.listen_client_urls);
    if (!urls.ok()) return urls.status();
    const datastore::etcd::TlsFiles tls{flags_.cert_file, flags_.key_file, flags_.trusted_ca_file};
    if (absl::Status status = datastore::etcd::ValidateListeners(*urls, tls); !status.ok()) {
      return status;
    }

    datastore::SqliteBackendOptions backend_options;
    backend_options.path = flags_.data_dir + "/server/db/state.db";
    backend_options.auto_compaction = flags_.auto_compaction;
    absl::StatusOr<std::unique_ptr<Backend>> backend =
        datastore::OpenSqliteBackend(backend_options);
    if (!backend.ok()) return backend.status();
    backend_ = *std::move(backend);
    log->info("opened {} at revision {}", backend_options.path, backend_->CurrentRevision());

    datastore::etcd::EtcdServerOptions options;
    options.listen_client_urls = {flags_.listen_client_urls};
    options.tls = tls;
    options.name = flags_.name;
    absl::StatusOr<std::unique_ptr<datastore::etcd::EtcdServer>> server =
        datastore::etcd::EtcdServer::Start(*backend_, std::move(options));
    if (!server.ok()) {
      backend_.reset();
      return server.status();
    }
    server_ = *std::move(server);
    for (const std::string& url : server_->client_urls()) {
      log->info("serving the etcd v3 API on {}", url);
    }
    return absl::OkStatus();
  }

  void Stop() override {
    auto log = base::Logger("datastore");
    log->info("stopping");
    server_.reset();   // ends watch and keep-alive streams, waits for running calls
    backend_.reset();  // flushes and closes SQLite
    log->info("stopped");
  }

 private:
  const DatastoreFlags flags_;
  std::unique_ptr<Backend> backend_;
  std::unique_ptr<datastore::etcd::EtcdServer> server_;
};

}  // namespace

Command AddDatastoreCommand(CLI::App& root) {
  auto flags = std::make_shared<DatastoreFlags>();
  CLI::App* app = root.add_subcommand(
      "datastore", "Run only the datastore, serving the etcd v3 API (for etcdctl and tests)");
  app->add_option("-d,--data-dir", flags->data_dir,
                  "Folder for all state; the database is <data-dir>/server/db/state.db")
      ->envname("K1S_DATA_DIR")
      ->capture_default_str();
  app->add_option("--listen-client-urls", flags->listen_client_urls,
                  "Comma-separated URLs to serve on: http://127.0.0.1:PORT (loopback only), "
                  "https://HOST:PORT (needs the TLS flags), unix:///PATH")
      ->capture_default_str();
  app->add_option("--cert-file", flags->cert_file, "TLS certificate for https:// listeners");
  app->add_option("--key-file", flags->key_file, "TLS key for https:// listeners");
  app->add_option("--trusted-ca-file", flags->trusted_ca_file,
                  "CA that client certificates must chain to (https:// listeners)");
  app->add_option("--name", flags->name, "Member name reported by `etcdctl member list`");
  app->add_flag("!--disable-auto-compaction", flags->auto_compaction,
                "Keep all history until an explicit compaction");

  return Command{app, [flags] {
                   base::StopSignal stop;
                   base::SignalWatcher signals(stop);  // before any thread starts
                   base::ComponentRunner runner(stop);
                   runner.Add(std::make_unique<DatastoreComponent>(*flags));
                   absl::Status status = runner.Run();
                   if (!status.ok()) {
                     std::cerr << "k1s datastore: " << status.message() << "\n";
                     return kExitFailure;
                   }
                   return kExitOk;
                 }};
}

}  // namespace k1s::cli
