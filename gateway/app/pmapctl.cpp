// pmapctl: the pain diary, movement tests, pillow setups, nights, days, the report, import/export
// and forget over the SQLite file or through the gateway's HTTP API (docs/diary.md). All the work
// is in pmap::pmapctl::run.
#include <iostream>
#include <string>
#include <vector>

#include "pmap/pmapctl.hpp"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  return pmap::pmapctl::run(args, std::cin, std::cout, std::cerr);
}
