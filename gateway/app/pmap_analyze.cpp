// pmap-analyze: the posture engines over recorded frames (PMD text, CSV, frame logs), one JSON
// line per frame, or the gateway pipeline's summary of a recording. See docs/analyze.md; the
// work is done by pmap::analyze (gateway/analyze/).
#include <exception>
#include <iostream>

#include "pmap/analyze.hpp"

int main(int argc, char** argv) {
  auto parsed = pmap::analyze::parse_analyze_cli(argc, argv);
  if (const auto* exit = std::get_if<pmap::analyze::CliExit>(&parsed)) {
    if (!exit->help.empty()) {
      std::cout << exit->help;
      return 0;
    }
    std::cerr << "pmap-analyze: error: " << exit->error << " (see --help)\n";
    return 2;
  }
  try {
    return pmap::analyze::run_analyze(std::get<pmap::analyze::AnalyzeCli>(parsed), std::cout,
                                      std::cerr);
  } catch (const std::exception& e) {
    std::cerr << "pmap-analyze: internal error: " << e.what() << "\n";
    return 1;
  }
}
