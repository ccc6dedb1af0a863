#include "options.hpp"

#include <boost/program_options.hpp>
#include <iostream>
#include <regex>

#include "pmap/mqtt_security_options.hpp"

namespace pmap::dashboard::app {

namespace po = boost::program_options;

std::optional<Options> parse_options(int argc, char** argv, int& exit_code) {
  Options o;
  po::options_description desc(
      "pmap-dashboard: PostureMap's desktop dashboard (docs/dashboard.md).\n"
      "Live heatmaps over MQTT, nights, sitting, trends, the morning report and the pain diary\n"
      "over the gateway's HTTP API.\n\nOptions");
  desc.add_options()("help,h", "show this help")("api", po::value(&o.api)->default_value(o.api),
                                                 "gateway API base URL")(
      "broker", po::value(&o.broker)->default_value(o.broker), "MQTT broker URI for live data")(
      "token-file", po::value(&o.token_file), "file holding the API bearer token (first line)")(
      "unit", po::value(&o.unit)->default_value(o.unit), "pressure unit: mmHg or kPa")(
      "view", po::value(&o.view)->default_value(o.view),
      "view to open: live|night|sitting|trends|report|diary")(
      "date", po::value(&o.date),
      "local date YYYY-MM-DD for night, sitting and report (default today)")(
      "trend-days", po::value(&o.trend_days)->default_value(o.trend_days), "trends: 30 or 90")(
      "screenshot", po::value(&o.screenshot),
      "render --view headless into this PNG (and FILE.json: what was drawn) and exit")(
      "wait-ms", po::value(&o.wait_ms)->default_value(o.wait_ms),
      "--screenshot: longest wait for data, ms (100-120000)")(
      "answer-red-flag", po::value(&o.answer_red_flag),
      "diary: answer yes to bladder_bowel|saddle_numbness|leg_weakness (demo, tests)")(
      "no-mqtt", po::bool_switch(&o.no_mqtt), "do not connect to the broker");
  desc.add(mqtt_security_options("pmap.dashboard, read-only"));
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(desc).run(), vm);
    po::notify(vm);
  } catch (const std::exception& e) {
    std::cerr << "pmap-dashboard: " << e.what() << "\n(see --help)\n";
    exit_code = 2;
    return std::nullopt;
  }
  if (vm.count("help") != 0U) {
    std::cout << desc
              << "\nExample: pmap-dashboard --api http://bedbox:8787 --broker "
                 "tcp://bedbox:1883 --token-file ~/.pmap-token\n"
                 "Secured broker: --broker ssl://bedbox:8883 --mqtt-username pmap.dashboard "
                 "--mqtt-password-file F --tls-ca-file ca.crt --tls-cert-file C --tls-key-file K\n";
    exit_code = 0;
    return std::nullopt;
  }
  std::string error;
  static const std::regex date_re(R"(\d{4}-\d{2}-\d{2})");
  if (o.view != "live" && o.view != "night" && o.view != "sitting" && o.view != "trends" &&
      o.view != "report" && o.view != "diary") {
    error = "--view must be live, night, sitting, trends, report or diary";
  } else if (o.unit != "mmHg" && o.unit != "kPa") {
    error = "--unit must be mmHg or kPa";
  } else if (!o.date.empty() && !std::regex_match(o.date, date_re)) {
    error = "--date must be YYYY-MM-DD";
  } else if (o.wait_ms < 100 || o.wait_ms > 120000) {
    error = "--wait-ms must be 100-120000";
  } else if (o.trend_days != 30 && o.trend_days != 90) {
    error = "--trend-days must be 30 or 90";
  } else if (!o.answer_red_flag.empty() && o.answer_red_flag != "bladder_bowel" &&
             o.answer_red_flag != "saddle_numbness" && o.answer_red_flag != "leg_weakness") {
    error = "--answer-red-flag must be bladder_bowel, saddle_numbness or leg_weakness";
  }
  o.mqtt_security = mqtt_security_from(vm);
  if (error.empty()) {
    try {
      (void)check_mqtt_security(o.mqtt_security, o.broker);  // before any window opens
    } catch (const MqttSecurityError& e) {
      error = with_option_names(e.what());
    }
  }
  if (!error.empty()) {
    std::cerr << "pmap-dashboard: " << error << "\n";
    exit_code = 2;
    return std::nullopt;
  }
  exit_code = 0;
  return o;
}

}  // namespace pmap::dashboard::app
