#include "pmap/topics.hpp"

#include <array>

#include "pmap/mat_descriptor.hpp"

namespace pmap {
namespace {
constexpr std::string_view kPrefix = "pmap/v1/";
constexpr std::array<Channel, 5> kChannels = {Channel::kFrame, Channel::kMeta, Channel::kStatus,
                                              Channel::kState, Channel::kTruth};
}  // namespace

std::string_view to_string(Channel channel) {
  switch (channel) {
    case Channel::kFrame:
      return "frame";
    case Channel::kMeta:
      return "meta";
    case Channel::kStatus:
      return "status";
    case Channel::kState:
      return "state";
    case Channel::kTruth:
      return "truth";
  }
  return "";
}

std::string topic(std::string_view mat_id, Channel channel) {
  std::string t(kPrefix);
  t.append(mat_id).append("/").append(to_string(channel));
  return t;
}

std::string topic_filter(Channel channel) {
  return topic("+", channel);
}

std::optional<ParsedTopic> parse_topic(std::string_view t) {
  if (!t.starts_with(kPrefix)) return std::nullopt;
  t.remove_prefix(kPrefix.size());
  const auto slash = t.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const std::string_view mat = t.substr(0, slash);
  const std::string_view channel = t.substr(slash + 1);
  if (!is_valid_mat_id(mat)) return std::nullopt;
  for (const Channel c : kChannels) {
    if (channel == to_string(c)) return ParsedTopic{std::string(mat), c};
  }
  return std::nullopt;
}

}  // namespace pmap
