#include "mqtt_outbox.hpp"

#include <utility>

namespace pmap {

MqttOutbox::MqttOutbox(Send send, std::size_t capacity)
    : send_(std::move(send)), capacity_(capacity == 0 ? 1 : capacity), thread_([this] { run(); }) {}

MqttOutbox::~MqttOutbox() {
  stop();
}

void MqttOutbox::push(OutgoingMessage message) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      ++dropped_;
      return;
    }
    if (queue_.size() >= capacity_) {
      queue_.pop_front();
      ++dropped_;
    }
    queue_.push_back(std::move(message));
  }
  wake_.notify_one();
}

bool MqttOutbox::drain(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return idle_.wait_for(lock, timeout,
                        [this] { return stopping_ || (queue_.empty() && !sending_); });
}

void MqttOutbox::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
    dropped_ += queue_.size();
    queue_.clear();
  }
  wake_.notify_all();
  idle_.notify_all();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void MqttOutbox::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) return;
    OutgoingMessage message = std::move(queue_.front());
    queue_.pop_front();
    sending_ = true;
    lock.unlock();
    const bool ok = send_(message);
    (ok ? sent_ : failed_)++;
    lock.lock();
    sending_ = false;
    if (queue_.empty()) idle_.notify_all();
  }
}

}  // namespace pmap
