// Home Assistant discovery end to end: pmap-sim -> mosquitto -> pmap-gateway, a subscriber on
// homeassistant/# sees every entity of a bed and a chair mat appear (retained), each
// value_template resolves in the real state messages, the gateway's availability topic is online
// (and offline after SIGTERM), and clearing a mat's retained meta removes its entities.
#include <gtest/gtest.h>

#include <mqtt/client.h>

#include <chrono>
#include <csignal>
#include <map>
#include <set>

#include "ha_template.hpp"
#include "harness.hpp"

namespace pmap::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

/// Everything a Home Assistant-like subscriber sees.
struct Seen {
  std::map<std::string, std::string> configs;  ///< topic -> latest payload ("" = removed)
  std::map<std::string, std::vector<std::string>> states;  ///< mat -> state payloads
  std::map<std::string, std::string> status;               ///< topic -> latest payload
};

class Subscriber {
 public:
  Subscriber(const std::string& uri, const std::string& id) : client_(uri, id) {
    client_.connect(mqtt::connect_options_builder().clean_session(true).finalize());
    client_.start_consuming();
    client_.subscribe("homeassistant/#", 1);
    client_.subscribe("pmap/v1/+/state", 0);
    client_.subscribe("pmap/v1/+/status", 1);
    client_.subscribe("pmap/gateway/status", 1);
  }
  ~Subscriber() {
    try {
      client_.disconnect();
    } catch (const mqtt::exception&) {
    }
  }
  /// Consumes messages until `done(seen)` or the timeout.
  bool wait(const std::function<bool(const Seen&)>& done, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done(seen)) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      mqtt::const_message_ptr msg;
      if (!client_.try_consume_message_for(&msg, 100ms) || !msg) continue;
      const std::string& t = msg->get_topic();
      if (t.starts_with("homeassistant/")) {
        seen.configs[t] = msg->get_payload_str();
      } else if (t.ends_with("/state")) {
        seen.states[t.substr(8, t.size() - 8 - 6)].push_back(msg->get_payload_str());
      } else {
        seen.status[t] = msg->get_payload_str();
      }
    }
    return true;
  }
  Seen seen;

 private:
  mqtt::client client_;
};

std::vector<std::pair<std::string, json>> configs_of(const Seen& s, const std::string& mat) {
  std::vector<std::pair<std::string, json>> out;
  for (const auto& [t, p] : s.configs) {
    if (t.find("/pmap_" + mat + "/") == std::string::npos || p.empty()) continue;
    out.emplace_back(t, json::parse(p));
  }
  return out;
}

TEST(HaGateway, EntitiesAppearResolveInRealStatesAndAreRemoved) {
  const auto dir = fresh_dir("ha-gateway");
  Broker broker(dir);
  Subscriber sub(broker.uri(), "it-ha-subscriber");
  ChildProcess gateway({(bin_dir() / "pmap-gateway").string(), "--broker", broker.uri(), "--db",
                        (dir / "pmap.db").string(), "--client-id", "it-ha-gateway", "--api-listen",
                        "off", "--report-settle-min", "0", "--tz", "UTC", "--log-level", "info"},
                       dir / "gateway");
  ASSERT_TRUE(broker.wait_for_subscriptions(7, 30s)) << gateway.stderr_text();
  ASSERT_TRUE(
      sub.wait([](const Seen& s) { return s.status.count("pmap/gateway/status") != 0; }, 10s));
  EXPECT_EQ(sub.seen.status["pmap/gateway/status"], "online");

  ChildProcess sim({(bin_dir() / "pmap-sim").string(),
                    "--broker",
                    broker.uri(),
                    "--mat",
                    "bed1",
                    "--kind",
                    "bed",
                    "--scenario",
                    "night",
                    "--mat",
                    "chair1",
                    "--kind",
                    "chair",
                    "--scenario",
                    "workday",
                    "--speed",
                    "max",
                    "--seed",
                    "5",
                    "--duration",
                    "900"},
                   dir / "sim");
  ASSERT_EQ(sim.wait_for(120s), 0) << sim.stderr_text();
  ASSERT_TRUE(sub.wait(
      [](const Seen& s) {
        return configs_of(s, "bed1").size() == 9 && configs_of(s, "chair1").size() == 3 &&
               s.states.count("bed1") != 0 && s.states.count("chair1") != 0 &&
               s.status.count("pmap/v1/bed1/status") != 0;
      },
      30s))
      << gateway.stderr_text();
  (void)sub.wait([](const Seen&) { return false; }, 1500ms);  // the states still queued
  EXPECT_EQ(sub.seen.status["pmap/v1/bed1/status"].empty(), false);

  std::set<std::string> unique_ids;
  std::size_t rendered = 0;
  for (const char* mat : {"bed1", "chair1"}) {
    for (const auto& [t, c] : configs_of(sub.seen, mat)) {
      EXPECT_TRUE(unique_ids.insert(c["unique_id"].get<std::string>()).second) << t;
      EXPECT_EQ(c["availability_mode"], "all") << t;
      EXPECT_EQ(c["availability"][0]["topic"], "pmap/gateway/status") << t;
      EXPECT_EQ(c["availability"][1]["topic"], std::string("pmap/v1/") + mat + "/status") << t;
      EXPECT_EQ(c["device"]["manufacturer"], "PostureMap");
      const std::string st = c["state_topic"];
      if (!st.ends_with("/state")) continue;  // the morning report's entities (no report here)
      for (const auto& payload : sub.seen.states.at(mat)) {
        const auto r = ha::test::render_template(c["value_template"], payload);
        ASSERT_TRUE(r.error.empty()) << t << ": " << r.error << "\n" << payload;
        if (t.find("/binary_sensor/") != std::string::npos) {
          EXPECT_TRUE(r.text == "True" || r.text == "False") << t << " " << r.text;
        } else if (c.contains("options")) {
          EXPECT_NE(std::find(c["options"].begin(), c["options"].end(), r.text), c["options"].end())
              << t << " " << r.text;
        } else if (r.text != "None") {
          std::size_t used = 0;
          (void)std::stod(r.text, &used);
          EXPECT_EQ(used, r.text.size()) << t << " " << r.text;
        }
        ++rendered;
      }
    }
  }
  EXPECT_GE(rendered, 40u);  // dozens of real state messages of both mats
  // The simulated night (compressed into 900 s) has somebody in bed at some point: the position was
  // a real one then.
  bool positioned = false;
  for (const auto& p : sub.seen.states.at("bed1")) {
    const std::string pos = json::parse(p)["live"]["position"];
    positioned = positioned || pos == "supine" || pos == "left" || pos == "right" || pos == "prone";
  }
  EXPECT_TRUE(positioned);

  // Removing bed1: its retained meta is cleared. Every one of its configs is cleared; chair1's
  // stay.
  mqtt::client admin(broker.uri(), "it-ha-admin");
  admin.connect(mqtt::connect_options_builder().clean_session(true).finalize());
  admin.publish("pmap/v1/bed1/meta", "", 0, 1, true);
  admin.disconnect();
  ASSERT_TRUE(sub.wait([](const Seen& s) { return configs_of(s, "bed1").empty(); }, 15s))
      << gateway.stderr_text();
  EXPECT_EQ(configs_of(sub.seen, "chair1").size(), 3u);
  // A late subscriber (Home Assistant restarting) gets chair1's configs, none of bed1's.
  {
    Subscriber late(broker.uri(), "it-ha-late");
    ASSERT_TRUE(late.wait([](const Seen& s) { return configs_of(s, "chair1").size() == 3; }, 10s));
    EXPECT_TRUE(late.wait([](const Seen&) { return false; }, 500ms) == false);
    EXPECT_TRUE(configs_of(late.seen, "bed1").empty());
  }

  gateway.signal(SIGTERM);
  ASSERT_EQ(gateway.wait_for(30s), 0) << gateway.stderr_text();
  ASSERT_TRUE(
      sub.wait([](const Seen& s) { return s.status.at("pmap/gateway/status") == "offline"; }, 10s));
}

}  // namespace
}  // namespace pmap::testing
