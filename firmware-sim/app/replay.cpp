#include "replay.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
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

/// Pitch assumed for text recordings without --pitch-mm (PMD does not publish one).
constexpr double kDefaultPitchMm = 25.4;
/// PMD counts: 12-bit. The nominal conversion keeps 100 mmHg per 1000 counts, with which the PMD
/// experiment-i counts add up to the subjects' weights (docs/firmware-sim.md, sensor model).
constexpr std::uint16_t kPmdFullScale = 4095;
constexpr double kPmdNominalFullScaleMmhg = 409.5;
constexpr std::uint16_t kCsvFullScale = 65535;

struct FilePlan {
  std::string path;
  std::uint64_t frames = 0;
  std::int64_t first_us = 0;
  std::int64_t last_us = 0;
  std::int64_t offset_us = 0;  ///< where the file starts on the replay's clock
};

std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string replace_mat(std::string path, const std::string& mat) {
  for (auto at = path.find("{mat}"); at != std::string::npos; at = path.find("{mat}", at)) {
    path.replace(at, 5, mat);
    at += mat.size();
  }
  return path;
}

// The mat the replay declares, from the first file and the options.
std::variant<MatDescriptor, std::string> replay_mat(const RecordingInfo& info,
                                                    const ReplayConfig& config,
                                                    double estimated_rate_hz) {
  MatDescriptor mat;
  if (info.format == RecordingFormat::kPmaplog) {
    mat = *info.mat;
    if (config.kind && *config.kind != mat.kind) {
      return "the frame log is of a " + std::string(to_string(mat.kind)) + " mat, not a " +
             std::string(to_string(*config.kind));
    }
    if (config.mat_id) mat.id = *config.mat_id;
    return mat;
  }
  mat.id = config.mat_id.value_or("replay");
  mat.kind = config.kind.value_or(MatKind::kBed);
  mat.rows = info.rows;
  mat.cols = info.cols;
  const auto pitch = config.pitch_mm.value_or(std::make_pair(kDefaultPitchMm, kDefaultPitchMm));
  mat.row_pitch_mm = pitch.first;
  mat.col_pitch_mm = pitch.second;
  mat.sample_rate_hz = config.rate_hz.value_or(
      info.sample_rate_hz > 0 ? info.sample_rate_hz : std::clamp(estimated_rate_hz, 0.01, 200.0));
  mat.layout = config.layout;
  mat.encoding = TaxelEncoding::kUint16;
  if (info.format == RecordingFormat::kPmd) {
    mat.full_scale_counts = kPmdFullScale;
    mat.nominal_full_scale_mmhg = kPmdNominalFullScaleMmhg;
  } else {
    mat.full_scale_counts = kCsvFullScale;
  }
  mat.firmware = "pmap-sim replay (" + std::string(to_string(info.format)) + ")";
  return mat;
}

PressureFrame wire_frame(const RecordedFrame& frame, const MatDescriptor& mat, std::uint32_t seq,
                         std::int64_t ts_us) {
  PressureFrame out;
  out.sequence = seq;
  out.timestamp_us = ts_us;
  out.rows = mat.rows;
  out.cols = mat.cols;
  out.encoding = mat.encoding;
  out.values.reserve(frame.values.size());
  // The reader bounds values to the format's range (pmd 0..4095, csv 0..65535, pmaplog the
  // meta's); CSV values with fractions are rounded to counts.
  for (const float v : frame.values) {
    out.values.push_back(static_cast<std::uint16_t>(
        std::clamp(std::lround(v), 0L, static_cast<long>(mat.full_scale_counts))));
  }
  return out;
}

}  // namespace

int run_replay(const CliOptions& options, const std::atomic<bool>& stop, std::ostream& summary,
               std::ostream& log) {
  const auto wall_begin = Clock::now();
  const ReplayConfig& config = *options.replay;

  // 1. Read every file once: validate it all before publishing anything, and learn the timeline.
  std::vector<FilePlan> plans;
  std::optional<RecordingInfo> first_info;
  for (const std::string& path : config.files) {
    auto opened = RecordingReader::open(path, config.read);
    if (const auto* error = std::get_if<RecordingError>(&opened)) {
      log << "pmap-sim: error: " << error->message << "\n";
      return 2;
    }
    auto& reader = std::get<RecordingReader>(opened);
    const RecordingInfo& info = reader.info();
    if (first_info && (info.rows != first_info->rows || info.cols != first_info->cols)) {
      log << "pmap-sim: error: " << path << ": " << info.rows << " x " << info.cols
          << " frames, but " << config.files.front() << " has " << first_info->rows << " x "
          << first_info->cols << " (one replay is one mat)\n";
      return 2;
    }
    if (first_info && info.mat && first_info->mat &&
        !(info.mat->layout == first_info->mat->layout && info.mat->kind == first_info->mat->kind &&
          info.mat->encoding == first_info->mat->encoding)) {
      log << "pmap-sim: error: " << path << ": its meta differs from " << config.files.front()
          << "'s (one replay is one mat)\n";
      return 2;
    }
    if (!first_info) first_info = info;
    FilePlan plan{path, 0, 0, 0, 0};
    for (;;) {
      RecordingRecord record = reader.next();
      if (std::holds_alternative<RecordingEnd>(record)) break;
      if (const auto* error = std::get_if<RecordingError>(&record)) {
        log << "pmap-sim: error: " << error->message << "\n";
        return 2;
      }
      const auto& frame = std::get<RecordedFrame>(record);
      if (plan.frames == 0) plan.first_us = frame.time_us;
      plan.last_us = frame.time_us;
      ++plan.frames;
    }
    plans.push_back(plan);
  }
  std::uint64_t total_frames = 0;
  std::int64_t span_us = 0;
  for (const FilePlan& p : plans) {
    total_frames += p.frames;
    span_us += p.last_us - p.first_us;
  }
  const double estimated_rate =
      span_us > 0 ? static_cast<double>(total_frames - plans.size()) / (span_us * 1e-6) : 1.0;
  auto made = replay_mat(*first_info, config, estimated_rate);
  if (const auto* error = std::get_if<std::string>(&made)) {
    log << "pmap-sim: error: " << config.files.front() << ": " << *error << "\n";
    return 2;
  }
  const MatDescriptor mat = std::get<MatDescriptor>(made);
  // Files follow each other one nominal frame interval apart.
  const auto gap_us = static_cast<std::int64_t>(std::llround(1e6 / mat.sample_rate_hz));
  std::int64_t offset_us = 0;
  for (FilePlan& p : plans) {
    p.offset_us = offset_us;
    offset_us += p.last_us - p.first_us + gap_us;
  }
  const double duration_s = static_cast<double>(offset_us - gap_us) * 1e-6;
  // As in the simulation: the replay ends about now, so no frame is stamped in the future.
  const double lag = options.speed ? duration_s * (1.0 - 1.0 / *options.speed) : duration_s;
  const std::int64_t start_us =
      options.start_us.value_or(now_us() - static_cast<std::int64_t>(std::llround(lag * 1e6)));
  log << "pmap-sim: mat " << mat.id << ": replay of " << plans.size() << " file(s), "
      << total_frames << " frames over " << duration_s << " s, " << mat.rows << " x " << mat.cols
      << ", " << to_string(mat.kind) << "\n";

  // 2. Outputs.
  std::optional<FrameLogWriter> writer;
  if (options.output) {
    auto created = FrameLogWriter::create(replace_mat(*options.output, mat.id), mat);
    if (const auto* error = std::get_if<FrameLogError>(&created)) {
      log << "pmap-sim: error: " << error->message << "\n";
      return 1;
    }
    writer.emplace(std::move(std::get<FrameLogWriter>(created)));
  }
  std::unique_ptr<MatPublisher> publisher;
  if (options.broker) {
    PublisherOptions p;
    p.broker_uri = *options.broker;
    p.security = options.security;
    p.client_id = options.client_id.empty() ? "pmap-sim-" + mat.id : options.client_id;
    p.mat_id = mat.id;
    p.meta_json = to_meta_json(mat);
    p.window = options.speed ? std::max<std::size_t>(options.window, 16) : options.window;
    p.abort = &stop;
    publisher = std::make_unique<MatPublisher>(p);
    if (auto error = publisher->start()) {
      log << "pmap-sim: error: " << *error << "\n";
      return 1;
    }
  }

  // 3. Publish, paced by the recording's clock.
  bool io_failed = false;
  std::uint64_t published = 0;
  std::uint32_t seq = 0;
  std::optional<std::int64_t> first_ts, last_ts;
  double sim_seconds = 0;
  auto pace_origin = Clock::now();
  for (const FilePlan& plan : plans) {
    if (stop || io_failed) break;
    auto opened = RecordingReader::open(plan.path, config.read);
    if (const auto* error = std::get_if<RecordingError>(&opened)) {
      log << "pmap-sim: error: " << error->message << "\n";
      io_failed = true;
      break;
    }
    auto& reader = std::get<RecordingReader>(opened);
    while (!stop) {
      RecordingRecord record = reader.next();
      if (std::holds_alternative<RecordingEnd>(record)) break;
      if (const auto* error = std::get_if<RecordingError>(&record)) {
        log << "pmap-sim: error: " << error->message << "\n";
        io_failed = true;
        break;
      }
      const auto& frame = std::get<RecordedFrame>(record);
      const std::int64_t t_us = plan.offset_us + (frame.time_us - plan.first_us);
      if (publisher) {
        const auto wait_begin = Clock::now();
        bool waited = false;
        while (!stop && !publisher->connected()) {
          waited = true;
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        if (stop) break;
        if (waited) pace_origin += Clock::now() - wait_begin;
        publisher->service();
      }
      if (options.speed) {
        const auto due =
            pace_origin + std::chrono::duration_cast<Clock::duration>(
                              std::chrono::duration<double>(t_us * 1e-6 / *options.speed));
        while (!stop && Clock::now() < due) {
          std::this_thread::sleep_for(
              std::min<Clock::duration>(due - Clock::now(), std::chrono::milliseconds(100)));
        }
        if (stop) break;
      }
      const PressureFrame wire = wire_frame(frame, mat, seq++, start_us + t_us);
      if (publisher) {
        bool sent = false;
        if (options.json_frames) {
          const std::string text = encode_json(wire);
          sent = publisher->publish(Channel::kFrame, text.data(), text.size());
        } else {
          const std::vector<std::uint8_t> bytes = encode_binary(wire);
          sent = publisher->publish(Channel::kFrame, bytes.data(), bytes.size());
        }
        if (!sent) io_failed = true;
      }
      if (writer) {
        if (auto error = writer->append(wire)) {
          log << "pmap-sim: error: " << mat.id << ": " << error->message << "\n";
          io_failed = true;
        }
      }
      if (io_failed) break;
      ++published;
      if (!first_ts) first_ts = wire.timestamp_us;
      last_ts = wire.timestamp_us;
      sim_seconds = t_us * 1e-6 + 1.0 / mat.sample_rate_hz;
    }
  }
  if (stop) log << "pmap-sim: stopping on signal\n";
  if (publisher) {
    publisher->stop();
    if (publisher->failed_deliveries() > 0) {
      log << "pmap-sim: " << mat.id << ": " << publisher->failed_deliveries()
          << " deliveries failed\n";
      io_failed = true;
    }
  }
  if (writer) {
    if (auto error = writer->close()) {
      log << "pmap-sim: error: " << error->message << "\n";
      io_failed = true;
    }
  }
  auto or_null = [](const std::optional<std::int64_t>& v) {
    return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
  };
  nlohmann::json files = nlohmann::json::array();
  for (const FilePlan& p : plans) files.push_back({{"file", p.path}, {"frames", p.frames}});
  nlohmann::json report{{"mats", nlohmann::json::object()}};
  report["mats"][mat.id] = {
      {"kind", std::string(to_string(mat.kind))},
      {"scenario", "replay"},
      {"format", std::string(to_string(first_info->format))},
      {"files", files},
      {"frames_published", published},
      {"frames_generated", published},
      {"frames_dropped", 0},
      {"frames_duplicated", 0},
      {"truth_published", 0},
      {"first_seq", published > 0 ? nlohmann::json(0) : nlohmann::json(nullptr)},
      {"last_seq", published > 0 ? nlohmann::json(published - 1) : nlohmann::json(nullptr)},
      {"sim_seconds", sim_seconds},
      {"first_ts_us", or_null(first_ts)},
      {"last_ts_us", or_null(last_ts)},
  };
  report["wall_seconds"] = std::chrono::duration<double>(Clock::now() - wall_begin).count();
  summary << report.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << std::endl;
  return io_failed ? 1 : 0;
}

}  // namespace pmap::sim
