#include "pmap/recording.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <deque>
#include <fstream>
#include <utility>

#include "pmap/frame_log.hpp"
#include "pmap/limits.hpp"

namespace pmap {
namespace {

/// PMD experiment-i: 64 x 32 = 2048 values per line.
constexpr std::size_t kPmdExperimentIValues = 2048;
constexpr std::uint16_t kPmdExperimentIRows = 64;
constexpr std::uint16_t kPmdExperimentICols = 32;
/// Largest |t_ms| accepted in a CSV (about 3000 years): keeps t_ms * 1000 inside int64.
constexpr double kCsvMaxTimeMs = 1e14;

enum class LineRead { kLine, kEof, kTooLong };

// One line without its "\n" / "\r\n", at most kMaxRecordingLineBytes long.
LineRead read_capped_line(std::istream& in, std::string& out) {
  out.clear();
  std::streambuf* buffer = in.rdbuf();
  bool any = false;
  for (;;) {
    const int ch = buffer->sbumpc();
    if (ch == std::char_traits<char>::eof()) {
      if (!any) return LineRead::kEof;
      break;
    }
    any = true;
    if (ch == '\n') break;
    if (out.size() >= kMaxRecordingLineBytes) return LineRead::kTooLong;
    out.push_back(static_cast<char>(ch));
  }
  if (!out.empty() && out.back() == '\r') out.pop_back();
  return LineRead::kLine;
}

bool is_separator(char ch) {
  return ch == ' ' || ch == '\t' || ch == '\r';
}

bool is_blank(std::string_view line) {
  for (const char ch : line) {
    if (!is_separator(ch)) return false;
  }
  return true;
}

// A short, printable rendering of a token for error messages (binary junk stays readable).
std::string printable(std::string_view token) {
  std::string out;
  const std::size_t n = std::min<std::size_t>(token.size(), 16);
  for (std::size_t i = 0; i < n; ++i) {
    const auto ch = static_cast<unsigned char>(token[i]);
    if (ch >= 0x20 && ch < 0x7F) {
      out.push_back(static_cast<char>(ch));
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02X", ch);
      out += hex;
    }
  }
  if (token.size() > n) out += "...";
  return out;
}

std::string format_number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.10g", value);
  return text;
}

// Parses a whole token as a finite number in [lo, hi]; returns an error text or empty.
std::string parse_number(std::string_view token, double lo, double hi, double* value) {
  const char* first = token.data();
  const char* last = token.data() + token.size();
  const auto [end, ec] = std::from_chars(first, last, *value);
  if (ec == std::errc::result_out_of_range)
    return "number out of range: '" + printable(token) + "'";
  if (ec != std::errc{} || end != last) return "not a number: '" + printable(token) + "'";
  if (!std::isfinite(*value)) return "not a finite number: '" + printable(token) + "'";
  if (*value < lo || *value > hi) {
    return "value " + format_number(*value) + " outside " + format_number(lo) + ".." +
           format_number(hi);
  }
  return {};
}

// Whitespace-separated values of a PMD line (spaces, tabs, CR; trailing separators allowed).
std::string parse_pmd_line(std::string_view line, std::vector<float>* values) {
  values->clear();
  std::size_t i = 0;
  while (i < line.size()) {
    if (is_separator(line[i])) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < line.size() && !is_separator(line[j])) ++j;
    double value = 0;
    const std::string problem = parse_number(line.substr(i, j - i), 0, kPmdMaxValue, &value);
    if (!problem.empty()) return problem + " (value " + std::to_string(values->size() + 1) + ")";
    values->push_back(static_cast<float>(value));
    i = j;
  }
  return {};
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_separator(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_separator(text.back())) text.remove_suffix(1);
  return text;
}

std::optional<std::string> check_shape(std::uint16_t rows, std::uint16_t cols) {
  if (rows < 1 || rows > kMaxRows || cols < 1 || cols > kMaxCols) {
    return "rows and cols must be 1.." + std::to_string(kMaxRows) + " (got " +
           std::to_string(rows) + " x " + std::to_string(cols) + ")";
  }
  if (std::size_t{rows} * cols > kMaxTaxels) {
    return "rows x cols must be at most " + std::to_string(kMaxTaxels) + " (got " +
           std::to_string(rows) + " x " + std::to_string(cols) + ")";
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(RecordingFormat format) {
  switch (format) {
    case RecordingFormat::kPmd:
      return "pmd";
    case RecordingFormat::kCsv:
      return "csv";
    case RecordingFormat::kPmaplog:
      return "pmaplog";
  }
  return "unknown";
}

std::optional<RecordingFormat> recording_format_from_string(std::string_view text) {
  if (text == "pmd") return RecordingFormat::kPmd;
  if (text == "csv") return RecordingFormat::kCsv;
  if (text == "pmaplog") return RecordingFormat::kPmaplog;
  return std::nullopt;
}

struct RecordingReader::Impl {
  std::string path;
  RecordingInfo info;
  std::ifstream in;
  std::uint64_t line_number = 0;  ///< last line read from `in`
  /// Lines read ahead while opening (line number, text), served before `in`.
  std::deque<std::pair<std::uint64_t, std::string>> pending;
  std::optional<FrameLogReader> log;
  std::optional<RecordingRecord> final;
  std::uint64_t frames = 0;
  std::optional<double> last_t_ms;
  std::vector<float> scratch;

  RecordingError error_at(std::uint64_t line, const std::string& message) const {
    return RecordingError{path + ":" + std::to_string(line) + ": " + message};
  }
  RecordingError error(const std::string& message) const {
    return RecordingError{path + ": " + message};
  }

  // The next non-blank line; nullopt at the end of the file. A too-long line sets `problem`.
  std::optional<std::pair<std::uint64_t, std::string>> next_line(
      std::optional<RecordingError>* problem) {
    if (!pending.empty()) {
      auto line = std::move(pending.front());
      pending.pop_front();
      return line;
    }
    std::string text;
    for (;;) {
      const LineRead read = read_capped_line(in, text);
      if (read == LineRead::kEof) return std::nullopt;
      ++line_number;
      if (read == LineRead::kTooLong) {
        *problem =
            error_at(line_number, "line longer than " + std::to_string(kMaxRecordingLineBytes) +
                                      " bytes (not a text recording?)");
        return std::nullopt;
      }
      if (!is_blank(text)) return std::make_pair(line_number, std::move(text));
    }
  }

  RecordingRecord finish(RecordingRecord record) {
    final = record;
    return record;
  }

  RecordingRecord end_of_file() {
    if (frames == 0) return finish(error("no frames (empty file?)"));
    return finish(RecordingEnd{});
  }

  RecordingRecord frame_out(RecordedFrame frame) {
    if (frames >= kMaxRecordingFrames) {
      return finish(error_at(frame.line, "more than " + std::to_string(kMaxRecordingFrames) +
                                             " frames (the reader's limit): split the file"));
    }
    frame.index = frames++;
    return frame;
  }

  RecordingRecord next_pmd();
  RecordingRecord next_csv();
  RecordingRecord next_pmaplog();
};

RecordingRecord RecordingReader::Impl::next_pmd() {
  const std::size_t taxels = std::size_t{info.rows} * info.cols;
  std::optional<RecordingError> problem;
  RecordedFrame frame;
  frame.values.reserve(taxels);
  const std::size_t lines_per_frame = info.pmd_layout == PmdLayout::kMatrix ? info.rows : 1;
  const std::size_t values_per_line = info.pmd_layout == PmdLayout::kMatrix ? info.cols : taxels;
  for (std::size_t i = 0; i < lines_per_frame; ++i) {
    auto line = next_line(&problem);
    if (problem) return finish(*problem);
    if (!line) {
      if (i == 0) return end_of_file();
      return finish(
          error_at(line_number, "incomplete frame at the end of the file: " + std::to_string(i) +
                                    " of " + std::to_string(info.rows) + " rows"));
    }
    if (i == 0) frame.line = line->first;
    const std::string bad = parse_pmd_line(line->second, &scratch);
    if (!bad.empty()) return finish(error_at(line->first, bad));
    if (scratch.size() != values_per_line) {
      return finish(error_at(line->first, "expected " + std::to_string(values_per_line) +
                                              " values, got " + std::to_string(scratch.size()) +
                                              " (check --rows/--cols)"));
    }
    frame.values.insert(frame.values.end(), scratch.begin(), scratch.end());
  }
  frame.time_us = static_cast<std::int64_t>(frames) * 1'000'000;
  return frame_out(std::move(frame));
}

RecordingRecord RecordingReader::Impl::next_csv() {
  const std::size_t taxels = std::size_t{info.rows} * info.cols;
  std::optional<RecordingError> problem;
  auto line = next_line(&problem);
  if (problem) return finish(*problem);
  if (!line) return end_of_file();
  const std::string_view text = line->second;
  RecordedFrame frame;
  frame.line = line->first;
  frame.values.reserve(taxels);
  std::size_t field = 0;
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = text.find(',', start);
    const std::string_view token =
        trim(text.substr(start, comma == std::string_view::npos ? comma : comma - start));
    double value = 0;
    if (field == 0) {
      const std::string bad = parse_number(token, 0, kCsvMaxTimeMs, &value);
      if (!bad.empty()) return finish(error_at(frame.line, "t_ms: " + bad));
      if (last_t_ms && value < *last_t_ms) {
        return finish(error_at(frame.line, "t_ms " + format_number(value) +
                                               " is earlier than the previous frame's " +
                                               format_number(*last_t_ms)));
      }
      last_t_ms = value;
      frame.time_us = static_cast<std::int64_t>(std::llround(value * 1000.0));
    } else if (field == 1) {
      if (!token.empty()) {
        const std::string bad = parse_number(token, -1e6, 1e6, &value);
        if (!bad.empty()) return finish(error_at(frame.line, "applied_mmHg: " + bad));
        frame.applied_mmhg = value;
      }
    } else if (field - 2 < taxels) {
      const std::string bad = parse_number(token, 0, kCsvMaxValue, &value);
      if (!bad.empty()) {
        return finish(error_at(frame.line, "column " + std::to_string(field + 1) + ": " + bad));
      }
      frame.values.push_back(static_cast<float>(value));
    }
    ++field;
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  if (field != taxels + 2) {
    return finish(error_at(
        frame.line, "expected " + std::to_string(taxels + 2) + " columns (t_ms, applied_mmHg and " +
                        std::to_string(info.rows) + " x " + std::to_string(info.cols) +
                        " values), got " + std::to_string(field) + " (check --rows/--cols)"));
  }
  return frame_out(std::move(frame));
}

RecordingRecord RecordingReader::Impl::next_pmaplog() {
  FrameLogRecord record = log->next();
  if (std::holds_alternative<FrameLogEnd>(record)) return end_of_file();
  if (const auto* bad = std::get_if<FrameLogError>(&record)) {
    return finish(error(bad->message + " (at byte " + std::to_string(bad->offset) + ", frame " +
                        std::to_string(frames) + ")"));
  }
  const auto& wire = std::get<PressureFrame>(record);
  RecordedFrame frame;
  frame.time_us = wire.timestamp_us;
  frame.applied_mmhg = log->annotation().applied_mmhg;  // version-2 logs of calibration sessions
  frame.values.assign(wire.values.begin(), wire.values.end());
  return frame_out(std::move(frame));
}

RecordingReader::RecordingReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RecordingReader::RecordingReader(RecordingReader&&) noexcept = default;
RecordingReader& RecordingReader::operator=(RecordingReader&&) noexcept = default;
RecordingReader::~RecordingReader() = default;

const RecordingInfo& RecordingReader::info() const {
  return impl_->info;
}

RecordingRecord RecordingReader::next() {
  if (impl_->final) return *impl_->final;
  switch (impl_->info.format) {
    case RecordingFormat::kPmd:
      return impl_->next_pmd();
    case RecordingFormat::kCsv:
      return impl_->next_csv();
    case RecordingFormat::kPmaplog:
      return impl_->next_pmaplog();
  }
  return impl_->finish(impl_->error("unknown format"));
}

std::variant<RecordingReader, RecordingError> RecordingReader::open(
    const std::filesystem::path& path, const RecordingOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->path = path.string();
  impl->info.format = options.format;
  if (options.rows.has_value() != options.cols.has_value()) {
    return impl->error("give both rows and cols, or neither");
  }
  if (options.rows) {
    if (auto bad = check_shape(*options.rows, *options.cols)) return impl->error(*bad);
  }
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) return impl->error("no such file");
  if (std::filesystem::is_directory(status)) return impl->error("is a directory, not a file");

  if (options.format == RecordingFormat::kPmaplog) {
    auto opened = FrameLogReader::open(path);
    if (const auto* bad = std::get_if<FrameLogError>(&opened)) {
      return impl->error(bad->message +
                         (bad->offset > 0 ? " (at byte " + std::to_string(bad->offset) + ")" : ""));
    }
    impl->log.emplace(std::move(std::get<FrameLogReader>(opened)));
    const MatDescriptor& mat = impl->log->mat();
    if (options.rows && (*options.rows != mat.rows || *options.cols != mat.cols)) {
      return impl->error("the frame log's mat is " + std::to_string(mat.rows) + " x " +
                         std::to_string(mat.cols) + ", not " + std::to_string(*options.rows) +
                         " x " + std::to_string(*options.cols));
    }
    impl->info.rows = mat.rows;
    impl->info.cols = mat.cols;
    impl->info.mat = mat;
    impl->info.sample_rate_hz = mat.sample_rate_hz;
    return RecordingReader(std::move(impl));
  }

  impl->in.open(path, std::ios::binary);
  if (!impl->in) return impl->error("cannot open for reading");
  std::optional<RecordingError> problem;
  auto first = impl->next_line(&problem);
  if (problem) return *problem;
  if (!first) return impl->error("empty file (no frames)");

  if (options.format == RecordingFormat::kCsv) {
    if (!options.rows) return impl->error("csv needs the mat's rows and cols");
    impl->info.rows = *options.rows;
    impl->info.cols = *options.cols;
    const unsigned char lead = static_cast<unsigned char>(trim(first->second).front());
    // A header (first line starting with anything but a digit) is skipped; data lines go back.
    if (lead >= '0' && lead <= '9') impl->pending.push_back(std::move(*first));
    return RecordingReader(std::move(impl));
  }

  // PMD: work out the layout (and the shape, when not given) from the first line.
  impl->info.sample_rate_hz = kPmdSampleRateHz;
  const std::string bad = parse_pmd_line(first->second, &impl->scratch);
  if (!bad.empty()) return impl->error_at(first->first, bad);
  const std::size_t n = impl->scratch.size();
  if (options.rows) {
    const std::uint16_t rows = *options.rows;
    const std::uint16_t cols = *options.cols;
    impl->info.rows = rows;
    impl->info.cols = cols;
    PmdLayout layout = options.pmd_layout;
    if (layout == PmdLayout::kAuto) {
      if (n == std::size_t{rows} * cols) {
        layout = PmdLayout::kFramePerLine;
      } else if (n == cols) {
        layout = PmdLayout::kMatrix;
      } else {
        return impl->error_at(first->first, std::to_string(n) + " values on the line: expected " +
                                                std::to_string(std::size_t{rows} * cols) +
                                                " (one frame per line) or " + std::to_string(cols) +
                                                " (one matrix row per line) for " +
                                                std::to_string(rows) + " x " +
                                                std::to_string(cols) + " (check --rows/--cols)");
      }
    }
    impl->info.pmd_layout = layout;
    impl->pending.push_back(std::move(*first));
    return RecordingReader(std::move(impl));
  }
  if (n == kPmdExperimentIValues && options.pmd_layout != PmdLayout::kMatrix) {
    impl->info.rows = kPmdExperimentIRows;
    impl->info.cols = kPmdExperimentICols;
    impl->info.pmd_layout = PmdLayout::kFramePerLine;
    impl->pending.push_back(std::move(*first));
    return RecordingReader(std::move(impl));
  }
  if (n < 1 || n > kMaxCols || options.pmd_layout == PmdLayout::kFramePerLine) {
    return impl->error_at(first->first, std::to_string(n) +
                                            " values on the line: cannot infer the mat's shape "
                                            "(give rows and cols)");
  }
  // A matrix file of one frame: as many rows as non-blank lines.
  std::deque<std::pair<std::uint64_t, std::string>> lines;
  lines.push_back(std::move(*first));
  for (;;) {
    auto line = impl->next_line(&problem);
    if (problem) return *problem;
    if (!line) break;
    if (lines.size() >= kMaxRows) {
      return impl->error_at(line->first, "more than " + std::to_string(kMaxRows) + " lines of " +
                                             std::to_string(n) +
                                             " values: cannot infer the number of rows (give "
                                             "rows and cols)");
    }
    lines.push_back(std::move(*line));
  }
  impl->pending = std::move(lines);
  const auto rows = static_cast<std::uint16_t>(impl->pending.size());
  const auto cols = static_cast<std::uint16_t>(n);
  if (auto bad_shape = check_shape(rows, cols)) return impl->error(*bad_shape);
  impl->info.rows = rows;
  impl->info.cols = cols;
  impl->info.pmd_layout = PmdLayout::kMatrix;
  return RecordingReader(std::move(impl));
}

std::variant<RecordingContents, RecordingError> read_recording(const std::filesystem::path& path,
                                                               const RecordingOptions& options) {
  auto opened = RecordingReader::open(path, options);
  if (auto* bad = std::get_if<RecordingError>(&opened)) return std::move(*bad);
  auto& reader = std::get<RecordingReader>(opened);
  RecordingContents contents;
  contents.info = reader.info();
  for (;;) {
    RecordingRecord record = reader.next();
    if (std::holds_alternative<RecordingEnd>(record)) break;
    if (auto* bad = std::get_if<RecordingError>(&record)) return std::move(*bad);
    contents.frames.push_back(std::get<RecordedFrame>(std::move(record)));
  }
  return contents;
}

}  // namespace pmap
