#pragma once
// pmap-sim's command line parsed in-process, for the CLI tests (cli_test, calibration_test).
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "cli.hpp"

namespace pmap::sim::testing {

/// parse_cli on `args`, with "pmap-sim" as argv[0].
inline std::variant<CliOptions, CliExit> parse(std::vector<const char*> args) {
  args.insert(args.begin(), "pmap-sim");
  return parse_cli(static_cast<int>(args.size()), args.data());
}

/// The error message for `args`, or "" when they parse (or ask for help).
inline std::string error_of(std::vector<const char*> args) {
  auto parsed = parse(std::move(args));
  auto* exit = std::get_if<CliExit>(&parsed);
  return exit ? exit->error : "";
}

}  // namespace pmap::sim::testing
