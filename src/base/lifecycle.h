#pragma once
// The lifecycle every long-running part of k1s follows: start with its config, report ready,
// stop on the shared stop signal. ComponentRunner starts components in the order they were
// added (datastore -> apiserver -> the rest; containerd -> kubelet), tells systemd when all are
// ready, and stops them in reverse order. A component that fails later calls
// stop.StopWithError(...), which takes the whole process down with that error.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "base/stop_signal.h"

namespace k1s::base {

class Component {
 public:
  virtual ~Component() = default;
  virtual std::string_view Name() const = 0;
  // Starts the component and returns once it is ready to serve, or with the reason it cannot.
  // Must give up promptly when `stop` is triggered. Background failures go to
  // stop.StopWithError().
  virtual absl::Status Start(StopSignal& stop) = 0;
  // Stops the component and waits for its threads. Called once, only after a successful Start.
  virtual void Stop() = 0;
};

// Not thread-safe: owned and driven by main's thread.
class ComponentRunner {
 public:
  explicit ComponentRunner(StopSignal& stop) : stop_(stop) {}
  ~ComponentRunner() { StopAll(); }

  void Add(std::unique_ptr<Component> component);

  // Starts every component in order. On a failure, stops those already started and returns the
  // error prefixed with "start <name>: ".
  absl::Status StartAll();
  // Stops started components in reverse order. Idempotent.
  void StopAll();

  // StartAll, READY=1 to systemd, wait for the stop signal, StopAll. Returns the start error or
  // the error a component stopped the process with.
  absl::Status Run();

 private:
  StopSignal& stop_;
  std::vector<std::unique_ptr<Component>> components_;
  size_t started_ = 0;
};

// Sends `state` (e.g. "READY=1", "STOPPING=1") to systemd when NOTIFY_SOCKET is set; otherwise
// does nothing. The sd_notify datagram protocol is written out here rather than linking
// libsystemd so a fully static k1s stays possible.
absl::Status NotifySystemd(std::string_view state);

}  // namespace k1s::base
