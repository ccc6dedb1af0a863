#include "calibrate_tool.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <string>
#include <vector>
#include "calibration_png.hpp"

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include "pmap/calibration/calibration_applier.hpp"
#include "pmap/calibration/calibration_check.hpp"
#include "pmap/calibration/calibration_file.hpp"
#include "pmap/calibration/calibration_fit.hpp"
#include "pmap/calibration/calibration_session.hpp"
#include "pmap/calibration/creep.hpp"
#include "pmap/frame_log.hpp"
#include "pmap/recording.hpp"

namespace pmap::calibration {
namespace {

namespace po = boost::program_options;

constexpr const char* kUsage =
    R"(pmap-calibrate: per-mat, per-taxel calibration of pressure mats (docs/calibration.md)

  pmap-calibrate zero    --input FILE -o CAL [--mat ID] [--serial S] [input options]
  pmap-calibrate fit     --input FILE -o CAL [--zero CAL] [--family F] [input options]
  pmap-calibrate apply   --cal CAL --input FILE -o OUT [input options]
  pmap-calibrate check   --cal CAL --input FILE [--json] [--max-rms-pct X] [input options]
  pmap-calibrate inspect CAL [--json] [--png FILE]

zero:    frames of the empty mat -> per-taxel offset and noise floor (and frozen taxels).
fit:     a calibration session (known uniform pressures, several levels, loading then unloading,
         each held for a while) -> per-taxel monotone raw -> mmHg curves, fit quality, hysteresis
         and creep figures, dead/stuck taxel map. The curve family is chosen from the data.
apply:   writes the calibrated frames (mmHg) in the input's format; dead taxels filled from their
         neighbours (pmaplog: values in 0.1 mmHg, see the doc).
check:   error of the calibration against the known applied pressure of a session, beside a
         single global curve and a single global line (no per-taxel calibration).
inspect: a human summary of a calibration file.

Input: csv = one frame per line `t_ms,applied_mmHg,v0,v1,...` (row-major raw values, applied_mmHg
empty when unknown; needs --rows/--cols), pmaplog = the project's frame log, pmd = PhysioNet PMD
text. The format follows the file name (.csv, .pmaplog, .txt) unless --format is given.
Bad calibrations are refused with the reason and never written (exit 1). Bad command line: exit 2.
)";

struct Exit {
  int code;
};

// ---- reading recordings -----------------------------------------------------------------------

struct InputSpec {
  std::string path;
  RecordingOptions read;
};

std::variant<InputSpec, std::string> input_spec(const po::variables_map& vm) {
  if (vm.count("input") == 0U) return std::string("give --input FILE");
  InputSpec spec;
  spec.path = vm["input"].as<std::string>();
  if (spec.path.empty()) return std::string("--input is empty");
  if (vm.count("format") != 0U) {
    const auto format = recording_format_from_string(vm["format"].as<std::string>());
    if (!format) return std::string("--format must be csv, pmaplog or pmd");
    spec.read.format = *format;
  } else if (spec.path.ends_with(".csv")) {
    spec.read.format = RecordingFormat::kCsv;
  } else if (spec.path.ends_with(".pmaplog")) {
    spec.read.format = RecordingFormat::kPmaplog;
  } else if (spec.path.ends_with(".txt")) {
    spec.read.format = RecordingFormat::kPmd;
  } else {
    return std::string("cannot tell the format of '" + spec.path +
                       "': give --format csv|pmaplog|pmd");
  }
  if ((vm.count("rows") != 0U) != (vm.count("cols") != 0U)) {
    return std::string("give both --rows and --cols, or neither");
  }
  if (vm.count("rows") != 0U) {
    const int rows = vm["rows"].as<int>();
    const int cols = vm["cols"].as<int>();
    if (rows < 1 || rows > 256 || cols < 1 || cols > 256 || rows * cols > 16384) {
      return std::string("--rows and --cols must be 1-256 and at most 16384 taxels together");
    }
    spec.read.rows = static_cast<std::uint16_t>(rows);
    spec.read.cols = static_cast<std::uint16_t>(cols);
  }
  if (spec.read.format == RecordingFormat::kCsv && !spec.read.rows) {
    return std::string("csv input needs --rows and --cols");
  }
  return spec;
}

// The ADC full scale when neither the command line nor the file says: the smallest usual one
// (8-, 10-, 12-, 16-bit, or the 1000-count scale of many mats) at or above every reading seen.
double guess_full_scale(double max_reading) {
  for (const double fs : {255.0, 1000.0, 1023.0, 4095.0}) {
    if (max_reading <= fs) return fs;
  }
  return 65535.0;
}

struct Identity {
  MatIdentity id;
  bool full_scale_known = false;
};

std::variant<Identity, std::string> identity_from(const po::variables_map& vm,
                                                  const RecordingInfo& info,
                                                  const std::string& path) {
  Identity out;
  out.id.rows = info.rows;
  out.id.cols = info.cols;
  out.id.source = std::filesystem::path(path).filename().string();
  if (info.mat) {
    out.id.mat_id = info.mat->id;
    out.id.full_scale_counts = info.mat->full_scale_counts;
    out.full_scale_known = info.mat->full_scale_counts > 0;
  } else if (info.format == RecordingFormat::kPmd) {
    out.id.full_scale_counts = kPmdMaxValue;
    out.full_scale_known = true;
  }
  if (vm.count("mat") != 0U) {
    const std::string id = vm["mat"].as<std::string>();
    if (!is_valid_mat_id(id)) return "--mat '" + id + "' is not a mat id (1-64 of A-Z a-z 0-9 _ -)";
    if (info.mat && info.mat->id != id) {
      return "--mat " + id + " but the recording is of mat '" + info.mat->id + "'";
    }
    out.id.mat_id = id;
  }
  if (out.id.mat_id.empty()) return std::string("give --mat ID (the mat's id, as in its topics)");
  if (vm.count("serial") != 0U) out.id.mat_serial = vm["serial"].as<std::string>();
  if (out.id.mat_serial.size() > 128) return std::string("--serial is longer than 128 characters");
  if (vm.count("full-scale") != 0U) {
    const double fs = vm["full-scale"].as<double>();
    if (!(fs >= 1 && fs <= 65535)) return std::string("--full-scale must be 1-65535 counts");
    out.id.full_scale_counts = fs;
    out.full_scale_known = true;
  }
  return out;
}

int fail(std::ostream& err, const std::string& message, int code = 1) {
  err << "pmap-calibrate: " << message << "\n";
  return code;
}

double seconds(const RecordedFrame& f) {
  return static_cast<double>(f.time_us) / 1e6;
}

// Reads every frame into `sink` (a CalibrationSession or a SessionFitter: add(time, applied,
// values)); returns an error message (with the file and frame) or "".
template <typename Sink>
std::string read_frames(RecordingReader& reader, const std::string& path, Sink& sink,
                        bool all_as_zero, double& max_reading) {
  for (;;) {
    auto record = reader.next();
    if (auto* error = std::get_if<RecordingError>(&record)) return error->message;
    if (std::holds_alternative<RecordingEnd>(record)) break;
    const auto& frame = std::get<RecordedFrame>(record);
    for (const float v : frame.values) max_reading = std::max<double>(max_reading, v);
    std::optional<double> applied = frame.applied_mmhg;
    if (all_as_zero) {
      if (applied && *applied != 0) {
        return path + ": frame " + std::to_string(frame.index) + " has an applied pressure of " +
               std::to_string(*applied) + " mmHg; the zero needs frames of the empty mat";
      }
      applied = 0.0;
    }
    if (auto error = sink.add(seconds(frame), applied, frame.values)) return path + ": " + *error;
  }
  return {};
}

AcceptanceLimits limits_from(const po::variables_map& vm) {
  AcceptanceLimits limits;
  limits.max_unusable_fraction = vm["max-dead-pct"].as<double>() / 100.0;
  limits.max_fit_rms_pct_fs = vm["max-fit-error-pct"].as<double>();
  return limits;
}

std::string fixed(double v, int digits = 2) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(digits) << v;
  return out.str();
}

void print_summary(std::ostream& out, const MatCalibration& c) {
  out << "mat " << c.mat_id << (c.mat_serial.empty() ? "" : " (serial " + c.mat_serial + ")")
      << ", " << c.rows << " x " << c.cols << " taxels, full scale " << c.full_scale_counts
      << " counts, created " << c.created_utc << "\n";
  out << "source: " << c.source << "\n";
  std::vector<double> offsets(c.offset_counts.begin(), c.offset_counts.end());
  std::vector<double> noise(c.noise_counts.begin(), c.noise_counts.end());
  std::sort(offsets.begin(), offsets.end());
  std::sort(noise.begin(), noise.end());
  auto q = [](const std::vector<double>& v, double p) {
    return v.empty() ? 0.0 : v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
  };
  out << "zero: offset median " << fixed(q(offsets, 0.5)) << " counts (5-95 % "
      << fixed(q(offsets, 0.05)) << "-" << fixed(q(offsets, 0.95)) << "), noise median "
      << fixed(q(noise, 0.5)) << " counts (95 % " << fixed(q(noise, 0.95)) << ")\n";
  out << "taxels: " << c.count(TaxelStatus::kOk) << " ok, " << c.count(TaxelStatus::kDead)
      << " dead, " << c.count(TaxelStatus::kStuck) << " stuck\n";
  for (std::size_t i = 0; i < c.status.size(); ++i) {
    if (c.status[i] == TaxelStatus::kOk) continue;
    out << "  " << to_string(c.status[i]) << " taxel " << i << " (row " << i / c.cols << ", col "
        << i % c.cols << ")\n";
  }
  out << "curve: " << to_string(c.family) << " - " << c.family_reason << "\n";
  if (!c.has_curves()) return;
  out << "knots (mmHg):";
  for (const double k : c.knot_mmhg) out << " " << fixed(k, 1);
  out << "\n";
  // Sensitivity: counts per mmHg over the first half of the range, relative to the median taxel.
  const std::size_t m = c.knots();
  const std::size_t mid = m / 2;
  std::vector<double> gain;
  for (std::size_t i = 0; i < c.taxel_count(); ++i) {
    if (c.status[i] != TaxelStatus::kOk) continue;
    gain.push_back((c.knot_counts[i * m + mid] - c.offset_counts[i]) / c.knot_mmhg[mid]);
  }
  std::sort(gain.begin(), gain.end());
  const double median_gain = q(gain, 0.5);
  out << "sensitivity at " << fixed(c.knot_mmhg[mid], 1) << " mmHg: median "
      << fixed(median_gain, 3) << " counts/mmHg, 5-95 % " << fixed(q(gain, 0.05) / median_gain, 3)
      << "-" << fixed(q(gain, 0.95) / median_gain, 3) << " x median\n";
  std::vector<double> fit(c.fit_rms_mmhg.begin(), c.fit_rms_mmhg.end());
  std::sort(fit.begin(), fit.end());
  out << "fit error per taxel (leave-one-level-out): median " << fixed(q(fit, 0.5))
      << " mmHg, 95 % " << fixed(q(fit, 0.95)) << " mmHg (full scale "
      << fixed(c.full_scale_mmhg(), 1) << " mmHg)\n";
  if (c.session) {
    const auto& s = *c.session;
    out << "session: " << s.holds << " holds, median " << fixed(s.hold_s_median, 0)
        << " s; levels (mmHg):";
    for (const double l : s.levels_mmhg) out << " " << fixed(l, 1);
    out << (s.unloading ? "; loading and unloading" : "; loading only") << "\n";
    out << "hysteresis (unloading - loading, % of response): median "
        << fixed(s.hysteresis_pct_median) << ", 95 % " << fixed(s.hysteresis_pct_p95) << "\n";
    out << "creep over a hold (% of signal" << (c.creep ? ", left after compensation" : "")
        << "): median " << fixed(s.creep_pct_median) << ", 95 % " << fixed(s.creep_pct_p95) << "\n";
    if (!s.creep_model.empty()) {
      out << "creep model: " << s.creep_model << " (time constant " << fixed(s.creep_tau_s, 0)
          << " s, median fraction " << fixed(100 * s.creep_fraction_median) << " %, explains "
          << fixed(100 * s.creep_explained, 1) << " % of the change within holds)\n";
    }
    out << "family leave-one-level-out error (% FS):";
    for (const auto& [f, pct] : s.family_cv_rms_pct_fs) out << " " << f << " " << fixed(pct, 3);
    out << "\nsaturated readings left out: " << s.saturated_points
        << "; departure from rising steadily (median taxel): " << fixed(s.departure_pct)
        << " % of its response\n";
    if (!s.levels_beyond_range_mmhg.empty()) {
      out << "levels beyond the calibrated range (over 5 % of taxels saturated):";
      for (const double l : s.levels_beyond_range_mmhg) out << " " << fixed(l, 1);
      out << " mmHg\n";
    }
  }
}

void print_status_map(std::ostream& out, const MatCalibration& c) {
  out << "status map (row 0 first; . ok, D dead, S stuck):\n";
  for (std::size_t r = 0; r < c.rows; ++r) {
    out << "  ";
    for (std::size_t col = 0; col < c.cols; ++col) {
      const auto s = c.status[r * c.cols + col];
      out << (s == TaxelStatus::kOk ? '.' : s == TaxelStatus::kDead ? 'D' : 'S');
    }
    out << "\n";
  }
}

// ---- commands -----------------------------------------------------------------------------------

int run_zero_or_fit(bool zero, const po::variables_map& vm, std::ostream& out, std::ostream& err) {
  auto spec = input_spec(vm);
  if (auto* e = std::get_if<std::string>(&spec)) return fail(err, *e, 2);
  if (vm.count("output") == 0U) return fail(err, "give -o CAL (the calibration file to write)", 2);
  const std::string output = vm["output"].as<std::string>();
  const auto& in = std::get<InputSpec>(spec);
  auto opened = RecordingReader::open(in.path, in.read);
  if (auto* e = std::get_if<RecordingError>(&opened)) return fail(err, e->message);
  auto& reader = std::get<RecordingReader>(opened);
  auto identity = identity_from(vm, reader.info(), in.path);
  if (auto* e = std::get_if<std::string>(&identity)) return fail(err, *e, 2);
  auto& id = std::get<Identity>(identity);

  std::optional<MatCalibration> zero_cal;
  if (!zero && vm.count("zero") != 0U) {
    auto loaded = load_calibration(vm["zero"].as<std::string>(), AcceptanceLimits{1.0, 1e9});
    if (auto* e = std::get_if<CalibrationFileError>(&loaded)) return fail(err, e->message);
    zero_cal = std::move(std::get<MatCalibration>(loaded));
  }
  SessionOptions session_options;
  session_options.settle_fraction = zero ? 1.0 : vm["settle-fraction"].as<double>();
  if (!(session_options.settle_fraction > 0 && session_options.settle_fraction <= 1)) {
    return fail(err, "--settle-fraction must be in (0, 1]", 2);
  }
  const std::size_t taxels = std::size_t{reader.info().rows} * reader.info().cols;
  double max_reading = 0;
  // The full scale: given, or guessed from the largest reading of the file.
  const auto settle_full_scale = [&]() -> std::string {
    if (!id.full_scale_known) id.id.full_scale_counts = guess_full_scale(max_reading);
    if (max_reading <= id.id.full_scale_counts) return {};
    return in.path + ": a reading of " + fixed(max_reading, 0) +
           " counts is above the full scale of " + fixed(id.id.full_scale_counts, 0);
  };
  std::variant<MatCalibration, std::string> result = std::string("no frames");
  if (zero) {
    CalibrationSession session(taxels, session_options);
    if (auto e = read_frames(reader, in.path, session, true, max_reading); !e.empty()) {
      return fail(err, e);
    }
    if (auto e = session.finish()) return fail(err, in.path + ": " + *e);
    if (auto e = settle_full_scale(); !e.empty()) return fail(err, e);
    if (session.holds().size() != 1) return fail(err, in.path + ": no frames");
    result = fit_zero(session.holds().front(), id.id);
  } else {
    FitOptions options;
    if (zero_cal) options.zero = &*zero_cal;
    options.knot_tolerance_pct_fs = vm["knot-tolerance-pct"].as<double>();
    options.max_departure_pct = vm["max-departure-pct"].as<double>();
    if (!(options.knot_tolerance_pct_fs > 0 && options.knot_tolerance_pct_fs <= 10)) {
      return fail(err, "--knot-tolerance-pct must be in (0, 10]", 2);
    }
    const std::string family = vm["family"].as<std::string>();
    if (family != "auto") {
      const auto f = curve_family_from_string(family);
      if (!f || *f == CurveFamily::kNone) {
        return fail(
            err,
            "--family must be auto, piecewise_linear, monotone_cubic, power_law or shared_shape",
            2);
      }
      options.family = *f;
    }
    const std::string creep = vm["creep"].as<std::string>();
    if (creep != "auto" && creep != "off") return fail(err, "--creep must be auto or off", 2);
    // Creep is measured on the readings as they are; when a lag explains it, the file is read a
    // second time with the readings compensated, and the curves are fitted on those.
    SessionFitter fitter(taxels, session_options, creep == "auto", options.zero);
    if (auto e = read_frames(reader, in.path, fitter, false, max_reading); !e.empty()) {
      return fail(err, e);
    }
    if (auto e = settle_full_scale(); !e.empty()) return fail(err, e);
    auto pass = fitter.end_pass(id.id.full_scale_counts);
    if (auto* e = std::get_if<std::string>(&pass)) return fail(err, in.path + ": " + *e);
    if (std::get<SessionFitter::Pass>(pass) == SessionFitter::Pass::kAgain) {
      auto reopened = RecordingReader::open(in.path, in.read);
      if (auto* e = std::get_if<RecordingError>(&reopened)) return fail(err, e->message);
      double unused = 0;
      if (auto e = read_frames(std::get<RecordingReader>(reopened), in.path, fitter, false, unused);
          !e.empty()) {
        return fail(err, e);
      }
      pass = fitter.end_pass(id.id.full_scale_counts);
      if (auto* e = std::get_if<std::string>(&pass)) return fail(err, in.path + ": " + *e);
    }
    result = fitter.fit(id.id, options);
  }
  if (auto* e = std::get_if<std::string>(&result)) return fail(err, in.path + ": " + *e);
  const auto& cal = std::get<MatCalibration>(result);
  print_summary(out, cal);
  const AcceptanceLimits limits = limits_from(vm);
  if (auto reason = validate(cal, limits)) {
    return fail(err, "calibration refused, " + output + " not written: " + *reason);
  }
  if (const auto e = save_calibration(cal, output, limits); !e.empty()) return fail(err, e);
  out << "wrote " << output << "\n";
  return 0;
}

std::variant<MatCalibration, std::string> load_for_use(const po::variables_map& vm) {
  if (vm.count("cal") == 0U) return std::string("give --cal CAL");
  auto loaded = load_calibration(vm["cal"].as<std::string>(), limits_from(vm));
  if (auto* e = std::get_if<CalibrationFileError>(&loaded)) return e->message;
  return std::move(std::get<MatCalibration>(loaded));
}

std::string check_shape(const MatCalibration& cal, const RecordingInfo& info) {
  if (cal.rows != info.rows || cal.cols != info.cols) {
    return "the calibration is for a " + std::to_string(cal.rows) + " x " +
           std::to_string(cal.cols) + " mat, the recording is " + std::to_string(info.rows) +
           " x " + std::to_string(info.cols);
  }
  if (info.mat && info.mat->id != cal.mat_id) {
    return "the calibration is for mat '" + cal.mat_id + "', the recording is of '" + info.mat->id +
           "'";
  }
  return {};
}

int run_apply(const po::variables_map& vm, std::ostream& out, std::ostream& err) {
  auto spec = input_spec(vm);
  if (auto* e = std::get_if<std::string>(&spec)) return fail(err, *e, 2);
  if (vm.count("output") == 0U) return fail(err, "give -o OUT (the calibrated recording)", 2);
  const std::string output = vm["output"].as<std::string>();
  auto loaded = load_for_use(vm);
  if (auto* e = std::get_if<std::string>(&loaded)) return fail(err, *e);
  const auto& cal = std::get<MatCalibration>(loaded);
  if (!cal.has_curves()) {
    return fail(err, "the calibration is zero-only (no pressure curve): fit one first");
  }
  const auto& in = std::get<InputSpec>(spec);
  auto opened = RecordingReader::open(in.path, in.read);
  if (auto* e = std::get_if<RecordingError>(&opened)) return fail(err, e->message);
  auto& reader = std::get<RecordingReader>(opened);
  if (auto e = check_shape(cal, reader.info()); !e.empty()) return fail(err, in.path + ": " + e);
  if (std::filesystem::exists(output) && std::filesystem::equivalent(output, in.path)) {
    return fail(err, "-o must not be the input file", 2);
  }
  const CalibrationApplier applier(cal);
  // Frames are converted in order, following each taxel's hysteresis as the gateway does.
  auto state = applier.make_state();
  const bool history = vm.count("midline") == 0U;
  const std::size_t n = cal.taxel_count();
  std::vector<float> mmhg(n);
  const std::string temporary = output + ".tmp";
  std::optional<FrameLogWriter> log;
  std::ofstream text;
  const RecordingFormat format = reader.info().format;
  if (format == RecordingFormat::kPmaplog) {
    // Frames carry uint16 counts: calibrated frames carry 0.1 mmHg per count, declared in the
    // meta (nominal full scale 6553.5 mmHg at 65535 counts), so any reader gets mmHg back.
    MatDescriptor mat = *reader.info().mat;
    mat.full_scale_counts = 65535;
    mat.nominal_full_scale_mmhg = 6553.5;
    mat.encoding = TaxelEncoding::kUint16;
    mat.firmware =
        (mat.firmware + "; calibrated by pmap-calibrate, 0.1 mmHg per count").substr(0, 200);
    auto created = FrameLogWriter::create(temporary, mat);
    if (auto* e = std::get_if<FrameLogError>(&created)) return fail(err, e->message);
    log.emplace(std::move(std::get<FrameLogWriter>(created)));
  } else {
    text.open(temporary, std::ios::binary | std::ios::trunc);
    if (!text) return fail(err, temporary + ": cannot create");
    if (format == RecordingFormat::kCsv) {
      text << "t_ms,applied_mmHg";
      for (std::size_t i = 0; i < n; ++i) text << ",p" << i;
      text << "\n";
    }
  }
  std::uint64_t frames = 0;
  std::size_t above_range = 0;
  std::uint32_t sequence = 0;
  std::string problem;
  for (;;) {
    auto record = reader.next();
    if (auto* e = std::get_if<RecordingError>(&record)) {
      problem = e->message;
      break;
    }
    if (std::holds_alternative<RecordingEnd>(record)) break;
    const auto& frame = std::get<RecordedFrame>(record);
    applier.apply(frame.values, mmhg, {}, history ? &state : nullptr, seconds(frame));
    above_range += applier.above_range(mmhg);
    if (log) {
      PressureFrame f;
      f.sequence = sequence++;
      f.timestamp_us = frame.time_us;
      f.rows = cal.rows;
      f.cols = cal.cols;
      f.encoding = TaxelEncoding::kUint16;
      f.values.resize(n);
      for (std::size_t i = 0; i < n; ++i) {
        f.values[i] =
            static_cast<std::uint16_t>(std::lround(std::clamp(mmhg[i] * 10.0f, 0.0f, 65535.0f)));
      }
      if (auto e = log->append(f)) {
        problem = e->message;
        break;
      }
    } else if (format == RecordingFormat::kCsv) {
      text << fixed(static_cast<double>(frame.time_us) / 1000.0, 3) << ",";
      if (frame.applied_mmhg) text << *frame.applied_mmhg;
      for (const float p : mmhg) text << "," << fixed(p);
      text << "\n";
    } else {
      // PMD text: the input's layout, one frame per line or one frame as a matrix.
      const bool matrix = reader.info().pmd_layout == PmdLayout::kMatrix;
      for (std::size_t i = 0; i < n; ++i) {
        text << fixed(mmhg[i]);
        const bool row_end = (i + 1) % cal.cols == 0;
        text << ((matrix && row_end) || i + 1 == n ? "\n" : "\t");
      }
    }
    ++frames;
  }
  bool write_failed = false;
  if (log) {
    if (auto e = log->close()) {
      problem = problem.empty() ? e->message : problem;
      write_failed = true;
    }
  } else {
    text.flush();
    write_failed = !text;
    text.close();
  }
  if (!problem.empty() || write_failed) {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    return fail(err, (problem.empty() ? temporary + ": write failed" : problem) + "; " + output +
                         " not written");
  }
  std::error_code ec;
  std::filesystem::rename(temporary, output, ec);
  if (ec) return fail(err, output + ": " + ec.message());
  out << "wrote " << frames << " calibrated frame(s) to " << output << "; " << above_range
      << " taxel reading(s) above the calibrated range (" << fixed(cal.full_scale_mmhg(), 1)
      << " mmHg)\n";
  return 0;
}

nlohmann::ordered_json report_json(const CheckReport& r) {
  nlohmann::ordered_json levels = nlohmann::ordered_json::array();
  for (const auto& l : r.levels) {
    levels.push_back({{"level_mmhg", l.level_mmhg},
                      {"unloading", l.unloading},
                      {"beyond_range", l.beyond_range},
                      {"samples", l.samples},
                      {"rms_mmhg", l.rms_mmhg},
                      {"bias_mmhg", l.bias_mmhg},
                      {"max_abs_mmhg", l.max_abs_mmhg}});
  }
  return {{"full_scale_mmhg", r.full_scale_mmhg},
          {"frames_scored", r.frames_scored},
          {"samples", r.samples},
          {"rms_mmhg", r.rms_mmhg},
          {"rms_pct_fs", r.rms_pct_fs},
          {"bias_mmhg", r.bias_mmhg},
          {"p95_abs_mmhg", r.p95_abs_mmhg},
          {"zero_rms_mmhg", r.zero_rms_mmhg},
          {"above_range", r.above_range},
          {"hold_mean_rms_mmhg", r.hold_mean_rms_mmhg},
          {"hold_mean_rms_pct_fs", r.hold_mean_rms_pct_fs},
          {"beyond_range_samples", r.beyond_range_samples},
          {"beyond_range_rms_mmhg", r.beyond_range_rms_mmhg},
          {"levels", levels}};
}

int run_check(const po::variables_map& vm, std::ostream& out, std::ostream& err) {
  auto spec = input_spec(vm);
  if (auto* e = std::get_if<std::string>(&spec)) return fail(err, *e, 2);
  auto loaded = load_for_use(vm);
  if (auto* e = std::get_if<std::string>(&loaded)) return fail(err, *e);
  const auto& cal = std::get<MatCalibration>(loaded);
  if (!cal.has_curves()) {
    return fail(err, "the calibration is zero-only (no pressure curve): nothing to check");
  }
  const auto& in = std::get<InputSpec>(spec);
  auto opened = RecordingReader::open(in.path, in.read);
  if (auto* e = std::get_if<RecordingError>(&opened)) return fail(err, e->message);
  auto& reader = std::get<RecordingReader>(opened);
  if (auto e = check_shape(cal, reader.info()); !e.empty()) return fail(err, in.path + ": " + e);
  const double settle = vm["settle-fraction"].as<double>();
  if (!(settle > 0 && settle <= 1)) return fail(err, "--settle-fraction must be in (0, 1]", 2);
  // The per-taxel calibration beside what a single curve and a single line would give.
  const MatCalibration global_curve = single_global_curve(cal);
  const MatCalibration global_line = single_global_line(cal);
  const CalibrationApplier per_taxel(cal);
  const CalibrationApplier curve(global_curve);
  const CalibrationApplier line(global_line);
  const bool history = vm.count("midline") == 0U;
  CalibrationCheck checks[] = {CalibrationCheck(per_taxel, settle, history),
                               CalibrationCheck(curve, settle, history),
                               CalibrationCheck(line, settle, history)};
  for (;;) {
    auto record = reader.next();
    if (auto* e = std::get_if<RecordingError>(&record)) return fail(err, e->message);
    if (std::holds_alternative<RecordingEnd>(record)) break;
    const auto& frame = std::get<RecordedFrame>(record);
    for (auto& check : checks) {
      if (auto e = check.add(seconds(frame), frame.applied_mmhg, frame.values))
        return fail(err, in.path + ": " + *e);
    }
  }
  for (auto& check : checks) {
    if (auto e = check.finish()) return fail(err, in.path + ": " + *e);
  }
  const CheckReport& r = checks[0].report();
  if (vm.count("json") != 0U) {
    out << nlohmann::ordered_json{{"calibration", report_json(r)},
                                  {"single_global_curve", report_json(checks[1].report())},
                                  {"single_global_line", report_json(checks[2].report())}}
               .dump(1)
        << "\n";
  } else {
    out << "level_mmHg  branch     rms_mmHg  bias_mmHg  max_abs_mmHg\n";
    for (const auto& l : r.levels) {
      out << std::setw(10) << fixed(l.level_mmhg, 1) << "  " << std::setw(9)
          << (l.unloading ? "unloading" : "loading") << "  " << std::setw(8) << fixed(l.rms_mmhg)
          << "  " << std::setw(9) << fixed(l.bias_mmhg) << "  " << std::setw(12)
          << fixed(l.max_abs_mmhg) << (l.beyond_range ? "  beyond the calibrated range" : "")
          << "\n";
    }
    const char* names[] = {"per-taxel calibration", "single global curve", "single global line"};
    for (int k = 0; k < 3; ++k) {
      const auto& x = checks[k].report();
      out << names[k] << ": rms " << fixed(x.rms_mmhg) << " mmHg = " << fixed(x.rms_pct_fs)
          << " % of full scale (" << fixed(x.full_scale_mmhg, 1) << " mmHg), bias "
          << fixed(x.bias_mmhg) << ", 95 % |error| " << fixed(x.p95_abs_mmhg) << " mmHg, at 0 mmHg "
          << fixed(x.zero_rms_mmhg) << " mmHg rms; hold means " << fixed(x.hold_mean_rms_mmhg)
          << " mmHg = " << fixed(x.hold_mean_rms_pct_fs) << " % FS\n";
    }
    out << "scored " << r.frames_scored << " settled frames, " << r.samples
        << " loaded taxel readings; " << r.above_range << " above the calibrated range";
    if (r.beyond_range_samples > 0) {
      out << "; holds beyond the calibrated range (not in the figures above): "
          << r.beyond_range_samples << " readings, rms " << fixed(r.beyond_range_rms_mmhg)
          << " mmHg";
    }
    out << "\n";
  }
  if (vm.count("max-rms-pct") != 0U && r.rms_pct_fs > vm["max-rms-pct"].as<double>()) {
    return fail(err, "rms error " + fixed(r.rms_pct_fs) +
                         " % of full scale is above --max-rms-pct " +
                         fixed(vm["max-rms-pct"].as<double>()));
  }
  return 0;
}

int run_inspect(const po::variables_map& vm, std::ostream& out, std::ostream& err) {
  if (vm.count("cal") == 0U)
    return fail(err, "give the calibration file: pmap-calibrate inspect CAL", 2);
  const std::string path = vm["cal"].as<std::string>();
  // Inspect shows a calibration even if it would be refused, and says why.
  auto loaded = load_calibration(path, AcceptanceLimits{1.0, 1e9});
  if (auto* e = std::get_if<CalibrationFileError>(&loaded)) return fail(err, e->message);
  const auto& cal = std::get<MatCalibration>(loaded);
  if (vm.count("json") != 0U) {
    out << to_json(cal);
    return 0;
  }
  out << path << "\n";
  print_summary(out, cal);
  print_status_map(out, cal);
  if (vm.count("png") != 0U) {
    const std::string png = vm["png"].as<std::string>();
    if (const auto e = write_calibration_png(cal, png); !e.empty()) return fail(err, e);
    out << "wrote " << png << " (offset, sensitivity, status)\n";
  }
  if (auto reason = validate(cal, limits_from(vm))) {
    out << "REFUSED for use: " << *reason << "\n";
    return 1;
  }
  out << "usable: yes\n";
  return 0;
}

}  // namespace

int run_calibrate(int argc, const char* const argv[], std::ostream& out, std::ostream& err) {
  po::options_description opts("Options");
  // clang-format off
  opts.add_options()
      ("help,h", "show this help and exit")
      ("input,i", po::value<std::string>(), "the recording to read")
      ("output,o", po::value<std::string>(), "the file to write (zero, fit: CAL; apply: OUT)")
      ("cal", po::value<std::string>(), "the calibration file to use (apply, check, inspect)")
      ("zero", po::value<std::string>(), "fit: offsets and noise from this zero-only calibration")
      ("format", po::value<std::string>(), "csv|pmaplog|pmd (default: from the file name)")
      ("rows", po::value<int>(), "the mat's rows (csv: required)")
      ("cols", po::value<int>(), "the mat's columns (csv: required)")
      ("mat", po::value<std::string>(), "the mat's id (pmaplog: its meta's)")
      ("serial", po::value<std::string>(), "the mat's serial number, written into the file")
      ("full-scale", po::value<double>(),
       "the ADC's largest reading, counts (pmaplog: its meta's; pmd 4095; csv: the smallest of "
       "255, 1000, 1023, 4095, 65535 at or above every reading)")
      ("family", po::value<std::string>()->default_value("auto"),
       "fit: auto|piecewise_linear|monotone_cubic|power_law|shared_shape (auto: least "
       "leave-one-level-out "
       "error)")
      ("knot-tolerance-pct", po::value<double>()->default_value(FitOptions{}.knot_tolerance_pct_fs),
       "fit: add knots between levels until straight lines stray less than this % of full scale "
       "from the fitted family (more knots: closer curves, slower conversion)")
      ("settle-fraction", po::value<double>()->default_value(0.5),
       "fit, check: the part of each hold (from its end) that counts")
      ("max-dead-pct", po::value<double>()->default_value(5.0),
       "refuse calibrations with more dead + stuck taxels than this % of all")
      ("max-departure-pct", po::value<double>()->default_value(FitOptions{}.max_departure_pct),
       "fit: refuse sessions whose median taxel departs from rising steadily with pressure by "
       "more than this % of its response")
      ("max-fit-error-pct", po::value<double>()->default_value(AcceptanceLimits{}.max_fit_rms_pct_fs),
       "refuse calibrations whose median taxel fit error is above this % of full scale")
      ("max-rms-pct", po::value<double>(), "check: exit 1 if the rms error is above this % FS")
      ("json", "check, inspect: JSON output")
      ("png", po::value<std::string>(), "inspect: also draw the offset, sensitivity and status maps")
      ("midline",
       "check, apply: use the midline curve on the readings as read, ignoring hysteresis and "
       "creep (each frame alone)")
      ("creep", po::value<std::string>()->default_value("auto"),
       "fit: auto = compensate creep when a lag model explains the session's creep (the file is "
       "then read twice); off = never")
      ("command", po::value<std::string>(), "zero|fit|apply|check|inspect")
      ("positional", po::value<std::vector<std::string>>(), "inspect: CAL");
  // clang-format on
  po::positional_options_description positional;
  positional.add("command", 1).add("positional", -1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(opts).positional(positional).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    return fail(err, std::string(e.what()) + " (see --help)", 2);
  }
  if (vm.count("help") != 0U || argc <= 1) {
    out << kUsage << "\n" << opts << "\n";
    return vm.count("help") != 0U ? 0 : 2;
  }
  if (vm.count("command") == 0U)
    return fail(err, "give a command: zero|fit|apply|check|inspect", 2);
  const std::string command = vm["command"].as<std::string>();
  std::vector<std::string> extra;
  if (vm.count("positional") != 0U) extra = vm["positional"].as<std::vector<std::string>>();
  for (const char* limit : {"max-dead-pct", "max-fit-error-pct", "max-departure-pct"}) {
    const double v = vm[limit].as<double>();
    if (!(v >= 0 && v <= 100)) return fail(err, std::string("--") + limit + " must be 0-100", 2);
  }
  if (command == "inspect") {
    if (extra.size() == 1 && vm.count("cal") == 0U) {
      vm.insert({"cal", po::variable_value(extra.front(), false)});
    } else if (!extra.empty()) {
      return fail(err, "inspect takes one calibration file", 2);
    }
    return run_inspect(vm, out, err);
  }
  if (!extra.empty()) return fail(err, "unexpected argument '" + extra.front() + "'", 2);
  if (command == "zero") return run_zero_or_fit(true, vm, out, err);
  if (command == "fit") return run_zero_or_fit(false, vm, out, err);
  if (command == "apply") return run_apply(vm, out, err);
  if (command == "check") return run_check(vm, out, err);
  return fail(err, "unknown command '" + command + "' (zero|fit|apply|check|inspect)", 2);
}

}  // namespace pmap::calibration
