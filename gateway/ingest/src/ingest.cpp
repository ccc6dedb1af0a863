#include "pmap/ingest.hpp"

#include <array>
#include <variant>

#include "pmap/layout.hpp"
#include "pmap/wire_codec.hpp"

namespace pmap {

namespace {
constexpr std::array<std::string_view, 16> kReasons = {
    "empty",        "too_large",          "bad_magic",
    "truncated",    "length_mismatch",    "bad_version",
    "bad_encoding", "bad_dimensions",     "bad_crc",
    "bad_json",     "value_out_of_range", "dimension_mismatch",
    "duplicate",    "clock_skew",         "no_meta",
    "too_many_mats"};
constexpr std::uint32_t kWindow = 1024;
/// A seen sequence number below this with a newer timestamp than the newest frame is a mat that
/// rebooted (it starts again at 0), not a duplicate.
constexpr std::uint32_t kRestartSeqMax = 64;
}  // namespace

std::span<const std::string_view> rejection_reasons() {
  return kReasons;
}

std::map<std::string, std::uint64_t> MatCounters::flat() const {
  std::map<std::string, std::uint64_t> out{{"received", received},
                                           {"accepted", accepted},
                                           {"rejected", rejected},
                                           {"missing", missing},
                                           {"sequence_restart", sequence_restart},
                                           {"bad_meta", bad_meta}};
  for (const auto& [k, v] : rejected_by_reason) out[k] = v;
  return out;
}

Ingest::Ingest(IngestConfig config, Logger* logger)
    : config_(config), logger_(logger), limiter_(config.log_interval) {}

bool Ingest::can_track(std::string_view mat_id) const {
  return mats_.find(mat_id) != mats_.end() || mats_.size() < config_.max_mats;
}

Ingest::MatEntry* Ingest::entry(std::string_view mat_id) {
  if (auto it = mats_.find(mat_id); it != mats_.end()) return &it->second;
  if (mats_.size() >= config_.max_mats) {
    ++too_many_mats_;
    if (logger_ != nullptr) {
      if (auto n = limiter_.allow("*", reason::kTooManyMats, LogRateLimiter::Clock::now())) {
        logger_->warn("too_many_mats: ignoring mat '" + std::string(mat_id) + "' (limit " +
                      std::to_string(config_.max_mats) + ", " + std::to_string(*n) +
                      " suppressed)");
      }
    }
    return nullptr;
  }
  return &mats_.emplace(std::string(mat_id), MatEntry{}).first->second;
}

void Ingest::reject(MatEntry& e, std::string_view mat_id, std::string_view why,
                    std::string_view detail) {
  ++e.counters.rejected;
  auto it = e.counters.rejected_by_reason.find(why);
  if (it == e.counters.rejected_by_reason.end()) {
    e.counters.rejected_by_reason.emplace(std::string(why), 1);
  } else {
    ++it->second;
  }
  if (logger_ != nullptr && logger_->enabled(LogLevel::kWarn)) {
    if (auto n = limiter_.allow(std::string(mat_id), why, LogRateLimiter::Clock::now())) {
      std::string line = "mat '" + std::string(mat_id) + "': frame rejected (" + std::string(why);
      if (!detail.empty()) line += ": " + std::string(detail);
      line += ")";
      if (*n > 0) line += ", " + std::to_string(*n) + " more suppressed";
      logger_->warn(line);
    }
  }
}

MetaOutcome Ingest::on_meta(std::string_view mat_id, std::span<const std::uint8_t> payload,
                            std::int64_t now_us) {
  MetaOutcome out;
  MatEntry* e = entry(mat_id);
  if (e == nullptr) {
    out.error = "too many mats";
    return out;
  }
  const std::string_view text(reinterpret_cast<const char*>(payload.data()), payload.size());
  MetaParseResult parsed = parse_meta(mat_id, text);
  if (!parsed.ok()) {
    ++e->counters.bad_meta;
    out.error = parsed.error;
    if (logger_ != nullptr) {
      if (auto n = limiter_.allow(std::string(mat_id), "bad_meta", LogRateLimiter::Clock::now())) {
        logger_->warn("mat '" + std::string(mat_id) + "': bad meta (" + parsed.error +
                      "); previous meta " + (e->meta ? "kept" : "none") +
                      (*n > 0 ? ", " + std::to_string(*n) + " more suppressed" : ""));
      }
    }
    return out;
  }
  out.accepted = true;
  ++e->counters.meta_updates;
  out.changed = !e->meta || !(*e->meta == *parsed.descriptor);
  if (out.changed) {
    e->meta = std::make_shared<const MatDescriptor>(std::move(*parsed.descriptor));
    if (logger_ != nullptr) {
      logger_->info("mat '" + std::string(mat_id) + "': meta " +
                    std::string(to_string(e->meta->kind)) + " " + std::to_string(e->meta->rows) +
                    "x" + std::to_string(e->meta->cols) + " @ " +
                    std::to_string(e->meta->sample_rate_hz) + " Hz");
    }
  }
  // Release held frames, in arrival order.
  while (!e->held.empty()) {
    Held h = std::move(e->held.front());
    e->held.pop_front();
    --held_total_;
    auto accepted = process(*e, mat_id, std::move(h.frame), now_us);
    for (auto& a : accepted) out.released.push_back(std::move(a));
  }
  return out;
}

std::vector<AcceptedFrame> Ingest::on_frame(std::string_view mat_id,
                                            std::span<const std::uint8_t> payload,
                                            std::int64_t now_us) {
  MatEntry* e = entry(mat_id);
  if (e == nullptr) return {};
  ++e->counters.received;
  DecodeResult decoded = decode_frame(payload);
  if (auto* failure = std::get_if<DecodeFailure>(&decoded)) {
    reject(*e, mat_id, reason_name(failure->error), failure->detail);
    return {};
  }
  auto& frame = std::get<PressureFrame>(decoded);
  if (!e->meta) {
    // Hold it until meta arrives (protocol §6): bounded per mat, in total and in age.
    if (e->held.size() >= config_.hold_max_frames) {
      e->held.pop_front();
      --held_total_;
      reject(*e, mat_id, reason::kNoMeta, "hold queue full");
    }
    if (held_total_ >= config_.hold_max_total_frames) {
      reject(*e, mat_id, reason::kNoMeta, "gateway-wide hold limit reached");
      return {};
    }
    e->held.push_back(Held{std::move(frame), now_us});
    ++held_total_;
    return {};
  }
  return process(*e, mat_id, std::move(frame), now_us);
}

std::vector<AcceptedFrame> Ingest::process(MatEntry& e, std::string_view mat_id,
                                           PressureFrame frame, std::int64_t now_us) {
  const MatDescriptor& m = *e.meta;
  if (frame.rows != m.rows || frame.cols != m.cols || frame.encoding != m.encoding) {
    reject(e, mat_id, reason::kDimensionMismatch,
           std::to_string(frame.rows) + "x" + std::to_string(frame.cols) + " vs meta " +
               std::to_string(m.rows) + "x" + std::to_string(m.cols));
    return {};
  }
  for (const std::uint16_t v : frame.values) {
    if (v > m.full_scale_counts) {
      reject(e, mat_id, reason::kValueOutOfRange,
             std::to_string(v) + " > full_scale_counts " + std::to_string(m.full_scale_counts));
      return {};
    }
  }
  if (frame.timestamp_us > now_us + config_.clock_skew_future_us ||
      frame.timestamp_us < now_us - config_.clock_skew_past_us) {
    reject(e, mat_id, reason::kClockSkew,
           "timestamp " + std::to_string((frame.timestamp_us - now_us) / 1'000'000) +
               " s from the gateway clock");
    return {};
  }

  // Sequence: duplicates within the window, gaps, late frames, restarts (wrap-around safe).
  SequenceWindow& w = e.seq;
  const std::uint32_t seq = frame.sequence;
  bool restart = false;
  if (!w.started) {
    w.started = true;
    w.newest = seq;
    w.newest_ts_us = frame.timestamp_us;
    w.seen.reset();
    w.seen.set(seq % kWindow);
  } else {
    const std::uint32_t ahead = seq - w.newest;  // modulo 2^32
    if (ahead == 0) {
      reject(e, mat_id, reason::kDuplicate, "sequence " + std::to_string(seq));
      return {};
    }
    if (ahead < 0x8000'0000u) {
      // Forward. A huge jump that the elapsed time cannot explain is a restart, not a gap.
      double expected = 0;
      if (frame.timestamp_us > w.newest_ts_us) {
        expected =
            static_cast<double>(frame.timestamp_us - w.newest_ts_us) * 1e-6 * m.sample_rate_hz;
      }
      if (ahead > kWindow && static_cast<double>(ahead - 1) > 2 * expected + kWindow) {
        restart = true;
      } else {
        e.counters.missing += ahead - 1;
        if (ahead >= kWindow) {
          w.seen.reset();
        } else {
          for (std::uint32_t i = 1; i <= ahead; ++i) w.seen.reset((w.newest + i) % kWindow);
        }
        w.newest = seq;
        w.newest_ts_us = frame.timestamp_us;
        w.seen.set(seq % kWindow);
      }
    } else {
      const std::uint32_t behind = w.newest - seq;
      if (behind < kWindow) {
        // A mat that reboots starts again at 0 (protocol §2): within its first 1024 frames, its
        // new numbers were all seen already. A real duplicate is a copy, with the old frame's
        // timestamp; a rebooted mat's frame is newer than the newest one. Only for the first
        // numbers after a reboot (< kRestartSeqMax), so that a redelivered copy after the mat's
        // clock stepped back is still a duplicate.
        const bool rebooted = seq < kRestartSeqMax && frame.timestamp_us > w.newest_ts_us;
        if (w.seen.test(seq % kWindow) && !rebooted) {
          reject(e, mat_id, reason::kDuplicate, "sequence " + std::to_string(seq));
          return {};
        }
        if (w.seen.test(seq % kWindow)) {
          restart = true;
        } else {
          w.seen.set(seq % kWindow);  // a late frame filling a gap
          if (e.counters.missing > 0) --e.counters.missing;
        }
      } else {
        restart = true;
      }
    }
    if (restart) {
      ++e.counters.sequence_restart;
      if (logger_ != nullptr) {
        logger_->info("mat '" + std::string(mat_id) + "': sequence restart " +
                      std::to_string(w.newest) + " -> " + std::to_string(seq));
      }
      w.newest = seq;
      w.newest_ts_us = frame.timestamp_us;
      w.seen.reset();
      w.seen.set(seq % kWindow);
    }
  }
  ++e.counters.accepted;
  std::vector<AcceptedFrame> out;
  out.push_back(AcceptedFrame{e.meta, to_canonical(frame, m.layout), restart});
  return out;
}

void Ingest::housekeeping(std::int64_t now_us) {
  for (auto& [id, e] : mats_) {
    while (!e.held.empty() && now_us - e.held.front().received_us > config_.hold_max_age_us) {
      e.held.pop_front();
      --held_total_;
      reject(e, id, reason::kNoMeta, "no meta within the hold time");
    }
  }
}

std::shared_ptr<const MatDescriptor> Ingest::meta(std::string_view mat_id) const {
  auto it = mats_.find(mat_id);
  return it == mats_.end() ? nullptr : it->second.meta;
}

MatCounters Ingest::counters(std::string_view mat_id) const {
  auto it = mats_.find(mat_id);
  return it == mats_.end() ? MatCounters{} : it->second.counters;
}

std::vector<std::string> Ingest::mat_ids() const {
  std::vector<std::string> ids;
  ids.reserve(mats_.size());
  for (const auto& [id, e] : mats_) ids.push_back(id);
  return ids;
}

std::size_t Ingest::held_frames(std::string_view mat_id) const {
  auto it = mats_.find(mat_id);
  return it == mats_.end() ? 0 : it->second.held.size();
}

}  // namespace pmap
