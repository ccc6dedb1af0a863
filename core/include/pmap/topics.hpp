#pragma once
// MQTT topic names of wire protocol v1: pmap/v1/<mat_id>/<channel>.
#include <optional>
#include <string>
#include <string_view>

namespace pmap {

enum class Channel { kFrame, kMeta, kStatus, kState, kTruth };

[[nodiscard]] std::string_view to_string(Channel channel);
[[nodiscard]] std::string topic(std::string_view mat_id, Channel channel);

/// The subscription filter for one channel of every mat, e.g. "pmap/v1/+/frame".
[[nodiscard]] std::string topic_filter(Channel channel);

struct ParsedTopic {
  std::string mat_id;
  Channel channel;
};
/// Splits a v1 topic; nullopt for anything else (wrong prefix, bad mat id, unknown channel).
[[nodiscard]] std::optional<ParsedTopic> parse_topic(std::string_view topic);

inline constexpr std::string_view kStatusOnline = "online";
inline constexpr std::string_view kStatusOffline = "offline";

}  // namespace pmap
