#pragma once
// Command line of pmap-sim: parsing and validation (docs/firmware-sim.md, "Command line").
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "mat_simulator.hpp"
#include "pmap/mqtt_security.hpp"
#include "pmap/recording.hpp"
#include "pmap/sim/session_planner.hpp"

namespace pmap::sim {

/// `--replay FILE...`: real recordings published as one live mat (docs/firmware-sim.md, "Replay").
struct ReplayConfig {
  std::vector<std::string> files;
  RecordingOptions read;              ///< format and (optionally) rows/cols
  std::optional<std::string> mat_id;  ///< default "replay" (pmaplog: the log's mat id)
  std::optional<MatKind> kind;        ///< default bed (pmaplog: its meta's, must agree)
  /// Declared in `meta` (text formats): --head first|last and --mirror.
  MatLayout layout;
  std::optional<std::pair<double, double>> pitch_mm;  ///< text formats; default 25.4 mm
  std::optional<double> rate_hz;  ///< nominal rate for `meta` (csv; default from its t_ms)
};

struct CliOptions {
  std::optional<std::string> broker;
  std::optional<std::string> output;  ///< frame-log path; "{mat}" is replaced by the mat id
  std::optional<std::string> csv;     ///< CSV path (t_ms,applied_mmHg,v0,...); "{mat}" as above
  /// The sensor's hidden truth (JSON) per mat, written before the first frame; "{mat}" as above.
  std::optional<std::string> truth_out;
  std::string client_id;  ///< empty = "pmap-sim-<mat>"
  /// --mqtt-username, --mqtt-password-file, --tls-ca-file, --tls-cert-file, --tls-key-file:
  /// checked (files readable, PEM) before anything is simulated.
  MqttSecurity security;
  std::vector<MatConfig> mats;
  std::optional<double> speed;  ///< real-time multiple; nullopt = as fast as possible ("max")
  std::uint64_t seed = 1;
  std::optional<std::int64_t> start_us;
  bool json_frames = false;
  std::size_t window = 64;
  std::optional<ReplayConfig> replay;  ///< set: replay recordings instead of simulating
  /// Set: a multi-night run (--nights): bed mats play planned nights, chair mats working days, at
  /// their real times (docs/firmware-sim.md, "Multi-night runs"). --truth-out then holds the plans.
  std::optional<MultiNightConfig> nights;
};

/// `help` is set when --help was asked for (print it, exit 0); otherwise `error` explains what is
/// wrong with the command line (print it, exit 2).
struct CliExit {
  std::string help;
  std::string error;
};

[[nodiscard]] std::variant<CliOptions, CliExit> parse_cli(int argc, const char* const argv[]);

}  // namespace pmap::sim
