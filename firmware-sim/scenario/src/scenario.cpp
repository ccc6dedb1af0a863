#include "pmap/sim/scenario.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <random>

namespace pmap::sim {

/// Appends segments to a scenario. Times are given in NOMINAL seconds (as in an 8-hour day or
/// night) and multiplied by `time_scale`, so a compressed run keeps the whole structure; movements
/// are compressed less (see `movement`) so that they still take a few frames.
class TimelineBuilder {
 public:
  TimelineBuilder(Scenario& scenario, double time_scale)
      : scenario_(scenario), time_scale_(time_scale) {}

  /// Holds; time a compressed movement took beyond its share comes out of the following holds,
  /// so the timeline keeps the nominal schedule.
  void hold(double nominal_s) {
    const double seconds = nominal_s * time_scale_ - debt_s_;
    debt_s_ = std::max(0.0, -seconds);
    add(current_, std::max(0.0, seconds));
  }
  void move_to(const BodyState& target, double nominal_s) {
    const double seconds = movement(nominal_s);
    debt_s_ += seconds - nominal_s * time_scale_;
    add(target, seconds);
  }
  [[nodiscard]] const BodyState& current() const { return current_; }
  void set_current(const BodyState& state) { current_ = state; }
  [[nodiscard]] double now() const { return now_; }

  /// Fills the remaining time with the current state and fixes the end of the timeline.
  void finish(double duration_s) {
    if (now_ < duration_s) add(current_, duration_s - now_);
    auto& segments = scenario_.segments_;
    // Never let a compressed plan overrun the duration: cut the timeline at `duration_s`.
    while (!segments.empty() && segments.back().start_s >= duration_s) segments.pop_back();
    if (!segments.empty()) segments.back().end_s = duration_s;
    scenario_.duration_s_ = duration_s;
  }

 private:
  [[nodiscard]] double movement(double nominal_s) const {
    return nominal_s * std::clamp(time_scale_ * 20.0, 0.5, 1.0);
  }
  void add(const BodyState& target, double seconds) {
    if (seconds <= 0) {
      current_ = target;
      return;
    }
    scenario_.segments_.push_back({now_, now_ + seconds, current_, target});
    now_ += seconds;
    current_ = target;
    // A finished movement leaves a settled state: the blend is complete.
    if (current_.bed_from != current_.bed_to) {
      current_.bed_from = current_.bed_to;
      current_.blend = 0;
    }
  }

  Scenario& scenario_;
  double time_scale_;
  BodyState current_;
  double now_ = 0;
  double debt_s_ = 0;
};

namespace {

constexpr double kNominalDay = 8 * 3600.0;
constexpr double kStaticDefault = 600.0;

BodyState lying(const BedPose& pose) {
  BodyState state;
  state.bed_from = pose;
  state.bed_to = pose;
  state.support = pose.posture == BedPosture::kEmpty ? 0.0 : 1.0;
  return state;
}

/// A bed movement from the builder's current pose to `pose` (a roll, or getting in/out).
BodyState rolling_to(const BodyState& current, const BedPose& pose) {
  BodyState state;
  state.bed_from = current.bed_to;
  state.bed_to = pose;
  state.blend = 1;
  state.support = pose.posture == BedPosture::kEmpty ? 0.0 : 1.0;
  return state;
}

BodyState sitting(const ChairPose& pose, double support = 1.0) {
  BodyState state;
  state.chair = pose;
  state.support = support;
  return state;
}

bool is_lateral(BedPosture posture) {
  return posture == BedPosture::kLeft || posture == BedPosture::kRight;
}

void build_night(TimelineBuilder& b, ScenarioStats& stats, std::mt19937_64& rng,
                 const NightStyle& style, double time_scale) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  auto uniform = [&](double lo, double hi) { return lo + (hi - lo) * unit(rng); };
  std::uniform_int_distribution<int> change_count(style.min_changes, style.max_changes);
  const int changes = change_count(rng);
  // supine, left, right, prone
  std::discrete_distribution<int> posture_pick(style.position_weights.begin(),
                                               style.position_weights.end());
  std::discrete_distribution<int> subtype_pick({30, 35, 25, 5, 5});
  const BedPosture postures[] = {BedPosture::kSupine, BedPosture::kLeft, BedPosture::kRight,
                                 BedPosture::kProne};
  const LateralSubtype subtypes[] = {LateralSubtype::kStraight, LateralSubtype::kSemiFetal,
                                     LateralSubtype::kFetal, LateralSubtype::kRolledSupine,
                                     LateralSubtype::kRolledProne};
  // Draws happen whether or not the style overrides them, so the default night stays the same.
  double empty_before = uniform(600, 1200), empty_after = uniform(300, 900);
  if (style.empty_before_s) empty_before = *style.empty_before_s / time_scale;
  if (style.empty_after_s) empty_after = *style.empty_after_s / time_scale;
  // Nominal seconds out of bed for each exit; the first may be a long one (awake in the night).
  std::vector<double> exit_times;
  {
    const double first = uniform(180, 360);
    for (int e = 0; e < style.bed_exits; ++e) {
      exit_times.push_back(e == 0 ? (style.long_exit ? uniform(1200, 2700) : first)
                                  : uniform(180, 360));
    }
  }
  double exit_time = 0;
  for (const double t : exit_times) exit_time += t;
  // Dwell times: the first few are short (falling asleep restlessly), later ones lognormal.
  std::lognormal_distribution<double> dwell_dist(0.0, 0.6);
  std::vector<double> dwell(static_cast<std::size_t>(changes) + 1);
  for (std::size_t i = 0; i < dwell.size(); ++i)
    dwell[i] = i < 4 ? uniform(0.15, 0.4) : dwell_dist(rng);
  const double asleep = kNominalDay - empty_before - empty_after - exit_time -
                        60.0 * std::max(1, style.bed_exits) - 8.0 * changes;
  double dwell_total = 0;
  for (const double d : dwell) dwell_total += d;
  for (double& d : dwell) d *= asleep / dwell_total;
  // The first exit in the middle of the night, others at a quarter and three quarters.
  std::vector<std::size_t> exit_after;
  const std::size_t exit_slots[] = {dwell.size() / 2, dwell.size() / 4, dwell.size() * 3 / 4};
  for (int e = 0; e < style.bed_exits && e < 3; ++e) {
    exit_after.push_back(std::max<std::size_t>(1, exit_slots[e]));
  }

  BedPose pose;
  pose.head_gap_mm = uniform(-30, 60);
  pose.lateral_offset_mm = uniform(-80, 80);
  auto next_pose = [&](const BedPose& previous) {
    BedPose next = previous;
    do {
      next.posture = postures[posture_pick(rng)];
      next.lateral =
          is_lateral(next.posture) ? subtypes[subtype_pick(rng)] : LateralSubtype::kStraight;
    } while (next.posture == previous.posture && next.lateral == previous.lateral);
    next.knee_pillow =
        is_lateral(next.posture)
            ? (unit(rng) < style.knee_pillow_use ? KneePillow::kAligned : KneePillow::kNone)
            : KneePillow::kNone;
    next.under_knee_pillow = next.posture == BedPosture::kSupine && unit(rng) < 0.4;
    next.head_gap_mm = std::clamp(previous.head_gap_mm + uniform(-40, 40), -40.0, 90.0);
    next.lateral_offset_mm =
        std::clamp(previous.lateral_offset_mm + uniform(-50, 50), -120.0, 120.0);
    return next;
  };
  // Holds `dwell_s` in the current pose; a side-lying knee pillow may slip and be put back.
  auto dwell_in = [&](double dwell_s) {
    const BedPose current = b.current().bed_to;
    // Written as "stays put below 1 - p" so the default night draws exactly as it always did.
    if (current.knee_pillow != KneePillow::kAligned || unit(rng) < 1.0 - style.slip_probability) {
      b.hold(dwell_s);
      return;
    }
    const double slip_at = uniform(0.3, 0.6),
                 realign_at = uniform(style.realign_at_min, style.realign_at_max);
    const bool realigned = unit(rng) < style.realign_probability;
    b.hold(dwell_s * slip_at);
    BedPose slipped = current;
    slipped.knee_pillow = KneePillow::kDropped;
    b.move_to(rolling_to(b.current(), slipped), 3);
    ++stats.knee_pillow_drops;
    if (!realigned) {
      b.hold(dwell_s * (1 - slip_at));
      return;
    }
    b.hold(dwell_s * (realign_at - slip_at));
    b.move_to(rolling_to(b.current(), current), 4);
    b.hold(dwell_s * (1 - realign_at));
  };

  b.set_current(lying(BedPose{}));
  b.hold(empty_before);
  pose.posture = BedPosture::kSupine;
  pose.under_knee_pillow = false;
  b.move_to(rolling_to(b.current(), pose), 20);  // getting in
  for (std::size_t i = 0; i < dwell.size(); ++i) {
    dwell_in(dwell[i]);
    if (i + 1 == dwell.size()) break;
    if (const auto exit = std::find(exit_after.begin(), exit_after.end(), i + 1);
        exit != exit_after.end()) {
      // Bed exit (toilet, or awake for a while): out, away, back in.
      b.move_to(rolling_to(b.current(), BedPose{}), 10);
      b.hold(exit_times[static_cast<std::size_t>(exit - exit_after.begin())]);
      ++stats.bed_exits;
      BedPose back = next_pose(BedPose{.posture = BedPosture::kEmpty,
                                       .head_gap_mm = pose.head_gap_mm,
                                       .lateral_offset_mm = pose.lateral_offset_mm});
      b.move_to(rolling_to(b.current(), back), 15);
      dwell_in(dwell[i] * 0.01);
    }
    const BedPose next = next_pose(b.current().bed_to);
    b.move_to(rolling_to(b.current(), next), unit(rng) < 0.5 ? 4 : 6);
    ++stats.position_changes;
  }
  b.move_to(rolling_to(b.current(), BedPose{}), 12);  // getting up in the morning
  b.hold(empty_after);
}

void build_workday(TimelineBuilder& b, ScenarioStats& stats, std::mt19937_64& rng,
                   const DayStyle& style) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  auto uniform = [&](double lo, double hi) { return lo + (hi - lo) * unit(rng); };
  std::normal_distribution<double> normal(0.0, 1.0);
  // Plan bouts of 15–90 min and breaks of 2–15 min in nominal time, at least three bouts.
  struct Bout {
    double sit_s;
    double break_s;
  };
  std::vector<Bout> bouts;
  double planned = uniform(60, 180);
  while (planned < kNominalDay - 15 * 60 || bouts.size() < 3) {
    Bout bout{uniform(style.bout_min_minutes, style.bout_max_minutes) * 60,
              uniform(style.break_min_minutes, style.break_max_minutes) * 60};
    bouts.push_back(bout);
    planned += bout.sit_s + bout.break_s;
  }
  const double fit = (kNominalDay - 120) / planned;  // scale the plan to exactly one workday
  // The wallet in the second bout; obliquity in the 3rd, 5th, 7th (the first when there are
  // fewer than three bouts, as the single-day scenario always had one).
  const std::size_t wallet_bout = style.wallet ? 1 : bouts.size();
  auto oblique = [&](std::size_t i) {
    if (style.obliquity_episodes <= 0) return false;
    if (bouts.size() <= 2) return i == 0;
    return i >= 2 && i % 2 == 0 && static_cast<int>((i - 2) / 2) < style.obliquity_episodes;
  };
  const Wallet wallet_side = unit(rng) < 0.5 ? Wallet::kLeft : Wallet::kRight;

  ChairPose pose;
  b.set_current(sitting(pose, 0.0));
  b.hold(120 * fit);
  for (std::size_t i = 0; i < bouts.size(); ++i) {
    ChairPose base;
    base.obliquity_deg =
        oblique(i) ? (unit(rng) < 0.5 ? -1 : 1) * uniform(6, 10) : 2.0 * normal(rng);
    stats.oblique_bouts += oblique(i) ? 1 : 0;
    base.tilt_deg = uniform(-2, 6);
    base.wallet = i == wallet_bout ? wallet_side : Wallet::kNone;
    base.shift_x_mm = uniform(-20, 20);
    base.shift_y_mm = uniform(-15, 15);
    stats.wallet_bouts += base.wallet != Wallet::kNone ? 1 : 0;
    // Sitting down: trunk forward while the load comes on, then upright.
    ChairPose down = base;
    down.lean_forward = 0.7;
    b.set_current(sitting(down, 0.0));
    b.move_to(sitting(down, 1.0), 3);
    b.move_to(sitting(base), 3);
    ++stats.sitting_bouts;
    double left = bouts[i].sit_s * fit;
    bool slouched = false;
    while (left > 1) {
      const double part = std::min(left, uniform(2, 20) * 60 * fit);
      ChairPose next = base;
      const double pick = unit(rng);
      if (pick < style.slouch_probability) {
        next.tilt_deg = uniform(12, 25);  // slouching
        slouched = true;
        ++stats.slouch_periods;
      } else if (pick < style.slouch_probability + 0.15) {
        next.lean_forward = uniform(0.6, 0.9);  // working at the desk
      } else if (pick < style.slouch_probability + 0.3) {
        next.lean_side = (unit(rng) < 0.5 ? -1 : 1) * uniform(0.6, 0.9);
      }
      // Weight shifts: the pelvis moves a little on the seat with every change.
      next.shift_x_mm = base.shift_x_mm + uniform(-15, 15);
      next.shift_y_mm = base.shift_y_mm + uniform(-10, 10);
      b.move_to(sitting(next), 4);
      b.hold(part);
      left -= part;
    }
    (void)slouched;
    // Getting up: lean forward, then the load ramps away.
    ChairPose up = b.current().chair;
    up.lean_forward = 0.8;
    up.tilt_deg = 0;
    b.move_to(sitting(up), 2);
    b.move_to(sitting(up, 0.0), 2);
    b.set_current(sitting(ChairPose{}, 0.0));
    b.hold(bouts[i].break_s * fit);
    ++stats.breaks;
  }
}

struct StaticPose {
  const char* name;
  MatKind kind;
  BedPose bed;
};

const StaticPose kStaticBed[] = {
    {"supine", MatKind::kBed, {BedPosture::kSupine}},
    {"prone", MatKind::kBed, {BedPosture::kProne}},
    {"left", MatKind::kBed, {BedPosture::kLeft}},
    {"right", MatKind::kBed, {BedPosture::kRight}},
    {"fetal-left", MatKind::kBed, {BedPosture::kLeft, LateralSubtype::kFetal}},
    {"fetal-right", MatKind::kBed, {BedPosture::kRight, LateralSubtype::kFetal}},
};

}  // namespace

std::string Scenario::describe_names() {
  return "night (bed, 8 h), workday (chair, 8 h), supine, prone, left, right, fetal-left, "
         "fetal-right (bed, 600 s), sitting (chair, 600 s), empty (either, 600 s), calibration "
         "(either: uniform known pressures, see --cal-*)";
}

std::string_view to_string(CalibrationPhase phase) {
  switch (phase) {
    case CalibrationPhase::kEmpty:
      return "empty";
    case CalibrationPhase::kLoading:
      return "loading";
    case CalibrationPhase::kUnloading:
      return "unloading";
  }
  return "unknown";
}

std::variant<Scenario, std::string> Scenario::calibration(const CalibrationPlan& plan) {
  if (plan.levels_mmhg.empty() || plan.levels_mmhg.size() > 64) {
    return std::string("--cal-levels: give 1-64 levels");
  }
  for (std::size_t i = 0; i < plan.levels_mmhg.size(); ++i) {
    const double level = plan.levels_mmhg[i];
    if (!(level >= 0 && level <= 1000)) {
      return std::string("--cal-levels must be between 0 and 1000 mmHg");
    }
    if (i > 0 && !(level > plan.levels_mmhg[i - 1])) {
      return std::string("--cal-levels must be strictly increasing");
    }
  }
  if (!(plan.hold_s >= 1 && plan.hold_s <= 3600)) {
    return std::string("--cal-hold-s must be between 1 and 3600 s");
  }
  if (!(plan.ramp_s >= 0 && plan.ramp_s <= 600)) {
    return std::string("--cal-ramp-s must be between 0 and 600 s");
  }
  std::vector<double> up;
  for (const double level : plan.levels_mmhg) {
    if (level > 0) up.push_back(level);
  }
  if (up.empty()) return std::string("--cal-levels needs at least one level above 0 mmHg");
  Scenario scenario;
  scenario.name_ = "calibration";
  double now = 0;
  double current = 0;
  auto add = [&](double start_mmhg, double end_mmhg, double seconds, CalibrationPhase phase) {
    if (seconds <= 0) return;
    scenario.applied_.push_back({now, now + seconds, start_mmhg, end_mmhg, phase});
    now += seconds;
  };
  auto go_to = [&](double level, CalibrationPhase phase) {
    add(current, level, plan.ramp_s, phase);
    add(level, level, plan.hold_s, phase);
    current = level;
  };
  add(0, 0, plan.hold_s, CalibrationPhase::kEmpty);
  for (const double level : up) go_to(level, CalibrationPhase::kLoading);
  for (std::size_t i = up.size() - 1; i-- > 0;) go_to(up[i], CalibrationPhase::kUnloading);
  add(current, 0, plan.ramp_s, CalibrationPhase::kUnloading);
  add(0, 0, plan.hold_s, CalibrationPhase::kEmpty);
  scenario.duration_s_ = now;
  // Nobody lies on the mat: one empty body segment over the whole session.
  BodyState empty;
  scenario.segments_.push_back({0, now, empty, empty});
  return scenario;
}

std::optional<AppliedPressure> Scenario::applied_at(double t_s) const {
  if (applied_.empty()) return std::nullopt;
  auto it = std::upper_bound(applied_.begin(), applied_.end(), t_s,
                             [](double t, const AppliedSegment& s) { return t < s.end_s; });
  if (it == applied_.end()) return AppliedPressure{applied_.back().to_mmhg, applied_.back().phase};
  const AppliedSegment& segment = *it;
  if (segment.hold()) return AppliedPressure{segment.from_mmhg, segment.phase};
  const double span = segment.end_s - segment.start_s;
  const double f = span > 0 ? std::clamp((t_s - segment.start_s) / span, 0.0, 1.0) : 1.0;
  return AppliedPressure{segment.from_mmhg + (segment.to_mmhg - segment.from_mmhg) * f,
                         segment.phase};
}

std::variant<Scenario, std::string> Scenario::make(const std::string& name, MatKind kind,
                                                   std::optional<double> duration_s,
                                                   std::uint64_t seed,
                                                   const ChairPose& sitting_pose) {
  Scenario scenario;
  scenario.name_ = name;
  std::mt19937_64 rng(seed);
  const std::string kind_name(to_string(kind));
  if (duration_s && !(*duration_s >= 1.0 && *duration_s <= 7 * 86400.0)) {
    return std::string("duration must be between 1 s and 7 days");
  }
  if (name == "calibration") {
    if (duration_s) {
      return std::string(
          "scenario 'calibration' takes its length from its levels and hold time, not a duration");
    }
    return calibration(CalibrationPlan{});
  }
  if (name == "night" || name == "workday") {
    const MatKind needed = name == "night" ? MatKind::kBed : MatKind::kChair;
    if (kind != needed) {
      return "scenario '" + name + "' needs a " + std::string(to_string(needed)) + " mat, not " +
             kind_name;
    }
    const double duration = duration_s.value_or(kNominalDay);
    if (duration < 60) return "scenario '" + name + "' needs --duration of at least 60 s";
    TimelineBuilder builder(scenario, duration / kNominalDay);
    if (name == "night") {
      build_night(builder, scenario.stats_, rng, NightStyle{}, duration / kNominalDay);
    } else {
      build_workday(builder, scenario.stats_, rng, DayStyle{});
    }
    builder.finish(duration);
    return scenario;
  }
  const double duration = duration_s.value_or(kStaticDefault);
  TimelineBuilder builder(scenario, 1.0);
  if (name == "empty") {
    builder.set_current(kind == MatKind::kBed ? lying(BedPose{}) : sitting(ChairPose{}, 0.0));
    builder.finish(duration);
    return scenario;
  }
  if (name == "sitting") {
    if (kind != MatKind::kChair) return "scenario 'sitting' needs a chair mat, not " + kind_name;
    builder.set_current(sitting(sitting_pose));
    builder.finish(duration);
    return scenario;
  }
  for (const StaticPose& pose : kStaticBed) {
    if (name != pose.name) continue;
    if (kind != MatKind::kBed) return "scenario '" + name + "' needs a bed mat, not " + kind_name;
    builder.set_current(lying(pose.bed));
    builder.finish(duration);
    return scenario;
  }
  return "unknown scenario '" + name + "' (known: " + describe_names() + ")";
}

std::variant<Scenario, std::string> Scenario::night(const NightStyle& style, double duration_s,
                                                    std::uint64_t seed) {
  if (!(duration_s >= 3600 && duration_s <= 86400)) {
    return std::string("a planned night must last 1-24 h");
  }
  if (style.min_changes < 1 || style.max_changes < style.min_changes || style.bed_exits < 0 ||
      style.bed_exits > 3 ||
      !(style.realign_at_min >= 0.6 && style.realign_at_max <= 0.99 &&
        style.realign_at_min <= style.realign_at_max)) {
    return std::string("night style out of range");
  }
  Scenario scenario;
  scenario.name_ = "night";
  std::mt19937_64 rng(seed);
  TimelineBuilder builder(scenario, duration_s / kNominalDay);
  build_night(builder, scenario.stats_, rng, style, duration_s / kNominalDay);
  builder.finish(duration_s);
  return scenario;
}

std::variant<Scenario, std::string> Scenario::workday(const DayStyle& style, double duration_s,
                                                      std::uint64_t seed) {
  if (!(duration_s >= 3600 && duration_s <= 86400)) {
    return std::string("a planned working day must last 1-24 h");
  }
  if (!(style.bout_min_minutes >= 1 && style.bout_max_minutes >= style.bout_min_minutes &&
        style.break_min_minutes >= 0.5 && style.break_max_minutes >= style.break_min_minutes &&
        style.slouch_probability >= 0 && style.slouch_probability <= 0.7)) {
    return std::string("day style out of range");
  }
  Scenario scenario;
  scenario.name_ = "workday";
  std::mt19937_64 rng(seed);
  TimelineBuilder builder(scenario, duration_s / kNominalDay);
  build_workday(builder, scenario.stats_, rng, style);
  builder.finish(duration_s);
  return scenario;
}

BodyState Scenario::state_at(double t_s) const {
  if (segments_.empty()) return {};
  auto it = std::upper_bound(segments_.begin(), segments_.end(), t_s,
                             [](double t, const Segment& s) { return t < s.end_s; });
  if (it == segments_.end()) return segments_.back().to;
  const Segment& segment = *it;
  const double span = segment.end_s - segment.start_s;
  const double f = span > 0 ? std::clamp((t_s - segment.start_s) / span, 0.0, 1.0) : 1.0;
  if (segment.from == segment.to) return segment.from;
  BodyState state = segment.to;
  auto lerp = [f](double a, double b) { return a + (b - a) * f; };
  state.support = lerp(segment.from.support, segment.to.support);
  // Bed: `to` carries the roll from its bed_from to its bed_to.
  state.blend = segment.to.bed_from != segment.to.bed_to ? f : 0;
  const ChairPose& a = segment.from.chair;
  const ChairPose& b = segment.to.chair;
  state.chair.obliquity_deg = lerp(a.obliquity_deg, b.obliquity_deg);
  state.chair.tilt_deg = lerp(a.tilt_deg, b.tilt_deg);
  state.chair.lean_forward = lerp(a.lean_forward, b.lean_forward);
  state.chair.lean_side = lerp(a.lean_side, b.lean_side);
  state.chair.shift_x_mm = lerp(a.shift_x_mm, b.shift_x_mm);
  state.chair.shift_y_mm = lerp(a.shift_y_mm, b.shift_y_mm);
  return state;
}

std::string posture_label(MatKind kind, const BodyState& state) {
  if (kind == MatKind::kChair) {
    if (state.support <= 0) return "empty";
    return state.support < 1.0 ? "transition" : "sitting";
  }
  const bool moving = state.bed_from != state.bed_to && state.blend > 0 && state.blend < 1;
  if (moving || (state.support > 0 && state.support < 1)) return "transition";
  const BedPose& pose = state.blend >= 1 ? state.bed_to : state.bed_from;
  return std::string(to_string(pose.posture));
}

std::string sitting_class(const ChairPose& pose) {
  if (pose.lean_forward >= 0.5) return "leaning_forward";
  if (pose.lean_side >= 0.5) return "leaning_right";
  if (pose.lean_side <= -0.5) return "leaning_left";
  if (pose.tilt_deg >= 10) return "slouched";
  return "upright";
}

std::string truth_json(const TruthInput& input) {
  using nlohmann::json;
  const BodyState& state = *input.state;
  const std::string posture = posture_label(input.kind, state);
  const bool occupied = state.support > 0 && posture != "empty";
  const auto cop = centre_of_pressure(*input.image);
  json doc{{"v", 1},
           {"mat", input.mat_id},
           {"seq", input.sequence},
           {"ts_us", input.timestamp_us},
           {"kind", std::string(to_string(input.kind))},
           {"posture", posture},
           {"lateral_subtype", nullptr},
           {"occupied", occupied},
           {"total_force_n", total_force_n(*input.image, input.geometry)},
           {"contact_area_cm2", contact_area_cm2(*input.image, input.geometry)},
           {"cop", cop ? json{{"row", cop->row}, {"col", cop->col}} : json(nullptr)},
           {"knee_pillow", nullptr},
           {"under_knee_pillow", nullptr},
           {"pelvic_obliquity_deg", nullptr},
           {"pelvic_tilt_deg", nullptr},
           {"sitting_class", nullptr},
           {"wallet", nullptr},
           {"sensor", {{"dropped", input.fate.dropped}, {"duplicated", input.fate.duplicated}}},
           {"applied_mmHg", nullptr},
           {"calibration_phase", nullptr}};
  if (input.applied) {
    // A calibration session: no body, a known uniform pressure on every taxel.
    doc["posture"] = "calibration";
    doc["occupied"] = false;
    doc["applied_mmHg"] = input.applied->mmhg;
    doc["calibration_phase"] = std::string(to_string(input.applied->phase));
    return doc.dump();
  }
  if (input.kind == MatKind::kBed) {
    const BedPose& pose = state.bed_from;
    if (posture == "left" || posture == "right") {
      doc["lateral_subtype"] = std::string(to_string(pose.lateral));
      doc["knee_pillow"] = std::string(to_string(pose.knee_pillow));
    }
    if (posture == "supine") doc["under_knee_pillow"] = pose.under_knee_pillow;
  } else {
    doc["wallet"] = std::string(to_string(occupied ? state.chair.wallet : Wallet::kNone));
    if (occupied) {
      doc["pelvic_obliquity_deg"] = BodyModel::effective_obliquity_deg(state.chair);
      doc["pelvic_tilt_deg"] = state.chair.tilt_deg;
      doc["sitting_class"] = sitting_class(state.chair);
    }
  }
  return doc.dump();
}

}  // namespace pmap::sim
