#include "cli.hpp"

#include <algorithm>
#include <boost/program_options.hpp>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "pmap/mat_descriptor.hpp"
#include "pmap/mqtt_security_options.hpp"

namespace pmap::sim {
namespace po = boost::program_options;

namespace {

po::options_description describe() {
  po::options_description all(
      "pmap-sim: simulated PostureMap pressure mats (bed and chair)\n\n"
      "Usage: pmap-sim --broker URI --mat ID --kind bed|chair "
      "--scenario NAME --speed N|max --seed S [options]\n"
      "       pmap-sim --scenario calibration --mat ID --kind bed|chair --seed S "
      "[--cal-levels L,...] [--cal-hold-s S] --csv FILE|--output FILE|--broker URI "
      "[--truth-out FILE]\n"
      "       pmap-sim --nights N --start-date YYYY-MM-DD [--tz ZONE] --mat ID --kind bed|chair "
      "--output FILE|--broker URI [--truth-out FILE]\n\nOptions");
  // clang-format off
  all.add_options()
      ("help,h", "show this help and exit")
      ("broker", po::value<std::string>(),
       "MQTT broker URI, e.g. tcp://localhost:1883 or ssl://broker.lan:8883 (TLS)")
      ("output", po::value<std::string>(),
       "write frames to a frame-log file (instead of or besides --broker); with several mats "
       "the path must contain {mat}")
      ("csv", po::value<std::string>(),
       "write frames to a CSV file: a header, then t_ms,applied_mmHg,v0,v1,... per frame (t_ms "
       "since the start; applied_mmHg empty except in calibration sessions); with several mats "
       "the path must contain {mat}")
      ("truth-out", po::value<std::string>(),
       "write the sensor's hidden truth (per-taxel baseline, gain, exponent, creep, hysteresis, "
       "dead and stuck taxels, config) as JSON; with --nights: the plan of every night / day, one "
       "JSON object per line; with several mats the path must contain {mat}")
      ("nights", po::value<int>(),
       "multi-night run: N nights (bed mats) or working days (chair mats), 1-366, each at its "
       "real local time from --start-date on (bed 22:30-00:30 for 6.5-8.5 h, chair from "
       "08:00-09:30 for 7-9 h), varying from night to night with the seed")
      ("start-date", po::value<std::string>(), "--nights: local date YYYY-MM-DD of the first night")
      ("tz", po::value<std::string>(),
       "--nights: IANA time zone of the bed and wake times, e.g. Europe/Berlin (default UTC)")
      ("gap-rate", po::value<double>(),
       "--nights: chance 0-0.9 that a night has no data at all (mat off; default 0)")
      ("setup-schedule", po::value<std::string>(),
       "--nights, bed mats: file of 'YYYY-MM-DD SETUP' lines (setup: none|thin|thick|body knee "
       "pillow; in force from that night on; # comments) changing how the knee pillow behaves")
      ("mat", po::value<std::vector<std::string>>(), "mat id ([A-Za-z0-9_-], 1-64), repeatable")
      ("kind", po::value<std::vector<std::string>>(),
       "bed|chair: one for all mats or one per --mat")
      ("scenario", po::value<std::vector<std::string>>(),
       "scenario, one for all mats or one per --mat (default: night for bed, workday for "
       "chair): night, workday, supine, prone, left, right, fetal-left, fetal-right, sitting, "
       "empty, calibration (uniform known pressures, loading then unloading; see --cal-*)")
      ("cal-levels", po::value<std::string>(),
       "calibration: pressure levels in mmHg, strictly increasing, 0-1000, comma separated "
       "(default 0,10,20,40,60,80,100,140,180); the mat starts and ends empty")
      ("cal-hold-s", po::value<double>(), "calibration: seconds each level is held, 1-3600 (default 120)")
      ("cal-ramp-s", po::value<double>(),
       "calibration: seconds of linear change between levels, 0-600 (default 10)")
      ("sensor-creep", po::value<double>(),
       "mean creep fraction 0-0.5: a held reading rises by this fraction of its signal (default "
       "0; calibration 0.08)")
      ("sensor-creep-tau-s", po::value<double>(),
       "creep time constant, 1-86400 s (default 600: settled after ~30 min)")
      ("sensor-hysteresis", po::value<double>(),
       "mean hysteresis 0-0.45: unloading reads this fraction above loading at half the peak "
       "signal (default 0; calibration 0.15)")
      ("sensor-exponent-sigma", po::value<double>(),
       "per-taxel spread (sigma) of the response exponent 0-0.2 (default 0; calibration 0.05)")
      ("speed", po::value<std::string>(),
       "N = N x real time, max = as fast as the broker accepts (default: 1 with --broker, max "
       "with --output only)")
      ("seed", po::value<std::uint64_t>()->default_value(1), "run seed (frames are a function of it)")
      ("duration", po::value<double>(),
       "seconds of simulated time; night/workday are compressed to it (default 28800), static "
       "scenarios hold for it (default 600)")
      ("start-us", po::value<std::int64_t>(),
       "simulated start time, us since the Unix epoch (default: the run ends about now)")
      ("publish-truth", "publish ground truth on pmap/v1/<mat>/truth for every frame")
      ("rate", po::value<double>(), "frames per second, 0.01-200 (default: bed 1, chair 2)")
      ("first-row", po::value<std::string>()->default_value("near"),
       "near|far: far = mat turned round (row 0 at the foot/front edge)")
      ("mirrored", "the mat's columns are mirrored (declared in meta)")
      ("drop-rate", po::value<double>()->default_value(0.0), "probability a frame is lost, 0-0.5")
      ("dup-rate", po::value<double>()->default_value(0.0), "probability a frame is sent twice, 0-0.5")
      ("encoding", po::value<std::string>()->default_value("u16"), "u16|u8 taxel encoding")
      ("json-frames", "publish JSON frames instead of binary ones")
      ("client-id", po::value<std::string>(),
       "MQTT client id (default pmap-sim-<mat>; with several mats -<mat> is appended)")
      ("height-cm", po::value<double>(), "body height, 120-220 cm (default: random per seed)")
      ("weight-kg", po::value<double>(), "body weight, 30-250 kg (default: random per seed)")
      ("chair-obliquity-deg", po::value<double>(),
       "scenario sitting: pelvic obliquity, -20..20 (+ = sitter's right side lower)")
      ("chair-tilt-deg", po::value<double>(),
       "scenario sitting: pelvic tilt, -20..30 (+ = posterior, slouched)")
      ("chair-wallet", po::value<std::string>(), "scenario sitting: none|left|right")
      ("window", po::value<std::size_t>()->default_value(64),
       "QoS 1 deliveries in flight per mat at --speed max, 1-1024")
      ("replay", po::value<std::vector<std::string>>()->multitoken(),
       "replay recordings (one after the other, as one mat) instead of simulating")
      ("format", po::value<std::string>(),
       "--replay: pmd|csv|pmaplog (default pmaplog when every file ends in .pmaplog)")
      ("rows", po::value<int>(), "--replay: the mat's rows, 1-256 (pmd: inferred if not given)")
      ("cols", po::value<int>(), "--replay: the mat's columns, 1-256")
      ("mirror", "--replay: the recording's columns are mirrored (declared in meta; PMD: yes)")
      ("head", po::value<std::string>(),
       "--replay: first|last: the head is at the recording's first or last row (default first; "
       "declared in meta)")
      ("pitch-mm", po::value<std::string>(),
       "--replay: taxel pitch ROW[,COL] in mm, 1-200 (default 25.4; pmaplog: its meta)");
  // clang-format on
  all.add(mqtt_security_options("the mat id"));
  return all;
}

template <typename T>
std::optional<T> get(const po::variables_map& vm, const char* name) {
  if (!vm.count(name)) return std::nullopt;
  return vm[name].as<T>();
}

std::optional<std::pair<double, double>> parse_pitch(const std::string& text) {
  auto number = [](const std::string& part) -> std::optional<double> {
    try {
      std::size_t used = 0;
      const double value = std::stod(part, &used);
      if (used != part.size() || !(value >= 1 && value <= 200)) return std::nullopt;
      return value;
    } catch (const std::exception&) {
      return std::nullopt;
    }
  };
  const auto comma = text.find(',');
  const auto row = number(text.substr(0, comma));
  const auto col = comma == std::string::npos ? row : number(text.substr(comma + 1));
  if (!row || !col) return std::nullopt;
  return std::make_pair(*row, *col);
}

// "0,10,20": comma-separated numbers (the range and order are checked by Scenario::calibration).
std::optional<std::vector<double>> parse_levels(const std::string& text) {
  std::vector<double> levels;
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = text.find(',', start);
    const std::string part =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    try {
      std::size_t used = 0;
      const double value = std::stod(part, &used);
      if (used != part.size() || !std::isfinite(value)) return std::nullopt;
      levels.push_back(value);
    } catch (const std::exception&) {
      return std::nullopt;
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return levels;
}

// The --replay options; the simulation-only ones are refused.
std::variant<ReplayConfig, std::string> parse_replay(const po::variables_map& vm) {
  ReplayConfig replay;
  replay.files = vm["replay"].as<std::vector<std::string>>();
  if (replay.files.empty()) return std::string("--replay needs at least one FILE");
  for (const auto& f : replay.files) {
    if (f.empty()) return std::string("--replay: a FILE argument is empty");
  }
  for (const char* name : {"scenario",
                           "duration",
                           "publish-truth",
                           "height-cm",
                           "weight-kg",
                           "nights",
                           "start-date",
                           "tz",
                           "gap-rate",
                           "setup-schedule",
                           "chair-obliquity-deg",
                           "chair-tilt-deg",
                           "chair-wallet",
                           "csv",
                           "truth-out",
                           "cal-levels",
                           "cal-hold-s",
                           "cal-ramp-s",
                           "sensor-creep",
                           "sensor-creep-tau-s",
                           "sensor-hysteresis",
                           "sensor-exponent-sigma"}) {
    if (vm.count(name)) return "--" + std::string(name) + " does not apply to --replay";
  }
  for (const char* name : {"first-row", "drop-rate", "dup-rate", "encoding"}) {
    if (!vm[name].defaulted()) return "--" + std::string(name) + " does not apply to --replay";
  }
  if (vm.count("format")) {
    const auto format = recording_format_from_string(vm["format"].as<std::string>());
    if (!format) return std::string("--format must be pmd, csv or pmaplog");
    replay.read.format = *format;
  } else {
    for (const auto& f : replay.files) {
      if (!f.ends_with(".pmaplog")) return std::string("--replay needs --format pmd|csv|pmaplog");
    }
    replay.read.format = RecordingFormat::kPmaplog;
  }
  if (vm.count("rows") != vm.count("cols")) {
    return std::string("give both --rows and --cols, or neither");
  }
  if (vm.count("rows")) {
    const int rows = vm["rows"].as<int>();
    const int cols = vm["cols"].as<int>();
    if (rows < 1 || rows > 256 || cols < 1 || cols > 256 || rows * cols > 16384) {
      return std::string("--rows and --cols must be 1-256, at most 16384 taxels");
    }
    replay.read.rows = static_cast<std::uint16_t>(rows);
    replay.read.cols = static_cast<std::uint16_t>(cols);
  }
  const bool log = replay.read.format == RecordingFormat::kPmaplog;
  if (replay.read.format == RecordingFormat::kCsv && !replay.read.rows) {
    return std::string("--format csv needs --rows and --cols");
  }
  if (vm.count("mat")) {
    const auto mats = vm["mat"].as<std::vector<std::string>>();
    if (mats.size() != 1) return std::string("--replay publishes one mat: give one --mat");
    if (!is_valid_mat_id(mats[0])) {
      return "invalid mat id '" + mats[0] + "': use 1-64 characters of [A-Za-z0-9_-]";
    }
    replay.mat_id = mats[0];
  }
  if (vm.count("kind")) {
    const auto kinds = vm["kind"].as<std::vector<std::string>>();
    const auto kind = kinds.size() == 1 ? mat_kind_from_string(kinds[0]) : std::nullopt;
    if (!kind) return std::string("--kind must be one of bed or chair");
    replay.kind = *kind;
  }
  const bool mirror = vm.count("mirror") || vm.count("mirrored");
  const std::string head = get<std::string>(vm, "head").value_or("first");
  if (head != "first" && head != "last") return std::string("--head must be first or last");
  if (log && (mirror || vm.count("head") || vm.count("pitch-mm"))) {
    return std::string(
        "--mirror, --head and --pitch-mm do not apply to pmaplog: its meta declares them");
  }
  replay.layout = MatLayout{head == "last" ? RowOrigin::kFar : RowOrigin::kNear, mirror};
  if (vm.count("pitch-mm")) {
    replay.pitch_mm = parse_pitch(vm["pitch-mm"].as<std::string>());
    if (!replay.pitch_mm) return std::string("--pitch-mm must be ROW or ROW,COL in mm, each 1-200");
  }
  if (auto rate = get<double>(vm, "rate")) {
    if (!(*rate >= 0.01 && *rate <= 200))
      return std::string("--rate must be between 0.01 and 200 Hz");
    replay.rate_hz = *rate;
  }
  return replay;
}

/// `--setup-schedule FILE`: "YYYY-MM-DD SETUP" per line; blank lines and # comments are skipped.
std::variant<std::map<std::string, std::string>, std::string> read_setup_schedule(
    const std::string& path) {
  std::ifstream in(path);
  if (!in) return "--setup-schedule: cannot read " + path;
  std::map<std::string, std::string> schedule;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (const auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    std::istringstream words(line);
    std::string date, setup, extra;
    if (!(words >> date)) continue;
    const std::string where = "--setup-schedule " + path + ":" + std::to_string(number) + ": ";
    if (!(words >> setup) || (words >> extra)) return where + "expected 'YYYY-MM-DD SETUP'";
    if (!ZoneClock::parse_date(date)) return where + "bad date '" + date + "'";
    const auto& known = SessionPlanner::setups();
    if (std::find(known.begin(), known.end(), setup) == known.end()) {
      return where + "unknown setup '" + setup + "' (known: none, thin, thick, body)";
    }
    if (!schedule.emplace(date, setup).second) return where + "date " + date + " given twice";
  }
  if (schedule.empty()) return "--setup-schedule " + path + ": no entries";
  return schedule;
}

/// The --nights options; single-run options that make no sense across nights are refused.
std::variant<MultiNightConfig, std::string> parse_nights(const po::variables_map& vm,
                                                         const std::vector<MatConfig>& mats) {
  MultiNightConfig config;
  config.nights = vm["nights"].as<int>();
  if (config.nights < 1 || config.nights > 366) {
    return std::string("--nights must be between 1 and 366");
  }
  for (const char* name : {"duration", "start-us", "cal-levels", "cal-hold-s", "cal-ramp-s"}) {
    if (vm.count(name)) {
      return "--" + std::string(name) +
             " does not apply to --nights: each night's times come from --start-date and the seed";
    }
  }
  const auto date = get<std::string>(vm, "start-date");
  if (!date) return std::string("--nights needs --start-date YYYY-MM-DD");
  const auto start = ZoneClock::parse_date(*date);
  if (!start) return "--start-date must be a date YYYY-MM-DD (1970 or later), not '" + *date + "'";
  config.start_date = *start;
  config.zone = get<std::string>(vm, "tz").value_or("UTC");
  if (!ZoneClock::make(config.zone)) {
    return "--tz: unknown time zone '" + config.zone + "' (use an IANA name like Europe/Berlin)";
  }
  if (auto rate = get<double>(vm, "gap-rate")) {
    if (!(*rate >= 0 && *rate <= 0.9)) return std::string("--gap-rate must be between 0 and 0.9");
    config.gap_rate = *rate;
  }
  bool any_bed = false;
  for (const MatConfig& mat : mats) {
    const bool bed = mat.kind == MatKind::kBed;
    any_bed |= bed;
    if (mat.scenario != (bed ? "night" : "workday")) {
      return "--nights plays the night scenario on bed mats and workday on chair mats, not '" +
             mat.scenario + "'";
    }
  }
  if (auto path = get<std::string>(vm, "setup-schedule")) {
    if (!any_bed) return std::string("--setup-schedule needs a bed mat (it is about knee pillows)");
    auto schedule = read_setup_schedule(*path);
    if (auto* error = std::get_if<std::string>(&schedule)) return *error;
    config.setup_schedule = std::get<std::map<std::string, std::string>>(std::move(schedule));
  }
  return config;
}

}  // namespace

std::variant<CliOptions, CliExit> parse_cli(int argc, const char* const argv[]) {
  const po::options_description options = describe();
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(options).run(), vm);
    po::notify(vm);
  } catch (const po::error& error) {
    return CliExit{"", std::string(error.what())};
  }
  if (vm.count("help")) {
    std::ostringstream help;
    help << options
         << "\nExamples:\n"
            "  pmap-sim --broker tcp://localhost:1883 --mat bed1 --kind bed --scenario night "
            "--speed max --seed 7 --publish-truth\n"
            "  pmap-sim --broker tcp://localhost:1883 --mat bed1 --mat chair1 --kind bed --kind "
            "chair --speed 1\n"
            "  pmap-sim --output night.pmaplog --mat bed1 --kind bed --duration 600 --seed 3\n"
            "  pmap-sim --scenario calibration --kind bed --mat bed1 --seed 4 --csv cal.csv "
            "--output cal.pmaplog --truth-out cal-truth.json\n"
            "  pmap-sim --output bed1.pmaplog --truth-out bed1-nights.jsonl --mat bed1 --kind bed "
            "--nights 28 --start-date 2026-03-02 --tz Europe/Berlin --seed 5\n"
            "  pmap-sim --broker tcp://localhost:1883 --mat pmd1 --replay "
            "../shared/data/pmd/experiment-i/S1/1.txt --format pmd --mirror --head first "
            "--speed 10\n";
    return CliExit{help.str(), ""};
  }
  auto fail = [](std::string message) { return CliExit{"", std::move(message)}; };
  CliOptions cli;
  cli.broker = get<std::string>(vm, "broker");
  cli.output = get<std::string>(vm, "output");
  cli.csv = get<std::string>(vm, "csv");
  cli.truth_out = get<std::string>(vm, "truth-out");
  if (!cli.broker && !cli.output && !cli.csv) {
    return fail("give --broker URI and/or --output FILE and/or --csv FILE");
  }
  if (cli.broker && cli.broker->empty()) return fail("--broker must not be empty");
  cli.security = mqtt_security_from(vm);
  for (const char* name :
       {"mqtt-username", "mqtt-password-file", "tls-ca-file", "tls-cert-file", "tls-key-file"}) {
    if (vm.count(name) && !cli.broker) return fail("--" + std::string(name) + " needs --broker");
  }
  if (cli.broker) {
    if (!cli.broker->starts_with("tcp://") && !cli.broker->starts_with("mqtt://") &&
        !is_tls_uri(*cli.broker)) {
      return fail("--broker must be tcp://host:port or ssl://host:port, not '" + *cli.broker + "'");
    }
    try {
      (void)check_mqtt_security(cli.security, *cli.broker);
    } catch (const MqttSecurityError& error) {
      return fail(with_option_names(error.what()));
    }
  }
  if (cli.output && cli.output->empty()) return fail("--output must not be empty");
  if (cli.csv && cli.csv->empty()) return fail("--csv must not be empty");
  if (cli.truth_out && cli.truth_out->empty()) return fail("--truth-out must not be empty");
  cli.seed = vm["seed"].as<std::uint64_t>();
  cli.start_us = get<std::int64_t>(vm, "start-us");
  if (cli.start_us && *cli.start_us < 0) return fail("--start-us must not be negative");
  cli.json_frames = vm.count("json-frames") > 0;
  if (cli.json_frames && !cli.broker) return fail("--json-frames needs --broker");
  cli.window = vm["window"].as<std::size_t>();
  if (cli.window < 1 || cli.window > 1024) return fail("--window must be between 1 and 1024");

  const std::string speed = get<std::string>(vm, "speed").value_or(cli.broker ? "1" : "max");
  if (speed != "max") {
    try {
      std::size_t used = 0;
      const double value = std::stod(speed, &used);
      if (used != speed.size() || !(value > 0 && value <= 100000))
        throw std::invalid_argument(speed);
      cli.speed = value;
    } catch (const std::exception&) {
      return fail("--speed must be 'max' or a number between 0 and 100000, not '" + speed + "'");
    }
  }

  if (vm.count("replay")) {
    auto replay = parse_replay(vm);
    if (auto* error = std::get_if<std::string>(&replay)) return fail(*error);
    cli.replay = std::get<ReplayConfig>(std::move(replay));
    cli.client_id = get<std::string>(vm, "client-id").value_or("");
    return cli;
  }
  for (const char* name : {"format", "rows", "cols", "mirror", "head", "pitch-mm"}) {
    if (vm.count(name)) return fail("--" + std::string(name) + " needs --replay");
  }

  const auto mats = get<std::vector<std::string>>(vm, "mat");
  if (!mats) return fail("give at least one --mat ID");
  const auto kinds = get<std::vector<std::string>>(vm, "kind").value_or(std::vector<std::string>{});
  const auto scenarios =
      get<std::vector<std::string>>(vm, "scenario").value_or(std::vector<std::string>{});
  if (kinds.empty()) return fail("give --kind bed|chair");
  if (kinds.size() != 1 && kinds.size() != mats->size()) {
    return fail("give one --kind for all mats or one per --mat (" + std::to_string(mats->size()) +
                " mats, " + std::to_string(kinds.size()) + " kinds)");
  }
  if (scenarios.size() > 1 && scenarios.size() != mats->size()) {
    return fail("give one --scenario for all mats or one per --mat (" +
                std::to_string(mats->size()) + " mats, " + std::to_string(scenarios.size()) +
                " scenarios)");
  }
  for (const auto& [name, path] : {std::pair{"--output", cli.output}, std::pair{"--csv", cli.csv},
                                   std::pair{"--truth-out", cli.truth_out}}) {
    if (mats->size() > 1 && path && path->find("{mat}") == std::string::npos) {
      return fail(std::string("with several mats, ") + name +
                  " must contain {mat} (one file per mat)");
    }
  }

  MatConfig common;
  common.duration_s = get<double>(vm, "duration");
  if (common.duration_s && !(*common.duration_s >= 1 && *common.duration_s <= 7 * 86400.0)) {
    return fail("--duration must be between 1 and 604800 seconds");
  }
  if (auto rate = get<double>(vm, "rate")) {
    if (!(*rate >= 0.01 && *rate <= 200)) return fail("--rate must be between 0.01 and 200 Hz");
    common.rate_hz = *rate;
  }
  const std::string first_row = vm["first-row"].as<std::string>();
  if (first_row != "near" && first_row != "far") return fail("--first-row must be near or far");
  common.layout.first_row = first_row == "far" ? RowOrigin::kFar : RowOrigin::kNear;
  common.layout.mirrored = vm.count("mirrored") > 0;
  common.drop_rate = vm["drop-rate"].as<double>();
  common.dup_rate = vm["dup-rate"].as<double>();
  if (!(common.drop_rate >= 0 && common.drop_rate <= 0.5)) return fail("--drop-rate must be 0-0.5");
  if (!(common.dup_rate >= 0 && common.dup_rate <= 0.5)) return fail("--dup-rate must be 0-0.5");
  const std::string encoding = vm["encoding"].as<std::string>();
  if (encoding != "u16" && encoding != "u8") return fail("--encoding must be u16 or u8");
  common.encoding = encoding == "u8" ? TaxelEncoding::kUint8 : TaxelEncoding::kUint16;
  common.height_cm = get<double>(vm, "height-cm");
  common.weight_kg = get<double>(vm, "weight-kg");
  if (common.height_cm && !(*common.height_cm >= 120 && *common.height_cm <= 220)) {
    return fail("--height-cm must be between 120 and 220");
  }
  if (common.weight_kg && !(*common.weight_kg >= 30 && *common.weight_kg <= 250)) {
    return fail("--weight-kg must be between 30 and 250");
  }
  common.with_truth = vm.count("publish-truth") > 0;
  if (auto obliquity = get<double>(vm, "chair-obliquity-deg")) {
    if (!(*obliquity >= -20 && *obliquity <= 20))
      return fail("--chair-obliquity-deg must be -20..20");
    common.sitting_pose.obliquity_deg = *obliquity;
  }
  if (auto tilt = get<double>(vm, "chair-tilt-deg")) {
    if (!(*tilt >= -20 && *tilt <= 30)) return fail("--chair-tilt-deg must be -20..30");
    common.sitting_pose.tilt_deg = *tilt;
  }
  if (auto wallet = get<std::string>(vm, "chair-wallet")) {
    if (*wallet == "left") {
      common.sitting_pose.wallet = Wallet::kLeft;
    } else if (*wallet == "right") {
      common.sitting_pose.wallet = Wallet::kRight;
    } else if (*wallet != "none") {
      return fail("--chair-wallet must be none, left or right");
    }
  }
  if (common.with_truth && !cli.broker) return fail("--publish-truth needs --broker");
  // Sensor behaviour (docs/firmware-sim.md, "Calibration session").
  struct Range {
    const char* name;
    double lo;
    double hi;
    std::optional<double>* into;
  };
  for (const Range& r : {Range{"sensor-creep", 0, 0.5, &common.sensor_creep},
                         Range{"sensor-creep-tau-s", 1, 86400, &common.sensor_creep_tau_s},
                         Range{"sensor-hysteresis", 0, 0.45, &common.sensor_hysteresis},
                         Range{"sensor-exponent-sigma", 0, 0.2, &common.sensor_exponent_sigma}}) {
    if (auto value = get<double>(vm, r.name)) {
      if (!(*value >= r.lo && *value <= r.hi)) {
        std::ostringstream message;
        message << "--" << r.name << " must be between " << r.lo << " and " << r.hi;
        return fail(message.str());
      }
      *r.into = *value;
    }
  }
  bool any_calibration = false;
  for (std::size_t i = 0; i < mats->size(); ++i) {
    if ((scenarios.size() == 1 ? scenarios[0]
         : scenarios.empty()   ? ""
                               : scenarios[i]) == "calibration") {
      any_calibration = true;
    }
  }
  if (any_calibration) {
    if (common.duration_s) {
      return fail(
          "--duration does not apply to --scenario calibration: its length follows from "
          "--cal-levels, --cal-hold-s and --cal-ramp-s");
    }
    for (const char* name :
         {"height-cm", "weight-kg", "chair-obliquity-deg", "chair-tilt-deg", "chair-wallet"}) {
      if (vm.count(name)) return fail("--" + std::string(name) + " does not apply to calibration");
    }
    if (auto levels = get<std::string>(vm, "cal-levels")) {
      auto parsed = parse_levels(*levels);
      if (!parsed) {
        return fail("--cal-levels must be comma-separated numbers in mmHg, e.g. 0,20,40, not '" +
                    *levels + "'");
      }
      common.calibration.levels_mmhg = std::move(*parsed);
    }
    if (auto hold = get<double>(vm, "cal-hold-s")) common.calibration.hold_s = *hold;
    if (auto ramp = get<double>(vm, "cal-ramp-s")) common.calibration.ramp_s = *ramp;
    // The plan's own checks (order, range, hold, ramp) give the messages.
    if (auto plan = Scenario::calibration(common.calibration);
        auto* error = std::get_if<std::string>(&plan)) {
      return fail("calibration: " + *error);
    }
  } else {
    for (const char* name : {"cal-levels", "cal-hold-s", "cal-ramp-s"}) {
      if (vm.count(name)) return fail("--" + std::string(name) + " needs --scenario calibration");
    }
  }

  std::set<std::string> seen;
  for (std::size_t i = 0; i < mats->size(); ++i) {
    MatConfig mat = common;
    mat.id = (*mats)[i];
    if (!is_valid_mat_id(mat.id)) {
      return fail("invalid mat id '" + mat.id + "': use 1-64 characters of [A-Za-z0-9_-]");
    }
    if (!seen.insert(mat.id).second) return fail("mat id '" + mat.id + "' given twice");
    const std::string& kind = kinds.size() == 1 ? kinds[0] : kinds[i];
    const auto parsed_kind = mat_kind_from_string(kind);
    if (!parsed_kind) return fail("--kind must be bed or chair, not '" + kind + "'");
    mat.kind = *parsed_kind;
    if (scenarios.empty()) {
      mat.scenario = mat.kind == MatKind::kBed ? "night" : "workday";
    } else {
      mat.scenario = scenarios.size() == 1 ? scenarios[0] : scenarios[i];
    }
    cli.mats.push_back(mat);
  }
  if (vm.count("nights")) {
    auto nights = parse_nights(vm, cli.mats);
    if (auto* error = std::get_if<std::string>(&nights)) return fail(*error);
    cli.nights = std::get<MultiNightConfig>(std::move(nights));
  } else {
    for (const char* name : {"start-date", "tz", "gap-rate", "setup-schedule"}) {
      if (vm.count(name)) return fail("--" + std::string(name) + " needs --nights");
    }
  }
  cli.client_id = get<std::string>(vm, "client-id").value_or("");
  return cli;
}

}  // namespace pmap::sim
