#include "base/lifecycle.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "base/logging.h"
#include "base/status.h"

namespace k1s::base {

void ComponentRunner::Add(std::unique_ptr<Component> component) {
  components_.push_back(std::move(component));
}

absl::Status ComponentRunner::StartAll() {
  auto log = Logger("k1s");
  for (; started_ < components_.size(); ++started_) {
    Component& component = *components_[started_];
    if (stop_.stopped()) {
      StopAll();
      absl::Status error = stop_.error();
      return error.ok() ? absl::CancelledError("stopped while starting") : error;
    }
    log->debug("starting {}", component.Name());
    absl::Status status = component.Start(stop_);
    if (!status.ok()) {
      StopAll();
      return WithContext(status, absl::StrCat("start ", std::string(component.Name())));
    }
    log->info("{} is ready", component.Name());
  }
  return absl::OkStatus();
}

void ComponentRunner::StopAll() {
  auto log = Logger("k1s");
  while (started_ > 0) {
    Component& component = *components_[--started_];
    log->debug("stopping {}", component.Name());
    component.Stop();
  }
}

absl::Status ComponentRunner::Run() {
  K1S_RETURN_IF_ERROR(StartAll());
  if (absl::Status notified = NotifySystemd("READY=1"); !notified.ok()) {
    Logger("k1s")->warn("systemd notify: {}", notified.message());
  }
  stop_.Wait();
  (void)NotifySystemd("STOPPING=1");
  StopAll();
  return stop_.error();
}

absl::Status NotifySystemd(std::string_view state) {
  const char* socket_path = std::getenv("NOTIFY_SOCKET");
  if (socket_path == nullptr || socket_path[0] == '\0') return absl::OkStatus();
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  size_t length = std::strlen(socket_path);
  if (length >= sizeof(address.sun_path)) {
    return absl::InvalidArgumentError("NOTIFY_SOCKET path is too long");
  }
  std::memcpy(address.sun_path, socket_path, length);
  if (address.sun_path[0] == '@') address.sun_path[0] = '\0';  // abstract namespace
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return ErrnoStatus("notify socket", errno);
  socklen_t address_length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + length);
  ssize_t sent = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                          reinterpret_cast<const sockaddr*>(&address), address_length);
  int err = errno;
  ::close(fd);
  if (sent < 0) return ErrnoStatus(absl::StrCat("notify systemd at ", socket_path), err);
  return absl::OkStatus();
}

}  // namespace k1s::base
