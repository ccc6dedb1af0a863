#pragma once
// Test helper: subscribes to the simulator's truth and the gateway's state and keeps them.
#include <mqtt/async_client.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace pmap::testing {

class Recorder : public virtual mqtt::callback {
 public:
  explicit Recorder(const std::string& broker_uri);
  ~Recorder() override;

  /// Truth messages per mat, in arrival order.
  std::map<std::string, std::vector<nlohmann::json>> truth();
  /// The newest state message per mat.
  std::map<std::string, nlohmann::json> latest_state();
  /// Waits until `pred()` (called with the lock held) is true.
  template <typename Pred>
  bool wait(Pred pred, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return pred(truth_, state_); });
  }

 private:
  void message_arrived(mqtt::const_message_ptr msg) override;

  mqtt::async_client client_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, std::vector<nlohmann::json>> truth_;
  std::map<std::string, nlohmann::json> state_;
};

}  // namespace pmap::testing
