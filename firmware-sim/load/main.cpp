// pmap-load: many simulated bed mats at a fixed rate into one broker, measuring a gateway in the
// same run. See docs/firmware-sim.md, "Load runs".
#include <atomic>
#include <csignal>
#include <iostream>

#include "load.hpp"

namespace {
std::atomic<bool> g_stop{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the signal handler needs a lock-free flag");
extern "C" void request_stop(int) {
  g_stop = true;
}
}  // namespace

int main(int argc, char** argv) {
  auto parsed = pmap::sim::parse_load_cli(argc, argv);
  if (auto* exit = std::get_if<pmap::sim::LoadCliExit>(&parsed)) {
    if (!exit->help.empty()) {
      std::cout << exit->help;
      return 0;
    }
    std::cerr << "pmap-load: error: " << exit->error << "\n(see pmap-load --help)\n";
    return 2;
  }
  std::signal(SIGINT, request_stop);
  std::signal(SIGTERM, request_stop);
  return pmap::sim::run_load(std::get<pmap::sim::LoadOptions>(parsed), g_stop, std::cout,
                             std::cerr);
}
