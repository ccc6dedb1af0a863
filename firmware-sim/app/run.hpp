#pragma once
// The simulation loop of pmap-sim: steps every mat in simulated-time order, paces the output
// (real-time multiple or as fast as the broker takes it), publishes / records, and summarises.
#include <atomic>
#include <iosfwd>

#include "cli.hpp"

namespace pmap::sim {

/// Runs the whole simulation. Prints the one-line JSON summary to `summary`, logs to `log`.
/// Returns the process exit code: 0 success, 1 when the broker cannot be reached or frames could
/// not be delivered or written. `stop` ends the run early but cleanly (SIGINT / SIGTERM).
[[nodiscard]] int run_simulation(const CliOptions& options, const std::atomic<bool>& stop,
                                 std::ostream& summary, std::ostream& log);

}  // namespace pmap::sim
