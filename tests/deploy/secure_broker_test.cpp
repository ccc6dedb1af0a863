// The production broker of deploy/mosquitto (pmap.conf + acl), with certificates and accounts
// made by deploy/mosquitto/pmap-broker-setup, started on free loopback ports: pmap-gateway and
// pmap-sim over TLS with credentials, and what the ACL and the gateway refuse.
#include <gtest/gtest.h>
#include <mqtt/async_client.h>
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "harness.hpp"
#include "pmap/mqtt_security.hpp"
#include "pmap/wire_codec.hpp"

namespace pmap::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
namespace fs = std::filesystem;

fs::path source_dir() {
  const char* d = std::getenv("PMAP_SOURCE_DIR");
  return d != nullptr ? fs::path(d) : fs::path(PMAP_TEST_SOURCE_DIR);
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Replaces every occurrence of `from` (which must occur) in `text`.
void replace_all(std::string& text, const std::string& from, const std::string& to) {
  ASSERT_NE(text.find(from), std::string::npos) << "pmap.conf no longer contains '" << from << "'";
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

/// deploy/mosquitto/pmap.conf as shipped, with only its two ports, its certificate/account paths
/// and a persistence directory changed; accounts and certificates from pmap-broker-setup.
class SecureBroker {
 public:
  explicit SecureBroker(const fs::path& dir) : dir_(dir), kit_(dir / "broker") {
    ChildProcess setup({(source_dir() / "deploy/mosquitto/pmap-broker-setup").string(),
                        kit_.string(), "--mat", "bed1", "--mat", "bed2", "--mat", "chair1"},
                       dir / "setup");
    const auto code = setup.wait_for(120s);
    if (code != 0) throw std::runtime_error("pmap-broker-setup failed: " + setup.stderr_text());
    std::string conf = read_text(source_dir() / "deploy/mosquitto/pmap.conf");
    for (const char* required : {"\nmax_queued_messages 1000000\n", "\npersistence true\n",
                                 "\nallow_anonymous false\n", "\nrequire_certificate true\n"}) {
      if (conf.find(required) == std::string::npos)
        throw std::runtime_error(std::string("pmap.conf lacks ") + required);
    }
    local_port_ = free_loopback_port();
    do {
      tls_port_ = free_loopback_port();
    } while (tls_port_ == local_port_);
    replace_all(conf, "listener 1883 127.0.0.1\n",
                "listener " + std::to_string(local_port_) + " 127.0.0.1\n");
    replace_all(conf, "listener 8883\n", "listener " + std::to_string(tls_port_) + " 127.0.0.1\n");
    replace_all(conf, "/etc/mosquitto/pmap", kit_.string());
    const auto persist = dir / "persist";
    fs::create_directories(persist);
    fs::permissions(persist, fs::perms::all);  // mosquitto may drop root for its own user
    conf += "persistence_location " + persist.string() + "/\nlog_dest stderr\n";
    std::ofstream(dir / "mosquitto.conf") << conf;
    const char* exe = std::getenv("PMAP_MOSQUITTO");
    process_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{exe != nullptr ? exe : "/usr/sbin/mosquitto", "-c",
                                 (dir / "mosquitto.conf").string()},
        dir / "mosquitto");
    if (!wait_for_port(local_port_, 10s) || !wait_for_port(tls_port_, 10s))
      throw std::runtime_error("mosquitto did not start: " + process_->stderr_text());
  }

  [[nodiscard]] std::string tls_uri() const {
    return "ssl://localhost:" + std::to_string(tls_port_);
  }
  [[nodiscard]] std::string local_uri() const {
    return "tcp://127.0.0.1:" + std::to_string(local_port_);
  }
  [[nodiscard]] fs::path client_file(const std::string& account, const std::string& ext) const {
    return kit_ / "clients" / (account + ext);
  }
  [[nodiscard]] MqttSecurity security(const std::string& account) const {
    return MqttSecurity{account, client_file(account, ".password").string(),
                        (kit_ / "ca.crt").string(), client_file(account, ".crt").string(),
                        client_file(account, ".key").string()};
  }
  /// The same settings as pmap-sim / pmap-gateway options.
  [[nodiscard]] std::vector<std::string> options(const std::string& account) const {
    return options(security(account));
  }
  [[nodiscard]] static std::vector<std::string> options(const MqttSecurity& s) {
    return {"--mqtt-username", s.username, "--mqtt-password-file", s.password_file,
            "--tls-ca-file",   s.ca_file,  "--tls-cert-file",      s.cert_file,
            "--tls-key-file",  s.key_file};
  }
  [[nodiscard]] const fs::path& kit() const { return kit_; }
  [[nodiscard]] std::string log() const { return process_->stderr_text(); }

 private:
  fs::path dir_;
  fs::path kit_;
  int local_port_ = 0;
  int tls_port_ = 0;
  std::unique_ptr<ChildProcess> process_;
};

/// A Paho client with one account's credentials and certificate that keeps what it receives.
class Client {
 public:
  /// Connects with `security` (throws mqtt::exception when the broker refuses).
  Client(const SecureBroker& broker, const std::string& client_id, const MqttSecurity& security)
      : client_(broker.tls_uri(), client_id) {
    auto opts = mqtt::connect_options_builder().clean_session(true).finalize();
    apply_mqtt_security(security, broker.tls_uri(), opts);
    client_.start_consuming();
    if (!client_.connect(opts)->wait_for(10s)) throw mqtt::exception(-1, "connect timed out");
  }
  Client(const SecureBroker& broker, const std::string& account, const std::string& client_id)
      : Client(broker, client_id, broker.security(account)) {}
  ~Client() {
    try {
      if (client_.is_connected()) client_.disconnect()->wait_for(5s);
    } catch (const mqtt::exception&) {
    }
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  [[nodiscard]] bool connected() const { return client_.is_connected(); }
  void subscribe(const std::vector<std::string>& filters) {
    for (const auto& f : filters) client_.subscribe(f, 1)->wait_for(10s);
  }
  /// QoS 1 publish, waiting for the broker's PUBACK (mosquitto acknowledges also what its ACL
  /// drops, so a completed publish says nothing about delivery).
  void publish(const std::string& topic, const std::string& payload, bool retained = false) {
    client_.publish(topic, payload.data(), payload.size(), 1, retained)->wait_for(10s);
  }
  /// Messages received until `topic` arrives (inclusive) or the timeout passes.
  std::vector<std::pair<std::string, std::string>> receive_until(const std::string& topic,
                                                                 std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      mqtt::const_message_ptr msg;
      if (client_.try_consume_message_for(&msg, 200ms) && msg) {
        received_.emplace_back(msg->get_topic(), msg->get_payload_str());
        if (msg->get_topic() == topic) break;
      }
    }
    return received_;
  }

 private:
  mqtt::async_client client_;
  std::vector<std::pair<std::string, std::string>> received_;
};

std::string bed_meta(int rows, int cols) {
  return json{{"v", 1},
              {"kind", "bed"},
              {"rows", rows},
              {"cols", cols},
              {"pitch_mm", 28.6},
              {"sample_rate_hz", 1.0},
              {"layout", {{"first_row", "head"}}},
              {"full_scale_counts", 1000}}
      .dump();
}

std::string frame(std::uint32_t sequence, int rows, int cols) {
  PressureFrame f;
  f.sequence = sequence;
  f.timestamp_us = std::chrono::duration_cast<std::chrono::microseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  f.rows = static_cast<std::uint16_t>(rows);
  f.cols = static_cast<std::uint16_t>(cols);
  f.values.assign(static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols), 10);
  const auto bytes = encode_binary(f);
  return {bytes.begin(), bytes.end()};
}

/// pmap-gateway on the secured broker with the pmap.gateway account, configured through a JSON
/// config file (the keys of /etc/pmap/gateway.json).
std::unique_ptr<ChildProcess> start_gateway(const SecureBroker& broker, const fs::path& dir,
                                            std::vector<std::string> extra = {}) {
  const auto s = broker.security("pmap.gateway");
  std::ofstream(dir / "gateway.json") << json{
      {"// comment", "keys starting with // are ignored"},
      {"broker", broker.tls_uri()},
      {"mqtt_username", s.username},
      {"mqtt_password_file", s.password_file},
      {"tls_ca_file", s.ca_file},
      {"tls_cert_file", s.cert_file},
      {"tls_key_file", s.key_file},
      {"db", (dir / "pmap.db").string()},
      {"client_id", "it-secure-gateway"},
      {"api_listen", "off"}}.dump(2);
  std::vector<std::string> args{(bin_dir() / "pmap-gateway").string(), "--config",
                                (dir / "gateway.json").string()};
  args.insert(args.end(), extra.begin(), extra.end());
  return std::make_unique<ChildProcess>(args, dir / "gateway");
}

/// pmap-sim as mat bed1 over TLS with its own credentials: `duration` s of a night at `speed`.
std::vector<std::string> sim_night_over_tls(const SecureBroker& broker, const std::string& duration,
                                            const std::string& speed, const std::string& seed) {
  std::vector<std::string> args{(bin_dir() / "pmap-sim").string(),
                                "--broker",
                                broker.tls_uri(),
                                "--mat",
                                "bed1",
                                "--kind",
                                "bed",
                                "--scenario",
                                "night",
                                "--duration",
                                duration,
                                "--speed",
                                speed,
                                "--seed",
                                seed};
  for (auto& o : broker.options("bed1")) args.push_back(o);
  return args;
}

bool wait_for_log(ChildProcess& process, const std::string& text, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (process.stderr_text().find(text) != std::string::npos) return true;
    if (!process.running()) return false;
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

json stop_gateway(ChildProcess& gateway) {
  gateway.signal(SIGTERM);
  EXPECT_EQ(gateway.wait_for(60s), 0) << gateway.stderr_text();
  return last_json_line(gateway.stdout_text());
}

// TLS with a client certificate and a password for every party: a simulated mat's frames are
// stored and its state is published (read by the read-only dashboard account). No secret appears
// in the gateway's log.
TEST(SecureBroker, GatewayAndSimOverTlsWithCredentials) {
  const auto dir = fresh_dir("secure-e2e");
  SecureBroker broker(dir);
  Client dashboard(broker, "pmap.dashboard", "it-dashboard");
  ASSERT_TRUE(dashboard.connected()) << broker.log();
  dashboard.subscribe({"pmap/v1/+/state"});
  auto gateway = start_gateway(broker, dir);
  ASSERT_TRUE(wait_for_log(*gateway, "connected to ssl://", 30s)) << gateway->stderr_text();

  ChildProcess sim(sim_night_over_tls(broker, "120", "max", "3"), dir / "sim");
  ASSERT_EQ(sim.wait_for(120s), 0) << sim.stderr_text();
  const auto published = last_json_line(sim.stdout_text())["mats"]["bed1"]["frames_published"];
  ASSERT_TRUE(published.is_number()) << sim.stdout_text();
  EXPECT_GE(published.get<int>(), 115);

  // The state reaches the dashboard once every frame is accepted.
  bool complete = false;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (!complete && std::chrono::steady_clock::now() < deadline) {
    for (const auto& [topic, payload] : dashboard.receive_until("-", 1s)) {
      if (topic != "pmap/v1/bed1/state") continue;
      const auto state = json::parse(payload, nullptr, false);
      if (!state.is_discarded() && state.contains("frames") &&
          state["frames"].value("accepted", -1) == published.get<int>()) {
        complete = true;
      }
    }
  }
  EXPECT_TRUE(complete) << gateway->stderr_text();
  const json summary = stop_gateway(*gateway);
  EXPECT_EQ(summary["mats"]["bed1"]["accepted"], published) << summary.dump();
  Db db(dir / "pmap.db");
  EXPECT_GT(db.scalar("SELECT COUNT(*) FROM epochs WHERE mat_id = 'bed1'").get<int>(), 20);
  EXPECT_EQ(db.scalar("SELECT COUNT(*) FROM mats").get<int>(), 1);
  // Health data: the database is the gateway user's alone.
  struct stat st {};
  ASSERT_EQ(::stat((dir / "pmap.db").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0077, 0u);

  const auto log = gateway->stderr_text() + gateway->stdout_text() + sim.stderr_text();
  for (const std::string account : {"pmap.gateway", "bed1"}) {
    const auto password = read_text(broker.client_file(account, ".password"));
    EXPECT_EQ(log.find(password.substr(0, password.find('\n'))), std::string::npos) << account;
  }
}

// The dashboard client against the secured broker (issue 7): with the read-only pmap.dashboard
// account over TLS it shows a mat's live heatmap; with a wrong password it is refused and says
// so, and draws no mat.
TEST(SecureBroker, DashboardShowsLiveMatsOverTlsWithItsReadOnlyAccount) {
  const auto dir = fresh_dir("secure-dashboard");
  SecureBroker broker(dir);
  ChildProcess sim(sim_night_over_tls(broker, "60", "1", "4"), dir / "sim");
  const auto dashboard = [&](const std::string& name, const std::string& password_file) {
    MqttSecurity s = broker.security("pmap.dashboard");
    s.password_file = password_file;
    const auto png = dir / (name + ".png");
    std::vector<std::string> args{(bin_dir() / "pmap-dashboard").string(),
                                  "--broker",
                                  broker.tls_uri(),
                                  "--api",
                                  "http://127.0.0.1:9",  // no gateway: live data only
                                  "--view",
                                  "live",
                                  "--wait-ms",
                                  "8000",
                                  "--screenshot",
                                  png.string(),
                                  "--mqtt-username",
                                  s.username,
                                  "--mqtt-password-file",
                                  s.password_file,
                                  "--tls-ca-file",
                                  s.ca_file,
                                  "--tls-cert-file",
                                  s.cert_file,
                                  "--tls-key-file",
                                  s.key_file};
    ::setenv("QT_QPA_PLATFORM", "offscreen", 1);
    ChildProcess p(args, dir / name);
    EXPECT_EQ(p.wait_for(60s), 0) << p.stderr_text();
    return json::parse(read_text(fs::path(png.string() + ".json")), nullptr, false);
  };
  const json ok = dashboard("dashboard", broker.security("pmap.dashboard").password_file);
  ASSERT_TRUE(ok.is_object()) << broker.log();
  EXPECT_EQ(ok["broker_connected"], true) << ok.dump();
  ASSERT_EQ(ok["mats"].size(), 1u) << ok.dump();
  EXPECT_EQ(ok["mats"][0]["mat"], "bed1");
  EXPECT_GT(ok["mats"][0]["frames"].get<int>(), 0);
  EXPECT_EQ(ok["mats"][0]["heatmap_drawn"], true);

  std::ofstream(dir / "wrong.password") << "not-the-password\n";
  const json refused = dashboard("dashboard-wrong", (dir / "wrong.password").string());
  ASSERT_TRUE(refused.is_object());
  EXPECT_EQ(refused["broker_connected"], false) << refused.dump();
  EXPECT_TRUE(refused["mats"].empty()) << refused.dump();
  sim.signal(SIGTERM);
  sim.wait_for(10s);
}

// A wrong password, a missing client certificate and an unreadable password file are refused;
// the last before anything starts (exit 2, precise message).
TEST(SecureBroker, WrongPasswordAndMissingCertificateAreRefused) {
  const auto dir = fresh_dir("secure-refused");
  SecureBroker broker(dir);
  std::ofstream(dir / "wrong.password") << "not-the-password\n";

  auto wrong = broker.security("bed1");
  wrong.password_file = (dir / "wrong.password").string();
  EXPECT_THROW(Client(broker, "it-wrong", wrong), mqtt::exception);
  auto no_cert = broker.security("bed1");
  no_cert.cert_file.clear();
  no_cert.key_file.clear();
  EXPECT_THROW(Client(broker, "it-no-cert", no_cert), mqtt::exception);

  auto sim_args = [&](const std::string& password_file) {
    std::vector<std::string> args{(bin_dir() / "pmap-sim").string(),
                                  "--broker",
                                  broker.tls_uri(),
                                  "--mat",
                                  "bed1",
                                  "--kind",
                                  "bed",
                                  "--duration",
                                  "60",
                                  "--speed",
                                  "max"};
    auto s = broker.security("bed1");
    s.password_file = password_file;
    for (auto& o : SecureBroker::options(s)) args.push_back(o);
    return args;
  };
  ChildProcess refused(sim_args(wrong.password_file), dir / "sim-wrong");
  const auto code = refused.wait_for(60s);
  ASSERT_TRUE(code.has_value());
  EXPECT_NE(*code, 0);
  EXPECT_NE(refused.stderr_text().find("cannot connect"), std::string::npos)
      << refused.stderr_text();

  ChildProcess missing(sim_args((dir / "no-such-file").string()), dir / "sim-missing");
  EXPECT_EQ(missing.wait_for(30s), 2);
  EXPECT_NE(missing.stderr_text().find("--mqtt-password-file"), std::string::npos)
      << missing.stderr_text();
  EXPECT_NE(missing.stderr_text().find("no such file"), std::string::npos);

  // The gateway: an unreadable key file is a configuration error before anything starts.
  auto gateway = start_gateway(broker, dir, {"--tls-key-file", (dir / "absent.key").string()});
  EXPECT_EQ(gateway->wait_for(30s), 2);
  EXPECT_NE(gateway->stderr_text().find("'tls_key_file' " + (dir / "absent.key").string()),
            std::string::npos)
      << gateway->stderr_text();
  EXPECT_FALSE(fs::exists(dir / "pmap.db"));  // not half-started
}

// A mat account publishes only under its own pmap/v1/<mat>/: its meta and frames for another
// mat are dropped by the broker and never reach the gateway. The read-only dashboard and Home
// Assistant accounts cannot publish anywhere, not even under a topic named after themselves;
// Home Assistant reads the discovery configs and the mats' status.
TEST(SecureBroker, AclConfinesMatsAndTheDashboard) {
  const auto dir = fresh_dir("secure-acl");
  SecureBroker broker(dir);
  auto gateway = start_gateway(broker, dir);
  ASSERT_TRUE(wait_for_log(*gateway, "connected to ssl://", 30s)) << gateway->stderr_text();
  // Probes with the gateway's and the dashboard's read rights.
  Client as_gateway(broker, "pmap.gateway", "it-probe-gateway");
  as_gateway.subscribe({"pmap/v1/+/frame", "pmap/v1/+/meta", "pmap/v1/+/status", "homeassistant/#",
                        "pmap/gateway/#"});
  Client as_dashboard(broker, "pmap.dashboard", "it-probe-dashboard");
  as_dashboard.subscribe({"pmap/v1/#", "pmap/gateway/#"});
  // What Home Assistant's MQTT integration subscribes to: discovery, and the entities' topics.
  Client as_homeassistant(broker, "pmap.homeassistant", "it-probe-homeassistant");
  as_homeassistant.subscribe({"homeassistant/#", "pmap/v1/+/state", "pmap/v1/+/report",
                              "pmap/v1/+/status", "pmap/gateway/status"});

  Client bed1(broker, "bed1", "it-bed1");
  ASSERT_TRUE(bed1.connected());
  bed1.publish("pmap/v1/bed2/meta", bed_meta(8, 4), true);  // someone else's topics
  bed1.publish("pmap/v1/bed2/frame", frame(1, 8, 4));
  bed1.publish("pmap/v1/bed2/state", "{}");
  bed1.publish("pmap/v1/bed1/state", "{}");  // its own, but state is the gateway's
  bed1.publish("homeassistant/sensor/x/config", "{}");
  Client dashboard(broker, "pmap.dashboard", "it-dashboard-writer");
  ASSERT_TRUE(dashboard.connected());
  for (const std::string topic :
       {"pmap/v1/bed1/frame", "pmap/v1/bed1/meta", "pmap/v1/bed1/state", "pmap/v1/bed1/report",
        "pmap/v1/pmap.dashboard/frame", "homeassistant/sensor/x/config", "pmap/gateway/status"})
    dashboard.publish(topic, "from the dashboard");
  Client homeassistant(broker, "pmap.homeassistant", "it-homeassistant-writer");
  ASSERT_TRUE(homeassistant.connected());
  for (const std::string topic :
       {"pmap/v1/bed1/meta", "pmap/v1/bed1/state", "pmap/v1/bed1/report",
        "pmap/v1/pmap.homeassistant/frame", "homeassistant/sensor/x/config", "homeassistant/status",
        "pmap/gateway/status"})
    homeassistant.publish(topic, "from home assistant");
  // Markers, published after the rest by bed1 (its own topics: allowed).
  bed1.publish("pmap/v1/bed1/meta", bed_meta(8, 4), true);
  bed1.publish("pmap/v1/bed1/status", "online", true);

  const auto seen_by_gateway = as_gateway.receive_until("pmap/v1/bed1/status", 20s);
  const auto seen_by_dashboard = as_dashboard.receive_until("pmap/v1/bed1/status", 20s);
  std::set<std::string> topics;
  // The real gateway's own retained status (online/offline on pmap/gateway/status) is allowed;
  // anything else there would have come from the dashboard.
  const auto own_status = [](const auto& m) {
    return m.first == "pmap/gateway/status" && (m.second == "online" || m.second == "offline");
  };
  for (const auto& m : seen_by_gateway) {
    if (!own_status(m)) topics.insert(m.first);
  }
  for (const auto& m : seen_by_dashboard) {
    if (!own_status(m)) topics.insert(m.first);
  }
  EXPECT_EQ(topics, (std::set<std::string>{"pmap/v1/bed1/meta", "pmap/v1/bed1/status"}))
      << broker.log();
  for (const auto& m : seen_by_dashboard) EXPECT_NE(m.second, "from the dashboard") << m.first;
  for (const auto& seen : {seen_by_gateway, seen_by_dashboard})
    for (const auto& m : seen) EXPECT_NE(m.second, "from home assistant") << m.first;

  // Home Assistant reads the mat's status and the configs the gateway announces for bed1.
  const std::string in_bed_config = "homeassistant/binary_sensor/pmap_bed1/in_bed/config";
  auto seen_by_homeassistant = as_homeassistant.receive_until("pmap/v1/bed1/status", 20s);
  const auto has = [&](const std::string& topic) {
    return std::any_of(seen_by_homeassistant.begin(), seen_by_homeassistant.end(),
                       [&](const auto& m) { return m.first == topic && !m.second.empty(); });
  };
  if (!has(in_bed_config)) seen_by_homeassistant = as_homeassistant.receive_until(in_bed_config, 20s);
  EXPECT_TRUE(has("pmap/v1/bed1/status")) << broker.log();
  EXPECT_TRUE(has(in_bed_config)) << broker.log();
  for (const auto& m : seen_by_homeassistant) {
    EXPECT_NE(m.second, "from home assistant") << m.first;
    EXPECT_NE(m.second, "from the dashboard") << m.first;
  }

  const json summary = stop_gateway(*gateway);
  EXPECT_TRUE(summary["mats"].contains("bed1")) << summary.dump();
  EXPECT_FALSE(summary["mats"].contains("bed2")) << summary.dump();
  Db db(dir / "pmap.db");
  EXPECT_EQ(db.scalar("SELECT COUNT(*) FROM mats WHERE id = 'bed2'").get<int>(), 0);
}

// What the gateway does with a meta it did not expect, through the secured broker:
// - a mat beyond max_mats (its own, valid account) is ignored: nothing stored (too_many_mats);
// - an invalid meta mid-stream does not replace the mat's valid one (bad_meta), frames go on;
// - a meta with another geometry mid-stream is the mat's new declaration, and frames of the old
//   shape are then rejected (dimension_mismatch), never read with the new geometry.
TEST(SecureBroker, UnexpectedMetaIsNotTrusted) {
  const auto dir = fresh_dir("secure-meta");
  SecureBroker broker(dir);
  auto gateway = start_gateway(broker, dir, {"--max-mats", "1", "--hold-max-frames", "0"});
  ASSERT_TRUE(wait_for_log(*gateway, "connected to ssl://", 30s)) << gateway->stderr_text();

  Client dashboard(broker, "pmap.dashboard", "it-dashboard");
  dashboard.subscribe({"pmap/v1/+/state"});
  Client bed1(broker, "bed1", "it-bed1");
  Client bed2(broker, "bed2", "it-bed2");
  ASSERT_TRUE(bed1.connected() && bed2.connected());
  std::uint32_t seq = 0;
  bed1.publish("pmap/v1/bed1/meta", bed_meta(8, 4));
  for (int i = 0; i < 5; ++i) bed1.publish("pmap/v1/bed1/frame", frame(++seq, 8, 4));
  // bed2 is a valid account, but the gateway tracks one mat only.
  bed2.publish("pmap/v1/bed2/meta", bed_meta(8, 4));
  for (int i = 0; i < 3; ++i) bed2.publish("pmap/v1/bed2/frame", frame(i + 1, 8, 4));
  // An invalid meta (rows out of range): the valid one stays in force.
  bed1.publish("pmap/v1/bed1/meta", bed_meta(0, 4));
  for (int i = 0; i < 5; ++i) bed1.publish("pmap/v1/bed1/frame", frame(++seq, 8, 4));
  // A new geometry: frames of the old shape no longer fit.
  bed1.publish("pmap/v1/bed1/meta", bed_meta(4, 8));
  for (int i = 0; i < 4; ++i) bed1.publish("pmap/v1/bed1/frame", frame(++seq, 8, 4));
  bed1.publish("pmap/v1/bed1/frame", frame(++seq, 4, 8));
  // The gateway's state (read with the dashboard's rights) once it has handled every frame.
  bool caught_up = false;
  for (const auto deadline = std::chrono::steady_clock::now() + 30s;
       !caught_up && std::chrono::steady_clock::now() < deadline;) {
    for (const auto& [topic, payload] : dashboard.receive_until("-", 1s)) {
      const auto state = json::parse(payload, nullptr, false);
      caught_up =
          caught_up || (topic == "pmap/v1/bed1/state" && !state.is_discarded() &&
                        state.contains("frames") && state["frames"].value("accepted", -1) == 11);
    }
  }
  EXPECT_TRUE(caught_up) << gateway->stderr_text();

  const json summary = stop_gateway(*gateway);
  const json& mat = summary["mats"]["bed1"];
  EXPECT_EQ(mat["accepted"], 11) << summary.dump();
  EXPECT_EQ(mat["bad_meta"], 1) << summary.dump();
  EXPECT_EQ(mat["rejected_by_reason"]["dimension_mismatch"], 4) << summary.dump();
  EXPECT_FALSE(summary["mats"].contains("bed2")) << summary.dump();
  EXPECT_GE(summary["global"]["too_many_mats"].get<int>(), 4) << summary.dump();
  Db db(dir / "pmap.db");
  EXPECT_EQ(db.scalar("SELECT COUNT(*) FROM mats WHERE id = 'bed2'").get<int>(), 0);
  EXPECT_EQ(db.scalar("SELECT rows FROM mats WHERE id = 'bed1'").get<int>(), 4);
}

}  // namespace
}  // namespace pmap::testing
