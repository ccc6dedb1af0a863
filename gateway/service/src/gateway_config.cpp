#include "pmap/gateway_config.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <sstream>
#include <utility>

#include "pmap/api/api_server.hpp"
#include "pmap/diary/diary_error.hpp"
#include "pmap/diary/time_zone.hpp"
#include "pmap/mat_descriptor.hpp"

namespace pmap {

namespace {

using nlohmann::json;

ConfigKey string_key(std::string_view name, std::string_view help,
                     std::string GatewayConfig::*field, bool allow_empty) {
  return ConfigKey{name, help, allow_empty ? "string" : "non-empty string",
                   [field](const GatewayConfig& c) { return c.*field; },
                   [field, name, allow_empty](GatewayConfig& c, const json& v) {
                     if (!v.is_string())
                       throw ConfigError("'" + std::string(name) + "' must be a string");
                     auto s = v.get<std::string>();
                     if (!allow_empty && s.empty())
                       throw ConfigError("'" + std::string(name) + "' must not be empty");
                     c.*field = std::move(s);
                   }};
}

ConfigKey int_key(std::string_view name, std::string_view help, std::int64_t GatewayConfig::*field,
                  std::int64_t lo, std::int64_t hi) {
  return ConfigKey{
      name, help, std::to_string(lo) + ".." + std::to_string(hi),
      [field](const GatewayConfig& c) { return std::to_string(c.*field); },
      [field, name, lo, hi](GatewayConfig& c, const json& v) {
        const bool integral =
            v.is_number_integer() ||
            (v.is_number_float() && std::isfinite(v.get<double>()) &&
             v.get<double>() == std::floor(v.get<double>()) && std::fabs(v.get<double>()) < 9e15);
        if (!integral) throw ConfigError("'" + std::string(name) + "' must be an integer");
        const auto x = v.is_number_integer() ? v.get<std::int64_t>()
                                             : static_cast<std::int64_t>(v.get<double>());
        if (x < lo || x > hi) {
          throw ConfigError("'" + std::string(name) + "' = " + std::to_string(x) +
                            " out of range " + std::to_string(lo) + ".." + std::to_string(hi));
        }
        c.*field = x;
      }};
}

std::string fmt(double x) {
  std::ostringstream os;
  os << x;
  return os.str();
}

ConfigKey real_key(std::string_view name, std::string_view help, double GatewayConfig::*field,
                   double lo, double hi) {
  return ConfigKey{name, help, fmt(lo) + ".." + fmt(hi),
                   [field](const GatewayConfig& c) { return fmt(c.*field); },
                   [field, name, lo, hi](GatewayConfig& c, const json& v) {
                     if (!v.is_number())
                       throw ConfigError("'" + std::string(name) + "' must be a number");
                     const double x = v.get<double>();
                     if (!std::isfinite(x) || x < lo || x > hi) {
                       throw ConfigError("'" + std::string(name) + "' = " + fmt(x) +
                                         " out of range " + fmt(lo) + ".." + fmt(hi));
                     }
                     c.*field = x;
                   }};
}

std::vector<ConfigKey> make_keys() {
  using C = GatewayConfig;
  std::vector<ConfigKey> k;
  k.push_back(string_key("broker", "MQTT broker URI (tcp://host:port, ssl://host:port)", &C::broker,
                         false));
  k.push_back(string_key("db", "SQLite database file (created if missing)", &C::db, true));
  k.push_back(string_key(
      "client_id", "MQTT client id (stable: persistent session); empty = pmap-gateway-<hostname>",
      &C::client_id, true));
  k.push_back(string_key("mqtt_username",
                         "MQTT user name; empty = anonymous (deploy/mosquitto: pmap.gateway)",
                         &C::mqtt_username, true));
  k.push_back(string_key("mqtt_password_file",
                         "file whose first line is the MQTT password (the password itself is "
                         "never an option); needs mqtt_username; empty = none",
                         &C::mqtt_password_file, true));
  k.push_back(string_key("tls_ca_file",
                         "ssl:// broker: PEM CA file the broker's certificate must chain to (and "
                         "name the broker host); empty = the system's CAs",
                         &C::tls_ca_file, true));
  k.push_back(string_key("tls_cert_file",
                         "ssl:// broker: PEM client certificate (with tls_key_file); empty = none",
                         &C::tls_cert_file, true));
  k.push_back(string_key("tls_key_file",
                         "ssl:// broker: PEM private key of tls_cert_file (unencrypted; not "
                         "readable by others); empty = none",
                         &C::tls_key_file, true));
  k.push_back(ConfigKey{
      "log_level", "trace, debug, info, warn, error, off", "trace|debug|info|warn|error|off",
      [](const C& c) { return std::string(to_string(c.log_level)); },
      [](C& c, const json& v) {
        const auto l = v.is_string() ? log_level_from_string(v.get<std::string>()) : std::nullopt;
        if (!l)
          throw ConfigError("'log_level' must be one of trace, debug, info, warn, error, off");
        c.log_level = *l;
      }});
  k.push_back(
      int_key("keep_alive_s", "MQTT keep-alive interval, seconds", &C::keep_alive_s, 5, 3600));
  k.push_back(int_key("reconnect_min_s", "first reconnect delay, seconds (doubles up to max)",
                      &C::reconnect_min_s, 1, 3600));
  k.push_back(
      int_key("reconnect_max_s", "largest reconnect delay, seconds", &C::reconnect_max_s, 1, 3600));
  k.push_back(int_key("epoch_seconds", "length of a stored aggregate epoch, seconds",
                      &C::epoch_seconds, 1, 3600));
  k.push_back(
      int_key("flush_interval_ms", "database flush period, ms", &C::flush_interval_ms, 50, 60000));
  k.push_back(int_key("flush_max_rows", "flush early when this many rows are pending",
                      &C::flush_max_rows, 1, 1000000));
  k.push_back(int_key("state_interval_ms", "minimum time between two state messages of a mat, ms",
                      &C::state_interval_ms, 100, 3600000));
  k.push_back(real_key("raw_archive_mb", "cap of the raw frame archive in MB (MiB); 0 = no archive",
                       &C::raw_archive_mb, 0, 1e6));
  k.push_back(
      int_key("store_buffer_mb",
              "MiB of database batches held in memory while the database cannot be "
              "written (or is behind); beyond: raw frames, then the oldest batches, dropped",
              &C::store_buffer_mb, 1, 4096));
  k.push_back(int_key("store_retry_max_s",
                      "largest delay between two retries of a failing database, seconds "
                      "(the first is 0.5 s, doubling)",
                      &C::store_retry_max_s, 1, 3600));
  k.push_back(int_key("max_mats", "distinct mat ids tracked; beyond: too_many_mats", &C::max_mats,
                      1, 100000));
  k.push_back(real_key("max_frame_rate_hz",
                       "per mat: frames per second (in real time or in the frames' own "
                       "timestamps) beyond max_frame_burst; more: rate_limited; 0 = no limit",
                       &C::max_frame_rate_hz, 0, 100000));
  k.push_back(int_key("max_frame_burst",
                      "per mat: frames that may arrive at once beyond max_frame_rate_hz",
                      &C::max_frame_burst, 1, 1000000));
  k.push_back(int_key("hold_max_frames", "frames held per mat while its meta is unknown",
                      &C::hold_max_frames, 0, 4096));
  k.push_back(int_key("hold_max_age_s", "how long frames are held waiting for meta, seconds",
                      &C::hold_max_age_s, 1, 3600));
  k.push_back(int_key("clock_skew_future_s", "reject frames further in the future, seconds",
                      &C::clock_skew_future_s, 1, 31536000));
  k.push_back(int_key("clock_skew_past_s", "reject frames older than this, seconds",
                      &C::clock_skew_past_s, 1, 315360000));
  k.push_back(real_key("occupancy_bed_cm2", "contact area from which a bed is occupied, cm2",
                       &C::occupancy_bed_cm2, 0, 1e6));
  k.push_back(real_key("occupancy_chair_cm2", "contact area from which a chair is occupied, cm2",
                       &C::occupancy_chair_cm2, 0, 1e6));
  k.push_back(real_key("contact_threshold_mmhg",
                       "pressure from which a taxel is in contact (scale known), mmHg",
                       &C::contact_threshold_mmhg, 0, 5000));
  k.push_back(real_key("contact_threshold_fraction",
                       "contact threshold without a scale, fraction of full scale",
                       &C::contact_threshold_fraction, 0, 1));
  k.push_back(real_key("noise_gate_fraction",
                       "counts above floor up to this fraction of full scale are zeroed",
                       &C::noise_gate_fraction, 0, 1));
  k.push_back(real_key("floor_time_constant_s",
                       "zero tracking: time constant of the empty-mat floor average, seconds",
                       &C::floor_time_constant_s, 1, 1e6));
  k.push_back(real_key("floor_holdoff_s",
                       "zero tracking: empty frames this soon after occupancy are not learned, s",
                       &C::floor_holdoff_s, 0, 86400));
  k.push_back(real_key("floor_percentile", "fallback floor percentile before the first empty frame",
                       &C::floor_percentile, 0, 100));
  k.push_back(string_key("calibration_dir",
                         "directory of per-mat calibration files <mat id>.json; empty = none "
                         "(re-read on SIGHUP)",
                         &C::calibration_dir, true));
  k.push_back(
      int_key("max_queued_messages",
              "messages waiting for processing; beyond: Paho's delivery waits (back-pressure)",
              &C::max_queued_messages, 100, 10000000));
  k.push_back(int_key("log_interval_s",
                      "at most one log line per mat and reason per this period, seconds",
                      &C::log_interval_s, 0, 86400));
  k.push_back(int_key("presence_dwell_s",
                      "episodes: an absence shorter than this is no bed exit / break, seconds",
                      &C::presence_dwell_s, 1, 3600));
  k.push_back(int_key("position_dwell_s",
                      "episodes: a position (or sitting class) must hold this long, seconds",
                      &C::position_dwell_s, 1, 3600));
  k.push_back(int_key("knee_dwell_s",
                      "episodes: a knee-pillow / knee-support state must hold this long, seconds",
                      &C::knee_dwell_s, 1, 3600));
  k.push_back(int_key("long_still_min", "episodes: still periods from this long are stored, min",
                      &C::long_still_min, 1, 1440));
  k.push_back(int_key("sitting_alert_min",
                      "chair: publish an alert once a sitting bout passes this, min (0: off)",
                      &C::sitting_alert_min, 0, 1440));
  k.push_back(ConfigKey{
      "api_listen",
      "HTTP JSON API address host:port (IPv4, [IPv6], localhost; port 0 = any); off = no API; "
      "not loopback: api_token_file required (docs/api.md)",
      "host:port string or off", [](const C& c) { return c.api_listen; },
      [](C& c, const json& v) {
        if (!v.is_string()) throw ConfigError("'api_listen' must be a string");
        const auto text = v.get<std::string>();
        if (!api::listen_disabled(text)) {
          try {
            (void)api::ListenAddress::parse(text);
          } catch (const api::ApiConfigError& e) {
            throw ConfigError(e.what());
          }
        }
        c.api_listen = text;
      }});
  k.push_back(string_key("api_token_file",
                         "file holding the API's bearer token (first line, 16-256 characters); "
                         "empty = no token (loopback only)",
                         &C::api_token_file, true));
  k.push_back(int_key("api_max_connections",
                      "API: open connections at most; beyond: 503 too_many_connections",
                      &C::api_max_connections, 1, 1024));
  k.push_back(int_key("api_timeout_ms",
                      "API: a request must arrive (and a response leave) within this, ms; also "
                      "the idle keep-alive limit",
                      &C::api_timeout_ms, 100, 600000));
  k.push_back(real_key("api_rate_limit_per_s",
                       "API: requests per second per client address after api_rate_burst "
                       "(/v1/health exempt; a 401 costs 20); beyond: 429 rate_limited; 0 = off",
                       &C::api_rate_limit_per_s, 0, 100000));
  k.push_back(int_key("api_rate_burst", "API: requests a client address may make at once",
                      &C::api_rate_burst, 1, 1000000));
  k.push_back(int_key("report_settle_min",
                      "morning report: made once the night's last in-bed episode ended this long "
                      "ago (must exceed the 15-min bed-exit merge); 0 = no morning reports",
                      &C::report_settle_min, 0, 1440));
  k.push_back(int_key("report_fallback_hour",
                      "morning report: local hour from which a report is made without a night",
                      &C::report_fallback_hour, 0, 23));
  k.push_back(string_key("report_bed_mat",
                         "morning report: the person's bed mat id; empty = the bed mat with the "
                         "most nights (set it when two people sleep on mats)",
                         &C::report_bed_mat, true));
  k.push_back(string_key("report_chair_mat",
                         "morning report: the person's chair mat id; empty = the chair mat with "
                         "the most sitting days",
                         &C::report_chair_mat, true));
  // --- integrations (docs/home_assistant.md) ---
  k.push_back(ConfigKey{
      "ha_discovery_prefix",
      "Home Assistant MQTT discovery prefix (retained entity configs per mat); empty = off",
      "MQTT topic string without wildcards or empty levels; empty = off",
      [](const C& c) { return c.ha_discovery_prefix; },
      [](C& c, const json& v) {
        if (!v.is_string()) throw ConfigError("'ha_discovery_prefix' must be a string");
        const auto text = v.get<std::string>();
        const bool bad = text.size() > 128 || text.starts_with('/') || text.ends_with('/') ||
                         text.find("//") != std::string::npos ||
                         text.find_first_of("#+") != std::string::npos ||
                         std::any_of(text.begin(), text.end(), [](char ch) {
                           return static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f;
                         });
        if (bad)
          throw ConfigError(
              "'ha_discovery_prefix' must be topic levels without '#', '+', "
              "empty levels or control characters (at most 128 characters)");
        c.ha_discovery_prefix = text;
      }});
  k.push_back(ConfigKey{
      "tz", "IANA time zone of dates in the API (nights, days); empty = $TZ, /etc/timezone, UTC",
      "IANA zone string", [](const C& c) { return c.tz; },
      [](C& c, const json& v) {
        if (!v.is_string()) throw ConfigError("'tz' must be a string");
        const auto text = v.get<std::string>();
        if (!text.empty()) {
          try {
            (void)diary::TimeZone(text);
          } catch (const diary::DiaryError& e) {
            throw ConfigError(std::string("'tz': ") + e.what());
          }
        }
        c.tz = text;
      }});
  return k;
}

}  // namespace

std::string GatewayConfig::effective_client_id() const {
  if (!client_id.empty()) return client_id;
  std::array<char, 256> host{};
  if (gethostname(host.data(), host.size() - 1) != 0) return "pmap-gateway";
  return "pmap-gateway-" + std::string(host.data());
}

MqttSecurity GatewayConfig::mqtt_security() const {
  return MqttSecurity{mqtt_username, mqtt_password_file, tls_ca_file, tls_cert_file, tls_key_file};
}

const std::vector<ConfigKey>& config_keys() {
  static const std::vector<ConfigKey> keys = make_keys();
  return keys;
}

void apply_config_value(GatewayConfig& config, std::string_view key, const json& value) {
  for (const auto& k : config_keys()) {
    if (k.name == key) {
      k.set(config, value);
      return;
    }
  }
  throw ConfigError("unknown config key '" + std::string(key) + "'");
}

void apply_config_text(GatewayConfig& config, std::string_view key, const std::string& text) {
  for (const auto& k : config_keys()) {
    if (k.name != key) continue;
    const bool textual = k.range.find("string") != std::string::npos || key == "log_level";
    if (textual) {
      k.set(config, json(text));
    } else {
      const json v = json::parse(text, nullptr, false);
      if (v.is_discarded() || !v.is_number()) {
        throw ConfigError("'" + std::string(key) + "': '" + text + "' is not a number");
      }
      k.set(config, v);
    }
    return;
  }
  throw ConfigError("unknown config key '" + std::string(key) + "'");
}

void apply_config_json(GatewayConfig& config, const json& document) {
  if (!document.is_object()) throw ConfigError("config must be a JSON object");
  for (const auto& [key, value] : document.items()) {
    if (key.starts_with("//")) continue;  // a comment (the shipped /etc/pmap/gateway.json)
    apply_config_value(config, key, value);
  }
}

void load_config_text(GatewayConfig& config, std::string_view text, const std::string& path) {
  const json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded()) throw ConfigError("config file '" + path + "' is not valid JSON");
  try {
    apply_config_json(config, doc);
  } catch (const ConfigError& e) {
    throw ConfigError("config file '" + path + "': " + e.what());
  }
}

void load_config_file(GatewayConfig& config, const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError("cannot read config file '" + path + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  load_config_text(config, ss.str(), path);
}

void validate_config(const GatewayConfig& c) {
  if (c.db.empty()) throw ConfigError("'db' is required (--db PATH)");
  if (c.report_settle_min != 0 && c.report_settle_min <= 15)
    throw ConfigError("'report_settle_min' must be 0 (off) or more than 15 (the bed-exit merge)");
  for (const auto& [key, mat] : {std::pair<const char*, const std::string*>{"report_bed_mat",
                                                                           &c.report_bed_mat},
                                 {"report_chair_mat", &c.report_chair_mat}}) {
    if (!mat->empty() && !is_valid_mat_id(*mat)) {
      throw ConfigError(std::string("'") + key + "' '" + *mat +
                        "' is not a mat id (1-64 characters of [A-Za-z0-9_-])");
    }
  }
  if (c.reconnect_min_s > c.reconnect_max_s) {
    throw ConfigError("'reconnect_min_s' must not exceed 'reconnect_max_s'");
  }
  if (!c.broker.starts_with("tcp://") && !c.broker.starts_with("mqtt://") &&
      !is_tls_uri(c.broker)) {
    throw ConfigError("'broker' " + c.broker + " must be tcp://host:port or ssl://host:port (TLS)");
  }
  try {
    (void)check_mqtt_security(c.mqtt_security(), c.broker);
  } catch (const MqttSecurityError& e) {
    throw ConfigError(e.what());
  }
  if (!api::listen_disabled(c.api_listen) && c.api_token_file.empty()) {
    try {
      if (!api::ListenAddress::parse(c.api_listen).loopback) {
        throw ConfigError("'api_listen' " + c.api_listen +
                          " is not a loopback address: set 'api_token_file' (a bearer token is "
                          "required), or listen on 127.0.0.1 / [::1]");
      }
    } catch (const api::ApiConfigError& e) {
      throw ConfigError(e.what());
    }
  }
}

json config_to_json(const GatewayConfig& c) {
  json out = json::object();
  for (const auto& k : config_keys()) out[std::string(k.name)] = k.get(c);
  return out;
}

}  // namespace pmap
