#include "run.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>
#include <thread>

#include "pmap/frame_log.hpp"
#include "pmap/sim/publisher.hpp"
#include "pmap/wire_codec.hpp"

namespace pmap::sim {
namespace {

using Clock = std::chrono::steady_clock;

struct MatCounters {
  std::uint64_t published = 0;
  std::uint64_t generated = 0;
  std::uint64_t dropped = 0;
  std::uint64_t duplicated = 0;
  std::uint64_t truth = 0;
  std::optional<std::uint32_t> first_seq;
  std::uint32_t last_seq = 0;
  std::int64_t first_ts_us = 0;
  std::int64_t last_ts_us = 0;
  double sim_seconds = 0;
};

/// `--csv`: one line per frame, `t_ms,applied_mmHg,v0,v1,...` (the format RecordingReader reads).
class CsvWriter {
 public:
  CsvWriter(const std::string& path, std::size_t taxels, std::int64_t start_us)
      : out_(path, std::ios::binary | std::ios::trunc), path_(path), start_us_(start_us) {
    out_ << "t_ms,applied_mmHg";
    for (std::size_t i = 0; i < taxels; ++i) out_ << ",v" << i;
    out_ << "\n";
  }
  [[nodiscard]] bool ok() const { return static_cast<bool>(out_); }
  [[nodiscard]] const std::string& path() const { return path_; }
  bool append(const PressureFrame& frame, std::optional<double> applied_mmhg) {
    line_.clear();
    // Milliseconds since the start of the run, exact to the microsecond.
    const std::int64_t us = frame.timestamp_us - start_us_;
    put(us / 1000);
    if (const std::int64_t frac = us % 1000; frac != 0) {
      char digits[4];
      std::snprintf(digits, sizeof digits, "%03d", static_cast<int>(frac < 0 ? -frac : frac));
      line_ += '.';
      line_ += digits;
      while (line_.back() == '0') line_.pop_back();
    }
    line_ += ',';
    if (applied_mmhg) put(*applied_mmhg);
    for (const std::uint16_t value : frame.values) {
      line_ += ',';
      put(value);
    }
    line_ += '\n';
    out_.write(line_.data(), static_cast<std::streamsize>(line_.size()));
    return static_cast<bool>(out_);
  }
  bool close() {
    out_.flush();
    const bool good = static_cast<bool>(out_);
    out_.close();
    return good && !out_.fail();
  }

 private:
  template <typename T>
  void put(T value) {
    char buffer[32];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
    line_.append(buffer, result.ptr);
  }
  std::ofstream out_;
  std::string path_;
  std::int64_t start_us_;
  std::string line_;
};

struct MatRun {
  MatSimulator sim;
  std::unique_ptr<MatPublisher> publisher;
  std::optional<FrameLogWriter> log;
  std::unique_ptr<CsvWriter> csv;
  MatCounters counters;
  /// Multi-night runs: the recorded nights still to play, and the counts for the summary.
  std::vector<PlannedSession> pending;
  std::size_t sessions_planned = 0;
  std::size_t sessions_recorded = 0;
  /// Unix time (us) of simulated time 0 of the current session (the run's start otherwise).
  std::int64_t session_start_us = 0;
  double finished_sessions_s = 0;  ///< simulated seconds of the sessions already played
  [[nodiscard]] std::int64_t next_us() const {
    return session_start_us + static_cast<std::int64_t>(std::llround(sim.next_time_s() * 1e6));
  }
  /// Moves on to the next planned night once the current one is played; false when none is left.
  bool next_session() {
    if (pending.empty()) return false;
    finished_sessions_s += sim.scenario().duration_s();
    session_start_us = pending.front().plan.session_start_us;
    sim.start_session(std::move(pending.front().scenario));
    pending.erase(pending.begin());
    return true;
  }
};

std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// `--truth-out`: the sensor's hidden truth (sensor_truth_json) plus the mat, the run seed and,
/// for calibration sessions, the plan and its segments.
std::optional<std::string> write_truth(const std::string& path, const MatSimulator& sim,
                                       std::uint64_t seed) {
  nlohmann::json doc = nlohmann::json::parse(sensor_truth_json(sim.sensor(), sim.config().layout));
  doc["mat"] = sim.descriptor().id;
  doc["kind"] = std::string(to_string(sim.descriptor().kind));
  doc["seed"] = seed;
  doc["scenario"] = sim.scenario().name();
  doc["sample_rate_hz"] = sim.descriptor().sample_rate_hz;
  if (sim.scenario().is_calibration()) {
    nlohmann::json segments = nlohmann::json::array();
    for (const AppliedSegment& s : sim.scenario().applied_segments()) {
      segments.push_back({{"start_s", s.start_s},
                          {"end_s", s.end_s},
                          {"from_mmHg", s.from_mmhg},
                          {"to_mmHg", s.to_mmhg},
                          {"phase", std::string(to_string(s.phase))}});
    }
    const CalibrationPlan& plan = sim.config().calibration;
    doc["calibration"] = {{"levels_mmHg", plan.levels_mmhg},
                          {"hold_s", plan.hold_s},
                          {"ramp_s", plan.ramp_s},
                          {"duration_s", sim.scenario().duration_s()},
                          {"segments", segments}};
  } else {
    doc["calibration"] = nullptr;
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return "cannot create " + path;
  out << doc.dump() << "\n";
  out.close();
  if (!out) return "writing " + path + " failed";
  return std::nullopt;
}

/// `--truth-out` with --nights: every planned night (recorded or not), one JSON object per line.
std::optional<std::string> write_night_plans(const std::string& path,
                                             const std::vector<PlannedSession>& sessions,
                                             const std::string& mat_id) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return "cannot create " + path;
  for (const PlannedSession& session : sessions) {
    out << SessionPlanner::truth_json(session.plan, mat_id) << "\n";
  }
  out.close();
  if (!out) return "writing " + path + " failed";
  return std::nullopt;
}

std::string replace_mat(std::string path, const std::string& mat) {
  for (auto at = path.find("{mat}"); at != std::string::npos; at = path.find("{mat}", at)) {
    path.replace(at, 5, mat);
    at += mat.size();
  }
  return path;
}

}  // namespace

int run_simulation(const CliOptions& options, const std::atomic<bool>& stop, std::ostream& summary,
                   std::ostream& log) {
  const auto wall_begin = Clock::now();
  std::vector<MatRun> mats;
  double duration_s = 0;
  for (const MatConfig& config : options.mats) {
    auto made = MatSimulator::make(config, options.seed);
    if (auto* error = std::get_if<std::string>(&made)) {
      log << "pmap-sim: error: " << *error << "\n";
      return 2;
    }
    mats.push_back(MatRun{std::move(std::get<MatSimulator>(made)),
                          nullptr,
                          std::nullopt,
                          nullptr,
                          {},
                          {},
                          0,
                          0,
                          0,
                          0});
    duration_s = std::max(duration_s, mats.back().sim.scenario().duration_s());
  }
  // Anchor simulated time so that the run ends about now: the gateway rejects frames from the
  // future, and a run at N x real time then never gets ahead of the wall clock.
  const double lag = options.speed ? duration_s * (1.0 - 1.0 / *options.speed) : duration_s;
  std::int64_t start_us =
      options.start_us.value_or(now_us() - static_cast<std::int64_t>(std::llround(lag * 1e6)));
  for (MatRun& mat : mats) mat.session_start_us = start_us;

  // Multi-night runs: plan every mat's nights; simulated time then follows the plans' real
  // times, and the run starts with the earliest recorded night.
  std::vector<std::vector<PlannedSession>> all_plans(mats.size());
  if (options.nights) {
    std::optional<std::int64_t> earliest;
    for (std::size_t m = 0; m < mats.size(); ++m) {
      MatRun& mat = mats[m];
      const MatDescriptor& d = mat.sim.descriptor();
      auto planned = SessionPlanner::plan(d.kind, *options.nights, mat_seed(options.seed, d.id));
      if (auto* error = std::get_if<std::string>(&planned)) {
        log << "pmap-sim: error: mat " << d.id << ": " << *error << "\n";
        return 2;
      }
      all_plans[m] = std::move(std::get<std::vector<PlannedSession>>(planned));
      mat.sessions_planned = all_plans[m].size();
      for (const PlannedSession& session : all_plans[m]) {
        if (!session.plan.recorded) continue;
        mat.pending.push_back(PlannedSession{session.plan, session.scenario});
      }
      mat.sessions_recorded = mat.pending.size();
      if (mat.pending.empty()) {
        // Every night is a gap: an empty timeline, nothing to send.
        mat.sim.start_session(Scenario{});
        continue;
      }
      mat.session_start_us = mat.pending.front().plan.session_start_us;
      mat.sim.start_session(std::move(mat.pending.front().scenario));
      mat.pending.erase(mat.pending.begin());
      earliest = std::min(earliest.value_or(mat.session_start_us), mat.session_start_us);
    }
    if (earliest) start_us = *earliest;
    if (options.broker && !mats.empty()) {
      std::int64_t last_end = 0;
      for (const auto& plans : all_plans) {
        for (const PlannedSession& s : plans) last_end = std::max(last_end, s.plan.session_end_us);
      }
      if (last_end > now_us()) {
        log << "pmap-sim: warning: the last night ends after now; a gateway rejects frames from "
               "the future (choose an earlier --start-date)\n";
      }
      if (earliest && now_us() - *earliest > 7LL * 86400 * 1'000'000) {
        log << "pmap-sim: warning: the first night is more than 7 days ago; a gateway with the "
               "default clock_skew_past_s (604800) rejects its frames as clock_skew\n";
      }
    }
  }

  for (MatRun& mat : mats) {
    const MatDescriptor& d = mat.sim.descriptor();
    const BodyParams& body = mat.sim.body();
    log << "pmap-sim: mat " << d.id << ": " << to_string(d.kind) << ", scenario "
        << mat.sim.scenario().name() << ", ";
    if (options.nights) {
      log << mat.sessions_recorded << " of " << mat.sessions_planned
          << (d.kind == MatKind::kBed ? " nights" : " working days") << " recorded at ";
    } else {
      log << mat.sim.frame_count() << " frames at ";
    }
    log << d.sample_rate_hz << " Hz, ";
    if (mat.sim.scenario().is_calibration()) {
      log << "uniform pressures, no body\n";
    } else {
      log << "body " << body.height_cm << " cm / " << body.weight_kg << " kg\n";
    }
    if (options.truth_out) {
      const std::string path = replace_mat(*options.truth_out, d.id);
      const std::size_t m = static_cast<std::size_t>(&mat - mats.data());
      if (auto error = options.nights ? write_night_plans(path, all_plans[m], d.id)
                                      : write_truth(path, mat.sim, options.seed)) {
        log << "pmap-sim: error: " << *error << "\n";
        return 1;
      }
    }
    if (options.csv) {
      const std::string path = replace_mat(*options.csv, d.id);
      mat.csv = std::make_unique<CsvWriter>(path, std::size_t{d.rows} * d.cols, start_us);
      if (!mat.csv->ok()) {
        log << "pmap-sim: error: cannot create " << path << "\n";
        return 1;
      }
    }
    if (options.output) {
      const std::string path = replace_mat(*options.output, d.id);
      // Calibration sessions carry each frame's applied pressure: frame-log version 2.
      auto writer = FrameLogWriter::create(
          path, d,
          mat.sim.scenario().is_calibration() ? kFrameLogVersionAnnotated : kFrameLogVersion);
      if (auto* error = std::get_if<FrameLogError>(&writer)) {
        log << "pmap-sim: error: " << error->message << "\n";
        return 1;
      }
      mat.log.emplace(std::move(std::get<FrameLogWriter>(writer)));
    }
    if (options.broker) {
      PublisherOptions publisher;
      publisher.broker_uri = *options.broker;
      publisher.security = options.security;
      publisher.client_id = options.client_id.empty() ? "pmap-sim-" + d.id
                            : options.mats.size() > 1 ? options.client_id + "-" + d.id
                                                      : options.client_id;
      publisher.mat_id = d.id;
      publisher.meta_json = to_meta_json(d);
      publisher.window = options.speed ? std::max<std::size_t>(options.window, 16) : options.window;
      publisher.abort = &stop;
      mat.publisher = std::make_unique<MatPublisher>(publisher);
      if (auto error = mat.publisher->start()) {
        log << "pmap-sim: error: " << *error << "\n";
        return 1;
      }
    }
  }

  bool io_failed = false;
  auto pace_origin = Clock::now();
  while (!stop) {
    MatRun* next = nullptr;
    for (MatRun& mat : mats) {
      while (mat.sim.done() && mat.next_session()) {
      }
      if (!mat.sim.done() && (!next || mat.next_us() < next->next_us())) next = &mat;
    }
    if (!next) break;
    // While a broker connection is down the simulated clock pauses: nothing is generated, so
    // nothing is lost; the pacing origin moves by the time spent waiting.
    if (options.broker) {
      const auto wait_begin = Clock::now();
      bool waited = false;
      while (!stop && !next->publisher->connected()) {
        waited = true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      if (stop) break;
      if (waited) pace_origin += Clock::now() - wait_begin;
      next->publisher->service();
    }
    if (options.speed) {
      // Paced in Unix time from the run's start, so the gaps between nights are paced too.
      const double since_start_s = static_cast<double>(next->next_us() - start_us) / 1e6;
      const auto due =
          pace_origin + std::chrono::duration_cast<Clock::duration>(
                            std::chrono::duration<double>(since_start_s / *options.speed));
      while (!stop && Clock::now() < due) {
        std::this_thread::sleep_for(
            std::min<Clock::duration>(due - Clock::now(), std::chrono::milliseconds(100)));
      }
      if (stop) break;
    }
    const double t = next->sim.next_time_s();
    MatStep step = next->sim.step(next->session_start_us);
    MatCounters& c = next->counters;
    ++c.generated;
    if (!c.first_seq) {
      c.first_seq = step.sequence;
      c.first_ts_us = step.timestamp_us;
    }
    c.last_seq = step.sequence;
    c.last_ts_us = step.timestamp_us;
    c.sim_seconds = next->finished_sessions_s + t + 1.0 / next->sim.descriptor().sample_rate_hz;
    c.dropped += step.fate.dropped ? 1 : 0;
    c.duplicated += step.fate.duplicated ? 1 : 0;
    for (const PressureFrame& frame : step.frames) {
      if (next->publisher) {
        bool sent = false;
        if (options.json_frames) {
          const std::string text = encode_json(frame);
          sent = next->publisher->publish(Channel::kFrame, text.data(), text.size());
        } else {
          const std::vector<std::uint8_t> bytes = encode_binary(frame);
          sent = next->publisher->publish(Channel::kFrame, bytes.data(), bytes.size());
        }
        if (!sent) io_failed = true;
      }
      const std::optional<double> applied =
          step.applied ? std::optional<double>(step.applied->mmhg) : std::nullopt;
      if (next->log) {
        const FrameAnnotation annotation = next->log->version() == kFrameLogVersionAnnotated
                                               ? FrameAnnotation{applied}
                                               : FrameAnnotation{};
        if (auto error = next->log->append(frame, annotation)) {
          log << "pmap-sim: error: " << next->sim.descriptor().id << ": " << error->message << "\n";
          io_failed = true;
          break;
        }
      }
      if (next->csv && !next->csv->append(frame, applied)) {
        log << "pmap-sim: error: " << next->sim.descriptor().id << ": writing " << next->csv->path()
            << " failed\n";
        io_failed = true;
        break;
      }
      ++c.published;
    }
    if (step.truth && next->publisher &&
        next->publisher->publish(Channel::kTruth, step.truth->data(), step.truth->size())) {
      ++c.truth;
    }
    if (io_failed) break;
  }
  if (stop) log << "pmap-sim: stopping on signal\n";

  nlohmann::json report{{"mats", nlohmann::json::object()}};
  for (MatRun& mat : mats) {
    if (mat.publisher) {
      mat.publisher->stop();
      if (mat.publisher->failed_deliveries() > 0) {
        log << "pmap-sim: " << mat.sim.descriptor().id << ": " << mat.publisher->failed_deliveries()
            << " deliveries failed\n";
        io_failed = true;
      }
    }
    if (mat.log) {
      if (auto error = mat.log->close()) {
        log << "pmap-sim: error: " << error->message << "\n";
        io_failed = true;
      }
    }
    if (mat.csv && !mat.csv->close()) {
      log << "pmap-sim: error: writing " << mat.csv->path() << " failed\n";
      io_failed = true;
    }
    const MatCounters& c = mat.counters;
    const MatDescriptor& d = mat.sim.descriptor();
    report["mats"][d.id] = {
        {"kind", std::string(to_string(d.kind))},
        {"scenario", mat.sim.scenario().name()},
        {"frames_published", c.published},
        {"frames_generated", c.generated},
        {"frames_dropped", c.dropped},
        {"frames_duplicated", c.duplicated},
        {"truth_published", c.truth},
        {"first_seq", c.first_seq ? nlohmann::json(*c.first_seq) : nlohmann::json(nullptr)},
        {"last_seq", c.first_seq ? nlohmann::json(c.last_seq) : nlohmann::json(nullptr)},
        {"sim_seconds", c.sim_seconds},
        {"first_ts_us", c.first_seq ? nlohmann::json(c.first_ts_us) : nlohmann::json(nullptr)},
        {"last_ts_us", c.first_seq ? nlohmann::json(c.last_ts_us) : nlohmann::json(nullptr)},
        {"body", mat.sim.scenario().is_calibration()
                     ? nlohmann::json(nullptr)
                     : nlohmann::json{{"height_cm", mat.sim.body().height_cm},
                                      {"weight_kg", mat.sim.body().weight_kg}}},
    };
    if (options.nights) {
      report["mats"][d.id]["nights_planned"] = mat.sessions_planned;
      report["mats"][d.id]["nights_recorded"] = mat.sessions_recorded;
    }
    mat.publisher.reset();
  }
  report["wall_seconds"] = std::chrono::duration<double>(Clock::now() - wall_begin).count();
  summary << report.dump() << std::endl;
  return io_failed ? 1 : 0;
}

}  // namespace pmap::sim
