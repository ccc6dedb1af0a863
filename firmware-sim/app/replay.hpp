#pragma once
// pmap-sim --replay: real recordings (PMD text, CSV, frame logs) published as a live mat, at the
// recording's pace times --speed (docs/firmware-sim.md, "Replay").
#include <atomic>
#include <iosfwd>

#include "cli.hpp"

namespace pmap::sim {

/// Checks every file first (an unreadable or malformed one: exit 2 before anything is
/// published), then publishes / records the frames in order as one mat, file after file.
/// Prints the one-line JSON summary to `summary`, logs to `log`. Returns the exit code: 0, 1 when
/// the broker cannot be reached or deliveries/writes failed, 2 for bad input.
[[nodiscard]] int run_replay(const CliOptions& options, const std::atomic<bool>& stop,
                             std::ostream& summary, std::ostream& log);

}  // namespace pmap::sim
