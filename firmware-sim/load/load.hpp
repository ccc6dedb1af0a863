#pragma once
// pmap-load: many simulated bed mats at a fixed rate into one broker, and the measurement of what
// a gateway makes of them in the same run (docs/firmware-sim.md, "Load runs"; figures in
// docs/performance.md, "Load: 500 mats").
#include <atomic>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <variant>

namespace pmap::sim {

struct LoadOptions {
  std::string broker;      ///< tcp://host:port
  std::size_t mats = 500;  ///< bed mats, ids <prefix>0000 ...
  double rate_hz = 10;     ///< frames per second per mat
  double warmup_s = 10;    ///< sent but not measured
  double duration_s = 60;  ///< the measured (steady) part, after the warm-up
  double drain_s = 20;     ///< after the last frame: wait at most this for the gateway
  std::size_t connections =
      0;  ///< MQTT connections shared round-robin by the mats; 0 = one per mat
  std::size_t pool_frames = 20;  ///< frames pre-rendered per mat, sent in a loop
  std::size_t window = 64;       ///< QoS 1 deliveries in flight per connection
  std::uint64_t seed = 1;
  std::string mat_prefix = "load";
  std::optional<std::string> metrics_url;         ///< http://host:port/metrics of the gateway
  std::optional<std::string> api_token_file;      ///< bearer token for metrics_url
  std::optional<int> gateway_pid;                 ///< for VmRSS / VmHWM from /proc/<pid>/status
  std::string bare_subscriber = "mosquitto_sub";  ///< empty: no bare subscriber
};

struct LoadCliExit {
  std::string help;   ///< --help: print, exit 0
  std::string error;  ///< otherwise: print, exit 2
};

[[nodiscard]] std::variant<LoadOptions, LoadCliExit> parse_load_cli(int argc,
                                                                    const char* const argv[]);

/// Runs the load and prints one JSON line of results to `result`; progress goes to `log`.
/// Returns 0, 1 when the broker cannot be reached or frames were not delivered.
[[nodiscard]] int run_load(const LoadOptions& options, const std::atomic<bool>& stop,
                           std::ostream& result, std::ostream& log);

}  // namespace pmap::sim
