#pragma once
// Broker credentials and TLS for a Paho client (pmap-gateway and pmap-sim, docs/deploy.md).
// The password is only ever read from a file: never a command-line argument, never logged.
#include <stdexcept>
#include <string>
#include <string_view>

#include <mqtt/connect_options.h>

namespace pmap {

/// A security setting is unusable (file unreadable, cert without key, TLS over tcp://, ...).
/// The message names the setting and the file, never a secret.
class MqttSecurityError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The settings as given (all optional). Names are the gateway's config keys; pmap-sim takes the
/// same ones as --mqtt-username, --mqtt-password-file, --tls-ca-file, --tls-cert-file,
/// --tls-key-file.
struct MqttSecurity {
  std::string username;       ///< mqtt_username; empty = anonymous
  std::string password_file;  ///< mqtt_password_file: first line is the password
  std::string ca_file;        ///< tls_ca_file: PEM CA(s) the broker's certificate must chain to
  std::string cert_file;      ///< tls_cert_file: PEM client certificate (with tls_key_file)
  std::string key_file;       ///< tls_key_file: PEM private key of tls_cert_file (unencrypted)
};

/// True for ssl:// and mqtts:// URIs (Paho's TLS schemes).
[[nodiscard]] bool is_tls_uri(std::string_view broker_uri);

/// Checks every setting against the broker URI and reads the password file: files must be
/// readable regular files (the key and certificate also PEM), a password file needs a username,
/// a certificate needs its key and the other way round, TLS files need an ssl:// broker.
/// Returns the password (empty when no password file). Throws MqttSecurityError.
[[nodiscard]] std::string check_mqtt_security(const MqttSecurity& security,
                                              std::string_view broker_uri);

/// check_mqtt_security, then sets user name, password and (for ssl:// brokers) Paho's
/// ssl_options with server certificate verification on. Throws MqttSecurityError.
void apply_mqtt_security(const MqttSecurity& security, std::string_view broker_uri,
                         mqtt::connect_options& options);

}  // namespace pmap
