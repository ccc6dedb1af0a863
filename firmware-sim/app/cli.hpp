#pragma once
// Command line of pmap-sim: parsing and validation (docs/firmware-sim.md, "Command line").
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "mat_simulator.hpp"

namespace pmap::sim {

struct CliOptions {
  std::optional<std::string> broker;
  std::optional<std::string> output;  ///< frame-log path; "{mat}" is replaced by the mat id
  std::string client_id;              ///< empty = "pmap-sim-<mat>"
  std::vector<MatConfig> mats;
  std::optional<double> speed;  ///< real-time multiple; nullopt = as fast as possible ("max")
  std::uint64_t seed = 1;
  std::optional<std::int64_t> start_us;
  bool json_frames = false;
  std::size_t window = 64;
};

/// `help` is set when --help was asked for (print it, exit 0); otherwise `error` explains what is
/// wrong with the command line (print it, exit 2).
struct CliExit {
  std::string help;
  std::string error;
};

[[nodiscard]] std::variant<CliOptions, CliExit> parse_cli(int argc, const char* const argv[]);

}  // namespace pmap::sim
