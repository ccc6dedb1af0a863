// pmap-gateway: MQTT → validation → features → SQLite + state (docs/gateway.md).
#include <sys/stat.h>

#include <cstdio>
#include <iostream>

#include <boost/program_options.hpp>

#include "pmap/gateway_config.hpp"
#include "pmap/gateway_service.hpp"
#include "pmap/store.hpp"

namespace po = boost::program_options;

namespace {

std::string option_name(std::string_view key) {
  std::string s(key);
  for (auto& c : s) {
    if (c == '_') c = '-';
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  const pmap::GatewayConfig defaults;
  po::options_description general(
      "pmap-gateway --broker URI --db PATH [--config FILE] [options]\n\nGeneral");
  general.add_options()("help,h", "show this help and exit")(
      "config", po::value<std::string>(),
      "JSON config file (keys below, snake_case); options given on the command line override it");
  po::options_description settings(
      "Settings (config key = option name with '_' for '-'; default, range)");
  for (const auto& key : pmap::config_keys()) {
    const std::string help = std::string(key.help) + " [default: " +
                             (key.get(defaults).empty() ? std::string("\"\"") : key.get(defaults)) +
                             "; " + key.range + "]";
    settings.add_options()(option_name(key.name).c_str(), po::value<std::string>(), help.c_str());
  }
  po::options_description all;
  all.add(general).add(settings);

  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "pmap-gateway: " << e.what() << "\n(see pmap-gateway --help)\n";
    return 2;
  }
  if (vm.count("help") != 0U) {
    std::cout << all
              << "\nExit codes: 0 clean shutdown (SIGINT/SIGTERM), 1 runtime error (e.g. the "
                 "database cannot be opened), 2 bad usage or configuration.\n"
                 "On exit one JSON summary line is printed on stdout.\n";
    return 0;
  }

  pmap::GatewayConfig config;
  try {
    if (vm.count("config") != 0U) pmap::load_config_file(config, vm["config"].as<std::string>());
    for (const auto& key : pmap::config_keys()) {
      const auto name = option_name(key.name);
      if (vm.count(name) != 0U)
        pmap::apply_config_text(config, key.name, vm[name].as<std::string>());
    }
    pmap::validate_config(config);
  } catch (const pmap::ConfigError& e) {
    std::cerr << "pmap-gateway: " << e.what() << '\n';
    return 2;
  }

  // The database, its journal and the raw archive hold health data: never readable by group or
  // others, whatever umask the caller left (the systemd unit sets UMask=0077 too).
  const mode_t inherited = ::umask(0077);
  ::umask(inherited | 0077);

  pmap::Logger logger(config.log_level);
  try {
    pmap::GatewayService service(config, logger);
    const int code = service.run();
    std::cout << service.summary().dump() << std::endl;
    return code;
  } catch (const pmap::ConfigError& e) {
    logger.error(e.what());
    return 2;
  } catch (const pmap::StoreError& e) {
    logger.error(e.what());
    return 1;
  } catch (const std::exception& e) {
    logger.error(std::string("fatal: ") + e.what());
    return 1;
  }
}
