#pragma once
// The newest live `state` document of every mat (docs/protocol.md §7), exactly as the gateway
// published it on MQTT, for GET /v1/state.
//
// Threading: thread-safe. The gateway's io_context thread calls update() whenever it publishes a
// state (also while the broker is unreachable); the API thread reads. A mutex guards a map of
// immutable strings; readers copy one shared_ptr per mat, so a reader never waits for parsing.
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace pmap::api {

class StateSnapshot {
 public:
  /// Replaces the mat's state document (the JSON text as published).
  void update(std::string_view mat_id, std::string payload);
  /// The mat's newest state, or nothing when the mat has published none this run.
  [[nodiscard]] std::shared_ptr<const std::string> get(std::string_view mat_id) const;
  /// Every mat's newest state, by mat id.
  [[nodiscard]] std::map<std::string, std::shared_ptr<const std::string>> all() const;
  [[nodiscard]] std::size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<const std::string>, std::less<>> states_;
};

}  // namespace pmap::api
