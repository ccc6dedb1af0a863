#include "pmap/mqtt_security_options.hpp"

#include <array>
#include <string_view>

namespace pmap {

namespace po = boost::program_options;

namespace {
constexpr std::array<std::string_view, 5> kKeys = {"mqtt_username", "mqtt_password_file",
                                                   "tls_ca_file", "tls_cert_file", "tls_key_file"};

std::string option_of(std::string_view key) {
  std::string option(key);
  for (auto& c : option) c = c == '_' ? '-' : c;
  return option;
}
}  // namespace

po::options_description mqtt_security_options(const std::string& who) {
  po::options_description o("Secured broker (docs/deploy.md)");
  const std::string user_help = "MQTT user name (with deploy/mosquitto's ACL: " + who + ")";
  o.add_options()("mqtt-username", po::value<std::string>(), user_help.c_str())(
      "mqtt-password-file", po::value<std::string>(),
      "file whose first line is the MQTT password (needs --mqtt-username)")(
      "tls-ca-file", po::value<std::string>(),
      "ssl:// broker: PEM CA file the broker's certificate must chain to (default: system CAs)")(
      "tls-cert-file", po::value<std::string>(),
      "ssl:// broker: PEM client certificate (with --tls-key-file)")(
      "tls-key-file", po::value<std::string>(), "ssl:// broker: PEM private key of --tls-cert-file");
  return o;
}

MqttSecurity mqtt_security_from(const po::variables_map& vm) {
  const auto get = [&](std::string_view key) {
    const std::string option = option_of(key);
    return vm.count(option) != 0U ? vm[option].as<std::string>() : std::string();
  };
  return MqttSecurity{get(kKeys[0]), get(kKeys[1]), get(kKeys[2]), get(kKeys[3]), get(kKeys[4])};
}

bool any_mqtt_security_option(const po::variables_map& vm) {
  for (const auto key : kKeys) {
    if (vm.count(option_of(key)) != 0U) return true;
  }
  return false;
}

std::string with_option_names(std::string message) {
  for (const auto key : kKeys) {
    const std::string quoted = "'" + std::string(key) + "'";
    const std::string option = "--" + option_of(key);
    for (auto at = message.find(quoted); at != std::string::npos;
         at = message.find(quoted, at + option.size()))
      message.replace(at, quoted.size(), option);
  }
  return message;
}

}  // namespace pmap
