#pragma once
// Home Assistant MQTT discovery for the gateway's mats (docs/home_assistant.md).
//
// Pure functions: which retained config documents announce a mat's entities, and on which topics
// (to publish them when a mat's meta is first seen, and to clear them with empty retained
// payloads when the mat is removed). The service publishes them through its MQTT outbox.
//
// Topics: <prefix>/<component>/pmap_<mat id>/<object id>/config. Every entity reads a topic the
// gateway already publishes (the mat's `state`, protocol §7, or its morning `report`, §7b) with a
// value_template of the single form `{{ value_json.<key>.<key>… }}`, and is available only while
// both the gateway (kGatewayStatusTopic) and the mat (pmap/v1/<mat>/status) say `online`.
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "pmap/mat_descriptor.hpp"

namespace pmap {

/// The gateway's own availability: `online` (retained) after it connects, `offline` (retained)
/// at a clean shutdown and as its last will. docs/protocol.md §1.
inline constexpr std::string_view kGatewayStatusTopic = "pmap/gateway/status";

struct DiscoveryMessage {
  std::string topic;
  nlohmann::json config;  ///< the document to publish retained
};

struct DiscoveryDevice {
  std::string mat_id;  ///< a valid mat id (protocol §1)
  MatKind kind = MatKind::kBed;
  std::string firmware;  ///< from meta; empty when not given
};

/// The configs announcing a mat's entities (bed and chair mats have different entities).
[[nodiscard]] std::vector<DiscoveryMessage> discovery_configs(std::string_view prefix,
                                                              const DiscoveryDevice& device,
                                                              std::string_view sw_version);
/// Every config topic a mat of any kind may have been announced on (clearing a mat clears all,
/// so a mat whose kind changed leaves nothing behind).
[[nodiscard]] std::vector<std::string> discovery_topics_all_kinds(std::string_view prefix,
                                                                  std::string_view mat_id);

/// The position options of the bed `position` entity (`live.position` in state).
[[nodiscard]] const std::vector<std::string>& position_options();

}  // namespace pmap
