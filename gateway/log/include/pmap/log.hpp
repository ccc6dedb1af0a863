#pragma once
// Minimal leveled logger for the gateway (spdlog-like sinks, no dependency).
//
// Threading: a Logger may be used from any thread; the sink is called under a mutex, one line at
// a time. The default sink writes to stderr (stdout is reserved for the exit summary).
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace pmap {

enum class LogLevel : std::uint8_t { kTrace, kDebug, kInfo, kWarn, kError, kOff };

[[nodiscard]] std::string_view to_string(LogLevel level);
/// "trace", "debug", "info", "warn", "error", "off"; nullopt for anything else.
[[nodiscard]] std::optional<LogLevel> log_level_from_string(std::string_view text);

/// Receives complete lines (without trailing newline). Must not throw.
using LogSink = std::function<void(LogLevel, std::string_view line)>;

class Logger {
 public:
  /// A logger writing to stderr at `level`. When stderr is connected to journald
  /// ($JOURNAL_STREAM names it), lines are "<priority>level message": journald stamps the time
  /// itself and takes the syslog priority from the prefix.
  explicit Logger(LogLevel level = LogLevel::kInfo);
  Logger(LogLevel level, LogSink sink, bool journal_format = false);

  void set_level(LogLevel level);
  [[nodiscard]] LogLevel level() const;
  [[nodiscard]] bool enabled(LogLevel level) const;
  /// Formats "<UTC time> <level> <message>" (journal format: "<N><level> <message>", N the
  /// syslog priority) and hands it to the sink.
  void log(LogLevel level, std::string_view message);

  void trace(std::string_view m) { log(LogLevel::kTrace, m); }
  void debug(std::string_view m) { log(LogLevel::kDebug, m); }
  void info(std::string_view m) { log(LogLevel::kInfo, m); }
  void warn(std::string_view m) { log(LogLevel::kWarn, m); }
  void error(std::string_view m) { log(LogLevel::kError, m); }

 private:
  mutable std::mutex mutex_;
  LogLevel level_;
  LogSink sink_;
  bool journal_ = false;
};

/// True when `journal_stream` ($JOURNAL_STREAM, "<device>:<inode>", set by systemd) names the
/// file open on `fd`: its output goes to journald.
[[nodiscard]] bool journal_stream_matches(const char* journal_stream, int fd);

/// Decides whether a message keyed by (subject, reason) may be logged now: at most one line per
/// key per `interval`, reporting how many were suppressed in between. Not thread-safe (owned by
/// the one thread that uses it).
class LogRateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  explicit LogRateLimiter(std::chrono::milliseconds interval = std::chrono::seconds(10),
                          std::size_t max_keys = 65536);

  /// Returns the number of suppressed messages since the last allowed one when this message may
  /// be logged, nullopt when it must be suppressed (and counts it).
  [[nodiscard]] std::optional<std::uint64_t> allow(const std::string& subject,
                                                   std::string_view reason, Clock::time_point now);

 private:
  struct Entry {
    Clock::time_point last;
    std::uint64_t suppressed = 0;
  };
  std::chrono::milliseconds interval_;
  std::size_t max_keys_;
  std::map<std::pair<std::string, std::string>, Entry, std::less<>> entries_;
};

}  // namespace pmap
