#include "pmap/mqtt_security.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <mqtt/ssl_options.h>

namespace pmap {

namespace {

constexpr std::size_t kMaxFileBytes = 1 << 20;  // a PEM bundle or a password, never more

/// The whole file, or MqttSecurityError naming `key` and `path` with the reason.
std::string read_small_file(std::string_view key, const std::string& path) {
  const auto where = "'" + std::string(key) + "' " + path + ": ";
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) {
    throw MqttSecurityError(where + "no such file");
  }
  if (!std::filesystem::is_regular_file(status)) throw MqttSecurityError(where + "not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw MqttSecurityError(where + "cannot read (" + std::string(std::strerror(errno)) + ")");
  }
  std::string text;
  text.resize(kMaxFileBytes + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) throw MqttSecurityError(where + "read error");
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxFileBytes) throw MqttSecurityError(where + "larger than 1 MiB");
  return text;
}

void require_pem(std::string_view key, const std::string& path, const std::string& text) {
  if (text.find("-----BEGIN ") == std::string::npos) {
    throw MqttSecurityError("'" + std::string(key) + "' " + path +
                            ": not a PEM file (no -----BEGIN line)");
  }
}

}  // namespace

bool is_tls_uri(std::string_view broker_uri) {
  return broker_uri.starts_with("ssl://") || broker_uri.starts_with("mqtts://");
}

std::string check_mqtt_security(const MqttSecurity& s, std::string_view broker_uri) {
  const bool tls = is_tls_uri(broker_uri);
  if (!s.password_file.empty() && s.username.empty()) {
    throw MqttSecurityError("'mqtt_password_file' is set but 'mqtt_username' is empty");
  }
  if (s.cert_file.empty() != s.key_file.empty()) {
    throw MqttSecurityError("'tls_cert_file' and 'tls_key_file' go together: set both or neither");
  }
  if (!tls && (!s.ca_file.empty() || !s.cert_file.empty())) {
    throw MqttSecurityError("TLS files are set but the broker '" + std::string(broker_uri) +
                            "' is not ssl://host:port");
  }
  std::string password;
  if (!s.password_file.empty()) {
    const auto text = read_small_file("mqtt_password_file", s.password_file);
    password = text.substr(0, text.find('\n'));
    if (!password.empty() && password.back() == '\r') password.pop_back();
    if (password.empty()) {
      throw MqttSecurityError("'mqtt_password_file' " + s.password_file +
                              ": the first line (the password) is empty");
    }
    if (password.size() > 65535) {
      throw MqttSecurityError("'mqtt_password_file' " + s.password_file +
                              ": password longer than 65535 bytes");
    }
  }
  if (!s.ca_file.empty())
    require_pem("tls_ca_file", s.ca_file, read_small_file("tls_ca_file", s.ca_file));
  if (!s.cert_file.empty()) {
    require_pem("tls_cert_file", s.cert_file, read_small_file("tls_cert_file", s.cert_file));
    require_pem("tls_key_file", s.key_file, read_small_file("tls_key_file", s.key_file));
  }
  if (s.username.size() > 65535) throw MqttSecurityError("'mqtt_username' is too long");
  return password;
}

void apply_mqtt_security(const MqttSecurity& s, std::string_view broker_uri,
                         mqtt::connect_options& options) {
  const std::string password = check_mqtt_security(s, broker_uri);
  if (!s.username.empty()) options.set_user_name(s.username);
  if (!password.empty()) options.set_password(password);
  if (is_tls_uri(broker_uri)) {
    mqtt::ssl_options ssl;
    // Empty trust store: OpenSSL's default CA paths (a broker with a public certificate).
    if (!s.ca_file.empty()) ssl.set_trust_store(s.ca_file);
    if (!s.cert_file.empty()) {
      ssl.set_key_store(s.cert_file);
      ssl.set_private_key(s.key_file);
    }
    ssl.set_enable_server_cert_auth(true);
    ssl.set_verify(true);  // the broker's certificate must name the host in the URI
    options.set_ssl(std::move(ssl));
  }
}

}  // namespace pmap
