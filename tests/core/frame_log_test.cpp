#include "pmap/frame_log.hpp"

#include <gtest/gtest.h>

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
  bad_version[8] = 2;
  overwrite(bad_version);
  EXPECT_NE(error().find("version"), std::string::npos);
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

TEST_F(FrameLog, MissingFileIsAnError) {
  auto opened = pmap::FrameLogReader::open(path_ / "nope");
  EXPECT_TRUE(std::holds_alternative<pmap::FrameLogError>(opened));
}

}  // namespace
