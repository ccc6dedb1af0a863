#include "pmap/ingest.hpp"

#include <algorithm>
#include <array>
#include <climits>
#include <optional>
#include <variant>

#include "pmap/layout.hpp"
#include "pmap/wire_codec.hpp"

namespace pmap {

namespace {
constexpr std::array<std::string_view, 17> kReasons = {
    "empty",         "too_large",          "bad_magic",
    "truncated",     "length_mismatch",    "bad_version",
    "bad_encoding",  "bad_dimensions",     "bad_crc",
    "bad_json",      "value_out_of_range", "dimension_mismatch",
    "duplicate",     "clock_skew",         "no_meta",
    "too_many_mats", "rate_limited"};
constexpr std::uint32_t kWindow = 1024;
/// A seen sequence number below this with a newer timestamp than the newest frame is a mat that
/// rebooted (it starts again at 0), not a duplicate.
constexpr std::uint32_t kRestartSeqMax = 64;

// The capture timestamp of a binary frame, read from its header without checking the CRC or
// touching the taxels (protocol §4: magic at 0, timestamp at 12). Empty for anything else.
std::optional<std::int64_t> binary_header_timestamp(std::span<const std::uint8_t> payload) {
  constexpr std::size_t kStampOffset = 12;
  if (payload.size() < kStampOffset + 8 || payload[0] != 'P' || payload[1] != 'M' ||
      payload[2] != 'A' || payload[3] != 'P') {
    return std::nullopt;
  }
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i) v |= std::uint64_t{payload[kStampOffset + i]} << (8 * i);
  if (v > static_cast<std::uint64_t>(INT64_MAX)) return std::nullopt;
  return static_cast<std::int64_t>(v);
}
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
  out.changed = !e->meta || e->meta_restored || !(*e->meta == *parsed.descriptor);
  e->meta_restored = false;
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

std::string Ingest::restore_meta(std::string_view mat_id, std::string_view meta_json) {
  MatEntry* e = entry(mat_id);
  if (e == nullptr) return "too many mats";
  if (e->meta) return {};
  MetaParseResult parsed = parse_meta(mat_id, meta_json);
  if (!parsed.ok()) return parsed.error;
  e->meta = std::make_shared<const MatDescriptor>(std::move(*parsed.descriptor));
  e->meta_restored = true;
  return {};
}

bool Ingest::refill_by_arrival(RateBucket& b, std::int64_t now_us) const {
  if (!b.started) {
    b.started = true;
    b.tokens = config_.max_frame_burst;
    b.arrival_us = now_us;
    return true;
  }
  const std::int64_t dt = std::max<std::int64_t>(0, now_us - b.arrival_us);
  b.arrival_us = now_us;  // a clock stepped back restarts from here (no credit, no debt)
  b.arrival_credit_us += dt;
  b.tokens = std::min(config_.max_frame_burst,
                      b.tokens + static_cast<double>(dt) * config_.max_frame_rate_hz / 1e6);
  return b.tokens >= 1.0;
}

void Ingest::refill_by_stamp(RateBucket& b, std::int64_t timestamp_us, std::int64_t now_us) const {
  // A timestamp ahead of the gateway's clock earns nothing beyond the clock: a forged future
  // timestamp cannot buy frames in advance.
  const std::int64_t stamp = std::min(timestamp_us, now_us);
  if (!b.stamped) {
    b.stamped = true;
    b.stamp_us = stamp;
    b.arrival_credit_us = 0;
    return;
  }
  std::int64_t ds = 0;
  if (stamp > b.stamp_us) {
    ds = stamp - b.stamp_us;
    b.stamp_us = stamp;
  } else if (stamp < b.stamp_us && (!b.catching_up || stamp > b.catch_up_us)) {
    // An older frame: a catch-up interleaved with live frames (a mat draining its offline
    // buffer while it goes on measuring) advances a second watermark of its own. Both are
    // monotonic and never ahead of the gateway's clock, so neither can be replayed for credit.
    if (!b.catching_up) {
      b.catching_up = true;
      b.catch_up_us = stamp;
      return;
    }
    ds = stamp - b.catch_up_us;
    b.catch_up_us = stamp;
  } else {
    return;  // a repeated timestamp earns nothing
  }
  // Credit max(arrival time, timestamp advance) since the stamp last moved, not both.
  const std::int64_t extra = ds - b.arrival_credit_us;
  b.arrival_credit_us = 0;
  if (extra > 0) {
    b.tokens = std::min(config_.max_frame_burst,
                        b.tokens + static_cast<double>(extra) * config_.max_frame_rate_hz / 1e6);
  }
}

std::vector<AcceptedFrame> Ingest::on_frame(std::string_view mat_id,
                                            std::span<const std::uint8_t> payload,
                                            std::int64_t now_us) {
  MatEntry* e = entry(mat_id);
  if (e == nullptr) return {};
  ++e->counters.received;
  // Per-mat rate limit (docs/protocol.md §6, "rate_limited"), checked before the CRC and the
  // decode so that a flood costs little. The bucket fills on two clocks, whichever runs faster:
  // - the gateway's clock: a mat gets max_frame_rate_hz in real time whatever its timestamps say
  //   (a mat whose clock stepped back is not starved);
  // - the frames' own timestamps (never ahead of the gateway's clock): frames spaced at most at
  //   max_frame_rate_hz in their own time pass however fast they arrive. That is a legitimate
  //   catch-up: a mat replaying its offline buffer, QoS 1 frames the broker queued while the
  //   gateway was away, `pmap-sim --speed max` or `--replay` of days of data.
  // A flood with honest timestamps is cut to max_frame_rate_hz after max_frame_burst frames.
  const bool limited = config_.max_frame_rate_hz > 0;
  const auto header_stamp = limited ? binary_header_timestamp(payload) : std::nullopt;
  if (limited) {
    bool has_token = refill_by_arrival(e->rate, now_us);
    if (header_stamp) {
      refill_by_stamp(e->rate, *header_stamp, now_us);
      has_token = e->rate.tokens >= 1.0;
    }
    // Without a binary header (a JSON frame, garbage) the timestamp is known only after parsing:
    // parse only while the bucket has a token, so a JSON flood is not parsed either.
    if (!has_token) {
      reject(*e, mat_id, reason::kRateLimited, "over max_frame_rate_hz");
      return {};
    }
  }
  DecodeResult decoded = decode_frame(payload);
  if (auto* failure = std::get_if<DecodeFailure>(&decoded)) {
    if (limited) e->rate.tokens -= 1.0;  // garbage costs like a frame
    reject(*e, mat_id, reason_name(failure->error), failure->detail);
    return {};
  }
  auto& frame = std::get<PressureFrame>(decoded);
  if (limited) {
    if (!header_stamp) refill_by_stamp(e->rate, frame.timestamp_us, now_us);
    e->rate.tokens -= 1.0;
  }
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
