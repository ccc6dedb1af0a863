#include "pmap/simeval/sim_evaluation.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <sstream>
#include <utility>

#include <Eigen/Core>

#include "pmap/chair/chair_posture.hpp"
#include "pmap/episodes.hpp"
#include "pmap/posture/bed_posture.hpp"
#include "pmap/posture/frame_image.hpp"
#include "pmap/posture/knee_support.hpp"
#include "pmap/posture/simulated_training.hpp"
#include "pmap/sim/body_model.hpp"
#include "pmap/sim/scenario.hpp"
#include "pmap/sim/sensor_model.hpp"

namespace pmap::simeval {
namespace {

/// The episode stream's confidence floor: frames below it do not count for positions.
constexpr double kEpisodeConfidenceFloor = EpisodeConfig{}.position_min_confidence;

double uniform(std::mt19937_64& rng, double lo, double hi) {
  return lo + (hi - lo) * std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

/// A random adult (the simulator's distribution), then the conditions' overrides. The random
/// draws happen whatever the overrides, so a sweep changes only the swept quantity.
sim::BodyParams make_body(std::mt19937_64& rng, const Conditions& conditions) {
  sim::BodyParams body = sim::BodyParams::random(rng);
  const double bmi = conditions.bmi.value_or(body.bmi());
  if (conditions.height_cm) body.height_cm = *conditions.height_cm;
  body.weight_kg = bmi * (body.height_cm / 100) * (body.height_cm / 100);
  return body;
}

sim::SensorConfig sensor_config(sim::SensorConfig config, const Conditions& conditions) {
  config.noise_counts *= conditions.noise_scale;
  config.noise_fraction *= conditions.noise_scale;
  if (conditions.gain_sigma) config.gain_sigma = *conditions.gain_sigma;
  if (conditions.dead_taxels) config.dead_taxels = *conditions.dead_taxels;
  config.baseline_counts += conditions.baseline_offset_counts;
  if (conditions.baseline_sigma_counts)
    config.baseline_sigma_counts = *conditions.baseline_sigma_counts;
  return config;
}

/// Renders one static bed pose for a body and reads it once through a sensor drawn from `seed`.
Eigen::MatrixXf read_bed(const sim::BodyParams& body, const sim::BedPose& pose,
                         const Conditions& conditions, std::uint64_t sensor_seed) {
  const sim::BodyModel model(MatKind::kBed, sim::MatGeometry::bed(), body);
  const sim::PressureImage image = model.render(sim::BodyState{pose, pose, 0, {}, 1.0});
  sim::SensorModel sensor(image.rows, image.cols, sensor_config(sim::SensorConfig{}, conditions),
                          sensor_seed);
  return posture::frame_image(sensor.read(image, 0, 0));
}

sim::LateralSubtype random_side_subtype(std::mt19937_64& rng, bool with_rolled) {
  const double kind = uniform(rng, 0, 1);
  if (with_rolled && kind >= 0.8) return sim::LateralSubtype::kRolledSupine;
  const double k = with_rolled ? kind / 0.8 : kind;
  return k < 0.4   ? sim::LateralSubtype::kStraight
         : k < 0.7 ? sim::LateralSubtype::kSemiFetal
                   : sim::LateralSubtype::kFetal;
}

sim::KneePillow random_knee_pillow(std::mt19937_64& rng) {
  const double which = uniform(rng, 0, 1);
  return which < 1.0 / 3   ? sim::KneePillow::kNone
         : which < 2.0 / 3 ? sim::KneePillow::kAligned
                           : sim::KneePillow::kDropped;
}

int position_index(posture::SleepPosition position) {
  switch (position) {
    case posture::SleepPosition::kSupine:
      return 0;
    case posture::SleepPosition::kLeftSide:
      return 1;
    case posture::SleepPosition::kRightSide:
      return 2;
    case posture::SleepPosition::kProne:
      return 3;
  }
  return 4;
}

double quantile_abs(std::vector<double> values, double q) {
  if (values.empty()) return 0;
  for (double& v : values) v = std::abs(v);
  std::sort(values.begin(), values.end());
  const auto index =
      static_cast<std::size_t>(std::ceil(q * static_cast<double>(values.size()))) - 1;
  return values[std::min(index, values.size() - 1)];
}

}  // namespace

std::string Conditions::describe() const {
  std::ostringstream out;
  const char* sep = "";
  auto item = [&](const auto&... parts) {
    out << sep;
    (out << ... << parts);
    sep = ", ";
  };
  if (height_cm) item("height ", *height_cm, " cm");
  if (bmi) item("BMI ", *bmi);
  if (noise_scale != 1.0) item("noise x", noise_scale);
  if (gain_sigma) item("gain sigma ", *gain_sigma);
  if (dead_taxels) item("dead taxels ", *dead_taxels);
  if (baseline_offset_counts != 0) item("baseline +", baseline_offset_counts, " counts");
  if (baseline_sigma_counts) item("baseline sigma ", *baseline_sigma_counts, " counts");
  if (legs_apart_mm != 0) item("legs apart ", legs_apart_mm, " mm");
  const std::string text = out.str();
  return text.empty() ? "simulator defaults" : text;
}

double Detection::precision() const {
  const int predicted = true_positive + false_positive;
  return predicted ? double(true_positive) / predicted : 0.0;
}
double Detection::recall() const {
  const int actual = true_positive + false_negative;
  return actual ? double(true_positive) / actual : 0.0;
}
double Detection::f1() const {
  const int denominator = 2 * true_positive + false_positive + false_negative;
  return denominator ? 2.0 * true_positive / denominator : 0.0;
}

MatDescriptor sim_bed_mat() {
  return posture::simulated_bed_mat();  // the mat the position classifier's sleepers lie on
}

MatDescriptor sim_chair_mat() {
  const sim::MatGeometry geometry = sim::MatGeometry::chair();
  MatDescriptor mat;
  mat.id = "sim-chair";
  mat.kind = MatKind::kChair;
  mat.rows = geometry.rows;
  mat.cols = geometry.cols;
  mat.row_pitch_mm = geometry.row_pitch_mm;
  mat.col_pitch_mm = geometry.col_pitch_mm;
  mat.sample_rate_hz = 2;
  mat.full_scale_counts = 1000;
  mat.nominal_full_scale_mmhg = 200;
  return mat;
}

// --- Position -----------------------------------------------------------------------------------

double PositionReport::macro_f1() const {
  double sum = 0;
  for (int k = 0; k < 3; ++k) {
    Detection d;
    for (int truth = 0; truth < 3; ++truth) {
      for (int engine = 0; engine < 5; ++engine) {
        const int n = confusion[static_cast<std::size_t>(truth)][static_cast<std::size_t>(engine)];
        if (truth == k && engine == k) d.true_positive += n;
        if (truth == k && engine != k) d.false_negative += n;
        if (truth != k && engine == k) d.false_positive += n;
      }
    }
    sum += d.f1();
  }
  return sum / 3;
}

PositionReport evaluate_position(std::uint64_t first_seed, int count,
                                 const Conditions& conditions) {
  const MatDescriptor mat = sim_bed_mat();
  PositionReport report;
  for (int i = 0; i < count; ++i) {
    const std::uint64_t seed = first_seed + static_cast<std::uint64_t>(i);
    std::mt19937_64 rng(seed);
    const sim::BodyParams body = make_body(rng, conditions);
    sim::BedPose pose;
    const double which = uniform(rng, 0, 1);
    pose.posture = which < 0.36   ? sim::BedPosture::kSupine
                   : which < 0.63 ? sim::BedPosture::kLeft
                   : which < 0.9  ? sim::BedPosture::kRight
                                  : sim::BedPosture::kProne;
    pose.lateral = random_side_subtype(rng, true);
    pose.knee_pillow = random_knee_pillow(rng);
    pose.top_knee_offset_mm = uniform(rng, 100, 200);
    if (uniform(rng, 0, 1) < 0.5) sim::draw_under_knee_support(rng, pose);
    pose.legs_apart_mm = conditions.legs_apart_mm;
    pose.head_gap_mm = uniform(rng, -40, 60);
    pose.lateral_offset_mm = uniform(rng, -60, 60);
    const Eigen::MatrixXf canonical = read_bed(body, pose, conditions, rng());
    const int truth = pose.posture == sim::BedPosture::kSupine  ? 0
                      : pose.posture == sim::BedPosture::kLeft  ? 1
                      : pose.posture == sim::BedPosture::kRight ? 2
                                                                : 3;
    const auto result = posture::analyze_bed_frame(canonical, mat);
    const auto* bed = std::get_if<posture::BedPosture>(&result);
    const int engine = bed != nullptr && bed->occupied ? position_index(bed->position) : 4;
    ++report.frames;
    ++report.confusion[static_cast<std::size_t>(truth)][static_cast<std::size_t>(engine)];
    if (truth == 3) continue;
    ++report.scored;
    const double confidence = engine < 4 ? bed->position_confidence : 0.0;
    if (engine == truth) ++report.correct;
    if (confidence < kEpisodeConfidenceFloor) {
      ++report.low_confidence;
    } else if (engine != truth) {
      ++report.confident_wrong;
    }
  }
  return report;
}

// --- Knee pillow --------------------------------------------------------------------------------

double KneePillowReport::answered() const {
  int n = 0;
  for (const auto& row : confusion) n += row[0] + row[1];
  return frames ? double(n) / frames : 0.0;
}
double KneePillowReport::wrong() const {
  return frames ? double(confusion[0][1] + confusion[1][0]) / frames : 0.0;
}

KneePillowReport evaluate_knee_pillow(std::uint64_t first_seed, int count,
                                      const Conditions& conditions) {
  const MatDescriptor mat = sim_bed_mat();
  KneePillowReport report;
  for (int i = 0; i < count; ++i) {
    const std::uint64_t seed = first_seed + static_cast<std::uint64_t>(i);
    std::mt19937_64 rng(seed);
    const sim::BodyParams body = make_body(rng, conditions);
    sim::BedPose pose;
    pose.posture = uniform(rng, 0, 1) < 0.5 ? sim::BedPosture::kRight : sim::BedPosture::kLeft;
    pose.lateral = random_side_subtype(rng, false);
    pose.knee_flexion_deg = sim::side_lying_knee_flexion_deg(pose) + uniform(rng, -10, 10);
    pose.head_gap_mm = uniform(rng, -40, 60);
    pose.lateral_offset_mm = uniform(rng, -60, 60);
    pose.knee_pillow = random_knee_pillow(rng);
    pose.top_knee_offset_mm = uniform(rng, 100, 200);
    const Eigen::MatrixXf canonical = read_bed(body, pose, conditions, rng());
    const std::size_t truth = pose.knee_pillow == sim::KneePillow::kDropped ? 1 : 0;
    const auto analysis = posture::analyze_knee_support(canonical, mat);
    const auto* result = std::get_if<posture::KneeSupportResult>(&analysis);
    std::size_t engine = 3;
    if (result != nullptr && result->side) {
      engine = result->side->state == posture::KneePillowState::kAligned   ? 0
               : result->side->state == posture::KneePillowState::kDropped ? 1
                                                                           : 2;
    }
    ++report.frames;
    ++report.confusion[truth][engine];
    for (std::size_t k = 0; k < 2; ++k) {
      Detection& d = k == 0 ? report.aligned : report.dropped;
      if (truth == k && engine == k) ++d.true_positive;
      if (truth == k && engine != k) ++d.false_negative;
      if (truth != k && engine == k) ++d.false_positive;
    }
  }
  return report;
}

// --- Under-knee ---------------------------------------------------------------------------------

double UnderKneeReport::answered() const {
  int n = 0;
  for (const auto& row : confusion) n += row[0] + row[1];
  return frames ? double(n) / frames : 0.0;
}
double UnderKneeReport::wrong() const {
  return frames ? double(confusion[0][1] + confusion[1][0]) / frames : 0.0;
}

UnderKneeReport evaluate_under_knee(std::uint64_t first_seed, int count,
                                    const Conditions& conditions) {
  const MatDescriptor mat = sim_bed_mat();
  UnderKneeReport report;
  for (int i = 0; i < count; ++i) {
    const std::uint64_t seed = first_seed + static_cast<std::uint64_t>(i);
    std::mt19937_64 rng(seed);
    const sim::BodyParams body = make_body(rng, conditions);
    sim::BedPose pose{sim::BedPosture::kSupine};
    if (uniform(rng, 0, 1) < 0.5) sim::draw_under_knee_support(rng, pose);
    pose.legs_apart_mm = conditions.legs_apart_mm;
    const double flexion = pose.knee_flexion_deg.value_or(0.0);
    pose.head_gap_mm = uniform(rng, -40, 60);
    pose.lateral_offset_mm = uniform(rng, -60, 60);
    const Eigen::MatrixXf canonical = read_bed(body, pose, conditions, rng());
    const std::size_t truth = pose.under_knee_pillow ? 1 : 0;
    const auto analysis = posture::analyze_knee_support(canonical, mat);
    const auto* result = std::get_if<posture::KneeSupportResult>(&analysis);
    std::size_t engine = 3;
    if (result != nullptr && result->supine) {
      engine = result->supine->support == posture::KneeSupport::kFlat              ? 0
               : result->supine->support == posture::KneeSupport::kFlexedSupported ? 1
                                                                                   : 2;
    }
    ++report.frames;
    ++report.confusion[truth][engine];
    if (truth == 1) {
      auto& bin = report.flexed_by_flexion[std::min<std::size_t>(
          static_cast<std::size_t>((flexion - 30) / 5), 3)];
      bin[0] += engine == 1 ? 1 : 0;
      ++bin[1];
      auto& kind = report.flexed_by_kind[pose.under_knee_pillow_load > 0 ? 0 : 1];
      kind[0] += engine == 1 ? 1 : 0;
      ++kind[1];
    }
    for (std::size_t k = 0; k < 2; ++k) {
      Detection& d = k == 0 ? report.flat : report.flexed;
      if (truth == k && engine == k) ++d.true_positive;
      if (truth == k && engine != k) ++d.false_negative;
      if (truth != k && engine == k) ++d.false_positive;
    }
  }
  return report;
}

// --- Turns --------------------------------------------------------------------------------------

std::vector<Turn> true_turns_from_labels(const std::vector<std::string>& labels) {
  std::vector<Turn> turns;
  std::optional<std::string> last;  // the last lying position since the person got in
  double last_time = 0;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const std::string& label = labels[i];
    const auto t = static_cast<double>(i);
    if (label == "empty") {
      last.reset();
      continue;
    }
    if (label == "transition") continue;
    if (last && *last != label) turns.push_back({(last_time + t) / 2, *last, label});
    last = label;
    last_time = t;
  }
  return turns;
}

Detection match_turns(const std::vector<Turn>& truth, const std::vector<Turn>& detected,
                      double tolerance_s, std::vector<double>* errors_s) {
  struct Pair {
    double distance;
    std::size_t t, d;
  };
  std::vector<Pair> pairs;
  for (std::size_t t = 0; t < truth.size(); ++t)
    for (std::size_t d = 0; d < detected.size(); ++d) {
      const double distance = std::abs(detected[d].time_s - truth[t].time_s);
      if (distance <= tolerance_s && detected[d].to == truth[t].to)
        pairs.push_back({distance, t, d});
    }
  std::stable_sort(pairs.begin(), pairs.end(),
                   [](const Pair& a, const Pair& b) { return a.distance < b.distance; });
  std::vector<bool> used_t(truth.size()), used_d(detected.size());
  Detection out;
  for (const Pair& p : pairs) {
    if (used_t[p.t] || used_d[p.d]) continue;
    used_t[p.t] = used_d[p.d] = true;
    ++out.true_positive;
    if (errors_s) errors_s->push_back(detected[p.d].time_s - truth[p.t].time_s);
  }
  out.false_negative = static_cast<int>(truth.size()) - out.true_positive;
  out.false_positive = static_cast<int>(detected.size()) - out.true_positive;
  return out;
}

double TurnReport::median_abs_timing_error_s() const {
  return quantile_abs(timing_errors_s, 0.5);
}
double TurnReport::p95_abs_timing_error_s() const {
  return quantile_abs(timing_errors_s, 0.95);
}
double TurnReport::worst_abs_timing_error_s() const {
  return quantile_abs(timing_errors_s, 1.0);
}

TurnReport evaluate_turns(std::uint64_t first_seed, int nights, const Conditions& conditions,
                          double match_tolerance_s) {
  const MatDescriptor mat = sim_bed_mat();
  TurnReport report;
  report.match_tolerance_s = match_tolerance_s;
  for (int n = 0; n < nights; ++n) {
    std::mt19937_64 seeds(first_seed + static_cast<std::uint64_t>(n));
    const std::uint64_t body_seed = seeds(), scenario_seed = seeds(), sensor_seed = seeds();
    auto made = sim::Scenario::make("night", MatKind::kBed, std::nullopt, scenario_seed);
    const auto& scenario = std::get<sim::Scenario>(made);
    std::mt19937_64 body_rng(body_seed);
    const sim::BodyModel model(MatKind::kBed, sim::MatGeometry::bed(),
                               make_body(body_rng, conditions));
    sim::SensorModel sensor(mat.rows, mat.cols, sensor_config(sim::SensorConfig{}, conditions),
                            sensor_seed);
    MatEpisodes episodes("sim-bed", true);
    std::vector<Episode> closed;
    std::vector<std::string> truth_labels;
    std::optional<sim::BodyState> cached_state;
    sim::PressureImage image;
    const auto frames = static_cast<std::size_t>(std::floor(scenario.duration_s()));
    for (std::size_t i = 0; i < frames; ++i) {
      const auto t = static_cast<double>(i);
      const sim::BodyState state = scenario.state_at(t);
      // A still body renders the same image: only the sensor reading changes.
      if (!cached_state || !(*cached_state == state)) {
        image = model.render(state);
        cached_state = state;
      }
      const auto ts_us = static_cast<std::int64_t>(i) * 1'000'000;
      const Eigen::MatrixXf canonical =
          posture::frame_image(sensor.read(image, static_cast<std::uint32_t>(i), ts_us));
      const auto result = posture::analyze_bed_frame(canonical, mat);
      const auto* bed = std::get_if<posture::BedPosture>(&result);
      FrameLabels labels{.timestamp_us = ts_us, .occupied = bed != nullptr && bed->occupied};
      // As the gateway's pipeline does (docs/gateway.md): the position episodes are fed the
      // frame's own position (the smoothed one only goes to the state).
      if (labels.occupied) {
        labels.position = std::string(to_string(bed->position));
        labels.position_confidence = bed->position_confidence;
      }
      for (Episode& e : episodes.add(labels)) closed.push_back(std::move(e));
      truth_labels.push_back(sim::posture_label(MatKind::kBed, state));
      const std::string& truth = truth_labels.back();
      if (truth == "empty") {
        ++report.empty_frames;
        report.empty_read_occupied += labels.occupied ? 1 : 0;
      } else if (truth != "transition") {
        ++report.lying_frames;
        report.lying_read_empty += labels.occupied ? 0 : 1;
      }
    }
    for (Episode& e : episodes.close()) closed.push_back(std::move(e));

    std::vector<Episode> in_bed, positions;
    for (const Episode& e : closed) {
      if (e.stream == "presence" && e.label == "in_bed") in_bed.push_back(e);
      if (e.stream == "position") positions.push_back(e);
    }
    std::sort(positions.begin(), positions.end(),
              [](const Episode& a, const Episode& b) { return a.start_us < b.start_us; });
    auto stay = [&](std::int64_t a, std::int64_t b) {
      return std::any_of(in_bed.begin(), in_bed.end(),
                         [&](const Episode& e) { return e.start_us <= a && b <= e.end_us; });
    };
    std::vector<Turn> detected;
    for (std::size_t k = 1; k < positions.size(); ++k) {
      const Episode& before = positions[k - 1];
      const Episode& after = positions[k];
      if (before.label == after.label || !stay(before.end_us, after.start_us)) continue;
      detected.push_back({static_cast<double>(after.start_us) / 1e6, before.label, after.label});
    }
    const std::vector<Turn> truth = true_turns_from_labels(truth_labels);
    std::vector<double> errors;
    const Detection d = match_turns(truth, detected, match_tolerance_s, &errors);
    const Detection d5 = match_turns(truth, detected, 5.0);
    report.turns.true_positive += d.true_positive;
    report.turns.false_positive += d.false_positive;
    report.turns.false_negative += d.false_negative;
    report.turns_within_5s.true_positive += d5.true_positive;
    report.turns_within_5s.false_positive += d5.false_positive;
    report.turns_within_5s.false_negative += d5.false_negative;
    report.timing_errors_s.insert(report.timing_errors_s.end(), errors.begin(), errors.end());
    // Which true turns involving prone were missed (same matching, per turn).
    for (const Turn& turn : truth) {
      if (turn.from != "prone" && turn.to != "prone") continue;
      ++report.true_turns_with_prone;
      if (match_turns({turn}, detected, match_tolerance_s).true_positive == 0)
        ++report.missed_with_prone;
    }
    std::vector<Turn> truth_np, detected_np;
    for (const Turn& turn : truth)
      if (turn.from != "prone" && turn.to != "prone") truth_np.push_back(turn);
    for (const Turn& turn : detected) {
      const bool near_prone = std::any_of(truth.begin(), truth.end(), [&](const Turn& t) {
        return (t.from == "prone" || t.to == "prone") &&
               std::abs(t.time_s - turn.time_s) <= match_tolerance_s;
      });
      if (!near_prone) detected_np.push_back(turn);
    }
    const Detection np = match_turns(truth_np, detected_np, match_tolerance_s);
    report.turns_without_prone.true_positive += np.true_positive;
    report.turns_without_prone.false_positive += np.false_positive;
    report.turns_without_prone.false_negative += np.false_negative;
    for (const Turn& turn : truth) report.true_turns.push_back({turn.time_s, turn.from, turn.to});
    report.detected_turns.insert(report.detected_turns.end(), detected.begin(), detected.end());
    ++report.nights;
  }
  return report;
}

// --- Chair --------------------------------------------------------------------------------------

ChairReport evaluate_chair(std::uint64_t first_seed, int count, const Conditions& conditions) {
  const MatDescriptor mat = sim_chair_mat();
  const sim::MatGeometry geometry = sim::MatGeometry::chair();
  sim::SensorConfig base = sim::SensorConfig::for_encoding(TaxelEncoding::kUint16);
  base.nominal_full_scale_mmhg = 200;  // seat mats (docs/firmware-sim.md)
  chair::ChairAnalyzer analyzer;
  ChairReport report;
  report.frames = count;
  double obliquity_error = 0, tilt_error = 0;
  int angle_frames = 0;
  for (int family = 0; family < 2; ++family) {
    for (int i = 0; i < count; ++i) {
      const std::uint64_t seed = first_seed + static_cast<std::uint64_t>(i);
      std::mt19937_64 rng(seed * 2 + static_cast<std::uint64_t>(family));
      const sim::BodyParams body = make_body(rng, conditions);
      sim::ChairPose pose;
      pose.shift_x_mm = uniform(rng, -20, 20);
      pose.shift_y_mm = uniform(rng, -10, 10);
      if (family == 0) {
        pose.obliquity_deg = uniform(rng, -10, 10);
        pose.tilt_deg = uniform(rng, -10, 20);
      } else {
        pose.obliquity_deg = uniform(rng, -3, 3);
        pose.tilt_deg = uniform(rng, -2, 6);
        const double pick = uniform(rng, 0, 1);
        pose.wallet = pick < 1.0 / 3   ? sim::Wallet::kNone
                      : pick < 2.0 / 3 ? sim::Wallet::kLeft
                                       : sim::Wallet::kRight;
      }
      const sim::BodyModel model(MatKind::kChair, geometry, body);
      sim::BodyState state;
      state.chair = pose;
      state.support = 1.0;
      const sim::PressureImage truth = model.render(state);
      sim::SensorModel sensor(geometry.rows, geometry.cols, sensor_config(base, conditions), rng());
      const PressureFrame frame = sensor.read(truth, 0, 0);
      // The floor the gateway learned on the empty seat: the idle reading before any drift.
      Eigen::MatrixXf above(geometry.rows, geometry.cols);
      for (std::size_t r = 0; r < geometry.rows; ++r)
        for (std::size_t c = 0; c < geometry.cols; ++c) {
          const std::size_t k = r * geometry.cols + c;
          const double floor = sensor.baselines()[k] - conditions.baseline_offset_counts;
          above(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c)) =
              static_cast<float>(std::max(0.0, frame.values[k] - floor));
        }
      const auto analysed = analyzer.analyze(above, mat);
      const auto* result = std::get_if<chair::ChairPostureResult>(&analysed);
      if (result == nullptr || !result->occupied) {
        ++report.unoccupied;
        if (family == 1 && pose.wallet != sim::Wallet::kNone) ++report.wallet.false_negative;
        continue;
      }
      if (family == 0) {
        const double truth_obliquity = sim::BodyModel::effective_obliquity_deg(pose);
        obliquity_error += std::abs(result->obliquity_deg - truth_obliquity);
        tilt_error += std::abs(result->tilt_deg - pose.tilt_deg);
        ++angle_frames;
        if (std::abs(truth_obliquity) >= 3) {
          ++report.sign_checked;
          report.sign_correct += (truth_obliquity > 0) == (result->obliquity_deg > 0) ? 1 : 0;
        }
        continue;
      }
      const bool has_wallet = pose.wallet != sim::Wallet::kNone;
      if (result->wallet.detected && has_wallet) {
        ++report.wallet.true_positive;
        const bool right = pose.wallet == sim::Wallet::kRight;
        report.wallet_side_correct += (result->wallet.side == chair::Side::kRight) == right ? 1 : 0;
      } else if (result->wallet.detected) {
        ++report.wallet.false_positive;
      } else if (has_wallet) {
        ++report.wallet.false_negative;
      }
    }
  }
  report.obliquity_mae_deg = angle_frames ? obliquity_error / angle_frames : 0;
  report.tilt_mae_deg = angle_frames ? tilt_error / angle_frames : 0;
  return report;
}

}  // namespace pmap::simeval
