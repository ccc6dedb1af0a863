#include "mat_simulator.hpp"

#include <cmath>
#include <random>

#include "pmap/layout.hpp"

namespace pmap::sim {

std::uint64_t mat_seed(std::uint64_t run_seed, const std::string& mat_id) {
  std::vector<std::uint32_t> material = {static_cast<std::uint32_t>(run_seed),
                                         static_cast<std::uint32_t>(run_seed >> 32)};
  for (const char c : mat_id) material.push_back(static_cast<unsigned char>(c));
  std::seed_seq seq(material.begin(), material.end());
  std::uint32_t words[2];
  seq.generate(words, words + 2);
  return std::uint64_t{words[0]} << 32 | words[1];
}

std::variant<MatSimulator, std::string> MatSimulator::make(const MatConfig& config,
                                                           std::uint64_t run_seed) {
  std::mt19937_64 seeds(mat_seed(run_seed, config.id));
  const std::uint64_t body_seed = seeds(), scenario_seed = seeds(), sensor_seed = seeds();
  const bool calibration = config.scenario == "calibration";
  auto scenario = calibration && !config.duration_s
                      ? Scenario::calibration(config.calibration)
                      : Scenario::make(config.scenario, config.kind, config.duration_s,
                                       scenario_seed, config.sitting_pose);
  if (auto* error = std::get_if<std::string>(&scenario)) return "mat " + config.id + ": " + *error;

  const MatGeometry geometry = MatGeometry::for_kind(config.kind);
  std::mt19937_64 body_rng(body_seed);
  const BodyParams body = BodyParams::random(body_rng, config.height_cm, config.weight_kg);
  SensorConfig sensor_config = SensorConfig::for_encoding(config.encoding);
  // Seat mats are made for the higher pressures under the ischial tuberosities.
  if (config.kind == MatKind::kChair) sensor_config.nominal_full_scale_mmhg = 200;
  sensor_config.drop_rate = config.drop_rate;
  sensor_config.dup_rate = config.dup_rate;
  // Creep, hysteresis and shape spread: off for body scenarios unless asked for (the posture
  // engines are tuned on the frames without them), on for calibration sessions.
  sensor_config.creep_fraction =
      config.sensor_creep.value_or(calibration ? kCalibrationCreepFraction : 0.0);
  sensor_config.hysteresis =
      config.sensor_hysteresis.value_or(calibration ? kCalibrationHysteresis : 0.0);
  sensor_config.exponent_sigma =
      config.sensor_exponent_sigma.value_or(calibration ? kCalibrationExponentSigma : 0.0);
  if (config.sensor_creep_tau_s) sensor_config.creep_tau_s = *config.sensor_creep_tau_s;

  MatDescriptor mat;
  mat.id = config.id;
  mat.kind = config.kind;
  mat.rows = geometry.rows;
  mat.cols = geometry.cols;
  mat.row_pitch_mm = geometry.row_pitch_mm;
  mat.col_pitch_mm = geometry.col_pitch_mm;
  mat.sample_rate_hz =
      config.rate_hz > 0 ? config.rate_hz : (config.kind == MatKind::kBed ? 1.0 : 2.0);
  mat.layout = config.layout;
  mat.encoding = config.encoding;
  mat.firmware = "pmap-sim 0.1.0";
  mat.full_scale_counts = sensor_config.full_scale_counts;
  mat.nominal_full_scale_mmhg = sensor_config.nominal_full_scale_mmhg;

  MatConfig resolved = config;
  resolved.rate_hz = mat.sample_rate_hz;
  return MatSimulator(resolved, mat, std::move(std::get<Scenario>(scenario)),
                      BodyModel(config.kind, geometry, body),
                      SensorModel(geometry.rows, geometry.cols, sensor_config, sensor_seed));
}

MatSimulator::MatSimulator(MatConfig config, MatDescriptor descriptor, Scenario scenario,
                           BodyModel model, SensorModel sensor)
    : config_(std::move(config)),
      descriptor_(std::move(descriptor)),
      scenario_(std::move(scenario)),
      model_(std::move(model)),
      sensor_(std::move(sensor)) {
  frame_count_ =
      static_cast<std::uint64_t>(std::floor(scenario_.duration_s() * config_.rate_hz + 1e-9));
}

void MatSimulator::start_session(Scenario scenario) {
  sequence_base_ += next_index_;
  scenario_ = std::move(scenario);
  frame_count_ =
      static_cast<std::uint64_t>(std::floor(scenario_.duration_s() * config_.rate_hz + 1e-9));
  next_index_ = 0;
  cached_state_.reset();
}

double MatSimulator::next_time_s() const {
  return static_cast<double>(next_index_) / config_.rate_hz;
}

MatStep MatSimulator::step(std::int64_t start_us) {
  const double t = next_time_s();
  MatStep out;
  out.sequence = static_cast<std::uint32_t>(sequence_base_ + next_index_);
  out.timestamp_us = start_us + static_cast<std::int64_t>(std::llround(t * 1e6));
  ++next_index_;
  const BodyState state = scenario_.state_at(t);
  out.applied = scenario_.applied_at(t);
  if (out.applied) {
    // Calibration: the same known pressure on every taxel.
    if (!cached_applied_ || *cached_applied_ != out.applied->mmhg) {
      cached_image_ = PressureImage{
          descriptor_.rows, descriptor_.cols,
          std::vector<double>(std::size_t{descriptor_.rows} * descriptor_.cols, out.applied->mmhg)};
      cached_applied_ = out.applied->mmhg;
    }
  } else if (!cached_state_ || !(*cached_state_ == state)) {
    // Most of a night is spent lying still: render only when the body state changes.
    cached_image_ = model_.render(state);
    cached_state_ = state;
  }
  out.fate = sensor_.next_fate();
  // The sensor reads every frame (a lost frame is lost on the way out), so noise sequences do not
  // depend on the drop rate.
  const PressureFrame canonical = sensor_.read(cached_image_, out.sequence, out.timestamp_us);
  if (out.fate.dropped) return out;
  const PressureFrame mat_frame = from_canonical(canonical, config_.layout);
  out.frames.push_back(mat_frame);
  if (out.fate.duplicated) out.frames.push_back(mat_frame);
  if (config_.with_truth) {
    out.truth =
        truth_json(TruthInput{config_.id, config_.kind, out.sequence, out.timestamp_us, &state,
                              &cached_image_, model_.geometry(), out.fate, out.applied});
  }
  return out;
}

}  // namespace pmap::sim
