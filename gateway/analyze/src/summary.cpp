// pmap-analyze --summary: the gateway's pipeline (validation, conditioning, features, posture
// engines, episodes) offline over one recording, reported as one JSON document.
#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <ostream>

#include "pmap/analyze.hpp"
#include "pmap/pipeline.hpp"
#include "pmap/store.hpp"
#include "pmap/topics.hpp"
#include "pmap/wire_codec.hpp"

namespace pmap::analyze {
namespace {

using nlohmann::json;

/// Text recordings carry relative times only; the pipeline gets them on this clock
/// (2023-11-14T22:13:20Z), with the same time as its "now", so no clock-skew check can trip.
constexpr std::int64_t kTextRecordingEpochUs = 1'700'000'000'000'000;

int fail(std::ostream& err, const std::string& message, int code) {
  err << "pmap-analyze: error: " << message << "\n";
  return code;
}

PressureFrame wire_frame(const RecordedFrame& frame, const MatDescriptor& mat,
                         std::int64_t time_base_us) {
  PressureFrame out;
  out.sequence = static_cast<std::uint32_t>(frame.index);
  out.timestamp_us = time_base_us + frame.time_us;
  out.rows = mat.rows;
  out.cols = mat.cols;
  out.encoding = mat.encoding;
  out.values.reserve(frame.values.size());
  // The reader bounds values to the format's range, which fits the declared full scale.
  for (const float v : frame.values) {
    out.values.push_back(static_cast<std::uint16_t>(
        std::clamp(std::lround(v), 0L, static_cast<long>(mat.full_scale_counts))));
  }
  return out;
}

}  // namespace

int run_summary(const AnalyzeCli& cli, std::ostream& out, std::ostream& err) {
  const std::string& input = cli.files.front();
  RecordingOptions read_options;
  read_options.format = cli.options.format;
  read_options.rows = cli.options.rows;
  read_options.cols = cli.options.cols;
  auto opened = RecordingReader::open(input, read_options);
  if (const auto* error = std::get_if<RecordingError>(&opened)) return fail(err, error->message, 1);
  auto& reader = std::get<RecordingReader>(opened);
  auto made = make_setup(reader.info(), cli.options);
  if (const auto* error = std::get_if<std::string>(&made))
    return fail(err, input + ": " + *error, 1);
  const MatDescriptor mat = std::get<AnalysisSetup>(made).mat;
  const std::int64_t time_base_us =
      reader.info().format == RecordingFormat::kPmaplog ? 0 : kTextRecordingEpochUs;

  std::optional<Store> store;
  if (!cli.db_path.empty()) {
    try {
      store.emplace(cli.db_path);
    } catch (const StoreError& e) {
      return fail(err, e.what(), 1);
    }
  }
  std::ofstream states;
  if (!cli.states_path.empty()) {
    states.open(cli.states_path);
    if (!states) return fail(err, "cannot write " + cli.states_path, 1);
  }

  // Keyed as the store keys them: the pipeline writes an open episode at each flush as it stands
  // and the closed one later replaces it (same stream and start), so the last version counts.
  std::map<std::pair<std::int64_t, std::string>, Episode> episodes;
  std::uint64_t store_errors = 0;
  PipelineConfig config;
  config.epoch_seconds = cli.epoch_seconds;
  Pipeline pipeline(
      config, nullptr,
      [&](const std::string&, const std::string& payload) {
        if (states.is_open()) states << payload << "\n";
        return true;
      },
      [&](WriteBatch batch) {
        for (const Episode& e : batch.episodes)
          episodes.insert_or_assign({e.start_us, e.stream}, e);
        if (!store) return;
        try {
          store->write(batch);
        } catch (const StoreError& e) {
          ++store_errors;
          err << "pmap-analyze: store: " << e.what() << "\n";
        }
      });

  // The recording's own clock drives everything (clock-skew checks, state throttle, episodes).
  auto at = [](std::int64_t ts_us) {
    return Pipeline::Clock::time_point(std::chrono::microseconds(ts_us));
  };
  const std::string meta = to_meta_json(mat);
  bool meta_sent = false;
  std::uint64_t frames = 0;
  std::optional<std::string> read_error;
  for (;;) {
    RecordingRecord record = reader.next();
    if (std::holds_alternative<RecordingEnd>(record)) break;
    if (const auto* error = std::get_if<RecordingError>(&record)) {
      read_error = error->message;
      break;
    }
    const PressureFrame frame = wire_frame(std::get<RecordedFrame>(record), mat, time_base_us);
    if (!meta_sent) {
      pipeline.handle(topic(mat.id, Channel::kMeta),
                      {reinterpret_cast<const std::uint8_t*>(meta.data()), meta.size()},
                      frame.timestamp_us, at(frame.timestamp_us));
      meta_sent = true;
    }
    pipeline.handle(topic(mat.id, Channel::kFrame), encode_binary(frame), frame.timestamp_us,
                    at(frame.timestamp_us));
    pipeline.publish_due(at(frame.timestamp_us));
    if (++frames % 1000 == 0) pipeline.flush();
  }
  pipeline.close_episodes();
  pipeline.flush();

  json out_episodes = json::array();
  std::map<std::string, double> minutes_by_position;
  int turns = 0, exits = 0;
  std::string last_position;
  const std::string absent = mat.kind == MatKind::kBed ? "out_of_bed" : "away";
  for (const auto& [key, e] : episodes) {
    out_episodes.push_back({{"stream", e.stream},
                            {"label", e.label},
                            {"start_us", e.start_us},
                            {"end_us", e.end_us},
                            {"minutes", e.seconds() / 60.0},
                            {"mean_confidence", e.mean_confidence}});
    if (e.stream == "position") {
      minutes_by_position[e.label] += e.seconds() / 60.0;
      if (!last_position.empty() && last_position != e.label) ++turns;
      last_position = e.label;
    }
  }
  // Exits/breaks: absences between two presences (not the empty mat before and after).
  std::vector<std::string> presence;
  for (const auto& [key, e] : episodes) {
    if (e.stream == "presence") presence.push_back(e.label);
  }
  for (std::size_t i = 1; i + 1 < presence.size(); ++i) exits += presence[i] == absent;

  const MatCounters c = pipeline.ingest().counters(mat.id);
  json report{{"mat", mat.id},
              {"kind", to_string(mat.kind)},
              {"frames",
               {{"read", frames},
                {"accepted", c.accepted},
                {"rejected", c.rejected},
                {"missing", c.missing}}},
              {"minutes_by_position", minutes_by_position},
              {"turns", turns},
              {mat.kind == MatKind::kBed ? "bed_exits" : "breaks", exits},
              {"episodes", out_episodes}};
  if (read_error) report["read_error"] = *read_error;
  if (store) report["db"] = cli.db_path;
  out << report.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
  if (read_error) return fail(err, *read_error + " (frames before it were analysed)", 1);
  return store_errors == 0 ? 0 : 1;
}

}  // namespace pmap::analyze
