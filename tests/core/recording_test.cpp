// The recording reader: PMD text in both published layouts, CSV, frame logs, and bad input.
#include "pmap/recording.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "pmap/frame_log.hpp"

namespace pmap {
namespace {

namespace fs = std::filesystem;

class Recording : public ::testing::Test {
 protected:
  fs::path dir_ =
      fs::temp_directory_path() / ("pmap_recording_test_" + std::to_string(::getpid()) + "_" +
                                   ::testing::UnitTest::GetInstance()->current_test_info()->name());
  void SetUp() override { fs::create_directories(dir_); }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write(const std::string& name, const std::string& content) {
    const fs::path path = dir_ / name;
    std::ofstream out(path, std::ios::binary);
    out << content;
    return path;
  }
  static RecordingOptions pmd(std::optional<int> rows = std::nullopt,
                              std::optional<int> cols = std::nullopt) {
    RecordingOptions o;
    o.format = RecordingFormat::kPmd;
    if (rows) o.rows = static_cast<std::uint16_t>(*rows);
    if (cols) o.cols = static_cast<std::uint16_t>(*cols);
    return o;
  }
  static RecordingOptions csv(int rows, int cols) {
    RecordingOptions o;
    o.format = RecordingFormat::kCsv;
    o.rows = static_cast<std::uint16_t>(rows);
    o.cols = static_cast<std::uint16_t>(cols);
    return o;
  }
  static std::string error_of(const fs::path& path, const RecordingOptions& options) {
    auto read = read_recording(path, options);
    if (const auto* e = std::get_if<RecordingError>(&read)) return e->message;
    return "";
  }
  static RecordingContents contents(const fs::path& path, const RecordingOptions& options) {
    auto read = read_recording(path, options);
    if (const auto* e = std::get_if<RecordingError>(&read)) {
      ADD_FAILURE() << e->message;
      return {};
    }
    return std::get<RecordingContents>(std::move(read));
  }
};

// Experiment-i form: one frame per line, tab separated, trailing tab, CRLF.
std::string pmd_line_frame(int rows, int cols, int offset) {
  std::string line;
  for (int i = 0; i < rows * cols; ++i) line += std::to_string((i + offset) % 4096) + "\t";
  return line + "\r\n";
}

TEST_F(Recording, PmdOneFramePerLineWithCrlfAndTrailingTabs) {
  const auto path = write("a.txt", pmd_line_frame(2, 3, 0) + pmd_line_frame(2, 3, 10) + "\r\n");
  const RecordingContents c = contents(path, pmd(2, 3));
  EXPECT_EQ(c.info.pmd_layout, PmdLayout::kFramePerLine);
  EXPECT_EQ(c.info.rows, 2);
  EXPECT_EQ(c.info.cols, 3);
  EXPECT_DOUBLE_EQ(c.info.sample_rate_hz, 1.0);
  ASSERT_EQ(c.frames.size(), 2u);
  EXPECT_EQ(c.frames[0].values, (std::vector<float>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(c.frames[1].values, (std::vector<float>{10, 11, 12, 13, 14, 15}));
  EXPECT_EQ(c.frames[1].index, 1u);
  EXPECT_EQ(c.frames[1].line, 2u);
  EXPECT_EQ(c.frames[1].time_us, 1'000'000);
}

TEST_F(Recording, PmdMatrixWithGivenShapeHoldsSeveralFrames) {
  const auto path = write("m.txt", "1 2 3\r\n4 5 6\r\n7 8 9\r\n10 11 4095\r\n");
  const RecordingContents c = contents(path, pmd(2, 3));
  EXPECT_EQ(c.info.pmd_layout, PmdLayout::kMatrix);
  ASSERT_EQ(c.frames.size(), 2u);
  EXPECT_EQ(c.frames[1].values, (std::vector<float>{7, 8, 9, 10, 11, 4095}));
  EXPECT_EQ(c.frames[1].line, 3u);
}

TEST_F(Recording, PmdShapeInferredFor2048ValuesAndForAMatrixFile) {
  const RecordingContents i = contents(write("i.txt", pmd_line_frame(64, 32, 0)), pmd());
  EXPECT_EQ(i.info.rows, 64);
  EXPECT_EQ(i.info.cols, 32);
  EXPECT_EQ(i.info.pmd_layout, PmdLayout::kFramePerLine);
  ASSERT_EQ(i.frames.size(), 1u);
  EXPECT_EQ(i.frames[0].values[2047], 2047);

  std::string matrix;
  for (int r = 0; r < 64; ++r) {
    for (int c = 0; c < 27; ++c) matrix += std::to_string(r) + (c + 1 < 27 ? " " : "\r\n");
  }
  const RecordingContents ii = contents(write("ii.txt", matrix), pmd());
  EXPECT_EQ(ii.info.rows, 64);
  EXPECT_EQ(ii.info.cols, 27);
  EXPECT_EQ(ii.info.pmd_layout, PmdLayout::kMatrix);
  ASSERT_EQ(ii.frames.size(), 1u);
  EXPECT_EQ(ii.frames[0].values[63 * 27], 63);
}

TEST_F(Recording, PmdRejectsOutOfRangeNonFiniteAndJunkWithFileAndLine) {
  const auto big = write("big.txt", "1 2 3\n4 5 4096\n");
  const std::string e1 = error_of(big, pmd(2, 3));
  EXPECT_NE(e1.find("big.txt:2: value 4096 outside 0..4095"), std::string::npos) << e1;
  EXPECT_NE(error_of(write("neg.txt", "1 -2 3\n4 5 6\n"), pmd(2, 3)).find("neg.txt:1:"),
            std::string::npos);
  const std::string e2 = error_of(write("nan.txt", "1 2 3\n4 nan 6\n"), pmd(2, 3));
  EXPECT_NE(e2.find("nan.txt:2: not a finite number"), std::string::npos) << e2;
  EXPECT_NE(error_of(write("inf.txt", "1 2 3\n4 inf 6\n"), pmd(2, 3)).find("finite"),
            std::string::npos);
  const std::string e3 = error_of(write("junk.txt", std::string("\x7f"
                                                                "ELF\x01\x02\0\0",
                                                                8)),
                                  pmd());
  EXPECT_NE(e3.find("junk.txt:1: not a number: '\\x7FELF"), std::string::npos) << e3;
  const std::string e4 = error_of(write("short.txt", "1 2 3\n4 5\n"), pmd(2, 3));
  EXPECT_NE(e4.find("short.txt:2: expected 3 values, got 2"), std::string::npos) << e4;
  const std::string e5 = error_of(write("half.txt", "1 2 3\n4 5 6\n7 8 9\n"), pmd(2, 3));
  EXPECT_NE(e5.find("incomplete frame"), std::string::npos) << e5;
}

TEST_F(Recording, PmdWrongShapeAndUninferableShapeAreErrors) {
  const auto path = write("a.txt", pmd_line_frame(2, 3, 0));
  const std::string e = error_of(path, pmd(4, 4));
  EXPECT_NE(e.find("a.txt:1: 6 values on the line: expected 16"), std::string::npos) << e;
  // 300 values per line: neither the PMD experiment-i shape nor a matrix row.
  const std::string e2 = error_of(write("b.txt", pmd_line_frame(10, 30, 0)), pmd());
  EXPECT_NE(e2.find("cannot infer"), std::string::npos) << e2;
  // A matrix of more than 256 lines cannot be one inferred frame.
  std::string tall;
  for (int r = 0; r < 300; ++r) tall += "1 2 3\n";
  EXPECT_NE(error_of(write("tall.txt", tall), pmd()).find("cannot infer the number of rows"),
            std::string::npos);
  EXPECT_NE(error_of(path, pmd(0, 3)).find("rows and cols must be 1..256"), std::string::npos);
  EXPECT_NE(error_of(path, pmd(256, 256)).find("at most 16384"), std::string::npos);
  EXPECT_NE(error_of(path, pmd(2)).find("both rows and cols"), std::string::npos);
}

TEST_F(Recording, EmptyMissingDirectoryAndHugeLineAreErrors) {
  EXPECT_NE(error_of(write("empty.txt", ""), pmd()).find("empty.txt: empty file"),
            std::string::npos);
  EXPECT_NE(error_of(write("blank.txt", "\r\n \t\r\n"), pmd()).find("empty file"),
            std::string::npos);
  EXPECT_NE(error_of(dir_ / "missing.txt", pmd()).find("missing.txt: no such file"),
            std::string::npos);
  EXPECT_NE(error_of(dir_, pmd()).find("directory"), std::string::npos);
  const std::string huge(kMaxRecordingLineBytes + 10, '7');
  EXPECT_NE(error_of(write("huge.txt", huge), pmd()).find("huge.txt:1: line longer than"),
            std::string::npos);
  EXPECT_NE(error_of(write("empty.csv", "t_ms,applied_mmHg,v0\n"), csv(1, 1)).find("no frames"),
            std::string::npos);
}

TEST_F(Recording, RandomBinaryJunkNeverCrashes) {
  std::mt19937 rng(42);
  for (int trial = 0; trial < 50; ++trial) {
    std::string junk(static_cast<std::size_t>(rng() % 5000), '\0');
    for (char& ch : junk) ch = static_cast<char>(rng() % 256);
    const auto path = write("junk" + std::to_string(trial), junk);
    for (const auto format :
         {RecordingFormat::kPmd, RecordingFormat::kCsv, RecordingFormat::kPmaplog}) {
      RecordingOptions o;
      o.format = format;
      if (format == RecordingFormat::kCsv) o.rows = o.cols = 4;
      auto read = read_recording(path, o);
      EXPECT_TRUE(std::holds_alternative<RecordingError>(read)) << trial;
    }
  }
}

TEST_F(Recording, CsvWithHeaderEmptyAppliedAndTimes) {
  const auto path = write("r.csv",
                          "t_ms,applied_mmHg,v0,v1,v2,v3\r\n"
                          "0,,1,2,3,4\r\n"
                          "500, 20.5 ,5,6,7,8.5\r\n"
                          "500,,0,0,0,65535\r\n");
  const RecordingContents c = contents(path, csv(2, 2));
  ASSERT_EQ(c.frames.size(), 3u);
  EXPECT_FALSE(c.frames[0].applied_mmhg.has_value());
  ASSERT_TRUE(c.frames[1].applied_mmhg.has_value());
  EXPECT_DOUBLE_EQ(*c.frames[1].applied_mmhg, 20.5);
  EXPECT_EQ(c.frames[1].time_us, 500'000);
  EXPECT_EQ(c.frames[1].values, (std::vector<float>{5, 6, 7, 8.5f}));
  EXPECT_EQ(c.frames[1].line, 3u);
  EXPECT_EQ(c.frames[2].index, 2u);
  EXPECT_DOUBLE_EQ(c.info.sample_rate_hz, 0.0);
  // No header: the first line is data.
  EXPECT_EQ(contents(write("n.csv", "0,,1\n1,,2\n"), csv(1, 1)).frames.size(), 2u);
}

TEST_F(Recording, CsvValidation) {
  auto err = [&](const std::string& body, int rows = 1, int cols = 2) {
    return error_of(write("x.csv", body), csv(rows, cols));
  };
  EXPECT_NE(err("0,,1\n").find("x.csv:1: expected 4 columns"), std::string::npos);
  EXPECT_NE(err("0,,1,2,3\n").find("got 5"), std::string::npos);
  EXPECT_NE(err("0,,1,2\n1000,,1,x\n").find("x.csv:2: column 4: not a number"), std::string::npos);
  EXPECT_NE(err("0,,1,nan\n").find("not a finite number"), std::string::npos);
  EXPECT_NE(err("0,,1,-1\n").find("outside 0..65535"), std::string::npos);
  EXPECT_NE(err("0,inf,1,1\n").find("applied_mmHg"), std::string::npos);
  EXPECT_NE(err("10,,1,2\n9,,1,2\n").find("x.csv:2: t_ms 9 is earlier"), std::string::npos);
  EXPECT_NE(err("0,,1,2\n,,1,2\n").find("x.csv:2: t_ms: not a number"), std::string::npos);
  RecordingOptions no_shape;
  no_shape.format = RecordingFormat::kCsv;
  EXPECT_NE(error_of(write("y.csv", "0,,1\n"), no_shape).find("rows and cols"), std::string::npos);
}

TEST_F(Recording, FrameLogWithMetaAndShapeCheck) {
  MatDescriptor mat;
  mat.id = "bed1";
  mat.rows = 2;
  mat.cols = 3;
  mat.row_pitch_mm = mat.col_pitch_mm = 28.6;
  mat.sample_rate_hz = 2;
  mat.layout = MatLayout{RowOrigin::kFar, true};
  mat.full_scale_counts = 1000;
  const fs::path path = dir_ / "a.pmaplog";
  {
    auto created = FrameLogWriter::create(path, mat);
    auto& writer = std::get<FrameLogWriter>(created);
    for (int i = 0; i < 3; ++i) {
      PressureFrame f;
      f.sequence = static_cast<std::uint32_t>(i);
      f.timestamp_us = 1'700'000'000'000'000 + i * 500'000;
      f.rows = 2;
      f.cols = 3;
      f.values = {1, 2, 3, 4, 5, static_cast<std::uint16_t>(i)};
      ASSERT_FALSE(writer.append(f).has_value());
    }
    ASSERT_FALSE(writer.close().has_value());
  }
  RecordingOptions o;
  o.format = RecordingFormat::kPmaplog;
  const RecordingContents c = contents(path, o);
  ASSERT_TRUE(c.info.mat.has_value());
  EXPECT_EQ(c.info.mat->layout, (MatLayout{RowOrigin::kFar, true}));
  EXPECT_DOUBLE_EQ(c.info.sample_rate_hz, 2.0);
  ASSERT_EQ(c.frames.size(), 3u);
  EXPECT_EQ(c.frames[2].time_us, 1'700'000'000'000'000 + 1'000'000);
  EXPECT_EQ(c.frames[2].values, (std::vector<float>{1, 2, 3, 4, 5, 2}));
  o.rows = 3;
  o.cols = 2;
  EXPECT_NE(error_of(path, o).find("2 x 3, not 3 x 2"), std::string::npos);
  // Truncated in the middle of a frame: the frames before it come out, then the error.
  const auto size = fs::file_size(path);
  fs::resize_file(path, size - 5);
  o.rows.reset();
  o.cols.reset();
  auto opened = RecordingReader::open(path, o);
  auto& reader = std::get<RecordingReader>(opened);
  EXPECT_TRUE(std::holds_alternative<RecordedFrame>(reader.next()));
  EXPECT_TRUE(std::holds_alternative<RecordedFrame>(reader.next()));
  const RecordingRecord last = reader.next();
  ASSERT_TRUE(std::holds_alternative<RecordingError>(last));
  EXPECT_NE(std::get<RecordingError>(last).message.find("frame 2"), std::string::npos);
  EXPECT_TRUE(std::holds_alternative<RecordingError>(reader.next()));
  EXPECT_NE(error_of(write("text.pmaplog", "hello\n"), o).find("text.pmaplog: "),
            std::string::npos);
}

// Version-2 frame logs (calibration sessions) carry the applied pressure; version 1 has none.
TEST_F(Recording, FrameLogVersionTwoFillsAppliedPressure) {
  MatDescriptor mat;
  mat.id = "cal1";
  mat.rows = 2;
  mat.cols = 2;
  mat.row_pitch_mm = mat.col_pitch_mm = 28.6;
  mat.sample_rate_hz = 1;
  mat.full_scale_counts = 1000;
  for (const std::uint16_t version : {kFrameLogVersion, kFrameLogVersionAnnotated}) {
    const fs::path path = dir_ / ("v" + std::to_string(version) + ".pmaplog");
    {
      auto created = FrameLogWriter::create(path, mat, version);
      auto& writer = std::get<FrameLogWriter>(created);
      for (int i = 0; i < 3; ++i) {
        PressureFrame f;
        f.sequence = static_cast<std::uint32_t>(i);
        f.timestamp_us = 1'700'000'000'000'000 + i * 1'000'000;
        f.rows = 2;
        f.cols = 2;
        f.values = {45, 46, static_cast<std::uint16_t>(100 * i), 47};
        FrameAnnotation annotation;
        if (version == kFrameLogVersionAnnotated && i != 1) annotation.applied_mmhg = 20.0 * i;
        ASSERT_FALSE(writer.append(f, annotation).has_value());
      }
      ASSERT_FALSE(writer.close().has_value());
    }
    RecordingOptions o;
    o.format = RecordingFormat::kPmaplog;
    const RecordingContents c = contents(path, o);
    ASSERT_EQ(c.frames.size(), 3u);
    EXPECT_EQ(c.frames[2].values, (std::vector<float>{45, 46, 200, 47}));
    if (version == kFrameLogVersion) {
      for (const auto& f : c.frames) EXPECT_FALSE(f.applied_mmhg.has_value());
    } else {
      EXPECT_EQ(c.frames[0].applied_mmhg, 0.0);
      EXPECT_FALSE(c.frames[1].applied_mmhg.has_value());
      EXPECT_EQ(c.frames[2].applied_mmhg, 40.0);
    }
    // A damaged annotation: the frames before it, then an error naming the byte and frame.
    if (version == kFrameLogVersionAnnotated) {
      fs::resize_file(path, fs::file_size(path) - 3);
      const std::string message = error_of(path, o);
      EXPECT_NE(message.find("v2.pmaplog: "), std::string::npos) << message;
      EXPECT_NE(message.find("frame 2"), std::string::npos) << message;
    }
  }
}

// The published PMD files themselves (skipped without ../shared/data/pmd).
TEST_F(Recording, RealPmdFilesOfBothExperiments) {
  const char* source = std::getenv("PMAP_SOURCE_DIR");
  const fs::path root =
      fs::path(source != nullptr ? source : ".") / ".." / "shared" / "data" / "pmd";
  const fs::path i = root / "experiment-i" / "S1" / "1.txt";
  const fs::path ii = root / "experiment-ii" / "S1" / "Air_Mat" / "Matrix_Air_B1.txt";
  if (!fs::exists(i) || !fs::exists(ii)) GTEST_SKIP() << "no PMD data at " << root;
  const RecordingContents a = contents(i, pmd());
  EXPECT_EQ(a.info.rows, 64);
  EXPECT_EQ(a.info.cols, 32);
  EXPECT_GE(a.frames.size(), 50u);
  const RecordingContents b = contents(ii, pmd());
  EXPECT_EQ(b.info.rows, 64);
  EXPECT_EQ(b.info.cols, 27);
  ASSERT_EQ(b.frames.size(), 1u);
  EXPECT_FLOAT_EQ(b.frames[0].values[0], 44);  // first value of the published file
  // The given shape picks the layout from the line: the same files with --rows/--cols.
  EXPECT_EQ(contents(i, pmd(64, 32)).frames.size(), a.frames.size());
  EXPECT_EQ(contents(ii, pmd(64, 27)).info.pmd_layout, PmdLayout::kMatrix);
  EXPECT_NE(error_of(ii, pmd(64, 32)).find("27 values on the line"), std::string::npos);
}

}  // namespace
}  // namespace pmap
