#include "pmap/ha_discovery.hpp"

#include "pmap/topics.hpp"

namespace pmap {

namespace {

using nlohmann::json;

/// One entity: its component, object id, what it reads and how HA should show it.
struct Entity {
  const char* component;  ///< "binary_sensor" or "sensor"
  const char* object_id;
  const char* name;
  Channel source;  ///< kState, or the report topic (flagged by `report`)
  bool report;
  const char* path;  ///< value_json path, e.g. "live.position"
  json extra;        ///< device_class, unit, state_class, payloads, options
};

json binary_payloads(const char* device_class) {
  // value_json.<bool> renders as Python's True/False in HA's templates.
  json j = {{"payload_on", "True"}, {"payload_off", "False"}};
  if (device_class != nullptr) j["device_class"] = device_class;
  return j;
}

std::vector<Entity> bed_entities() {
  return {
      {"binary_sensor", "in_bed", "In bed", Channel::kState, false, "occupied",
       binary_payloads("occupancy")},
      {"sensor",
       "position",
       "Position",
       Channel::kState,
       false,
       "live.position",
       {{"device_class", "enum"}, {"options", position_options()}}},
      {"binary_sensor", "knee_pillow_aligned", "Knee pillow aligned", Channel::kState, false,
       "live.knee_pillow_aligned", binary_payloads(nullptr)},
      {"sensor",
       "turns_tonight",
       "Turns tonight",
       Channel::kState,
       false,
       "live.turns_tonight",
       {{"state_class", "total_increasing"}}},
      {"sensor",
       "last_night_time_in_bed",
       "Last night: time in bed",
       Channel::kState,
       true,
       "last_night.time_in_bed_s",
       {{"device_class", "duration"},
        {"unit_of_measurement", "s"},
        {"state_class", "measurement"}}},
      {"sensor",
       "last_night_supine",
       "Last night: on the back",
       Channel::kState,
       true,
       "last_night.supine_s",
       {{"device_class", "duration"},
        {"unit_of_measurement", "s"},
        {"state_class", "measurement"}}},
      {"sensor",
       "last_night_side",
       "Last night: on a side",
       Channel::kState,
       true,
       "last_night.side_s",
       {{"device_class", "duration"},
        {"unit_of_measurement", "s"},
        {"state_class", "measurement"}}},
      {"sensor",
       "last_night_turns",
       "Last night: turns",
       Channel::kState,
       true,
       "last_night.turns",
       {{"state_class", "measurement"}}},
      {"sensor",
       "last_night_knee_pillow_aligned",
       "Last night: knee pillow aligned on the side",
       Channel::kState,
       true,
       "last_night.side_knee_aligned_pct",
       {{"unit_of_measurement", "%"}, {"state_class", "measurement"}}},
  };
}

std::vector<Entity> chair_entities() {
  return {
      {"binary_sensor", "sitting_now", "Sitting now", Channel::kState, false, "occupied",
       binary_payloads("occupancy")},
      {"sensor",
       "sitting_today",
       "Sitting time today",
       Channel::kState,
       false,
       "live.sitting_today_min",
       {{"device_class", "duration"},
        {"unit_of_measurement", "min"},
        {"state_class", "total_increasing"}}},
      {"sensor",
       "pelvic_obliquity",
       "Pelvic obliquity",
       Channel::kState,
       false,
       "live.pelvic_obliquity_deg",
       {{"unit_of_measurement", "°"}, {"state_class", "measurement"}}},
  };
}

std::string node_id(std::string_view mat_id) {
  return "pmap_" + std::string(mat_id);
}

std::string config_topic(std::string_view prefix, const char* component, std::string_view mat_id,
                         const char* object_id) {
  return std::string(prefix) + "/" + component + "/" + node_id(mat_id) + "/" + object_id +
         "/config";
}

}  // namespace

const std::vector<std::string>& position_options() {
  static const std::vector<std::string> kOptions = {"supine", "prone",   "left",
                                                    "right",  "unknown", "empty"};
  return kOptions;
}

std::vector<DiscoveryMessage> discovery_configs(std::string_view prefix,
                                                const DiscoveryDevice& device,
                                                std::string_view sw_version) {
  const bool bed = device.kind == MatKind::kBed;
  json dev = {
      {"identifiers", json::array({node_id(device.mat_id)})},
      {"name", std::string("PostureMap ") + (bed ? "bed mat " : "chair mat ") + device.mat_id},
      {"manufacturer", "PostureMap"},
      {"model", bed ? "Bed pressure mat" : "Chair pressure mat"},
      {"sw_version", std::string(sw_version)}};
  if (!device.firmware.empty()) dev["hw_version"] = device.firmware;
  const json availability = json::array({{{"topic", std::string(kGatewayStatusTopic)}},
                                         {{"topic", topic(device.mat_id, Channel::kStatus)}}});
  std::vector<DiscoveryMessage> out;
  for (const Entity& e : bed ? bed_entities() : chair_entities()) {
    json c = {{"name", e.name},
              {"unique_id", node_id(device.mat_id) + "_" + e.object_id},
              {"object_id", node_id(device.mat_id) + "_" + e.object_id},
              {"state_topic",
               e.report ? "pmap/v1/" + device.mat_id + "/report" : topic(device.mat_id, e.source)},
              {"value_template", std::string("{{ value_json.") + e.path + " }}"},
              {"availability", availability},
              {"availability_mode", "all"},
              {"payload_available", std::string(kStatusOnline)},
              {"payload_not_available", std::string(kStatusOffline)},
              {"device", dev}};
    for (const auto& [k, v] : e.extra.items()) c[k] = v;
    out.push_back({config_topic(prefix, e.component, device.mat_id, e.object_id), std::move(c)});
  }
  return out;
}

std::vector<std::string> discovery_topics_all_kinds(std::string_view prefix,
                                                    std::string_view mat_id) {
  std::vector<std::string> out;
  for (const auto& list : {bed_entities(), chair_entities()})
    for (const Entity& e : list)
      out.push_back(config_topic(prefix, e.component, mat_id, e.object_id));
  return out;
}

}  // namespace pmap
