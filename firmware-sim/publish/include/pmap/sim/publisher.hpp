#pragma once
// The simulator's MQTT side: one client per mat (each mat needs its own last will), QoS 1 with a
// bounded window of deliveries in flight, automatic reconnect and republishing of meta/status.
#include <mqtt/async_client.h>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "pmap/mqtt_security.hpp"
#include "pmap/topics.hpp"

namespace pmap::sim {

struct PublisherOptions {
  std::string broker_uri;
  std::string client_id;
  std::string mat_id;
  std::string meta_json;
  MqttSecurity security;    ///< user name, password file, TLS files (checked by the command line)
  std::size_t window = 64;  ///< deliveries in flight before publish() waits
  std::chrono::seconds connect_timeout{10};
  std::chrono::seconds keep_alive{20};
  /// When set and true while disconnected, publish() gives up instead of waiting to reconnect.
  const std::atomic<bool>* abort = nullptr;
};

class MatPublisher {
 public:
  explicit MatPublisher(PublisherOptions options);
  ~MatPublisher();
  MatPublisher(const MatPublisher&) = delete;
  MatPublisher& operator=(const MatPublisher&) = delete;

  /// Connects (with the `status` = offline last will) and publishes meta and status online.
  /// Returns an error message if the broker cannot be reached within the connect timeout.
  [[nodiscard]] std::optional<std::string> start();
  /// True while the client is connected. Paho reconnects by itself after a loss.
  [[nodiscard]] bool connected() const;
  /// Call between publications: after a reconnect republishes meta and status online.
  void service();
  /// Publishes on a channel of this mat with QoS 1, waiting while the window is full and, if the
  /// connection is down, until Paho has reconnected. Returns false only if the publication could
  /// not be queued and we were asked to stop (or the client refused it while connected).
  bool publish(Channel channel, const void* data, std::size_t size, bool retained = false);
  /// As publish(), on a channel of another mat that shares this connection (pmap-load: hundreds
  /// of simulated mats over a few connections). That mat's meta and status are the caller's
  /// business: the last will and the republishing after a reconnect cover this mat only.
  bool publish_for(const std::string& mat_id, Channel channel, const void* data, std::size_t size,
                   bool retained = false);
  /// Publishes status offline, waits for every delivery (at most `timeout`), disconnects.
  void stop(std::chrono::seconds timeout = std::chrono::seconds(10));

  [[nodiscard]] std::uint64_t failed_deliveries() const { return failed_; }
  [[nodiscard]] std::uint64_t reconnects() const { return reconnects_; }

 private:
  void publish_presence();
  void reap(bool block_until_below_window);
  /// Waits for the automatic reconnect (false if asked to stop first), then republishes presence.
  bool wait_until_connected();

  PublisherOptions options_;
  std::unique_ptr<mqtt::async_client> client_;
  std::deque<mqtt::delivery_token_ptr> in_flight_;
  std::atomic<bool> reconnected_{false};
  std::atomic<bool> started_{false};
  std::uint64_t failed_ = 0;
  std::uint64_t reconnects_ = 0;
};

}  // namespace pmap::sim
