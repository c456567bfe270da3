#pragma once
// The namespace controller, as upstream's: a namespace marked for deletion (Terminating, with
// the "kubernetes" finalizer) has every namespaced object of every served kind deleted (custom
// resources included, found through discovery on each pass), its status conditions explain what
// is left (NamespaceContentRemaining, NamespaceFinalizersRemaining, ...), and once nothing is
// left the finalizer is removed through namespaces/<name>/finalize, which lets the apiserver
// remove the namespace. Namespaces with content left are retried after a short delay.
//
// Thread-safe; work runs on the controller's queue workers.
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "client/work_queue.h"
#include "controllers/common/controller.h"

namespace k1s::controllers {

class NamespaceController : public Controller {
 public:
  explicit NamespaceController(ControllerContext& context);
  ~NamespaceController() override;

  std::string_view Name() const override { return "namespace"; }
  absl::Status Start() override;
  void Stop() override;

 private:
  absl::Status Sync(const std::string& name);

  ControllerContext& context_;
  client::Client client_;
  client::Informer& namespaces_;
  client::WorkQueue queue_;
  client::QueueWorkers workers_;
};

}  // namespace k1s::controllers
