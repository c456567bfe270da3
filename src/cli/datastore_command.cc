// `k1s datastore`: opens the SQLite datastore and serves the etcd v3 API over it until SIGINT or
// SIGTERM, like a single-member etcd:
//
//   k1s datastore --data-dir /tmp/d --listen-client-urls http://127.0.0.1:2379,unix:///tmp/d.sock

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <string>
#include <utility>

#include "base/lifecycle.h"
#include "base/stop_signal.h"
#include "cli/commands.h"
#include "server/datastore_component.h"

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
                   server::DatastoreOptions options;
                   options.data_dir = flags->data_dir;
                   options.auto_compaction = flags->auto_compaction;
                   options.listen_client_urls = flags->listen_client_urls;
                   options.cert_file = flags->cert_file;
                   options.key_file = flags->key_file;
                   options.trusted_ca_file = flags->trusted_ca_file;
                   options.name = flags->name;
                   runner.Add(std::make_unique<server::DatastoreComponent>(options));
                   absl::Status status = runner.Run();
                   if (!status.ok()) {
                     std::cerr << "k1s datastore: " << status.message() << "\n";
                     return kExitFailure;
                   }
                   return kExitOk;
                 }};
}

}  // namespace k1s::cli
