#include "pmap/dashboard/live_model.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string_view>

#include "pmap/layout.hpp"
#include "pmap/wire_codec.hpp"

namespace pmap::dashboard {
namespace {

// The topics the dashboard reads: pmap/v1/<mat>/<channel>. pmap::parse_topic knows the channels
// the gateway consumes; `alert` and `report` are gateway outputs, so they are split here.
struct Topic {
  std::string mat;
  std::string channel;
};

std::optional<Topic> split_topic(std::string_view topic) {
  constexpr std::string_view prefix = "pmap/v1/";
  if (!topic.starts_with(prefix)) return std::nullopt;
  topic.remove_prefix(prefix.size());
  const auto slash = topic.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  Topic out{std::string(topic.substr(0, slash)), std::string(topic.substr(slash + 1))};
  if (!is_valid_mat_id(out.mat) || out.channel.find('/') != std::string::npos) return std::nullopt;
  return out;
}

}  // namespace

void Mailbox::put(RawMessage message) {
  const auto t = split_topic(message.topic);
  std::lock_guard lock(mutex_);
  if (t && t->channel == "frame") {
    ++arrived_[t->mat];
    auto [it, inserted] = latest_frame_.try_emplace(t->mat);
    if (!inserted) ++coalesced_;
    it->second = std::move(message);
    return;
  }
  if (other_.size() >= kMaxOther) {
    other_.pop_front();
    ++dropped_other_;
  }
  other_.push_back(std::move(message));
}

Mailbox::Batch Mailbox::take() {
  Batch batch;
  std::lock_guard lock(mutex_);
  batch.messages.assign(std::make_move_iterator(other_.begin()),
                        std::make_move_iterator(other_.end()));
  other_.clear();
  // Frames after the other messages: a mat's meta that arrived with its first frames is known
  // before they are decoded.
  for (auto& [mat, message] : latest_frame_) batch.messages.push_back(std::move(message));
  latest_frame_.clear();
  batch.frames_arrived.swap(arrived_);
  batch.coalesced = std::exchange(coalesced_, 0);
  batch.dropped_other = std::exchange(dropped_other_, 0);
  return batch;
}

MatLive& LiveModel::mat(const std::string& id) {
  auto [it, inserted] = mats_.try_emplace(id);
  if (inserted) it->second.id = id;
  return it->second;
}

std::vector<std::string> LiveModel::apply(const Mailbox::Batch& batch,
                                          std::chrono::steady_clock::time_point now) {
  coalesced_ += batch.coalesced;
  if (batch.dropped_other > 0) global_rejected_["backlog_dropped"] += batch.dropped_other;
  std::vector<std::string> changed;
  for (const auto& message : batch.messages) {
    apply_message(message, now);
    if (const auto t = split_topic(message.topic);
        t && (t->channel == "frame" || t->channel == "state" || t->channel == "meta") &&
        std::find(changed.begin(), changed.end(), t->mat) == changed.end()) {
      changed.push_back(t->mat);
    }
  }
  for (auto& [id, m] : mats_) {
    const auto it = batch.frames_arrived.find(id);
    update_rate(m, it == batch.frames_arrived.end() ? 0 : it->second, now);
  }
  return changed;
}

void LiveModel::update_rate(MatLive& m, std::uint64_t arrived,
                            std::chrono::steady_clock::time_point now) {
  if (arrived > 0) m.arrivals.emplace_back(now, arrived);
  while (!m.arrivals.empty() && now - m.arrivals.front().first > kRateWindow) {
    m.arrivals.pop_front();
  }
  // Frames after the oldest arrival over the time since it. Not before a whole window has passed
  // since the mat's first frame (-1, "measuring"): the first ticks after start-up deliver a
  // backlog in bursts, and a 10 Hz mat showed as 5 Hz for two seconds.
  if (arrived > 0 && !m.first_arrival) m.first_arrival = now;
  m.frame_rate_hz = -1;
  if (!m.first_arrival || now - *m.first_arrival < kRateWindow) return;
  m.frame_rate_hz = 0;
  if (m.arrivals.size() < 2) return;
  const auto span = m.arrivals.back().first - m.arrivals.front().first;
  if (span < std::chrono::milliseconds(250)) return;
  std::uint64_t count = 0;
  for (auto it = std::next(m.arrivals.begin()); it != m.arrivals.end(); ++it) count += it->second;
  m.frame_rate_hz = static_cast<double>(count) / std::chrono::duration<double>(span).count();
}

void LiveModel::apply_message(const RawMessage& message,
                              std::chrono::steady_clock::time_point now) {
  const auto t = split_topic(message.topic);
  if (!t) {
    ++global_rejected_["bad_topic"];
    return;
  }
  if (t->channel == "alert") {
    on_alert(t->mat, message.payload);
    return;
  }
  if (t->channel == "report" || t->channel == "truth") return;  // not shown live
  MatLive& m = mat(t->mat);
  m.last_message = now;
  if (t->channel == "meta") {
    auto parsed = parse_meta(t->mat, message.payload);
    if (!parsed.ok()) {
      ++m.rejected["bad_meta"];
      return;
    }
    if (m.meta &&
        (m.meta->rows != parsed.descriptor->rows || m.meta->cols != parsed.descriptor->cols)) {
      m.canonical_frame.reset();  // the old frame no longer fits the mat
    }
    m.meta = std::move(parsed.descriptor);
  } else if (t->channel == "status") {
    if (message.payload == "online" || message.payload == "offline") {
      m.status = message.payload;
    } else {
      ++m.rejected["bad_status"];
    }
  } else if (t->channel == "frame") {
    on_frame(m, message.payload);
  } else if (t->channel == "state") {
    on_state(m, message.payload);
  } else {
    ++m.rejected["unknown_channel"];
  }
}

void LiveModel::on_frame(MatLive& m, const std::string& payload) {
  auto result = decode_frame(std::string_view(payload));
  if (const auto* failure = std::get_if<DecodeFailure>(&result)) {
    ++m.rejected[std::string(reason_name(failure->error))];
    return;
  }
  auto& frame = std::get<PressureFrame>(result);
  if (!m.meta) {
    ++m.rejected["no_meta"];  // orientation and scale unknown: not drawable yet
    return;
  }
  if (frame.rows != m.meta->rows || frame.cols != m.meta->cols) {
    ++m.rejected["dimension_mismatch"];
    return;
  }
  m.canonical_frame = to_canonical(frame, m.meta->layout);
  ++m.frames;
}

void LiveModel::on_state(MatLive& m, const std::string& payload) {
  auto parsed = parse_state(payload);
  if (!parsed.state || parsed.state->mat != m.id) {
    ++m.rejected["bad_state"];
    return;
  }
  LoadSample sample{parsed.state->ts_us, parsed.state->force_n, parsed.state->cop};
  // States arrive in frame-time order; an older one (a replay) restarts the chart.
  if (!m.history.empty() && sample.ts_us < m.history.back().ts_us) m.history.clear();
  m.history.push_back(sample);
  while (m.history.size() > kHistory) m.history.pop_front();
  m.state = std::move(parsed.state);
}

void LiveModel::on_alert(const std::string& mat_id, const std::string& payload) {
  const auto doc = nlohmann::json::parse(payload, nullptr, false);
  if (!doc.is_object() || !doc.contains("type") || !doc["type"].is_string()) {
    ++global_rejected_["bad_alert"];
    return;
  }
  LiveAlert alert{mat_id, doc["type"].get<std::string>(), {}, 0};
  if (doc.contains("ts_us") && doc["ts_us"].is_number()) {
    alert.ts_us = doc["ts_us"].get<std::int64_t>();
  }
  if (alert.type == "sitting_bout_over_limit") {
    const double bout = doc.value("bout_s", 0.0);
    alert.text = "Sitting for " + std::to_string(static_cast<int>(bout / 60)) +
                 " min without a break - time to stand up and move";
  } else {
    alert.text = alert.type;  // unknown types are listed by name (docs/protocol.md §7a)
  }
  alerts_.push_back(std::move(alert));
  while (alerts_.size() > 50) alerts_.pop_front();
}

}  // namespace pmap::dashboard
