#pragma once
// pmapctl, the person's command line over the SQLite file (--db) or the gateway's HTTP API (--api;
// docs/diary.md, "Through the gateway"): the pain diary, movement tests, pillow setups, nights,
// days, the report, import, export and forget. The program's main() only calls run(); tests call
// it in-process with string streams.
#include <iosfwd>
#include <string>
#include <vector>

namespace pmap::pmapctl {

/// Exit codes (docs/diary.md, "Exit codes").
enum ExitCode : int {
  kOk = 0,
  kRefused = 1,  ///< refused: invalid value, unknown name, no confirmation, I/O, the gateway
  kUsage = 2,    ///< bad command line: unknown command or option, missing or untyped option
  kRedFlag = 3,  ///< done (entry stored) and the red-flag warning was shown
};

/// Runs one command. `args` excludes the program name. Never throws: every error is reported on
/// `err` and returned as an exit code.
int run(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
        std::ostream& err);

}  // namespace pmap::pmapctl
