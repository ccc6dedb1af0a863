#include "pmap/log.hpp"

#include <sys/stat.h>

#include <array>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <ctime>

namespace pmap {

std::string_view to_string(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace:
      return "trace";
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
    case LogLevel::kOff:
      return "off";
  }
  return "?";
}

std::optional<LogLevel> log_level_from_string(std::string_view text) {
  for (const LogLevel l : {LogLevel::kTrace, LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn,
                           LogLevel::kError, LogLevel::kOff}) {
    if (text == to_string(l)) return l;
  }
  return std::nullopt;
}

namespace {
void stderr_sink(LogLevel /*level*/, std::string_view line) {
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fputc('\n', stderr);
  std::fflush(stderr);
}
}  // namespace

bool journal_stream_matches(const char* journal_stream, int fd) {
  if (journal_stream == nullptr) return false;
  const std::string_view text(journal_stream);
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) return false;
  unsigned long long dev = 0;
  unsigned long long ino = 0;
  const auto* begin = text.data();
  const auto d = std::from_chars(begin, begin + colon, dev);
  const auto i = std::from_chars(begin + colon + 1, begin + text.size(), ino);
  if (d.ec != std::errc() || d.ptr != begin + colon || i.ec != std::errc() ||
      i.ptr != begin + text.size()) {
    return false;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) return false;
  return static_cast<unsigned long long>(st.st_dev) == dev &&
         static_cast<unsigned long long>(st.st_ino) == ino;
}

Logger::Logger(LogLevel level)
    : level_(level),
      sink_(stderr_sink),
      journal_(journal_stream_matches(std::getenv("JOURNAL_STREAM"), 2)) {}
Logger::Logger(LogLevel level, LogSink sink, bool journal_format)
    : level_(level), sink_(std::move(sink)), journal_(journal_format) {}

void Logger::set_level(LogLevel level) {
  const std::lock_guard lock(mutex_);
  level_ = level;
}
LogLevel Logger::level() const {
  const std::lock_guard lock(mutex_);
  return level_;
}
bool Logger::enabled(LogLevel level) const {
  return level != LogLevel::kOff && level >= this->level();
}

void Logger::log(LogLevel level, std::string_view message) {
  if (!enabled(level)) return;
  if (journal_) {
    // sd-daemon(3) priority prefixes: err 3, warning 4, info 6, debug 7.
    const char* priority = level == LogLevel::kError  ? "<3>"
                           : level == LogLevel::kWarn ? "<4>"
                           : level == LogLevel::kInfo ? "<6>"
                                                      : "<7>";
    std::string line(priority);
    line += to_string(level);
    line += ' ';
    line += message;
    const std::lock_guard lock(mutex_);
    if (sink_) sink_(level, line);
    return;
  }
  const auto now = std::chrono::system_clock::now();
  const std::time_t secs = std::chrono::system_clock::to_time_t(now);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  std::array<char, 40> stamp{};
  const auto n = std::strftime(stamp.data(), stamp.size(), "%Y-%m-%dT%H:%M:%S", &tm);
  std::string line(stamp.data(), n);
  char frac[8];
  std::snprintf(frac, sizeof frac, ".%03dZ", static_cast<int>(ms));
  line += frac;
  line += ' ';
  line += to_string(level);
  line += ' ';
  line += message;
  const std::lock_guard lock(mutex_);
  if (sink_) sink_(level, line);
}

LogRateLimiter::LogRateLimiter(std::chrono::milliseconds interval, std::size_t max_keys)
    : interval_(interval), max_keys_(max_keys) {}

std::optional<std::uint64_t> LogRateLimiter::allow(const std::string& subject,
                                                   std::string_view reason, Clock::time_point now) {
  auto key = std::make_pair(subject, std::string(reason));
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    if (entries_.size() >= max_keys_) entries_.clear();  // bounded memory; worst case re-logs
    entries_.emplace(std::move(key), Entry{now, 0});
    return 0;
  }
  if (now - it->second.last >= interval_) {
    const std::uint64_t suppressed = it->second.suppressed;
    it->second = Entry{now, 0};
    return suppressed;
  }
  ++it->second.suppressed;
  return std::nullopt;
}

}  // namespace pmap
