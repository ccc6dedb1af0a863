#include "pmap/sim/publisher.hpp"

#include <iostream>
#include <thread>

namespace pmap::sim {

MatPublisher::MatPublisher(PublisherOptions options) : options_(std::move(options)) {
  client_ = std::make_unique<mqtt::async_client>(options_.broker_uri, options_.client_id);
  client_->set_connected_handler([this](const std::string&) {
    // The first connection publishes presence itself; later ones are reconnects.
    if (started_) {
      reconnected_ = true;
      ++reconnects_;
    }
  });
  client_->set_connection_lost_handler([this](const std::string& cause) {
    std::cerr << "pmap-sim: " << options_.mat_id << ": connection lost"
              << (cause.empty() ? "" : " (" + cause + ")") << ", reconnecting\n";
  });
}

MatPublisher::~MatPublisher() {
  if (client_ && client_->is_connected()) {
    try {
      client_->disconnect()->wait_for(std::chrono::seconds(2));
    } catch (const mqtt::exception&) {
      // Shutting down anyway; the broker publishes the last will.
    }
  }
}

std::optional<std::string> MatPublisher::start() {
  const std::string status_topic = topic(options_.mat_id, Channel::kStatus);
  auto connect = mqtt::connect_options_builder()
                     .clean_session(false)  // unacknowledged QoS 1 frames survive a reconnect
                     .keep_alive_interval(options_.keep_alive)
                     .connect_timeout(options_.connect_timeout)
                     .automatic_reconnect(std::chrono::seconds(1), std::chrono::seconds(10))
                     .will(mqtt::message(status_topic, std::string(kStatusOffline), 1, true))
                     .finalize();
  try {
    apply_mqtt_security(options_.security, options_.broker_uri, connect);
  } catch (const MqttSecurityError& error) {
    return std::string(error.what());
  }
  try {
    auto token = client_->connect(connect);
    if (!token->wait_for(options_.connect_timeout + std::chrono::seconds(1))) {
      return "cannot connect to " + options_.broker_uri + ": timed out";
    }
  } catch (const mqtt::exception& error) {
    return "cannot connect to " + options_.broker_uri + ": " + error.what();
  }
  publish_presence();
  started_ = true;
  return std::nullopt;
}

bool MatPublisher::connected() const {
  return client_->is_connected();
}

void MatPublisher::publish_presence() {
  publish(Channel::kMeta, options_.meta_json.data(), options_.meta_json.size(), true);
  publish(Channel::kStatus, kStatusOnline.data(), kStatusOnline.size(), true);
}

void MatPublisher::service() {
  if (reconnected_.exchange(false)) {
    std::cerr << "pmap-sim: " << options_.mat_id << ": reconnected, republishing meta and status\n";
    publish_presence();
  }
}

void MatPublisher::reap(bool block_until_below_window) {
  while (!in_flight_.empty()) {
    auto& front = in_flight_.front();
    bool done = front->is_complete();
    if (!done && block_until_below_window && in_flight_.size() >= options_.window) {
      done = front->wait_for(std::chrono::milliseconds(100));
    }
    if (!done) return;
    if (front->get_return_code() != 0) ++failed_;
    in_flight_.pop_front();
  }
}

bool MatPublisher::publish(Channel channel, const void* data, std::size_t size, bool retained) {
  return publish_for(options_.mat_id, channel, data, size, retained);
}

bool MatPublisher::publish_for(const std::string& mat_id, Channel channel, const void* data,
                               std::size_t size, bool retained) {
  reap(false);
  while (in_flight_.size() >= options_.window) {
    if (options_.abort && *options_.abort && !connected()) return false;
    reap(true);
  }
  for (;;) {
    try {
      in_flight_.push_back(client_->publish(topic(mat_id, channel), data, size, 1, retained));
      return true;
    } catch (const mqtt::exception& error) {
      // The connection dropped between the caller's check and this publish: wait for the
      // automatic reconnect and send again, unless we are told to stop.
      if (client_->is_connected() || !wait_until_connected()) {
        std::cerr << "pmap-sim: " << mat_id << ": publish failed: " << error.what() << "\n";
        return false;
      }
    }
  }
}

bool MatPublisher::wait_until_connected() {
  while (!client_->is_connected()) {
    if (options_.abort && *options_.abort) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  service();  // republish meta and status first
  return true;
}

void MatPublisher::stop(std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  if (client_->is_connected()) {
    publish(Channel::kStatus, kStatusOffline.data(), kStatusOffline.size(), true);
  }
  while (!in_flight_.empty() && std::chrono::steady_clock::now() < deadline) {
    if (in_flight_.front()->wait_for(std::chrono::milliseconds(100))) {
      if (in_flight_.front()->get_return_code() != 0) ++failed_;
      in_flight_.pop_front();
    }
  }
  if (!in_flight_.empty()) {
    std::cerr << "pmap-sim: " << options_.mat_id << ": " << in_flight_.size()
              << " deliveries unconfirmed at exit\n";
    failed_ += in_flight_.size();
    in_flight_.clear();
  }
  try {
    if (client_->is_connected()) client_->disconnect()->wait_for(std::chrono::seconds(5));
  } catch (const mqtt::exception& error) {
    std::cerr << "pmap-sim: " << options_.mat_id << ": disconnect: " << error.what() << "\n";
  }
}

}  // namespace pmap::sim
