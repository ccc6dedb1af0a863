// pmap-calibrate: see calibration/tool/calibrate_tool.hpp and docs/calibration.md.
#include <iostream>

#include "calibrate_tool.hpp"

int main(int argc, char* argv[]) {
  return pmap::calibration::run_calibrate(argc, argv, std::cout, std::cerr);
}
