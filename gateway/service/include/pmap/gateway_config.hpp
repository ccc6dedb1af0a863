#pragma once
// Configuration of pmap-gateway: every key, its default and range (docs/gateway.md, "Config").
// The same key table drives the JSON config file and the command-line options, so both validate
// identically.
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "pmap/log.hpp"
#include "pmap/mqtt_security.hpp"

namespace pmap {

/// Bad config file, bad key or bad value. pmap-gateway exits with code 2.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct GatewayConfig {
  std::string broker = "tcp://localhost:1883";
  std::string db;
  std::string client_id;           ///< empty: "pmap-gateway-" + hostname
  std::string mqtt_username;       ///< empty: anonymous
  std::string mqtt_password_file;  ///< first line = password (never on the command line)
  std::string tls_ca_file;         ///< ssl:// broker: PEM CA bundle; empty = system CAs
  std::string tls_cert_file;       ///< ssl:// broker: PEM client certificate (with tls_key_file)
  std::string tls_key_file;        ///< ssl:// broker: PEM private key of tls_cert_file
  LogLevel log_level = LogLevel::kInfo;
  std::int64_t keep_alive_s = 30;
  std::int64_t reconnect_min_s = 1;
  std::int64_t reconnect_max_s = 30;
  std::int64_t epoch_seconds = 5;
  std::int64_t flush_interval_ms = 1000;
  std::int64_t flush_max_rows = 1000;
  std::int64_t state_interval_ms = 1000;
  double raw_archive_mb = 0;  ///< 0: raw frames not archived
  /// The StoreWriter's memory cap (docs/gateway.md, "When the database cannot be written").
  std::int64_t store_buffer_mb = 64;
  std::int64_t store_retry_max_s = 30;
  std::int64_t max_mats = 1024;
  /// Per-mat frame rate limit (docs/protocol.md §6, rate_limited); 0 = off. Above the protocol's
  /// highest declared rate (200 Hz), so no valid mat is limited.
  double max_frame_rate_hz = 250;
  std::int64_t max_frame_burst = 500;  ///< frames a mat may send at once beyond the rate
  std::int64_t hold_max_frames = 64;
  std::int64_t hold_max_age_s = 120;
  std::int64_t clock_skew_future_s = 300;
  std::int64_t clock_skew_past_s = 7 * 24 * 3600;
  double occupancy_bed_cm2 = 400;
  double occupancy_chair_cm2 = 150;
  double contact_threshold_mmhg = 5;
  double contact_threshold_fraction = 0.05;
  double noise_gate_fraction = 0.01;
  double floor_time_constant_s = 600;  ///< zero tracking: EMA time constant of the empty-mat floor
  double floor_holdoff_s = 120;        ///< zero tracking: frozen this long after occupancy
  double floor_percentile = 10;
  std::string calibration_dir;  ///< `<dir>/<mat id>.json` per mat; empty: no calibrations
  std::int64_t max_queued_messages = 20000;
  std::int64_t log_interval_s = 10;
  std::int64_t presence_dwell_s = 30;   ///< episodes: shortest bed exit / chair break
  std::int64_t position_dwell_s = 30;   ///< episodes: shortest position (or sitting class)
  std::int64_t knee_dwell_s = 120;      ///< episodes: shortest knee-pillow / knee-support state
  std::int64_t long_still_min = 30;     ///< episodes: still periods from this long are stored
  std::int64_t sitting_alert_min = 45;  ///< chair: alert once a bout passes this; 0 = off
  /// HTTP JSON API (docs/api.md): "host:port"; "" or "off" disables it.
  std::string api_listen = "127.0.0.1:8787";
  std::string api_token_file;  ///< bearer token; required when api_listen is not loopback
  std::int64_t api_max_connections = 32;
  std::int64_t api_timeout_ms = 10000;  ///< API: per request read / response write, and idle
  double api_rate_limit_per_s = 50;     ///< API: requests per second per client address; 0 = off
  std::int64_t api_rate_burst = 200;    ///< API: requests a client may make at once
  std::string tz;  ///< IANA zone of the API's dates; empty: $TZ, /etc/timezone, UTC
  std::int64_t report_settle_min = 30;     ///< morning report: out of bed this long; 0 = no reports
  std::int64_t report_fallback_hour = 12;  ///< morning report without a night: from this hour
  /// The person's bed and chair mats for the morning report (a mat id); empty: the mat with the
  /// most nights (days) in the report's window — with two sleepers, set it.
  std::string report_bed_mat;
  std::string report_chair_mat;

  // --- integrations (docs/home_assistant.md) ---
  /// Home Assistant MQTT discovery prefix; empty = no discovery configs.
  std::string ha_discovery_prefix = "homeassistant";

  /// client_id, or "pmap-gateway-<hostname>" when empty.
  [[nodiscard]] std::string effective_client_id() const;
  /// The broker credentials and TLS files (checked by validate_config).
  [[nodiscard]] MqttSecurity mqtt_security() const;
};

/// One configuration key: its name (snake_case in JSON, --kebab-case on the command line),
/// help text, default and range, rendered for --help and docs.
struct ConfigKey {
  std::string_view name;
  std::string_view help;
  std::string range;                                     ///< e.g. "1..3600", or the allowed strings
  std::function<std::string(const GatewayConfig&)> get;  ///< default/current value as text
  std::function<void(GatewayConfig&, const nlohmann::json&)> set;  ///< throws ConfigError
};

[[nodiscard]] const std::vector<ConfigKey>& config_keys();

/// Applies one key (JSON value). Throws ConfigError naming the key on unknown key or bad value.
void apply_config_value(GatewayConfig& config, std::string_view key, const nlohmann::json& value);
/// Applies a value given as command-line text (numbers parsed, strings taken as is).
void apply_config_text(GatewayConfig& config, std::string_view key, const std::string& text);
/// Applies every key of a JSON object (the config file). Throws ConfigError.
void apply_config_json(GatewayConfig& config, const nlohmann::json& document);
/// Reads and applies a config file. Throws ConfigError (unreadable, not JSON, bad key/value).
void load_config_file(GatewayConfig& config, const std::string& path);
/// The same for the file's text (`path` only names it in messages). Throws ConfigError.
void load_config_text(GatewayConfig& config, std::string_view text, const std::string& path);
/// Cross-field checks (e.g. reconnect_min_s ≤ reconnect_max_s, db set) and the MQTT security
/// files (readable, PEM, password non-empty; nothing is started before). Throws ConfigError.
void validate_config(const GatewayConfig& config);
/// The effective configuration as JSON (logged at start).
[[nodiscard]] nlohmann::json config_to_json(const GatewayConfig& config);

}  // namespace pmap
