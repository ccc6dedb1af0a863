#include "pmap/pipeline.hpp"

#include <cmath>

#include "pmap/chair/chair_posture.hpp"
#include "pmap/posture/bed_posture.hpp"
#include "pmap/posture/knee_support.hpp"
#include "pmap/posture/landmarks_json.hpp"

#include "pmap/diary/time_zone.hpp"
#include "pmap/gateway_config.hpp"
#include "pmap/topics.hpp"
#include "pmap/wire_codec.hpp"

namespace pmap {
namespace {

/// A learned floor is written at most this often per mat while it keeps learning (5 min; its
/// time constant is 10 min, so a restart loses at most a few minutes of learning).
constexpr std::int64_t kFloorWriteIntervalUs = 300'000'000;

using posture::BedPosture;
using posture::LateralSubtype;

nlohmann::json bed_posture_json(const BedPosture& bed, const posture::SmoothedPosition& smoothed) {
  return {{"position", posture::to_string(smoothed.label)},
          {"confidence", smoothed.confidence},
          {"position_frame", to_string(bed.position)},
          {"confidence_frame", bed.position_confidence},
          {"subtype", bed.subtype == LateralSubtype::kNotLateral
                          ? nlohmann::json(nullptr)
                          : nlohmann::json(to_string(bed.subtype))},
          {"head_end", to_string(bed.head_end)},
          {"head_end_confidence", bed.head_end_confidence},
          {"axis_deg", bed.axis_angle_deg},
          {"landmarks", posture::landmarks_json<nlohmann::json>(bed.landmarks)}};
}

// Side-lying: knee-pillow state; supine: knee support and pelvic tilt (docs/posture.md). Adds
// them to the posture JSON, feeds the knee stream (pillow-slip episodes) and the posture epochs.
void add_knee_support(const posture::KneeSupportResult* knee, nlohmann::json& posture,
                      FrameLabels& labels, PostureSample& sample) {
  if (knee == nullptr) return;
  if (knee->side) {
    const auto& side = *knee->side;
    sample.side = true;
    sample.pelvic_roll_deg = side.pelvic_roll_deg;
    sample.knee_aligned = side.state == posture::KneePillowState::kAligned;
    sample.knee_dropped = side.state == posture::KneePillowState::kDropped;
    posture["knee_pillow"] = {{"state", to_string(side.state)},
                              {"top_knee_offset_cm", side.top_knee_offset_cm},
                              {"pelvic_roll_deg", side.pelvic_roll_deg},
                              {"confidence", side.confidence}};
    if (side.state != posture::KneePillowState::kUnknown) {
      labels.knee = std::string(to_string(side.state));
      labels.knee_confidence = side.confidence;
    }
  }
  if (knee->supine) {
    const auto& supine = *knee->supine;
    sample.supine_supported = supine.support == posture::KneeSupport::kFlexedSupported;
    sample.supine_flat = supine.support == posture::KneeSupport::kFlat;
    posture["knee_support"] = {{"state", to_string(supine.support)},
                               {"pelvic_tilt_deg", supine.pelvic_tilt_deg},
                               {"confidence", supine.confidence}};
    if (supine.support != posture::KneeSupport::kUnknown) {
      labels.knee = std::string(to_string(supine.support));
      labels.knee_confidence = supine.confidence;
    }
  }
}

nlohmann::json chair_posture_json(const chair::ChairPostureResult& seat, bool calibrated) {
  auto it = [](const chair::IschialPeak& p) -> nlohmann::json {
    if (!p.found) return nullptr;
    return {{"row", p.position.row},
            {"col", p.position.col},
            {"x_mm", p.position.x_mm},
            {"y_mm", p.position.y_mm},
            {"load_share_pct", p.load_share_pct}};
  };
  return {{"sitting_class", chair::to_string(seat.sitting_class)},
          {"pelvic_obliquity_deg", seat.obliquity_deg},
          {"pelvic_tilt_deg", seat.tilt_deg},
          {"it_right", it(seat.right_it)},
          {"it_left", it(seat.left_it)},
          {"it_separation_mm", seat.it_separation_mm},
          {"it_confidence", seat.it_confidence},
          {"wallet", seat.wallet.detected ? nlohmann::json(chair::to_string(seat.wallet.side))
                                          : nlohmann::json(nullptr)},
          {"wallet_confidence", seat.wallet.confidence},
          // PPI is in the image's unit: mmHg only with a calibration.
          {"peak_pressure_index", seat.peak_pressure_index},
          {"peak_pressure_index_unit", calibrated ? "mmHg" : "counts"},
          {"dispersion_index_pct", seat.dispersion_index_pct}};
}

}  // namespace

PipelineConfig PipelineConfig::from(const GatewayConfig& c) {
  PipelineConfig p;
  p.ingest.max_mats = static_cast<std::size_t>(c.max_mats);
  p.ingest.hold_max_frames = static_cast<std::size_t>(c.hold_max_frames);
  p.ingest.max_frame_rate_hz = c.max_frame_rate_hz;
  p.ingest.max_frame_burst = static_cast<double>(c.max_frame_burst);
  p.ingest.hold_max_age_us = c.hold_max_age_s * 1'000'000;
  p.ingest.clock_skew_future_us = c.clock_skew_future_s * 1'000'000;
  p.ingest.clock_skew_past_us = c.clock_skew_past_s * 1'000'000;
  p.ingest.log_interval = std::chrono::seconds(c.log_interval_s);
  p.condition.floor_time_constant_s = c.floor_time_constant_s;
  p.condition.floor_holdoff_s = c.floor_holdoff_s;
  p.condition.floor_percentile = c.floor_percentile;
  p.condition.noise_gate_fraction = c.noise_gate_fraction;
  p.features.occupancy_bed_cm2 = c.occupancy_bed_cm2;
  p.features.occupancy_chair_cm2 = c.occupancy_chair_cm2;
  p.features.contact_threshold_mmhg = c.contact_threshold_mmhg;
  p.features.contact_threshold_fraction = c.contact_threshold_fraction;
  p.epoch_seconds = c.epoch_seconds;
  p.state_interval = std::chrono::milliseconds(c.state_interval_ms);
  p.raw_archive = c.raw_archive_mb > 0;
  p.flush_max_rows = static_cast<std::size_t>(c.flush_max_rows);
  p.calibration_dir = c.calibration_dir;
  p.utc_offset_s = [zone = c.tz.empty() ? diary::TimeZone::system_default()
                                        : diary::TimeZone(c.tz)](std::int64_t utc_us) {
    return zone.utc_offset_s(utc_us);
  };
  p.episodes.presence_dwell_us = c.presence_dwell_s * 1'000'000;
  p.episodes.position_dwell_us = c.position_dwell_s * 1'000'000;
  p.episodes.knee_dwell_us = c.knee_dwell_s * 1'000'000;
  p.episodes.long_still_us = c.long_still_min * 60 * 1'000'000;
  p.sitting_alert_us = c.sitting_alert_min * 60 * 1'000'000;
  return p;
}

std::string_view to_string(CalibrationReload::Outcome outcome) {
  switch (outcome) {
    case CalibrationReload::Outcome::kNone:
      return "none";
    case CalibrationReload::Outcome::kLoaded:
      return "loaded";
    case CalibrationReload::Outcome::kUnchanged:
      return "unchanged";
    case CalibrationReload::Outcome::kRefused:
      return "refused";
    case CalibrationReload::Outcome::kRemoved:
      return "removed";
  }
  return "none";
}

Pipeline::Pipeline(PipelineConfig config, Logger* logger, Publisher publisher, BatchSink sink)
    : config_(config),
      logger_(logger),
      publisher_(std::move(publisher)),
      sink_(std::move(sink)),
      ingest_(config.ingest, logger),
      epochs_(config.epoch_seconds),
      posture_epochs_(config.epoch_seconds),
      throttle_(config.state_interval) {
  if (!config_.calibration_dir.empty()) calibrations_.emplace(config_.calibration_dir);
}

namespace {
std::string layout_json(const MatDescriptor& m) {
  const bool bed = m.kind == MatKind::kBed;
  const char* first =
      m.layout.first_row == RowOrigin::kNear ? (bed ? "head" : "back") : (bed ? "foot" : "front");
  return nlohmann::json{{"first_row", first}, {"mirrored", m.layout.mirrored}}.dump();
}

MatRecord mat_record(const MatDescriptor& m, std::string meta_json, std::int64_t now_us) {
  return MatRecord{m.id,
                   std::string(to_string(m.kind)),
                   m.rows,
                   m.cols,
                   m.row_pitch_mm,
                   m.col_pitch_mm,
                   layout_json(m),
                   m.firmware,
                   std::move(meta_json),
                   now_us};
}
}  // namespace

void Pipeline::handle(std::string_view topic_name, std::span<const std::uint8_t> payload,
                      std::int64_t now_us, Clock::time_point now) {
  wall_now_us_ = now_us;
  const auto parsed = parse_topic(topic_name);
  if (!parsed) {
    ++global_.unattributed;
    if (logger_ != nullptr)
      logger_->debug("unattributed message on '" + std::string(topic_name.substr(0, 200)) + "'");
    return;
  }
  const std::string& mat = parsed->mat_id;
  switch (parsed->channel) {
    case Channel::kFrame: {
      const auto t0 = Clock::now();
      auto accepted = ingest_.on_frame(mat, payload, now_us);
      if (latency_.decode != nullptr) latency_.decode->observe(Clock::now() - t0);
      counters_dirty_[mat] = true;
      // Rejections must reach `state` too, even when no good frame follows them.
      if (accepted.empty()) throttle_.counters_changed(mat);
      on_accepted(std::move(accepted), now);
      break;
    }
    case Channel::kMeta: {
      if (payload.empty()) {  // a cleared retained meta: the mat is removed
        if (mat_listener_.removed) mat_listener_.removed(mat);
        return;
      }
      MetaOutcome outcome = ingest_.on_meta(mat, payload, now_us);
      counters_dirty_[mat] = true;
      if (outcome.accepted && outcome.changed) {
        const auto meta = ingest_.meta(mat);
        pending_.mats.push_back(mat_record(
            *meta, std::string(reinterpret_cast<const char*>(payload.data()), payload.size()),
            now_us));
        if (mat_listener_.meta) mat_listener_.meta(*meta);
      }
      on_accepted(std::move(outcome.released), now);
      break;
    }
    case Channel::kStatus: {
      const std::string_view s(reinterpret_cast<const char*>(payload.data()), payload.size());
      if (s.empty()) return;
      if (s != kStatusOnline && s != kStatusOffline) {
        ++global_.bad_status;
        return;
      }
      if (!ingest_.can_track(mat)) return;
      pending_.statuses.push_back(StatusEvent{mat, now_us, std::string(s)});
      if (logger_ != nullptr) logger_->info("mat '" + mat + "' is " + std::string(s));
      break;
    }
    case Channel::kState:
    case Channel::kTruth:
      ++global_.ignored_channel;
      return;
  }
  if (pending_rows() >= config_.flush_max_rows) flush();
}

Pipeline::MatPipelineState& Pipeline::state_for(const std::shared_ptr<const MatDescriptor>& meta) {
  auto it = mats_.find(meta->id);
  if (it == mats_.end()) {
    it = mats_
             .emplace(meta->id,
                      MatPipelineState{
                          meta, MatConditioner(config_.condition), ConditionedFrame{},
                          CalibrationRecord{}, FeatureExtractor(config_.features),
                          MatEpisodes(meta->id, meta->kind == MatKind::kBed, config_.episodes),
                          std::nullopt, nullptr, chair::ChairShiftTracker{}, chair::ChairAnalyzer{},
                          posture::BedAnalyzer{},
                          posture::PositionSmoother{posture::PositionSmootherConfig{}},
                          OccupancyTracker{}, Occupancy::kEmpty})
             .first;
    if (auto kept = restored_floors_.find(meta->id); kept != restored_floors_.end()) {
      FloorRecord& f = kept->second;
      if (f.rows == meta->rows && f.cols == meta->cols) {
        MatConditioner::FloorState floor;
        floor.counts = Eigen::Map<const TaxelImage>(f.counts.data(), f.rows, f.cols);
        floor.empty_frames = static_cast<std::uint64_t>(f.empty_frames);
        floor.last_learned_us = f.last_learned_us;
        floor.last_occupied_us = f.last_occupied_us;
        it->second.conditioner.restore_floor(std::move(floor));
        floors_written_[meta->id] =
            FloorWritten{static_cast<std::uint64_t>(f.empty_frames), f.saved_us};
        if (logger_ != nullptr) {
          logger_->info("mat '" + meta->id + "': its floor learned from " +
                        std::to_string(f.empty_frames) + " empty frames is taken up again");
        }
      }
      restored_floors_.erase(kept);
    }
    resolve_calibration(it->second, /*force=*/true);
  } else if (it->second.meta != meta) {
    // New meta: keep the learned floor only if the shape and layout are unchanged. The
    // calibration is loaded again either way: whether it matches depends on the meta.
    const auto& old = *it->second.meta;
    const bool same_geometry = old.rows == meta->rows && old.cols == meta->cols &&
                               old.layout == meta->layout && old.encoding == meta->encoding;
    if (!same_geometry) {
      it->second.conditioner = MatConditioner(config_.condition);
      it->second.features = FeatureExtractor(config_.features);
    }
    it->second.meta = meta;
    resolve_calibration(it->second, /*force=*/true);
  }
  return it->second;
}

CalibrationReload Pipeline::resolve_calibration(MatPipelineState& st, bool force) {
  using Outcome = CalibrationReload::Outcome;
  using Status = CalibrationRecord::Status;
  const MatDescriptor& mat = *st.meta;
  CalibrationRecord& rec = st.calibration;
  CalibrationReload result{mat.id, Outcome::kNone, {}};
  const CalibratedPressure* in_use = st.conditioner.calibration();
  // A calibration made for another geometry (the meta changed) must not stay in use.
  if (in_use != nullptr && !in_use->calibration().made_for(mat)) {
    st.conditioner.use_calibration(nullptr);
    in_use = nullptr;
  }
  if (!calibrations_) {
    result.message = "mat '" + mat.id + "': no calibration_dir configured: uncalibrated";
    return result;
  }
  const std::string path = calibrations_->path_for(mat.id).string();
  const auto fingerprint = calibrations_->fingerprint(mat.id);
  if (!fingerprint) {
    const bool had = in_use != nullptr || rec.status != Status::kUncalibrated;
    st.conditioner.use_calibration(nullptr);
    rec.status = Status::kUncalibrated;
    rec.error.clear();
    rec.refused_file.clear();
    rec.refused_fingerprint.reset();
    if (had) {
      result.outcome = Outcome::kRemoved;
      result.message = "mat '" + mat.id + "': calibration removed (" + path +
                       " is gone): uncalibrated, raw counts with an automatic baseline";
      if (logger_ != nullptr) logger_->warn(result.message);
    } else {
      result.message = "mat '" + mat.id + "': no calibration file (" + path + "): uncalibrated";
    }
    return result;
  }
  if (!force && *fingerprint != 0) {
    if (in_use != nullptr && in_use->calibration().source().fingerprint == *fingerprint) {
      rec.status = Status::kCalibrated;
      rec.error.clear();
      rec.refused_file.clear();
      rec.refused_fingerprint.reset();
      result.outcome = Outcome::kUnchanged;
      result.message = "mat '" + mat.id + "': calibration unchanged (" + path + ")";
      return result;
    }
    if (rec.status == Status::kRefused && rec.refused_fingerprint == *fingerprint) {
      result.outcome = Outcome::kUnchanged;
      result.message =
          "mat '" + mat.id + "': calibration file unchanged, still refused: " + rec.error +
          (in_use != nullptr ? "; the previous calibration stays in use" : "; uncalibrated");
      return result;
    }
  }
  auto loaded = calibrations_->load(mat);
  if (auto* reason = std::get_if<std::string>(&loaded)) {
    ++rec.refusals;
    ++global_.calibration_refusals;
    rec.status = Status::kRefused;
    rec.error = *reason;
    rec.refused_file = path;
    rec.refused_fingerprint = *fingerprint;
    result.outcome = Outcome::kRefused;
    result.message = "mat '" + mat.id + "': calibration refused: " + *reason +
                     (in_use != nullptr ? "; the previous calibration (created " +
                                              in_use->calibration().created_utc() + ") stays in use"
                                        : "; uncalibrated, raw counts with an automatic baseline");
    if (logger_ != nullptr) logger_->warn(result.message);
    return result;
  }
  auto calibration = std::get<std::shared_ptr<const CanonicalCalibration>>(std::move(loaded));
  const CanonicalCalibration& c = *calibration;
  st.conditioner.use_calibration(std::move(calibration));
  ++rec.loads;
  ++global_.calibration_loads;
  rec.status = Status::kCalibrated;
  rec.error.clear();
  rec.refused_file.clear();
  rec.refused_fingerprint.reset();
  result.outcome = Outcome::kLoaded;
  result.message = "mat '" + mat.id + "': calibration loaded from " + path + " (created " +
                   c.created_utc() + ", " + std::string(calibration::to_string(c.family())) + ", " +
                   std::to_string(c.dead_taxels()) + " dead and " +
                   std::to_string(c.stuck_taxels()) + " stuck taxels" +
                   (c.follows_hysteresis() ? ", follows hysteresis" : "") + ")";
  if (logger_ != nullptr) logger_->info(result.message);
  return result;
}

std::vector<CalibrationReload> Pipeline::reload_calibrations() {
  std::vector<CalibrationReload> out;
  for (auto& [id, st] : mats_) {
    out.push_back(resolve_calibration(st, /*force=*/false));
    const CalibrationReload& r = out.back();
    // loaded / refused / removed were logged as they happened; say the rest too (one line per
    // mat for each reload).
    if (logger_ != nullptr && (r.outcome == CalibrationReload::Outcome::kUnchanged ||
                               r.outcome == CalibrationReload::Outcome::kNone)) {
      logger_->info(r.message);
    }
    throttle_.counters_changed(id);  // republish the state with the new calibration status
  }
  return out;
}

nlohmann::json Pipeline::calibration_json(const MatPipelineState& st) const {
  using nlohmann::json;
  using Status = CalibrationRecord::Status;
  const CalibrationRecord& rec = st.calibration;
  const CalibratedPressure* in_use = st.conditioner.calibration();
  json out = json::object();
  out["status"] = rec.status == Status::kCalibrated ? "calibrated"
                  : rec.status == Status::kRefused  ? "refused"
                                                    : "uncalibrated";
  out["error"] = rec.status == Status::kRefused ? json(rec.error) : json(nullptr);
  out["in_use"] = in_use != nullptr;
  json zero = {{"tracked", st.conditioner.floor_learned()},
               {"median_shift_counts", nullptr},
               {"max_abs_shift_counts", nullptr},
               {"limit_counts", nullptr},
               {"excessive_taxels", 0},
               {"excessive", false}};
  if (in_use != nullptr) {
    const CanonicalCalibration& c = in_use->calibration();
    out["file"] = c.source().file;
    out["created_utc"] = c.created_utc();
    if (c.created_s() && wall_now_us_ != 0) {
      const double days =
          (static_cast<double>(wall_now_us_) / 1e6 - static_cast<double>(*c.created_s())) / 86400.0;
      out["age_days"] = std::round(days * 100.0) / 100.0;
    } else {
      out["age_days"] = nullptr;
    }
    out["family"] = std::string(calibration::to_string(c.family()));
    out["hysteresis_following"] = c.follows_hysteresis();
    out["creep_compensated"] = c.compensates_creep();
    out["dead_taxels"] = c.dead_taxels();
    out["stuck_taxels"] = c.stuck_taxels();
    const ZeroTracking& z = in_use->zero();
    zero["tracked"] = z.tracked;
    zero["limit_counts"] = z.limit_counts;
    if (z.tracked) {
      zero["median_shift_counts"] = std::round(z.median_shift_counts * 100.0) / 100.0;
      zero["max_abs_shift_counts"] = std::round(z.max_abs_shift_counts * 100.0) / 100.0;
      zero["excessive_taxels"] = z.excessive_taxels;
      zero["excessive"] = z.excessive();
    }
  } else {
    out["file"] = rec.status == Status::kRefused ? json(rec.refused_file) : json(nullptr);
    out["created_utc"] = nullptr;
    out["age_days"] = nullptr;
    out["family"] = nullptr;
    out["hysteresis_following"] = false;
    out["creep_compensated"] = false;
    out["dead_taxels"] = nullptr;
    out["stuck_taxels"] = nullptr;
  }
  out["zero"] = std::move(zero);
  out["loads"] = rec.loads;
  out["refusals"] = rec.refusals;
  return out;
}

nlohmann::json Pipeline::calibration_state(std::string_view mat_id) const {
  auto it = mats_.find(mat_id);
  return it == mats_.end() ? nlohmann::json(nullptr) : calibration_json(it->second);
}

const ConditionedFrame* Pipeline::conditioned(std::string_view mat_id) const {
  auto it = mats_.find(mat_id);
  return it == mats_.end() ? nullptr : &it->second.conditioned;
}

void Pipeline::on_accepted(std::vector<AcceptedFrame>&& frames, Clock::time_point now) {
  for (const auto& f : frames) process_frame(f, now);
}

void Pipeline::process_frame(const AcceptedFrame& frame, Clock::time_point now) {
  const auto t0 = Clock::now();
  MatPipelineState& st = state_for(frame.mat);
  st.last_frame_us = wall_now_us_;
  const MatDescriptor& meta = *frame.mat;
  ConditionedFrame& conditioned = st.conditioned;  // reused: no per-frame allocation
  st.conditioner.condition(frame.canonical, meta, conditioned);
  FrameFeatures features = st.features.extract(conditioned, meta);
  const Occupancy occupancy =
      st.occupancy.update(features.occupied, features.load_raw, features.contact_area_cm2,
                          static_cast<double>(features.timestamp_us) / 1e6);
  // Zero tracking: empty frames teach the floor, slowly; frozen while occupied and for a while
  // after (MatConditioner).
  st.conditioner.observe(conditioned, features.occupied);
  FrameLabels labels{.timestamp_us = features.timestamp_us,
                     .occupied = features.occupied,
                     .movement = features.movement};
  nlohmann::json posture = nullptr;
  PostureSample sample{.timestamp_us = features.timestamp_us, .bed = meta.kind == MatKind::kBed};
  bool has_sample = false;
  if (features.occupied) {
    // The posture engines are scale-invariant: counts above the floor serve until a calibration
    // gives mmHg.
    const Eigen::MatrixXf image = conditioned.pressure_mmhg ? conditioned.pressure_mmhg->matrix()
                                                            : conditioned.above_floor.matrix();
    if (meta.kind == MatKind::kBed) {
      // The posture and the knee analysis from one body image, in the mat's own workspace.
      const auto result = st.bed_analyzer.analyze_with_knees(image, meta);
      const auto* knee = std::get_if<posture::KneeSupportResult>(&result);
      if (knee == nullptr) {
        st.position_smoother.observe_error();
      } else if (!knee->posture.occupied) {
        st.position_smoother.observe_empty();
      } else {
        const BedPosture& bed = knee->posture;
        // The state reports the smoothed position (earlier frames of this mat, never later
        // ones): one odd frame does not flip what the person is shown. The position episodes get
        // the frame's own label: their dwell is their hysteresis, and fed the smoothed labels
        // (which turn flicker into long confident runs) they found 50 % more false turns on
        // simulated nights (docs/accuracy.md, "Turns").
        const posture::SmoothedPosition smoothed = st.position_smoother.observe(
            bed.position_probabilities, static_cast<double>(features.timestamp_us) / 1e6);
        labels.position = std::string(to_string(bed.position));
        labels.position_confidence = bed.position_confidence;
        posture = bed_posture_json(bed, smoothed);
        add_knee_support(knee, posture, labels, sample);
        has_sample = true;
      }
    } else {
      const auto result = st.chair_analyzer.analyze(image, meta);
      if (const auto* seat = std::get_if<chair::ChairPostureResult>(&result);
          seat != nullptr && seat->occupied) {
        labels.position = std::string(chair::to_string(seat->sitting_class));
        labels.position_confidence = 1.0;
        posture = chair_posture_json(*seat, conditioned.pressure_mmhg.has_value());
        sample.obliquity_deg = seat->obliquity_deg;
        sample.tilt_deg = seat->tilt_deg;
        sample.slouched = seat->sitting_class == chair::SittingClass::kSlouched;
        sample.wallet = seat->wallet.detected;
        sample.ppi = seat->peak_pressure_index;
        sample.di_pct = seat->dispersion_index_pct;
        has_sample = true;
        // A weight shift (pressure relief: the load moves away and comes back) is stored as an
        // episode of its own: stream "weight_shift", label "relief" (frames are not counted).
        if (const auto shift =
                st.weight_shifts.update(*seat, static_cast<double>(features.timestamp_us) / 1e6)) {
          pending_.episodes.push_back(Episode{
              meta.id, "weight_shift", "relief", static_cast<std::int64_t>(shift->start_s * 1e6),
              static_cast<std::int64_t>(shift->end_s * 1e6), 0, 1.0});
        }
        posture["weight_shifts"] = st.weight_shifts.shift_count();
      }
    }
  } else if (meta.kind == MatKind::kBed) {
    st.position_smoother.observe_empty();  // the next sleeper starts afresh
  }
  {
    std::vector<Episode> closed = st.episodes.add(labels);
    track_live(st, closed);
    for (Episode& e : closed) pending_.episodes.push_back(std::move(e));
  }
  if (meta.kind != MatKind::kBed) check_sitting_alert(st);
  epochs_.add(meta.id, features);
  if (has_sample) posture_epochs_.add(meta.id, sample);
  if (config_.raw_archive) {
    pending_.raw_frames.push_back(RawFrameRecord{meta.id, frame.canonical.sequence,
                                                 frame.canonical.timestamp_us,
                                                 encode_binary(frame.canonical)});
  }
  // A late frame (older than the newest) does not replace the latest state.
  if (!st.latest || features.timestamp_us >= st.latest->timestamp_us) {
    st.latest = features;
    st.latest_posture = std::move(posture);
    st.latest_occupancy = occupancy;
    if (throttle_.offer(meta.id, features.occupied, now)) publish_state(meta.id, now);
  }
  if (latency_.estimate != nullptr) latency_.estimate->observe(Clock::now() - t0);
}

namespace {
constexpr std::int64_t kDayUs = 86'400'000'000;
constexpr std::int64_t kNoonUs = kDayUs / 2;
std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}
}  // namespace

std::int64_t Pipeline::local_day(std::int64_t utc_us, std::int64_t shift_us) const {
  const std::int64_t offset_us =
      config_.utc_offset_s ? std::int64_t{config_.utc_offset_s(utc_us)} * 1'000'000 : 0;
  return floor_div(utc_us + offset_us - shift_us, kDayUs);
}

void Pipeline::track_live(MatPipelineState& st, const std::vector<Episode>& closed) {
  if (st.meta->kind == MatKind::kBed) {
    // A turn: a new position episode whose label differs from the previous one's (the nights'
    // definition, docs/nights.md), counted in the local noon-to-noon night it starts in.
    const std::optional<Episode>& pos = st.episodes.position();
    if (pos && pos->start_us != st.position_seen_start_us) {
      st.position_seen_start_us = pos->start_us;
      const std::int64_t night = local_day(pos->start_us, kNoonUs);
      if (night != st.turns_night) {
        st.turns_night = night;
        st.turns = 0;
      } else if (!st.last_position.empty() && pos->label != st.last_position) {
        ++st.turns;
      }
      st.last_position = pos->label;
    }
    return;
  }
  // Chair: closed sitting bouts add their part inside the local day they end in.
  for (const Episode& e : closed) {
    if (e.stream != "presence" || e.label != "sitting") continue;
    const std::int64_t day = local_day(e.end_us);
    if (day != st.sitting_day) {
      st.sitting_day = day;
      st.sitting_closed_us = 0;
    }
    st.sitting_closed_us += e.end_us - std::max(e.start_us, local_day_start_us(e.end_us));
  }
}

std::int64_t Pipeline::local_day_start_us(std::int64_t utc_us) const {
  const std::int64_t offset_us =
      config_.utc_offset_s ? std::int64_t{config_.utc_offset_s(utc_us)} * 1'000'000 : 0;
  const std::int64_t local = utc_us + offset_us;
  return utc_us - (local - floor_div(local, kDayUs) * kDayUs);
}

nlohmann::json Pipeline::live_json(const MatPipelineState& st) const {
  const std::int64_t ts = st.latest->timestamp_us;
  if (st.meta->kind == MatKind::kBed) {
    std::string position = "empty";
    bool aligned = false;
    if (st.latest->occupied) {
      position = "unknown";
      if (st.latest_posture.is_object()) {
        position = st.latest_posture.value("position", "unknown");
        const auto knee = st.latest_posture.find("knee_pillow");
        aligned = knee != st.latest_posture.end() && knee->is_object() &&
                  knee->value("state", "") == "aligned";
      }
    }
    return {{"position", position},
            {"knee_pillow_aligned", aligned},
            {"turns_tonight", local_day(ts, kNoonUs) == st.turns_night ? st.turns : 0}};
  }
  std::int64_t sitting_us = local_day(ts) == st.sitting_day ? st.sitting_closed_us : 0;
  if (const auto& bout = st.episodes.presence(); bout && bout->label == "sitting")
    sitting_us += std::max<std::int64_t>(0, ts - std::max(bout->start_us, local_day_start_us(ts)));
  nlohmann::json obliquity = nullptr;
  if (st.latest->occupied && st.latest_posture.is_object()) {
    const auto it = st.latest_posture.find("pelvic_obliquity_deg");
    if (it != st.latest_posture.end()) obliquity = *it;
  }
  return {{"sitting_today_min", std::round(static_cast<double>(sitting_us) / 6e6) / 10.0},
          {"pelvic_obliquity_deg", obliquity}};
}

void Pipeline::check_sitting_alert(MatPipelineState& st) {
  if (config_.sitting_alert_us <= 0) return;
  const std::optional<Episode>& bout = st.episodes.presence();
  // The presence episode's start is the bout's identity: one alert per bout, however long.
  if (!bout || bout->label != "sitting" || bout->start_us == st.sitting_alerted_start_us ||
      bout->end_us - bout->start_us <= config_.sitting_alert_us) {
    return;
  }
  st.sitting_alerted_start_us = bout->start_us;
  const nlohmann::json alert = {{"type", "sitting_bout_over_limit"},
                                {"mat_id", st.meta->id},
                                {"bout_start_us", bout->start_us},
                                {"ts_us", bout->end_us},
                                {"bout_s", (bout->end_us - bout->start_us) / 1'000'000},
                                {"limit_s", config_.sitting_alert_us / 1'000'000}};
  // Not a v1 input channel (core/topics knows only what mats publish); not retained.
  if (publisher_) publisher_("pmap/v1/" + st.meta->id + "/alert", alert.dump());
  if (logger_ != nullptr)
    logger_->info("sitting alert: mat " + st.meta->id + ", bout over " +
                  std::to_string(config_.sitting_alert_us / 60'000'000) + " min");
}

void Pipeline::publish_state(const std::string& mat_id, Clock::time_point now) {
  auto it = mats_.find(mat_id);
  if (it == mats_.end() || !it->second.latest) return;
  const auto& st = it->second;
  nlohmann::json state = make_state_json(*st.meta, *st.latest, ingest_.counters(mat_id));
  state["occupancy"] = to_string(st.latest_occupancy);
  state["calibration"] = calibration_json(st);
  state["posture"] = st.latest_posture;
  nlohmann::json episodes = nlohmann::json::object();
  for (const auto& [stream, e] : st.episodes.current()) {
    episodes[stream] = {{"label", e.label}, {"since_us", e.start_us}};
  }
  state["episodes"] = std::move(episodes);
  state["live"] = live_json(st);
  const std::string payload = dump_state(state);
  throttle_.published(mat_id, st.latest->occupied, now);
  if (publisher_ && publisher_(topic(mat_id, Channel::kState), payload)) {
    ++global_.states_published;
  } else {
    ++global_.state_publish_failures;
  }
}

void Pipeline::publish_due(Clock::time_point now) {
  for (const auto& mat : throttle_.pending()) {
    if (throttle_.due(mat, now)) publish_state(mat, now);
  }
}

bool Pipeline::forget_history(const std::string& mat_id, std::int64_t now_us) {
  const auto meta = ingest_.meta(mat_id);
  if (!meta) return false;
  pending_.mats.push_back(mat_record(*meta, to_meta_json(*meta), now_us));
  counters_dirty_[mat_id] = true;  // its counters' rows went too
  if (const auto it = mats_.find(mat_id); it != mats_.end()) {
    MatPipelineState& st = it->second;
    st.turns_night = INT64_MIN;
    st.turns = 0;
    st.last_position.clear();
    st.sitting_day = INT64_MIN;
    st.sitting_closed_us = 0;
    throttle_.counters_changed(mat_id);
  }
  floors_written_.erase(mat_id);  // its floor's row went too: written again at the next flush
  return true;
}

void Pipeline::housekeeping(std::int64_t now_us) {
  wall_now_us_ = now_us;
  ingest_.housekeeping(now_us);
  for (const auto& id : ingest_.mat_ids()) {
    if (ingest_.held_frames(id) > 0) counters_dirty_[id] = true;
  }
}

std::size_t Pipeline::pending_rows() const {
  return pending_.rows() + epochs_.pending() + posture_epochs_.pending() + counters_dirty_.size();
}

void Pipeline::restore_floor(FloorRecord floor) {
  // read_floors validates the rows; a record made otherwise must still be a whole image.
  if (floor.rows < 1 || floor.cols < 1 ||
      floor.counts.size() != static_cast<std::size_t>(floor.rows * floor.cols)) {
    return;
  }
  std::string id = floor.mat_id;
  restored_floors_.insert_or_assign(std::move(id), std::move(floor));
}

void Pipeline::close_episodes() {
  closing_ = true;
  for (auto& [id, st] : mats_) {
    for (Episode& e : st.episodes.close()) pending_.episodes.push_back(std::move(e));
  }
}

void Pipeline::flush() {
  WriteBatch batch = std::move(pending_);
  pending_ = WriteBatch{};
  batch.epochs = epochs_.take();
  batch.posture_epochs = posture_epochs_.take();
  for (const auto& [mat, dirty] : counters_dirty_) {
    batch.counters.push_back(CounterSnapshot{mat, ingest_.counters(mat).flat()});
  }
  counters_dirty_.clear();
  // Open episodes are written as they stand, and again each time they grew; the closed episode
  // later replaces the row (same mat, stream and start). A crash (kill -9, power loss) then
  // costs an episode its last flush interval, not everything since it began — a night's in-bed
  // episode from the evening on (docs/gateway.md, "Loss window of a gateway crash").
  for (const auto& [mat, st] : mats_) {
    for (Episode& e : st.episodes.open_to_store()) {
      auto& written = open_episodes_written_[mat + '/' + e.stream];
      if (written == std::pair{e.start_us, e.end_us}) continue;
      written = {e.start_us, e.end_us};
      batch.episodes.push_back(std::move(e));
    }
  }
  // Learned floors, when they changed: at most every kFloorWriteIntervalUs per mat while the
  // mat is empty (the floor's time constant is minutes), at once when the mat is occupied again
  // (the floor the night will be measured against), and all at shutdown.
  for (const auto& [mat, st] : mats_) {
    const std::uint64_t learned = st.conditioner.empty_frames_learned();
    if (learned == 0) continue;
    FloorWritten& written = floors_written_[mat];
    if (written.empty_frames == learned) continue;
    const bool occupied = st.latest && st.latest->occupied;
    if (!closing_ && !occupied && written.empty_frames != 0 &&
        st.last_frame_us - written.at_us < kFloorWriteIntervalUs) {
      continue;
    }
    auto floor = st.conditioner.floor_state();
    if (!floor) continue;
    FloorRecord f;
    f.mat_id = mat;
    f.rows = floor->counts.rows();
    f.cols = floor->counts.cols();
    f.counts.assign(floor->counts.data(), floor->counts.data() + floor->counts.size());
    f.empty_frames = static_cast<std::int64_t>(floor->empty_frames);
    f.last_learned_us = floor->last_learned_us;
    f.last_occupied_us = floor->last_occupied_us;
    f.saved_us = st.last_frame_us;
    batch.floors.push_back(std::move(f));
    written = FloorWritten{learned, st.last_frame_us};
  }
  if (!batch.empty() && sink_) sink_(std::move(batch));
}

const FrameFeatures* Pipeline::latest(std::string_view mat_id) const {
  auto it = mats_.find(mat_id);
  return (it == mats_.end() || !it->second.latest) ? nullptr : &*it->second.latest;
}

std::vector<MatMetrics> Pipeline::mat_metrics() const {
  std::vector<MatMetrics> out;
  for (const auto& id : ingest_.mat_ids()) {
    MatMetrics m;
    m.mat_id = id;
    m.counters = ingest_.counters(id);
    if (const auto meta = ingest_.meta(id)) m.kind = std::string(to_string(meta->kind));
    if (const auto it = mats_.find(id); it != mats_.end())
      m.last_frame_us = it->second.last_frame_us;
    out.push_back(std::move(m));
  }
  return out;
}

nlohmann::json Pipeline::summary() const {
  using nlohmann::json;
  json mats = json::object();
  for (const auto& id : ingest_.mat_ids()) {
    const MatCounters c = ingest_.counters(id);
    json by_reason = json::object();
    for (const auto& [k, v] : c.rejected_by_reason) by_reason[k] = v;
    mats[id] = {{"received", c.received}, {"accepted", c.accepted},
                {"rejected", c.rejected}, {"rejected_by_reason", by_reason},
                {"missing", c.missing},   {"sequence_restart", c.sequence_restart},
                {"bad_meta", c.bad_meta}, {"epochs_written", epochs_.epochs_started(id)}};
  }
  return json{{"mats", mats},
              {"global",
               {{"unattributed", global_.unattributed},
                {"ignored_channel", global_.ignored_channel},
                {"bad_status", global_.bad_status},
                {"too_many_mats", ingest_.too_many_mats()},
                {"states_published", global_.states_published},
                {"calibration_loads", global_.calibration_loads},
                {"calibration_refusals", global_.calibration_refusals},
                {"state_publish_failures", global_.state_publish_failures}}}};
}

}  // namespace pmap
