#include "pmap/frame_log.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

namespace {

pmap::MatDescriptor small_mat() {
  pmap::MatDescriptor mat;
  mat.id = "bed1";
  mat.kind = pmap::MatKind::kBed;
  mat.rows = 2;
  mat.cols = 3;
  mat.row_pitch_mm = 28.6;
  mat.col_pitch_mm = 28.6;
  mat.sample_rate_hz = 1;
  mat.full_scale_counts = 1000;
  mat.nominal_full_scale_mmhg = 100;
  mat.firmware = "test";
  return mat;
}

pmap::PressureFrame frame(std::uint32_t seq) {
  pmap::PressureFrame f;
  f.sequence = seq;
  f.timestamp_us = 1'700'000'000'000'000 + seq * 1'000'000LL;
  f.rows = 2;
  f.cols = 3;
  f.values = {1, 2, 3, 4, 5, static_cast<std::uint16_t>(seq % 1000)};
  return f;
}

class FrameLog : public ::testing::Test {
 protected:
  std::filesystem::path path_ = std::filesystem::temp_directory_path() /
                                ("pmap_frame_log_test_" + std::to_string(::getpid()) + ".pmaplog");
  void TearDown() override { std::filesystem::remove(path_); }

  void write(int frames) {
    auto created = pmap::FrameLogWriter::create(path_, small_mat());
    ASSERT_TRUE(std::holds_alternative<pmap::FrameLogWriter>(created));
    auto& writer = std::get<pmap::FrameLogWriter>(created);
    for (int i = 0; i < frames; ++i) ASSERT_FALSE(writer.append(frame(i)).has_value());
    ASSERT_FALSE(writer.close().has_value());
  }
  std::string bytes() {
    std::ifstream in(path_, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
  }
  void overwrite(const std::string& data) {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out << data;
  }
  std::string error() {
    auto read = pmap::read_frame_log(path_);
    if (auto* e = std::get_if<pmap::FrameLogError>(&read)) return e->message;
    return "";
  }
};

TEST_F(FrameLog, RoundTripsFramesAndMeta) {
  write(5);
  auto read = pmap::read_frame_log(path_);
  ASSERT_TRUE(std::holds_alternative<pmap::FrameLogContents>(read));
  const auto& contents = std::get<pmap::FrameLogContents>(read);
  EXPECT_EQ(contents.mat, small_mat());
  ASSERT_EQ(contents.frames.size(), 5u);
  for (std::uint32_t i = 0; i < 5; ++i) EXPECT_EQ(contents.frames[i], frame(i));
}

TEST_F(FrameLog, HeaderLayoutIsAsDocumented) {
  write(1);
  const std::string data = bytes();
  ASSERT_GT(data.size(), 16u);
  EXPECT_EQ(data.substr(0, 8), std::string("PMAPLOG\0", 8));
  EXPECT_EQ(data[8], 1);  // version, little-endian
  EXPECT_EQ(data[9], 0);
  EXPECT_EQ(data[10], 4);  // "bed1"
  EXPECT_EQ(data.substr(16, 4), "bed1");
  EXPECT_EQ(data[20], '{');
  // Header + one record of 4 + (24 + 6*2 + 4) bytes.
  const std::size_t meta =
      static_cast<unsigned char>(data[12]) | static_cast<unsigned char>(data[13]) << 8;
  EXPECT_EQ(data.size(), 16 + 4 + meta + 4 + 40);
}

TEST_F(FrameLog, EmptyLogHasNoFrames) {
  write(0);
  auto read = pmap::read_frame_log(path_);
  ASSERT_TRUE(std::holds_alternative<pmap::FrameLogContents>(read));
  EXPECT_TRUE(std::get<pmap::FrameLogContents>(read).frames.empty());
}

TEST_F(FrameLog, RejectsBadFilesWithoutThrowing) {
  write(3);
  const std::string good = bytes();
  overwrite("");
  EXPECT_NE(error(), "");
  overwrite("XMAPLOG" + good.substr(7));
  EXPECT_NE(error().find("magic"), std::string::npos);
  std::string bad_version = good;
  bad_version[8] = 3;  // versions 1 and 2 exist
  overwrite(bad_version);
  EXPECT_NE(error().find("version"), std::string::npos);
  std::string relabelled = good;  // version-1 records read as version 2: an error, no crash
  relabelled[8] = 2;
  overwrite(relabelled);
  EXPECT_NE(error(), "");
  std::string huge_meta = good;
  huge_meta[15] = 0x7f;
  overwrite(huge_meta);
  EXPECT_NE(error().find("meta length"), std::string::npos);
  overwrite(good.substr(0, good.size() - 3));  // cut inside the last frame
  EXPECT_NE(error().find("ends inside"), std::string::npos);
  std::string flipped = good;
  flipped[flipped.size() - 10] ^= 0x40;  // a taxel byte of the last frame: CRC must catch it
  overwrite(flipped);
  EXPECT_NE(error().find("bad_crc"), std::string::npos);
  std::string bad_length = good;
  const std::size_t first_record = good.size() - 3 * 44;
  bad_length[first_record + 3] = 0x7f;
  overwrite(bad_length);
  EXPECT_NE(error().find("record length"), std::string::npos);
}

TEST_F(FrameLog, WriterRejectsFramesOfAnotherShape) {
  auto created = pmap::FrameLogWriter::create(path_, small_mat());
  ASSERT_TRUE(std::holds_alternative<pmap::FrameLogWriter>(created));
  pmap::PressureFrame wrong = frame(0);
  wrong.rows = 3;
  wrong.values.resize(9);
  EXPECT_TRUE(std::get<pmap::FrameLogWriter>(created).append(wrong).has_value());
}

TEST_F(FrameLog, VersionOneIsTheDefaultAndHasNoAnnotations) {
  write(2);
  auto opened = pmap::FrameLogReader::open(path_);
  ASSERT_TRUE(std::holds_alternative<pmap::FrameLogReader>(opened));
  auto& reader = std::get<pmap::FrameLogReader>(opened);
  EXPECT_EQ(reader.version(), 1);
  ASSERT_TRUE(std::holds_alternative<pmap::PressureFrame>(reader.next()));
  EXPECT_EQ(reader.annotation(), pmap::FrameAnnotation{});
  auto read = pmap::read_frame_log(path_);
  const auto& contents = std::get<pmap::FrameLogContents>(read);
  EXPECT_EQ(contents.version, 1);
  EXPECT_EQ(contents.annotations.size(), 2u);
  // A version-1 writer refuses annotations instead of dropping them.
  auto created = pmap::FrameLogWriter::create(path_, small_mat());
  auto& writer = std::get<pmap::FrameLogWriter>(created);
  EXPECT_TRUE(writer.append(frame(0), pmap::FrameAnnotation{12.5}).has_value());
  EXPECT_FALSE(writer.append(frame(0)).has_value());
}

// Version 2: a flags byte after every frame, then (bit 0) the applied pressure as f64.
TEST_F(FrameLog, VersionTwoCarriesAppliedPressurePerFrame) {
  {
    auto created =
        pmap::FrameLogWriter::create(path_, small_mat(), pmap::kFrameLogVersionAnnotated);
    ASSERT_TRUE(std::holds_alternative<pmap::FrameLogWriter>(created));
    auto& writer = std::get<pmap::FrameLogWriter>(created);
    EXPECT_EQ(writer.version(), 2);
    ASSERT_FALSE(writer.append(frame(0), pmap::FrameAnnotation{0.0}).has_value());
    ASSERT_FALSE(writer.append(frame(1)).has_value());  // no annotation
    ASSERT_FALSE(writer.append(frame(2), pmap::FrameAnnotation{13.0 / 3}).has_value());
    EXPECT_TRUE(writer.append(frame(3), pmap::FrameAnnotation{std::nan("")}).has_value());
    EXPECT_TRUE(writer.append(frame(3), pmap::FrameAnnotation{2e6}).has_value());
    ASSERT_FALSE(writer.close().has_value());
  }
  const std::string data = bytes();
  EXPECT_EQ(data[8], 2);
  const std::size_t meta =
      static_cast<unsigned char>(data[12]) | static_cast<unsigned char>(data[13]) << 8;
  // Three records of 4 + 40 bytes, with 1 + 8, 1 and 1 + 8 annotation bytes.
  ASSERT_EQ(data.size(), 16 + 4 + meta + 3 * 44 + 9 + 1 + 9);
  const std::size_t first_flags = 16 + 4 + meta + 44;
  EXPECT_EQ(data[first_flags], 1);
  EXPECT_EQ(data.substr(first_flags + 1, 8), std::string(8, '\0'));  // 0.0
  EXPECT_EQ(data[first_flags + 9 + 44], 0);
  auto read = pmap::read_frame_log(path_);
  ASSERT_TRUE(std::holds_alternative<pmap::FrameLogContents>(read))
      << std::get<pmap::FrameLogError>(read).message;
  const auto& contents = std::get<pmap::FrameLogContents>(read);
  EXPECT_EQ(contents.version, 2);
  ASSERT_EQ(contents.frames.size(), 3u);
  for (std::uint32_t i = 0; i < 3; ++i) EXPECT_EQ(contents.frames[i], frame(i));
  EXPECT_EQ(contents.annotations[0].applied_mmhg, 0.0);
  EXPECT_FALSE(contents.annotations[1].applied_mmhg.has_value());
  EXPECT_EQ(contents.annotations[2].applied_mmhg, 13.0 / 3);  // bit-exact

  // Bad annotations are errors, never exceptions.
  std::string unknown_flag = data;
  unknown_flag[first_flags] = 3;
  overwrite(unknown_flag);
  EXPECT_NE(error().find("annotation flags"), std::string::npos);
  std::string nan_value = data;
  nan_value.replace(first_flags + 1, 8, std::string("\0\0\0\0\0\0\xf8\x7f", 8));
  overwrite(nan_value);
  EXPECT_NE(error().find("applied pressure"), std::string::npos);
  overwrite(data.substr(0, data.size() - 4));  // cut inside the last applied pressure
  EXPECT_NE(error().find("ends inside"), std::string::npos);
  overwrite(data.substr(0, first_flags));  // cut before the first flags byte
  EXPECT_NE(error().find("annotation"), std::string::npos);
  std::string version3 = data;
  version3[8] = 3;
  overwrite(version3);
  EXPECT_NE(error().find("version"), std::string::npos);
}

TEST_F(FrameLog, MissingFileIsAnError) {
  auto opened = pmap::FrameLogReader::open(path_ / "nope");
  EXPECT_TRUE(std::holds_alternative<pmap::FrameLogError>(opened));
}

}  // namespace
