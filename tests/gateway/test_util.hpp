#pragma once
// Helpers shared by the gateway tests.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <unistd.h>

#include "pmap/frame.hpp"
#include "pmap/mat_descriptor.hpp"
#include "pmap/wire_codec.hpp"

namespace pmap::test {

inline constexpr std::int64_t kNowUs = 1'700'000'000'000'000;

inline std::string meta_json(std::string_view kind = "bed", int rows = 4, int cols = 3,
                             std::string_view first_row = "head", bool nominal = true,
                             double pitch = 10.0, int full_scale = 1000) {
  std::string s = R"({"v":1,"kind":")" + std::string(kind) + R"(","rows":)" + std::to_string(rows) +
                  R"(,"cols":)" + std::to_string(cols) + R"(,"pitch_mm":)" + std::to_string(pitch) +
                  R"(,"sample_rate_hz":1,"layout":{"first_row":")" + std::string(first_row) +
                  R"("},"full_scale_counts":)" + std::to_string(full_scale);
  if (nominal) s += R"(,"nominal_full_scale_mmhg":100)";
  s += "}";
  return s;
}

inline PressureFrame make_frame(std::uint32_t seq, std::int64_t ts_us, std::uint16_t rows,
                                std::uint16_t cols, std::uint16_t fill = 0) {
  PressureFrame f;
  f.sequence = seq;
  f.timestamp_us = ts_us;
  f.rows = rows;
  f.cols = cols;
  f.values.assign(std::size_t{rows} * cols, fill);
  return f;
}

inline std::vector<std::uint8_t> bytes(std::string_view s) {
  return {s.begin(), s.end()};
}

inline std::vector<std::uint8_t> binary(std::uint32_t seq, std::int64_t ts_us = kNowUs,
                                        std::uint16_t rows = 4, std::uint16_t cols = 3,
                                        std::uint16_t fill = 0) {
  return encode_binary(make_frame(seq, ts_us, rows, cols, fill));
}

/// A fresh temporary directory, removed at scope exit.
class TempDir {
 public:
  TempDir() {
    auto base = std::filesystem::temp_directory_path() /
                ("pmap-gw-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    std::filesystem::remove_all(base);
    std::filesystem::create_directories(base);
    path_ = base;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::permissions(path_, std::filesystem::perms::owner_all, ec);
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] std::string file(const std::string& name) const { return (path_ / name).string(); }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  static int& counter() {
    static int n = 0;
    return n;
  }
  std::filesystem::path path_;
};

}  // namespace pmap::test
