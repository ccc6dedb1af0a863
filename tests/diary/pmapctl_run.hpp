#pragma once
// pmapctl run in-process for tests: the exit code and both streams of one command line.
#include <sstream>
#include <string>
#include <vector>

#include "pmap/pmapctl.hpp"

namespace pmap::pmapctl::test {

struct CtlResult {
  int code = -1;
  std::string out;
  std::string err;
};

/// Runs `pmapctl ARGS` with `input` on stdin.
inline CtlResult ctl(const std::vector<std::string>& args, const std::string& input = "") {
  std::istringstream in(input);
  std::ostringstream out;
  std::ostringstream err;
  CtlResult r;
  r.code = run(args, in, out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

inline bool has(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

}  // namespace pmap::pmapctl::test
