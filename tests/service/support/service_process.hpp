// Runs the real comments-service binary for a test: port 0, output captured to a file, the bound
// port read from its "listening" log line, stopped by signal when the test ends.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace comments::testing {

class ServiceProcess {
 public:
  // args are extra flags; --port 0 and --shutdown-delay 0s are added unless given.
  explicit ServiceProcess(std::vector<std::string> args,
                          std::map<std::string, std::string> env = {});
  ~ServiceProcess();
  ServiceProcess(const ServiceProcess&) = delete;
  ServiceProcess& operator=(const ServiceProcess&) = delete;

  // Waits for the listening line; false when the process exited or the deadline passed.
  bool wait_listening(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  std::uint16_t port() const { return port_; }
  // The admin listener's port (with --admin-port), read by wait_listening; 0 without one.
  std::uint16_t admin_port() const { return admin_port_; }
  pid_t pid() const { return pid_; }
  std::string output() const;

  void signal(int sig);
  // Waits for exit; returns the exit code (128+signal when killed), nullopt on timeout.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout = std::chrono::seconds(20));
  bool running();

 private:
  std::filesystem::path log_path_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::uint16_t admin_port_ = 0;
  std::optional<int> exit_code_;
};

// A service on in-memory storage that logs warnings only, with the extra flags.
ServiceProcess memory_service(std::vector<std::string> extra = {});

// Runs the binary to completion (for flag errors, --help, healthcheck); returns exit code and
// output.
struct RunResult {
  int exit_code;
  std::string output;
};
RunResult run_service_command(const std::vector<std::string>& args,
                              std::map<std::string, std::string> env = {});
// The same as a user whom file permissions bind: as root, through setpriv as nobody (65534);
// otherwise as we are.
RunResult run_service_command_unprivileged(const std::vector<std::string>& args);

// Polls pred every 10 ms until it holds or the deadline passes.
template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) {
      return true;
    }
    struct timespec ts {
      0, 10'000'000
    };
    nanosleep(&ts, nullptr);
  }
  return pred();
}

}  // namespace comments::testing
