// Home Assistant MQTT discovery configs checked against the rules of HA's MQTT integration
// (docs/home_assistant.md lists them): required keys per component, valid device_class / unit /
// state_class combinations, unique ids, well-formed topics, and value_templates that resolve in a
// real `state` document made by the gateway's pipeline.
#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "ha_template.hpp"
#include "pmap/ha_discovery.hpp"
#include "pmap/pipeline.hpp"
#include "pmap/topics.hpp"
#include "pmap/wire_codec.hpp"
#include "test_util.hpp"

namespace pmap {
namespace {

using nlohmann::json;
using test::kNowUs;

// Keys HA's MQTT sensor / binary_sensor accept that these configs may use.
const std::set<std::string> kCommonKeys = {"name",
                                           "unique_id",
                                           "object_id",
                                           "state_topic",
                                           "value_template",
                                           "availability",
                                           "availability_mode",
                                           "payload_available",
                                           "payload_not_available",
                                           "device",
                                           "device_class"};
const std::set<std::string> kSensorKeys = {"unit_of_measurement", "state_class", "options"};
const std::set<std::string> kBinaryKeys = {"payload_on", "payload_off"};
// HA's device classes (the subsets that could apply here) and the units duration accepts.
const std::set<std::string> kBinaryClasses = {"occupancy", "presence", "problem", "running"};
const std::set<std::string> kSensorClasses = {"enum", "duration", "temperature", "pressure"};
const std::set<std::string> kDurationUnits = {"d", "h", "min", "s", "ms"};
const std::set<std::string> kStateClasses = {"measurement", "total", "total_increasing"};

/// Every rule one config must satisfy; returns the broken ones.
std::vector<std::string> check_config(const std::string& prefix, const DiscoveryMessage& m,
                                      const std::string& mat) {
  std::vector<std::string> bad;
  const auto fail = [&](const std::string& why) { bad.push_back(m.topic + ": " + why); };
  static const std::regex kTopic(
      R"(^(.+)/(binary_sensor|sensor)/([A-Za-z0-9_-]+)/([A-Za-z0-9_-]+)/config$)");
  std::smatch t;
  if (!std::regex_match(m.topic, t, kTopic) || t[1].str() != prefix) {
    fail("topic is not <prefix>/<component>/<node_id>/<object_id>/config");
    return bad;
  }
  const std::string component = t[2].str();
  const json& c = m.config;
  for (const auto& [k, v] : c.items()) {
    const bool known = kCommonKeys.count(k) != 0 ||
                       (component == "sensor" ? kSensorKeys : kBinaryKeys).count(k) != 0;
    if (!known) fail("key '" + k + "' not valid for " + component);
  }
  for (const char* k : {"name", "unique_id", "state_topic", "value_template", "device"}) {
    if (!c.contains(k)) fail(std::string("missing ") + k);
  }
  if (!bad.empty()) return bad;
  const std::string state_topic = c["state_topic"].get<std::string>();
  if (state_topic != topic(mat, Channel::kState) && state_topic != "pmap/v1/" + mat + "/report")
    fail("state_topic is not the mat's state or report topic");
  if (!ha::test::template_path(c["value_template"].get<std::string>()))
    fail("value_template not of the form {{ value_json.a.b }}");
  // Device.
  const json& d = c["device"];
  if (!d.contains("identifiers") || !d["identifiers"].is_array() || d["identifiers"].empty() ||
      d["identifiers"][0] != "pmap_" + mat)
    fail("device identifiers");
  if (d.value("manufacturer", "") != "PostureMap") fail("manufacturer");
  for (const char* k : {"name", "model", "sw_version"})
    if (!d.contains(k) || !d[k].is_string() || d[k].get<std::string>().empty())
      fail(std::string("device ") + k);
  // Availability: the gateway and the mat, both required.
  const json expected_avail = json::array(
      {{{"topic", std::string(kGatewayStatusTopic)}}, {{"topic", "pmap/v1/" + mat + "/status"}}});
  if (c["availability"] != expected_avail) fail("availability is not gateway + mat status");
  if (c.value("availability_mode", "") != "all") fail("availability_mode is not all");
  if (c.value("payload_available", "") != "online" ||
      c.value("payload_not_available", "") != "offline")
    fail("availability payloads are not online/offline (protocol §1)");
  // Per component.
  const std::string dc = c.value("device_class", "");
  if (component == "binary_sensor") {
    if (!dc.empty() && kBinaryClasses.count(dc) == 0) fail("binary device_class " + dc);
    if (c.value("payload_on", "") != "True" || c.value("payload_off", "") != "False")
      fail("payload_on/off are not True/False (a JSON boolean rendered by Jinja)");
  } else {
    if (!dc.empty() && kSensorClasses.count(dc) == 0) fail("sensor device_class " + dc);
    const std::string unit = c.value("unit_of_measurement", "");
    const std::string sc = c.value("state_class", "");
    if (!sc.empty() && kStateClasses.count(sc) == 0) fail("state_class " + sc);
    if (dc == "enum") {
      if (!c.contains("options") || !c["options"].is_array() || c["options"].empty())
        fail("enum without options");
      if (!unit.empty() || !sc.empty()) fail("enum with a unit or state_class");
    } else if (c.contains("options")) {
      fail("options without device_class enum");
    }
    if (dc == "duration" && kDurationUnits.count(unit) == 0) fail("duration unit " + unit);
    if (dc == "duration" && sc.empty()) fail("duration without state_class");
  }
  return bad;
}

TEST(HaDiscovery, EveryConfigFollowsTheDiscoverySchemaAndIdsAreUnique) {
  std::set<std::string> unique_ids, topics;
  for (const auto& [mat, kind] : {std::pair{"bed1", MatKind::kBed}, {"chair-2", MatKind::kChair}}) {
    const auto configs = discovery_configs("homeassistant", {mat, kind, "sim 0.1"}, "0.1.0");
    EXPECT_EQ(configs.size(), kind == MatKind::kBed ? 9u : 3u);
    for (const auto& m : configs) {
      const auto bad = check_config("homeassistant", m, mat);
      EXPECT_TRUE(bad.empty()) << bad.front() << "\n" << m.config.dump(2);
      EXPECT_TRUE(unique_ids.insert(m.config["unique_id"].get<std::string>()).second)
          << m.config["unique_id"];
      EXPECT_TRUE(topics.insert(m.topic).second) << m.topic;
      EXPECT_EQ(m.config["device"]["hw_version"], "sim 0.1");
      EXPECT_EQ(m.config["device"]["model"],
                kind == MatKind::kBed ? "Bed pressure mat" : "Chair pressure mat");
    }
  }
  // Clearing a mat covers every topic either kind announces on.
  for (const char* mat : {"bed1", "chair-2"}) {
    const auto all = discovery_topics_all_kinds("homeassistant", mat);
    for (const auto kind : {MatKind::kBed, MatKind::kChair})
      for (const auto& m : discovery_configs("homeassistant", {mat, kind, ""}, "0.1.0"))
        EXPECT_NE(std::find(all.begin(), all.end(), m.topic), all.end()) << m.topic;
  }
  // A configurable prefix of several levels.
  const auto deep = discovery_configs("home/ha", {"bed1", MatKind::kBed, ""}, "0.1.0");
  for (const auto& m : deep) EXPECT_TRUE(check_config("home/ha", m, "bed1").empty()) << m.topic;
  EXPECT_FALSE(deep.front().config["device"].contains("hw_version"));
}

TEST(HaDiscovery, TheTemplateEvaluatorAcceptsOnlyItsForm) {
  using ha::test::render_template;
  const std::string doc = R"({"a":{"b":"x","t":true,"n":null,"v":2.5},"f":false})";
  EXPECT_EQ(render_template("{{ value_json.a.b }}", doc).text, "x");
  EXPECT_EQ(render_template("{{ value_json.a.t }}", doc).text, "True");
  EXPECT_EQ(render_template("{{ value_json.f }}", doc).text, "False");
  EXPECT_EQ(render_template("{{ value_json.a.n }}", doc).text, "None");
  EXPECT_EQ(render_template("{{ value_json.a.v }}", doc).text, "2.5");
  EXPECT_FALSE(render_template("{{ value_json.a.missing }}", doc).error.empty());
  EXPECT_FALSE(render_template("{{ value_json.a.b.c }}", doc).error.empty());
  EXPECT_FALSE(render_template("{{ value_json['a'] }}", doc).error.empty());
  EXPECT_FALSE(render_template("{{ value_json.a | int }}", doc).error.empty());
}

// The state templates against real state documents of the pipeline (bed and chair, empty and
// occupied): every one resolves, and binary / enum / numeric values are of their kind.
TEST(HaDiscovery, StateTemplatesResolveInRealStateDocuments) {
  std::vector<std::pair<std::string, std::string>> published;
  PipelineConfig cfg;
  cfg.state_interval = std::chrono::milliseconds(0);
  Pipeline pipeline(
      cfg, nullptr,
      [&](const std::string& t, const std::string& p) {
        published.emplace_back(t, p);
        return true;
      },
      [](WriteBatch) {});
  std::vector<DiscoveryDevice> announced;
  pipeline.set_mat_listener({[&](const MatDescriptor& m) {
                               announced.push_back({m.id, m.kind, m.firmware});
                             },
                             {}});
  const auto now = std::chrono::steady_clock::now();
  for (const auto& [mat, kind] : {std::pair{"bed1", "bed"}, {"chair1", "chair"}}) {
    // 20 mm taxels: the 200 loaded taxels make 800 cm², occupied on either kind.
    const std::string meta =
        test::meta_json(kind, 32, 16, std::string(kind) == "bed" ? "head" : "back", true, 20.0);
    pipeline.handle(topic(mat, Channel::kMeta), test::bytes(meta), kNowUs, now);
    for (std::uint32_t s = 0; s < 6; ++s) {
      PressureFrame f = test::make_frame(s, kNowUs + s * 1'000'000LL, 32, 16, 5);
      if (s >= 3)
        for (std::size_t r = 5; r < 25; ++r)
          for (std::size_t c = 3; c < 13; ++c) f.at(r, c) = 600;
      pipeline.handle(topic(mat, Channel::kFrame), encode_binary(f), kNowUs + s * 1'000'000LL,
                      now + std::chrono::seconds(s));
    }
  }
  ASSERT_EQ(announced.size(), 2u);  // the first meta of each mat
  std::size_t checked = 0;
  for (const auto& device : announced) {
    for (const auto& m : discovery_configs("homeassistant", device, "0.1.0")) {
      const std::string st = m.config["state_topic"];
      if (!st.ends_with("/state")) continue;
      bool seen_occupied = false, seen_empty = false;
      for (const auto& [t, payload] : published) {
        if (t != st) continue;
        const auto r = ha::test::render_template(m.config["value_template"], payload);
        ASSERT_TRUE(r.error.empty()) << m.topic << ": " << r.error << "\n" << payload;
        if (m.topic.find("/binary_sensor/") != std::string::npos) {
          EXPECT_TRUE(r.text == "True" || r.text == "False") << m.topic << " " << r.text;
        } else if (m.config.value("device_class", "") == "enum") {
          const auto& opts = m.config["options"];
          EXPECT_NE(std::find(opts.begin(), opts.end(), r.text), opts.end()) << r.text;
        } else if (r.text != "None") {
          std::size_t used = 0;
          (void)std::stod(r.text, &used);
          EXPECT_EQ(used, r.text.size()) << m.topic << " " << r.text;
        }
        (json::parse(payload)["occupied"].get<bool>() ? seen_occupied : seen_empty) = true;
        ++checked;
      }
      EXPECT_TRUE(seen_occupied && seen_empty) << m.topic;
    }
  }
  EXPECT_GT(checked, 10u);
  // Clearing a mat's retained meta tells the listener the mat is removed.
  std::vector<std::string> removed;
  pipeline.set_mat_listener({{}, [&](const std::string& mat) { removed.push_back(mat); }});
  pipeline.handle(topic("bed1", Channel::kMeta), {}, kNowUs, now);
  EXPECT_EQ(removed, std::vector<std::string>{"bed1"});
}

}  // namespace
}  // namespace pmap
