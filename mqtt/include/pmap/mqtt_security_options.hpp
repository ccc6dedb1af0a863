#pragma once
// The command-line form of MqttSecurity, shared by pmap-sim and pmap-dashboard so every program
// spells and checks the options the same way: --mqtt-username, --mqtt-password-file,
// --tls-ca-file, --tls-cert-file, --tls-key-file (the gateway's config keys with '-').
#include <string>

#include <boost/program_options.hpp>

#include "pmap/mqtt_security.hpp"

namespace pmap {

/// The five options, described for `--help`. `who` names the account in the user-name help,
/// e.g. "the mat id" or "pmap.dashboard".
[[nodiscard]] boost::program_options::options_description mqtt_security_options(
    const std::string& who);

/// The options as given (absent ones empty).
[[nodiscard]] MqttSecurity mqtt_security_from(const boost::program_options::variables_map& vm);

/// True when any of the five options was given.
[[nodiscard]] bool any_mqtt_security_option(const boost::program_options::variables_map& vm);

/// check_mqtt_security's message with the config keys ('tls_ca_file') written as the options
/// ('--tls-ca-file').
[[nodiscard]] std::string with_option_names(std::string message);

}  // namespace pmap
