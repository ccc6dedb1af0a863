#include "harness.hpp"

#include <mqtt/client.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace pmap::testing {

std::filesystem::path bin_dir() {
  const char* d = std::getenv("PMAP_BIN_DIR");
  if (d == nullptr) throw std::runtime_error("PMAP_BIN_DIR not set (run the tests through ctest)");
  return d;
}

std::filesystem::path fresh_dir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("pmap-it-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

Broker::Broker(const std::filesystem::path& dir, Options options) : dir_(dir), options_(options) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = free_loopback_port();
    if (start()) return;
  }
  throw std::runtime_error("mosquitto did not start (is the Debian package installed?)");
}

bool Broker::start() {
  const char* exe = std::getenv("PMAP_MOSQUITTO");
  const std::string mosquitto = exe != nullptr ? exe : "/usr/sbin/mosquitto";
  const auto conf = dir_ / "mosquitto.conf";
  std::ofstream(conf) << "listener " << port_ << " 127.0.0.1\n"
                      << "allow_anonymous true\n"
                      << (options_.persistence ? "persistence true\npersistence_location " +
                                                     dir_.string() + "/\nautosave_interval " +
                                                     std::to_string(options_.autosave_s) + "\n"
                                               : std::string("persistence false\n"))
                      // The gateway's back-pressure leaves messages queued at the broker; the
                      // default of 1000 queued QoS 1 messages per client drops the rest.
                      << "max_queued_messages 1000000\n"
                      << "sys_interval 1\n"
                      << "log_dest stderr\n"
                      << "log_type error\nlog_type warning\nlog_type notice\n";
  process_ = std::make_unique<ChildProcess>(
      std::vector<std::string>{mosquitto, "-c", conf.string()},
      dir_ / ("mosquitto" + (generation_++ == 0 ? std::string() : std::to_string(generation_))));
  if (wait_for_port(port_, std::chrono::seconds(10))) return true;
  process_.reset();
  return false;
}

void Broker::kill() {
  stop(SIGKILL);
}

void Broker::stop(int signo) {
  process_->signal(signo);
  process_->wait_for(std::chrono::seconds(10));
}

bool Broker::restart() {
  // The port may linger briefly after the kill; try for a few seconds.
  for (int attempt = 0; attempt < 10; ++attempt) {
    if (start()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  return false;
}

bool Broker::wait_for_subscriptions(int count, std::chrono::seconds timeout) {
  mqtt::client client(uri(), "pmap-it-sys-" + std::to_string(::getpid()));
  auto opts = mqtt::connect_options_builder().clean_session(true).finalize();
  client.connect(opts);
  client.start_consuming();
  client.subscribe("$SYS/broker/subscriptions/count", 0);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool reached = false;
  while (!reached && std::chrono::steady_clock::now() < deadline) {
    mqtt::const_message_ptr msg;
    if (client.try_consume_message_for(&msg, std::chrono::milliseconds(500)) && msg) {
      // Our own subscription is one of them.
      reached = std::atoi(msg->to_string().c_str()) >= count + 1;
    }
  }
  client.disconnect();
  return reached;
}

nlohmann::json last_json_line(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  nlohmann::json last;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_discarded() && j.is_object()) last = std::move(j);
  }
  return last;
}

Db::Db(const std::filesystem::path& path) {
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    throw std::runtime_error("cannot open " + path.string());
  }
  sqlite3_busy_timeout(db_, 5000);
}

Db::~Db() {
  sqlite3_close(db_);
}

std::vector<nlohmann::json> Db::rows(const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
    throw std::runtime_error(std::string("bad SQL: ") + sqlite3_errmsg(db_) + ": " + sql);
  }
  std::vector<nlohmann::json> out;
  while (sqlite3_step(stmt) == SQLITE_ROW) {
    nlohmann::json row = nlohmann::json::array();
    for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
      switch (sqlite3_column_type(stmt, i)) {
        case SQLITE_INTEGER:
          row.push_back(sqlite3_column_int64(stmt, i));
          break;
        case SQLITE_FLOAT:
          row.push_back(sqlite3_column_double(stmt, i));
          break;
        case SQLITE_NULL:
          row.push_back(nullptr);
          break;
        default:
          row.push_back(reinterpret_cast<const char*>(sqlite3_column_text(stmt, i)));
          break;
      }
    }
    out.push_back(std::move(row));
  }
  sqlite3_finalize(stmt);
  return out;
}

nlohmann::json Db::scalar(const std::string& sql) {
  const auto r = rows(sql);
  return r.empty() || r[0].empty() ? nlohmann::json() : r[0][0];
}

}  // namespace pmap::testing
