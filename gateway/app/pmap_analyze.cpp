// pmap-analyze: runs the gateway's pipeline (validation, conditioning, features, posture engines,
// episodes) offline over a recorded frame log, and reports the night or the sitting day.
#include <boost/program_options.hpp>
#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "pmap/frame_log.hpp"
#include "pmap/pipeline.hpp"
#include "pmap/store.hpp"
#include "pmap/topics.hpp"
#include "pmap/wire_codec.hpp"

namespace po = boost::program_options;
using nlohmann::json;

namespace {

constexpr const char* kUsage = R"(pmap-analyze --input FILE [--db PATH] [--states FILE] [--epoch-seconds N]

Runs PostureMap's gateway pipeline offline over a frame-log file (as written by
pmap-sim --output, docs/firmware-sim.md): the same validation, conditioning, features, posture
engines (bed or chair) and episode smoothing as pmap-gateway, with the recording's own clock.
Prints one JSON document: frame counters, episodes (position/presence/long still periods), time
per position, turns, and bed exits or sitting breaks.

Examples:
  pmap-sim --output night.pmaplog --mat bed1 --kind bed --scenario night --seed 3
  pmap-analyze --input night.pmaplog
  pmap-analyze --input night.pmaplog --db night.db --states states.jsonl
)";

int fail(const std::string& message, int code) {
  std::cerr << "pmap-analyze: error: " << message << "\n";
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  std::string input, db_path, states_path;
  std::int64_t epoch_seconds = 5;
  po::options_description opts("Options");
  opts.add_options()("help,h", "show this help and exit")(
      "input", po::value(&input), "frame-log file to analyse (required)")(
      "db", po::value(&db_path), "also store epochs and episodes in this SQLite file")(
      "states", po::value(&states_path),
      "write every `state` document the gateway would publish, one JSON per line")(
      "epoch-seconds", po::value(&epoch_seconds)->default_value(5),
      "epoch length for --db, 1..3600");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, opts), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    return fail(std::string(e.what()) + " (see --help)", 2);
  }
  if (vm.count("help") != 0U) {
    std::cout << kUsage << "\n" << opts << "\n";
    return 0;
  }
  if (input.empty()) return fail("give --input FILE (see --help)", 2);
  if (epoch_seconds < 1 || epoch_seconds > 3600) return fail("--epoch-seconds must be 1..3600", 2);

  auto opened = pmap::FrameLogReader::open(input);
  if (const auto* err = std::get_if<pmap::FrameLogError>(&opened)) {
    return fail(input + ": " + err->message, 1);
  }
  auto reader = std::move(std::get<pmap::FrameLogReader>(opened));
  const pmap::MatDescriptor mat = reader.mat();

  std::optional<pmap::Store> store;
  if (!db_path.empty()) {
    try {
      store.emplace(db_path);
    } catch (const pmap::StoreError& e) {
      return fail(e.what(), 1);
    }
  }
  std::ofstream states;
  if (!states_path.empty()) {
    states.open(states_path);
    if (!states) return fail("cannot write " + states_path, 1);
  }

  std::vector<pmap::Episode> episodes;
  std::uint64_t store_errors = 0;
  pmap::PipelineConfig config;
  config.epoch_seconds = epoch_seconds;
  pmap::Pipeline pipeline(
      config, nullptr,
      [&](const std::string&, const std::string& payload) {
        if (states.is_open()) states << payload << "\n";
        return true;
      },
      [&](pmap::WriteBatch batch) {
        episodes.insert(episodes.end(), batch.episodes.begin(), batch.episodes.end());
        if (!store) return;
        try {
          store->write(batch);
        } catch (const pmap::StoreError& e) {
          ++store_errors;
          std::cerr << "pmap-analyze: store: " << e.what() << "\n";
        }
      });

  // The recording's own clock drives everything (clock-skew checks, state throttle, episodes).
  auto at = [](std::int64_t ts_us) {
    return pmap::Pipeline::Clock::time_point(std::chrono::microseconds(ts_us));
  };
  const std::string& meta = reader.meta_json();
  bool meta_sent = false;
  std::uint64_t frames = 0;
  std::optional<std::string> read_error;
  for (;;) {
    pmap::FrameLogRecord record = reader.next();
    if (std::holds_alternative<pmap::FrameLogEnd>(record)) break;
    if (const auto* err = std::get_if<pmap::FrameLogError>(&record)) {
      read_error = err->message + " at byte " + std::to_string(err->offset);
      break;
    }
    const auto& frame = std::get<pmap::PressureFrame>(record);
    if (!meta_sent) {
      pipeline.handle(pmap::topic(mat.id, pmap::Channel::kMeta),
                      {reinterpret_cast<const std::uint8_t*>(meta.data()), meta.size()},
                      frame.timestamp_us, at(frame.timestamp_us));
      meta_sent = true;
    }
    pipeline.handle(pmap::topic(mat.id, pmap::Channel::kFrame), pmap::encode_binary(frame),
                    frame.timestamp_us, at(frame.timestamp_us));
    pipeline.publish_due(at(frame.timestamp_us));
    if (++frames % 1000 == 0) pipeline.flush();
  }
  pipeline.close_episodes();
  pipeline.flush();

  json out_episodes = json::array();
  std::map<std::string, double> minutes_by_position;
  int turns = 0, exits = 0;
  std::string last_position;
  const std::string absent = mat.kind == pmap::MatKind::kBed ? "out_of_bed" : "away";
  std::int64_t first_presence_start = -1;
  for (const auto& e : episodes) {
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
    if (e.stream == "presence" && first_presence_start < 0) first_presence_start = e.start_us;
  }
  // Exits/breaks: absences between two presences (not the empty mat before and after).
  std::vector<std::string> presence;
  for (const auto& e : episodes) {
    if (e.stream == "presence") presence.push_back(e.label);
  }
  for (std::size_t i = 1; i + 1 < presence.size(); ++i) exits += presence[i] == absent;

  const pmap::MatCounters c = pipeline.ingest().counters(mat.id);
  json report{{"mat", mat.id},
              {"kind", pmap::to_string(mat.kind)},
              {"frames", {{"read", frames}, {"accepted", c.accepted}, {"rejected", c.rejected},
                          {"missing", c.missing}}},
              {"minutes_by_position", minutes_by_position},
              {"turns", turns},
              {mat.kind == pmap::MatKind::kBed ? "bed_exits" : "breaks", exits},
              {"episodes", out_episodes}};
  if (read_error) report["read_error"] = *read_error;
  if (store) report["db"] = db_path;
  std::cout << report.dump(2) << "\n";
  if (read_error) return fail(input + ": " + *read_error + " (frames before it were analysed)", 1);
  return store_errors == 0 ? 0 : 1;
}
