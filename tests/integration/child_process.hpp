#pragma once
// Test helper: a child process (mosquitto, pmap-gateway, pmap-sim) owned by a test, with its
// stdout/stderr captured to files. The destructor kills and reaps it, so a failing test never
// leaves processes behind.
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace pmap::testing {

class ChildProcess {
 public:
  /// Starts `argv[0]` (a path) with arguments; output goes to `<log_stem>.out` / `.err`.
  ChildProcess(std::vector<std::string> argv, const std::filesystem::path& log_stem);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  [[nodiscard]] pid_t pid() const { return pid_; }
  void signal(int signo) const;
  /// Waits for exit; returns the exit code (128 + signal if killed), nullopt on timeout.
  std::optional<int> wait_for(std::chrono::milliseconds timeout);
  [[nodiscard]] bool running();
  [[nodiscard]] std::string stdout_text() const;
  [[nodiscard]] std::string stderr_text() const;

 private:
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::filesystem::path out_, err_;
};

/// A free TCP port on 127.0.0.1 (bound and released; good enough for tests).
int free_loopback_port();

/// True once something accepts TCP connections on 127.0.0.1:port.
bool wait_for_port(int port, std::chrono::milliseconds timeout);

}  // namespace pmap::testing
