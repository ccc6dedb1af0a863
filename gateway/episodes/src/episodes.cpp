#include "pmap/episodes.hpp"

namespace pmap {

LabelStream::LabelStream(std::string mat_id, std::string stream, std::int64_t min_dwell_us,
                         double min_confidence)
    : mat_id_(std::move(mat_id)),
      stream_(std::move(stream)),
      min_dwell_us_(min_dwell_us),
      min_confidence_(min_confidence) {}

std::optional<Episode> LabelStream::add(std::int64_t ts_us, std::string_view label,
                                        double confidence) {
  if (confidence < min_confidence_) return std::nullopt;
  if (current_ && ts_us < current_->end_us) return std::nullopt;
  if (candidate_ && ts_us < candidate_->end_us) return std::nullopt;

  if (!current_) {
    // The very first label opens an episode at once: there is nothing to be hysteretic about.
    current_ = Episode{mat_id_, stream_, std::string(label), ts_us, ts_us, 1, confidence};
    confidence_sum_ = confidence;
    return std::nullopt;
  }
  if (label == current_->label) {
    // The candidate, if any, was a blip: its frames belong to the current episode.
    if (candidate_) {
      current_->frames += candidate_->frames;
      confidence_sum_ += candidate_confidence_sum_;
      candidate_.reset();
    }
    current_->end_us = ts_us;
    ++current_->frames;
    confidence_sum_ += confidence;
    current_->mean_confidence = confidence_sum_ / current_->frames;
    return std::nullopt;
  }
  if (!candidate_ || candidate_->label != label) {
    // A new (or different) challenger; an earlier challenger's frames go to the current episode.
    if (candidate_) {
      current_->frames += candidate_->frames;
      confidence_sum_ += candidate_confidence_sum_;
      current_->end_us = candidate_->end_us;
    }
    candidate_ = Episode{mat_id_, stream_, std::string(label), ts_us, ts_us, 0, 0};
    candidate_confidence_sum_ = 0;
  }
  candidate_->end_us = ts_us;
  ++candidate_->frames;
  candidate_confidence_sum_ += confidence;
  if (candidate_->end_us - candidate_->start_us < min_dwell_us_) return std::nullopt;

  // The challenger held long enough: the current episode ended where the challenger began.
  Episode closed = *current_;
  closed.mean_confidence = confidence_sum_ / closed.frames;
  current_ = *candidate_;
  current_->mean_confidence = candidate_confidence_sum_ / current_->frames;
  confidence_sum_ = candidate_confidence_sum_;
  candidate_.reset();
  return closed;
}

std::optional<Episode> LabelStream::close() {
  if (!current_) return std::nullopt;
  if (candidate_) {
    // Too short to count on its own: the trailing frames stay with the current episode.
    current_->frames += candidate_->frames;
    confidence_sum_ += candidate_confidence_sum_;
    current_->end_us = candidate_->end_us;
    candidate_.reset();
  }
  Episode closed = *current_;
  closed.mean_confidence = confidence_sum_ / closed.frames;
  current_.reset();
  confidence_sum_ = 0;
  return closed;
}

MatEpisodes::MatEpisodes(std::string mat_id, bool is_bed, EpisodeConfig config)
    : config_(config),
      is_bed_(is_bed),
      presence_(mat_id, "presence", config.presence_dwell_us),
      position_(mat_id, "position", config.position_dwell_us, config.position_min_confidence),
      knee_(mat_id, "knee", config.knee_dwell_us, config.knee_min_confidence),
      activity_(mat_id, "activity", config.activity_dwell_us) {}

void MatEpisodes::keep(std::optional<Episode> episode, std::vector<Episode>& out) const {
  if (!episode) return;
  // Activity is only worth storing as long still periods (pressure-injury and stiffness risk);
  // every other episode is kept.
  if (episode->stream == "activity" &&
      (episode->label != "still" || episode->end_us - episode->start_us < config_.long_still_us)) {
    return;
  }
  out.push_back(std::move(*episode));
}

std::vector<Episode> MatEpisodes::add(const FrameLabels& labels) {
  std::vector<Episode> out;
  const std::string_view present = is_bed_ ? "in_bed" : "sitting";
  const std::string_view absent = is_bed_ ? "out_of_bed" : "away";
  auto presence = presence_.add(labels.timestamp_us, labels.occupied ? present : absent);
  if (presence && presence->label == present) {
    // The person has left (for longer than the presence dwell): their position and activity
    // episodes end with their last frame on the mat.
    keep(position_.close(), out);
    keep(knee_.close(), out);
    keep(activity_.close(), out);
  }
  keep(std::move(presence), out);
  if (labels.occupied) {
    if (labels.position) {
      keep(position_.add(labels.timestamp_us, *labels.position, labels.position_confidence), out);
    }
    if (labels.knee)
      keep(knee_.add(labels.timestamp_us, *labels.knee, labels.knee_confidence), out);
    keep(activity_.add(labels.timestamp_us,
                       labels.movement < config_.still_movement ? "still" : "moving"),
         out);
  }
  return out;
}

std::vector<Episode> MatEpisodes::close() {
  std::vector<Episode> out;
  keep(position_.close(), out);
  keep(knee_.close(), out);
  keep(activity_.close(), out);
  keep(presence_.close(), out);
  return out;
}

std::vector<Episode> MatEpisodes::open_to_store() const {
  std::vector<Episode> out;
  for (const LabelStream* s : {&position_, &knee_, &activity_, &presence_}) keep(s->current(), out);
  return out;
}

std::map<std::string, Episode> MatEpisodes::current() const {
  std::map<std::string, Episode> out;
  for (const LabelStream* s : {&presence_, &position_, &knee_, &activity_}) {
    if (s->current()) out.emplace(s->current()->stream, *s->current());
  }
  return out;
}

}  // namespace pmap
