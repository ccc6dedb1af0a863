#include "recorder.hpp"

#include <unistd.h>

#include "pmap/topics.hpp"

namespace pmap::testing {

Recorder::Recorder(const std::string& broker_uri)
    : client_(broker_uri, "pmap-it-recorder-" + std::to_string(::getpid())) {
  client_.set_callback(*this);
  auto opts = mqtt::connect_options_builder().clean_session(true).finalize();
  client_.connect(opts)->wait();
  client_.subscribe(topic_filter(Channel::kTruth), 1)->wait();
  client_.subscribe(topic_filter(Channel::kState), 0)->wait();
}

Recorder::~Recorder() {
  try {
    client_.disconnect()->wait_for(std::chrono::seconds(2));
  } catch (const mqtt::exception&) {
    // The broker may already be gone at the end of a test; nothing to clean up then.
  }
}

void Recorder::message_arrived(mqtt::const_message_ptr msg) {
  const auto parsed = parse_topic(msg->get_topic());
  if (!parsed) return;
  auto doc = nlohmann::json::parse(msg->to_string(), nullptr, false);
  if (doc.is_discarded()) return;
  {
    std::lock_guard lock(mutex_);
    if (parsed->channel == Channel::kTruth) truth_[parsed->mat_id].push_back(std::move(doc));
    if (parsed->channel == Channel::kState) state_[parsed->mat_id] = std::move(doc);
  }
  changed_.notify_all();
}

std::map<std::string, std::vector<nlohmann::json>> Recorder::truth() {
  std::lock_guard lock(mutex_);
  return truth_;
}

std::map<std::string, nlohmann::json> Recorder::latest_state() {
  std::lock_guard lock(mutex_);
  return state_;
}

}  // namespace pmap::testing
