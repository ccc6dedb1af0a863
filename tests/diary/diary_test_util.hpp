#pragma once
// Helpers shared by the diary tests.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "pmap/diary/pain_entry.hpp"
#include "pmap/diary/time_zone.hpp"

namespace pmap::diary::test {

/// A fresh temporary directory, removed at scope exit.
class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    path_ = std::filesystem::temp_directory_path() /
            ("pmap-diary-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline std::string read_all(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

inline void write_all(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
}

/// An entry at local `time` in `zone` with the given extent and pains, no red flags.
inline PainEntry entry(const std::string& zone, const std::string& time, Extent extent,
                       int back = 3, int leg = 4) {
  const TimeZone tz(zone);
  PainEntry e;
  e.tz = zone;
  e.time_us = tz.parse_time(time, "time");
  e.extent = extent;
  e.back_pain = back;
  e.leg_pain = leg;
  return e;
}

}  // namespace pmap::diary::test
