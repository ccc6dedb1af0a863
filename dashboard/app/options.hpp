#pragma once
// pmap-dashboard's command line (docs/dashboard.md, "Options").
#include <optional>
#include <string>

#include "pmap/mqtt_security.hpp"

namespace pmap::dashboard::app {

struct Options {
  std::string api = "http://127.0.0.1:8787";
  std::string broker = "tcp://127.0.0.1:1883";
  std::string token_file;
  std::string unit = "mmHg";
  std::string view = "live";
  std::string date;        ///< YYYY-MM-DD; empty: today (night, sitting, report)
  std::string screenshot;  ///< PNG path: render `view` headless and exit
  int wait_ms = 8000;      ///< --screenshot: longest wait for the data
  int trend_days = 30;
  std::string answer_red_flag;  ///< diary: tick this red-flag question (tests, demos)
  bool no_mqtt = false;
  MqttSecurity mqtt_security;  ///< --mqtt-username, --mqtt-password-file, --tls-*
};

/// Parses argv. Prints help / errors itself; returns nullopt with `exit_code` set when the
/// program should end (0 after --help, 2 on a usage error).
std::optional<Options> parse_options(int argc, char** argv, int& exit_code);

}  // namespace pmap::dashboard::app
