#pragma once
// Integration-test harness: a private mosquitto on a free loopback port, the project's binaries,
// and small helpers to read what the gateway stored.
#include <sqlite3.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "child_process.hpp"

namespace pmap::testing {

/// Where the built pmap-* executables are (PMAP_BIN_DIR, set by CTest).
std::filesystem::path bin_dir();
/// A fresh, empty directory for one test's files.
std::filesystem::path fresh_dir(const std::string& name);

/// A private mosquitto (Debian package) on 127.0.0.1:<free port>, killed when destroyed.
class Broker {
 public:
  struct Options {
    /// Sessions, their queued QoS 1 messages and retained messages kept in `<dir>/mosquitto.db`
    /// across a restart: written when the broker stops (SIGTERM) and every `autosave_s` (a
    /// SIGKILL loses what changed since).
    bool persistence = false;
    int autosave_s = 1;
  };
  explicit Broker(const std::filesystem::path& dir) : Broker(dir, Options{}) {}
  Broker(const std::filesystem::path& dir, Options options);
  /// Stops the broker with `signo` (SIGTERM: it saves its persistence file and exits) and
  /// returns once it is gone.
  void stop(int signo);
  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] std::string uri() const { return "tcp://127.0.0.1:" + std::to_string(port_); }
  /// Kills the broker (SIGKILL: no goodbye to clients) and returns once it is gone.
  void kill();
  /// Starts it again on the same port (after kill()); false if it does not come up.
  bool restart();
  /// Blocks until the broker reports at least `count` subscriptions ($SYS, updated every 1 s).
  bool wait_for_subscriptions(int count, std::chrono::seconds timeout);
  [[nodiscard]] ChildProcess& process() { return *process_; }

 private:
  bool start();

  std::filesystem::path dir_;
  Options options_;
  int port_ = 0;
  int generation_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

/// The last line of `text` that parses as a JSON object (the tools' exit summaries).
nlohmann::json last_json_line(const std::string& text);

/// A read-only SQLite connection with a one-call query helper.
class Db {
 public:
  explicit Db(const std::filesystem::path& path);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  /// Rows of the query as JSON arrays (integers, reals, text, null).
  std::vector<nlohmann::json> rows(const std::string& sql);
  nlohmann::json scalar(const std::string& sql);

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace pmap::testing
