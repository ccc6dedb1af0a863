// pmapctl: the pain diary, movement tests, pillow setups, import/export and forget over the
// SQLite file (docs/diary.md). All the work is in pmap::pmapctl::run.
#include <iostream>
#include <string>
#include <vector>

#include "pmap/pmapctl.hpp"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  return pmap::pmapctl::run(args, std::cin, std::cout, std::cerr);
}
