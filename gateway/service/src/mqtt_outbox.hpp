#pragma once
// Outgoing MQTT messages of the gateway, published from their own thread.
//
// Why: Paho's C library holds its client mutex while it runs our message callback, and that
// callback deliberately blocks while the pipeline is behind (back-pressure). Any Paho call from
// the io_context thread in that moment (publish, is_connected) would wait for the mutex while the
// callback waits for the io_context thread to drain the queue: a deadlock, seen at --speed max
// with two mats (frames stopped, SIGTERM ignored). So the io_context thread never calls Paho to
// publish: it queues here, and this thread waits for the mutex instead.
//
// Semantics: push() never blocks. When `capacity` messages wait, the oldest is dropped and
// counted (states are superseded by newer ones anyway). Messages are published in order with the
// QoS and retain flag given. A failed publish (not connected, Paho error) is counted and not
// retried. stop() publishes nothing more and joins the thread; queued messages are dropped and
// counted.
//
// Threading: push() and the counters from any thread.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace pmap {

struct OutgoingMessage {
  std::string topic;
  std::string payload;
  int qos = 0;
  bool retained = false;
};

class MqttOutbox {
 public:
  /// `send` publishes one message (called on the outbox thread); returns false on failure.
  using Send = std::function<bool(const OutgoingMessage&)>;

  MqttOutbox(Send send, std::size_t capacity);
  ~MqttOutbox();
  MqttOutbox(const MqttOutbox&) = delete;
  MqttOutbox& operator=(const MqttOutbox&) = delete;

  void push(OutgoingMessage message);
  /// Waits until every message pushed before has been handed to `send` (or until `timeout`);
  /// true when the outbox is idle. For the last messages before a clean disconnect.
  bool drain(std::chrono::milliseconds timeout);
  void stop();

  [[nodiscard]] std::uint64_t sent() const { return sent_; }
  [[nodiscard]] std::uint64_t failed() const { return failed_; }
  [[nodiscard]] std::uint64_t dropped() const { return dropped_; }

 private:
  void run();

  Send send_;
  std::size_t capacity_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  bool sending_ = false;
  std::deque<OutgoingMessage> queue_;
  bool stopping_ = false;
  std::atomic<std::uint64_t> sent_{0};
  std::atomic<std::uint64_t> failed_{0};
  std::atomic<std::uint64_t> dropped_{0};
  std::thread thread_;  ///< last: started when everything else is ready
};

}  // namespace pmap
