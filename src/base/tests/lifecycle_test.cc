#include "base/lifecycle.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace k1s::base {
namespace {

// Records start/stop order into a shared journal; optionally fails to start.
class RecordingComponent : public Component {
 public:
  enum class Behavior { kNormal, kFailStart, kStopProcessWhenStarted };
  RecordingComponent(std::string name, std::vector<std::string>& journal,
                     Behavior behavior = Behavior::kNormal)
      : name_(std::move(name)), journal_(journal), behavior_(behavior) {}
  std::string_view Name() const override { return name_; }
  absl::Status Start(StopSignal& stop) override {
    if (behavior_ == Behavior::kFailStart) return absl::UnavailableError("port 6443 in use");
    journal_.push_back("start " + name_);
    if (behavior_ == Behavior::kStopProcessWhenStarted) stop.Stop();
    return absl::OkStatus();
  }
  void Stop() override { journal_.push_back("stop " + name_); }

 private:
  std::string name_;
  std::vector<std::string>& journal_;
  Behavior behavior_;
};

TEST(ComponentRunnerTest, StartsInOrderAndStopsInReverse) {
  StopSignal stop;
  std::vector<std::string> journal;
  {
    ComponentRunner runner(stop);
    runner.Add(std::make_unique<RecordingComponent>("datastore", journal));
    runner.Add(std::make_unique<RecordingComponent>(
        "apiserver", journal, RecordingComponent::Behavior::kStopProcessWhenStarted));
    EXPECT_TRUE(runner.Run().ok());
  }
  EXPECT_EQ(journal, (std::vector<std::string>{"start datastore", "start apiserver",
                                               "stop apiserver", "stop datastore"}));
}

TEST(ComponentRunnerTest, StartFailureStopsStartedComponentsAndNamesTheComponent) {
  StopSignal stop;
  std::vector<std::string> journal;
  ComponentRunner runner(stop);
  runner.Add(std::make_unique<RecordingComponent>("datastore", journal));
  runner.Add(std::make_unique<RecordingComponent>(
      "apiserver", journal, RecordingComponent::Behavior::kFailStart));
  runner.Add(std::make_unique<RecordingComponent>("scheduler", journal));
  absl::Status status = runner.Run();
  EXPECT_EQ(status.message(), "start apiserver: port 6443 in use");
  EXPECT_EQ(journal, (std::vector<std::string>{"start datastore", "stop datastore"}));
}

TEST(ComponentRunnerTest, ComponentFailureEndsRunWithItsError) {
  StopSignal stop;
  std::vector<std::string> journal;
  ComponentRunner runner(stop);
  runner.Add(std::make_unique<RecordingComponent>("kubelet", journal));
  std::thread failer([&] { stop.StopWithError(absl::InternalError("containerd died")); });
  EXPECT_EQ(runner.Run().message(), "containerd died");
  failer.join();
}

TEST(NotifySystemdTest, SendsStateToNotifySocket) {
  std::string path = "/tmp/k1s-notify-" + std::to_string(getpid());
  int server = socket(AF_UNIX, SOCK_DGRAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  path.copy(address.sun_path, path.size());
  unlink(path.c_str());
  ASSERT_EQ(bind(server, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  setenv("NOTIFY_SOCKET", path.c_str(), 1);
  EXPECT_TRUE(NotifySystemd("READY=1").ok());
  unsetenv("NOTIFY_SOCKET");
  char buffer[64] = {};
  ssize_t n = recv(server, buffer, sizeof(buffer), MSG_DONTWAIT);
  close(server);
  unlink(path.c_str());
  EXPECT_EQ(std::string(buffer, n > 0 ? n : 0), "READY=1");
  EXPECT_TRUE(NotifySystemd("READY=1").ok()) << "no NOTIFY_SOCKET is not an error";
}

}  // namespace
}  // namespace k1s::base
