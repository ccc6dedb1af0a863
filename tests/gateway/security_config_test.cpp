// The broker credentials and TLS settings (pmap::mqtt_security, the gateway's config keys) and the
// journald log format.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "pmap/gateway_config.hpp"
#include "pmap/log.hpp"
#include "pmap/mqtt_security.hpp"
#include "test_util.hpp"

namespace pmap {
namespace {

constexpr const char* kPem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

std::string security_error(const MqttSecurity& s, const std::string& broker) {
  try {
    (void)check_mqtt_security(s, broker);
  } catch (const MqttSecurityError& e) {
    return e.what();
  }
  return "";
}

TEST(MqttSecurity, ReadsThePasswordFromTheFirstLineOnly) {
  test::TempDir dir;
  std::ofstream(dir.file("pw")) << "s3cret\r\nsecond line\n";
  const MqttSecurity s{"bed1", dir.file("pw"), "", "", ""};
  EXPECT_EQ(check_mqtt_security(s, "tcp://h:1883"), "s3cret");
  EXPECT_EQ(check_mqtt_security(MqttSecurity{}, "tcp://h:1883"), "");
  mqtt::connect_options opts;
  apply_mqtt_security(s, "tcp://h:1883", opts);
  EXPECT_EQ(opts.get_user_name(), "bed1");
  EXPECT_EQ(opts.get_password_str(), "s3cret");
}

TEST(MqttSecurity, EveryBadSettingIsAPreciseError) {
  test::TempDir dir;
  std::ofstream(dir.file("empty-pw")) << "\nx\n";
  std::ofstream(dir.file("ca.pem")) << kPem;
  std::ofstream(dir.file("not-pem")) << "hello\n";
  const auto missing = dir.file("missing");
  EXPECT_NE(security_error({"", dir.file("ca.pem"), "", "", ""}, "tcp://h:1")
                .find("'mqtt_password_file' is set but 'mqtt_username' is empty"),
            std::string::npos);
  EXPECT_NE(security_error({"u", missing, "", "", ""}, "tcp://h:1")
                .find("'mqtt_password_file' " + missing + ": no such file"),
            std::string::npos);
  EXPECT_NE(security_error({"u", dir.path().string(), "", "", ""}, "tcp://h:1").find("not a file"),
            std::string::npos);
  EXPECT_NE(security_error({"u", dir.file("empty-pw"), "", "", ""}, "tcp://h:1").find("empty"),
            std::string::npos);
  EXPECT_NE(security_error({"", "", dir.file("ca.pem"), "", ""}, "tcp://h:1").find("not ssl://"),
            std::string::npos);
  EXPECT_NE(security_error({"", "", dir.file("not-pem"), "", ""}, "ssl://h:8883")
                .find("'tls_ca_file' " + dir.file("not-pem") + ": not a PEM file"),
            std::string::npos);
  EXPECT_NE(security_error({"", "", "", dir.file("ca.pem"), ""}, "ssl://h:8883").find("together"),
            std::string::npos);
  EXPECT_NE(security_error({"", "", "", dir.file("ca.pem"), missing}, "ssl://h:8883")
                .find("'tls_key_file' " + missing),
            std::string::npos);
  EXPECT_EQ(security_error({"", "", dir.file("ca.pem"), dir.file("ca.pem"), dir.file("ca.pem")},
                           "ssl://h:8883"),
            "");
  if (::geteuid() != 0) {  // root reads everything
    std::ofstream(dir.file("locked")) << "pw\n";
    ::chmod(dir.file("locked").c_str(), 0);
    EXPECT_NE(security_error({"u", dir.file("locked"), "", "", ""}, "tcp://h:1")
                  .find("cannot read (Permission denied)"),
              std::string::npos);
  }
}

TEST(Config, BrokerCredentialsAndTlsKeysAreValidatedBeforeStart) {
  test::TempDir dir;
  std::ofstream(dir.file("pw")) << "pw\n";
  std::ofstream(dir.file("ca.pem")) << kPem;
  std::ofstream(dir.file("c.json"))
      << R"({"// note":"ignored","broker":"ssl://broker.lan:8883","db":"x.db",)"
      << R"("mqtt_username":"pmap.gateway","mqtt_password_file":")" << dir.file("pw")
      << R"(","tls_ca_file":")" << dir.file("ca.pem") << R"("})";
  GatewayConfig c;
  load_config_file(c, dir.file("c.json"));
  EXPECT_EQ(c.mqtt_username, "pmap.gateway");
  EXPECT_EQ(c.mqtt_security().ca_file, dir.file("ca.pem"));
  EXPECT_NO_THROW(validate_config(c));
  // The effective config names the files, never the password.
  EXPECT_EQ(config_to_json(c).dump().find("\"pw\""), std::string::npos);

  auto error = [&](GatewayConfig bad) -> std::string {
    try {
      validate_config(bad);
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  };
  GatewayConfig key_missing = c;
  apply_config_text(key_missing, "tls_cert_file", dir.file("ca.pem"));
  apply_config_text(key_missing, "tls_key_file", dir.file("nokey"));
  EXPECT_NE(error(key_missing).find("'tls_key_file' " + dir.file("nokey") + ": no such file"),
            std::string::npos);
  GatewayConfig plain = c;
  plain.broker = "tcp://broker.lan:1883";
  EXPECT_NE(error(plain).find("not ssl://"), std::string::npos);
  GatewayConfig scheme = c;
  scheme.broker = "ws://broker.lan";
  EXPECT_NE(error(scheme).find("'broker'"), std::string::npos);
}

TEST(Log, JournalStreamIsRecognisedAndDropsTheTimestamp) {
  test::TempDir dir;
  std::ofstream(dir.file("f")) << "";
  const int fd = ::open(dir.file("f").c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  struct stat st {};
  ASSERT_EQ(::fstat(fd, &st), 0);
  const auto id = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
  EXPECT_TRUE(journal_stream_matches(id.c_str(), fd));
  EXPECT_FALSE(journal_stream_matches((id + "1").c_str(), fd));
  EXPECT_FALSE(journal_stream_matches("garbage", fd));
  EXPECT_FALSE(journal_stream_matches(nullptr, fd));
  ::close(fd);

  std::vector<std::string> lines;
  Logger journal(
      LogLevel::kInfo, [&](LogLevel, std::string_view l) { lines.emplace_back(l); }, true);
  journal.warn("broker connection lost");
  journal.error("x");
  journal.debug("not shown");
  ASSERT_EQ(lines.size(), 2U);
  EXPECT_EQ(lines[0], "<4>warn broker connection lost");
  EXPECT_EQ(lines[1], "<3>error x");
  Logger plain(LogLevel::kInfo, [&](LogLevel, std::string_view l) { lines.emplace_back(l); });
  plain.info("y");
  EXPECT_NE(lines.back().find("Z info y"), std::string::npos);  // UTC timestamp first
}

}  // namespace
}  // namespace pmap
