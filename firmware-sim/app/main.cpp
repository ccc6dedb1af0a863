// pmap-sim: simulated PostureMap pressure mats, or real recordings replayed as a live mat
// (--replay). See docs/firmware-sim.md.
#include <atomic>
#include <csignal>
#include <iostream>

#include "cli.hpp"
#include "replay.hpp"
#include "run.hpp"

namespace {
std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the signal handler needs a lock-free flag");
extern "C" void request_stop(int) {
  g_stop = true;
}
}  // namespace

int main(int argc, char** argv) {
  auto parsed = pmap::sim::parse_cli(argc, argv);
  if (auto* exit = std::get_if<pmap::sim::CliExit>(&parsed)) {
    if (!exit->help.empty()) {
      std::cout << exit->help;
      return 0;
    }
    std::cerr << "pmap-sim: error: " << exit->error << "\n(see pmap-sim --help)\n";
    return 2;
  }
  std::signal(SIGINT, request_stop);
  std::signal(SIGTERM, request_stop);
  const auto& options = std::get<pmap::sim::CliOptions>(parsed);
  if (options.replay) return pmap::sim::run_replay(options, g_stop, std::cout, std::cerr);
  return pmap::sim::run_simulation(options, g_stop, std::cout, std::cerr);
}
