// `k1s secrets-encrypt status|rotate-keys|reencrypt`: manages the keys that encrypt Secrets in
// the datastore, as k3s's command of the same name. It asks the running server over HTTPS with
// the admin client certificate from the data dir; the server changes its keys and rewrites the
// secrets itself (see src/server/secrets_encryption.h).

#include <curl/curl.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "pki/server_pki.h"

namespace k1s::cli {
namespace {

struct SecretsEncryptFlags {
  std::string data_dir = "/var/lib/k1s";
  std::string server = "https://127.0.0.1:6443";
};

size_t AppendBody(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

// Sends one request to the server's secrets-encrypt endpoint; prints the answer.
int Call(const SecretsEncryptFlags& flags, const std::string& action, bool post) {
  pki::ServerPkiFiles files = pki::ServerPkiFiles::ForDataDir(flags.data_dir);
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) {
    std::cerr << "k1s secrets-encrypt: cannot start an HTTP client\n";
    return kExitFailure;
  }
  std::string url = flags.server + "/v1-k1s/secrets-encrypt/" + action;
  std::string body;
  std::string cert = files.ClientCert("admin").string();
  std::string key = files.ClientKey("admin").string();
  std::string ca = files.server_ca_cert.string();
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_SSLCERT, cert.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_SSLKEY, key.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_CAINFO, ca.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT, 600L);  // reencrypt of many secrets takes a while
  if (post) {
    curl_easy_setopt(curl.get(), CURLOPT_POST, 1L);
    curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDSIZE, 0L);
  }
  CURLcode result = curl_easy_perform(curl.get());
  if (result != CURLE_OK) {
    std::cerr << "k1s secrets-encrypt: " << url << ": " << curl_easy_strerror(result)
              << " (is `k1s server` running with this --data-dir?)\n";
    return kExitFailure;
  }
  long code = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &code);
  if (code != 200) {
    std::cerr << "k1s secrets-encrypt " << action << ": HTTP " << code << ": " << body;
    if (code == 404) std::cerr << "(is the server running with --secrets-encryption=false?)\n";
    return kExitFailure;
  }
  std::cout << body;
  return kExitOk;
}

}  // namespace

Command AddSecretsEncryptCommand(CLI::App& root) {
  auto flags = std::make_shared<SecretsEncryptFlags>();
  CLI::App* app = root.add_subcommand("secrets-encrypt",
                                      "Manage the keys that encrypt Secrets in the datastore");
  app->require_subcommand(1);
  app->add_option("-d,--data-dir", flags->data_dir, "The server's data dir (for admin credentials)")
      ->envname("K1S_DATA_DIR")
      ->capture_default_str();
  app->add_option("-s,--server", flags->server, "The server's API address")->capture_default_str();
  CLI::App* status = app->add_subcommand("status", "Show the keys and how many secrets use each");
  CLI::App* rotate = app->add_subcommand(
      "rotate-keys", "Add a new key that encrypts from now on (older keys keep decrypting)");
  CLI::App* reencrypt = app->add_subcommand(
      "reencrypt", "Rewrite every secret with the active key and drop keys no longer used");
  return Command{app,
                 [flags, status, rotate, reencrypt] {
                   if (status->parsed()) return Call(*flags, "status", false);
                   if (rotate->parsed()) return Call(*flags, "rotate-keys", true);
                   if (reencrypt->parsed()) return Call(*flags, "reencrypt", true);
                   return kExitUsage;
                 },
                 false};
}

}  // namespace k1s::cli
