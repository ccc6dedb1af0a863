#include "pmap/analyze.hpp"

#include <algorithm>
#include <boost/program_options.hpp>
#include <cmath>
#include <ostream>
#include <sstream>

#include "pmap/layout.hpp"
#include "pmap/limits.hpp"
#include "pmap/posture/bed_model.hpp"
#include "pmap/posture/bed_posture.hpp"
#include "pmap/posture/knee_support.hpp"
#include "pmap/posture/landmarks_json.hpp"

namespace pmap::analyze {
namespace {

using nlohmann::ordered_json;
namespace po = boost::program_options;

// Largest full-scale reading of each text format (pmaplog: the meta's).
constexpr std::uint16_t kPmdFullScale = static_cast<std::uint16_t>(kPmdMaxValue);
constexpr std::uint16_t kCsvFullScale = static_cast<std::uint16_t>(kCsvMaxValue);

std::string dump(const ordered_json& j) {
  // File names and messages may hold bytes that are not UTF-8: replace, never throw.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

ordered_json probabilities_json(const std::array<double, posture::kSleepPositionCount>& p) {
  ordered_json out = ordered_json::object();
  for (std::size_t i = 0; i < p.size(); ++i) {
    out[std::string(to_string(static_cast<posture::SleepPosition>(i)))] = p[i];
  }
  return out;
}

ordered_json seat_point_json(const chair::SeatPoint& p) {
  return {{"row", p.row}, {"col", p.col}, {"x_mm", p.x_mm}, {"y_mm", p.y_mm}};
}

ordered_json smoothed_json(const posture::SmoothedPosition& s) {
  // Nobody on the mat, or nothing to go on yet (no occupied frame analysed since the reset).
  if (s.label == posture::SmoothedLabel::kEmpty || !(s.confidence > 0)) return nullptr;
  return {{"confidence", s.confidence}, {"probabilities", probabilities_json(s.probabilities)}};
}

std::optional<std::pair<double, double>> parse_pitch(const std::string& text) {
  auto number = [](const std::string& part) -> std::optional<double> {
    try {
      std::size_t used = 0;
      const double value = std::stod(part, &used);
      if (used != part.size() || !(value >= kMinPitchMm && value <= kMaxPitchMm))
        return std::nullopt;
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

constexpr const char* kUsage =
    R"(pmap-analyze: the PostureMap posture engines over recorded pressure frames (docs/analyze.md)

Usage:
  pmap-analyze --format pmd|csv|pmaplog [--rows R --cols C] [--kind bed|chair] [--mirror]
               [--head first|last|auto] [--pitch-mm ROW[,COL]] FILE...
  pmap-analyze --summary [--format ...] [--db PATH] [--states FILE] [--epoch-seconds N] FILE

Per frame, one JSON object per line on stdout, in order: {"file", "frame" (0-based in the file),
"t_s", "posture" (smoothed causally over the earlier frames of the same file, as the gateway
reports it live), "posture_frame" (this frame alone), confidences, probabilities, head end,
subtype, axis, centre of pressure, landmarks, knee pillow / knee support} for a bed; the chair
engine's fields for a chair. posture is supine|prone|left|right|empty|unknown (chair: the
sitting class|empty|unknown). Problems with a file go to stderr; the other files are still
analysed, and the exit code is 1.

--summary runs the gateway pipeline (validation, conditioning, features, posture engines,
episodes) offline over one recording and prints one JSON report: frame counters, episodes,
minutes per position, turns, bed exits or sitting breaks.

Formats: pmd = PhysioNet PMD text files (one frame per line, or a rows x cols matrix; the shape is
inferred when --rows/--cols are not given); csv = t_ms,applied_mmHg,v0,v1,... per line (needs
--rows/--cols); pmaplog = frame logs written by pmap-sim --output (mat, layout and pitch from the
log's meta). Without --format, files that all end in .pmaplog are read as pmaplog.

Examples:
  pmap-analyze --format pmd --mirror --head auto ../shared/data/pmd/experiment-i/S1/1.txt
  pmap-analyze --format pmd --mirror --head last \
      ../shared/data/pmd/experiment-ii/S1/Air_Mat/Matrix_Air_B1.txt
  pmap-analyze --format csv --rows 32 --cols 32 --kind chair --pitch-mm 14 seat.csv
  pmap-analyze --summary --format pmaplog night.pmaplog --db night.db
)";

}  // namespace

std::variant<AnalysisSetup, std::string> make_setup(const RecordingInfo& info,
                                                    const AnalyzeOptions& options) {
  AnalysisSetup setup;
  setup.head = options.head;
  setup.keep_baseline = options.keep_baseline;
  MatDescriptor& mat = setup.mat;
  if (info.format == RecordingFormat::kPmaplog) {
    if (!info.mat) return std::string("frame log without a meta");
    mat = *info.mat;
    if (options.kind && *options.kind != mat.kind) {
      return "the frame log is of a " + std::string(to_string(mat.kind)) + " mat, not a " +
             std::string(to_string(*options.kind));
    }
    if (options.mirror)
      return std::string("--mirror does not apply: the log's meta has the layout");
    if (options.pitch_mm) {
      return std::string("--pitch-mm does not apply: the log's meta has the pitch");
    }
    if (options.head == HeadMode::kLast) {
      mat.layout.first_row =
          mat.layout.first_row == RowOrigin::kNear ? RowOrigin::kFar : RowOrigin::kNear;
    }
    return setup;
  }
  mat.id = "recording";
  mat.kind = options.kind.value_or(MatKind::kBed);
  mat.rows = info.rows;
  mat.cols = info.cols;
  const auto pitch = options.pitch_mm.value_or(std::make_pair(kDefaultPitchMm, kDefaultPitchMm));
  mat.row_pitch_mm = pitch.first;
  mat.col_pitch_mm = pitch.second;
  mat.sample_rate_hz = info.sample_rate_hz > 0 ? info.sample_rate_hz : 1.0;
  mat.layout = MatLayout{options.head == HeadMode::kLast ? RowOrigin::kFar : RowOrigin::kNear,
                         options.mirror};
  mat.full_scale_counts = info.format == RecordingFormat::kPmd ? kPmdFullScale : kCsvFullScale;
  mat.firmware = "recording (" + std::string(to_string(info.format)) + ")";
  return setup;
}

Eigen::MatrixXf canonical_image(const RecordedFrame& frame, const MatDescriptor& mat) {
  const std::size_t rows = mat.rows;
  const std::size_t cols = mat.cols;
  Eigen::MatrixXf image(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols));
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < cols; ++c) {
      const TaxelIndex src = canonical_to_mat({r, c}, rows, cols, mat.layout);
      image(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c)) =
          frame.values[src.row * cols + src.col];
    }
  }
  return image;
}

FrameAnalyzer::FrameAnalyzer(AnalysisSetup setup) : setup_(std::move(setup)) {}

ordered_json FrameAnalyzer::analyze(const std::string& file, const RecordedFrame& frame) {
  if (!first_time_us_) first_time_us_ = frame.time_us;
  const double t_s = static_cast<double>(frame.time_us - *first_time_us_) / 1e6;
  ordered_json out{{"file", file},
                   {"frame", frame.index},
                   {"t_s", t_s},
                   {"posture", "unknown"},
                   {"posture_frame", "unknown"}};
  if (frame.applied_mmhg) out["applied_mmHg"] = *frame.applied_mmhg;
  if (frame.values.size() != std::size_t{setup_.mat.rows} * setup_.mat.cols) {
    out["error"] = "frame has " + std::to_string(frame.values.size()) + " values, expected " +
                   std::to_string(std::size_t{setup_.mat.rows} * setup_.mat.cols);
    return out;
  }
  const Eigen::MatrixXf image = canonical_image(frame, setup_.mat);
  if (setup_.mat.kind == MatKind::kBed) {
    analyze_bed(image, t_s, out);
  } else {
    analyze_chair(image, t_s, out);
  }
  return out;
}

void FrameAnalyzer::analyze_bed(const Eigen::MatrixXf& image, double t_s, ordered_json& out) {
  const MatDescriptor& mat = setup_.mat;
  posture::BedAnalysisOptions options;
  // --head first/last: the canonical image has the head at row 0 (last was turned round).
  if (setup_.head != HeadMode::kAuto) options.head_end = posture::HeadEnd::kFirstRow;
  options.remove_baseline = !setup_.keep_baseline;
  const posture::BedPostureResult result =
      posture::analyze_bed_frame(image, mat, posture::builtin_bed_model(), options);
  if (const auto* error = std::get_if<posture::PostureError>(&result)) {
    const posture::SmoothedPosition s = smoother_.observe_error();
    out["posture"] = to_string(s.label);
    out["smoothed"] = smoothed_json(s);
    out["error"] = error->message;
    return;
  }
  const auto& bed = std::get<posture::BedPosture>(result);
  out["occupied"] = bed.occupied;
  // Load above the bare mat (its 20th percentile, as the bed engine takes it) for the occupancy
  // tracker, which only compares a frame's load with the settled load: any unit will do.
  thread_local std::vector<float> values;
  values.assign(image.data(), image.data() + image.size());
  const auto base_at = values.begin() + static_cast<std::ptrdiff_t>(0.2 * (values.size() - 1));
  std::nth_element(values.begin(), base_at, values.end());
  const double load = static_cast<double>((image.array() - *base_at).cwiseMax(0.0F).sum());
  out["occupancy"] = to_string(occupancy_.update(bed.occupied, load, bed.contact_area_cm2, t_s));
  out["contact_area_cm2"] = bed.contact_area_cm2;
  out["contact_fraction"] = bed.contact_mat_fraction;
  if (!bed.occupied) {
    const posture::SmoothedPosition s = smoother_.observe_empty();
    out["posture"] = to_string(s.label);
    out["posture_frame"] = "empty";
    return;
  }
  const posture::SmoothedPosition s = smoother_.observe(bed.position_probabilities, t_s);
  out["posture"] = to_string(s.label);
  out["posture_frame"] = to_string(bed.position);
  out["confidence"] = bed.position_confidence;
  out["novelty"] = bed.position_novelty;
  out["probabilities"] = probabilities_json(bed.position_probabilities);
  out["smoothed"] = smoothed_json(s);
  out["subtype"] = bed.subtype == posture::LateralSubtype::kNotLateral
                       ? ordered_json(nullptr)
                       : ordered_json(to_string(bed.subtype));
  out["subtype_confidence"] = bed.subtype_confidence;
  out["head_end"] = to_string(bed.head_end);
  out["head_end_confidence"] = bed.head_end_confidence;
  out["axis_deg"] = bed.axis_angle_deg;
  out["axis_spread_mm"] = {{"major", bed.axis_spread_mm.x()}, {"minor", bed.axis_spread_mm.y()}};
  const double x = bed.centre_of_pressure_mm.x();
  const double y = bed.centre_of_pressure_mm.y();
  out["cop"] = {{"row", y / mat.row_pitch_mm - 0.5},
                {"col", x / mat.col_pitch_mm - 0.5},
                {"x_mm", x},
                {"y_mm", y}};
  out["landmarks"] = posture::landmarks_json<ordered_json>(bed.landmarks);
  out["knee_pillow"] = nullptr;
  out["knee_support"] = nullptr;
  const auto knees = posture::analyze_knee_support(image, mat, bed, posture::KneeSupportModel{});
  if (const auto* k = std::get_if<posture::KneeSupportResult>(&knees)) {
    if (k->side) {
      out["knee_pillow"] = {{"state", to_string(k->side->state)},
                            {"top_knee_offset_cm", k->side->top_knee_offset_cm},
                            {"pelvic_roll_deg", k->side->pelvic_roll_deg},
                            {"confidence", k->side->confidence}};
    }
    if (k->supine) {
      out["knee_support"] = {
          {"state", to_string(k->supine->support)},
          {"pelvic_tilt_deg", k->supine->pelvic_tilt_deg},
          {"confidence", k->supine->confidence},
          {"flexion_score", k->supine->measures.flexion_score},
          // null when the heels carry nothing (infinite ratio)
          {"knee_to_heel_ratio", std::isfinite(k->supine->measures.knee_to_heel_ratio)
                                     ? nlohmann::json(k->supine->measures.knee_to_heel_ratio)
                                     : nlohmann::json(nullptr)},
          {"knee_bridge_cm", k->supine->measures.knee_bridge_mm / 10.0}};
    }
  } else {
    out["knee_error"] = std::get<posture::PostureError>(knees).message;
  }
}

void FrameAnalyzer::analyze_chair(const Eigen::MatrixXf& image, double t_s, ordered_json& out) {
  const auto result = chair::analyze_chair_frame(image, setup_.mat);
  if (const auto* error = std::get_if<chair::ChairPostureError>(&result)) {
    out["error"] = error->message;
    return;
  }
  const auto& seat = std::get<chair::ChairPostureResult>(result);
  out["occupied"] = seat.occupied;
  out["contact_area_cm2"] = seat.contact_area_cm2;
  const std::optional<chair::WeightShift> shift = shifts_.update(seat, t_s);
  if (!seat.occupied) {
    out["posture"] = "empty";
    out["posture_frame"] = "empty";
    return;
  }
  const std::string sitting(chair::to_string(seat.sitting_class));
  out["posture"] = sitting;
  out["posture_frame"] = sitting;
  auto it = [](const chair::IschialPeak& p) -> ordered_json {
    if (!p.found) return nullptr;
    ordered_json j = seat_point_json(p.position);
    j["load_share_pct"] = p.load_share_pct;
    j["peak_pressure_index"] = p.peak_pressure_index;
    return j;
  };
  out["pelvic_obliquity_deg"] = seat.obliquity_deg;
  out["pelvic_tilt_deg"] = seat.tilt_deg;
  out["it_right"] = it(seat.right_it);
  out["it_left"] = it(seat.left_it);
  out["it_separation_mm"] = seat.it_separation_mm;
  out["it_confidence"] = seat.it_confidence;
  out["wallet"] = seat.wallet.detected ? ordered_json(chair::to_string(seat.wallet.side))
                                       : ordered_json(nullptr);
  out["wallet_confidence"] = seat.wallet.confidence;
  out["peak_pressure_index"] = seat.peak_pressure_index;
  out["peak_pressure_index_unit"] = "counts";
  out["dispersion_index_pct"] = seat.dispersion_index_pct;
  out["cop"] = seat_point_json(seat.centre_of_pressure);
  out["weight_shifts"] = shifts_.shift_count();
  out["weight_shift_ended"] = shift ? ordered_json{{"start_s", shift->start_s},
                                                   {"end_s", shift->end_s},
                                                   {"max_excursion_mm", shift->max_excursion_mm}}
                                    : ordered_json(nullptr);
}

std::variant<AnalyzeCli, CliExit> parse_analyze_cli(int argc, const char* const argv[]) {
  po::options_description opts("Options");
  // clang-format off
  opts.add_options()
      ("help,h", "show this help and exit")
      ("format", po::value<std::string>(), "pmd|csv|pmaplog")
      ("rows", po::value<int>(), "the mat's rows, 1-256 (pmd: inferred when not given)")
      ("cols", po::value<int>(), "the mat's columns, 1-256")
      ("kind", po::value<std::string>(), "bed|chair (default bed; pmaplog: its meta)")
      ("mirror", "the file's columns are mirrored (PMD: yes)")
      ("head", po::value<std::string>()->default_value("auto"),
       "first|last|auto: head at row 0, at the last row (mat turned round), or found by the "
       "engine")
      ("pitch-mm", po::value<std::string>(),
       "taxel pitch ROW[,COL] in mm, 1-200 (default 25.4; pmaplog: its meta)")
      ("summary", "the gateway pipeline's report over one recording instead of per-frame JSON")
      ("keep-baseline", "ablation: the bed engine keeps the bare mat's idle reading instead of "
       "removing it (docs/calibration.md)")
      ("db", po::value<std::string>(), "--summary: also store epochs and episodes in this SQLite file")
      ("states", po::value<std::string>(),
       "--summary: write every state document the gateway would publish, one JSON per line")
      ("epoch-seconds", po::value<std::int64_t>()->default_value(5), "--summary: epoch length, 1-3600")
      ("input", po::value<std::vector<std::string>>(), "a recording (same as a FILE argument)")
      ("file", po::value<std::vector<std::string>>(), "recordings to analyse");
  // clang-format on
  po::positional_options_description positional;
  positional.add("file", -1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(opts).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    return CliExit{"", e.what()};
  }
  if (vm.count("help") != 0U) {
    std::ostringstream help;
    help << kUsage << "\n" << opts << "\n";
    return CliExit{help.str(), ""};
  }
  auto fail = [](std::string message) { return CliExit{"", std::move(message)}; };
  AnalyzeCli cli;
  for (const char* name : {"input", "file"}) {
    if (vm.count(name) != 0U) {
      for (const auto& f : vm[name].as<std::vector<std::string>>()) cli.files.push_back(f);
    }
  }
  if (cli.files.empty()) return fail("give at least one FILE");
  for (const auto& f : cli.files) {
    if (f.empty()) return fail("a FILE argument is empty");
  }
  AnalyzeOptions& o = cli.options;
  if (vm.count("format") != 0U) {
    const auto format = recording_format_from_string(vm["format"].as<std::string>());
    if (!format) return fail("--format must be pmd, csv or pmaplog");
    o.format = *format;
  } else {
    for (const auto& f : cli.files) {
      if (!f.ends_with(".pmaplog")) return fail("give --format pmd|csv|pmaplog");
    }
    o.format = RecordingFormat::kPmaplog;
  }
  if ((vm.count("rows") != 0U) != (vm.count("cols") != 0U)) {
    return fail("give both --rows and --cols, or neither");
  }
  if (vm.count("rows") != 0U) {
    const int rows = vm["rows"].as<int>();
    const int cols = vm["cols"].as<int>();
    if (rows < 1 || rows > 256 || cols < 1 || cols > 256) {
      return fail("--rows and --cols must be 1-256");
    }
    if (rows * cols > 16384) return fail("--rows x --cols must be at most 16384 taxels");
    o.rows = static_cast<std::uint16_t>(rows);
    o.cols = static_cast<std::uint16_t>(cols);
  }
  if (o.format == RecordingFormat::kCsv && !o.rows)
    return fail("--format csv needs --rows and --cols");
  if (vm.count("kind") != 0U) {
    const auto kind = mat_kind_from_string(vm["kind"].as<std::string>());
    if (!kind) return fail("--kind must be bed or chair");
    o.kind = *kind;
  }
  o.mirror = vm.count("mirror") != 0U;
  o.keep_baseline = vm.count("keep-baseline") != 0U;
  const std::string head = vm["head"].as<std::string>();
  if (head == "first") {
    o.head = HeadMode::kFirst;
  } else if (head == "last") {
    o.head = HeadMode::kLast;
  } else if (head == "auto") {
    o.head = HeadMode::kAuto;
  } else {
    return fail("--head must be first, last or auto");
  }
  if (vm.count("pitch-mm") != 0U) {
    o.pitch_mm = parse_pitch(vm["pitch-mm"].as<std::string>());
    if (!o.pitch_mm) return fail("--pitch-mm must be ROW or ROW,COL in mm, each 1-200");
  }
  cli.summary = vm.count("summary") != 0U;
  if (vm.count("db") != 0U) cli.db_path = vm["db"].as<std::string>();
  if (vm.count("states") != 0U) cli.states_path = vm["states"].as<std::string>();
  cli.epoch_seconds = vm["epoch-seconds"].as<std::int64_t>();
  if (cli.summary) {
    if (cli.files.size() != 1) return fail("--summary takes exactly one FILE");
    if (cli.epoch_seconds < 1 || cli.epoch_seconds > 3600) {
      return fail("--epoch-seconds must be 1-3600");
    }
  } else if (!cli.db_path.empty() || !cli.states_path.empty()) {
    return fail("--db and --states need --summary");
  }
  return cli;
}

int run_analyze(const AnalyzeCli& cli, std::ostream& out, std::ostream& err) {
  if (cli.summary) return run_summary(cli, out, err);
  bool failed = false;
  RecordingOptions read_options;
  read_options.format = cli.options.format;
  read_options.rows = cli.options.rows;
  read_options.cols = cli.options.cols;
  for (const std::string& file : cli.files) {
    auto opened = RecordingReader::open(file, read_options);
    if (const auto* error = std::get_if<RecordingError>(&opened)) {
      err << "pmap-analyze: error: " << error->message << "\n";
      failed = true;
      continue;
    }
    auto& reader = std::get<RecordingReader>(opened);
    auto setup = make_setup(reader.info(), cli.options);
    if (const auto* error = std::get_if<std::string>(&setup)) {
      err << "pmap-analyze: error: " << file << ": " << *error << "\n";
      failed = true;
      continue;
    }
    FrameAnalyzer analyzer(std::get<AnalysisSetup>(std::move(setup)));
    for (;;) {
      RecordingRecord record = reader.next();
      if (std::holds_alternative<RecordingEnd>(record)) break;
      if (const auto* error = std::get_if<RecordingError>(&record)) {
        err << "pmap-analyze: error: " << error->message << "\n";
        failed = true;
        break;
      }
      out << dump(analyzer.analyze(file, std::get<RecordedFrame>(record))) << "\n";
    }
    out.flush();
  }
  return failed ? 1 : 0;
}

}  // namespace pmap::analyze
